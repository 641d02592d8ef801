"""The elimination pages: the sweep button runs the job, candidates with explanations, delist
and dismiss forms, category rules; suppliers get 404, designers 403, QC reads only."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Category, Job, Product
from app.models.elimination import EliminationCandidate
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


def test_the_button_runs_the_sweep_as_a_job(client, auth, world, swept):
    product, _run, _candidate = swept
    auth.login(world.manager.email)
    page = client.get("/elimination/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="run-sweep-form"' in html and "Run sweep now" in html
    assert "positive-review rate 87.5 % over the last 3 periods" in html
    assert "0.40 × 0.875 positive" in html and "Decision list" in html
    response = client.post("/elimination/runs", data={"as_of": "2026-11-05",
                                                      "period_kind": "month"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert job.kind == "elimination_sweep" and job.status == "succeeded"
    assert job.params["trigger"] == "manual"
    run_page = client.get(f"/elimination/runs/{job.result['run_id']}")
    assert run_page.status_code == 200 and product.display_name in run_page.get_data(True)


def test_delist_form_needs_reason_code_and_confirmation(client, auth, world, swept):
    product, _run, candidate = swept
    auth.login(world.manager.email)
    url = f"/elimination/candidates/{candidate.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="delist-form"' in page and 'data-testid="dismiss-form"' in page
    refused = client.post(url + "/delist", data={"reason_code": "", "note": "x"})
    assert refused.status_code == 422
    unconfirmed = client.post(url + "/delist", data={"reason_code": "customer_metrics"})
    assert unconfirmed.status_code == 422 and "Tick to confirm." in unconfirmed.get_data(True)
    assert db.session.get(Product, product.id, populate_existing=True).state == "listed"
    done = client.post(url + "/delist", data={"reason_code": "customer_metrics", "note": "down",
                                              "confirm": "y"})
    assert done.status_code == 302
    assert db.session.get(Product, product.id, populate_existing=True).state == "delisted"
    stored = db.session.get(EliminationCandidate, candidate.id, populate_existing=True)
    assert (stored.status, stored.decision_reason_code) == ("delisted", "customer_metrics")
    assert 'data-testid="delist-form"' not in client.get(url).get_data(as_text=True)


def test_dismiss_form(client, auth, world, swept):
    _product, _run, candidate = swept
    auth.login(world.admin.email)
    url = f"/elimination/candidates/{candidate.id}/dismiss"
    assert client.post(url, data={"note": ""}).status_code == 422
    assert client.post(url, data={"note": "seasonal"}).status_code == 302
    assert db.session.get(EliminationCandidate, candidate.id,
                          populate_existing=True).status == "dismissed"


def test_rules_form_shows_the_formula_and_names_bad_fields(client, auth, world):
    auth.login(world.manager.email)
    url = f"/elimination/categories/{world.category.id}/rules"
    page = client.get(url).get_data(as_text=True)
    assert "score = 0.40 × positive" in page and "No rules: the sweep skips" in page
    bad = client.post(url, data={"enabled": "y", "window_periods": "3",
                                 "min_positive_rate": "abc", "bottom_percent": "150",
                                 "action": "under_watch"})
    assert bad.status_code == 422 and "not a number" in bad.get_data(as_text=True)
    assert db.session.get(Category, world.category.id).elimination_rules == {}
    out_of_range = client.post(url, data={"enabled": "y", "window_periods": "3",
                                          "bottom_percent": "150", "action": "under_watch"})
    assert out_of_range.status_code == 422
    assert "must be a percentage from 0 to 100" in out_of_range.get_data(as_text=True)
    ok = client.post(url, data={"enabled": "y", "window_periods": "2",
                                "min_positive_rate": "85", "flag_overdue_capa": "y",
                                "action": "decision_list"})
    assert ok.status_code == 302
    rules = db.session.get(Category, world.category.id, populate_existing=True)
    assert rules.elimination_rules["min_positive_rate"] == 85.0
    assert rules.elimination_rules["flag_overdue_capa"] is True
    off = client.post(url, data={"action": "under_watch"})
    assert off.status_code == 302
    assert db.session.get(Category, world.category.id,
                          populate_existing=True).elimination_rules == {}


def test_roles(client, auth, world, swept):
    _product, run, candidate = swept
    urls = ["/elimination/", f"/elimination/runs/{run.id}",
            f"/elimination/candidates/{candidate.id}",
            f"/elimination/categories/{world.category.id}/rules"]
    auth.login(world.supplier_user.email)
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post("/elimination/runs").status_code == 404
    assert client.post(f"/elimination/candidates/{candidate.id}/dismiss",
                       data={"note": "x"}).status_code == 404
    auth.logout()
    auth.login(world.designer.email)
    assert client.get("/elimination/").status_code == 403
    auth.logout()
    auth.login(world.qc.email)
    for url in urls:
        assert client.get(url).status_code == 200, url
    page = client.get("/elimination/").get_data(as_text=True)
    assert 'data-testid="run-sweep-form"' not in page
    assert client.post("/elimination/runs").status_code == 403
    assert client.post(f"/elimination/candidates/{candidate.id}/dismiss",
                       data={"note": "x"}).status_code == 403
    assert client.get("/elimination/runs/999").status_code == 404
