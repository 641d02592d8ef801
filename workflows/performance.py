"""Composite performance score of a listed product, and the bottom P % of a category by it.

Score, 0 to 1, higher is better (shown with its parts on every elimination candidate; ranks the
bottom P % of a category at its SKU cap)::

    score       = 0.40 * positive + 0.25 * returns + 0.20 * complaints + 0.15 * inspections
    positive    = sum(positive_reviews) / sum(reviews)
    returns     = 1 - min(return rate / 20 %, 1)
    complaints  = 1 - min(complaints per 1,000 orders / 20, 1)
    inspections = 1 - min(failed routine inspections in 12 months / 3, 1)

Customers' verdict weighs most (reviews, then returns, then complaints); QC's record completes
it. Each part is rounded to 4 decimals, and so is the score. A part the product has no data for
in its window (no reviews, units or orders) takes the mean of that part over the category's
evaluated products that have it (0.5 when none has), so being new or quiet neither rescues nor
sinks a product. Means are computed from the parts in exact ten-thousandths, so the order in
which products are summed cannot change them. The bottom P % is ceil(P % of the ranked
products), at least one when P > 0, lowest score first; equal scores are ordered by product id,
lower first, so the same figures always give the same list.

Pure Python: the sums a score is built from come from :mod:`workflows.elimination` (or, over the
whole catalogue at once, :mod:`workflows.elimination_frame`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from workflows.elimination import WindowTotals

PLACES = 4
SCALE = 10 ** PLACES
#: (part, weight) of the composite score, in the order shown.
WEIGHTS = (("positive", 0.40), ("returns", 0.25), ("complaints", 0.20), ("inspections", 0.15))
RETURN_RATE_SCALE = 20.0  # a return rate of 20 % or more scores 0
COMPLAINTS_SCALE = 20.0  # 20 or more complaints per 1,000 orders score 0
FAILED_INSPECTIONS_SCALE = 3  # 3 or more failed inspections in 12 months score 0
NEUTRAL_PART = 0.5

#: The formula as shown on screens and in the README.
FORMULA = ("score = 0.40 × positive + 0.25 × returns + 0.20 × complaints + 0.15 × inspections;"
           " positive = positive reviews / reviews; returns = 1 − min(return rate / 20 %, 1);"
           " complaints = 1 − min(complaints per 1,000 orders / 20, 1); inspections ="
           " 1 − min(failed routine inspections in 12 months / 3, 1); a part without data takes"
           " the category's mean")


def format_number(value: float) -> str:
    """Up to 4 decimals, trailing zeros dropped: 87.5, 90, 66.6667."""
    text = f"{value:.{PLACES}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


class ScorePart(NamedTuple):
    """One weighted part of the composite score (a named tuple: built once per candidate)."""

    name: str
    weight: float
    value: float
    imputed: bool  # no data in the window: the category's mean stands in


@dataclass(frozen=True, slots=True)
class PerformanceScore:
    value: float
    parts: tuple[ScorePart, ...]

    def formula(self) -> str:
        """``0.40 × 0.875 positive + ... = 0.7125``, imputed parts marked."""
        terms = [f"{part.weight:.2f} × {format_number(part.value)} {part.name}"
                 + (" (category mean)" if part.imputed else "") for part in self.parts]
        return " + ".join(terms) + f" = {format_number(self.value)}"

    def as_dict(self) -> dict:
        return {"value": self.value, "parts": {p.name: {"weight": p.weight, "value": p.value,
                                                        "imputed": p.imputed} for p in self.parts}}


Parts = tuple[float | None, float | None, float | None, float]


def score_parts(totals: WindowTotals, failed_inspections: int) -> Parts:
    """(positive, returns, complaints, inspections), each 0..1; None where the window has no
    reviews, units or orders."""
    positive = returns = complaints = None
    if totals.reviews > 0:
        positive = round(min(totals.positive_reviews / totals.reviews, 1.0), PLACES)
    if totals.units_sold > 0:
        rate = 100 * totals.returns / totals.units_sold
        returns = round(1 - min(rate / RETURN_RATE_SCALE, 1.0), PLACES)
    if totals.orders > 0:
        per_1000 = 1000 * totals.complaints / totals.orders
        complaints = round(1 - min(per_1000 / COMPLAINTS_SCALE, 1.0), PLACES)
    inspections = round(1 - min(failed_inspections / FAILED_INSPECTIONS_SCALE, 1.0), PLACES)
    return positive, returns, complaints, inspections


def part_means(all_parts: Iterable[Parts]) -> tuple[float, ...]:
    """Each part's mean over the products that have it (NEUTRAL_PART where none has): what
    stands in for a missing part within a category. Summed in whole ten-thousandths (every
    part is rounded to 4 decimals), so the result does not depend on the order of products."""
    sums = [0] * len(WEIGHTS)
    counts = [0] * len(WEIGHTS)
    for parts in all_parts:
        for index, value in enumerate(parts):
            if value is not None:
                sums[index] += round(value * SCALE)
                counts[index] += 1
    return tuple(round(s / (c * SCALE), PLACES) if c else NEUTRAL_PART
                 for s, c in zip(sums, counts, strict=True))


def score_value(parts: Parts, fallback: Sequence[float]) -> float:
    """The score alone (no parts kept): what ranking needs."""
    total = 0.0
    for (_name, weight), value, stand_in in zip(WEIGHTS, parts, fallback, strict=True):
        total += weight * (stand_in if value is None else value)
    return round(total, PLACES)


def performance_score(parts: Parts, fallback: Sequence[float] | None = None) -> PerformanceScore:
    """The composite score with its parts; ``fallback`` (from :func:`part_means`) replaces
    missing parts, NEUTRAL_PART for each when not given."""
    if fallback is None:
        fallback = (NEUTRAL_PART,) * len(WEIGHTS)
    shown = tuple(ScorePart(name, weight, stand_in if value is None else value, value is None)
                  for (name, weight), value, stand_in in zip(WEIGHTS, parts, fallback,
                                                             strict=True))
    return PerformanceScore(score_value(parts, fallback), shown)


def bottom_count(size: int, percent: float | None) -> int:
    """How many of ``size`` ranked products the bottom ``percent`` % holds: rounded up, at
    least one when percent > 0, never more than ``size``."""
    if not percent or size <= 0:
        return 0
    return min(size, max(1, math.ceil(round(size * percent / 100, 9))))


def rank_by_score(scored: Iterable[tuple[Hashable, float]]) -> list[tuple[Hashable, float]]:
    """(product_id, score) pairs, lowest score first, ties by product id."""
    return sorted(scored, key=lambda pair: (pair[1], pair[0]))


def bottom_percent(scored: Iterable[tuple[Hashable, float]], percent: float | None) -> list:
    """Product ids of the bottom ``percent`` % of a category by score, weakest first."""
    ranked = rank_by_score(scored)
    return [product_id for product_id, _score in ranked[:bottom_count(len(ranked), percent)]]
