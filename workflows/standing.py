"""Supplier standing: preferred, approved, probation or eliminated, from the supplier's record.

The service gathers one :class:`SupplierFigures` per supplier from its products (the last 12
months of QC, corrective actions and design rounds; the last ``metrics_months`` months of
customer metrics) and :func:`assess` turns it into an :class:`Assessment`: the standing and every
reason for it, each a sentence with the numbers, a machine ``code`` and those ``numbers``.

Figures (``SupplierFigures.as_dict()``, stored in ``Supplier.standing_figures``)::

    pass_rate                 = 100 * accepted / inspections        routine, pre-listing and
                                                                    follow-up inspections with a
                                                                    verdict, last 12 months
    defects_per_inspection    = nonconforming items found per inspection, by class
    capa_on_time_rate         = 100 * closed on time / due          requests opened in 12 months
                                                                    that are closed or past due;
                                                                    on time as in
                                                                    workflows.capa.closed_on_time
    capas_overdue             = requests with the supplier past their due date (any age)
    design_response_days_median = median days from a round's first feedback to the revision
    positive_rate             = 100 * positive_reviews / reviews    last ``metrics_months`` months
    return_rate               = 100 * returns / units_sold          last ``metrics_months`` months
    listed_products           = products on sale (listed or under watch)
    delisted_12m              = products delisted for quality_failure or customer_metrics

A rate with nothing under it is None ("no data"), and a rate is only judged once enough lies
under it (``min_inspections``, ``min_capas``, ``min_reviews``, ``min_units_sold``,
``min_design_rounds``): a few early results never decide a standing.

Rules, first match wins (defaults in :class:`StandingThresholds`):

1. **eliminated** when any of: pass rate below 50 % (with enough inspections); 3 or more
   corrective actions overdue; 3 or more products delisted for quality or customer reasons in 12
   months.
2. **probation** when any of: pass rate below 80 %; more than 0.2 critical nonconforming items per
   inspection; any corrective action overdue; on-time rate below 70 %; positive-review rate below
   70 %; return rate above 10 %; a product delisted for quality or customer reasons in 12 months;
   design revisions taking a median of more than 30 days.
3. **preferred** when all of: at least one product on sale; pass rate of at least 95 % over at
   least 5 inspections, with no critical nonconforming item found; on-time rate of at least 90 % (or no request due yet); positive-review rate
   of at least 85 % and return rate of at most 3 % with enough customer data; design revisions in
   a median of at most 7 days (when any were answered).
4. **approved** otherwise, saying which preferred conditions are not met. A supplier without
   enough data in any area (a new supplier) is approved, and its reason says so.

A selection manager may override the result with a reason (:func:`with_override`); the override
holds through every recompute until cleared, and the computed reasons stay listed under it.

"Below" and "above" are strict: a value exactly on a threshold does not trigger. Rates and
medians are rounded to 2 decimals first, so what is shown is what is judged. Pure Python.
"""

from __future__ import annotations

import math
import numbers
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

from workflows.capa import CLOSED, closed_on_time, is_overdue

PREFERRED, APPROVED, PROBATION, ELIMINATED = "preferred", "approved", "probation", "eliminated"
STANDINGS = (PREFERRED, APPROVED, PROBATION, ELIMINATED)
DEFECT_CLASSES = ("critical", "major", "minor")
#: Inspection kinds the pass rate counts (complaint-driven ones are not a fair sample).
PASS_RATE_KINDS = ("routine", "pre_listing", "follow_up")
#: Delisting reason codes that count against the supplier.
QUALITY_DELIST_REASONS = ("quality_failure", "customer_metrics")
PLACES = 2

#: Reason codes, by the standing they lead to.
ELIMINATION_CODES = ("pass_rate_very_low", "capas_overdue_many", "delisted_many")
PROBATION_CODES = ("pass_rate_low", "critical_defects", "capa_overdue", "capa_late",
                   "positive_rate_low", "return_rate_high", "delisted", "design_slow")
