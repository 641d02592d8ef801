"""What the UI, API and CLI share around reports: a download generated now, verifying an upload.

Reports generated later go through ``app.services.jobs.enqueue(actor, "report", {"kind",
"params", "language"})``, which checks the request when it is made. An uploaded report is
verified here, where a supplier learns about reports on its own records only.
"""

from __future__ import annotations

import tempfile
from typing import BinaryIO

from app.extensions import db
from app.models import Product, User
from app.models.base import MAX_ID
from app.services.errors import NotFound, ValidationFailed
from app.services.reports import KINDS, GeneratedReport, generate, verify_pdf

#: Report kinds only generated as background jobs (they can be large).
JOB_ONLY = frozenset({"qc"})
SPOOL_BYTES = 8 * 1024 * 1024


def generate_file(actor: User, kind: str, params: dict,
                  language: str | None) -> tuple[BinaryIO, GeneratedReport]:
    """A report generated now, for a download: a temporary file (in memory while small, on disk
    beyond :data:`SPOOL_BYTES`) rewound to its start; the caller closes it."""
    if kind in JOB_ONLY:
        raise ValidationFailed(f"kind: the {kind} report is only generated as a background job",
                               {"kind": "job only"})
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        report = generate(actor, kind, params, out, language)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out, report


def _supplier_may_verify(actor: User, manifest: dict) -> bool:
    """A supplier verifies only supplier-facing reports about its own records (the answer tells
    event ids and counts, and whether the data a report shows still matches)."""
    scope = manifest.get("scope") if isinstance(manifest.get("scope"), dict) else {}
    if (manifest.get("audience") != "supplier"
            or manifest.get("audience_supplier_id") != actor.supplier_id):
        return False
    try:
        if scope.get("kind") in ("product", "inspection"):
            product_id = int(scope["product_id"])
            product = db.session.get(Product, product_id) if 1 <= product_id <= MAX_ID else None
            return product is not None and product.supplier_id == actor.supplier_id
        if scope.get("kind") == "supplier":
            return int(scope["supplier_id"]) == actor.supplier_id
    except (KeyError, TypeError, ValueError):
        return False
    return False  # QC period reports are staff-only


def _manifest_of(file: BinaryIO | str) -> dict | None:
    """The manifest a report file carries (None for anything else), leaving a stream rewound."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from reports.layout import read_manifest

    try:
        metadata = PdfReader(file).metadata
        return read_manifest(metadata.subject if metadata else None)
    except (PdfReadError, OSError, ValueError):
        return None
    finally:
        if hasattr(file, "seek"):
            file.seek(0)


def verify_upload(actor: User, file: BinaryIO | str):
    """:func:`verify_pdf` for ``actor``: ``(manifest, Verification)``; ``manifest`` is None when
    the file is no Sieve report. NotFound, before any verification, when a supplier sends a
    report about others' records."""
    if actor.is_supplier:
        manifest = _manifest_of(file)
        if manifest is not None and not _supplier_may_verify(actor, manifest):
            raise NotFound("report not found")
    return verify_pdf(file)


def event_range(manifest: dict) -> str:
    """The covered range for messages (English: CLI and API), e.g. ``audit events #3 to #41
    (39 events)``."""
    if not manifest.get("event_count"):
        return "no audit events"
    return (f"audit events #{manifest['first_event']} to #{manifest['last_event']}"
            f" ({manifest['event_count']} events)")


__all__ = ["JOB_ONLY", "KINDS", "event_range", "generate_file", "verify_upload"]
