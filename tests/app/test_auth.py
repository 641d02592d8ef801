"""Login, logout, sessions, next= redirects, rate limiting, CSRF, password hashing."""

from __future__ import annotations

import pytest
from flask import session

from app.models import User
from tests import factories
from tests.conftest import make_app


def test_login_page_and_redirect_when_anonymous(client):
    assert client.get("/login").status_code == 200
    response = client.get("/board")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_success_and_failure(client, auth, world):
    bad = auth.login(world.manager.email, "not the password")
    assert bad.status_code == 200 and "wrong password" in bad.get_data(as_text=True)
    good = auth.login(world.manager.email)
    assert good.status_code == 302 and good.headers["Location"].endswith("/board")
    assert client.get("/board").status_code == 200


def test_email_is_case_insensitive(client, auth, world):
    assert auth.login(world.manager.email.upper()).status_code == 302


def test_inactive_user_cannot_log_in(app, client, auth, world):
    from app.extensions import db

    user = db.session.get(User, world.qc.id)
    user.active = False
    db.session.commit()
    assert auth.login(world.qc.email).status_code == 200
    assert client.get("/board").status_code == 302


def test_passwords_are_argon2id(world):
    assert world.manager.password_hash.startswith("$argon2id$")
    assert factories.PASSWORD not in world.manager.password_hash


@pytest.mark.parametrize("target,expected", [
    ("/products?state=listed", "/products?state=listed"),
    ("https://evil.example/", "/board"),
    ("//evil.example/x", "/board"),
    ("/\\evil.example", "/board"),
    ("javascript:alert(1)", "/board"),
    ("http:/evil.example", "/board"),
])
def test_next_redirect_stays_on_site(client, world, target, expected):
    response = client.post("/login", data={"email": world.manager.email,
                                           "password": factories.PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_session_cookie_stops_working_at_logout(app, client, auth, world):
    auth.login(world.manager.email)
    assert client.get("/board").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    stolen = cookie.value
    auth.logout()
    assert client.get("/board").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/board")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_requires_post(client, auth, world):
    auth.login(world.manager.email)
    assert client.get("/logout").status_code == 405
    assert client.get("/board").status_code == 200


def test_login_rate_limit(database_url, world):
    app = make_app(database_url, RATELIMIT_ENABLED=True, SIEVE_LOGIN_RATE_LIMIT="5 per minute")
    with app.app_context():
        client = app.test_client()
        codes = [client.post("/login", data={"email": world.manager.email,
                                             "password": "wrong password"}).status_code
                 for _ in range(6)]
        assert codes == [200] * 5 + [429]
        # the right password does not get around the limit either
        response = client.post("/login", data={"email": world.manager.email,
                                               "password": factories.PASSWORD})
        assert response.status_code == 429
        assert client.get("/login").status_code == 200  # only POSTs are limited


def test_csrf_is_enforced_on_forms(database_url, world):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        response = client.post("/login", data={"email": world.manager.email,
                                               "password": factories.PASSWORD})
        assert response.status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        ok = client.post("/login", data={"email": world.manager.email,
                                         "password": factories.PASSWORD, "csrf_token": token})
        assert ok.status_code == 302
        product = factories.make_product(world, "in_review")
        refused = client.post(f"/products/{product.id}/transitions",
                              data={"transition": "accept", "version": product.version})
        assert refused.status_code == 400
        from app.extensions import db
        from app.models import Product

        db.session.rollback()
        assert db.session.get(Product, product.id).state == "in_review"


def test_language_switch_is_remembered_for_the_user(client, auth, world):
    auth.login(world.manager.email)
    client.post("/language", data={"locale": "zh_CN", "next": "/products"})
    with client:
        client.get("/board")
        assert session["locale"] == "zh_CN"
    from app.extensions import db

    db.session.rollback()
    assert db.session.get(User, world.manager.id).locale == "zh_CN"
    assert client.post("/language", data={"locale": "fr"}).status_code == 400