PREFERRED_CODES = ("preferred",)
APPROVED_CODES = ("insufficient_data", "approved", "not_preferred")
#: A manager's override: first among the reasons, before what the figures say.
OVERRIDE_CODE = "manual_override"
CODES = ELIMINATION_CODES + PROBATION_CODES + PREFERRED_CODES + APPROVED_CODES + (OVERRIDE_CODE,)


class StandingError(ValueError):
    """Bad thresholds; ``problems`` names each field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class StandingThresholds:
    """Where the standings start; rates are percentages (0-100), counts whole numbers."""

    # how much data a figure needs before it is judged
    min_inspections: int = 3
    min_capas: int = 2
    min_reviews: int = 50
    min_units_sold: int = 200
    min_design_rounds: int = 2
    metrics_months: int = 6
    # eliminated
    eliminate_pass_rate_below: float = 50.0
    eliminate_capas_overdue: int = 3
    eliminate_delisted_12m: int = 3
    # probation
    probation_pass_rate_below: float = 80.0
    probation_critical_per_inspection_above: float = 0.2
    probation_capas_overdue: int = 1
    probation_capa_on_time_below: float = 70.0
    probation_positive_rate_below: float = 70.0
    probation_return_rate_above: float = 10.0
    probation_delisted_12m: int = 1
    probation_design_days_above: float = 30.0
    # preferred
    preferred_min_inspections: int = 5
    preferred_pass_rate: float = 95.0
    preferred_capa_on_time: float = 90.0
    preferred_positive_rate: float = 85.0
    preferred_return_rate: float = 3.0
    preferred_design_days: float = 7.0
    preferred_critical_per_inspection: float = 0.0
    preferred_min_listed: int = 1

    def __post_init__(self) -> None:
        problems = []
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.type == "int":
                if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                    problems.append(f"{spec.name}: must be a whole number of at least 1,"
                                    f" got {value!r}")
            elif not (isinstance(value, numbers.Real) and not isinstance(value, bool)
                      and math.isfinite(value) and value >= 0):
                problems.append(f"{spec.name}: must be a number of at least 0, got {value!r}")
            elif "rate" in spec.name or "on_time" in spec.name:
                if value > 100:
                    problems.append(f"{spec.name}: must be a percentage from 0 to 100,"
                                    f" got {value!r}")
        if problems:
            raise StandingError(problems)


@dataclass(frozen=True, slots=True)
class SupplierFigures:
    """What the standing is judged on; counts as gathered, rates derived (see the module)."""

    inspections: int = 0
    inspections_passed: int = 0
    critical_defects: int = 0
    major_defects: int = 0
    minor_defects: int = 0
    capas_due: int = 0
    capas_closed_on_time: int = 0
    capas_overdue: int = 0
    design_rounds: int = 0
    design_rounds_answered: int = 0
    design_rounds_outstanding: int = 0
    #: Days from each answered round's feedback to the revision (the median is judged).
    design_response_days: tuple[float, ...] = ()
    reviews: int = 0
    positive_reviews: int = 0
    units_sold: int = 0
    returns: int = 0
    listed_products: int = 0
    delisted_12m: int = 0

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.inspections_passed, self.inspections)

    @property
    def capa_on_time_rate(self) -> float | None:
        return _rate(self.capas_closed_on_time, self.capas_due)

    @property
    def positive_rate(self) -> float | None:
        return _rate(self.positive_reviews, self.reviews)

    @property
    def return_rate(self) -> float | None:
        return _rate(self.returns, self.units_sold)

    @property
    def design_response_days_median(self) -> float | None:
        days = self.design_response_days
        return round(statistics.median(days), PLACES) if days else None

    def per_inspection(self, defect_class: str) -> float | None:
        if not self.inspections:
            return None
        return round(getattr(self, f"{defect_class}_defects") / self.inspections, PLACES)

    def as_dict(self) -> dict:
        """The ``standing_figures`` JSON: the agreed keys, plus the counts behind the rates."""
        per = {c: self.per_inspection(c) for c in DEFECT_CLASSES}
        per["total"] = (None if not self.inspections else round(
            (self.critical_defects + self.major_defects + self.minor_defects)
            / self.inspections, PLACES))
        return {
            "inspections": self.inspections,
            "inspections_passed": self.inspections_passed,
            "pass_rate": self.pass_rate,
            "defects_per_inspection": per,
            "defects": {c: getattr(self, f"{c}_defects") for c in DEFECT_CLASSES},
            "capas_due": self.capas_due,
            "capas_closed_on_time": self.capas_closed_on_time,
            "capa_on_time_rate": self.capa_on_time_rate,
            "capas_overdue": self.capas_overdue,
            "design_rounds": self.design_rounds,
            "design_rounds_answered": self.design_rounds_answered,
            "design_rounds_outstanding": self.design_rounds_outstanding,
            "design_response_days_median": self.design_response_days_median,
            "reviews": self.reviews,
            "positive_reviews": self.positive_reviews,
            "positive_rate": self.positive_rate,
            "units_sold": self.units_sold,
            "returns": self.returns,
            "return_rate": self.return_rate,
            "listed_products": self.listed_products,
            "delisted_12m": self.delisted_12m,
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a standing: a sentence with the numbers, its code, and the numbers."""

    code: str
    text: str
    numbers: dict

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Assessment:
    standing: str
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def reasons_as_dicts(self) -> list[dict]:
        return [r.as_dict() for r in self.reasons]


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, PLACES) if whole > 0 else None


