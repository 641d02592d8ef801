"""Products: a supplier's candidate or listed SKU, moving through the lifecycle."""

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
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "sku_code", name="uq_products_supplier_sku"),
        Index("ix_products_state_changed", "state", "state_changed_at"),
        # Scale (0008): a supplier's board and list, the portal's order, category filters.
        Index("ix_products_supplier_state_changed", "supplier_id", "state", "state_changed_at"),
        Index("ix_products_supplier_updated", "supplier_id", "updated_at"),
        Index("ix_products_category_state", "category_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(200), default="")
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    sku_code: Mapped[str | None] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    #: Prices are whole cents (fen) of ``currency``: exact, and portable across backends.
    target_price_cents: Mapped[int | None] = mapped_column(Integer)
    unit_cost_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="CNY", server_default="CNY")
    monthly_capacity: Mapped[int | None] = mapped_column(Integer)
    #: [{"name", "value", "unit"}]
    specifications: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    #: [{"name", "channel", "price_cents", "url"}]
    competitors: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    #: [{"code", "title"}], e.g. {"code": "GB 4706.1-2005", "title": "Household appliance safety"}
    claimed_standards: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    #: Written only by app.services.lifecycle.apply_transition (compare-and-set on version).
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Set by ``list``: the retail price and the launch date.
    retail_price_cents: Mapped[int | None] = mapped_column(Integer)
    launched_on: Mapped[date | None] = mapped_column(Date)
    #: QC: a selection manager approved reduced inspection (ISO 2859-1 9.3.3 c).
    reduced_inspection_approved: Mapped[bool] = mapped_column(Boolean, default=False,
                                                              server_default=false())
    state_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    supplier = relationship("Supplier", lazy="joined")
    category = relationship("Category", lazy="joined")

    @property
    def display_name(self) -> str:
        if self.name_zh and self.name_en:
            return f"{self.name_zh} / {self.name_en}"
        return self.name_zh or self.name_en or f"#{self.id}"
