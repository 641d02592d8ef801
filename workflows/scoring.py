"""Selection-review scoring: weighted per-category scorecards, panel aggregation, accept blockers.

Selection managers score a supplier's proposal on each criterion of the category's scorecard
(integers 1-5). This module turns those scores into the numbers the review screen shows and the
reasons the lifecycle's ``accept`` transition is blocked, plus the value-for-money comparison a
reviewer looks at before scoring. Pure Python: no Flask, no SQLAlchemy; the service layer builds
the dataclasses from the database and turns :class:`ScoringError` into a 400/flash message.

Numbers are rounded to 4 decimals where they are compared or shown (weighted totals, their mean
and spread, criterion means, ratios), so float noise such as ``0.1 + 0.2`` can neither push a
panel that sits exactly on a threshold below it nor flag a spread of exactly 1.0 as a
disagreement. Rounding is monotonic, so it never turns a higher score into a lower total.
"""

from __future__ import annotations

import math
import numbers
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

SCALE_MIN, SCALE_MAX = 1, 5

#: Decimal places kept on totals, means, spreads and ratios (managers see 2; 4 keeps ties honest).
PLACES = 4


class ScoringError(ValueError):
    """Bad scorecard, scores or prices. Every problem is named by its criterion or field.

    ``problems`` lists them one by one (the message joins them) so a form can show each next to
    its field instead of stopping at the first.
    """

    def __init__(self, problems: str | Sequence[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


def _is_int(value: object) -> bool:
    # bool is an int subclass, but True is not a score of 1: a checkbox leaking into the scores
    # must be refused, not counted.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    # Decimal is what SQLAlchemy's Numeric columns hand back, so prices may arrive as one.
    return isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool)


def _on_scale(value: object) -> bool:
    return _is_int(value) and SCALE_MIN <= value <= SCALE_MAX


@dataclass(frozen=True)
class Criterion:
    """One line of a scorecard.

    ``weight`` is relative: totals divide by the sum of the weights, so they need not add to 1.
    ``minimum`` marks a shortfall when the panel's mean score for this criterion is below it; it
    only blocks acceptance when ``knockout`` is set, otherwise it is advice for the panel.
    ``anchors`` describe what scores 1..5 mean, so different reviewers score against the same
    words; a criterion has all five or none.
    """

    key: str
    label: str
    weight: float
    minimum: int | None = None
    knockout: bool = False
    anchors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept a list from a JSON column but keep the instance immutable and hashable.
        object.__setattr__(self, "anchors", tuple(self.anchors))

    def problems(self) -> list[str]:
        """What is wrong with this criterion alone, each prefixed with ``key.field``."""
        name = self.key if isinstance(self.key, str) and self.key.strip() else "criterion"
        found = []
        if not (isinstance(self.key, str) and self.key.strip()):
            found.append(f"{name}.key: a non-blank key is required")
        if not (isinstance(self.label, str) and self.label.strip()):
            found.append(f"{name}.label: a non-blank label is required")
        if not (_is_real(self.weight) and math.isfinite(self.weight) and self.weight > 0):
            found.append(f"{name}.weight: must be a number greater than 0, got {self.weight!r}")
        if self.minimum is not None and not _on_scale(self.minimum):
            found.append(
                f"{name}.minimum: must be an integer {SCALE_MIN}-{SCALE_MAX} or None,"
                f" got {self.minimum!r}"
            )
        if self.knockout and self.minimum is None:
            found.append(f"{name}.knockout: a knock-out criterion needs a minimum")
        if len(self.anchors) not in (0, SCALE_MAX - SCALE_MIN + 1):
            found.append(
                f"{name}.anchors: needs 0 or {SCALE_MAX - SCALE_MIN + 1} descriptions"
                f" (one per score {SCALE_MIN}-{SCALE_MAX}), got {len(self.anchors)}"
            )
        elif not all(isinstance(a, str) and a.strip() for a in self.anchors):
            found.append(f"{name}.anchors: every description must be non-blank text")
        return found


@dataclass(frozen=True)
class Scorecard:
    """A category's criteria and the rules for turning a panel's scores into a decision.

    ``pass_threshold`` is the weighted aggregate needed (inclusive: exactly 3.50 passes 3.50).
    ``disagreement_spread``: when the reviewers' totals differ by strictly more than this, the
    panel is flagged as split. The flag informs, it does not block: the manager resolves it.
    """

    criteria: tuple[Criterion, ...]
    pass_threshold: float = 3.5
    min_reviewers: int = 2
    disagreement_spread: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))

    def validate(self) -> None:
        """Raise :class:`ScoringError` listing every problem; return None when the card is fine."""
        found: list[str] = []
        if not self.criteria:
            found.append("criteria: a scorecard needs at least one criterion")
        seen: set[str] = set()
        for criterion in self.criteria:
            if not isinstance(criterion, Criterion):
                found.append(
                    f"criteria: expected Criterion objects, got {type(criterion).__name__}"
                )
                continue
            found.extend(criterion.problems())
            if not isinstance(criterion.key, str):
                continue  # already reported by problems(), and may not even be hashable
            if criterion.key in seen:
                found.append(f"criteria: duplicate key {criterion.key!r}")
            seen.add(criterion.key)
        threshold = self.pass_threshold
        if not (_is_real(threshold) and SCALE_MIN <= threshold <= SCALE_MAX):  # NaN fails too
            found.append(
                f"pass_threshold: must lie within {SCALE_MIN}-{SCALE_MAX}, got {threshold!r}"
            )
        if not (_is_int(self.min_reviewers) and self.min_reviewers >= 1):
            found.append(
                f"min_reviewers: must be an integer of at least 1, got {self.min_reviewers!r}"
            )
        spread = self.disagreement_spread
        if not (_is_real(spread) and math.isfinite(spread) and spread >= 0):
            found.append(f"disagreement_spread: must be a number of at least 0, got {spread!r}")
        if found:
            raise ScoringError(found)


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "performance",
        "Performance",
        0.30,
        anchors=(
            "Fails at its core job; clearly worse than anything we list",
            "Works, but noticeably below comparable products",
            "On par with comparable products in the category",
            "Measurably better than most comparable products",
            "Best in class; sets the benchmark for the category",
        ),
    ),
    Criterion(
        "configuration",
        "Configuration / specification",
        0.20,
        anchors=(
            "Specification misses essentials or is wrong for the target customer",
            "Gaps or odd choices in the specification that customers will notice",
            "Complete, conventional specification for the category",
            "Well-chosen specification with a useful extra",
            "Specification fits the target customer exactly; nothing to add or remove",
        ),
    ),
    Criterion(
        "design",
        "Design",
        0.15,
        anchors=(
            "Looks cheap or dated; would weaken the range",
            "Plain, with visible finish or ergonomic flaws",
            "Clean and acceptable; fits the range",
            "Attractive and well finished; a reason to choose it",
            "Distinctive design that customers will seek out",
        ),
    ),
    Criterion(
        "value_for_money",
        "Value for money",
        0.15,
        anchors=(
            "Priced well above what it offers against competitors",
            "Somewhat dear for what it offers",
            "Fairly priced against comparable products",
            "Clearly better value than most competitors",
            "Exceptional value; hard for competitors to match",
        ),
    ),
    Criterion(
        "compliance",
        "Compliance",
        0.10,
        minimum=3,
        # Missing certification is a legal risk no design or price can offset.
        knockout=True,
        anchors=(
            "Mandatory certification or safety evidence is missing",
            "Evidence incomplete, expired or from an unrecognised laboratory",
            "All mandatory certifications and test reports in order",
            "Mandatory evidence in order, plus relevant voluntary marks",
            "Exceeds requirements, with full traceability of materials and tests",
        ),
    ),
    Criterion(
        "supplier_capability",
        "Supplier capability",
        0.10,
        anchors=(
            "Cannot show capacity, a quality system or a delivery record",
            "Small or unproven; capacity or quality control in doubt",
            "Adequate capacity and a working quality system",
            "Reliable record, spare capacity and a certified quality system",
            "Proven partner: scale, audited quality control and on-time delivery",
        ),
    ),
)


