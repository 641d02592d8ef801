"""Server-side SVG charts: well-formed SVG carrying the labels given, Chinese included."""

import xml.etree.ElementTree as ET

import pytest

from app import charts

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def title(svg: str) -> str:
    return ET.fromstring(svg.encode()).find(f"{SVG}title").text


@pytest.mark.parametrize("horizontal", [True, False])
def test_bar_chart_has_title_labels_and_legend(horizontal):
    svg = charts.bar_chart("时间 & <days>", ["提议", "审核中", "sampling"],
                           [[3, None, 2], [5, 1, 4]], ["中位数", "p90"], horizontal=horizontal)
    labels = texts(svg)
    assert title(svg) == "时间 & <days>"
    assert {"时间 & <days>", "提议", "审核中", "sampling", "中位数", "p90"} <= set(labels)
    root = ET.fromstring(svg.encode())
    assert int(root.get("width")) == charts.WIDTH
    assert "font-family: 'WenQuanYi Micro Hei'" in svg


def test_bar_chart_shortens_long_labels_and_survives_no_data():
    svg = charts.bar_chart("t", ["x" * 60], [[1]])
    assert "x" * (charts.LABEL_CHARS - 1) + "…" in texts(svg)
    assert "t" in texts(charts.bar_chart("t", [], []))


def test_line_chart_with_gaps_and_text_values():
    svg = charts.line_chart("通过率", ["2026-01", "2026-02", "2026-03"],
                            [[50, None, 80], [10, "n/a", float("nan")]], ["电水壶", "台灯"],
                            value_max=100)
    labels = texts(svg)
    assert {"通过率", "2026-01", "2026-03", "电水壶", "台灯", "100"} <= set(labels)


def test_pareto_chart_draws_the_cumulative_axis():
    svg = charts.pareto_chart("Pareto", ["划痕 (major)", "dent", "other"], [5, 3, 1],
                              [55.6, 88.9, 100.0], ["Items", "Cumulative share"])
    labels = texts(svg)
    assert {"划痕 (major)", "dent", "other", "0%", "50%", "100%", "Items",
            "Cumulative share"} <= set(labels)
    assert "<polyline" in svg


def test_empty_chart_says_why():
    svg = charts.empty_chart("QC", "没有数据")
    assert texts(svg) == ["QC", "没有数据"]
