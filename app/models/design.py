"""Design iteration: numbered rounds of structured feedback, supplier responses and decisions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class DesignRound(db.Model):
    __tablename__ = "design_rounds"
    __table_args__ = (UniqueConstraint("product_id", "number", name="uq_design_rounds_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: open -> revision_submitted -> closed (see workflows.design)
    status: Mapped[str] = mapped_column(String(24), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the supplier's revision is due.
    due_on: Mapped[date | None] = mapped_column(Date)
    revision_notes: Mapped[str | None] = mapped_column(Text)
    revision_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The supplier's last action in this round (answer or revision): staleness counts from it.
    last_supplier_activity_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(24))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    items = relationship("FeedbackItem", back_populates="round", order_by="FeedbackItem.id",
                         lazy="selectin")


class FeedbackItem(db.Model):
    __tablename__ = "feedback_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("design_rounds.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    area: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    #: Internal notes are for staff only: never shown to a supplier anywhere.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    #: open -> answered -> resolved | reopened (-> answered ...)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    round = relationship("DesignRound", back_populates="items")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),
                      Index("ix_notifications_user_newest", "user_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: e.g. feedback, decision, submission, revision (see app.services.notifications)
    kind: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    #: English text; ``params`` lets the UI render it in the reader's language.
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(db.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
