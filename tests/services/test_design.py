"""Design iteration through the services, against the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, DesignRound, Product
from app.services import design, lifecycle
from app.services.errors import Forbidden, NotFound, StateConflict, ValidationFailed
from tests import factories
from workflows.lifecycle import GuardBlocked

ITEM = {"area": "industrial_design", "severity": "blocking", "text": "把手太烫 / handle gets hot"}


def test_two_rounds_to_approval(world):
    product = factories.make_product(world, "in_design")
    design.open_round(world.designer, product.id, "2026-12-31")
    blocking, minor, note = design.raise_feedback(world.designer, product.id, [
        ITEM, {"area": "packaging", "severity": "minor", "text": "smaller box"},
        {"area": "cost", "severity": "major", "text": "margin thin", "internal": True}])
    with pytest.raises(ValidationFailed, match=f"feedback #{blocking.id}"):
        design.submit_revision(world.supplier_user, product.id)
    design.respond(world.supplier_user, blocking.id, "added a cool-touch sleeve")
    design.respond(world.supplier_user, minor.id, "box reduced 10%")
    design.submit_revision(world.supplier_user, product.id, "rev B")
    design.review_item(world.designer, blocking.id, resolved=False)  # reopened
    design.review_item(world.designer, minor.id, resolved=True)
    with pytest.raises(ValidationFailed, match="blocking item is not resolved"):
        design.decide_round(world.designer, product.id, "approve")
    design.decide_round(world.manager, product.id, "another_round", "sleeve still hot")
    rounds = design.rounds_of(db.session, product.id)
    assert [(r.number, r.status, r.decision) for r in rounds] == [
        (1, "closed", "another_round"), (2, "open", None)]
    with pytest.raises(GuardBlocked, match="no design round has been approved"):
        lifecycle.apply_transition(world.designer, product.id, "approve_design")
    design.respond(world.supplier_user, blocking.id, "new material, 41 °C measured")
    design.submit_revision(world.supplier_user, product.id, "rev C")
    design.review_item(world.designer, blocking.id, resolved=True)
    design.decide_round(world.designer, product.id, "approve", "good")
    assert note.status == "open"  # internal notes never gate anything
    moved = lifecycle.apply_transition(world.designer, product.id, "approve_design")
    assert moved.state == "sampling"
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_id == product.id, AuditEvent.subject_type == "product")
        .order_by(AuditEvent.id)).all()
    assert actions[-16:] == ["open_round", "feedback", "feedback", "feedback", "respond",
                             "respond", "submit_revision", "reopen_feedback",
                             "resolve_feedback", "decide_round", "open_round", "respond",
                             "submit_revision", "resolve_feedback", "decide_round",
                             "approve_design"]


def test_abandon_decision_moves_the_product_in_the_same_transaction(world):
    product = factories.make_product(world, "in_design")
    design.open_round(world.manager, product.id)
    with pytest.raises(ValidationFailed, match="reason"):
        design.decide_round(world.manager, product.id, "abandon")
    design.decide_round(world.manager, product.id, "abandon", "tooling too expensive")
    db.session.rollback()
    assert db.session.get(Product, product.id).state == "abandoned"
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.reason) == ("abandon", "tooling too expensive")


def test_round_limit_from_the_category(world):
    world.category.max_design_rounds = 1
    db.session.commit()
    product = factories.make_product(world, "in_design")
    design.open_round(world.manager, product.id)
    design.submit_revision(world.supplier_user, product.id)
    with pytest.raises(ValidationFailed, match="last \\(1\\)"):
        design.decide_round(world.manager, product.id, "another_round", "more")


def test_permissions_and_isolation(world):
    product = factories.make_product(world, "in_design")
    other = factories.make_product(world, "in_design", supplier=world.supplier_b)
    with pytest.raises(Forbidden):
        design.open_round(world.qc, product.id)
    with pytest.raises(NotFound):
        design.open_round(world.supplier_user, other.id)
    with pytest.raises(Forbidden):
        design.open_round(world.supplier_user, product.id)
    design.open_round(world.manager, product.id)
    with pytest.raises(StateConflict):
        design.open_round(world.manager, product.id)
    note, = design.raise_feedback(world.manager, product.id, [{**ITEM, "internal": True}])
    with pytest.raises(NotFound):
        design.respond(world.supplier_user, note.id, "peek")
    open_item, = design.raise_feedback(world.manager, product.id, [ITEM])
    with pytest.raises(NotFound):
        design.respond(world.other_supplier_user, open_item.id, "not mine")
    with pytest.raises(Forbidden):
        design.raise_feedback(world.supplier_user, product.id, [ITEM])
    with pytest.raises(Forbidden):
        design.respond(world.manager, open_item.id, "answering for them")


@pytest.mark.parametrize("items,field", [
    ([], "items"),
    ([{**ITEM, "area": "colour"}], "items[1].area"),
    ([{**ITEM, "severity": "urgent"}], "items[1].severity"),
    ([{**ITEM, "text": "  "}], "items[1].text"),
    ([{**ITEM, "text": "x" * 5000}], "items[1].text"),
])
def test_bad_feedback_is_refused(world, items, field):
    product = factories.make_product(world, "in_design")
    design.open_round(world.manager, product.id)
    with pytest.raises(ValidationFailed) as caught:
        design.raise_feedback(world.manager, product.id, items)
    assert field in caught.value.details
    assert design.items_of(db.session, product.id) == []


def test_stale_rounds(app, world):
    product = factories.make_product(world, "in_design")
    fresh = factories.make_product(world, "in_design")
    for p in (product, fresh):
        design.open_round(world.manager, p.id)
    old = db.session.scalars(select(DesignRound).where(DesignRound.product_id == product.id)).one()
    old.opened_at = datetime.now(UTC) - timedelta(days=app.config["SIEVE_STALE_DAYS"] + 1)
    db.session.commit()
    assert design.stale_product_ids(db.session, [product.id, fresh.id]) == {product.id}


def test_supplier_attaches_revision_files_only_to_an_open_round(world):
    import io

    from app.services import attachments

    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    product = factories.make_product(world, "in_design")
    assert attachments.default_purpose(world.supplier_user, product) == ("proposal", None)
    with pytest.raises(StateConflict):
        attachments.store_attachment(world.supplier_user, product.id, io.BytesIO(png), "a.png",
                                     purpose="revision")
    rnd = design.open_round(world.manager, product.id)
    purpose, ref = attachments.default_purpose(world.supplier_user, product)
    assert (purpose, ref) == ("revision", rnd.id)
    stored = attachments.store_attachment(world.supplier_user, product.id, io.BytesIO(png),
                                          "rev-b.png", purpose=purpose, ref_id=ref)
    assert (stored.purpose, stored.ref_id) == ("revision", rnd.id)
    assert attachments.default_purpose(world.designer, product) == ("feedback", rnd.id)
