"""PDF reports: who may have which report, the data each shows, and generating it verifiably.

One entry per report kind in :data:`KINDS`, each a module of this package with:

- ``TITLE``: the report's title (an English msgid, translated with ``t``);
- ``scope_for(actor, params) -> dict``: checks that ``actor`` may have the report (NotFound,
  never Forbidden, for another supplier's records; ValidationFailed naming a bad parameter) and
  returns the scope (see :mod:`app.services.reports.manifest`): ``{"kind": ..., ...ids}``;
- ``gather(session, actor, scope, t) -> dict``: the plain data the report shows, as the
  actor may see it (a supplier never gets internal notes or individual reviewer scores). It
  reads only ``actor.is_supplier`` and ``actor.supplier_id`` (verification passes a stand-in),
  and must be deterministic: the same records give the same data (times relative to
  ``scope["as_of"]``, never to "now"), because ``reports verify`` gathers again and compares;
- ``story(data, t, meta, manifest) -> list[Flowable]``: in ``reports/<kind>.py``, one function
  per section; the cover shows ``meta.report_id`` and the manifest's event range and digest.

:func:`generate` runs them in one read transaction with the manifest, so the digest and the
data describe the same moment, and renders the PDF.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from typing import Any, BinaryIO

from flask_babel import force_locale, gettext

from app.extensions import db
from app.models import User
from app.services.errors import ValidationFailed
from app.services.reports.manifest import build_manifest
from reports.layout import ReportMeta, render

#: report kind -> module name in this package (and in ``reports/``)
KINDS = {"product": "dossier", "supplier": "supplier", "qc": "qc_period",
         "inspection": "inspection"}
LANGUAGES = ("en", "zh_CN")


@dataclass(frozen=True)
class GeneratedReport:
    report_id: str
    kind: str
    pages: int
    manifest: dict


def new_report_id(kind: str) -> str:
    return f"SR-{datetime.now(UTC):%Y%m%d}-{kind[:3].upper()}-{secrets.token_hex(4).upper()}"


#: Data keys left out of the digest: where a file lives is not part of the record (its sha256 is).
UNDIGESTED_KEYS = frozenset({"path"})


def _without_locations(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_locations(v) for k, v in value.items() if k not in UNDIGESTED_KEYS}
    if isinstance(value, list | tuple):
        return [_without_locations(v) for v in value]
    return value


def data_digest(data: Any) -> str:
    """SHA-256 of the report's data as canonical JSON (file locations left out): verify gathers
    again and compares it."""
    text = json.dumps(_without_locations(data), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _module(kind: str):
    if kind not in KINDS:
        raise ValidationFailed(f"kind: one of {', '.join(KINDS)}", {"kind": "unknown report"})
    return import_module(f"app.services.reports.{KINDS[kind]}")


def _language(language: str | None) -> str:
    language = language or "en"
    if language not in LANGUAGES:
        raise ValidationFailed(f"language: one of {', '.join(LANGUAGES)}",
                               {"language": "unsupported"})
    return language


def translator(language: str) -> Callable[..., str]:
    """``t("msgid", **params)`` in ``language`` (the catalogue the web UI uses)."""

    def t(msgid: str, **params) -> str:
        with force_locale(language):
            return gettext(msgid, **params)

    return t


def generate(actor: User, kind: str, params: dict, out: BinaryIO | str,
             language: str | None = None,
             progress: Callable[[int, str], None] | None = None) -> GeneratedReport:
    """Check access, gather the data and the manifest in one read transaction, render the PDF
    into ``out``. ``progress(percent, step)`` is called along the way (background jobs)."""
    module = _module(kind)
    language = _language(language)
    t = translator(language)
    report = progress or (lambda _p, _s: None)
    scope = module.scope_for(actor, params)
    now = datetime.now(UTC)
    scope["as_of"] = now.isoformat(timespec="seconds")
    session = db.session()
    if session.in_transaction():
        session.rollback()  # one fresh snapshot for the data and the manifest
    report(5, "gather")
    data = module.gather(session, actor, scope, t)
    report_id = new_report_id(kind)
    manifest = build_manifest(session, report_id, kind, scope, language)
    manifest["audience"] = "supplier" if actor.is_supplier else "staff"
    manifest["audience_supplier_id"] = actor.supplier_id if actor.is_supplier else None
    manifest["data_digest"] = data_digest(data)
    session.rollback()
    report(40, "render")
    builder = import_module(f"reports.{KINDS[kind]}")
    meta = ReportMeta(
        report_id=report_id, title=t(module.TITLE),
        generated=t("Generated %(when)s by %(who)s", when=f"{now:%Y-%m-%d %H:%M} UTC",
                    who=actor.email),
        page_label=t("Page %(page)s of %(pages)s"), manifest=manifest)
    pages = render(builder.story(data, t, meta, manifest), meta, out)
    report(100, "done")
    return GeneratedReport(report_id, kind, pages, manifest)


@dataclass(frozen=True)
class Viewer:
    """Who a report was generated for, as ``gather`` needs it when verifying."""

    is_supplier: bool
    supplier_id: int | None
    email: str = "verification"
    role: str = "admin"
    id: int | None = None


def verify_pdf(file: BinaryIO | str):
    """Read a report's manifest back and check it against the database: the covered audit
    events (digest, per-event hashes) and, when no event was added since, the data itself."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from app.services.reports.manifest import Verification, verify_manifest
    from reports.layout import read_manifest

    try:
        metadata = PdfReader(file).metadata
        subject = metadata.subject if metadata else None
    except (PdfReadError, OSError, ValueError) as error:
        return None, Verification(False, f"not a readable PDF ({error})")
    manifest = read_manifest(subject)
    if manifest is None:
        return None, Verification(False, "this PDF carries no Sieve report manifest")
    session = db.session()
    result = verify_manifest(session, manifest)
    if not result.ok or result.newer_events or not manifest.get("data_digest"):
        return manifest, result
    kind = manifest.get("report")
    viewer = Viewer(manifest.get("audience") == "supplier", manifest.get("audience_supplier_id"))
    data = _module(kind).gather(session, viewer, dict(manifest["scope"]),
                                translator(manifest.get("language", "en")))
    if data_digest(data) != manifest["data_digest"]:
        return manifest, Verification(
            False, "the audit events are unchanged, but the records the report shows differ"
                   " from them (changed outside Sieve's services)")
    return manifest, result
