"""Customer metrics: per-product, per-period figures from the marketplace, and their imports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

#: running → applied | refused | failed (a crashed job: nothing of it was stored).
IMPORT_STATUSES = ("running", "applied", "refused", "failed")
#: Where the figures came from: a file (UI upload, CLI) or the JSON batch endpoint.
IMPORT_SOURCES = ("upload", "cli", "api")


class MetricImport(db.Model):
    """One import attempt, applied or refused: who, which file, its checksum, rows, outcome."""

    __tablename__ = "metric_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of the file's bytes (of the canonical JSON for the batch endpoint).
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    #: Data rows read (header excluded).
    rows: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The first errors: [{"row", "column", "value", "problem"}] (the error report).
    errors: Mapped[list] = mapped_column(JSON, default=list)
    #: What changed: {"added", "changed", "unchanged", "removed", "periods": {key: {...}}}.
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by = relationship("User", lazy="joined")


class CustomerMetric(db.Model):
    """One product's figures for one period (``2026-10`` or ``2026-W43``)."""

    __tablename__ = "customer_metrics"
    __table_args__ = (
        UniqueConstraint("product_id", "period", name="uq_customer_metrics_product_period"),
        Index("ix_customer_metrics_period", "period"),
        Index("ix_customer_metrics_period_start", "period_start", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    #: The period's key as written in files: ``2026-10`` (month) or ``2026-W43`` (ISO week).
    period: Mapped[str] = mapped_column(String(8))
    #: month | week
    period_kind: Mapped[str] = mapped_column(String(5))
    period_start: Mapped[date] = mapped_column(Date)
    units_sold: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    #: 1-5; None when the period had no reviews.
    avg_rating: Mapped[float | None] = mapped_column(Float)
    positive_reviews: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    #: The import that wrote this row.
    import_id: Mapped[int] = mapped_column(ForeignKey("metric_imports.id"), index=True)