def default_scorecard(pass_threshold: float = 3.5, min_reviewers: int = 2) -> Scorecard:
    """The house scorecard for categories without their own; validated before it is returned."""
    card = Scorecard(DEFAULT_CRITERIA, pass_threshold=pass_threshold, min_reviewers=min_reviewers)
    card.validate()
    return card


@dataclass(frozen=True)
class Review:
    """One reviewer's scores: criterion key -> integer 1..5.

    ``reviewer`` is a non-blank string (the service layer passes ``str(user.id)`` or a label);
    one review per reviewer per proposal. The scores are copied into a read-only mapping, so a
    dict the caller keeps editing cannot change a review already submitted.
    """

    reviewer: str
    scores: Mapping[str, int]

    def __post_init__(self) -> None:
        if isinstance(self.scores, Mapping):
            object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))


def check_scores(card: Scorecard, scores: Mapping[str, int]) -> None:
    """Raise :class:`ScoringError` naming every missing, unknown, non-integer or off-scale score.

    Every criterion must be scored: a blank would silently count as neither high nor low, and
    the weighted total would quietly mean something else for that reviewer. The card is
    validated first.
    """
    card.validate()
    _check_scores(card, scores)


def _check_scores(card: Scorecard, scores: Mapping[str, int]) -> None:
    if not isinstance(scores, Mapping):
        raise ScoringError(
            f"scores: must be a mapping of criterion key to score, got {type(scores).__name__}"
        )
    found = []
    known = set()
    for criterion in card.criteria:
        known.add(criterion.key)
        if criterion.key not in scores:
            found.append(f"{criterion.key}: missing score")
            continue
        value = scores[criterion.key]
        if not _is_int(value):
            found.append(f"{criterion.key}: score must be an integer, got {value!r}")
        elif not SCALE_MIN <= value <= SCALE_MAX:
            found.append(f"{criterion.key}: score {value} is off the {SCALE_MIN}-{SCALE_MAX} scale")
    for key in scores:
        if key not in known:
            found.append(f"{key}: not a criterion of this scorecard")
    if found:
        raise ScoringError(found)


