"""Elimination rules: which listed products to propose for watch or for a decision, and why.

A manager sets thresholds per category (:class:`EliminationThresholds`; every rule is optional).
The sweep hands each listed product's customer figures and QC record (:class:`ProductFigures`) to
:func:`evaluate_catalogue`. Each rule is a small pure function returning a :class:`Finding`:
whether it triggered, one sentence with the numbers, and those numbers. A product that triggers
at least one rule becomes a :class:`Candidate` carrying its category's action, ``under_watch`` or
``decision_list``. Nothing here delists: a manager confirms ``delist`` with a reason code.

Rate rules look at a window of the last N periods (``window_periods``): the N consecutive months
or ISO weeks ending with the product's latest period, gaps included (a missing period counts as
nothing sold; the caller decides which periods to pass). Rates come from sums over the window,
never from a mean of per-period rates, so a quiet month weighs only what it sold::

    positive-review rate = 100 * sum(positive_reviews) / sum(reviews)   triggers when below X %
    return rate          = 100 * sum(returns) / sum(units_sold)          triggers when above Y %
    complaint rate       = 1000 * sum(complaints) / sum(orders)          triggers when above Z
    failed inspections   = failed routine inspections in 12 months       triggers at K or more
    overdue corrective actions (when the category flags them)            triggers at 1 or more

A window with no reviews (units, orders) gives a finding that does not trigger and says so.
Rates are rounded to 4 decimals before comparing, so float noise cannot tip a value sitting
exactly on a threshold, and exactly on the threshold never counts as below or above.

The composite performance score and the bottom P % ranking live in
:mod:`workflows.performance` (re-exported here); :mod:`workflows.elimination_frame` evaluates the
same rules over the whole catalogue at once, with numpy arrays, and gives the same candidates.

Speed: one pass over the products (window sums, per-product rules), then one pass per category
(part means, one sort of that category only when it is at its cap). Figures are trusted: the
metrics import validates counts before they get here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from workflows.lifecycle import State
from workflows.performance import (  # noqa: F401  (re-exported: the score's public names)
    COMPLAINTS_SCALE,
    FAILED_INSPECTIONS_SCALE,
    FORMULA,
    NEUTRAL_PART,
    PLACES,
    RETURN_RATE_SCALE,
    WEIGHTS,
    Parts,
    PerformanceScore,
    ScorePart,
    bottom_count,
    bottom_percent,
    part_means,
    performance_score,
    rank_by_score,
    score_parts,
    score_value,
)
from workflows.performance import format_number as _num
from workflows.periods import Period, PeriodError, parse_period, series, span_label

POSITIVE_RATE, RETURN_RATE, COMPLAINTS = "positive_rate", "return_rate", "complaints"
FAILED_INSPECTIONS, OVERDUE_CAPA, BOTTOM_PERCENT = (
    "failed_inspections", "overdue_capa", "bottom_percent")
RULES = (POSITIVE_RATE, RETURN_RATE, COMPLAINTS, FAILED_INSPECTIONS, OVERDUE_CAPA, BOTTOM_PERCENT)

UNDER_WATCH, DECISION_LIST = "under_watch", "decision_list"
ACTIONS = (UNDER_WATCH, DECISION_LIST)
#: Products the sweep looks at; suspended ones are already off sale and handled by QC.
EVALUATED_STATES = frozenset({State.LISTED.value, State.UNDER_WATCH.value})



class EliminationError(ValueError):
    """Bad thresholds or catalogue input; ``problems`` lists each one, the message joins them."""

    def __init__(self, problems: str | Sequence[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


def _is_real(value: object) -> bool:
    # Decimal is what Numeric columns hand back; bool is refused (a checkbox is not a threshold).
    return (isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool)
            and math.isfinite(value))


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class EliminationThresholds:
    """One category's rules; None (or False for the overdue flag) turns a rule off.

    ``max_failed_inspections_12m`` is K of "K or more failed routine inspections in 12 months":
    reaching it triggers. ``bottom_percent`` only applies while the category is at its SKU cap.
    """

    window_periods: int = 3
    min_positive_rate: float | None = None
    max_return_rate: float | None = None
    max_complaints_per_1000_orders: float | None = None
    max_failed_inspections_12m: int | None = None
    flag_overdue_capa: bool = False
    bottom_percent: float | None = None
    action: str = UNDER_WATCH

    def __post_init__(self) -> None:
        found = []
        if not (_is_int(self.window_periods) and self.window_periods >= 1):
            found.append("window_periods: must be a whole number of at least 1,"
                         f" got {self.window_periods!r}")
        for name in ("min_positive_rate", "max_return_rate", "bottom_percent"):
            value = getattr(self, name)
            if value is None:
                continue
            if _is_real(value) and 0 <= value <= 100:
                object.__setattr__(self, name, float(value))
            else:
                found.append(f"{name}: must be a percentage from 0 to 100, or None to turn the"
                             f" rule off, got {value!r}")
        value = self.max_complaints_per_1000_orders
        if value is not None:
            if _is_real(value) and value >= 0:
                object.__setattr__(self, "max_complaints_per_1000_orders", float(value))
            else:
                found.append("max_complaints_per_1000_orders: must be a number of at least 0, or"
                             f" None to turn the rule off, got {value!r}")
        value = self.max_failed_inspections_12m
        if value is not None and not (_is_int(value) and value >= 1):
            found.append("max_failed_inspections_12m: must be a whole number of at least 1 (K or"
                         f" more failed inspections trigger), or None, got {value!r}")
        if not isinstance(self.flag_overdue_capa, bool):
            found.append(f"flag_overdue_capa: must be True or False, got {self.flag_overdue_capa!r}")
        if self.action not in ACTIONS:
            found.append(f"action: must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        if found:
            raise EliminationError(found)


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """One product's customer figures for one period (``2026-10`` or ``2026-W43``)."""

    period: str
    units_sold: int = 0
    orders: int = 0
    reviews: int = 0
    positive_reviews: int = 0
    returns: int = 0
    complaints: int = 0
    avg_rating: float | None = None


