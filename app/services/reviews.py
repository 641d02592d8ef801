"""Selection review: independent scoring per reviewer, the panel aggregate and the accept guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import AuditEvent, Category, Product, Review, ReviewScore, Scorecard, User
from app.services.audit import record_event
from app.services.errors import (
    Conflict,
    Forbidden,
    StateConflict,
    ValidationFailed,
    raise_if_errors,
)
from app.services.scorecards import ensure_scorecard, latest_scorecard, to_domain
from app.services.visibility import get_visible_product
from workflows import scoring
from workflows.lifecycle import Role, State

REVIEWER_ROLES = {Role.ADMIN, Role.SELECTION_MANAGER}
MAX_COMMENT = 4000


def cycle_start(session: Session, product_id: int) -> datetime | None:
    """When the product last entered review: reviews before that belong to an earlier cycle."""
    return session.scalar(
        select(func.max(AuditEvent.occurred_at)).where(
            AuditEvent.subject_type == "product", AuditEvent.subject_id == product_id,
            AuditEvent.action == "start_review"))


def cycle_reviews(session: Session, product_id: int) -> list[Review]:
    start = cycle_start(session, product_id)
    if start is None:
        return []
    return list(session.scalars(
        select(Review).where(Review.product_id == product_id, Review.submitted_at >= start)
        .order_by(Review.submitted_at, Review.id)))


def _domain_reviews(reviews: list[Review]) -> list[scoring.Review]:
    return [scoring.Review(reviewer=str(r.reviewer_id),
                           scores={s.criterion_key: s.score for s in r.scores}) for r in reviews]


def _cycle_scorecard(session: Session, product: Product, reviews: list[Review]) -> Scorecard | None:
    """The version the cycle's first review used; before any review, the category's current."""
    if reviews:
        return reviews[0].scorecard
    if product.category_id is None:
        return None
    return latest_scorecard(session, product.category_id)


HIDDEN_RESULT = "review: submit your own review to see the panel's result and decide"


def acceptance_blockers(session: Session, product: Product,
                        viewer: User | None = None) -> tuple[str, ...]:
    """Why ``accept`` is blocked. A reviewer who has not submitted in this cycle sees only the
    reviewer count and is asked to review first: whether the panel passes would otherwise leak
    its scores (independence), so the one who decides has always reviewed."""
    if product.state != State.IN_REVIEW:
        return ()
    reviews = cycle_reviews(session, product.id)
    card = _cycle_scorecard(session, product, reviews)
    if card is None:
        category = session.get(Category, product.category_id) if product.category_id else None
        domain = scoring.default_scorecard(
            pass_threshold=category.selection_threshold if category else 3.5)
    else:
        domain = to_domain(card)
    blockers = scoring.acceptance_blockers(domain, _domain_reviews(reviews))
    if (viewer is not None and viewer.role in REVIEWER_ROLES
            and not any(r.reviewer_id == viewer.id for r in reviews)):
        blockers = [b for b in blockers if b.startswith("reviewers:")] + [HIDDEN_RESULT]
    return tuple(blockers)


def _clean_scores(card: scoring.Scorecard, raw: Any) -> dict[str, tuple[int, str | None]]:
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        raise ValidationFailed("scores: an object of criterion -> {score, comment}",
                               {"scores": "must be an object"})
    cleaned: dict[str, tuple[int, str | None]] = {}
    for criterion in card.criteria:
        entry = raw.get(criterion.key)
        if isinstance(entry, dict):
            score, comment = entry.get("score"), entry.get("comment")
        else:
            score, comment = entry, None
        if isinstance(score, str) and score.strip().isascii() and score.strip().isdigit() \
                and len(score.strip()) <= 2:
            score = int(score)
        if isinstance(score, bool) or not isinstance(score, int):
            errors[f"scores.{criterion.key}"] = "a whole score from 1 to 5 is required"
            continue
        if not scoring.SCALE_MIN <= score <= scoring.SCALE_MAX:
            errors[f"scores.{criterion.key}"] = "must be from 1 to 5"
            continue
        if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
            errors[f"scores.{criterion.key}.comment"] = f"text of at most {MAX_COMMENT} characters"
            continue
        cleaned[criterion.key] = (score, (comment or "").strip() or None)
    for key in sorted(set(raw) - {c.key for c in card.criteria}):
        errors[f"scores.{key}"] = "not a criterion of this scorecard"
    raise_if_errors(errors)
    return cleaned


def submit_review(actor: User, product_id: int, scores: Any, comment: str | None = None) -> Review:
    """Record one reviewer's scores for the current review cycle; final once submitted."""
    if comment is not None and not isinstance(comment, str):
        raise ValidationFailed("comment: must be text", {"comment": "must be text"})
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ValidationFailed(f"comment: text of at most {MAX_COMMENT} characters",
                               {"comment": "too long"})
    with write_transaction() as session:
        product = get_visible_product(actor, product_id)  # another supplier's: 404 first
        if actor.role not in REVIEWER_ROLES:
            raise Forbidden(f"role {actor.role} does not review proposals")
        if product.state != State.IN_REVIEW:
            raise StateConflict(f"product {product_id} is not in review (it is {product.state})")
        reviews = cycle_reviews(session, product.id)
        if any(r.reviewer_id == actor.id for r in reviews):
            raise Conflict(f"you already reviewed product {product_id} in this cycle")
        card = _cycle_scorecard(session, product, reviews) or ensure_scorecard(
            session, actor, product.category)
        domain = to_domain(card)
        cleaned = _clean_scores(domain, scores)
        total = scoring.weighted_total(domain, {k: v[0] for k, v in cleaned.items()})
        review = Review(product_id=product.id, reviewer_id=actor.id, scorecard_id=card.id,
                        weighted_total=total, comment=(comment or "").strip() or None)
        session.add(review)
        session.flush()
        for key, (score, note) in cleaned.items():
            session.add(ReviewScore(review_id=review.id, criterion_key=key, score=score,
                                    comment=note))
        # The event says that a review happened, not its scores: suppliers read this trail.
        record_event(session, actor, "product", product.id, "review",
                     changes={"review": {"before": None, "after": {
                         "id": review.id, "scorecard_version": card.version}}})
    return review