def _total(card: Scorecard, scores: Mapping[str, int]) -> float:
    # Rounding turns 0.1-style float noise (2.0999999999999996 where the arithmetic says 2.1,
    # 5.000000000000001 where it says 5) back into the intended value. fsum is exactly rounded,
    # so the sum does not depend on the criteria's order and is as close as floats allow.
    weighted = math.fsum(c.weight * int(scores[c.key]) for c in card.criteria)
    return round(weighted / math.fsum(c.weight for c in card.criteria), PLACES)


def weighted_total(card: Scorecard, scores: Mapping[str, int]) -> float:
    """``sum(weight * score) / sum(weight)``, rounded to 4 decimals; always within 1..5.

    Validates the card and the scores first. Raising any score never lowers the total, and
    multiplying every weight by the same constant leaves it unchanged (up to the last rounding
    step for constants that are not powers of two).
    """
    check_scores(card, scores)
    return _total(card, scores)


@dataclass(frozen=True)
class Aggregate:
    """The panel's combined view of one proposal.

    ``mean`` is the mean of the reviewers' weighted totals (None with no reviews); ``spread`` is
    their max - min. ``criterion_means`` keep the card's order. ``shortfalls`` are criteria whose
    mean score is below their minimum, knock-out or not; ``knockouts_failed`` is the subset that
    blocks acceptance.
    """

    count: int
    reviewer_totals: dict[str, float]
    mean: float | None
    spread: float | None
    disagreement: bool
    criterion_means: dict[str, float]
    shortfalls: list[str]
    knockouts_failed: list[str]


def _check_reviewers(reviews: Sequence[Review]) -> None:
    found = []
    seen: set[str] = set()
    for position, review in enumerate(reviews):
        if not isinstance(review, Review):
            found.append(f"reviews[{position}]: expected a Review, got {type(review).__name__}")
            continue
        who = review.reviewer
        if not (isinstance(who, str) and who.strip()):
            found.append(f"reviews[{position}].reviewer: a non-blank reviewer is required")
        elif who in seen:
            found.append(f"reviewer {who}: submitted more than one review")
        else:
            seen.add(who)
    if found:
        raise ScoringError(found)


def _validated(card: Scorecard, reviews: Sequence[Review]) -> list[Review]:
    card.validate()
    reviews = list(reviews)
    _check_reviewers(reviews)
    found = []
    for review in reviews:
        try:
            _check_scores(card, review.scores)
        except ScoringError as exc:
            found.extend(f"reviewer {review.reviewer}: {p}" for p in exc.problems)
    if found:
        raise ScoringError(found)
    return reviews


def _score_sums(card: Scorecard, reviews: list[Review]) -> dict[str, int]:
    return {c.key: sum(int(r.scores[c.key]) for r in reviews) for c in card.criteria}


def _below_minimum(criterion: Criterion, score_sum: int, count: int) -> bool:
    # mean < minimum  <=>  sum < minimum * count: integers, so no rounding can tip a mean of
    # exactly the minimum into a shortfall.
    return criterion.minimum is not None and score_sum < criterion.minimum * count


def aggregate(card: Scorecard, reviews: Sequence[Review]) -> Aggregate:
    """Validate every review and combine them.

    Raises :class:`ScoringError` for a bad card, a blank or duplicate reviewer, or any review's
    bad scores (all of them, prefixed with the reviewer). The result does not depend on the
    order of ``reviews`` beyond the insertion order of ``reviewer_totals``.

    Minimums and knock-outs are judged on the mean of the reviewers' scores for the criterion,
    not on any single score: one reviewer alone should not veto a proposal the rest of the panel
    rates as compliant, and a panel split that widely is surfaced by the disagreement flag
    instead, for the manager to resolve (for example by asking for more evidence).
    """
    reviews = _validated(card, reviews)
    count = len(reviews)
    if not count:
        return Aggregate(0, {}, None, None, False, {}, [], [])
    totals = {r.reviewer: _total(card, r.scores) for r in reviews}
    values = list(totals.values())
    # fsum, being exactly rounded, makes the mean independent of the order reviews arrive in.
    mean = round(math.fsum(values) / count, PLACES)
    spread = round(max(values) - min(values), PLACES)
    sums = _score_sums(card, reviews)
    shortfalls = [c.key for c in card.criteria if _below_minimum(c, sums[c.key], count)]
    by_key = {c.key: c for c in card.criteria}
    return Aggregate(
        count=count,
        reviewer_totals=totals,
        mean=mean,
        spread=spread,
        disagreement=spread > card.disagreement_spread,
        criterion_means={k: round(s / count, PLACES) for k, s in sums.items()},
        shortfalls=shortfalls,
        knockouts_failed=[k for k in shortfalls if by_key[k].knockout],
    )


