"""Supplier standing service: figures gathered by SQL from a small catalogue, the stored standing,
its audit trail, and who may see or recompute it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    CorrectiveAction,
    CustomerMetric,
    DesignRound,
    MetricImport,
    Supplier,
)
from app.services import design, lifecycle, standing
from app.services.errors import Forbidden, NotFound
from tests import factories


def add_metrics(world, product_id: int, period_start, **figures) -> None:
    """A customer-metrics row for ``product_id`` (with the import row it needs), committed."""
    batch = MetricImport(source="cli", filename="test.csv", checksum="0" * 64, status="applied",
                         created_by_id=world.admin.id)
    db.session.add(batch)
    db.session.flush()
    db.session.add(CustomerMetric(product_id=product_id, period=period_start.strftime("%Y-%m"),
                                  period_kind="month", period_start=period_start,
                                  import_id=batch.id, **figures))
    db.session.commit()


def month_start(months_ago: int):
    today = factories.today()
    index = today.year * 12 + today.month - 1 - months_ago
    return datetime(index // 12, index % 12 + 1, 1).date()


def audit_count(supplier_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.subject_type == "supplier", AuditEvent.subject_id == supplier_id,
        AuditEvent.action == standing.ACTION))


def test_figures_come_from_the_suppliers_products_and_nothing_else(world):
    listed = factories.make_product(world, "listed")  # one passed pre-listing inspection
    factories.inspect(world, listed.id, "routine")  # passed
    failed = factories.inspect(world, listed.id, "routine", {"major": 1, "minor": 1})
    assert failed.verdict == "rejected"
    # a complaint inspection is not a fair sample: not counted
    factories.inspect(world, listed.id, "complaint", {"major": 1})
    other = factories.make_product(world, "listed", supplier=world.supplier_b)
    factories.inspect(world, other.id, "routine", {"critical": 2})

    add_metrics(world, listed.id, month_start(0), units_sold=400, orders=380, reviews=60,
                positive_reviews=48, returns=20, complaints=1)
    add_metrics(world, listed.id, month_start(7), units_sold=9999, reviews=999,
                positive_reviews=0, returns=999)  # outside the 6-month window

    quality = factories.make_product(world, "listed")
    lifecycle.apply_transition(world.manager, quality.id, "delist", "quality_failure")
    asked = factories.make_product(world, "listed")
    lifecycle.apply_transition(world.manager, asked.id, "delist", "supplier_request")

    figures = standing.gather_figures(db.session)
    a = figures[world.supplier_a.id].as_dict()
    # 3 pre-listing passes (one per listed product) + 1 routine pass + 1 routine failure
    assert (a["inspections"], a["inspections_passed"], a["pass_rate"]) == (5, 4, 80.0)
    assert a["defects"] == {"critical": 0, "major": 1, "minor": 1}
    assert a["defects_per_inspection"] == {"critical": 0.0, "major": 0.2, "minor": 0.2,
                                           "total": 0.4}
    assert (a["reviews"], a["positive_rate"], a["units_sold"], a["return_rate"]) == (
        60, 80.0, 400, 5.0)
    # the failed inspection put ``listed`` on watch: still on sale; two delisted
    assert a["listed_products"] == 1
    assert a["delisted_12m"] == 1
    # each product walked through one design round, answered at once
    assert (a["design_rounds"], a["design_rounds_answered"]) == (3, 3)
    assert a["design_response_days_median"] == 0.0
    assert (a["capas_due"], a["capas_overdue"]) == (0, 0)  # the new request is not due yet
    b = figures[world.supplier_b.id].as_dict()
    assert (b["inspections"], b["inspections_passed"], b["defects"]["critical"]) == (2, 1, 2)
    assert b["reviews"] == 0 and b["positive_rate"] is None and b["return_rate"] is None


def _failed_request(world) -> CorrectiveAction:
    product = factories.make_product(world, "listed")
    factories.inspect(world, product.id, "routine", {"major": 1})
    return db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.product_id == product.id)).one()


def test_corrective_actions_on_time_late_and_overdue(world):
    today = factories.today()
    on_time, late, overdue = (_failed_request(world) for _ in range(3))
    on_time.status, on_time.due_on = "closed", today - timedelta(days=5)
    on_time.first_submitted_at = datetime.now(UTC) - timedelta(days=6)
    late.status, late.due_on = "closed", today - timedelta(days=5)
    late.first_submitted_at = datetime.now(UTC) - timedelta(days=2)
    overdue.due_on = today - timedelta(days=1)  # still open, with the supplier
    db.session.commit()
    a = standing.gather_figures(db.session)[world.supplier_a.id]
    assert (a.capas_due, a.capas_closed_on_time, a.capas_overdue) == (3, 1, 1)
    assert a.capa_on_time_rate == 33.33


def test_design_response_time_counts_from_the_first_feedback(world):
    product = factories.make_product(world, "in_design")
    design.open_round(world.manager, product.id)
    [item] = design.raise_feedback(world.manager, product.id, [
        {"area": "function", "severity": "major", "text": "The lid sticks."}])
    design.respond(world.supplier_user, item.id, "a new hinge")
    design.submit_revision(world.supplier_user, product.id, "new hinge")
    round_ = db.session.scalars(select(DesignRound).where(
        DesignRound.product_id == product.id)).one()
    round_.revision_submitted_at = datetime.now(UTC) + timedelta(days=4)
    round_.opened_at = datetime.now(UTC) - timedelta(days=10)  # feedback came later
    db.session.commit()
    open_product = factories.make_product(world, "in_design")
    design.open_round(world.manager, open_product.id)
    a = standing.gather_figures(db.session)[world.supplier_a.id]
    assert (a.design_rounds, a.design_rounds_answered, a.design_rounds_outstanding) == (2, 1, 1)
    assert 3.99 <= a.design_response_days_median <= 4.0


def test_recompute_all_stores_audits_changes_and_not_unchanged(world):
    result = standing.recompute_all(world.manager)
    assert result["suppliers"] == 2
    assert result["counts"] == {"preferred": 0, "approved": 2, "probation": 0, "eliminated": 0}
    assert {c["supplier_id"] for c in result["changes"]} == {world.supplier_a.id,
                                                             world.supplier_b.id}
    a = db.session.get(Supplier, world.supplier_a.id)
    assert a.standing == "approved" and a.standing_changed_at is not None
    assert [r["code"] for r in a.standing_reasons] == ["insufficient_data"]
    assert a.standing_figures["inspections"] == 0
    assert audit_count(world.supplier_a.id) == 1

    again = standing.recompute_all(world.manager)
    assert again["changes"] == [] and audit_count(world.supplier_a.id) == 1

    for _ in range(3):
        _failed_request(world)  # 3 listings passed + 3 routine failures: 50 % pass rate
    changed = standing.recompute_all(world.admin)
    assert [(c["supplier_id"], c["before"], c["after"]) for c in changed["changes"]] == [
        (world.supplier_a.id, "approved", "probation")]
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "supplier", AuditEvent.action == standing.ACTION)
        .order_by(AuditEvent.id.desc())).first()
    assert (event.from_state, event.to_state, event.actor_label) == (
        "approved", "probation", world.admin.email)
    assert "inspection pass rate 50 % (3 of 6 inspections passed" in event.reason
    history = standing.standing_history(world.manager, world.supplier_a.id)
    assert [(h["before"], h["after"]) for h in history] == [("approved", "probation"),
                                                            (None, "approved")]
    assert history[0]["codes"] == ["pass_rate_low"]
    assert db.session.get(Supplier, world.supplier_b.id).standing == "approved"
    # the registration status is a separate thing: untouched
    assert db.session.get(Supplier, world.supplier_a.id).status == "active"


def test_recompute_supplier_touches_only_that_supplier(world):
    result = standing.recompute_supplier(world.manager, world.supplier_b.id)
    assert (result["standing"], result["changed"]) == ("approved", True)
    assert db.session.get(Supplier, world.supplier_a.id).standing is None
    assert standing.recompute_supplier(None, world.supplier_b.id)["changed"] is False


@pytest.mark.parametrize("role", ["designer", "qc_inspector", "supplier"])
def test_only_managers_and_admins_recompute(world, role):
    user = world.user_for_role(role)
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(Forbidden):
        standing.recompute_all(user)
    with pytest.raises(Forbidden):
        standing.recompute_supplier(user, world.supplier_a.id)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert db.session.get(Supplier, world.supplier_a.id).standing is None


def test_a_supplier_sees_only_its_own_standing(world):
    standing.recompute_all(None)
    own = standing.get_standing(world.supplier_user, world.supplier_a.id)
    assert own["standing"] == "approved" and own["figures"]["inspections"] == 0
    with pytest.raises(NotFound):
        standing.get_standing(world.supplier_user, world.supplier_b.id)
    with pytest.raises(NotFound):
        standing.standing_history(world.supplier_user, world.supplier_b.id)
    with pytest.raises(NotFound):
        standing.get_standing(world.manager, 10**12)
    assert standing.get_standing(world.qc, world.supplier_b.id)["supplier_id"] == \
        world.supplier_b.id


def test_an_override_holds_through_recomputes_until_cleared(world):
    standing.recompute_all(world.manager)
    result = standing.set_override(world.manager, world.supplier_a.id, "probation",
                                   "  late shipments, see the call notes  ")
    assert (result["standing"], result["override"]) == ("probation", "probation")
    assert result["override_reason"] == "late shipments, see the call notes"
    assert [r["code"] for r in result["reasons"]] == ["manual_override", "insufficient_data"]
    assert standing.recompute_all(world.admin)["changes"] == []  # the override holds
    assert db.session.get(Supplier, world.supplier_a.id).standing == "probation"
    cleared = standing.clear_override(world.manager, world.supplier_a.id, "resolved")
    assert (cleared["standing"], cleared["override"]) == ("approved", None)
    history = standing.standing_history(world.supplier_user, world.supplier_a.id)
    assert [(h["action"], h["before"], h["after"]) for h in history] == [
        ("standing_override_cleared", "probation", "approved"),
        ("standing_override", "approved", "probation"),
        ("standing_changed", None, "approved")]
    assert history[1]["reason"] == "late shipments, see the call notes"


def test_a_bad_override_names_the_field_and_stores_nothing(world):
    from app.services.errors import StateConflict, ValidationFailed

    before = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(ValidationFailed) as caught:
        standing.set_override(world.manager, world.supplier_a.id, "gold", "  ")
    assert set(caught.value.details) == {"standing", "reason"}
    with pytest.raises(StateConflict):
        standing.clear_override(world.manager, world.supplier_a.id)
    with pytest.raises(Forbidden):
        standing.set_override(world.qc, world.supplier_a.id, "probation", "because")
    with pytest.raises(NotFound):
        standing.set_override(world.manager, 999999, "probation", "because")
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert db.session.get(Supplier, world.supplier_a.id).standing_override is None


def test_figures_take_the_same_few_queries_for_any_number_of_suppliers(world):
    from sqlalchemy import event

    from app.services import registry

    def queries() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            standing.gather_figures(db.session)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    factories.make_product(world, "listed")
    few = queries()
    for n in range(5):
        supplier = registry.create_supplier(None, {"name": f"More {n}", "status": "active"})
        factories.make_product(world, "proposed", supplier=supplier)
    assert queries() == few <= 8
