"""Uploaded files: stored outside the web root under random names, served only after a check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow

#: proposal material; design feedback and revision files (ref_id: the design round); QC purchase
#: receipts (ref_id: the purchase), defect photos (ref_id: the defect) and corrective-action
#: evidence (ref_id: the request).
ATTACHMENT_PURPOSES = ("proposal", "feedback", "revision", "receipt", "defect_photo",
                       "capa_evidence")


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    #: What the file belongs to: the proposal itself, a feedback item or a revision.
    purpose: Mapped[str] = mapped_column(String(20), default="proposal")
    ref_id: Mapped[int | None] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255))
    #: Random name in the upload folder; never derived from user input.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Internal files are never shown to suppliers.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
