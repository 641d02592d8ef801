"""The elimination rules over the whole catalogue at once, as numpy column arrays.

:func:`evaluate_columns` gives exactly the candidates :func:`workflows.elimination.
evaluate_catalogue` gives for the same figures (same findings, explanations, scores and bottom
P % selection), but computes window sums, rates, rule masks, part means and category rankings
with array operations (bincount, lexsort, boolean masks) instead of a Python pass per product.
Only the few distinct periods and windows are handled one by one in Python, and the products
that triggered something, to word their findings with the same functions the per-product rules
use.

Inputs are plain column arrays (the service reads them from the database; pandas is not needed
and not allowed in ``workflows/``):

- products: ``product_id``, ``category_id``, ``state``, ``failed_inspections_12m``,
  ``overdue_capas``, ``category_at_cap`` (one row per product);
- metrics: ``product_id``, ``period`` (``2026-10`` / ``2026-W43``) and the counts ``units_sold``,
  ``orders``, ``reviews``, ``positive_reviews``, ``returns``, ``complaints`` (one row per product
  and period; rows of products not evaluated are ignored).

Rounding to 4 decimals follows Python's ``round`` exactly: numpy's faster rounding may differ
when a value sits within a hair of a half, so those few values are rounded again by Python.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from workflows.elimination import (
    EVALUATED_STATES,
    Candidate,
    EliminationError,
    EliminationThresholds,
    ProductFigures,
    WindowTotals,
    _series_problem,
    _window_span,
    bottom_percent_finding,
    product_findings,
)
from workflows.performance import (
    COMPLAINTS_SCALE,
    FAILED_INSPECTIONS_SCALE,
    NEUTRAL_PART,
    PLACES,
    RETURN_RATE_SCALE,
    SCALE,
    WEIGHTS,
    bottom_count,
    performance_score,
)
from workflows.periods import PeriodError, parse_period

PRODUCT_COLUMNS = ("product_id", "category_id", "state", "failed_inspections_12m",
                   "overdue_capas", "category_at_cap")
COUNT_COLUMNS = ("units_sold", "orders", "reviews", "positive_reviews", "returns", "complaints")
METRIC_COLUMNS = ("product_id", "period", *COUNT_COLUMNS)


def round4(values: np.ndarray) -> np.ndarray:
    """``round(x, 4)`` of every element, as Python rounds (NaN stays NaN)."""
    values = np.asarray(values, dtype=np.float64)
    scaled = values * SCALE
    rounded = np.round(scaled) / SCALE
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for index in np.flatnonzero(near_half):
        rounded[index] = round(float(values[index]), PLACES)
    return rounded


def columns_from_figures(products: Iterable[ProductFigures]) -> tuple[dict, dict]:
    """(products, metrics) column arrays of ProductFigures: for tests and small callers."""
    products = list(products)
    product_columns = {
        "product_id": np.array([p.product_id for p in products], dtype=np.int64),
        "category_id": np.array([p.category_id for p in products], dtype=np.int64),
        "state": np.array([p.state for p in products], dtype=object),
        "failed_inspections_12m": np.array([p.failed_inspections_12m for p in products],
                                           dtype=np.int64),
        "overdue_capas": np.array([p.overdue_capas for p in products], dtype=np.int64),
        "category_at_cap": np.array([p.category_at_cap for p in products], dtype=bool),
    }
    rows = [(p.product_id, f) for p in products for f in p.periods]
    metric_columns = {"product_id": np.array([pid for pid, _f in rows], dtype=np.int64),
                      "period": np.array([f.period for _pid, f in rows], dtype=object)}
    for name in COUNT_COLUMNS:
        metric_columns[name] = np.array([getattr(f, name) for _pid, f in rows], dtype=np.int64)
    return product_columns, metric_columns


@dataclass(frozen=True, slots=True)
class CatalogueResult:
    """Candidates (in product order) and how many products the rules looked at."""

    candidates: list[Candidate]
    evaluated: int


def evaluate_columns(products: Mapping[str, np.ndarray], metrics: Mapping[str, np.ndarray],
                     thresholds_by_category: Mapping[Hashable, EliminationThresholds],
                     ) -> CatalogueResult:
    """The catalogue's candidates, as :func:`workflows.elimination.evaluate_catalogue` finds
    them. Raises EliminationError on a repeated product, PeriodError on bad periods."""
    p = _evaluated_products(products, thresholds_by_category)
    size = len(p["product_id"])
    if size == 0:
        return CatalogueResult([], 0)
    rules = _threshold_columns(p["category_id"], thresholds_by_category)
    totals = _window_sums(p, metrics, rules["window_periods"])
    triggered = _rule_masks(p, totals, rules)
    parts = _parts(totals, p["failed_inspections_12m"])
    categories, category_index = np.unique(p["category_id"], return_inverse=True)
    means = _part_means(parts, category_index, len(categories))
    scores = _scores(parts, means[category_index])
    bottom = _bottom(p, scores, category_index, categories, thresholds_by_category)
    chosen = np.flatnonzero(triggered | (bottom["rank"] > 0))
    candidates = [_candidate(int(i), p, totals, parts, means[category_index[i]], rules, bottom,
                             thresholds_by_category) for i in chosen]
    return CatalogueResult(candidates, size)


# --- steps -------------------------------------------------------------------------------------

def _evaluated_products(products: Mapping[str, np.ndarray],
                        thresholds_by_category: Mapping) -> dict[str, np.ndarray]:
    state = np.asarray(products["state"], dtype=object)
    category = np.asarray(products["category_id"])
    keep = (np.isin(state, list(EVALUATED_STATES))
            & np.isin(category, np.array(list(thresholds_by_category), dtype=category.dtype)))
    picked = {name: np.asarray(products[name])[keep] for name in PRODUCT_COLUMNS}
    ids = picked["product_id"]
    unique, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        # The one evaluate_catalogue names: the first id seen a second time, in input order.
        seen_again = np.ones(len(ids), dtype=bool)
        seen_again[first] = False
        raise EliminationError(f"product {int(ids[np.flatnonzero(seen_again)[0]])}:"
                               " appears more than once")
    return picked


def _threshold_columns(category_ids: np.ndarray, thresholds_by_category: Mapping) -> dict:
    """Each threshold as one value per product (NaN where the rule is off)."""
    keys = list(thresholds_by_category)
    order = np.array(keys, dtype=category_ids.dtype)
    sorter = np.argsort(order)
    position = sorter[np.searchsorted(order, category_ids, sorter=sorter)]

    def column(name, off=np.nan, dtype=np.float64):
        values = [getattr(thresholds_by_category[k], name) for k in keys]
        return np.array([off if v is None else v for v in values], dtype=dtype)[position]

    return {
        "window_periods": column("window_periods", dtype=np.int64),
        "min_positive_rate": column("min_positive_rate"),
        "max_return_rate": column("max_return_rate"),
        "max_complaints_per_1000_orders": column("max_complaints_per_1000_orders"),
        "max_failed_inspections_12m": column("max_failed_inspections_12m"),
        "flag_overdue_capa": column("flag_overdue_capa", False, bool),
    }


def _window_sums(p: dict, metrics: Mapping[str, np.ndarray], window_periods: np.ndarray) -> dict:
    """Sums of each product's figures over its window, the window's label and row count."""
    size = len(p["product_id"])
    ids = p["product_id"]
    sorter = np.argsort(ids, kind="stable")
    metric_ids = np.asarray(metrics["product_id"], dtype=ids.dtype)
    at = np.searchsorted(ids, metric_ids, sorter=sorter).clip(max=size - 1)
    known = ids[sorter[at]] == metric_ids if size else np.zeros(len(metric_ids), bool)
    row_product = sorter[at[known]]
    periods = np.asarray(metrics["period"])[known]
    totals = {"labels": np.full(size, "", dtype=object),
              "count": np.zeros(size, dtype=np.int64)}
    for name in COUNT_COLUMNS:
        totals[name] = np.zeros(size, dtype=np.int64)
    if len(row_product) == 0:
        return totals
    text, inverse = np.unique(periods.astype(str), return_inverse=True)
    parsed = _parse_all(text, inverse, ids[row_product])
    start = np.array([period.start.toordinal() for period in parsed], dtype=np.int64)[inverse]
    kind = np.array([period.kind == "week" for period in parsed], dtype=np.int8)[inverse]
    _check_series(row_product, start, kind, inverse, parsed, ids)

    order = np.lexsort((start, row_product))  # by product, then chronologically
    last_rows = order[np.r_[row_product[order][1:] != row_product[order][:-1], True]]
    latest = np.full(size, -1, dtype=np.int64)  # index into ``parsed`` of each latest period
    latest[row_product[last_rows]] = inverse[last_rows]
    since = np.zeros(size, dtype=np.int64)
    has = latest >= 0
    pairs, pair_index = np.unique(np.stack([latest[has], window_periods[has]]), axis=1,
                                  return_inverse=True)
    spans = [_window_span(parsed[int(period)], int(n)) for period, n in pairs.T]
    since[has] = np.array([first.toordinal() for first, _label in spans])[pair_index.ravel()]
    totals["labels"][has] = np.array([label for _first, label in spans],
                                     dtype=object)[pair_index.ravel()]
    inside = start >= since[row_product]
    owner = row_product[inside]
    totals["count"] = np.bincount(owner, minlength=size).astype(np.int64)
    for name in COUNT_COLUMNS:
        values = np.asarray(metrics[name], dtype=np.int64)[known][inside]
        totals[name] = np.bincount(owner, weights=values, minlength=size).astype(np.int64)
    return totals


def _parse_all(text: np.ndarray, inverse: np.ndarray, row_ids: np.ndarray) -> list:
    parsed = []
    for index, value in enumerate(text):
        try:
            parsed.append(parse_period(str(value)))
        except PeriodError as error:
            who = int(row_ids[np.flatnonzero(inverse == index)[0]])
            raise PeriodError(f"product {who}: {error}", error.value) from None
    return parsed


def _check_series(row_product, start, kind, inverse, parsed, ids) -> None:
    """PeriodError for a product mixing months and weeks or giving a period twice."""
    order = np.lexsort((start, row_product))
    same = row_product[order][1:] == row_product[order][:-1]
    repeated = same & (start[order][1:] == start[order][:-1])
    mixed = same & (kind[order][1:] != kind[order][:-1])
    bad = repeated | mixed
    if bad.any():
        product = row_product[order][1:][bad][0]
        rows = np.flatnonzero(row_product == product)
        _series_problem([parsed[i] for i in inverse[rows]], int(ids[product]))


def _rate(part: np.ndarray, whole: np.ndarray, scale: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, round4((scale * part) / whole), np.nan)


def _rule_masks(p: dict, totals: dict, rules: dict) -> np.ndarray:
    """Whether each product triggered at least one per-product rule."""
    positive = _rate(totals["positive_reviews"], totals["reviews"], 100)
    returns = _rate(totals["returns"], totals["units_sold"], 100)
    complaints = _rate(totals["complaints"], totals["orders"], 1000)
    with np.errstate(invalid="ignore"):
        return ((positive < rules["min_positive_rate"])
                | (returns > rules["max_return_rate"])
                | (complaints > rules["max_complaints_per_1000_orders"])
                | (p["failed_inspections_12m"] >= rules["max_failed_inspections_12m"])
                | (rules["flag_overdue_capa"] & (p["overdue_capas"] > 0)))


def _parts(totals: dict, failed: np.ndarray) -> np.ndarray:
    """(products, 4) score parts as :func:`workflows.performance.score_parts`; NaN = missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        reviews, units, orders = totals["reviews"], totals["units_sold"], totals["orders"]
        positive = np.where(reviews > 0, round4(np.minimum(
            totals["positive_reviews"] / reviews, 1.0)), np.nan)
        rate = (100 * totals["returns"]) / units
        returns = np.where(units > 0, round4(1 - np.minimum(rate / RETURN_RATE_SCALE, 1.0)),
                           np.nan)
        per_1000 = (1000 * totals["complaints"]) / orders
        complaints = np.where(orders > 0,
                              round4(1 - np.minimum(per_1000 / COMPLAINTS_SCALE, 1.0)), np.nan)
    inspections = round4(1 - np.minimum(failed / FAILED_INSPECTIONS_SCALE, 1.0))
    return np.stack([positive, returns, complaints, inspections], axis=1)