def _shown(value: float, bound: float) -> tuple[str, str]:
    # "3.50 is below 3.50" would read as a bug: widen the precision until the two differ.
    for places in range(2, 7):
        a, b = f"{value:.{places}f}", f"{bound:.{places}f}"
        if a != b:
            return a, b
    return repr(value), repr(bound)


def acceptance_blockers(card: Scorecard, reviews: Sequence[Review]) -> list[str]:
    """Human-readable reasons the ``accept`` transition is blocked; empty when it may proceed.

    Every failing condition is reported, in this order: too few reviews, aggregate below the pass
    threshold, each knock-out criterion whose mean is below its minimum. With no reviews only the
    reviewer count is reported, as there is nothing to score yet. Non-knock-out shortfalls and a
    disagreement flag do not block; the review screen shows them from :func:`aggregate`.
    Raises :class:`ScoringError` for invalid input, as :func:`aggregate` does.
    """
    reviews = list(reviews)
    agg = aggregate(card, reviews)
    reasons = []
    if agg.count < card.min_reviewers:
        reasons.append(f"reviewers: {agg.count} of {card.min_reviewers} required reviews submitted")
    if agg.mean is not None and agg.mean < card.pass_threshold:
        mean, threshold = _shown(agg.mean, card.pass_threshold)
        reasons.append(f"score: aggregate {mean} is below the pass threshold {threshold}")
    if agg.knockouts_failed:
        sums = _score_sums(card, reviews)
        by_key = {c.key: c for c in card.criteria}
        for key in agg.knockouts_failed:
            minimum = by_key[key].minimum
            mean, _ = _shown(sums[key] / agg.count, minimum)
            reasons.append(f"knock-out: {key} averages {mean}, below its minimum {minimum}")
    return reasons


@dataclass(frozen=True)
class ValueForMoney:
    """The proposal's target price against the competitor prices the supplier or buyer found.

    Informs the reviewer's ``value_for_money`` score; it does not set it, because price alone
    ignores what the product offers. Prices come back as floats in the caller's currency;
    ``ratio_to_median`` is rounded to 4 decimals and ``percent_vs_median`` to 2 (negative means
    cheaper than the median). Everything but the target and the count is None without competitors.
    """

    target_price: float
    competitor_count: int
    cheapest: float | None
    median: float | None
    dearest: float | None
    ratio_to_median: float | None
    percent_vs_median: float | None


def _price_ok(value: object) -> bool:
    return _is_real(value) and math.isfinite(value) and value > 0


def value_for_money(target_price: float, competitor_prices: Sequence[float]) -> ValueForMoney:
    """Compare ``target_price`` with the competitors: cheapest, median, dearest and the ratio.

    The median (the mean of the two middle prices for an even count) is the reference rather
    than the mean, so one luxury outlier in the list does not make every proposal look cheap.
    Raises :class:`ScoringError` naming every price that is not a finite positive number.
    """
    found = []
    if not _price_ok(target_price):
        found.append(f"target_price: must be a positive number, got {target_price!r}")
    # Any iterable of prices will do (a list, a tuple, a query's column), but not a string.
    listed: list | None = None
    if not isinstance(competitor_prices, str | bytes):
        try:
            listed = list(competitor_prices)
        except TypeError:
            pass
    if listed is None:
        found.append("competitor_prices: must be a sequence of prices")
        listed = []
    for position, price in enumerate(listed):
        if not _price_ok(price):
            found.append(f"competitor_prices[{position}]: must be a positive number, got {price!r}")
    if found:
        raise ScoringError(found)
    target = float(target_price)
    prices = sorted(float(p) for p in listed)
    if not prices:
        return ValueForMoney(target, 0, None, None, None, None, None)
    median = statistics.median(prices)
    ratio = target / median
    return ValueForMoney(
        target_price=target,
        competitor_count=len(prices),
        cheapest=prices[0],
        median=median,
        dearest=prices[-1],
        ratio_to_median=round(ratio, PLACES),
        percent_vs_median=round((ratio - 1) * 100, 2),
    )