def _num(value: float) -> str:
    """87.5, 90, 66.67: at most 2 decimals, trailing zeros dropped."""
    text = f"{value:.{PLACES}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _n(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"


# --- the areas, each judged only with enough data ------------------------------------------------

def _qc_judged(f: SupplierFigures, t: StandingThresholds) -> bool:
    return f.inspections >= t.min_inspections


def _capa_judged(f: SupplierFigures, t: StandingThresholds) -> bool:
    return f.capas_due >= t.min_capas


def _reviews_judged(f: SupplierFigures, t: StandingThresholds) -> bool:
    return f.reviews >= t.min_reviews


def _units_judged(f: SupplierFigures, t: StandingThresholds) -> bool:
    return f.units_sold >= t.min_units_sold


def _design_judged(f: SupplierFigures, t: StandingThresholds) -> bool:
    return f.design_rounds_answered >= t.min_design_rounds


def _pass_rate_text(f: SupplierFigures) -> str:
    return (f"inspection pass rate {_num(f.pass_rate)} % ({f.inspections_passed} of"
            f" {_n(f.inspections, 'inspection')} passed in 12 months)")


def _pass_numbers(f: SupplierFigures, threshold: float) -> dict:
    return {"pass_rate": f.pass_rate, "inspections": f.inspections,
            "inspections_passed": f.inspections_passed, "threshold": threshold}


def elimination_reasons(f: SupplierFigures, t: StandingThresholds) -> list[Reason]:
    found = []
    if _qc_judged(f, t) and f.pass_rate < t.eliminate_pass_rate_below:
        found.append(Reason("pass_rate_very_low", f"{_pass_rate_text(f)} is below"
                            f" {_num(t.eliminate_pass_rate_below)} %",
                            _pass_numbers(f, t.eliminate_pass_rate_below)))
    if f.capas_overdue >= t.eliminate_capas_overdue:
        found.append(Reason("capas_overdue_many",
                            f"{_n(f.capas_overdue, 'corrective action')} overdue:"
                            f" {t.eliminate_capas_overdue} or more eliminate",
                            {"capas_overdue": f.capas_overdue,
                             "threshold": t.eliminate_capas_overdue}))
    if f.delisted_12m >= t.eliminate_delisted_12m:
        found.append(Reason("delisted_many",
                            f"{_n(f.delisted_12m, 'product')} delisted for quality or customer"
                            f" reasons in 12 months: {t.eliminate_delisted_12m} or more eliminate",
                            {"delisted_12m": f.delisted_12m,
                             "threshold": t.eliminate_delisted_12m}))
    return found


