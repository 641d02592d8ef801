"""Elimination sweeps: each run, and the candidates it proposed with every rule's explanation."""

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
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

RUN_STATUSES = ("running", "completed", "failed")
#: Who started it: a manager's button, the CLI, the API, or the schedule.
RUN_TRIGGERS = ("manual", "cli", "api", "schedule")
#: open → delisted (a manager confirmed delist) | dismissed (kept, with a note) | superseded
#: (a later run replaced the proposal) | cleared (the product left the evaluated states).
CANDIDATE_STATUSES = ("open", "delisted", "dismissed", "superseded", "cleared")


class EliminationRun(db.Model):
    __tablename__ = "elimination_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    #: The figures it judged: month or week periods, up to this date.
    period_kind: Mapped[str] = mapped_column(String(5), default="month")
    as_of: Mapped[date] = mapped_column(Date)
    products_evaluated: Mapped[int] = mapped_column(Integer, default=0)
    candidates_count: Mapped[int] = mapped_column(Integer, default=0)
    #: e.g. {"by_rule": {...}, "by_category": {...}, "put_on_watch": n, "seconds": 1.2}
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by = relationship("User", lazy="joined")


class EliminationCandidate(db.Model):
    __tablename__ = "elimination_candidates"
    __table_args__ = (Index("ix_elimination_candidates_status_run", "status", "run_id"),
                      Index("ix_elimination_candidates_listing", "status", "run_id",
                            "category_id", "score", "product_id"),
                      Index("ix_elimination_candidates_run_listing", "run_id", "category_id",
                            "score", "product_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("elimination_runs.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    #: under_watch | decision_list (the category's setting when the run proposed it)
    action: Mapped[str] = mapped_column(String(16))
    #: [{"rule", "explanation", "numbers"}] for every rule it triggered.
    findings: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)
    #: {"value", "parts": {...}, "formula"}
    score_detail: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: The product's state when proposed, and whether the run itself put it on watch.
    state_at_run: Mapped[str] = mapped_column(String(20))
    put_on_watch: Mapped[bool] = mapped_column(db.Boolean, default=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason_code: Mapped[str | None] = mapped_column(String(32))
    decision_note: Mapped[str | None] = mapped_column(Text)

    run = relationship("EliminationRun")
    product = relationship("Product")
