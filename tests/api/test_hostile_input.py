"""Odd and hostile input gets a 4xx naming the problem, never a 500."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests import factories

HUGE = "99999999999999999999"


@pytest.mark.parametrize("url", [f"/api/v1/products/{HUGE}", f"/api/v1/products/{HUGE}/audit",
                                 "/api/v1/products/2147483648"])
def test_huge_ids_in_api_paths_are_404(client, world, token_for, url):
    response = client.get(url, headers=token_for(world.manager))
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize("query,field", [(f"page={HUGE}", "page"), (f"supplier_id={HUGE}",
                                         "supplier_id"), (f"category_id={HUGE}", "category_id"),
                                        (f"per_page={HUGE}", "per_page"), ("per_page=1000", None)])
def test_huge_filters_are_refused_or_capped(client, world, token_for, query, field):
    response = client.get(f"/api/v1/products?{query}", headers=token_for(world.manager))
    if field:
        assert response.status_code == 422 and field in response.json["error"]["details"]
    else:
        assert response.status_code == 200 and response.json["per_page"] == 200


@pytest.mark.parametrize("body,field", [
    ({"name_en": "x", "category_id": int(HUGE)}, "category_id"),
    ({"name_en": "x", "category_id": True}, "category_id"),
    ({"name_en": "x", "category_id": "abc"}, "category_id"),
    ({"name_en": 5}, "name_en"),
])
def test_hostile_product_bodies(client, world, token_for, body, field):
    response = client.post("/api/v1/products", json=body, headers=token_for(world.supplier_user))
    assert response.status_code == 422
    assert field in response.json["error"]["details"]


def test_staff_huge_supplier_id(client, world, token_for):
    response = client.post("/api/v1/products", json={"name_en": "x", "supplier_id": int(HUGE)},
                           headers=token_for(world.manager))
    assert response.status_code == 422 and "supplier_id" in response.json["error"]["details"]


def test_token_endpoint_asks_for_basic(client):
    response = client.post("/api/v1/tokens")
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize("url", [f"/products/{HUGE}", f"/products/{HUGE}/edit",
                                 f"/suppliers/{HUGE}", f"/categories/{HUGE}/edit"])
def test_huge_ids_in_pages_are_404(client, auth, world, url):
    auth.login(world.manager.email)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("query", [f"page={HUGE}", f"supplier_id={HUGE}", f"category_id={HUGE}",
                                   "page=-3", "category_id=abc"])
def test_huge_filters_in_pages_are_ignored(client, auth, world, query):
    auth.login(world.manager.email)
    assert client.get(f"/products?{query}").status_code == 200


def test_tampered_version_on_edit_is_a_conflict(client, auth, world):
    product = factories.make_product(world, "draft")
    auth.login(world.supplier_user.email)
    response = client.post(f"/products/{product.id}/edit", data={
        "name_en": "Changed", "category_id": "0", "version": "abc"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Someone else changed this product" in response.get_data(as_text=True)


@pytest.mark.parametrize("body,field", [
    ({"name_en": "A\x00B", "category_id": None}, "name_en"),
    ({"name_en": "ok", "details": {"specs": [{"key": "watts", "value": "1\x002"}]}},
     "details.specs[0].value"),
    ({"name_en": "ok", "na\x00me": "x"}, "na\\0me"),
])
def test_a_nul_character_in_json_is_named_not_stored(client, world, token_for, body, field):
    before = client.get("/api/v1/products", headers=token_for(world.manager)).json["total"]
    response = client.post("/api/v1/products", json=body, headers=token_for(world.supplier_user))
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"] == {field: "contains a NUL character"}
    assert client.get("/api/v1/products",
                      headers=token_for(world.manager)).json["total"] == before


def test_a_nul_character_in_a_form_or_query_gets_a_page_naming_it(client, auth, world):
    auth.login(world.manager.email)
    page = client.post("/suppliers/new", data={"name": "A\x00B", "status": "active"})
    assert page.status_code == 422
    assert "name: contains a NUL character" in page.get_data(as_text=True)
    listing = client.get("/metrics/figures?period=2026-1%000")
    assert listing.status_code == 422 and "period: contains" in listing.get_data(as_text=True)
    api = client.get("/api/v1/products?state=%00", headers={})
    assert api.status_code == 422 and api.json["error"]["details"] == {
        "state": "contains a NUL character"}


def test_a_json_body_is_read_only_after_authentication(client, world, token_for):
    """An anonymous client cannot make the server parse (or choke on) a body: 401 comes first."""
    nul = client.post("/api/v1/products", json={"name_en": "A\x00B"}, headers={})
    assert nul.status_code == 401
    deep = "[" * 5000 + "]" * 5000
    anonymous = client.post("/api/v1/products", data=deep, content_type="application/json")
    assert anonymous.status_code == 401


@pytest.mark.parametrize("depth", [65, 5000])
def test_json_nested_too_deeply_is_refused_by_name(client, world, token_for, depth):
    body = '{"name_en": "ok", "details": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/products", data=body, content_type="application/json",
                           headers=token_for(world.supplier_user))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["details"] == {"body": "nested too deeply"}


def test_nul_path_names_the_first_member_in_document_order():
    from app.api.params import nul_path
    assert nul_path({"a": ["ok", {"b": "x\x00"}], "c": "\x00"}) == "a[1].b"
    assert nul_path({"a": {"x": "\x00"}, "b\x00": 1}) == "a.x"
    assert nul_path({"a": {"x": "ok"}, "b\x00": {"c": "\x00"}}) == "b\\0"
    assert nul_path({"a": [1, None, True, 2.5], "b": {"c": []}}) is None
    assert nul_path("\x00") == ""


def test_a_nul_in_an_undeclared_query_argument_is_a_documented_422(client, world, token_for):
    """The guard looks at every query argument, declared or not, so every operation documents
    the 422 (a schema check would flag an undocumented status)."""
    product = factories.make_product(world, "draft")
    response = client.get(f"/api/v1/products/{product.id}?x=%00",
                          headers=token_for(world.manager))
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"x": "contains a NUL character"}
    paths = client.get("/api/openapi.json").json["paths"]
    operation = paths["/api/v1/products/{product_id}"]["get"]
    assert not [p for p in operation.get("parameters", []) if p["in"] == "query"]
    assert "422" in operation["responses"]
    assert all("422" in op["responses"] for item in paths.values() for op in item.values()
               if isinstance(op, dict) and "responses" in op)


def test_the_web_pages_refuse_a_json_body_unread(client, auth, world):
    """Flask-WTF reads a form from a JSON body when no form was posted: the web pages take form
    posts only, so a JSON body (with a NUL, or nested past any parser) is refused, never stored."""
    from app.models import Supplier
    auth.login(world.manager.email)
    before = db.session.scalar(select(func.count()).select_from(Supplier))
    response = client.post("/suppliers/new", json={"name": "J\x00SON", "status": "active"})
    assert response.status_code == 415
    deep = client.post("/login", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert deep.status_code == 415
    assert db.session.scalar(select(func.count()).select_from(Supplier)) == before


def test_an_api_form_body_is_read_only_after_authentication(client, world, token_for):
    upload = {"file": (io.BytesIO(b"x"), "m.csv"), "note\x00": "x"}
    anonymous = client.post("/api/v1/metrics/imports", data=dict(upload),
                            content_type="multipart/form-data")
    assert anonymous.status_code == 401
    upload = {"file": (io.BytesIO(b"x"), "m.csv"), "note\x00": "x"}
    known = client.post("/api/v1/metrics/imports", data=upload, headers=token_for(world.manager),
                        content_type="multipart/form-data")
    assert known.status_code == 422
    assert known.json["error"]["details"] == {"note\\0": "contains a NUL character"}