def probation_reasons(f: SupplierFigures, t: StandingThresholds) -> list[Reason]:
    found = []
    if _qc_judged(f, t):
        if f.pass_rate < t.probation_pass_rate_below:
            found.append(Reason("pass_rate_low", f"{_pass_rate_text(f)} is below"
                                f" {_num(t.probation_pass_rate_below)} %",
                                _pass_numbers(f, t.probation_pass_rate_below)))
        critical = f.per_inspection("critical")
        if critical > t.probation_critical_per_inspection_above:
            found.append(Reason(
                "critical_defects",
                f"{_num(critical)} critical nonconforming items per inspection"
                f" ({f.critical_defects} in {_n(f.inspections, 'inspection')}) is above"
                f" {_num(t.probation_critical_per_inspection_above)}",
                {"critical_per_inspection": critical, "critical_defects": f.critical_defects,
                 "inspections": f.inspections,
                 "threshold": t.probation_critical_per_inspection_above}))
    if f.capas_overdue >= t.probation_capas_overdue:
        found.append(Reason("capa_overdue", f"{_n(f.capas_overdue, 'corrective action')}"
                            " past the due date and still with the supplier",
                            {"capas_overdue": f.capas_overdue,
                             "threshold": t.probation_capas_overdue}))
    if _capa_judged(f, t) and f.capa_on_time_rate < t.probation_capa_on_time_below:
        found.append(Reason("capa_late", f"{_num(f.capa_on_time_rate)} % of corrective actions"
                            f" closed on time ({f.capas_closed_on_time} of {f.capas_due} due) is"
                            f" below {_num(t.probation_capa_on_time_below)} %",
                            {"capa_on_time_rate": f.capa_on_time_rate, "capas_due": f.capas_due,
                             "capas_closed_on_time": f.capas_closed_on_time,
                             "threshold": t.probation_capa_on_time_below}))
    if _reviews_judged(f, t) and f.positive_rate < t.probation_positive_rate_below:
        found.append(Reason("positive_rate_low", _positive_text(f, t) + " is below"
                            f" {_num(t.probation_positive_rate_below)} %",
                            _positive_numbers(f, t, t.probation_positive_rate_below)))
    if _units_judged(f, t) and f.return_rate > t.probation_return_rate_above:
        found.append(Reason("return_rate_high", _return_text(f, t) + " is above"
                            f" {_num(t.probation_return_rate_above)} %",
                            _return_numbers(f, t, t.probation_return_rate_above)))
    if f.delisted_12m >= t.probation_delisted_12m:
        found.append(Reason("delisted", f"{_n(f.delisted_12m, 'product')} delisted for quality or"
                            " customer reasons in 12 months",
                            {"delisted_12m": f.delisted_12m,
                             "threshold": t.probation_delisted_12m}))
    if _design_judged(f, t) and f.design_response_days_median > t.probation_design_days_above:
        found.append(Reason("design_slow", _design_text(f) + " is above"
                            f" {_num(t.probation_design_days_above)} days",
                            _design_numbers(f, t.probation_design_days_above)))
    return found


def _positive_text(f: SupplierFigures, t: StandingThresholds) -> str:
    return (f"positive-review rate {_num(f.positive_rate)} % ({f.positive_reviews} of"
            f" {_n(f.reviews, 'review')} in {t.metrics_months} months)")


def _positive_numbers(f: SupplierFigures, t: StandingThresholds, threshold: float) -> dict:
    return {"positive_rate": f.positive_rate, "positive_reviews": f.positive_reviews,
            "reviews": f.reviews, "months": t.metrics_months, "threshold": threshold}


