"""The one stylesheet of Sieve's PDFs, and its fonts: a CJK font embedded so Chinese renders.

The font is Debian's WenQuanYi Micro Hei (``fonts-wqy-microhei``), a TrueType collection that
reportlab subsets into each PDF, so any viewer shows the Chinese text. ``SIEVE_PDF_FONT`` may
name another TrueType file. Without one, the built-in CID font STSong-Light is used: the text
still extracts, but the font is not embedded (viewers without CJK fonts show boxes), and
:data:`FONT_EMBEDDED` says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
FONT_NAME = "SieveCJK"
FALLBACK_FONT = "STSong-Light"

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
HEADER_FILL = colors.HexColor("#e4e7eb")
ACCEPT = colors.HexColor("#1b7f3b")
REJECT = colors.HexColor("#b42318")
WARN_FILL = colors.HexColor("#fde8e8")


@dataclass(frozen=True)
class Fonts:
    name: str
    embedded: bool
    source: str


@cache
def fonts() -> Fonts:
    """Register the CJK font once per process and say which one it is."""
    candidates = [os.environ.get("SIEVE_PDF_FONT", ""), *DEFAULT_FONT_FILES]
    for path in filter(None, candidates):
        if Path(path).is_file():
            index = {"subfontIndex": 0} if path.endswith(".ttc") else {}
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, **index))
            return Fonts(FONT_NAME, True, path)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return Fonts(FALLBACK_FONT, False, FALLBACK_FONT)


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    centered: ParagraphStyle


@cache
def styles() -> Styles:
    font = fonts().name
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=12.5, textColor=INK,
                          wordWrap="CJK", spaceAfter=3)
    return Styles(
        title=ParagraphStyle("title", parent=base, fontSize=20, leading=26, spaceAfter=10),
        h1=ParagraphStyle("h1", parent=base, fontSize=13, leading=17, spaceBefore=10,
                          spaceAfter=5, keepWithNext=1),
        h2=ParagraphStyle("h2", parent=base, fontSize=10.5, leading=14, spaceBefore=6,
                          spaceAfter=3, keepWithNext=1),
        body=base,
        small=ParagraphStyle("small", parent=base, fontSize=7.5, leading=10, textColor=MUTED),
        cell=ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5, spaceAfter=0),
        cell_head=ParagraphStyle("cell_head", parent=base, fontSize=7.5, leading=9.5,
                                 spaceAfter=0, textColor=INK),
        centered=ParagraphStyle("centered", parent=base, alignment=TA_CENTER),
    )
