"""Page layout of every Sieve PDF: A4, a header and a footer carrying the report id, "page X of Y",
and the verification manifest in the document's metadata.

``render(story, meta, out)`` builds the document. The manifest (report id, kind, scope, the audit
events covered and their digest) is stored as JSON in the PDF's Subject, behind
:data:`MANIFEST_PREFIX`, where ``flask --app app reports verify`` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from reports.styles import MUTED, RULE, fonts

MANIFEST_PREFIX = "sieve-report-manifest:"
MARGIN = 16 * mm
PAGE_WIDTH, PAGE_HEIGHT = A4
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN


@dataclass(frozen=True)
class ReportMeta:
    report_id: str
    title: str
    #: Footer text, e.g. "Generated 2026-11-26 13:40 UTC by manager@sieve.demo".
    generated: str
    #: "Page %(page)s of %(pages)s" in the report's language.
    page_label: str = "Page %(page)s of %(pages)s"
    manifest: dict = field(default_factory=dict)
    author: str = "Sieve"


def _numbered_canvas(meta: ReportMeta):
    """A canvas that holds each page until the end, then draws header and footer with the
    total page count (the usual two-step "page X of Y")."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                _decorate(self, meta, self._pageNumber, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def _decorate(canvas: Canvas, meta: ReportMeta, page: int, total: int) -> None:
    font = fonts().name
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    top = PAGE_HEIGHT - MARGIN + 5 * mm
    canvas.line(MARGIN, top - 2 * mm, PAGE_WIDTH - MARGIN, top - 2 * mm)
    canvas.line(MARGIN, MARGIN - 5 * mm, PAGE_WIDTH - MARGIN, MARGIN - 5 * mm)
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 7.5)
    canvas.drawString(MARGIN, top, f"Sieve · {meta.title}")
    canvas.drawRightString(PAGE_WIDTH - MARGIN, top, meta.report_id)
    bottom = MARGIN - 9 * mm
    canvas.drawString(MARGIN, bottom, meta.generated)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, bottom,
                           meta.page_label % {"page": page, "pages": total})
    canvas.restoreState()


def manifest_text(manifest: dict) -> str:
    return MANIFEST_PREFIX + json.dumps(manifest, sort_keys=True, ensure_ascii=True,
                                        separators=(",", ":"))


def render(story: Iterable[Flowable], meta: ReportMeta, out: BinaryIO | str) -> int:
    """Build the PDF into ``out`` (a path or a binary file); returns the number of pages."""
    doc = BaseDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=meta.title, author=meta.author,
        subject=manifest_text(meta.manifest), creator="Sieve", invariant=False,
    )
    frame = Frame(MARGIN, MARGIN, CONTENT_WIDTH, PAGE_HEIGHT - 2 * MARGIN, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(list(story), canvasmaker=_numbered_canvas(meta))
    return doc.page


def read_manifest(subject: str | None) -> dict | None:
    """The manifest stored by :func:`render`, from a PDF's Subject (None when absent)."""
    if not subject or not subject.startswith(MANIFEST_PREFIX):
        return None
    try:
        data = json.loads(subject[len(MANIFEST_PREFIX):])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
