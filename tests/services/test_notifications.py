"""Notifications: each hook reaches exactly the right users; reading is per user and unaudited."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from app.db import write_transaction
from app.extensions import db
from app.models import AuditEvent, DesignRound, FeedbackItem, Notification, User
from app.services import accounts, lifecycle, notifications
from app.services.errors import ValidationFailed
from tests import factories
from workflows.lifecycle import TRANSITIONS

#: A staff role allowed to apply each decision transition (admin may apply any).
DECISIONS = {
    "accept": ("in_review", "selection_manager"),
    "reject": ("proposed", "selection_manager"),
    "request_info": ("in_review", "selection_manager"),
    "approve_design": ("in_design", "designer"),
    "abandon": ("in_design", "selection_manager"),
    "fail_sampling": ("sampling", "qc_inspector"),
    "list": ("sampling", "selection_manager"),
    "put_on_watch": ("listed", "qc_inspector"),
    "suspend": ("listed", "qc_inspector"),
    "reinstate": ("suspended", "selection_manager"),
    "delist": ("listed", "selection_manager"),
    "relist": ("delisted", "selection_manager"),
}


def clear_notifications() -> None:
    with write_transaction() as session:
        session.execute(delete(Notification))


def received(kind: str | None = None) -> dict[int, list[Notification]]:
    """Every stored notification by recipient id (fresh from the database)."""
    db.session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    by_user: dict[int, list[Notification]] = {}
    for n in db.session.scalars(query):
        by_user.setdefault(n.user_id, []).append(n)
    return by_user


def deactivate(user: User) -> None:
    with write_transaction() as session:
        session.execute(update(User).where(User.id == user.id).values(active=False))


# --- on_transition ----------------------------------------------------------------------------

def test_a_submission_reaches_every_active_selection_manager_only(world):
    second = accounts.create_user(None, "manager2@test.example", "selection_manager",
                                  factories.PASSWORD)
    retired = accounts.create_user(None, "manager3@test.example", "selection_manager",
                                   factories.PASSWORD)
    deactivate(retired)
    product = factories.make_product(world, "draft")
    lifecycle.apply_transition(world.supplier_user, product.id, "submit")
    got = received()
    assert set(got) == {world.manager.id, second.id}
    for user_id in got:
        [note] = got[user_id]
        assert note.kind == "submission" and note.product_id == product.id
        assert note.params["transition"] == "submit"
        assert note.params["product_name"] == product.display_name
        assert note.read_at is None
        assert product.display_name in note.message


def test_the_supplier_hears_nothing_of_its_own_submit_or_abandon(world):
    product = factories.make_product(world, "draft")
    lifecycle.apply_transition(world.supplier_user, product.id, "submit")
    lifecycle.apply_transition(world.supplier_user, product.id, "abandon", "changed our mind")
    got = received()
    assert world.supplier_user.id not in got
    assert set(got) == {world.manager.id}  # the submission only: abandon tells nobody
    assert [n.kind for n in got[world.manager.id]] == ["submission"]


@pytest.mark.parametrize("transition", sorted(DECISIONS))
def test_a_staff_decision_reaches_the_products_supplier_users_only(world, transition):
    source, role = DECISIONS[transition]
    colleague = accounts.create_user(None, "a2@supplier.example", "supplier", factories.PASSWORD,
                                     world.supplier_a.name)
    product = factories.make_product(world, source)
    factories.make_product(world, source, supplier=world.supplier_b)
    if transition == "accept":
        factories.pass_review(world, product.id)
    if transition == "approve_design":
        factories.approve_design_round(world, product.id)
    if transition == "list":
        factories.pass_inspection(world, product.id, "pre_listing")
    if transition == "reinstate":
        factories.pass_inspection(world, product.id, "follow_up")
    clear_notifications()
    reason = factories.reason_for(transition)
    lifecycle.apply_transition(world.user_for_role(role), product.id, transition, reason)
    got = received()
    assert set(got) == {world.supplier_user.id, colleague.id}
    for user_id in got:
        [note] = got[user_id]
        assert note.kind == "decision"
        assert note.product_id == product.id
        assert note.params["transition"] == transition
        assert note.params["target"] == TRANSITIONS[transition].target.value
        assert note.params["reason"] == reason
        assert reason in note.message


def test_a_decision_without_reason_is_stored_without_one(world):
    product = factories.make_product(world, "sampling")
    factories.pass_inspection(world, product.id, "pre_listing")
    clear_notifications()
    lifecycle.apply_transition(world.manager, product.id, "list")
    [note] = received()[world.supplier_user.id]
    assert note.params["reason"] is None and "Reason" not in note.message
    assert note.params["target"] == "listed"


@pytest.mark.parametrize("transition,source", [("start_review", "proposed"),
                                               ("resolve_watch", "under_watch")])
def test_housekeeping_transitions_notify_nobody(world, transition, source):
    product = factories.make_product(world, source)
    if transition == "resolve_watch":
        factories.pass_inspection(world, product.id, "follow_up")
    clear_notifications()
    actor = world.manager if transition == "start_review" else world.qc
    lifecycle.apply_transition(actor, product.id, transition)
    assert received() == {}


def test_suppliers_never_hear_of_other_suppliers_products(world):
    theirs = {factories.make_product(world, state, supplier=world.supplier_b).id
              for state in ("rejected", "listed", "delisted", "abandoned", "in_design")}
    got = received()
    assert world.supplier_user.id not in got
    assert {n.product_id for n in got[world.other_supplier_user.id]} == theirs
    assert all(n.kind == "decision" for n in got[world.other_supplier_user.id])


def test_inactive_supplier_users_are_skipped(world):
    deactivate(world.supplier_user)
    product = factories.make_product(world, "proposed")
    clear_notifications()
    lifecycle.apply_transition(world.manager, product.id, "reject", "not for us")
    assert received() == {}


def test_a_failed_transition_leaves_no_notification(world):
    product = factories.make_product(world, "draft")
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        lifecycle.apply_transition(world.supplier_user, product.id, "submit",
                                   expected_version=product.version + 5)
    assert received() == {}


# --- design rounds ----------------------------------------------------------------------------

def make_round(world, product, *items: tuple[str, bool], number: int = 1) -> DesignRound:
    """A design round with feedback items ``(text, internal)``, inserted directly."""
    with write_transaction() as session:
        design_round = DesignRound(product_id=product.id, number=number, status="open",
                                   opened_by_id=world.manager.id)
        session.add(design_round)
        session.flush()
        for text, internal in items:
            session.add(FeedbackItem(round_id=design_round.id, product_id=product.id,
                                     area="design", severity="minor", text=text,
                                     internal=internal, created_by_id=world.manager.id))
    db.session.expire_all()
    return db.session.get(DesignRound, design_round.id)


@pytest.fixture
def design_product(world):
    product = factories.make_product(world, "in_design")
    factories.make_product(world, "in_design", supplier=world.supplier_b)
    clear_notifications()
    return product


def test_feedback_reaches_the_supplier_counting_only_shared_items(world, design_product):
    design_round = make_round(world, design_product, ("Rounder handle", False),
                              ("Margin is thin, push on price", True), ("Matte lid", False),
                              number=2)
    with write_transaction() as session:
        notifications.on_feedback(session, world.designer, design_round, design_round.items)
    got = received()
    assert set(got) == {world.supplier_user.id}
    [note] = got[world.supplier_user.id]
    assert note.kind == "feedback" and note.product_id == design_product.id
    assert note.params["count"] == 2 and note.params["round"] == 2
    assert "Margin" not in note.message and "Margin" not in str(note.params)


def test_internal_only_feedback_tells_the_supplier_nothing(world, design_product):
    design_round = make_round(world, design_product, ("Internal note", True),
                              ("Another internal note", True))
    with write_transaction() as session:
        notifications.on_feedback(session, world.designer, design_round, design_round.items)
        notifications.on_feedback(session, world.designer, design_round, [])
    assert received() == {}


def test_a_revision_reaches_selection_managers_and_designers(world, design_product):
    design_round = make_round(world, design_product, ("Rounder handle", False))
    with write_transaction() as session:
        notifications.on_revision(session, world.supplier_user, design_round)
    got = received()
    assert set(got) == {world.manager.id, world.designer.id}
    for user_id in got:
        [note] = got[user_id]
        assert note.kind == "revision" and note.params["round"] == 1


def test_a_designer_revising_on_behalf_is_not_told_of_it(world, design_product):
    design_round = make_round(world, design_product)
    with write_transaction() as session:
        notifications.on_revision(session, world.designer, design_round)
    assert set(received()) == {world.manager.id}


def test_a_round_decision_reaches_the_supplier_with_its_reason(world, design_product):
    design_round = make_round(world, design_product, ("Rounder handle", False))
    with write_transaction() as session:
        design_round.status, design_round.decision = "closed", "another_round"
        design_round.decision_reason = "Handle still too thin"
        notifications.on_round_decision(session, world.designer, design_round)
    got = received()
    assert set(got) == {world.supplier_user.id}
    [note] = got[world.supplier_user.id]
    assert note.kind == "decision"
    assert note.params["decision"] == "another_round"
    assert note.params["reason"] == "Handle still too thin"
    assert "Handle still too thin" in note.message


def test_hooks_do_not_commit_on_their_own(world, design_product):
    design_round = make_round(world, design_product, ("Rounder handle", False))
    with pytest.raises(RuntimeError), write_transaction() as session:
        notifications.on_feedback(session, world.designer, design_round, design_round.items)
        raise RuntimeError("the caller's change failed")
    assert received() == {}


# --- reading ----------------------------------------------------------------------------------

def revision_notes(world, count: int) -> None:
    product = factories.make_product(world, "in_design")
    clear_notifications()
    for number in range(1, count + 1):
        design_round = make_round(world, product, number=number)
        with write_transaction() as session:
            notifications.on_revision(session, world.supplier_user, design_round)


def test_list_is_the_users_own_newest_first_with_paging(world):
    revision_notes(world, 3)
    mine = notifications.list_notifications(world.manager)
    assert [n.params["round"] for n in mine] == [3, 2, 1]
    assert all(n.user_id == world.manager.id for n in mine)
    assert notifications.list_notifications(world.qc) == []
    first = notifications.list_notifications(world.manager, limit=2)
    assert [n.params["round"] for n in first] == [3, 2]
    rest = notifications.list_notifications(world.manager, limit=2, before_id=first[-1].id)
    assert [n.params["round"] for n in rest] == [1]


def test_unread_count_and_mark_read_are_per_user(world):
    revision_notes(world, 3)
    assert notifications.unread_count(world.manager) == 3
    assert notifications.unread_count(world.designer) == 3
    managers = notifications.list_notifications(world.manager)
    # The designer cannot mark the manager's notifications read.
    assert notifications.mark_read(world.designer, [n.id for n in managers]) == 0
    assert notifications.unread_count(world.manager) == 3
    assert notifications.unread_count(world.designer) == 3
    assert notifications.mark_read(world.manager, [managers[0].id]) == 1
    assert notifications.unread_count(world.manager) == 2
    unread = notifications.list_notifications(world.manager, unread_only=True)
    assert [n.id for n in unread] == [n.id for n in managers[1:]]
    assert notifications.mark_read(world.manager, [managers[0].id]) == 0  # already read
    assert notifications.mark_read(world.manager) == 2
    assert notifications.unread_count(world.manager) == 0
    assert notifications.unread_count(world.designer) == 3
    assert notifications.mark_read(world.designer, []) == 0
    assert notifications.unread_count(world.designer) == 3


def test_mark_read_is_not_audited(world):
    revision_notes(world, 2)
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    notifications.mark_read(world.manager)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


@pytest.mark.parametrize("ids", ["1,2", [1, "2"], [True], {"id": 1}, list(range(1, 1100))])
def test_mark_read_refuses_bad_ids(world, ids):
    revision_notes(world, 1)
    with pytest.raises(ValidationFailed):
        notifications.mark_read(world.manager, ids)
    assert notifications.unread_count(world.manager) == 1


# --- corrective actions -----------------------------------------------------------------------

@pytest.mark.parametrize("event,audience", [
    ("opened", {"supplier"}), ("returned", {"supplier"}), ("closed", {"supplier"}),
    ("escalated", {"supplier", "selection_manager"}),
    ("submitted", {"qc_inspector", "selection_manager"}),
])
def test_corrective_action_events_reach_their_audience(world, event, audience):
    from app.models import CorrectiveAction, Product

    colleague = accounts.create_user(None, "a2@supplier.example", "supplier", factories.PASSWORD,
                                     world.supplier_a.name)
    qc2 = accounts.create_user(None, "qc2@test.example", "qc_inspector", factories.PASSWORD)
    product = factories.make_product(world, "listed")
    factories.inspect(world, product.id, "routine", {"major": 1})
    clear_notifications()
    actor = world.supplier_user if event == "submitted" else world.qc
    with write_transaction() as session:
        request = session.scalars(select(CorrectiveAction)).one()
        request.return_reason, request.escalation_reason = "Root cause missing", "Third failure"
        notifications.on_corrective_action(session, actor, session.get(Product, product.id),
                                           request, event)
    expected = set()
    if "supplier" in audience:
        expected |= {world.supplier_user.id, colleague.id}
    if "selection_manager" in audience:
        expected.add(world.manager.id)
    if "qc_inspector" in audience:
        expected |= {world.qc.id, qc2.id}
    expected.discard(actor.id)
    got = received("corrective_action")
    assert set(got) == expected and set(received()) == expected
    for notes in got.values():
        assert all(n.params["capa_id"] == request.id and n.params["event"] == event
                   and n.params["due_on"] == request.due_on.isoformat() for n in notes)
        assert all(f"#{request.id}" in n.message for n in notes)
    if event == "returned":
        assert "Root cause missing" in got[world.supplier_user.id][0].message
    if event == "escalated":
        assert "Third failure" in got[world.manager.id][0].message
        assert "Third failure" not in got[world.supplier_user.id][0].message
    assert world.other_supplier_user.id not in got


def test_a_failed_inspection_tells_the_supplier_of_the_request_and_the_decision(world):
    product = factories.make_product(world, "listed")
    clear_notifications()
    done = factories.inspect(world, product.id, "routine", {"critical": 1})
    got = received()
    assert set(got) == {world.supplier_user.id}
    kinds = [n.kind for n in got[world.supplier_user.id]]
    assert kinds == ["corrective_action", "decision"]
    decision = got[world.supplier_user.id][1]
    assert decision.params["transition"] == "suspend"
    assert f"inspection #{done.id}" in decision.params["reason"]