def _return_text(f: SupplierFigures, t: StandingThresholds) -> str:
    return (f"return rate {_num(f.return_rate)} % ({_n(f.returns, 'return')} of"
            f" {_n(f.units_sold, 'unit')} sold in {t.metrics_months} months)")


def _return_numbers(f: SupplierFigures, t: StandingThresholds, threshold: float) -> dict:
    return {"return_rate": f.return_rate, "returns": f.returns, "units_sold": f.units_sold,
            "months": t.metrics_months, "threshold": threshold}


def _design_text(f: SupplierFigures) -> str:
    return (f"median design revision time {_num(f.design_response_days_median)} days"
            f" ({f.design_rounds_answered} of {_n(f.design_rounds, 'round')} answered)")


def _design_numbers(f: SupplierFigures, threshold: float) -> dict:
    return {"design_response_days_median": f.design_response_days_median,
            "design_rounds": f.design_rounds,
            "design_rounds_answered": f.design_rounds_answered, "threshold": threshold}


def preferred_shortfalls(f: SupplierFigures, t: StandingThresholds) -> list[str]:
    """Each preferred condition the figures miss, as a phrase with the numbers."""
    missing = []
    if f.listed_products < t.preferred_min_listed:
        missing.append(f"{_n(f.listed_products, 'product')} on sale"
                       f" ({t.preferred_min_listed} needed)")
    if f.inspections < t.preferred_min_inspections:
        missing.append(f"{_n(f.inspections, 'inspection')} in 12 months"
                       f" ({t.preferred_min_inspections} needed)")
    elif f.pass_rate < t.preferred_pass_rate:
        missing.append(f"{_pass_rate_text(f)} is below {_num(t.preferred_pass_rate)} %")
    if f.inspections and f.per_inspection("critical") > t.preferred_critical_per_inspection:
        missing.append(f"{_num(f.per_inspection('critical'))} critical nonconforming items per"
                       f" inspection is above {_num(t.preferred_critical_per_inspection)}")
    if f.capas_due and f.capa_on_time_rate < t.preferred_capa_on_time:
        missing.append(f"{_num(f.capa_on_time_rate)} % of corrective actions closed on time"
                       f" is below {_num(t.preferred_capa_on_time)} %")
    if not _reviews_judged(f, t):
        missing.append(f"{_n(f.reviews, 'review')} in {t.metrics_months} months"
                       f" ({t.min_reviews} needed)")
    elif f.positive_rate < t.preferred_positive_rate:
        missing.append(f"{_positive_text(f, t)} is below {_num(t.preferred_positive_rate)} %")
    if not _units_judged(f, t):
        missing.append(f"{_n(f.units_sold, 'unit')} sold in {t.metrics_months} months"
                       f" ({t.min_units_sold} needed)")
    elif f.return_rate > t.preferred_return_rate:
        missing.append(f"{_return_text(f, t)} is above {_num(t.preferred_return_rate)} %")
    if f.design_response_days and f.design_response_days_median > t.preferred_design_days:
        missing.append(f"{_design_text(f)} is above {_num(t.preferred_design_days)} days")
    return missing


def has_enough_data(f: SupplierFigures, t: StandingThresholds) -> bool:
    """Whether any area has enough data to be judged (else: a new supplier)."""
    return any(judged(f, t) for judged in (_qc_judged, _capa_judged, _reviews_judged,
                                           _units_judged, _design_judged))


def _data_numbers(f: SupplierFigures, t: StandingThresholds) -> dict:
    return {"inspections": f.inspections, "min_inspections": t.min_inspections,
            "reviews": f.reviews, "min_reviews": t.min_reviews,
            "units_sold": f.units_sold, "min_units_sold": t.min_units_sold,
            "capas_due": f.capas_due, "min_capas": t.min_capas,
            "design_rounds_answered": f.design_rounds_answered,
            "min_design_rounds": t.min_design_rounds}


