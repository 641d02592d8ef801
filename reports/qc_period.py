"""The QC period report: pass rates by category and supplier, the defect Pareto, sample-purchase
spend against budget, and every inspection completed in the period.

Also the QC sections the supplier audit report shares: the defect Pareto (table and chart) and
small formatters. The cover's report facts and the last page's verification are the inspection
report's (``reports.inspection``), so every report words them alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from reportlab.platypus import Flowable, PageBreak

from reports.blocks import (
    CHUNK_ROWS,
    bar_chart,
    data_table,
    heading,
    key_values,
    note,
    para,
    spacer,
)
from reports.inspection import report_facts, verification

#: Bars in a chart: the rest are in the tables.
CHART_BARS = 20


# --- shared with the supplier report ---------------------------------------------------------

def chart(drawing) -> list[Flowable]:
    """A chart and room below it (its value-axis labels hang under the drawing)."""
    return [drawing, spacer(5)]


def ranked_chart(title: str, labels: Sequence[str], values: Sequence[float],
                 value_max: float | None = None) -> list[Flowable]:
    """A horizontal bar chart whose bars read top-down in the order given (reportlab draws
    the first category at the bottom)."""
    return chart(bar_chart(title, list(reversed(labels)), list(reversed(values)),
                           value_max=value_max))


def percent(value) -> str:
    return "—" if value is None else f"{value:.1f} %"


def money(cents) -> str:
    return "—" if cents is None else f"{Decimal(cents) / 100:,.2f}"


def class_labels(t) -> dict:
    return {"critical": t("Critical defect"), "major": t("Major defect"),
            "minor": t("Minor defect")}


def pareto_section(t, pareto: dict) -> list[Flowable]:
    """The defect Pareto: groups of class and description, most nonconforming items first."""
    out: list[Flowable] = [heading(t("Defect Pareto"))]
    if not pareto["rows"]:
        return out + [note(t("No defects recorded."))]
    classes = class_labels(t)
    rows = [[classes.get(r["defect_class"], r["defect_class"]), r["description"],
             r["occurrences"], r["items"], percent(r["share"]), percent(r["cumulative"])]
            for r in pareto["rows"]]
    other = pareto.get("other")
    if other:
        rows.append(["", t("All other defects (%(groups)s kinds)", groups=other["groups"]),
                     other["occurrences"], other["items"], percent(other["share"]),
                     percent(100.0)])
    out += data_table([t("Class"), t("Defect"), t("Times logged"), t("Nonconforming items"),
                       t("Share"), t("Cumulative")], rows,
                      widths=[0.1, 0.44, 0.11, 0.13, 0.11, 0.11])
    out.append(note(t("%(items)s nonconforming items in all.", items=pareto["total_items"])))
    top = pareto["rows"][:CHART_BARS]
    out += ranked_chart(t("Nonconforming items by defect"),
                        [f"{classes.get(r['defect_class'], '')}: {r['description']}"
                         for r in top], [r["items"] for r in top])
    return out


# --- the QC period report --------------------------------------------------------------------

def _cover(data: dict, t, meta, manifest: dict) -> list[Flowable]:
    period, filters = data["period"], data["filters"]
    facts = [(t("Period"), t("%(start)s to %(end)s (both included)", start=period["from"],
                             end=period["to"]))]
    if "category" in filters:
        facts.append((t("Category"), filters["category"]))
    if "supplier" in filters:
        facts.append((t("Supplier"), filters["supplier"]))
    if "inspector" in filters:
        facts.append((t("Inspector"), filters["inspector"]))
    return [heading(t("QC period report"), 0), key_values(facts), spacer(1),
            *report_facts(t, meta, manifest)]


def _summary(data: dict, t) -> list[Flowable]:
    s = data["summary"]
    out = [heading(t("Summary"))]
    if not s["inspections"]:
        return out + [para(t("No inspections in this period."))]
    return out + [key_values([(t("Inspections completed"), s["inspections"]),
                              (t("Lots accepted"), s["accepted"]),
                              (t("Lots rejected"), s["rejected"]),
                              (t("Pass rate"), percent(s["pass_rate"]))])]


def _rates(title: str, chart_title: str, rows: list[dict], t, unnamed: str) -> list[Flowable]:
    table = [[r["name"] or unnamed, r["inspections"], r["accepted"], r["rejected"],
              percent(r["pass_rate"])] for r in rows]
    top = rows[:CHART_BARS]
    return [heading(title), *data_table(
        [t("Name"), t("Inspections"), t("Accepted"), t("Rejected"), t("Pass rate")], table,
        widths=[0.48, 0.13, 0.13, 0.13, 0.13]),
        *ranked_chart(chart_title, [r["name"] or unnamed for r in top],
                      [r["pass_rate"] or 0 for r in top], value_max=100)]


def _pass_rates(data: dict, t) -> list[Flowable]:
    return (_rates(t("Pass rates by category"), t("Pass rate by category (%)"),
                   data["by_category"], t, t("Uncategorised"))
            + _rates(t("Pass rates by supplier"), t("Pass rate by supplier (%)"),
                     data["by_supplier"], t, "—"))


def _spend(data: dict, t) -> list[Flowable]:
    spend = data["spend"]
    out = [heading(t("Sample-purchase spend against budget")),
           note(t("Whole calendar months the period touches, as the monthly budgets count"
                  " them; budgets are per category, so the supplier and inspector filters do"
                  " not apply here. Amounts in CNY."))]
    if not spend["rows"]:
        return out + [para(t("No sample purchases and no budgets in these months."))]
    rows = [[r["category"] or t("Uncategorised"), r["month"], r["purchases"],
             money(r["spent_cents"]), money(r["budget_cents"]), money(r["remaining_cents"]),
             t("Over budget") if r["over"] else ""] for r in spend["rows"]]
    over = [i for i, r in enumerate(spend["rows"]) if r["over"]]
    out += data_table([t("Category"), t("Month"), t("Purchases"), t("Spent"), t("Budget"),
                       t("Remaining"), t("Budget status")], rows,
                      widths=[0.3, 0.1, 0.1, 0.13, 0.13, 0.13, 0.11], highlight=over)
    out += chart(bar_chart(t("Sample-purchase spend per month (CNY)"), spend["months"],
                           [c / 100 for c in spend["monthly_totals"]], horizontal=False))
    return out


class LazyTable(Flowable):
    """One piece of a long table whose cells become paragraphs only when it is laid out, and
    are let go once it is drawn: a report of 20,000 rows then holds the rows as plain values,
    not 200,000 paragraphs at once (reportlab keeps the story until the end of the build)."""

    def __init__(self, headers: Sequence[str], rows: Sequence, widths: Sequence[float],
                 convert: Callable[[Sequence], list[list]]):
        super().__init__()
        self._source = (headers, rows, widths, convert)
        self._table: Flowable | None = None

    def _real(self) -> Flowable:
        if self._table is None:
            headers, rows, widths, convert = self._source
            self._table = data_table(headers, convert(rows), widths)[0]
        self._table.canv = getattr(self, "canv", None)
        return self._table

    def wrap(self, available_width, available_height):
        return self._real().wrap(available_width, available_height)

    def split(self, available_width, available_height):
        parts = self._real().split(available_width, available_height)
        if parts:  # the parts are laid out instead of this piece (which the story still holds)
            self._table = None
        return parts

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 - reportlab's name
        self._real().drawOn(canvas, x, y, _sW)
        self._table = None


def lazy_table(headers: Sequence[str], rows: Sequence, widths: Sequence[float],
               convert: Callable[[Sequence], list[list]]) -> list[Flowable]:
    """:func:`reports.blocks.data_table` for very long tables: pieces of ``CHUNK_ROWS`` rows
    whose cells ``convert`` makes from ``rows`` only when each piece is laid out."""
    return [LazyTable(headers, rows[start:start + CHUNK_ROWS], widths, convert)
            for start in range(0, len(rows), CHUNK_ROWS)]


def inspection_headers(t) -> list[str]:
    return [t("No."), t("Completed"), t("Product"), t("Supplier"), t("Category"),
            t("Inspector"), t("Kind"), t("Sample"), t("Found (cr/ma/mi)"), t("Verdict")]


#: Column widths of the inspection list (fractions of the content width).
INSPECTION_WIDTHS = [0.05, 0.09, 0.185, 0.16, 0.1, 0.12, 0.085, 0.06, 0.07, 0.08]


def inspection_cells(data: dict, t) -> Callable[[Sequence], list[list]]:
    """A function making the inspection list's cells from the compact tuples the service
    streamed (names looked up once per product and inspector)."""
    kinds = {"pre_listing": t("Pre-listing"), "routine": t("Routine"),
             "follow_up": t("Follow-up"), "complaint": t("Complaint-triggered")}
    verdicts = {"accepted": t("Accepted"), "rejected": t("Rejected")}
    products, inspectors = data["products"], data["inspectors"]

    def cells(rows: Sequence) -> list[list]:
        out = []
        for iid, day, pid, uid, kind, _severity, sample, found, verdict in rows:
            zh, en, _sku, supplier, category = products.get(str(pid)) or ("", "", "", "", "")
            out.append([iid, day, f"{zh} / {en}" if zh and en else zh or en, supplier,
                        category, inspectors.get(str(uid)), kinds.get(kind, kind), sample,
                        found, verdicts.get(verdict, verdict)])
        return out

    return cells


def inspection_table_rows(data: dict, t) -> list[list]:
    """All the inspection list's cells at once."""
    return inspection_cells(data, t)(data["inspections"])


def _inspections(data: dict, t) -> list[Flowable]:
    if not data["inspections"]:
        return []
    return [PageBreak(), heading(t("Inspections completed in the period")),
            *lazy_table(inspection_headers(t), data["inspections"], INSPECTION_WIDTHS,
                        inspection_cells(data, t))]


def story(data: dict, t, meta, manifest: dict) -> list[Flowable]:
    out = _cover(data, t, meta, manifest) + _summary(data, t)
    if data["summary"]["inspections"]:
        out += _pass_rates(data, t) + pareto_section(t, data["pareto"])
    out += _spend(data, t) + _inspections(data, t)
    return out + [spacer(6), *verification(t, meta, manifest)]
