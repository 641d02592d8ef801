"""Server-side SVG charts: bars, lines and Pareto, drawn with reportlab.graphics.

Plain values in, SVG text out; labels arrive already translated. reportlab lays the text out
with the metrics of the reports' CJK font (so Chinese labels are placed right) and the browser
renders it with a CJK-capable family. The SVG keeps reportlab's ``style`` attributes: it is only
ever shown as an image (``<img>``), where nothing in it can run; its response carries its own
Content-Security-Policy (:data:`SVG_CSP`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from reports.styles import INK, MUTED, RULE, fonts

SVG_MIMETYPE = "image/svg+xml"
#: An SVG image may use its own inline styles and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
#: What the browser renders the text with (reportlab names its registered font).
FONT_FAMILIES = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
PALETTE = [colors.HexColor(c) for c in ("#3e7cb1", "#e07b39", "#1b7f3b", "#b42318", "#7d5ba6",
                                        "#8c6d31", "#17becf", "#616e7c")]
WIDTH = 640
LABEL_CHARS = 26


def _short(label: object, limit: int = LABEL_CHARS) -> str:
    text = "" if label is None else str(label)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _values(series: Sequence[float | None]) -> list[float | None]:
    """Numbers as floats; anything else (None, NaN, text) as a gap."""
    out: list[float | None] = []
    for value in series:
        number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
            else None
        out.append(None if number is None or math.isnan(number) else number)
    return out


def _peak(series: Sequence[Sequence[float | None]]) -> float:
    found = [v for s in series for v in _values(s) if v is not None]
    return max(found) if found else 0.0


def _font_axes(chart, size: int = 8) -> None:
    for labels in (chart.categoryAxis.labels, chart.valueAxis.labels):
        labels.fontName, labels.fontSize, labels.fillColor = fonts().name, size, INK
    chart.valueAxis.strokeColor = chart.categoryAxis.strokeColor = RULE


def _frame(title: str, height: float) -> Drawing:
    drawing = Drawing(WIDTH, height)
    drawing.add(String(4, height - 14, _short(title, 90), fontName=fonts().name, fontSize=11,
                       fillColor=INK))
    return drawing


def _legend(drawing: Drawing, names: Sequence[str], colours: Sequence, y: float) -> None:
    if len(names) < 2:
        return
    legend = Legend()
    legend.x, legend.y = 8, y
    legend.fontName, legend.fontSize = fonts().name, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = min(120, (WIDTH - 16) / len(names))
    legend.dxTextSpace = 4
    legend.colorNamePairs = [(colours[i % len(colours)], _short(n, 22))
                             for i, n in enumerate(names)]
    drawing.add(legend)


def _value_scale(chart, data: Sequence[Sequence[float | None]], value_max: float | None) -> None:
    """Axis from 0; counts (whole numbers only) get whole-number steps."""
    peak = _peak(data)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = value_max if value_max is not None else max(peak * 1.1, 1)
    chart.valueAxis.forceZero = True
    whole = all(v is None or float(v).is_integer() for s in data for v in s)
    if value_max is None and whole and peak <= 10:
        chart.valueAxis.valueMax = max(math.ceil(peak * 1.1), 1)
        chart.valueAxis.valueStep = 1 if peak <= 5 else 2


def empty_chart(title: str, message: str) -> str:
    drawing = _frame(title, 80)
    drawing.add(String(WIDTH / 2, 30, message, fontName=fonts().name, fontSize=10,
                       fillColor=MUTED, textAnchor="middle"))
    return to_svg(drawing, title)


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Sequence[float | None]],
              names: Sequence[str] = (), horizontal: bool = False,
              value_max: float | None = None) -> str:
    """Bars for each label, one bar per series (grouped); horizontal bars read top-down."""
    labels = [_short(label) for label in labels] or [""]
    data = [_values(s) for s in series] or [[0.0]]
    legend_rows = 1 if len(names) > 1 else 0
    if horizontal:
        height = round(max(90, 18 * len(labels) * max(1, len(data)) ** 0.5 + 50 + 14 * legend_rows))
        drawing = _frame(title, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = 170, 20 + 14 * legend_rows
        chart.width, chart.height = WIDTH - chart.x - 30, height - chart.y - 30
        # reportlab draws the first category at the bottom; reverse so the list reads top-down.
        chart.data = [list(reversed(s)) for s in data]
        chart.categoryAxis.categoryNames = list(reversed(labels))
    else:
        height = 240 + 14 * legend_rows
        drawing = _frame(title, height)
        chart = VerticalBarChart()
        chart.x, chart.y = 45, 60 + 14 * legend_rows
        chart.width, chart.height = WIDTH - chart.x - 20, height - chart.y - 30
        chart.data = data
        chart.categoryAxis.categoryNames = labels
        if len(labels) > 6:
            chart.categoryAxis.labels.angle = 30
            chart.categoryAxis.labels.boxAnchor = "ne"
    _font_axes(chart)
    _value_scale(chart, data, value_max)
    chart.barSpacing = 1
    for i in range(len(data)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    _legend(drawing, names, PALETTE, 12)
    return to_svg(drawing, title)


def line_chart(title: str, labels: Sequence[str], series: Sequence[Sequence[float | None]],
               names: Sequence[str] = (), value_max: float | None = None) -> str:
    """One line per series over the labels (periods); missing values leave gaps."""
    labels = [_short(label, 10) for label in labels] or [""]
    data = [_values(s) for s in series] or [[None]]
    legend_rows = 1 if len(names) > 1 else 0
    height = 240 + 14 * legend_rows
    drawing = _frame(title, height)
    chart = HorizontalLineChart()
    chart.x, chart.y = 45, 50 + 14 * legend_rows
    chart.width, chart.height = WIDTH - chart.x - 20, height - chart.y - 30
    chart.data = data
    chart.categoryAxis.categoryNames = labels
    if len(labels) > 8:
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
    _font_axes(chart)
    _value_scale(chart, data, value_max)
    chart.joinedLines = 1
    for i in range(len(data)):
        chart.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
        chart.lines[i].strokeWidth = 1.5
        chart.lines[i].symbol = makeMarker("FilledCircle", size=4)
        chart.lines[i].symbol.fillColor = PALETTE[i % len(PALETTE)]
    drawing.add(chart)
    _legend(drawing, names, PALETTE, 12)
    return to_svg(drawing, title)


def pareto_chart(title: str, labels: Sequence[str], counts: Sequence[int],
                 cumulative_pct: Sequence[float | None], names: Sequence[str]) -> str:
    """Bars of counts, largest first, with the cumulative share as a line on a 0-100 % axis
    at the right; ``names``: the legend's (bars, line)."""
    labels = [_short(label, 18) for label in labels] or [""]
    height = 280
    drawing = _frame(title, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 45, 90
    chart.width, chart.height = WIDTH - chart.x - 50, height - chart.y - 30
    chart.data = [[float(c) for c in counts] or [0.0]]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    _font_axes(chart)
    _value_scale(chart, chart.data, None)
    chart.bars[0].fillColor, chart.bars[0].strokeColor = PALETTE[0], None
    drawing.add(chart)
    line_colour = PALETTE[1]
    slot = chart.width / max(len(labels), 1)
    points = []
    for i, pct in enumerate(_values(cumulative_pct)):
        if pct is not None:
            x, y = chart.x + slot * (i + 0.5), chart.y + chart.height * pct / 100
            points += [x, y]
            drawing.add(Circle(x, y, 2.5, fillColor=line_colour, strokeColor=None))
    if len(points) >= 4:
        drawing.add(PolyLine(points, strokeColor=line_colour, strokeWidth=1.5))
    right = chart.x + chart.width
    drawing.add(Line(right, chart.y, right, chart.y + chart.height, strokeColor=RULE))
    for pct in (0, 25, 50, 75, 100):
        y = chart.y + chart.height * pct / 100
        drawing.add(Line(right, y, right + 4, y, strokeColor=RULE))
        drawing.add(String(right + 6, y - 3, f"{pct}%", fontName=fonts().name, fontSize=8,
                           fillColor=INK))
    _legend(drawing, names, [PALETTE[0], line_colour], 20)
    return to_svg(drawing, title)


def to_svg(drawing: Drawing, title: str = "") -> str:
    """The drawing as SVG text, titled (for screen readers) and with a CJK-capable font."""
    text = renderSVG.drawToString(drawing)
    text = text.replace(f"font-family: {fonts().name}", f"font-family: {FONT_FAMILIES}")
    safe = (title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return text.replace("<title>...</title>", f"<title>{safe}</title>", 1).replace(
        "<desc>...</desc>", "", 1)