def assess(figures: SupplierFigures, thresholds: StandingThresholds | None = None) -> Assessment:
    """The standing the figures earn, with every reason (see the module docstring)."""
    t = thresholds or StandingThresholds()
    f = figures
    eliminated = elimination_reasons(f, t)
    if eliminated:
        return Assessment(ELIMINATED, tuple(eliminated))
    probation = probation_reasons(f, t)
    if probation:
        return Assessment(PROBATION, tuple(probation))
    if not has_enough_data(f, t):
        return Assessment(APPROVED, (Reason(
            "insufficient_data",
            f"not enough data yet ({_n(f.inspections, 'inspection')}, {t.min_inspections}"
            f" needed; {_n(f.reviews, 'review')}, {t.min_reviews} needed;"
            f" {_n(f.units_sold, 'unit')} sold, {t.min_units_sold} needed;"
            f" {f.capas_due} corrective actions due, {t.min_capas} needed;"
            f" {f.design_rounds_answered} design rounds answered, {t.min_design_rounds} needed):"
            " a new supplier is approved until its record says otherwise",
            _data_numbers(f, t)),))
    shortfalls = preferred_shortfalls(f, t)
    if not shortfalls:
        return Assessment(PREFERRED, (Reason(
            "preferred",
            f"meets every preferred condition: {_pass_rate_text(f)};"
            f" {_positive_text(f, t)}; {_return_text(f, t)}; no corrective action overdue;"
            f" {_n(f.listed_products, 'product')} on sale",
            {"pass_rate": f.pass_rate, "positive_rate": f.positive_rate,
             "return_rate": f.return_rate, "capa_on_time_rate": f.capa_on_time_rate,
             "design_response_days_median": f.design_response_days_median,
             "listed_products": f.listed_products}),))
    return Assessment(APPROVED, (
        Reason("approved", "no probation or elimination rule triggered",
               {"pass_rate": f.pass_rate, "capas_overdue": f.capas_overdue,
                "positive_rate": f.positive_rate, "return_rate": f.return_rate}),
        Reason("not_preferred", "not preferred: " + "; ".join(shortfalls),
               {"shortfalls": shortfalls}),
    ))


def with_override(assessment: Assessment, standing: str | None,
                  reason: str | None) -> Assessment:
    """``assessment`` under a manager's override (None: no override): the override's standing,
    its reason first, then every computed reason, so the figures stay visible."""
    if standing is None:
        return assessment
    if standing not in STANDINGS:
        raise StandingError([f"standing: one of {', '.join(STANDINGS)}, got {standing!r}"])
    said = (f"set to {standing} by a manager: {reason or 'no reason given'}"
            f" (the figures alone give {assessment.standing})")
    return Assessment(standing, (Reason(OVERRIDE_CODE, said, {
        "standing": standing, "computed": assessment.standing}), *assessment.reasons))


# --- helpers the service uses to reduce rows it read in one query each -------------------------

def capa_counts(rows: Iterable[tuple[str, date, date | None, bool]],
                today: date) -> tuple[int, int, int]:
    """(due, closed on time, overdue) over ``(status, due_on, first_submitted_on, recent)``
    rows; ``recent``: opened in the last 12 months (only those count towards the on-time rate).
    Timeliness and overdue follow workflows.capa."""
    due = on_time = overdue = 0
    for status, due_on, submitted_on, recent in rows:
        if is_overdue(status, due_on, today):
            overdue += 1
        if recent and (status == CLOSED or due_on < today):
            due += 1
            on_time += bool(closed_on_time(status, due_on, submitted_on))
    return due, on_time, overdue


def response_days(feedback_at: datetime, revised_at: datetime) -> float:
    """Days (to 2 decimals, never negative) from a round's feedback to its revision."""
    return max(0.0, round((revised_at - feedback_at).total_seconds() / 86400, PLACES))
