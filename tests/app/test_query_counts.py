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


# --- every main page, for every role that sees it (issue 7) -----------------------------------

#: Pages by role; "{name}" is an object of the first round of _grow (the same at both sizes).
MAIN_PAGES = {
    "selection_manager": [
        "/board", "/products", "/products?state=listed", "/products?state=in_review",
        "/products?category_id={category}", "/products?supplier_id={supplier}",
        "/products?q=Test", "/products?page=2", "/products/{listed}", "/products/{in_design}",
        "/products/{in_review}", "/suppliers", "/suppliers/{supplier}", "/categories",
        "/qc/", "/corrective-actions", "/corrective-actions/{capa}",
        "/inspections/{inspection}", "/purchases/{purchase}", "/notifications",
        "/dashboards/", "/dashboards/pipeline", "/dashboards/qc", "/dashboards/catalogue",
        "/dashboards/suppliers", "/metrics/", "/metrics/figures", "/metrics/imports/{import}",
        "/elimination/", "/elimination/runs/{run}", "/elimination/candidates/{candidate}",
        "/jobs", "/jobs/{job}"],
    "supplier": [
        "/portal", "/board", "/products", "/products?state=listed", "/products/{listed}",
        "/products/{in_design}", "/suppliers/{supplier}", "/corrective-actions",
        "/corrective-actions/{capa}", "/inspections/{inspection}", "/notifications"],
    "qc_inspector": [
        "/qc/", "/corrective-actions", "/inspections/{inspection}", "/purchases/{purchase}",
        "/board", "/dashboards/qc", "/products/{listed}"],
    "designer": ["/board", "/products/{in_design}", "/notifications", "/products"],
}


def _grow(world) -> dict:
    """One more of everything the pages show, for both suppliers; the ids of this round."""
    from sqlalchemy import select

    from app.models import CorrectiveAction, Job, MetricImport
    from app.services import design, elimination, jobs
    from tests.services.test_elimination import UNHAPPY, add_metrics

    objects = {"supplier": world.supplier_a.id, "category": world.category.id}
    for supplier in (world.supplier_a, world.supplier_b):
        for state in ("draft", "proposed", "rejected", "sampling", "delisted"):
            factories.make_product(world, state, supplier=supplier)
        in_review = factories.make_product(world, "in_review", supplier=supplier)
        factories.pass_review(world, in_review.id)
        in_design = factories.make_product(world, "in_design", supplier=supplier)
        design.open_round(world.manager, in_design.id)
        design.raise_feedback(world.manager, in_design.id, [
            {"area": "function", "severity": "major", "text": "lid leaks"}])
        listed = factories.make_product(world, "listed", supplier=supplier)
        inspection = factories.inspect(world, listed.id, "routine", {"critical": 1})
        add_metrics(world, factories.make_product(world, "listed", supplier=supplier).id,
                    UNHAPPY)
        objects.setdefault("listed", listed.id)
        objects.setdefault("in_review", in_review.id)
        objects.setdefault("in_design", in_design.id)
        objects.setdefault("inspection", inspection.id)
        objects.setdefault("purchase", inspection.purchase_id)
        objects.setdefault("capa", db.session.scalar(select(CorrectiveAction.id).where(
            CorrectiveAction.inspection_id == inspection.id)))
    db.session.commit()
    elimination.set_category_rules(world.manager, world.category.id,
                                   {"min_positive_rate": 90, "action": "decision_list"})
    job = jobs.enqueue(world.manager, "elimination_sweep", {"as_of": "2026-11-05",
                                                             "period_kind": "month"})
    run = elimination.list_runs(world.manager)[0]
    objects.update(job=job.id, run=run.id, candidate=elimination.list_candidates(
        world.manager, run_id=run.id)[0].id, **{"import": db.session.scalar(
            select(MetricImport.id).order_by(MetricImport.id))})
    assert db.session.get(Job, job.id).status == "succeeded"
    return objects


@pytest.mark.parametrize("role", sorted(MAIN_PAGES))
def test_every_main_page_is_flat(app, client, auth, world, role):
    objects = _grow(world)
    auth.login(world.user_for_role(role).email)

    def per_page() -> dict[str, int]:
        counts = {}
        for page in MAIN_PAGES[role]:
            url = page.format(**objects)
            # Each request in its own app context, hence its own session, as in production
            # (the fixture's session keeps objects a request could reuse without a query).
            with app.app_context():
                client.get(url)  # warm-up
            with app.app_context(), counting_statements() as statements:
                assert client.get(url).status_code == 200, url
            counts[url] = len(statements)
        return counts

    small = per_page()
    for _ in range(2):
        _grow(world)
    assert per_page() == small
