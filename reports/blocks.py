"""Building blocks every report uses: headings, escaped paragraphs, key/value tables, long tables
cut into page-sized pieces, charts and thumbnails. Plain values in, flowables out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, Spacer, Table, TableStyle

from reports.layout import CONTENT_WIDTH
from reports.styles import ACCEPT, HEADER_FILL, INK, MUTED, REJECT, RULE, WARN_FILL, fonts, styles

#: Rows per piece of a long table: many small tables build far faster than one huge one.
CHUNK_ROWS = 40
#: Verdict words mapped to colours, for cells and badges.
VERDICT_COLOURS = {"accepted": ACCEPT, "rejected": REJECT}


def text(value) -> str:
    """User text made safe for reportlab's paragraph markup ("—" for nothing)."""
    if value is None or value == "":
        return "—"
    return escape(str(value)).replace("\n", "<br/>")


def heading(title: str, level: int = 1) -> Paragraph:
    s = styles()
    return Paragraph(text(title), {0: s.title, 1: s.h1}.get(level, s.h2))


def para(value, style: str = "body") -> Paragraph:
    return Paragraph(text(value), getattr(styles(), style))


def note(value) -> Paragraph:
    return para(value, "small")


def _cell(value, head: bool = False) -> Paragraph:
    s = styles()
    return Paragraph(text(value), s.cell_head if head else s.cell)


def _style(header: bool, highlight_rows: Sequence[int] = ()) -> TableStyle:
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL))
    for row in highlight_rows:
        commands.append(("BACKGROUND", (0, row), (-1, row), WARN_FILL))
    return TableStyle(commands)


def key_values(rows: Sequence[tuple[str, object]], label_width: float = 42 * mm) -> Table:
    """A two-column table of labels and values."""
    data = [[_cell(label, head=True), _cell(value)] for label, value in rows]
    table = Table(data, colWidths=[label_width, CONTENT_WIDTH - label_width], hAlign="LEFT")
    style = _style(header=False)
    style.add("BACKGROUND", (0, 0), (0, -1), HEADER_FILL)
    table.setStyle(style)
    return table


def data_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
               widths: Sequence[float] | None = None,
               highlight: Sequence[int] = ()) -> list[Flowable]:
    """A table of any length as pieces of :data:`CHUNK_ROWS` rows, each with the header.

    ``widths``: fractions of the content width; ``highlight``: indexes of rows to shade.
    """
    if widths is None:
        widths = [1 / len(headers)] * len(headers)
    col_widths = [w * CONTENT_WIDTH for w in widths]
    head = [_cell(h, head=True) for h in headers]
    marked = set(highlight)
    pieces: list[Flowable] = []
    for start in range(0, len(rows), CHUNK_ROWS):
        block = rows[start:start + CHUNK_ROWS]
        data = [head] + [[_cell(v) for v in row] for row in block]
        shaded = [i + 1 for i, _ in enumerate(block) if start + i in marked]
        table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(_style(header=True, highlight_rows=shaded))
        pieces.append(table)
    return pieces


def verdict(value: str, label: str) -> Paragraph:
    colour = VERDICT_COLOURS.get(value, INK)
    return Paragraph(f'<font color="{colour.hexval()}">{text(label)}</font>', styles().h2)


def spacer(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


def _caption(drawing: Drawing, title: str) -> None:
    drawing.add(String(0, drawing.height - 10, title, fontName=fonts().name, fontSize=8,
                       fillColor=MUTED))


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float],
              horizontal: bool = True, value_max: float | None = None) -> Drawing:
    """A bar chart (a Pareto when ``values`` are sorted descending)."""
    height = max(60, 14 * len(labels) + 30) if horizontal else 150
    drawing = Drawing(CONTENT_WIDTH, height)
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    chart.x, chart.y = (110, 8) if horizontal else (30, 30)
    chart.width = CONTENT_WIDTH - chart.x - 20
    chart.height = height - chart.y - 18
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = [str(label)[:28] for label in labels] or [""]
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize = fonts().name, 7
    chart.valueAxis.valueMin = 0
    if value_max is not None:
        chart.valueAxis.valueMax = value_max
    chart.bars[0].fillColor = colors.HexColor("#3e7cb1")
    drawing.add(chart)
    _caption(drawing, title)
    return drawing


def line_chart(title: str, labels: Sequence[str], series: Sequence[Sequence[float]],
               value_max: float | None = None) -> Drawing:
    """A line chart over periods (one line per series)."""
    drawing = Drawing(CONTENT_WIDTH, 150)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 35, 30, CONTENT_WIDTH - 55, 100
    chart.data = [list(s) for s in series] or [[0]]
    chart.categoryAxis.categoryNames = [str(label) for label in labels] or [""]
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize = fonts().name, 7
    chart.valueAxis.valueMin = 0
    if value_max is not None:
        chart.valueAxis.valueMax = value_max
    palette = [colors.HexColor("#3e7cb1"), colors.HexColor("#b42318"),
               colors.HexColor("#1b7f3b")]
    for i in range(len(chart.data)):
        chart.lines[i].strokeColor = palette[i % len(palette)]
    drawing.add(chart)
    _caption(drawing, title)
    return drawing


def thumbnail(path: Path, max_width: float = 45 * mm, max_height: float = 35 * mm) -> Flowable:
    """An image scaled to fit the box (aspect ratio kept); a note when it cannot be read."""
    try:
        image = Image(str(path))
    except Exception:  # noqa: BLE001 - a broken or unsupported image must not stop a report
        return note(f"[{path.name}]")
    scale = min(max_width / image.imageWidth, max_height / image.imageHeight, 1.0)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    image.hAlign = "LEFT"
    return image


def thumbnails_row(images: Sequence[Flowable]) -> Flowable:
    """Thumbnails side by side, four per row."""
    if not images:
        return spacer(0)
    rows = [list(images[i:i + 4]) for i in range(0, len(images), 4)]
    for row in rows:
        row.extend([""] * (4 - len(row)))
    table = Table(rows, colWidths=[CONTENT_WIDTH / 4] * 4, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table
