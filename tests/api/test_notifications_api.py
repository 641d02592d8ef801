"""Notification endpoints of the JSON API: the caller's own list, unread count, marking read."""

from __future__ import annotations

import pytest

from app.services import notifications
from tests import factories

FIELDS = {"id", "kind", "product_id", "message", "params", "created_at", "read_at", "read"}


@pytest.mark.parametrize("method,url", [("get", "/api/v1/notifications"),
                                        ("post", "/api/v1/notifications/read")])
def test_a_bearer_token_is_required(client, world, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    bad = getattr(client, method)(url, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_list_shape_and_unread_filter(client, world, token_for):
    rejected = factories.make_product(world, "rejected")
    factories.make_product(world, "rejected", supplier=world.supplier_b)
    body = client.get("/api/v1/notifications", headers=token_for(world.supplier_user)).json
    assert set(body) == {"items", "unread"}
    assert body["unread"] == len(body["items"]) >= 1
    ids = [item["id"] for item in body["items"]]
    assert ids == sorted(ids, reverse=True)
    newest = body["items"][0]
    assert set(newest) == FIELDS
    assert newest["kind"] == "decision" and newest["product_id"] == rejected.id
    assert newest["params"]["transition"] == "reject"
    assert newest["params"]["reason"] == "test reason for reject"
    assert newest["read"] is False and newest["read_at"] is None
    assert {item["product_id"] for item in body["items"]} == {rejected.id}

    client.post("/api/v1/notifications/read", json={"ids": [newest["id"]]},
                headers=token_for(world.supplier_user))
    unread = client.get("/api/v1/notifications?unread=1",
                        headers=token_for(world.supplier_user)).json
    assert newest["id"] not in [item["id"] for item in unread["items"]]
    assert unread["unread"] == body["unread"] - 1
    everything = client.get("/api/v1/notifications", headers=token_for(world.supplier_user)).json
    marked = next(i for i in everything["items"] if i["id"] == newest["id"])
    assert marked["read"] is True and marked["read_at"]


def test_limit_and_before_id_page(client, world, token_for):
    for _ in range(3):
        factories.make_product(world, "proposed")
    headers = token_for(world.manager)
    first = client.get("/api/v1/notifications?limit=2", headers=headers).json
    assert len(first["items"]) == 2 and first["unread"] == 3
    rest = client.get(f"/api/v1/notifications?limit=2&before_id={first['items'][-1]['id']}",
                      headers=headers).json
    assert len(rest["items"]) == 1


@pytest.mark.parametrize("query", ["unread=maybe", "limit=0", "limit=201", "limit=x",
                                   "before_id=-1"])
def test_bad_query_parameters_are_422(client, world, token_for, query):
    response = client.get(f"/api/v1/notifications?{query}", headers=token_for(world.manager))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"


def test_mark_read_returns_the_unread_count_and_only_touches_the_callers(client, world,
                                                                        token_for):
    factories.make_product(world, "rejected")
    factories.make_product(world, "rejected", supplier=world.supplier_b)
    theirs = [n.id for n in notifications.list_notifications(world.supplier_user)]
    before = notifications.unread_count(world.supplier_user)
    mine = notifications.unread_count(world.other_supplier_user)
    headers = token_for(world.other_supplier_user)
    response = client.post("/api/v1/notifications/read", json={"ids": theirs}, headers=headers)
    assert response.status_code == 200 and response.json == {"unread": mine}
    assert notifications.unread_count(world.supplier_user) == before
    response = client.post("/api/v1/notifications/read", headers=headers)  # no body: all
    assert response.status_code == 200 and response.json == {"unread": 0}
    assert notifications.unread_count(world.supplier_user) == before
    assert client.post("/api/v1/notifications/read", json={},
                       headers=token_for(world.supplier_user)).json == {"unread": 0}


@pytest.mark.parametrize("body", [{"ids": "all"}, {"ids": [1, "2"]}, {"ids": [True]}, [1, 2]])
def test_bad_bodies_are_422_and_change_nothing(client, world, token_for, body):
    factories.make_product(world, "proposed")
    response = client.post("/api/v1/notifications/read", json=body,
                           headers=token_for(world.manager))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert notifications.unread_count(world.manager) == 1


def test_a_non_json_body_is_422(client, world, token_for):
    response = client.post("/api/v1/notifications/read", data="ids=1",
                           content_type="text/plain", headers=token_for(world.manager))
    assert response.status_code == 422


def test_openapi_documents_notification_routes(client):
    paths = client.get("/api/openapi.json").json["paths"]
    listing = paths["/api/v1/notifications"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"unread", "limit", "before_id"}
    schema = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"items", "unread"}
    assert set(schema["properties"]["items"]["items"]["properties"]) == FIELDS
    read = paths["/api/v1/notifications/read"]["post"]
    assert read["requestBody"]["required"] is False
    assert "401" in read["responses"] and "422" in read["responses"]
