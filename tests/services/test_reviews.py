"""Selection review against the real database: scores, cycles, scorecard versions, the accept guard."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Review
from app.services import accounts, lifecycle, reviews, scorecards
from app.services.errors import Conflict, Forbidden, NotFound, StateConflict, ValidationFailed
from tests import factories
from workflows.lifecycle import GuardBlocked

GOOD = factories.GOOD_SCORES


def scores(**overrides):
    return {**GOOD, **overrides}


def test_submit_review_records_total_scores_and_an_audit_event_without_scores(world):
    product = factories.make_product(world, "in_review")
    review = reviews.submit_review(world.manager, product.id, {
        **{k: {"score": v, "comment": f"{k} ok"} for k, v in GOOD.items()},
        "performance": {"score": 5, "comment": "很好"}}, "Nice sample")
    # default weights: performance .30 at 5, the other .70 at 4 -> 4.3
    assert review.weighted_total == pytest.approx(4.3)
    stored = db.session.scalars(select(Review).where(Review.id == review.id)).one()
    assert {s.criterion_key: s.score for s in stored.scores}["performance"] == 5
    assert stored.scorecard.version == 1
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "review" and '"score"' not in (event.changes or "")


@pytest.mark.parametrize("payload,field", [
    ({k: v for k, v in GOOD.items() if k != "design"}, "scores.design"),
    (scores(design=6), "scores.design"),
    (scores(design=0), "scores.design"),
    (scores(design="4.5"), "scores.design"),
    (scores(design=True), "scores.design"),
    ({**GOOD, "colour": 3}, "scores.colour"),
    ("all fours", "scores"),
])
def test_bad_scores_are_named_and_nothing_is_stored(world, payload, field):
    product = factories.make_product(world, "in_review")
    with pytest.raises(ValidationFailed) as caught:
        reviews.submit_review(world.manager, product.id, payload)
    assert field in caught.value.details
    assert db.session.scalars(select(Review)).all() == []


def test_who_may_review_and_when(world):
    product = factories.make_product(world, "in_review")
    for user in (world.qc, world.designer, world.supplier_user):
        with pytest.raises(Forbidden):
            reviews.submit_review(user, product.id, GOOD)
    reviews.submit_review(world.manager, product.id, GOOD)
    with pytest.raises(Conflict, match="already reviewed"):
        reviews.submit_review(world.manager, product.id, GOOD)
    draft = factories.make_product(world, "proposed")
    with pytest.raises(StateConflict):
        reviews.submit_review(world.manager, draft.id, GOOD)


def test_supplier_cannot_reach_another_suppliers_review(world):
    product = factories.make_product(world, "in_review", supplier=world.supplier_b)
    with pytest.raises(NotFound):
        reviews.submit_review(world.supplier_user, product.id, GOOD)  # 404 before the role check
    with pytest.raises(NotFound):
        reviews.submit_review(world.other_supplier_user, 999999, GOOD)


def test_accept_guard_names_each_failed_condition(world):
    product = factories.make_product(world, "in_review")
    with pytest.raises(GuardBlocked, match="0 of 2"):
        lifecycle.apply_transition(world.manager, product.id, "accept")
    reviews.submit_review(world.manager, product.id, scores(performance=2, configuration=2,
                                                            compliance=2))
    reviews.submit_review(world.admin, product.id, scores(performance=2, configuration=2,
                                                          compliance=2))
    with pytest.raises(GuardBlocked) as caught:
        lifecycle.apply_transition(world.manager, product.id, "accept")
    text = " | ".join(caught.value.reasons)
    assert "below the pass threshold 3.50" in text
    assert "knock-out: compliance averages 2.00, below its minimum 3" in text
    assert "reviewers" not in text
    reject = lifecycle.apply_transition(world.manager, product.id, "reject", "below the bar")
    assert reject.state == "rejected"


def test_two_good_reviews_allow_accept(world):
    product = factories.make_product(world, "in_review")
    factories.pass_review(world, product.id)
    assert lifecycle.apply_transition(world.manager, product.id, "accept").state == "in_design"


def test_a_new_review_cycle_starts_from_zero(world):
    product = factories.make_product(world, "in_review")
    reviews.submit_review(world.manager, product.id, GOOD)
    for name in ("request_info", "submit", "start_review"):
        actor = world.supplier_user if name == "submit" else world.manager
        lifecycle.apply_transition(actor, product.id, name, factories.reason_for(name))
    assert reviews.cycle_reviews(db.session, product.id) == []
    reviews.submit_review(world.manager, product.id, GOOD)  # allowed again in the new cycle
    with pytest.raises(GuardBlocked, match="1 of 2"):
        lifecycle.apply_transition(world.manager, product.id, "accept")


def test_scorecard_changes_never_touch_past_reviews(world):
    product = factories.make_product(world, "in_review")
    reviews.submit_review(world.manager, product.id, GOOD)
    fields = scorecards.fields_of(scorecards.latest_scorecard(db.session, world.category.id))
    fields["pass_threshold"] = 4.5
    fields["min_reviewers"] = 1
    v2 = scorecards.save_scorecard(world.manager, world.category.id, fields)
    assert v2.version == 2
    # the open cycle keeps version 1: still two reviewers needed, still threshold 3.5
    blockers = reviews.acceptance_blockers(db.session, product)
    assert blockers == ("reviewers: 1 of 2 required reviews submitted",)
    reviews.submit_review(world.admin, product.id, GOOD)
    assert {r.scorecard.version for r in reviews.cycle_reviews(db.session, product.id)} == {1}
    assert lifecycle.apply_transition(world.manager, product.id, "accept").state == "in_design"
    fresh = factories.make_product(world, "in_review")
    reviews.submit_review(world.manager, fresh.id, GOOD)  # a new cycle uses version 2
    assert reviews.acceptance_blockers(db.session, fresh) == (
        "score: aggregate 4.00 is below the pass threshold 4.50",)


def test_scorecard_validation_names_problems(world):
    fields = scorecards.default_fields(world.category)
    fields["criteria"][0]["weight"] = -1
    fields["criteria"][1]["knockout"] = True
    fields["criteria"][1]["minimum"] = None
    with pytest.raises(ValidationFailed) as caught:
        scorecards.save_scorecard(world.manager, world.category.id, fields)
    assert "performance.weight" in caught.value.message
    assert "configuration.knockout" in caught.value.message
    with pytest.raises(Forbidden):
        scorecards.save_scorecard(world.designer, world.category.id,
                                  scorecards.default_fields(world.category))


def test_independence_in_the_panel(world):
    second = accounts.create_user(None, "m2@test.example", "selection_manager", factories.PASSWORD)
    product = factories.make_product(world, "in_review")
    reviews.submit_review(world.manager, product.id, GOOD, "secret opinion")
    before = reviews.review_panel(db.session, second, product)
    assert (before.submitted, before.scores_visible, before.reviews, before.aggregate) == (
        1, False, [], None)
    assert before.can_submit
    reviews.submit_review(second, product.id, GOOD)
    after = reviews.review_panel(db.session, second, product)
    assert after.scores_visible and len(after.reviews) == 2 and after.aggregate.mean == 4.0


def test_supplier_sees_shortfalls_only_after_the_decision(world):
    product = factories.make_product(world, "in_review")
    for reviewer in (world.manager, world.admin):
        reviews.submit_review(reviewer, product.id, scores(design=1, compliance=2))
    during = reviews.review_panel(db.session, world.supplier_user, product)
    assert during.shortfalls == [] and during.reviews == [] and during.blockers == ()
    lifecycle.apply_transition(world.manager, product.id, "reject", "design and compliance")
    db.session.refresh(product)
    after = reviews.review_panel(db.session, world.supplier_user, product)
    assert after.shortfalls == ["compliance"]  # design has no minimum on the default card
    assert after.reviews == [] and after.aggregate is None


def test_changing_the_category_threshold_writes_a_scorecard_version(world):
    from app.services import registry

    product = factories.make_product(world, "in_review")
    reviews.submit_review(world.manager, product.id, GOOD)  # saves version 1 at 3.5
    registry.update_category(world.manager, world.category.id, {"selection_threshold": 4.2})
    latest = scorecards.latest_scorecard(db.session, world.category.id)
    assert (latest.version, latest.pass_threshold) == (2, 4.2)
    assert reviews.cycle_reviews(db.session, product.id)[0].scorecard.pass_threshold == 3.5
