"""The audit trail: append-only in the database, a hash chain that names the tampered event."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import AuditEvent
from app.services import registry
from app.services.audit import verify_audit_chain
from tests import factories


def _without_triggers(statement: str, params: dict, operation: str = "update") -> None:
    """Play the attacker with database access: lift the append-only triggers, edit, restore."""
    dialect = db.engine.dialect.name
    with db.engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            conn.execute(text(statement), params)
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            name = f"audit_events_no_{operation}"
            conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text(statement), params)
            conn.execute(text(
                f"CREATE TRIGGER {name} BEFORE {operation.upper()} ON audit_events BEGIN SELECT "
                f"RAISE(ABORT, 'audit_events is append-only: {operation.upper()} refused'); END"))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET reason = 'rewritten' WHERE id = 1",
    "DELETE FROM audit_events WHERE id = 1",
])
def test_database_refuses_update_and_delete(world, statement):
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert db.session.get(AuditEvent, 1).reason is None


def test_events_cut_from_the_end_are_caught_by_the_records(runner, world):
    product = factories.make_product(world, "in_review")
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.action == "start_review" and last.subject_id == product.id
    _without_triggers("DELETE FROM audit_events WHERE id = :id", {"id": last.id}, "delete")
    db.session.rollback()
    assert verify_audit_chain(db.session)[1] is None  # what is left still chains
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"product {product.id} is in_review but its trail ends in proposed" in result.output


@pytest.mark.parametrize("action,label", [
    ("log_purchase", "sample purchase(s)"), ("open_inspection", "inspection(s)"),
    ("open_corrective_action", "corrective action request(s)")])
def test_qc_records_cut_from_the_trail_are_caught(runner, world, action, label):
    from app.services import qc
    from app.services.audit import records_missing_from_trail

    product = factories.make_product(world, "listed")
    if action == "log_purchase":
        factories.buy(world, product.id, "routine")
    elif action == "open_inspection":
        factories.open_inspection(world, product.id, "routine")
    else:
        inspection = factories.open_inspection(world, product.id, "routine")
        qc.add_defect(world.qc, inspection.id, {"defect_class": "minor", "count": 2,
                                                "description": "scratches"})
        # Not accepted: the request opens; under_watch is applied after it, so cut both.
        factories.complete(world, inspection)
    assert records_missing_from_trail(db.session) == []
    cut = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                             .order_by(AuditEvent.id.desc())).first()
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    for event_id in range(last.id, cut.id - 1, -1):  # from the end back to the cut event
        _without_triggers("DELETE FROM audit_events WHERE id = :id", {"id": event_id}, "delete")
    db.session.rollback()
    assert verify_audit_chain(db.session)[1] is None
    # The listed product's pre-listing purchase and inspection keep their events.
    records, events = {"log_purchase": (2, 1), "open_inspection": (2, 1),
                       "open_corrective_action": (1, 0)}[action]
    assert f"product {product.id} has {records} {label} but {events} {action} event(s)" in \
        records_missing_from_trail(db.session)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"product {product.id} has" in result.output


def test_record_without_creation_event_is_reported(runner, world):
    from app.services.audit import records_missing_from_trail

    event_id, user_id = db.session.execute(select(AuditEvent.id, AuditEvent.subject_id).where(
        AuditEvent.subject_type == "user").order_by(AuditEvent.id.desc())).first()
    assert records_missing_from_trail(db.session) == []
    # rewrite history so the last user's creation event names another subject
    _without_triggers("UPDATE audit_events SET subject_id = 9999 WHERE id = :id", {"id": event_id})
    db.session.rollback()
    assert records_missing_from_trail(db.session) == [f"user {user_id} has no creation event"]


def test_the_table_cannot_be_emptied_wholesale(world):
    """PostgreSQL: TRUNCATE (which row triggers miss) is refused by a statement trigger.
    SQLite has no TRUNCATE; its equivalent, an unqualified DELETE, is refused by the row trigger."""
    db.session.rollback()
    statement = ("TRUNCATE audit_events" if db.engine.dialect.name == "postgresql"
                 else "DELETE FROM audit_events")
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert verify_audit_chain(db.session)[0] > 0


def test_every_edit_records_before_and_after(world):
    registry.update_supplier(world.admin, world.supplier_b.id, {"region": "浙江", "status": "probation"})
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.subject_type, event.subject_id, event.action) == (
        "supplier", world.supplier_b.id, "update")
    assert json.loads(event.changes) == {
        "region": {"before": None, "after": "浙江"},
        "status": {"before": "active", "after": "probation"},
    }
    assert event.actor_label == world.admin.email


def test_noop_edit_records_nothing(world):
    before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    registry.update_supplier(world.admin, world.supplier_b.id, {"status": "active"})
    assert db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) == before


def test_chain_links_every_event(world):
    factories.make_product(world, "listed")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    for previous, current in zip(events, events[1:], strict=False):
        assert current.prev_hash == previous.hash
    assert verify_audit_chain(db.session) == (len(events), None)


@pytest.mark.parametrize("column,value", [("reason", "rewritten after the fact"),
                                          ("to_state", "listed"), ("actor_label", "nobody")])
def test_tampering_with_one_event_is_named(app, runner, world, column, value):
    product = factories.make_product(world, "rejected")
    target = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_id == product.id, AuditEvent.action == "reject")).one()
    target_id = target.id
    factories.make_product(world, "in_review")  # events after the tampered one
    db.session.rollback()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _without_triggers(f"UPDATE audit_events SET {column} = :value WHERE id = :id",
                      {"value": value, "id": target_id})
    db.session.rollback()  # a fresh snapshot that sees the edit
    count, broken = verify_audit_chain(db.session)
    assert broken is not None and broken.event_id == target_id
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {target_id}" in result.output
