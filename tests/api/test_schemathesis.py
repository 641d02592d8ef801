"""Schemathesis against /api/openapi.json, in-process over WSGI: no request, however odd, gets a
5xx, and every response has a documented status code, content type and a body matching its schema.

Bounded for CI: a few examples per operation, a fixed seed and derandomized Hypothesis, so a run is
repeatable. The longer run is the same test with more examples per operation:

    SIEVE_FUZZ_EXAMPLES=200 python -m pytest -q tests/api/test_schemathesis.py

State-changing operations (POST/PUT/DELETE) are included; the fuzzer works on a database of its own,
built once per module (two suppliers with products in every state, QC records, customer figures, a
sweep with candidates, standing and jobs), so its writes never reach other tests.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from app.extensions import db
from tests.api.conftest import basic
from tests.api.isolation_world import build_populated_world
from tests.conftest import _truncate_all, make_app

EXAMPLES = int(os.environ.get("SIEVE_FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("SIEVE_FUZZ_SEED", "20261126"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]


class ClosingMiddleware:
    """Read each response whole and close it, as a WSGI server does: Schemathesis reads the
    body but never closes the response, which would leave a PDF's spooled file unclosed."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        iterable = self.wsgi_app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()


class FuzzTarget:
    """The app under test, a bearer token per role, and the markers of the data the fuzzing
    supplier must never see (the other suppliers' names, SKU codes and notes)."""

    def __init__(self, app: Flask, tokens: dict[str, dict], foreign: tuple[str, ...]):
        self.app = app
        self.tokens = tokens
        self.foreign = foreign

    def leaked(self, response) -> list[str]:
        if response.headers.get("content-type", [""])[0].startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)
        else:
            text = response.content.decode("utf-8", "replace")
        return [m for m in self.foreign if m.lower() in text.lower()]


@pytest.fixture(scope="module")
def fuzz_target(database_template, tmp_path_factory):
    if database_template.startswith("postgresql"):
        url = database_template  # the suite's PostgreSQL database, emptied first
        _truncate_all(url)
    else:
        path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
        shutil.copy(database_template, path)
        url = f"sqlite:///{path}"
    app = make_app(url)
    app.wsgi_app = ClosingMiddleware(app.wsgi_app)
    with app.app_context():
        populated = build_populated_world()
        supplier = populated.suppliers[0]
        foreign = tuple(m for other in populated.others(supplier) for m in other.markers)
        client = app.test_client()
        tokens = {}
        for role, user in (("manager", populated.world.manager), ("supplier", supplier.user)):
            response = client.post("/api/v1/tokens", headers=basic(user.email))
            assert response.status_code == 201, response.json
            tokens[role] = {"Authorization": f"Bearer {response.json['token']}"}
        db.session.remove()
    yield FuzzTarget(app, tokens, foreign)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_target):
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        # Unknown query arguments are ignored (the document says so): not a negative case.
        "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True,
                       "database": "none", "allow-extra-parameters": False,
                       # the tests send the bearer token themselves
                       "with-security-parameters": False},
        "phases": {"stateful": {"enabled": False}},
    })
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_target.app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), print_blob=True)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_manager(case, fuzz_target):
    case.call_and_validate(headers=fuzz_target.tokens["manager"], checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_supplier(case, fuzz_target):
    """The same as a supplier (one with records in every state); besides, no answer ever shows
    another supplier's data."""
    response = case.call_and_validate(headers=fuzz_target.tokens["supplier"], checks=CHECKS)
    assert not fuzz_target.leaked(response), (case.method, case.formatted_path)
