"""Headers, size limits and error pages: nothing leaks, nothing crashes in the user's face."""

from __future__ import annotations

import pytest

from tests.conftest import make_app


@pytest.mark.parametrize("url", ["/login", "/healthz", "/api/openapi.json", "/nope"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_request_size_limit(database_url):
    app = make_app(database_url, MAX_CONTENT_LENGTH=1024)
    with app.app_context():
        response = app.test_client().post("/login", data={"email": "x" * 5000, "password": "y"})
        assert response.status_code == 413


def test_unexpected_errors_show_no_stack_trace(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret internals: /etc/passwd")

    @app.get("/api/v1/explode")
    def explode_api():
        raise RuntimeError("secret internals: /etc/passwd")

    with app.app_context():
        client = app.test_client()
        page = client.get("/explode")
        assert page.status_code == 500
        body = page.get_data(as_text=True)
        assert "secret internals" not in body and "Traceback" not in body
        api = client.get("/api/v1/explode")
        assert api.status_code == 500 and api.json["error"]["code"] == "internal_error"
        assert "secret internals" not in api.get_data(as_text=True)


def test_html_404_page(client, auth, world):
    auth.login(world.manager.email)
    response = client.get("/products/987654")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def test_static_assets_are_local(client):
    html = client.get("/login").get_data(as_text=True)
    assert "cdn." not in html and "https://" not in html
    css = [part.split('"')[0] for part in html.split('href="')[1:] if ".css" in part.split('"')[0]]
    assert css, "no stylesheet linked"
    for href in css:
        response = client.get(href)
        assert response.status_code == 200, href
        response.close()


def test_hsts_only_when_cookies_are_secure(database_url):
    app = make_app(database_url, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        assert "max-age" in app.test_client().get("/login").headers["Strict-Transport-Security"]
    plain = make_app(database_url)
    with plain.app_context():
        assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers


def test_supplier_does_not_see_other_suppliers_listing_counts(client, auth, world):
    from tests import factories

    factories.make_product(world, "listed", supplier=world.supplier_b,
                           category=world.other_category)
    auth.login(world.supplier_user.email)
    html = client.get("/categories").get_data(as_text=True)
    assert "1 / 2" not in html and "SKUs listed" not in html
    client.post("/logout")
    auth.login(world.manager.email)
    assert "1 / 2" in client.get("/categories").get_data(as_text=True)