@dataclass
class ReviewPanel:
    """What one viewer may see of a product's current review cycle."""

    scorecard: Scorecard | None
    submitted: int
    required: int
    own_review: Review | None = None
    can_submit: bool = False
    scores_visible: bool = False
    reviews: list[Review] = field(default_factory=list)
    aggregate: scoring.Aggregate | None = None
    blockers: tuple[str, ...] = ()
    shortfalls: list[str] = field(default_factory=list)
    value: scoring.ValueForMoney | None = None


def review_panel(session: Session, viewer: User, product: Product) -> ReviewPanel:
    """Independence: until a reviewer has submitted, they see only how many reviews are in;
    once the cycle ends everyone on staff sees the scores. Suppliers never see scores: only,
    after a decision and if the scorecard allows it, the criteria where the panel fell short."""
    reviews = cycle_reviews(session, product.id)
    card = _cycle_scorecard(session, product, reviews)
    domain = to_domain(card) if card else scoring.default_scorecard(
        pass_threshold=product.category.selection_threshold if product.category else 3.5)
    in_review = product.state == State.IN_REVIEW
    own = next((r for r in reviews if r.reviewer_id == viewer.id), None)
    panel = ReviewPanel(scorecard=card, submitted=len(reviews), required=domain.min_reviewers,
                        own_review=own, blockers=acceptance_blockers(session, product, viewer))
    panel.can_submit = in_review and own is None and viewer.role in REVIEWER_ROLES
    if product.target_price_cents and product.competitors:
        panel.value = scoring.value_for_money(
            product.target_price_cents / 100,
            [c["price_cents"] / 100 for c in product.competitors if c.get("price_cents")])
    aggregate = scoring.aggregate(domain, _domain_reviews(reviews)) if reviews else None
    if viewer.is_supplier:
        decided = not in_review and reviews and card is not None and card.share_shortfalls
        panel.shortfalls = list(aggregate.shortfalls) if decided and aggregate else []
        panel.blockers = ()
        return panel
    panel.scores_visible = own is not None or not in_review
    if panel.scores_visible:
        panel.reviews, panel.aggregate = reviews, aggregate
    return panel
