"""Helpers of the report tests: generate into memory, read the text back, verify, tamper."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import text

from app.extensions import db
from app.services import reports


def render(actor, kind: str, params: dict, language: str = "en"):
    """Generate a report into memory: (GeneratedReport, PDF bytes)."""
    out = BytesIO()
    result = reports.generate(actor, kind, params, out, language)
    return result, out.getvalue()


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def squeezed_text(pdf: bytes) -> str:
    """The PDF's text with all whitespace removed (table cells wrap anywhere)."""
    return "".join(pdf_text(pdf).split())


def verify(pdf: bytes):
    db.session.rollback()
    return reports.verify_pdf(BytesIO(pdf))


def without_triggers(statement: str, params: dict) -> None:
    """Play the attacker with database access: lift the audit trail's UPDATE trigger, edit the
    row, put the trigger back (as tests/services/test_audit_trail.py does)."""
    db.session.rollback()
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            conn.execute(text(statement), params)
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text(statement), params)
            conn.execute(text(
                "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT"
                " RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END"))
