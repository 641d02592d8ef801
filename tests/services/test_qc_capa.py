"""Corrective actions against the real database: answers, verification, deadlines, watch exit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from app.db import write_transaction
from app.extensions import db
from app.models import AuditEvent, CorrectiveAction, Notification, Product
from app.services import attachments, lifecycle, qc
from app.services.errors import Forbidden, NotFound, StateConflict, ValidationFailed
from tests import factories
from tests.factories import PDF, PNG, stored_counts, today
from workflows.lifecycle import GuardBlocked

ANSWER = {"containment": "Quarantined 2,000 units in the warehouse",
          "root_cause": "Thermostat supplier changed without notice",
          "corrective_action": "Returned to the qualified thermostat",
          "preventive_action": "Incoming inspection of every thermostat lot"}


def fresh_capa(capa_id: int) -> CorrectiveAction:
    db.session.expire_all()
    return db.session.get(CorrectiveAction, capa_id)


def state_of(product_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Product, product_id).state


def last_event(product_id: int) -> AuditEvent:
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "product", AuditEvent.subject_id == product_id)
        .order_by(AuditEvent.id.desc())).first()


def notes(kind: str = "corrective_action") -> dict[int, list[Notification]]:
    db.session.expire_all()
    out: dict[int, list[Notification]] = {}
    for n in db.session.scalars(select(Notification).where(Notification.kind == kind)
                                .order_by(Notification.id)):
        out.setdefault(n.user_id, []).append(n)
    return out


def clear_notes() -> None:
    with write_transaction() as session:
        session.execute(delete(Notification))


@pytest.fixture
def watched(world):
    """A listed product put on watch by a failed routine inspection, with its open request."""
    product = factories.make_product(world, "listed")
    inspection = factories.inspect(world, product.id, "routine", {"major": 1})
    request = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.inspection_id == inspection.id)).one()
    return product, request


# --- the supplier's answer ----------------------------------------------------------------------

def test_the_supplier_saves_as_it_goes_then_submits(world, watched):
    product, request = watched
    clear_notes()
    saved = qc.answer_capa(world.supplier_user, request.id, {"containment": " Quarantined "})
    assert (saved.status, saved.containment, saved.root_cause) == ("open", "Quarantined", None)
    event = last_event(product.id)
    assert (event.action, event.actor_id) == ("answer_corrective_action", world.supplier_user.id)
    assert json.loads(event.changes) == {f"corrective action #{request.id}": {
        "before": {"containment": None}, "after": {"containment": "Quarantined"}}}
    assert notes() == {}
    submitted = qc.answer_capa(world.supplier_user, request.id, ANSWER, submit=True)
    assert submitted.status == "submitted" and submitted.submitted_at is not None
    assert submitted.first_submitted_at == submitted.submitted_at
    assert last_event(product.id).action == "submit_corrective_action"
    assert set(notes()) == {world.qc.id, world.manager.id}


def test_saving_the_same_answer_again_records_nothing(world, watched):
    product, request = watched
    qc.answer_capa(world.supplier_user, request.id, {"containment": "Quarantined"})
    before = stored_counts()
    qc.answer_capa(world.supplier_user, request.id, {"containment": " Quarantined "})
    assert stored_counts() == before
    qc.answer_capa(world.supplier_user, request.id, {"containment": "Quarantined",
                                                     "root_cause": "Torque"})
    assert json.loads(last_event(product.id).changes) == {
        f"corrective action #{request.id}": {"before": {"root_cause": None},
                                             "after": {"root_cause": "Torque"}}}


def test_submitting_needs_all_four_answers_and_keeps_nothing_of_a_refused_call(world, watched):
    product, request = watched
    qc.answer_capa(world.supplier_user, request.id, {"containment": "Quarantined"})
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.answer_capa(world.supplier_user, request.id, {"root_cause": "Thermostat"},
                       submit=True, evidence=[(PDF, "8d.pdf")])
    assert caught.value.details == {"corrective_action": "required before submitting",
                                    "preventive_action": "required before submitting"}
    assert stored_counts() == before
    stale = fresh_capa(request.id)
    assert (stale.status, stale.containment, stale.root_cause) == ("open", "Quarantined", None)


def test_blank_answers_do_not_count(world, watched):
    _product, request = watched
    with pytest.raises(ValidationFailed) as caught:
        qc.answer_capa(world.supplier_user, request.id, {**ANSWER, "root_cause": "   "},
                       submit=True)
    assert set(caught.value.details) == {"root_cause"}


@pytest.mark.parametrize("data,field", [({"root_cause": 5}, "root_cause"),
                                        ({"verdict": "fine"}, "fields"),
                                        ({"containment": "x" * (qc.MAX_TEXT + 1)}, "containment")])
def test_bad_answers_are_refused(world, watched, data, field):
    _product, request = watched
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.answer_capa(world.supplier_user, request.id, data)
    assert field in caught.value.details
    assert stored_counts() == before


def test_evidence_is_stored_with_the_request(world, watched):
    product, request = watched
    qc.answer_capa(world.supplier_user, request.id, {}, evidence=[(PDF, "8d.pdf"),
                                                                  (PNG, "jig.png")])
    files = qc.record_files(world.supplier_user, "capa_evidence", request.id)
    assert [f.original_name for f in files] == ["8d.pdf", "jig.png"]
    assert all(not f.internal and f.product_id == product.id for f in files)
    assert attachments.stored_path(files[0]).read_bytes() == PDF


def test_another_supplier_gets_not_found(world, watched):
    _product, request = watched
    before = stored_counts()
    with pytest.raises(NotFound):
        qc.get_capa(world.other_supplier_user, request.id)
    with pytest.raises(NotFound):
        qc.answer_capa(world.other_supplier_user, request.id, ANSWER, submit=True)
    with pytest.raises(NotFound):
        qc.get_capa(world.supplier_user, request.id + 100)
    assert qc.get_capa(world.supplier_user, request.id).id == request.id
    assert stored_counts() == before
    theirs = db.session.scalars(qc.capas_query(world.other_supplier_user)).all()
    assert theirs == []
    assert [c.id for c in db.session.scalars(qc.capas_query(world.supplier_user))] == [request.id]


@pytest.mark.parametrize("role", ["qc_inspector", "selection_manager", "designer"])
def test_staff_do_not_answer_for_the_supplier(world, watched, role):
    _product, request = watched
    with pytest.raises(Forbidden):
        qc.answer_capa(world.user_for_role(role), request.id, ANSWER)


def test_a_submitted_request_cannot_be_edited_by_the_supplier(world, watched):
    _product, request = watched
    qc.answer_capa(world.supplier_user, request.id, ANSWER, submit=True)
    with pytest.raises(StateConflict, match="is submitted"):
        qc.answer_capa(world.supplier_user, request.id, {"containment": "changed my mind"})


# --- verification -------------------------------------------------------------------------------

def test_closing_needs_a_follow_up_that_passed_after_the_answer(world, watched):
    product, request = watched
    early = factories.inspect(world, product.id, "follow_up")  # passed, but before the answer
    qc.answer_capa(world.supplier_user, request.id, ANSWER, submit=True)
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.review_capa(world.qc, request.id, "close")
    assert "passed after the answer was submitted" in caught.value.details["inspection_id"]
    with pytest.raises(ValidationFailed):
        qc.review_capa(world.qc, request.id, "close", inspection_id=early.id)
    assert stored_counts() == before
    failed = factories.inspect(world, product.id, "follow_up", {"minor": 2})
    assert failed.verdict == "rejected"
    with pytest.raises(ValidationFailed):
        qc.review_capa(world.qc, request.id, "close", inspection_id=failed.id)
    routine = factories.inspect(world, product.id, "routine")  # passed, but not a follow-up
    with pytest.raises(ValidationFailed):
        qc.review_capa(world.qc, request.id, "close", inspection_id=routine.id)
    follow_up = factories.inspect(world, product.id, "follow_up")
    clear_notes()
    closed = qc.review_capa(world.qc, request.id, "close")
    assert closed.status == "closed" and closed.verification_inspection_id == follow_up.id
    assert (closed.closed_by_id, closed.closed_at is not None) == (world.qc.id, True)
    event = last_event(product.id)
    assert event.action == "close_corrective_action"
    assert json.loads(event.changes)[f"corrective action #{request.id}"]["after"] == {
        "status": "closed", "verified_by_inspection": follow_up.id}
    assert set(notes()) == {world.supplier_user.id}


@pytest.mark.parametrize("status", ["open", "returned", "closed", "escalated"])
def test_only_a_submitted_request_can_be_closed_or_returned(world, watched, status):
    product, request = watched
    with write_transaction() as session:
        session.execute(update(CorrectiveAction).where(CorrectiveAction.id == request.id)
                        .values(status=status))
    factories.inspect(world, product.id, "follow_up")
    with pytest.raises(StateConflict):
        qc.review_capa(world.qc, request.id, "close")
    with pytest.raises(StateConflict):
        qc.review_capa(world.qc, request.id, "return", "Try again")


def test_return_with_a_reason_and_answer_again(world, watched):
    product, request = watched
    qc.answer_capa(world.supplier_user, request.id, ANSWER, submit=True)
    first = fresh_capa(request.id).first_submitted_at
    with pytest.raises(ValidationFailed) as caught:
        qc.review_capa(world.qc, request.id, "return", "  ")
    assert "reason" in caught.value.details
    clear_notes()
    returned = qc.review_capa(world.manager, request.id, "return", "Root cause is a guess")
    assert (returned.status, returned.return_reason) == ("returned", "Root cause is a guess")
    event = last_event(product.id)
    assert (event.action, event.reason) == ("return_corrective_action", "Root cause is a guess")
    [note] = notes()[world.supplier_user.id]
    assert "Root cause is a guess" in note.message
    qc.answer_capa(world.supplier_user, request.id, {"root_cause": "Measured: torque drift"},
                   submit=True)
    again = fresh_capa(request.id)
    assert again.status == "submitted" and again.first_submitted_at == first
    assert again.submitted_at > first


def test_escalate_notifies_the_managers(world, watched):
    product, request = watched
    clear_notes()
    with pytest.raises(ValidationFailed):
        qc.review_capa(world.qc, request.id, "escalate")
    escalated = qc.review_capa(world.qc, request.id, "escalate", "No answer, repeat failure")
    assert escalated.status == "escalated" and escalated.escalated_at is not None
    assert escalated.escalation_reason == "No answer, repeat failure"
    got = notes()
    assert set(got) == {world.supplier_user.id, world.manager.id}
    assert "delisting proposal" in got[world.manager.id][0].message
    assert "No answer, repeat failure" in got[world.manager.id][0].message
    with pytest.raises(StateConflict):
        qc.review_capa(world.qc, request.id, "escalate", "again")
    with pytest.raises(StateConflict):
        qc.answer_capa(world.supplier_user, request.id, ANSWER)


@pytest.mark.parametrize("role", ["supplier", "designer"])
def test_suppliers_and_designers_do_not_review(world, watched, role):
    _product, request = watched
    with pytest.raises(Forbidden):
        qc.review_capa(world.user_for_role(role), request.id, "escalate", "x")


@pytest.mark.parametrize("data", [{"action": "reopen"}, {"action": None},
                                  {"action": "close", "inspection_id": "abc"},
                                  {"action": "close", "inspection_id": -1}])
def test_bad_review_input(world, watched, data):
    _product, request = watched
    with pytest.raises(ValidationFailed):
        qc.review_capa(world.qc, request.id, data["action"],
                       inspection_id=data.get("inspection_id"))


# --- deadlines ----------------------------------------------------------------------------------

def test_overdue_requests_are_flagged(world, watched):
    product, request = watched
    other = factories.make_product(world, "listed")
    assert not qc.is_overdue(request)
    assert qc.overdue_product_ids(db.session, [product.id, other.id]) == set()
    with write_transaction() as session:
        session.execute(update(CorrectiveAction).where(CorrectiveAction.id == request.id)
                        .values(due_on=today() - timedelta(days=1)))
    request = fresh_capa(request.id)
    assert qc.is_overdue(request)
    assert qc.overdue_product_ids(db.session, [product.id, other.id]) == {product.id}
    assert qc.overdue_product_ids(db.session, []) == set()
    overdue = db.session.scalars(qc.capas_query(world.supplier_user, overdue=True)).all()
    assert [c.id for c in overdue] == [request.id]
    assert db.session.scalars(qc.capas_query(world.other_supplier_user, overdue=True)).all() == []
    # Submitted: waiting on QC now, no longer overdue.
    qc.answer_capa(world.supplier_user, request.id, ANSWER, submit=True)
    assert not qc.is_overdue(fresh_capa(request.id))
    assert qc.overdue_product_ids(db.session, [product.id]) == set()
    assert db.session.scalars(qc.capas_query(world.admin, overdue=True)).all() == []


def test_due_today_is_not_overdue(world, watched):
    _product, request = watched
    with write_transaction() as session:
        session.execute(update(CorrectiveAction).where(CorrectiveAction.id == request.id)
                        .values(due_on=today()))
    assert not qc.is_overdue(fresh_capa(request.id))


def test_capas_query_filters(world, watched):
    product, request = watched
    other = factories.make_product(world, "listed")
    second = factories.inspect(world, other.id, "routine", {"critical": 1})
    assert second.consequence == "suspend"
    ids = lambda query: [c.id for c in db.session.scalars(query)]  # noqa: E731
    assert len(ids(qc.capas_query(world.qc))) == 2
    assert ids(qc.capas_query(world.qc, product_id=product.id)) == [request.id]
    assert ids(qc.capas_query(world.qc, status="closed")) == []


# --- resolve_watch and reinstate ----------------------------------------------------------------

def blockers(actor, product_id: int, name: str) -> list[str]:
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    offered = {t["name"]: t for t in lifecycle.available_transitions(db.session, actor, product)}
    return offered[name]["blocked_by"]


FOLLOW_UP = "follow_up: no follow-up inspection has passed since the product left listed"


def test_resolve_watch_waits_for_a_closed_request_and_a_passed_follow_up(world, watched):
    product, request = watched
    open_request = f"corrective_action: request #{request.id} is open, not closed"
    assert blockers(world.qc, product.id, "resolve_watch") == [open_request, FOLLOW_UP]
    with pytest.raises(GuardBlocked) as caught:
        lifecycle.apply_transition(world.qc, product.id, "resolve_watch")
    assert caught.value.reasons == [open_request, FOLLOW_UP]
    qc.answer_capa(world.supplier_user, request.id, ANSWER, submit=True)
    factories.inspect(world, product.id, "follow_up")
    assert blockers(world.qc, product.id, "resolve_watch") == [
        f"corrective_action: request #{request.id} is submitted, not closed"]
    with pytest.raises(GuardBlocked):
        lifecycle.apply_transition(world.qc, product.id, "resolve_watch")
    qc.review_capa(world.qc, request.id, "close")
    assert blockers(world.qc, product.id, "resolve_watch") == []
    assert lifecycle.apply_transition(world.qc, product.id, "resolve_watch").state == "listed"


def test_an_escalated_request_blocks_until_resolved(world, watched):
    product, request = watched
    qc.review_capa(world.qc, request.id, "escalate", "Repeat offender")
    factories.inspect(world, product.id, "follow_up")
    assert blockers(world.qc, product.id, "resolve_watch") == [
        f"corrective_action: request #{request.id} is escalated, not closed"]


def test_a_follow_up_from_before_the_suspension_does_not_count(world):
    product = factories.make_product(world, "under_watch")
    factories.inspect(world, product.id, "follow_up")
    assert blockers(world.qc, product.id, "resolve_watch") == []
    lifecycle.apply_transition(world.manager, product.id, "suspend", "Customer injuries")
    assert blockers(world.manager, product.id, "reinstate") == [FOLLOW_UP]
    failed = factories.inspect(world, product.id, "follow_up", {"minor": 2})
    [request] = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.inspection_id == failed.id)).all()
    assert blockers(world.manager, product.id, "reinstate") == [
        f"corrective_action: request #{request.id} is open, not closed", FOLLOW_UP]


def test_reinstate_after_a_critical_failure(world):
    product = factories.make_product(world, "listed")
    failed = factories.inspect(world, product.id, "routine", {"critical": 1})
    assert state_of(product.id) == "suspended"
    request = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.inspection_id == failed.id)).one()
    with pytest.raises(GuardBlocked):
        lifecycle.apply_transition(world.manager, product.id, "reinstate", "fixed")
    qc.answer_capa(world.supplier_user, request.id, ANSWER, submit=True)
    passed = factories.inspect(world, product.id, "follow_up")
    qc.review_capa(world.qc, request.id, "close", inspection_id=passed.id)
    assert lifecycle.apply_transition(world.manager, product.id, "reinstate",
                                      "Verified by follow-up").state == "listed"
    assert state_of(product.id) == "listed"


def test_watch_exit_blockers_only_for_watched_or_suspended(world):
    for state in ("listed", "sampling", "delisted"):
        product = factories.make_product(world, state)
        assert qc.watch_exit_blockers(db.session, product) == ()
