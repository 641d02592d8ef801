"""A supplier's session and token get 404 for every other supplier's product, on every route.

Routes are discovered from the URL map, so a product route added later is covered automatically.
"""

from __future__ import annotations

import pytest

from tests import factories

PRODUCT_ARG = "product_id"


def product_routes(app):
    for rule in app.url_map.iter_rules():
        if PRODUCT_ARG in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


@pytest.fixture
def foreign_products(world):
    """One product of supplier B in every state: none of them is supplier A's business."""
    from workflows.lifecycle import State

    return [factories.make_product(world, s, supplier=world.supplier_b) for s in State]


def test_routes_with_product_ids_exist(app):
    rules = {rule.rule for rule, _ in product_routes(app)}
    assert "/products/<int:product_id>" in rules
    assert "/api/v1/products/<int:product_id>/transitions" in rules


def test_supplier_session_gets_404_everywhere(app, client, auth, world, foreign_products):
    auth.login(world.supplier_user.email)
    ids = [(p.id, p.name_en, p.version) for p in foreign_products]
    for rule, method in product_routes(app):
        if rule.rule.startswith("/api/"):
            continue
        for pid, name, version in ids:
            url = rule.build({PRODUCT_ARG: pid})[1]
            response = client.open(url, method=method,
                                   data={"transition": "abandon", "reason": "x", "version": version})
            assert response.status_code == 404, (method, url, response.status_code)
            assert name not in response.get_data(as_text=True)


def test_supplier_token_gets_404_everywhere(app, client, world, foreign_products, token_for):
    headers = token_for(world.supplier_user)
    for rule, method in product_routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        for product in foreign_products:
            url = rule.build({PRODUCT_ARG: product.id})[1]
            response = client.open(url, method=method, headers=headers,
                                   json={"transition": "abandon", "reason": "x"})
            assert response.status_code == 404, (method, url, response.status_code)
            assert response.json["error"]["code"] == "not_found"


def test_supplier_lists_never_show_foreign_products(client, auth, world, foreign_products,
                                                    token_for):
    own = factories.make_product(world, "draft", name_en="Own kettle")
    listing = client.get("/api/v1/products?per_page=200", headers=token_for(world.supplier_user))
    assert [p["id"] for p in listing.json["items"]] == [own.id]
    spoofed = client.get(f"/api/v1/products?supplier_id={world.supplier_b.id}",
                         headers=token_for(world.supplier_user))
    assert spoofed.json["items"] == []
    auth.login(world.supplier_user.email)
    for url in ("/products", f"/products?supplier_id={world.supplier_b.id}", "/board",
                "/suppliers"):
        html = client.get(url).get_data(as_text=True)
        for product in foreign_products:
            assert product.name_en not in html, url
        assert world.supplier_b.name not in html, url
    assert client.get(f"/suppliers/{world.supplier_b.id}").status_code == 404
    assert client.get(f"/suppliers/{world.supplier_a.id}").status_code == 200


def test_supplier_cannot_create_for_another_supplier(client, world, token_for):
    response = client.post("/api/v1/products", headers=token_for(world.supplier_user),
                           json={"name_en": "Sneaky", "supplier_id": world.supplier_b.id})
    assert response.status_code == 201
    assert response.json["supplier_id"] == world.supplier_a.id


def test_ids_beyond_the_database_range_are_404_on_every_api_route(app, client, world, token_for):
    """An id no row can have is a plain 404 for every API id route and method, never 405 (a
    rule's methods are checked before its converter refuses the number)."""
    from app.models.base import MAX_ID

    headers = token_for(world.manager)
    checked = 0
    for rule in app.url_map.iter_rules():
        ids = [a for a in rule.arguments if a.endswith("_id")]
        if not rule.rule.startswith("/api/") or not ids or set(rule.arguments) - set(ids):
            continue
        path = rule.rule
        for arg in ids:
            path = path.replace(f"<int:{arg}>", str(MAX_ID + 1))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers, json={})
            assert response.status_code == 404, (method, path, response.status_code)
            assert response.json["error"]["code"] == "not_found"
            checked += 1
    assert checked >= 40
