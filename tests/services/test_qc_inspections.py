"""Inspections against the real database: plans, defects, verdicts, consequences, switching."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.db import write_transaction
from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    Category,
    CorrectiveAction,
    Inspection,
    InspectionDefect,
    Notification,
    Product,
)
from app.services import attachments, qc
from app.services.errors import Forbidden, NotFound, StateConflict, ValidationFailed
from tests import factories
from tests.factories import PDF, PNG, stored_counts, today
from workflows.inspection import DEFAULT_AQLS, class_plans


def fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def state_of(product_id: int) -> str:
    return fresh(Product, product_id).state


def events(product_id: int, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.subject_type == "product",
                                     AuditEvent.subject_id == product_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def capas(product_id: int) -> list[CorrectiveAction]:
    db.session.expire_all()
    return list(db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.product_id == product_id).order_by(CorrectiveAction.id)))


def set_category(category: Category, **values) -> None:
    with write_transaction() as session:
        session.execute(update(Category).where(Category.id == category.id).values(**values))


@pytest.fixture
def sampling(world):
    return factories.make_product(world, "sampling")


@pytest.fixture
def listed(world):
    return factories.make_product(world, "listed")


# --- opening an inspection ----------------------------------------------------------------------

def test_opening_computes_the_plan_per_class_from_the_category(world, sampling):
    set_category(world.category, aql_critical=0.0, aql_major=1.0, aql_minor=2.5,
                 inspection_level="I", qc_checklist=["finish", "boil test"])
    expected = class_plans(500, {"critical": 0, "major": 1.0, "minor": 2.5}, "I", "normal")
    draw = max(p.sample_size for p in expected)
    purchase = factories.buy(world, sampling.id, "pre_listing", quantity=draw)
    inspection = qc.open_inspection(world.qc, purchase.id, {"lot_size": 500})
    assert inspection.plans == [p.as_dict() for p in expected]
    assert (inspection.lot_size, inspection.level, inspection.severity) == (500, "I", "normal")
    assert inspection.sample_size == draw
    assert inspection.aqls == {"critical": 0.0, "major": 1.0, "minor": 2.5}
    assert inspection.severity_reason == "pre-listing inspection: normal inspection"
    assert [c["item"] for c in inspection.checklist] == ["finish", "boil test"]
    assert (inspection.status, inspection.kind, inspection.inspector_id) == (
        "open", "pre_listing", world.qc.id)
    [event] = events(sampling.id, "open_inspection")
    after = json.loads(event.changes)[f"inspection #{inspection.id}"]["after"]
    assert (after["purchase"], after["lot_size"], after["sample_size"], after["severity"]) == (
        purchase.id, 500, draw, "normal")
    assert after["plans"] == inspection.plans


def test_the_inspector_may_override_level_and_aqls(world, sampling):
    purchase = factories.buy(world, sampling.id, "pre_listing", quantity=80)
    inspection = qc.open_inspection(world.qc, purchase.id, {
        "lot_size": 1000, "level": "s-4", "aql": {"major": "0.65", "critical": "0"}})
    expected = class_plans(1000, {**DEFAULT_AQLS, "major": 0.65}, "S-4", "normal")
    assert inspection.level == "S-4"
    assert inspection.plans == [p.as_dict() for p in expected]


@pytest.mark.parametrize("data,field", [
    ({"lot_size": 1}, "lot_size"), ({"lot_size": 0}, "lot_size"), ({"lot_size": -50}, "lot_size"),
    ({"lot_size": "fifty"}, "lot_size"), ({"lot_size": 2.5}, "lot_size"), ({}, "lot_size"),
    ({"lot_size": qc.MAX_LOT + 1}, "lot_size"), ({"lot_size": True}, "lot_size"),
    ({"lot_size": 50, "level": "IV"}, "level"),
    ({"lot_size": 50, "aql": {"major": 3}}, "aql.major"),
    ({"lot_size": 50, "aql": {"cosmetic": 1.0}}, "aql"),
    ({"lot_size": 50, "aql": [1.0]}, "aql"),
    ({"lot_size": 50, "aql": {"critical": -1}}, "aql.critical"),
    ({"lot_size": 50, "severity": "reduced"}, "fields"),
])
def test_bad_inspection_input_names_the_field_and_stores_nothing(world, sampling, data, field):
    purchase = factories.buy(world, sampling.id, "pre_listing", quantity=13)
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.open_inspection(world.qc, purchase.id, data)
    assert field in caught.value.details, caught.value.details
    assert stored_counts() == before


def test_a_lot_below_two_items_says_so(world, sampling):
    purchase = factories.buy(world, sampling.id, "pre_listing", quantity=13)
    with pytest.raises(ValidationFailed) as caught:
        qc.open_inspection(world.qc, purchase.id, {"lot_size": 1})
    assert caught.value.details == {"lot_size": "must be at least 2"}


def test_a_sample_larger_than_the_purchase_is_refused(world, sampling):
    purchase = factories.buy(world, sampling.id, "pre_listing", quantity=12)
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.open_inspection(world.qc, purchase.id, {"lot_size": 50})  # the plan needs 13
    assert caught.value.details["lot_size"].startswith(
        f"the plan needs a sample of 13 items but purchase #{purchase.id} bought 12")
    assert stored_counts() == before
    # A smaller lot needs a smaller sample: lot 20 (C) needs 5 for critical/major, 3 for minor.
    assert qc.open_inspection(world.qc, purchase.id, {"lot_size": 20}).sample_size == 5


def test_a_lot_smaller_than_the_purchase_is_refused(world, sampling):
    purchase = factories.buy(world, sampling.id, "pre_listing", quantity=20)
    with pytest.raises(ValidationFailed, match="cannot be smaller than the 20 items bought"):
        qc.open_inspection(world.qc, purchase.id, {"lot_size": 15})


def test_a_purchase_is_inspected_once(world, sampling):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    before = stored_counts()
    with pytest.raises(StateConflict, match=f"already has inspection #{inspection.id}"):
        qc.open_inspection(world.qc, inspection.purchase_id, {"lot_size": 50})
    assert stored_counts() == before


def test_a_product_that_moved_on_cannot_be_inspected_for_that_kind(world, sampling):
    purchase = factories.buy(world, sampling.id, "pre_listing")
    factories.inspect(world, sampling.id, "pre_listing", {"major": 1})  # back to in_design
    with pytest.raises(StateConflict):
        qc.open_inspection(world.qc, purchase.id, {"lot_size": 50})


@pytest.mark.parametrize("role", ["supplier", "designer", "selection_manager"])
def test_only_qc_staff_open_inspections(world, sampling, role):
    purchase = factories.buy(world, sampling.id, "pre_listing")
    with pytest.raises(Forbidden):
        qc.open_inspection(world.user_for_role(role), purchase.id, {"lot_size": 50})


def test_opening_for_an_unknown_purchase_is_not_found(world):
    with pytest.raises(NotFound):
        qc.open_inspection(world.qc, 31337, {"lot_size": 50})


def test_preview_plans(world):
    plans = qc.preview_plans(world.category, 50)
    assert [p.as_dict() for p in plans] == [p.as_dict() for p in class_plans(50, DEFAULT_AQLS)]
    assert qc.preview_plans(None, "500", "III", {"major": 0.65}, "tightened") == class_plans(
        500, {**DEFAULT_AQLS, "major": 0.65}, "III", "tightened")
    for lot, field in ((1, "lot_size"), ("x", "lot_size")):
        with pytest.raises(ValidationFailed) as caught:
            qc.preview_plans(world.category, lot)
        assert field in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        qc.preview_plans(world.category, 50, "IV")
    assert "level" in caught.value.details


# --- defects ------------------------------------------------------------------------------------

def add(world, inspection, defect_class="major", count=1, photos=None, **fields):
    return qc.add_defect(world.qc, inspection.id, {
        "defect_class": defect_class, "count": count,
        "description": fields.pop("description", f"{defect_class} defect"), **fields},
        photos=photos)


def test_counts_above_the_class_sample_are_refused_cumulatively(world, sampling):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")  # major n=5
    add(world, inspection, "major", 3)
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        add(world, inspection, "major", 3, photos=[(PNG, "crack.png")])
    assert caught.value.details == {
        "count": "6 nonconforming major items in all is more than the major sample of 5"}
    assert stored_counts() == before
    add(world, inspection, "major", 2)
    add(world, inspection, "minor", 13)  # minor n=13
    with pytest.raises(ValidationFailed, match="more than the minor sample of 13"):
        add(world, inspection, "minor", 1)
    with pytest.raises(ValidationFailed, match="more than the critical sample of 8"):
        add(world, inspection, "critical", 9)


@pytest.mark.parametrize("data,field", [
    ({"count": 0}, "count"), ({"count": -2}, "count"), ({"count": "two"}, "count"),
    ({"count": 1.5}, "count"), ({"defect_class": "cosmetic"}, "defect_class"),
    ({"description": "  "}, "description"), ({"checklist_item": "smell"}, "checklist_item"),
])
def test_bad_defects_are_refused_and_store_nothing(world, sampling, data, field):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    before = stored_counts()
    body = {"defect_class": "minor", "count": 1, "description": "scratch", **data}
    with pytest.raises(ValidationFailed) as caught:
        qc.add_defect(world.qc, inspection.id, body, photos=[(PNG, "p.png")])
    assert field in caught.value.details
    assert stored_counts() == before


def test_defect_photos_must_be_images(world, sampling):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    before = stored_counts()
    with pytest.raises(attachments.UploadRefused) as caught:
        add(world, inspection, photos=[(PNG, "ok.png"), (PDF, "report.pdf")])
    assert caught.value.reason == "type_not_allowed"
    assert stored_counts() == before
    with pytest.raises(ValidationFailed, match="at most 10 photos"):
        add(world, inspection, photos=[(PNG, f"{i}.png") for i in range(11)])
    assert stored_counts() == before


def test_a_defect_with_photos_is_stored_and_audited(world, sampling):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    defect = add(world, inspection, "minor", 1, photos=[(PNG, "scratch.png")],
                 checklist_item="appearance", description="Scratch on the lid")
    assert (defect.defect_class, defect.count, defect.checklist_item, defect.product_id) == (
        "minor", 1, "appearance", sampling.id)
    [photo] = qc.defect_photos(world.qc, [defect.id])[defect.id]
    assert attachments.stored_path(photo).read_bytes() == PNG
    [event] = events(sampling.id, "log_defect")
    assert json.loads(event.changes)[f"inspection #{inspection.id}"]["after"] == {
        "defect": defect.id, "class": "minor", "count": 1, "description": "Scratch on the lid",
        "checklist_item": "appearance"}


def test_removing_a_defect_removes_its_photos(world, sampling):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    defect = add(world, inspection, "major", 2, photos=[(PNG, "a.png"), (PNG, "b.png")])
    paths = [attachments.stored_path(p) for p in qc.defect_photos(world.qc, [defect.id])[defect.id]]
    assert all(p.exists() for p in paths)
    assert qc.remove_defect(world.qc, defect.id) == inspection.id
    assert not any(p.exists() for p in paths)
    assert fresh(InspectionDefect, defect.id) is None
    assert db.session.scalars(select(Attachment).where(
        Attachment.purpose == "defect_photo")).all() == []
    assert [e.action for e in events(sampling.id)[-3:]] == ["detach", "detach", "remove_defect"]
    with pytest.raises(NotFound):
        qc.remove_defect(world.qc, defect.id)


def test_a_completed_inspection_is_frozen(world, sampling):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    defect = add(world, inspection, "minor", 1)
    factories.complete(world, inspection)
    before = stored_counts()
    with pytest.raises(StateConflict):
        add(world, inspection, "minor", 1)
    with pytest.raises(StateConflict):
        qc.remove_defect(world.qc, defect.id)
    with pytest.raises(StateConflict):
        factories.complete(world, inspection)
    assert stored_counts() == before


@pytest.mark.parametrize("role", ["supplier", "designer", "selection_manager"])
def test_only_qc_staff_log_defects_and_complete(world, sampling, role):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    actor = world.user_for_role(role)
    with pytest.raises(Forbidden):
        qc.add_defect(actor, inspection.id, {"defect_class": "minor", "count": 1,
                                             "description": "x"})
    with pytest.raises(Forbidden):
        qc.complete_inspection(actor, inspection.id, {})


# --- completing ---------------------------------------------------------------------------------

def test_a_passed_pre_listing_inspection_with_its_arithmetic(world, sampling):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    add(world, inspection, "minor", 1)
    checklist = [{"item": c["item"], "result": "pass", "note": None} for c in inspection.checklist]
    checklist[0] = {"item": "appearance", "result": "fail", "note": "one scratch"}
    checklist[2]["result"] = "na"
    done = qc.complete_inspection(world.qc, inspection.id, {
        "checklist": checklist, "summary": "One minor scratch.",
        "internal_notes": "Supplier rep was evasive."})
    assert (done.status, done.verdict, done.consequence) == ("completed", "accepted", None)
    assert done.found == {"critical": 0, "major": 0, "minor": 1}
    assert done.arithmetic == [
        "critical: AQL 0 (zero tolerance), n=8, Ac=0, Re=1; 0 nonconforming < Re 1: accept",
        "major: AQL 2.5, n=5, Ac=0, Re=1; 0 nonconforming < Re 1: accept",
        "minor: AQL 4, n=13, Ac=1, Re=2; 1 nonconforming < Re 2: accept",
        "lot accepted"]
    assert done.checklist[0] == {"item": "appearance", "result": "fail", "note": "one scratch"}
    assert done.checklist[2]["result"] == "na"
    assert (done.summary, done.internal_notes) == ("One minor scratch.", "Supplier rep was evasive.")
    assert done.completed_at is not None and done.switching_after is None  # not a routine lot
    assert state_of(sampling.id) == "sampling" and capas(sampling.id) == []
    [event] = events(sampling.id, "complete_inspection")
    after = json.loads(event.changes)[f"inspection #{inspection.id}"]["after"]
    assert (after["verdict"], after["arithmetic"], after["consequence"]) == (
        "accepted", done.arithmetic, None)
    assert "evasive" not in event.changes


@pytest.mark.parametrize("data,field", [
    ({"checklist": {}}, "checklist.appearance"),
    ({"checklist": {"appearance": "great"}}, "checklist.appearance"),
    ({"checklist": {"smell": "pass"}}, "checklist"),
    ({"checklist": "all good"}, "checklist"),
    ({"checklist": [{"result": "pass"}]}, "checklist"),
    ({"production_steady": "yes"}, "production_steady"),
    ({"capa_due_on": "2000-01-01"}, "capa_due_on"),
    ({"capa_due_on": "soon"}, "capa_due_on"),
    ({"verdict": "accepted"}, "fields"),
    ({"summary": 5}, "summary"),
])
def test_bad_completion_input_is_refused_and_changes_nothing(world, sampling, data, field):
    inspection = factories.open_inspection(world, sampling.id, "pre_listing")
    add(world, inspection, "critical", 1)
    complete = {"checklist": {c["item"]: "pass" for c in inspection.checklist}, **data}
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.complete_inspection(world.qc, inspection.id, complete)
    assert field in caught.value.details, caught.value.details
    assert stored_counts() == before
    assert fresh(Inspection, inspection.id).status == "open"
    assert state_of(sampling.id) == "sampling"


def test_a_failed_pre_listing_inspection_sends_the_product_back_to_design(world, sampling):
    done = factories.inspect(world, sampling.id, "pre_listing", {"major": 1})
    assert (done.verdict, done.consequence) == ("rejected", "fail_sampling")
    assert state_of(sampling.id) == "in_design"
    [move] = events(sampling.id, "fail_sampling")
    assert (move.actor_id, move.from_state, move.to_state) == (world.qc.id, "sampling",
                                                               "in_design")
    assert move.reason.startswith(f"inspection #{done.id}: ")
    assert "lot rejected by major" in move.reason
    [request] = capas(sampling.id)
    assert (request.status, request.inspection_id, request.supplier_id) == (
        "open", done.id, world.supplier_a.id)
    assert request.due_on == today() + timedelta(days=14)
    assert request.problem.startswith(f"Inspection #{done.id} (pre_listing) rejected the lot.")
    assert "- major x1: major defect" in request.problem
    opened = db.session.scalars(select(Notification).where(
        Notification.kind == "corrective_action")).all()
    assert {n.user_id for n in opened} == {world.supplier_user.id}
    # Event order: the verdict, the request, the transition, all in one transaction.
    actions = [e.action for e in events(sampling.id)]
    assert actions[-3:] == ["complete_inspection", "open_corrective_action", "fail_sampling"]


def test_a_failed_routine_inspection_with_a_major_defect_puts_the_product_on_watch(world, listed):
    due = today() + timedelta(days=30)
    done = factories.inspect(world, listed.id, "routine", {"major": 1, "minor": 1},
                             capa_due_on=due.isoformat())
    assert done.consequence == "put_on_watch" and state_of(listed.id) == "under_watch"
    [move] = events(listed.id, "put_on_watch")
    assert move.actor_id == world.qc.id and f"inspection #{done.id}" in move.reason
    [request] = capas(listed.id)
    assert request.due_on == due


def test_any_critical_defect_suspends_a_listed_product(world, listed):
    done = factories.inspect(world, listed.id, "complaint", {"critical": 1})
    assert done.consequence == "suspend" and state_of(listed.id) == "suspended"
    assert events(listed.id, "suspend")[0].actor_id == world.qc.id


def test_a_critical_defect_suspends_a_watched_product_a_major_one_keeps_it_watched(world):
    product = factories.make_product(world, "under_watch")
    assert factories.inspect(world, product.id, "routine", {"major": 1}).consequence is None
    assert state_of(product.id) == "under_watch"
    assert len(capas(product.id)) == 1
    factories.inspect(world, product.id, "follow_up", {"critical": 1})
    assert state_of(product.id) == "suspended" and len(capas(product.id)) == 2


def test_a_failed_inspection_of_a_suspended_product_only_opens_a_request(world):
    product = factories.make_product(world, "suspended")
    done = factories.inspect(world, product.id, "follow_up", {"critical": 1})
    assert done.consequence is None and state_of(product.id) == "suspended"
    assert len(capas(product.id)) == 1


def test_the_categorys_due_days_set_the_deadline(world, listed):
    set_category(world.category, capa_due_days=5)
    factories.inspect(world, listed.id, "routine", {"major": 1})
    assert capas(listed.id)[0].due_on == today() + timedelta(days=5)


def test_an_admin_inspecting_is_the_actor(world, listed):
    purchase = qc.create_purchase(world.admin, listed.id,
                                  factories.purchase_data("routine", quantity=13))
    inspection = qc.open_inspection(world.admin, purchase.id, {"lot_size": 50})
    qc.add_defect(world.admin, inspection.id, {"defect_class": "critical", "count": 1,
                                               "description": "live casing"})
    qc.complete_inspection(world.admin, inspection.id, {
        "checklist": {c["item"]: "pass" for c in inspection.checklist}})
    assert events(listed.id, "suspend")[0].actor_id == world.admin.id


def test_a_passed_routine_inspection_feeds_the_switching_rules(world, listed):
    done = factories.inspect(world, listed.id, "routine", {"minor": 1})
    assert (done.verdict, done.consequence) == ("accepted", None)
    assert state_of(listed.id) == "listed" and capas(listed.id) == []
    assert done.switching_after["severity"] == "normal"
    assert done.switching_after["switching_score"] == 2
    assert done.switching_after["recent_normal"] == [True]
    state = qc.switching_state(db.session, listed.id)
    assert (state.severity, state.switching_score, state.recent_normal) == ("normal", 2, (True,))
    assert state.reason == "normal inspection; switching score 2"


# --- switching ----------------------------------------------------------------------------------

OK, BAD = None, {"major": 1}


def test_two_rejections_in_five_lots_tighten_the_next_inspection(world, listed):
    for result, state in [(OK, "listed"), (BAD, "under_watch"), (OK, "under_watch"),
                          (OK, "under_watch")]:
        factories.inspect(world, listed.id, "routine", result)
        assert state_of(listed.id) == state
        assert qc.severity_for(db.session, fresh(Product, listed.id), "routine")[0] == "normal"
    last = factories.inspect(world, listed.id, "routine", BAD)
    assert last.switching_after["severity"] == "tightened"
    assert state_of(listed.id) == "under_watch"
    nxt = factories.open_inspection(world, listed.id, "follow_up")
    assert nxt.severity == "tightened"
    assert nxt.severity_reason == \
        "2 of the last 5 lots were not accepted under normal inspection"
    # Tightened plans for lot 50: major 2.5 -> D (n=8), minor 4.0 -> F (n=20).
    plans = {p["defect_class"]: p for p in nxt.plans}
    assert (plans["major"]["sample_size"], plans["minor"]["sample_size"]) == (8, 20)
    # Pre-listing inspections never use the switching state.
    assert qc.severity_for(db.session, fresh(Product, listed.id), "pre_listing")[0] == "normal"


def test_five_rejections_under_tightened_discontinue_and_suspend(world, listed):
    factories.inspect(world, listed.id, "routine", BAD)
    factories.inspect(world, listed.id, "routine", BAD)  # now tightened
    for n in range(1, 5):
        done = factories.inspect(world, listed.id, "routine", BAD)
        assert done.switching_after["tightened_not_accepted"] == n
        assert done.consequence is None and state_of(listed.id) == "under_watch"
    done = factories.inspect(world, listed.id, "routine", BAD)
    assert done.switching_after["discontinued"] is True
    assert done.consequence == "suspend" and state_of(listed.id) == "suspended"
    assert done.switching_after["reason"] == \
        "5 lots not accepted under tightened inspection: inspection discontinued"
    severity, why = qc.severity_for(db.session, fresh(Product, listed.id), "follow_up")
    assert (severity, why) == ("tightened",
                               "resumed after discontinuation: tightened inspection")
    resumed = factories.inspect(world, listed.id, "follow_up")
    assert resumed.severity == "tightened" and resumed.verdict == "accepted"
    assert resumed.switching_after["discontinued"] is False
    assert resumed.switching_after["tightened_accepted_in_a_row"] == 1


def test_reduced_inspection_needs_the_score_steady_production_and_approval(world, listed):
    with pytest.raises(Forbidden):
        qc.set_reduced_approval(world.qc, listed.id, True)
    with pytest.raises(ValidationFailed):
        qc.set_reduced_approval(world.manager, listed.id, "yes")
    qc.set_reduced_approval(world.manager, listed.id, True)
    [event] = events(listed.id, "approve_reduced_inspection")
    assert json.loads(event.changes) == {
        "reduced_inspection_approved": {"before": False, "after": True}}
    for n in range(1, 15):  # Ac 1 (minor at lot 50): 2 points per accepted lot
        done = factories.inspect(world, listed.id, "routine", production_steady=True)
        assert done.switching_after["switching_score"] == 2 * n
    done = factories.inspect(world, listed.id, "routine", production_steady=True)
    assert done.switching_after["severity"] == "reduced"
    nxt = factories.inspect(world, listed.id, "routine", BAD)
    assert nxt.severity == "reduced"
    assert {p["defect_class"]: p["sample_size"] for p in nxt.plans} == {
        "critical": 3, "major": 2, "minor": 8}
    assert nxt.switching_after["severity"] == "normal"
    assert nxt.switching_after["reason"] == "a lot was not accepted under reduced inspection"


def test_no_reduced_inspection_without_approval(world, listed):
    for _ in range(15):
        done = factories.inspect(world, listed.id, "routine", production_steady=True)
    assert done.switching_after["severity"] == "normal"
    assert done.switching_after["switching_score"] == 30


def test_inspection_queries(world, listed):
    other = factories.make_product(world, "listed", supplier=world.supplier_b)
    mine = factories.inspect(world, listed.id, "routine")
    still_open = factories.open_inspection(world, listed.id, "routine")
    theirs = factories.inspect(world, other.id, "routine")
    ids = lambda query: [i.id for i in db.session.scalars(query)]  # noqa: E731
    assert set(ids(qc.inspections_query(listed.id))) >= {mine.id, still_open.id}
    assert theirs.id not in ids(qc.inspections_query(listed.id))
    assert still_open.id not in ids(qc.inspections_query(completed_only=True))
    assert set(ids(qc.inspections_query(supplier_id=world.supplier_b.id))) == \
        set(ids(qc.inspections_query(other.id)))
