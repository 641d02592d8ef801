"""Suppliers with their certificates, and the category tree with SKU caps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from workflows.inspection import DEFAULT_CHECKLIST

SUPPLIER_STATUSES = ("prospective", "active", "probation", "eliminated")
#: Computed from the supplier's products (app.services.standing); None until first computed.
STANDINGS = ("preferred", "approved", "probation", "eliminated")


class Supplier(db.Model):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="prospective", index=True)
    #: preferred | approved | probation | eliminated; its reasons and the figures behind them.
    standing: Mapped[str | None] = mapped_column(String(16), index=True)
    standing_reasons: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    standing_figures: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    standing_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: A manager's override of the computed standing, with its reason; kept until cleared.
    standing_override: Mapped[str | None] = mapped_column(String(16))
    standing_override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    certificates = relationship(
        "Certificate", back_populates="supplier", order_by="Certificate.expires_on"
    )

    @property
    def display_name(self) -> str:
        if self.name_en and self.name_en != self.name:
            return f"{self.name} ({self.name_en})"
        return self.name


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    standard_code: Mapped[str] = mapped_column(String(80))
    title: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(80))
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    supplier = relationship("Supplier", back_populates="certificates")

    def is_valid_on(self, day: date) -> bool:
        return self.expires_on >= day


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    name_zh: Mapped[str | None] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    #: The most products that may occupy a SKU slot (listed, under watch, suspended); None: no cap.
    sku_cap: Mapped[int | None] = mapped_column(Integer)
    #: Weighted scorecard total (1-5 scale) a candidate needs to be accepted.
    selection_threshold: Mapped[float] = mapped_column(Float, default=3.5)
    description: Mapped[str | None] = mapped_column(Text)
    #: Design iteration: the most rounds before a product must be approved or abandoned.
    max_design_rounds: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    #: QC: monthly sample-purchase budget in cents (None: no budget set).
    qc_monthly_budget_cents: Mapped[int | None] = mapped_column(Integer)
    #: QC: default AQL per defect class (0 = zero tolerance) and inspection level.
    aql_critical: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aql_major: Mapped[float] = mapped_column(Float, default=2.5, server_default="2.5")
    aql_minor: Mapped[float] = mapped_column(Float, default=4.0, server_default="4")
    inspection_level: Mapped[str] = mapped_column(String(4), default="II", server_default="II")
    #: QC: the checklist inspectors work through (item keys or free labels).
    qc_checklist: Mapped[list] = mapped_column(
        JSON, default=lambda: list(DEFAULT_CHECKLIST),
        server_default='["appearance", "function", "safety", "packaging", "labelling"]')
    #: Listing gate: a pre-listing inspection must have passed within this many days.
    prelisting_valid_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    #: Listing gate: standard codes the supplier must hold a valid certificate for.
    required_certificates: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    #: Corrective action requests are due this many days after they open.
    capa_due_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    #: Elimination thresholds (workflows.elimination.EliminationThresholds fields); {} = none.
    elimination_rules: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent = relationship("Category", remote_side="Category.id", lazy="joined", join_depth=1)

    @property
    def display_name(self) -> str:
        return f"{self.name} / {self.name_zh}" if self.name_zh else self.name
