"""Pages issue a number of SQL statements that does not grow with the number of rows (no N+1)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from tests import factories

PAGES = ["/board", "/products", "/products?state=draft", "/suppliers", "/categories"]


@contextmanager
def counting_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_per_page(client) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        with counting_statements() as statements:
            assert client.get(url).status_code == 200
        counts[url] = len(statements)
    return counts


@pytest.mark.parametrize("role", ["selection_manager", "supplier"])
def test_statement_count_is_flat(client, auth, world, role):
    auth.login(world.user_for_role(role).email)
    for state in ("draft", "listed", "in_review"):
        factories.make_product(world, state)
    small = statements_per_page(client)
    for _ in range(4):
        for state in ("draft", "listed", "in_review", "proposed"):
            factories.make_product(world, state)
            factories.make_product(world, state, supplier=world.supplier_b)
    assert statements_per_page(client) == small


QC_PAGES = {"qc_inspector": ["/qc/", "/corrective-actions", "/board"],
            "supplier": ["/portal", "/corrective-actions", "/board"]}


def _failed_listing(world, supplier=None):
    product = factories.make_product(world, "listed", supplier=supplier)
    factories.inspect(world, product.id, "routine", {"critical": 1})


@pytest.mark.parametrize("role", sorted(QC_PAGES))
def test_qc_pages_statement_count_is_flat(client, auth, world, role):
    auth.login(world.user_for_role(role).email)
    _failed_listing(world)

    def per_page() -> dict[str, int]:
        counts = {}
        for url in QC_PAGES[role]:
            with counting_statements() as statements:
                assert client.get(url).status_code == 200, url
            counts[url] = len(statements)
        return counts

    small = per_page()
    for _ in range(3):
        _failed_listing(world)
        _failed_listing(world, world.supplier_b)
    assert per_page() == small
