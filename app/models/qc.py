"""Quality control: sample purchases, inspections with their defects, corrective actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

REIMBURSEMENT_STATUSES = ("submitted", "approved", "paid")


class SamplePurchase(db.Model):
    """A sample QC staff bought, as a customer would, at the platform's expense."""

    __tablename__ = "sample_purchases"
    __table_args__ = (Index("ix_sample_purchases_purchased_on", "purchased_on"),
                      Index("ix_sample_purchases_reimbursement_purchased",
                            "reimbursement_status", "purchased_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    #: pre_listing, routine, follow_up, complaint (workflows.inspection.KINDS)
    kind: Mapped[str] = mapped_column(String(20))
    #: platform, other_marketplace, offline_store (workflows.inspection.CHANNELS)
    channel: Mapped[str] = mapped_column(String(24))
    store_name: Mapped[str] = mapped_column(String(200))
    order_number: Mapped[str] = mapped_column(String(80))
    #: channel, store and order number normalised: the same order cannot be logged twice.
    order_key: Mapped[str] = mapped_column(String(320), unique=True)
    purchased_on: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="CNY", server_default="CNY")
    batch_code: Mapped[str | None] = mapped_column(String(80))
    purchaser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reimbursement_status: Mapped[str] = mapped_column(String(12), default="submitted",
                                                      index=True)
    reimbursement_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Staff-only remarks; never shown to a supplier.
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    product = relationship("Product", lazy="joined")
    purchaser = relationship("User", lazy="joined")
    inspection = relationship("Inspection", back_populates="purchase", uselist=False,
                              lazy="selectin")


class Inspection(db.Model):
    """The ISO 2859-1 inspection of the lot one purchase represents."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_product_completed", "product_id", "completed_at"),
                      Index("ix_inspections_started", "started_at", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("sample_purchases.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: open (defects being logged) -> completed (verdict computed, consequences applied)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    lot_size: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(4))
    severity: Mapped[str] = mapped_column(String(10))
    #: Why this severity: the product's switching state when the inspection was opened.
    severity_reason: Mapped[str] = mapped_column(Text, default="")
    #: {"critical": 0.0, "major": 2.5, "minor": 4.0}
    aqls: Mapped[dict] = mapped_column(JSON)
    #: [ClassPlan.as_dict(), ...] per defect class
    plans: Mapped[list] = mapped_column(JSON)
    sample_size: Mapped[int] = mapped_column(Integer)
    #: [{"item": "appearance", "result": "pass|fail|na", "note": ""}]
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    production_steady: Mapped[bool] = mapped_column(Boolean, default=False)
    #: accepted | rejected, once completed
    verdict: Mapped[str | None] = mapped_column(String(10), index=True)
    #: {"critical": n, "major": n, "minor": n} nonconforming items found, once completed
    found: Mapped[dict | None] = mapped_column(JSON)
    #: The verdict's arithmetic, one line per class and the conclusion.
    arithmetic: Mapped[list | None] = mapped_column(JSON)
    #: The lifecycle transition the verdict fired (fail_sampling, put_on_watch, suspend).
    consequence: Mapped[str | None] = mapped_column(String(24))
    #: The switching state after this lot (workflows.switching.SwitchingState as a dict).
    switching_after: Mapped[dict | None] = mapped_column(JSON)
    #: Remarks the supplier sees.
    summary: Mapped[str | None] = mapped_column(Text)
    #: Staff-only notes; never shown to a supplier.
    internal_notes: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    purchase = relationship("SamplePurchase", back_populates="inspection", lazy="joined")
    inspector = relationship("User", lazy="joined")
    defects = relationship("InspectionDefect", order_by="InspectionDefect.id", lazy="selectin")


class InspectionDefect(db.Model):
    __tablename__ = "inspection_defects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    #: critical | major | minor
    defect_class: Mapped[str] = mapped_column(String(10))
    #: Nonconforming items with this defect.
    count: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    checklist_item: Mapped[str | None] = mapped_column(String(60))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CorrectiveAction(db.Model):
    """A corrective action request (CAPA) to the supplier after a failed inspection."""

    __tablename__ = "corrective_actions"
    __table_args__ = (Index("ix_corrective_actions_status_due", "status", "due_on"),
                      Index("ix_corrective_actions_supplier_status_due", "supplier_id", "status",
                            "due_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    #: open, submitted, returned, closed, escalated (workflows.capa)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    #: What went wrong, as QC tells the supplier.
    problem: Mapped[str] = mapped_column(Text, default="")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    containment: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    preventive_action: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The first submission (timeliness is judged on it).
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_reason: Mapped[str | None] = mapped_column(Text)
    verification_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Staff-only notes; never shown to a supplier.
    internal_notes: Mapped[str | None] = mapped_column(Text)

    product = relationship("Product", lazy="joined")
