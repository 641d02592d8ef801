"""The JSON contract of /api/v1: tokens, products, transitions, audit, errors."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api.conftest import basic


def test_token_requires_valid_basic_credentials(client, world):
    assert client.post("/api/v1/tokens").status_code == 401
    bad = client.post("/api/v1/tokens", headers=basic(world.manager.email, "wrong password!"))
    assert bad.status_code == 401
    assert bad.json["error"]["code"] == "unauthorized"
    good = client.post("/api/v1/tokens", headers=basic(world.manager.email))
    assert good.status_code == 201 and len(good.json["token"]) > 30


def test_bearer_token_is_required(client, world):
    response = client.get("/api/v1/products")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/products", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_get_product_shows_state_version_and_allowed_transitions(client, world, token_for):
    product = factories.make_product(world, "in_review")
    body = client.get(f"/api/v1/products/{product.id}", headers=token_for(world.manager)).json
    assert body["state"] == "in_review"
    assert body["version"] == product.version
    assert body["supplier_id"] == world.supplier_a.id
    assert body["category_id"] == world.category.id
    assert sorted(body["allowed_transitions"]) == ["reject", "request_info"]
    assert body["blocked_transitions"]["accept"] == [
        "reviewers: 0 of 2 required reviews submitted",
        "review: submit your own review to see the panel's result and decide"]
    factories.pass_review(world, product.id)
    body = client.get(f"/api/v1/products/{product.id}", headers=token_for(world.manager)).json
    assert sorted(body["allowed_transitions"]) == ["accept", "reject", "request_info"]
    qc_view = client.get(f"/api/v1/products/{product.id}", headers=token_for(world.qc)).json
    assert qc_view["allowed_transitions"] == []


def test_guard_blocked_transitions_are_reported_not_allowed(client, world, token_for):
    product = factories.make_product(world, "draft", description="")
    body = client.get(f"/api/v1/products/{product.id}", headers=token_for(world.supplier_user)).json
    assert "submit" not in body["allowed_transitions"]
    assert "description" in " ".join(body["blocked_transitions"]["submit"])


def test_transition_200_returns_updated_product(client, world, token_for):
    product = factories.make_product(world, "in_review")
    factories.pass_review(world, product.id)
    version = product.version
    response = client.post(f"/api/v1/products/{product.id}/transitions",
                           json={"transition": "accept", "version": version},
                           headers=token_for(world.manager))
    assert response.status_code == 200
    assert response.json["state"] == "in_design"
    assert response.json["version"] == version + 1
    assert response.json["blocked_transitions"]["approve_design"] == [
        "design: no design round has been approved"]


def test_transition_403_when_role_not_allowed(client, world, token_for):
    product = factories.make_product(world, "in_review")
    response = client.post(f"/api/v1/products/{product.id}/transitions",
                           json={"transition": "accept"}, headers=token_for(world.qc))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "role_not_allowed"


def test_transition_404_for_another_suppliers_product(client, world, token_for):
    product = factories.make_product(world, "draft", supplier=world.supplier_b)
    response = client.post(f"/api/v1/products/{product.id}/transitions",
                           json={"transition": "submit"}, headers=token_for(world.supplier_user))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_transition_409_stale_version_and_invalid_state(client, world, token_for):
    product = factories.make_product(world, "in_review")
    version = product.version
    headers = token_for(world.manager)
    stale = client.post(f"/api/v1/products/{product.id}/transitions",
                        json={"transition": "accept", "version": version - 1},
                        headers=headers)
    assert stale.status_code == 409
    assert stale.json["error"]["details"]["current_version"] == version
    wrong_state = client.post(f"/api/v1/products/{product.id}/transitions",
                              json={"transition": "list"}, headers=headers)
    assert wrong_state.status_code == 409
    assert wrong_state.json["error"]["code"] == "invalid_state"


def test_transition_422_guard_lists_reasons(client, world, token_for):
    product = factories.make_product(world, "draft", name_en="", name_zh="", description="")
    response = client.post(f"/api/v1/products/{product.id}/transitions",
                           json={"transition": "submit"}, headers=token_for(world.supplier_user))
    assert response.status_code == 422
    reasons = response.json["error"]["details"]["reasons"]
    assert any(r.startswith("name") for r in reasons)
    assert any(r.startswith("description") for r in reasons)


def test_transition_422_bad_bodies(client, world, token_for):
    product = factories.make_product(world, "in_review")
    url = f"/api/v1/products/{product.id}/transitions"
    headers = token_for(world.manager)
    cases = [
        (None, "body"),
        ([1, 2], "body"),
        ({}, "transition"),
        ({"transition": "accept", "version": "3"}, "version"),
        ({"transition": "reject", "reason": 5}, "reason"),
        ({"transition": "reject"}, None),  # reason required
        ({"transition": "warp"}, None),  # unknown transition
    ]
    for body, field in cases:
        response = client.post(url, json=body, headers=headers) if body is not None else \
            client.post(url, data="not json", headers={**headers, "Content-Type": "text/plain"})
        assert response.status_code == 422, (body, response.json)
        if field:
            assert field in response.json["error"]["details"], (body, response.json)
    assert client.get(f"/api/v1/products/{product.id}", headers=headers).json["state"] == "in_review"


def test_create_product_as_supplier_starts_in_draft(client, world, token_for):
    response = client.post("/api/v1/products", headers=token_for(world.supplier_user), json={
        "name_zh": "电热水壶", "name_en": "Kettle", "category_id": world.category.id,
        "description": "1.7 L", "sku_code": "K-1", "target_price": 199, "unit_cost": "86.5",
        "monthly_capacity": 3000,
        "specifications": [{"name": "容量", "value": "1.7", "unit": "L"}],
        "competitors": [{"name": "美的 MK-1", "channel": "京东", "price": 229.9,
                         "url": "https://item.jd.com/1.html"}],
        "claimed_standards": [{"code": "GB 4706.1-2005", "title": "家用电器安全"}]})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["state"] == "draft" and body["supplier_id"] == world.supplier_a.id
    assert body["allowed_transitions"] == ["submit", "abandon"]
    assert (body["target_price"], body["unit_cost"], body["currency"]) == ("199.00", "86.50", "CNY")
    assert body["competitors"] == [{"name": "美的 MK-1", "channel": "京东", "price": "229.90",
                                    "url": "https://item.jd.com/1.html"}]
    assert body["specifications"] == [{"name": "容量", "value": "1.7", "unit": "L"}]


def test_incomplete_proposal_names_every_missing_field(client, world, token_for):
    headers = token_for(world.supplier_user)
    created = client.post("/api/v1/products", headers=headers, json={"name_en": "Kettle"}).json
    response = client.post(f"/api/v1/products/{created['id']}/transitions",
                           json={"transition": "submit"}, headers=headers)
    assert response.status_code == 422
    named = [r.split(":")[0] for r in response.json["error"]["details"]["reasons"]]
    assert named == ["category", "description", "target_price", "unit_cost", "monthly_capacity",
                     "specifications", "competitors", "claimed_standards"]


@pytest.mark.parametrize("body,field", [
    ({"target_price": -5}, "target_price"),
    ({"target_price": 0}, "target_price"),
    ({"unit_cost": "12.345"}, "unit_cost"),
    ({"unit_cost": "abc"}, "unit_cost"),
    ({"target_price": True}, "target_price"),
    ({"monthly_capacity": -1}, "monthly_capacity"),
    ({"monthly_capacity": "lots"}, "monthly_capacity"),
    ({"currency": "XYZ"}, "currency"),
    ({"specifications": "Capacity 1.7 L"}, "specifications"),
    ({"specifications": [{"value": "1.7"}]}, "specifications[1].name"),
    ({"competitors": [{"name": "X", "price": -1}]}, "competitors[1].price"),
    ({"competitors": [{"name": "X"}]}, "competitors[1].price"),
    ({"competitors": [{"name": "X", "price": 5, "url": "javascript:alert(1)"}]},
     "competitors[1].url"),
    ({"claimed_standards": [{"title": "no code"}]}, "claimed_standards[1].code"),
    ({"claimed_standards": [{"code": "GB 1", "colour": "red"}]}, "claimed_standards[1]"),
])
def test_bad_details_are_refused_naming_the_field(client, world, token_for, body, field):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Product

    before = db.session.scalar(select(func.count(Product.id)))
    response = client.post("/api/v1/products", headers=token_for(world.supplier_user),
                           json={"name_en": "Kettle", **body})
    assert response.status_code == 422
    assert field in response.json["error"]["details"], response.json
    assert db.session.scalar(select(func.count(Product.id))) == before


def test_create_product_validation_names_fields(client, world, token_for):
    headers = token_for(world.supplier_user)
    response = client.post("/api/v1/products", headers=headers,
                           json={"name_en": "x" * 201, "category_id": 99999, "colour": "red"})
    assert response.status_code == 422
    assert {"name_en", "colour"} <= set(response.json["error"]["details"])
    unknown_cat = client.post("/api/v1/products", headers=headers,
                              json={"name_en": "ok", "category_id": 99999})
    assert unknown_cat.status_code == 422
    assert "category_id" in unknown_cat.json["error"]["details"]
    client.post("/api/v1/products", headers=headers, json={"name_en": "a", "sku_code": "DUP"})
    dup = client.post("/api/v1/products", headers=headers, json={"name_en": "b", "sku_code": "DUP"})
    assert dup.status_code == 422 and "sku_code" in dup.json["error"]["details"]


def test_create_product_forbidden_for_qc(client, world, token_for):
    response = client.post("/api/v1/products", headers=token_for(world.qc), json={"name_en": "x"})
    assert response.status_code == 403


def test_staff_create_needs_supplier_id(client, world, token_for):
    headers = token_for(world.manager)
    assert client.post("/api/v1/products", headers=headers, json={"name_en": "x"}).status_code == 422
    ok = client.post("/api/v1/products", headers=headers,
                     json={"name_en": "x", "supplier_id": world.supplier_b.id})
    assert ok.status_code == 201 and ok.json["supplier_id"] == world.supplier_b.id


def test_list_products_filters_and_pagination(client, world, token_for):
    for _ in range(3):
        factories.make_product(world, "proposed")
    factories.make_product(world, "draft", supplier=world.supplier_b, category=world.other_category)
    headers = token_for(world.manager)
    everything = client.get("/api/v1/products", headers=headers).json
    assert everything["total"] == 4
    assert client.get("/api/v1/products?state=proposed", headers=headers).json["total"] == 3
    by_supplier = client.get(f"/api/v1/products?supplier_id={world.supplier_b.id}", headers=headers)
    assert [p["supplier_id"] for p in by_supplier.json["items"]] == [world.supplier_b.id]
    by_cat = client.get(f"/api/v1/products?category_id={world.other_category.id}", headers=headers)
    assert by_cat.json["total"] == 1
    page2 = client.get("/api/v1/products?per_page=3&page=2", headers=headers).json
    assert (page2["page"], page2["per_page"], len(page2["items"])) == (2, 3, 1)
    assert client.get("/api/v1/products?state=bogus", headers=headers).status_code == 422
    assert client.get("/api/v1/products?page=0", headers=headers).status_code == 422
    assert client.get("/api/v1/products?per_page=x", headers=headers).status_code == 422


def test_audit_endpoint_lists_transitions_in_order(client, world, token_for):
    product = factories.make_product(world, "in_design")
    items = client.get(f"/api/v1/products/{product.id}/audit", headers=token_for(world.manager)).json
    assert [e["action"] for e in items["items"]] == ["create", "submit", "start_review", "review",
                                                     "review", "accept"]
    for event in items["items"][3:5]:  # the reviews: that they happened, never their scores
        assert set(event["changes"]["review"]["after"]) == {"id", "scorecard_version"}
    assert items["items"][-1]["from_state"] == "in_review"
    assert items["items"][-1]["to_state"] == "in_design"
    assert items["items"][-1]["actor"] == world.admin.email


def test_categories_and_suppliers(client, world, token_for):
    cats = client.get("/api/v1/categories", headers=token_for(world.qc)).json["items"]
    assert {c["name"] for c in cats} == {"Kettles", "Lamps"}
    assert {c["sku_cap"] for c in cats} == {None, 2}
    staff = client.get("/api/v1/suppliers", headers=token_for(world.qc)).json["items"]
    assert len(staff) == 2
    own = client.get("/api/v1/suppliers", headers=token_for(world.supplier_user)).json["items"]
    assert [s["id"] for s in own] == [world.supplier_a.id]


def test_errors_are_json_never_html(client, world, token_for):
    headers = token_for(world.manager)
    for method, url in (("get", "/api/v1/nope"), ("get", "/api/v1/products/999999"),
                        ("delete", "/api/v1/products"), ("get", "/api/v1/products/abc")):
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code in (404, 405)
        assert response.is_json, url
        assert set(response.json["error"]) == {"code", "message", "details"}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_openapi_describes_every_api_route(app, client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {path for path in doc["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            assert path in documented, path
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in doc["paths"][path], (path, method)
    transition = doc["components"]["schemas"]["TransitionRequest"]["properties"]["transition"]
    assert "approve_design" in transition["enum"]
