"""Selection review: versioned per-category scorecards and each reviewer's scores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class Scorecard(db.Model):
    """One immutable version of a category's scorecard; a change writes the next version."""

    __tablename__ = "scorecards"
    __table_args__ = (UniqueConstraint("category_id", "version", name="uq_scorecards_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    pass_threshold: Mapped[float] = mapped_column(Float)
    min_reviewers: Mapped[int] = mapped_column(Integer)
    disagreement_spread: Mapped[float] = mapped_column(Float)
    #: Whether a supplier may see which criteria fell short (never individual scores).
    share_shortfalls: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    criteria = relationship("ScorecardCriterion", order_by="ScorecardCriterion.position",
                            lazy="selectin", back_populates="scorecard")


class ScorecardCriterion(db.Model):
    __tablename__ = "scorecard_criteria"
    __table_args__ = (UniqueConstraint("scorecard_id", "key", name="uq_scorecard_criteria_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    label_zh: Mapped[str | None] = mapped_column(String(120))
    weight: Mapped[float] = mapped_column(Float)
    minimum: Mapped[int | None] = mapped_column(Integer)
    knockout: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Five descriptions, for scores 1 to 5.
    anchors: Mapped[list] = mapped_column(JSON, default=list)

    scorecard = relationship("Scorecard", back_populates="criteria")


class Review(db.Model):
    """One reviewer's submitted scores for one review cycle of a product (final once submitted)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id"), index=True)
    #: Reviews count for the cycle that began when the product last entered ``in_review``.
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    weighted_total: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)

    scorecard = relationship("Scorecard", lazy="joined")
    reviewer = relationship("User", lazy="joined")
    scores = relationship("ReviewScore", lazy="selectin", back_populates="review",
                          order_by="ReviewScore.id")


class ReviewScore(db.Model):
    __tablename__ = "review_scores"
    __table_args__ = (UniqueConstraint("review_id", "criterion_key", name="uq_review_scores_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    criterion_key: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)

    review = relationship("Review", back_populates="scores")
