"""The standing API: a supplier reads only its own standing; managers and admins recompute."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent
from app.services.standing import HISTORY_ACTIONS
from tests import factories


def standing_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action.in_(HISTORY_ACTIONS)))


def test_recompute_then_read_with_history(client, world, token_for):
    factories.make_product(world, "listed")
    response = client.post("/api/v1/standing/recompute", headers=token_for(world.manager))
    assert response.status_code == 200, response.json
    assert response.json["counts"]["approved"] == 2
    assert {c["supplier_id"] for c in response.json["changes"]} == {
        world.supplier_a.id, world.supplier_b.id}

    read = client.get(f"/api/v1/suppliers/{world.supplier_a.id}/standing",
                      headers=token_for(world.supplier_user))
    assert read.status_code == 200
    body = read.json
    assert (body["standing"], body["status"]) == ("approved", "active")
    assert body["reasons"][0]["code"] == "insufficient_data"
    assert body["figures"]["inspections"] == 1 and body["figures"]["listed_products"] == 1
    assert [(h["before"], h["after"]) for h in body["history"]] == [(None, "approved")]


def test_recompute_one_supplier(client, world, token_for):
    response = client.post("/api/v1/standing/recompute", json={"supplier_id": world.supplier_b.id},
                           headers=token_for(world.admin))
    assert response.status_code == 200, response.json
    assert (response.json["supplier_id"], response.json["standing"], response.json["changed"]) \
        == (world.supplier_b.id, "approved", True)
    assert standing_events() == 1


def test_another_suppliers_standing_is_404(client, world, token_for):
    for url in (f"/api/v1/suppliers/{world.supplier_b.id}/standing",
                "/api/v1/suppliers/999999/standing"):
        response = client.get(url, headers=token_for(world.supplier_user))
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ["designer", "qc_inspector", "supplier"])
def test_other_roles_may_not_recompute(client, world, token_for, role):
    response = client.post("/api/v1/standing/recompute", headers=token_for(
        world.user_for_role(role)))
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert standing_events() == 0


@pytest.mark.parametrize("body, field", [
    ({"supplier_id": "1"}, "supplier_id"), ({"supplier_id": 0}, "supplier_id"),
    ({"supplier_id": True}, "supplier_id"), ({"everyone": True}, "fields"),
])
def test_bad_recompute_bodies_are_422_and_change_nothing(client, world, token_for, body, field):
    response = client.post("/api/v1/standing/recompute", json=body,
                           headers=token_for(world.manager))
    assert response.status_code == 422 and field in response.json["error"]["details"]
    assert standing_events() == 0


def test_recompute_of_an_unknown_supplier_is_404(client, world, token_for):
    response = client.post("/api/v1/standing/recompute", json={"supplier_id": 999999},
                           headers=token_for(world.manager))
    assert response.status_code == 404 and standing_events() == 0


def test_a_token_is_required(client, world):
    assert client.get(f"/api/v1/suppliers/{world.supplier_a.id}/standing").status_code == 401
    assert client.post("/api/v1/standing/recompute").status_code == 401


def test_openapi_documents_the_standing_routes(client):
    doc = client.get("/api/openapi.json").json
    assert "get" in doc["paths"]["/api/v1/suppliers/{supplier_id}/standing"]
    assert "post" in doc["paths"]["/api/v1/standing/recompute"]
    figures = doc["components"]["schemas"]["StandingFigures"]["properties"]
    assert {"pass_rate", "capa_on_time_rate", "delisted_12m"} <= set(figures)


def test_override_and_clear(client, world, token_for):
    url = f"/api/v1/suppliers/{world.supplier_a.id}/standing/override"
    done = client.post(url, json={"standing": "preferred", "reason": "strategic partner"},
                       headers=token_for(world.manager))
    assert done.status_code == 200, done.json
    assert (done.json["standing"], done.json["override"]) == ("preferred", "preferred")
    assert done.json["reasons"][0]["code"] == "manual_override"
    read = client.get(f"/api/v1/suppliers/{world.supplier_a.id}/standing",
                      headers=token_for(world.supplier_user)).json
    assert read["history"][0]["action"] == "standing_override"
    cleared = client.delete(url, headers=token_for(world.admin))
    assert cleared.status_code == 200 and cleared.json["standing"] == "approved"
    assert client.delete(url, headers=token_for(world.admin)).status_code == 409


def test_override_refusals(client, world, token_for):
    own = f"/api/v1/suppliers/{world.supplier_a.id}/standing/override"
    foreign = f"/api/v1/suppliers/{world.supplier_b.id}/standing/override"
    body = {"standing": "preferred", "reason": "trust me"}
    supplier = token_for(world.supplier_user)
    assert client.post(foreign, json=body, headers=supplier).status_code == 404
    assert client.delete(foreign, headers=supplier).status_code == 404
    assert client.post(own, json=body, headers=supplier).status_code == 403
    assert client.post(own, json=body, headers=token_for(world.qc)).status_code == 403
    bad = client.post(own, json={"standing": "gold"}, headers=token_for(world.manager))
    assert bad.status_code == 422 and set(bad.json["error"]["details"]) == {"standing", "reason"}
    extra = client.post(own, json={**body, "until": "never"}, headers=token_for(world.manager))
    assert extra.status_code == 422 and "fields" in extra.json["error"]["details"]
    assert standing_events() == 0