@dataclass(frozen=True, slots=True)
class ProductFigures:
    """What the sweep knows about one product; the service builds it from the database."""

    product_id: int
    category_id: int
    state: str
    periods: tuple[PeriodFigures, ...] = ()
    failed_inspections_12m: int = 0
    overdue_capas: int = 0
    category_at_cap: bool = False


@dataclass(frozen=True, slots=True)
class WindowTotals:
    """Sums of a product's figures over its window of ``periods`` periods (``label`` spans it;
    empty when the product has no figures at all)."""

    periods: int
    label: str = ""
    periods_with_figures: int = 0
    units_sold: int = 0
    orders: int = 0
    reviews: int = 0
    positive_reviews: int = 0
    returns: int = 0
    complaints: int = 0


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on one product: ``explanation`` is the sentence a manager reads,
    ``numbers`` the figures it used (JSON-friendly)."""

    rule: str
    triggered: bool
    explanation: str
    numbers: dict


@dataclass(frozen=True, slots=True)
class Candidate:
    """A product the sweep proposes: every rule it triggered, and its performance score."""

    product_id: int
    category_id: int
    action: str
    findings: tuple[Finding, ...]
    score: PerformanceScore

    @property
    def explanations(self) -> tuple[str, ...]:
        return tuple(f.explanation for f in self.findings)


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- windows ---------------------------------------------------------------------------------

def window_totals(figures: Sequence[PeriodFigures], n: int,
                  product_id: object = None) -> WindowTotals:
    """Sums over the ``n`` consecutive periods ending with the latest period in ``figures``.

    PeriodError when a period is unreadable, months and weeks are mixed, or one repeats (named
    with ``product_id`` when given).
    """
    if not figures:
        return WindowTotals(n)
    try:
        periods = [parse_period(item.period) for item in figures]
    except PeriodError as error:
        who = "" if product_id is None else f"product {product_id}: "
        raise PeriodError(f"{who}{error}", error.value) from None
    latest = periods[0]
    for period in periods:
        if period.start > latest.start:
            latest = period
    if len({period.start for period in periods}) != len(periods) or any(
            period.kind != latest.kind for period in periods):
        _series_problem(periods, product_id)
    since, label = _window_span(latest, n)
    count = units = orders = reviews = positive = returns = complaints = 0
    for period, item in zip(periods, figures, strict=True):
        if period.start >= since:
            count += 1
            units += item.units_sold
            orders += item.orders
            reviews += item.reviews
            positive += item.positive_reviews
            returns += item.returns
            complaints += item.complaints
    return WindowTotals(n, label, count, units, orders, reviews, positive,
                        returns, complaints)


@lru_cache(maxsize=4096)
def _window_span(latest: Period, n: int) -> tuple[date, str]:
    """(first day, label) of the ``n`` periods ending with ``latest``: the same few windows
    recur across a whole catalogue."""
    earliest = latest.shift(1 - n)
    return earliest.start, span_label(earliest, latest)


def _series_problem(periods: list[Period], product_id: object) -> None:
    """Raise PeriodError for months mixed with weeks or a period given twice."""
    who = "" if product_id is None else f"product {product_id}: "
    try:
        series(periods)
    except PeriodError as error:
        raise PeriodError(f"{who}{error}", error.value) from None


def _over(totals: WindowTotals) -> str:
    return "the last period" if totals.periods == 1 else f"the last {totals.periods} periods"


# --- rules -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _RateRule:
    """How one window-rate rule reads its figures and words its sentence."""

    rule: str
    name: str  # "positive-review rate"
    part: str  # WindowTotals field counted...
    whole: str  # ...per this one
    scale: int  # 100 for a percentage, 1000 for "per 1,000"
    below: bool  # triggers below the threshold (else above)
    unit: str  # " %"
    missing: str  # "reviews": what an empty window lacks
    detail: Callable[[int, int], str]  # (part, whole) -> "350 of 400 reviews"


_POSITIVE = _RateRule(POSITIVE_RATE, "positive-review rate", "positive_reviews", "reviews", 100,
                      True, " %", "reviews", lambda p, w: f"{p} of {_counted(w, 'review')}")
_RETURNS = _RateRule(RETURN_RATE, "return rate", "returns", "units_sold", 100, False, " %",
                     "units sold", lambda p, w: f"{_counted(p, 'return')} of {w} units sold")
_COMPLAINTS = _RateRule(COMPLAINTS, "complaint rate", "complaints", "orders", 1000, False,
                        " per 1,000 orders", "orders",
                        lambda p, w: f"{_counted(p, 'complaint')} in {_counted(w, 'order')}")


def _rate_finding(spec: _RateRule, totals: WindowTotals, threshold: float | None,
                  triggered_only: bool) -> Finding | None:
    if threshold is None:
        return None
    part, whole = getattr(totals, spec.part), getattr(totals, spec.whole)
    rate = round(spec.scale * part / whole, PLACES) if whole > 0 else None
    triggered = rate is not None and (rate < threshold if spec.below else rate > threshold)
    if triggered_only and not triggered:
        return None  # the sweep only keeps what triggered: skip wording the rest
    numbers = {"rate": rate, "threshold": threshold, spec.part: part, spec.whole: whole,
               "window": totals.label, "periods": totals.periods}
    if rate is None:
        return Finding(spec.rule, False, f"no {spec.missing} in the window ({_over(totals)}:"
                       f" {totals.label or 'no figures on file'}); the {spec.name} rule does"
                       " not apply", numbers)
    relation = ("" if triggered else "not ") + ("below" if spec.below else "above")
    return Finding(spec.rule, triggered,
                   f"{spec.name} {_num(rate)}{spec.unit} over {_over(totals)} ({totals.label}:"
                   f" {spec.detail(part, whole)}) is {relation} {_num(threshold)}{spec.unit}",
                   numbers)


def positive_rate_finding(totals: WindowTotals, min_rate: float | None,
                          triggered_only: bool = False) -> Finding | None:
    """Positive-review rate below ``min_rate`` % over the window (None: rule off).

    Like every rule here: None when the rule is off, or when ``triggered_only`` and it did not
    trigger.
    """
    return _rate_finding(_POSITIVE, totals, min_rate, triggered_only)


def return_rate_finding(totals: WindowTotals, max_rate: float | None,
                        triggered_only: bool = False) -> Finding | None:
    """Returns per 100 units sold above ``max_rate`` over the window (None: rule off)."""
    return _rate_finding(_RETURNS, totals, max_rate, triggered_only)


def complaints_finding(totals: WindowTotals, max_per_1000: float | None,
                       triggered_only: bool = False) -> Finding | None:
    """Complaints per 1,000 orders above ``max_per_1000`` over the window (None: rule off)."""
    return _rate_finding(_COMPLAINTS, totals, max_per_1000, triggered_only)


def failed_inspections_finding(failed: int, limit: int | None,
                               triggered_only: bool = False) -> Finding | None:
    """``limit`` (K) or more failed routine inspections in 12 months (None: rule off)."""
    if limit is None:
        return None
    triggered = failed >= limit
    if triggered_only and not triggered:
        return None
    said = _counted(failed, "failed routine inspection") + " in the last 12 months"
    said += (f": {limit} or more trigger the rule" if triggered
             else f", fewer than the {limit} that trigger the rule")
    return Finding(FAILED_INSPECTIONS, triggered, said, {"failed": failed, "threshold": limit})


def overdue_capa_finding(overdue: int, flag: bool,
                         triggered_only: bool = False) -> Finding | None:
    """Any corrective action past its due date, when the category flags them (False: off)."""
    if not flag or (triggered_only and overdue <= 0):
        return None
    if overdue <= 0:
        said = "no corrective action is overdue"
    else:
        said = "1 corrective action is overdue" if overdue == 1 else \
            f"{overdue} corrective actions are overdue"
    return Finding(OVERDUE_CAPA, overdue > 0, said, {"overdue": overdue})


def product_findings(product: ProductFigures, thresholds: EliminationThresholds,
                     totals: WindowTotals | None = None,
                     triggered_only: bool = False) -> list[Finding]:
    """Every per-product rule that is on, triggered or not unless ``triggered_only`` (the
    bottom P % needs the whole category: see :func:`evaluate_catalogue`)."""
    if totals is None:
        totals = window_totals(product.periods, thresholds.window_periods, product.product_id)
    only = triggered_only
    found = (
        positive_rate_finding(totals, thresholds.min_positive_rate, only),
        return_rate_finding(totals, thresholds.max_return_rate, only),
        complaints_finding(totals, thresholds.max_complaints_per_1000_orders, only),
        failed_inspections_finding(product.failed_inspections_12m,
                                   thresholds.max_failed_inspections_12m, only),
        overdue_capa_finding(product.overdue_capas, thresholds.flag_overdue_capa, only),
    )
    return [finding for finding in found if finding is not None]


# --- the bottom P % of a category at its cap ---------------------------------------------

def bottom_percent_finding(score: PerformanceScore, rank: int, ranked: int, percent: float,
                           tied_with: object = None) -> Finding:
    """Whether rank ``rank`` (1 = lowest) of ``ranked`` products falls in the bottom
    ``percent`` % of a category at its SKU cap; ``tied_with`` names the first product left out
    with the same score, when the cut-off split a tie."""
    picked = bottom_count(ranked, percent)
    triggered = rank <= picked
    said = (f"performance score {_num(score.value)} ranks {_ordinal(rank)} from the bottom of"
            f" {ranked} products in a category at its SKU cap, "
            + ("within" if triggered else "outside")
            + f" the bottom {_num(percent)} % ({_counted(picked, 'product')})")
    if tied_with is not None:
        said += f"; tied with product {tied_with} at the cut-off, the lower product id goes first"
    said += f"; score = {score.formula()}"
    return Finding(BOTTOM_PERCENT, triggered, said,
                   {"score": score.value, "rank": rank, "ranked": ranked, "percent": percent,
                    "picked": picked, "tied_with": tied_with, "parts": score.as_dict()["parts"]})


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- the sweep -------------------------------------------------------------------------------

@dataclass(slots=True)
class _Row:
    product: ProductFigures
    findings: list[Finding]
    parts: Parts


def evaluate_catalogue(products: Iterable[ProductFigures],
                       thresholds_by_category: Mapping[Hashable, EliminationThresholds],
                       ) -> list[Candidate]:
    """Candidates among ``products``, in input order, each with every rule it triggered.

    Only products in EVALUATED_STATES of a category that has thresholds are looked at. The
    bottom P % rule ranks a category's evaluated products when any of them reports the category
    at its cap. Raises EliminationError on a repeated product, PeriodError on bad periods.
    """
    rows: list[_Row] = []
    by_category: dict[Hashable, list[_Row]] = {}
    seen: set = set()
    for product in products:
        thresholds = thresholds_by_category.get(product.category_id)
        if thresholds is None or product.state not in EVALUATED_STATES:
            continue
        if product.product_id in seen:
            raise EliminationError(f"product {product.product_id}: appears more than once")
        seen.add(product.product_id)
        totals = window_totals(product.periods, thresholds.window_periods, product.product_id)
        findings = product_findings(product, thresholds, totals, triggered_only=True)
        row = _Row(product, findings, score_parts(totals, product.failed_inspections_12m))
        rows.append(row)
        by_category.setdefault(product.category_id, []).append(row)

    means_by_category = {}
    for category_id, members in by_category.items():
        means = means_by_category[category_id] = part_means(row.parts for row in members)
        thresholds = thresholds_by_category[category_id]
        if thresholds.bottom_percent and any(row.product.category_at_cap for row in members):
            _flag_bottom(members, means, thresholds.bottom_percent)

    return [Candidate(row.product.product_id, row.product.category_id,
                      thresholds_by_category[row.product.category_id].action,
                      tuple(row.findings),
                      performance_score(row.parts, means_by_category[row.product.category_id]))
            for row in rows if row.findings]


def _flag_bottom(members: list[_Row], means: Sequence[float], percent: float) -> None:
    """Append a bottom-P % finding to each of the category's weakest rows."""
    by_id = {row.product.product_id: row for row in members}
    ranked = rank_by_score((product_id, score_value(row.parts, means))
                           for product_id, row in by_id.items())
    picked = bottom_count(len(ranked), percent)
    first_out = ranked[picked] if picked < len(ranked) else None
    for rank, (product_id, score) in enumerate(ranked[:picked], start=1):
        row = by_id[product_id]
        tied_with = first_out[0] if first_out is not None and first_out[1] == score else None
        row.findings.append(bottom_percent_finding(performance_score(row.parts, means), rank,
                                                   len(ranked), percent, tied_with))