def _part_means(parts: np.ndarray, category_index: np.ndarray, categories: int) -> np.ndarray:
    """(categories, 4) means as :func:`workflows.performance.part_means`, in ten-thousandths."""
    means = np.full((categories, len(WEIGHTS)), NEUTRAL_PART)
    for column in range(len(WEIGHTS)):
        present = ~np.isnan(parts[:, column])
        units = np.rint(parts[present, column] * SCALE)
        sums = np.bincount(category_index[present], weights=units, minlength=categories)
        counts = np.bincount(category_index[present], minlength=categories)
        with np.errstate(divide="ignore", invalid="ignore"):
            found = round4(sums / (counts * SCALE))
        means[:, column] = np.where(counts > 0, found, NEUTRAL_PART)
    return means


def _scores(parts: np.ndarray, stand_ins: np.ndarray) -> np.ndarray:
    filled = np.where(np.isnan(parts), stand_ins, parts)
    total = np.zeros(len(parts))
    for column, (_name, weight) in enumerate(WEIGHTS):  # the same order of additions
        total = total + weight * filled[:, column]
    return round4(total)


def _bottom(p: dict, scores: np.ndarray, category_index: np.ndarray, categories: np.ndarray,
            thresholds_by_category: Mapping) -> dict:
    """Rank (1 = lowest; 0 = not in the bottom P %), ranked size and tie of each product."""
    size = len(scores)
    result = {"rank": np.zeros(size, dtype=np.int64), "ranked": np.zeros(size, dtype=np.int64),
              "tied_with": np.full(size, -1, dtype=np.int64)}
    at_cap = np.bincount(category_index, weights=p["category_at_cap"].astype(np.int64),
                         minlength=len(categories)) > 0
    members = np.bincount(category_index, minlength=len(categories))
    order = np.lexsort((p["product_id"], scores, category_index))
    group_start = np.r_[0, np.cumsum(members)[:-1]]
    rank_sorted = np.arange(size) - group_start[category_index[order]] + 1
    for index, category in enumerate(categories.tolist()):
        percent = thresholds_by_category[category].bottom_percent
        if not percent or not at_cap[index]:
            continue
        picked = bottom_count(int(members[index]), percent)
        first = group_start[index]
        rows = order[first:first + picked]
        result["rank"][rows] = rank_sorted[first:first + picked]
        result["ranked"][rows] = members[index]
        if picked < members[index]:
            out = order[first + picked]
            tied = rows[scores[rows] == scores[out]]
            result["tied_with"][tied] = p["product_id"][out]
    return result


def _candidate(i: int, p: dict, totals: dict, parts: np.ndarray, means: np.ndarray, rules: dict,
               bottom: dict, thresholds_by_category: Mapping) -> Candidate:
    category = p["category_id"][i].item()
    thresholds = thresholds_by_category[category]
    window = WindowTotals(int(rules["window_periods"][i]), str(totals["labels"][i]),
                          *(int(totals[name][i]) for name in ("count", *COUNT_COLUMNS)))
    product = ProductFigures(int(p["product_id"][i]), category, str(p["state"][i]), (),
                             int(p["failed_inspections_12m"][i]), int(p["overdue_capas"][i]),
                             bool(p["category_at_cap"][i]))
    findings = product_findings(product, thresholds, window, triggered_only=True)
    own = tuple(None if np.isnan(v) else float(v) for v in parts[i])
    score = performance_score(own, tuple(float(v) for v in means))
    if bottom["rank"][i] > 0:
        tied = int(bottom["tied_with"][i])
        findings.append(bottom_percent_finding(score, int(bottom["rank"][i]),
                                               int(bottom["ranked"][i]),
                                               thresholds.bottom_percent,
                                               tied if tied >= 0 else None))
    return Candidate(product.product_id, category, thresholds.action, tuple(findings), score)
