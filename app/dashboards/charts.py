"""The dashboards' charts: each turns a dashboard's figures into SVG with the UI locale's labels."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import charts
from app.i18n import current_language
from app.ui import DEFECT_CLASS_LABELS, STATE_LABELS
from workflows.dashboards import AGE_BUCKETS

AGE_BUCKET_LABELS = {"lt7": _l("under 7 days"), "7_14": _l("7–14 days"),
                     "14_30": _l("14–30 days"), "30_60": _l("30–60 days"),
                     "gt60": _l("over 60 days")}
STANDING_LABELS = {"preferred": _l("Preferred"), "approved": _l("Approved"),
                   "probation": _l("Probation"), "eliminated": _l("Eliminated")}
MAX_LINES = 6


def category_name(row: dict) -> str:
    """A category's name in the UI language (the Chinese name when there is one)."""
    if current_language() == "zh_CN" and row.get("name_zh"):
        return row["name_zh"]
    return row.get("name") or ""


def defect_label(row: dict) -> str:
    if row.get("description") is None:
        return _("Other defects")
    return f"{row['description']} ({DEFECT_CLASS_LABELS.get(row['defect_class'], row['defect_class'])})"


def _or_empty(title: str, has_data: bool, draw: Callable[[], str]) -> str:
    return draw() if has_data else charts.empty_chart(title, _("No data for these filters."))


def funnel(data: dict) -> str:
    title = _("Proposals reaching each stage")
    rows = data["funnel"]
    return _or_empty(title, any(r["count"] for r in rows), lambda: charts.bar_chart(
        title, [str(STATE_LABELS[r["stage"]]) for r in rows], [[r["count"] for r in rows]],
        horizontal=True))


def durations(data: dict) -> str:
    title = _("Days in each state: median and 90th percentile")
    rows = data["durations"]
    return _or_empty(title, any(r["stays"] for r in rows), lambda: charts.bar_chart(
        title, [str(STATE_LABELS[r["state"]]) for r in rows],
        [[r["median_days"] for r in rows], [r["p90_days"] for r in rows]],
        [_("Median"), _("90th percentile")], horizontal=True))


def pass_rate(data: dict) -> str:
    title = _("Inspection pass rate by month, per cent")
    rows = [r for r in data["pass_rate_by_category"] if r["inspections"]]
    rows = sorted(rows, key=lambda r: -r["inspections"])[:MAX_LINES]
    return _or_empty(title, bool(rows), lambda: charts.line_chart(
        title, data["months"], [[c["pass_rate"] for c in r["months"]] for r in rows],
        [category_name(r) for r in rows], value_max=100))


def pareto(data: dict) -> str:
    title = _("Defect Pareto: nonconforming items")
    rows = data["pareto"]
    return _or_empty(title, bool(rows), lambda: charts.pareto_chart(
        title, [defect_label(r) for r in rows], [r["count"] for r in rows],
        [r["cumulative_pct"] for r in rows], [_("Items"), _("Cumulative share")]))


def spend(data: dict) -> str:
    title = _("Sample-purchase spend against budget (CNY)")
    months = data["spend"]["months"]
    series = [[m["spent_cents"] / 100 for m in months]]
    names = [_("Spent")]
    if any(m["budget_cents"] is not None for m in months):
        series.append([(m["budget_cents"] or 0) / 100 for m in months])
        names.append(_("Budget"))
    return _or_empty(title, bool(months), lambda: charts.bar_chart(
        title, [m["month"] for m in months], series, names))


def caps(data: dict) -> str:
    title = _("Products in SKU slots against the cap")
    rows = data["caps"]
    return _or_empty(title, bool(rows), lambda: charts.bar_chart(
        title, [category_name(r) for r in rows],
        [[r["occupied"] for r in rows], [r["cap"] for r in rows]],
        [_("In slots"), _("SKU cap")], horizontal=True))


def capa_ages(data: dict) -> str:
    title = _("Corrective actions by age")
    buckets = data["capa_ages"]["buckets"]
    return _or_empty(title, bool(data["capa_ages"]["open"] or data["capa_ages"]["closed"]),
                     lambda: charts.bar_chart(
        title, [str(AGE_BUCKET_LABELS[key]) for key, _low, _high in AGE_BUCKETS],
        [[b["open"] for b in buckets], [b["closed"] for b in buckets]],
        [_("Open"), _("Closed")]))


def customer(data: dict) -> str:
    title = _("Catalogue positive-review and return rates by month, per cent")
    rows = data["customer"]
    return _or_empty(title, bool(rows), lambda: charts.line_chart(
        title, [r["month"] for r in rows],
        [[r["positive_rate"] for r in rows], [r["return_rate"] for r in rows]],
        [_("Positive reviews"), _("Returns")], value_max=100))


def leaderboard(data: dict) -> str:
    title = _("Inspection pass rate of the top-ranked suppliers, per cent")
    rows = data["suppliers"][:data["filters"]["top"]]
    return _or_empty(title, bool(rows), lambda: charts.bar_chart(
        title, [r["name"] for r in rows], [[r["figures"].get("pass_rate") for r in rows]],
        horizontal=True, value_max=100))


#: chart name -> (dashboard it draws from, drawing function)
CHARTS: dict[str, tuple[str, Callable[[dict], str]]] = {
    "funnel": ("pipeline", funnel), "durations": ("pipeline", durations),
    "pass-rate": ("qc", pass_rate), "pareto": ("qc", pareto), "spend": ("qc", spend),
    "caps": ("catalogue", caps), "capa-ages": ("catalogue", capa_ages),
    "customer": ("catalogue", customer), "leaderboard": ("suppliers", leaderboard),
}
