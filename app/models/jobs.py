"""Background jobs: one row per long piece of work, its progress, result or error.

The row is the truth the UI and the API show, whichever backend runs the work (a thread of the
web process, or an RQ worker on another machine).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

JOB_STATUSES = ("queued", "running", "succeeded", "failed")
#: Statuses a job never leaves.
FINISHED_STATUSES = frozenset({"succeeded", "failed"})


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Which handler runs it (app.services.jobs.HANDLERS), e.g. "report".
    kind: Mapped[str] = mapped_column(String(32), index=True)
    params: Mapped[dict] = mapped_column(db.JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    #: What it is doing now (a short English key, translated for display).
    step: Mapped[str | None] = mapped_column(String(200))
    #: e.g. {"file": "<name>", "pages": 12, "report_id": "SR-..."} once it succeeded.
    result: Mapped[dict | None] = mapped_column(db.JSON)
    error: Mapped[str | None] = mapped_column(Text)
    #: Who holds it: "host:pid:token" of the web process (embedded) or the RQ worker's name.
    worker: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by = relationship("User", lazy="joined")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} {self.progress}%>"
