"""The elimination API: the sweep as a job, runs, candidates, decisions, rules; suppliers 404."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Product
from app.services import elimination
from tests import factories
from tests.services.test_elimination import UNHAPPY, add_metrics


@pytest.fixture
def swept(world):
    product = factories.make_product(world, "listed")
    add_metrics(world, product.id, UNHAPPY)
    elimination.set_category_rules(world.manager, world.category.id,
                                   {"min_positive_rate": 90, "action": "decision_list"})
    run = elimination.run_sweep(world.manager, "manual", as_of="2026-11-05")
    [candidate] = elimination.list_candidates(world.manager, run_id=run.id)
    return product, run, candidate


def test_post_runs_starts_the_sweep_job(client, world, token_for, swept):
    product, _run, _candidate = swept
    response = client.post("/api/v1/elimination/runs", json={"as_of": "2026-11-05"},
                           headers=token_for(world.manager))
    assert response.status_code == 202, response.json
    assert response.headers["Location"].endswith(f"/api/v1/jobs/{response.json['id']}")
    job = client.get(response.headers["Location"], headers=token_for(world.manager)).json
    assert job["status"] == "succeeded" and job["kind"] == "elimination_sweep"
    run = client.get(f"/api/v1/elimination/runs/{job['result']['run_id']}",
                     headers=token_for(world.manager)).json
    assert run["trigger"] == "api" and run["candidates_count"] == 1
    assert run["summary"]["superseded"] == 1
    bad = client.post("/api/v1/elimination/runs", json={"period_kind": "year"},
                      headers=token_for(world.manager))
    assert bad.status_code == 422 and "period_kind" in bad.json["error"]["details"]
    qc = client.post("/api/v1/elimination/runs", headers=token_for(world.qc))
    assert qc.status_code == 403


def test_runs_and_candidates_read_back_with_explanations(client, world, token_for, swept):
    product, run, candidate = swept
    runs = client.get("/api/v1/elimination/runs", headers=token_for(world.qc)).json["items"]
    assert [r["id"] for r in runs] == [run.id]
    items = client.get(f"/api/v1/elimination/candidates?status=open&category_id="
                       f"{world.category.id}&run_id={run.id}",
                       headers=token_for(world.manager)).json["items"]
    assert [c["product_id"] for c in items] == [product.id]
    assert items[0]["findings"][0]["explanation"].startswith("positive-review rate 87.5 %")
    assert items[0]["score_detail"]["formula"].startswith("0.40 × 0.875 positive")
    none = client.get(f"/api/v1/elimination/candidates?category_id={world.other_category.id}",
                      headers=token_for(world.manager)).json["items"]
    assert none == []
    one = client.get(f"/api/v1/elimination/candidates/{candidate.id}",
                     headers=token_for(world.manager))
    assert one.status_code == 200 and one.json["action"] == "decision_list"
    bad = client.get("/api/v1/elimination/candidates?status=maybe",
                     headers=token_for(world.manager))
    assert bad.status_code == 422


def test_delist_needs_a_reason_code(client, world, token_for, swept):
    product, _run, candidate = swept
    url = f"/api/v1/elimination/candidates/{candidate.id}/delist"
    missing = client.post(url, json={"note": "bad"}, headers=token_for(world.manager))
    assert missing.status_code == 422 and "reason_code" in missing.json["error"]["details"]
    assert db.session.get(Product, product.id, populate_existing=True).state == "listed"
    qc = client.post(url, json={"reason_code": "customer_metrics"}, headers=token_for(world.qc))
    assert qc.status_code == 403
    done = client.post(url, json={"reason_code": "customer_metrics", "note": "falling"},
                       headers=token_for(world.manager))
    assert done.status_code == 200
    assert (done.json["status"], done.json["decision_reason_code"]) == ("delisted",
                                                                       "customer_metrics")
    assert db.session.get(Product, product.id, populate_existing=True).state == "delisted"
    again = client.post(f"/api/v1/elimination/candidates/{candidate.id}/dismiss",
                        json={"note": "x"}, headers=token_for(world.manager))
    assert again.status_code == 409


def test_dismiss(client, world, token_for, swept):
    _product, _run, candidate = swept
    url = f"/api/v1/elimination/candidates/{candidate.id}/dismiss"
    assert client.post(url, json={}, headers=token_for(world.admin)).status_code == 422
    done = client.post(url, json={"note": "seasonal"}, headers=token_for(world.admin))
    assert done.status_code == 200 and done.json["status"] == "dismissed"
    assert done.json["decision_note"] == "seasonal"


def test_category_rules_get_and_put(client, world, token_for):
    url = f"/api/v1/categories/{world.category.id}/elimination-rules"
    shown = client.get(url, headers=token_for(world.qc)).json
    assert shown == {"category_id": world.category.id, "enabled": False,
                     "rules": shown["rules"]} and shown["rules"]["window_periods"] == 3
    bad = client.put(url, json={"min_positive_rate": 101, "bottom_percent": "ten"},
                     headers=token_for(world.manager))
    assert bad.status_code == 422
    assert set(bad.json["error"]["details"]) == {"min_positive_rate", "bottom_percent"}
    put = client.put(url, json={"rules": {"max_return_rate": 8, "flag_overdue_capa": True}},
                     headers=token_for(world.manager))
    assert put.status_code == 200 and put.json["enabled"]
    assert put.json["rules"]["flag_overdue_capa"] is True
    assert client.put(url, json={"max_return_rate": 8},
                      headers=token_for(world.qc)).status_code == 403
    assert client.get("/api/v1/categories/999/elimination-rules",
                      headers=token_for(world.manager)).status_code == 404


def test_suppliers_get_404_everywhere(client, world, token_for, swept):
    _product, run, candidate = swept
    headers = token_for(world.supplier_user)  # the candidate's own supplier, even
    for method, url, body in [
        ("post", "/api/v1/elimination/runs", {}),
        ("get", "/api/v1/elimination/runs", None),
        ("get", f"/api/v1/elimination/runs/{run.id}", None),
        ("get", "/api/v1/elimination/candidates", None),
        ("get", f"/api/v1/elimination/candidates/{candidate.id}", None),
        ("post", f"/api/v1/elimination/candidates/{candidate.id}/delist",
         {"reason_code": "other"}),
        ("post", f"/api/v1/elimination/candidates/{candidate.id}/dismiss", {"note": "x"}),
        ("get", f"/api/v1/categories/{world.category.id}/elimination-rules", None),
        ("put", f"/api/v1/categories/{world.category.id}/elimination-rules", {}),
    ]:
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code == 404, (method, url, response.status_code)


def test_every_elimination_route_is_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").json
    for path in ("/api/v1/elimination/runs", "/api/v1/elimination/runs/{run_id}",
                 "/api/v1/elimination/candidates/{candidate_id}/delist",
                 "/api/v1/categories/{category_id}/elimination-rules"):
        assert path in doc["paths"]
    assert set(doc["paths"]["/api/v1/categories/{category_id}/elimination-rules"]) == {
        "get", "put"}
    assert "EliminationCandidate" in doc["components"]["schemas"]
