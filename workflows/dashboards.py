"""Dashboard statistics: the pipeline funnel, time in state, Pareto, ages and rankings.

Plain values in, plain values out (no database, no pandas): the dashboards service hands these
functions the rows of a few bounded aggregate queries and one query of transition events.

- A product *reaches* a funnel stage when it ever entered that stage or any later one
  (``under_watch``, ``suspended`` and ``delisted`` count as having reached ``listed``), so the
  funnel never widens. Conversion is the share of the previous stage's products that reached
  this one; ``of_first`` is the share of the first stage's.
- Time in a state runs from the transition that entered it to the next transition of the same
  product; the current state's interval is still open and counts up to ``now``.
- Percentiles interpolate linearly between the two nearest ranks (numpy's default), so the
  median of an even count is the mean of the middle two.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from workflows.lifecycle import State

#: The funnel: a proposal's way to the catalogue.
FUNNEL_STAGES = (State.PROPOSED.value, State.IN_REVIEW.value, State.IN_DESIGN.value,
                 State.SAMPLING.value, State.LISTED.value)
#: States only a listed product can be in: they imply it reached ``listed``.
AFTER_LISTING = frozenset({State.UNDER_WATCH.value, State.SUSPENDED.value,
                           State.DELISTED.value})
#: Best first; a supplier not assessed yet (None) ranks after all of these.
STANDING_ORDER = ("preferred", "approved", "probation", "eliminated")
#: Corrective-action age buckets: (key, from days inclusive, to days exclusive or None).
AGE_BUCKETS = (("lt7", 0, 7), ("7_14", 7, 14), ("14_30", 14, 30), ("30_60", 30, 60),
               ("gt60", 60, None))
SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class Interval:
    """One stay of a product in a state; ``ended`` is None while it is still there."""

    product_id: int
    state: str
    started: datetime
    ended: datetime | None
    days: float


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation; None for no values."""
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def share(part: float, whole: float, digits: int = 1) -> float | None:
    """``part`` as a percentage of ``whole``, rounded; None when ``whole`` is 0."""
    return round(100.0 * part / whole, digits) if whole else None


def state_intervals(events: Iterable[tuple[int, datetime, str]], now: datetime) -> list[Interval]:
    """Stays in each state from transition events ``(product_id, occurred_at, to_state)``,
    given in order of occurrence per product; each product's last stay is open up to ``now``."""
    intervals: list[Interval] = []
    previous: tuple[int, datetime, str] | None = None
    for event in events:
        product_id, occurred_at, _state = event
        if previous is not None:
            same = previous[0] == product_id
            end = occurred_at if same else None
            intervals.append(_interval(previous, end, now))
        previous = event
    if previous is not None:
        intervals.append(_interval(previous, None, now))
    return intervals


def _interval(start: tuple[int, datetime, str], end: datetime | None, now: datetime) -> Interval:
    product_id, started, state = start
    seconds = ((end or now) - started).total_seconds()
    return Interval(product_id, state, started, end, max(seconds, 0.0) / SECONDS_PER_DAY)


def duration_stats(intervals: Iterable[Interval], states: Sequence[str]) -> list[dict]:
    """Per state: stays counted, how many are still open, median and 90th percentile days."""
    days: dict[str, list[float]] = {state: [] for state in states}
    still_open = dict.fromkeys(states, 0)
    for interval in intervals:
        if interval.state in days:
            days[interval.state].append(interval.days)
            still_open[interval.state] += interval.ended is None
    rows = []
    for state in states:
        median, p90 = percentile(days[state], 50), percentile(days[state], 90)
        rows.append({"state": state, "stays": len(days[state]), "open": still_open[state],
                     "median_days": None if median is None else round(median, 1),
                     "p90_days": None if p90 is None else round(p90, 1)})
    return rows


def furthest_stage(states: Iterable[str]) -> int | None:
    """The index in :data:`FUNNEL_STAGES` of the furthest stage among ``states`` (None: none)."""
    furthest = None
    for state in states:
        if state in AFTER_LISTING:
            index = len(FUNNEL_STAGES) - 1
        elif state in FUNNEL_STAGES:
            index = FUNNEL_STAGES.index(state)
        else:
            continue
        furthest = index if furthest is None else max(furthest, index)
    return furthest


def stages_reached(states_by_product: Mapping[int, Iterable[str]]) -> dict[str, int]:
    """How many products reached each funnel stage, from the states each product entered."""
    counts = dict.fromkeys(FUNNEL_STAGES, 0)
    for states in states_by_product.values():
        furthest = furthest_stage(states)
        if furthest is not None:
            for stage in FUNNEL_STAGES[:furthest + 1]:
                counts[stage] += 1
    return counts


def funnel(reached: Mapping[str, int], stages: Sequence[str] = FUNNEL_STAGES) -> list[dict]:
    """Each stage's count, its conversion from the previous stage and its share of the first."""
    rows, previous = [], None
    first = reached.get(stages[0], 0) if stages else 0
    for stage in stages:
        count = reached.get(stage, 0)
        rows.append({"stage": stage, "count": count,
                     "conversion_pct": None if previous is None else share(count, previous),
                     "of_first_pct": share(count, first)})
        previous = count
    return rows


def pareto(counts: Iterable[tuple[Hashable, int]], top: int | None = None,
           other: int = 0) -> list[dict]:
    """Causes by count, largest first (ties by key), each with its share of the total and the
    cumulative share. With ``top``, the causes after the first ``top`` join ``other`` (counts
    of causes not passed in), which comes last under the key None."""
    merged: dict[Hashable, int] = {}
    for key, count in counts:
        merged[key] = merged.get(key, 0) + int(count)
    ordered = sorted(((key, n) for key, n in merged.items() if n > 0),
                     key=lambda item: (-item[1], str(item[0])))
    if top is not None and len(ordered) > top:
        other += sum(n for _key, n in ordered[top:])
        ordered = ordered[:top]
    if other > 0:
        ordered.append((None, other))
    total = sum(n for _key, n in ordered)
    rows, running = [], 0
    for key, n in ordered:
        running += n
        rows.append({"key": key, "count": n, "pct": share(n, total),
                     "cumulative_pct": share(running, total)})
    return rows


def age_bucket(days: int) -> str:
    """The :data:`AGE_BUCKETS` key of an age in whole days (negative ages count as 0)."""
    for key, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days < high):
            return key
    return AGE_BUCKETS[0][0]


def capa_ages(rows: Iterable[tuple[bool, int, bool, int]]) -> dict:
    """Corrective actions by age: ``rows`` are ``(is_open, age_days, is_overdue, count)``
    (an open request's age runs to today, a closed one's to its closing day)."""
    table = {key: {"open": 0, "closed": 0} for key, _low, _high in AGE_BUCKETS}
    overdue = 0
    for is_open, days, is_overdue, count in rows:
        table[age_bucket(days)]["open" if is_open else "closed"] += count
        overdue += count if is_open and is_overdue else 0
    buckets = [{"bucket": key, **table[key]} for key, _low, _high in AGE_BUCKETS]
    return {"buckets": buckets, "overdue": overdue,
            "open": sum(b["open"] for b in buckets), "closed": sum(b["closed"] for b in buckets)}


def standing_rank(standing: str | None) -> int:
    """Sort key of a standing: preferred first, not assessed (None or unknown) last."""
    return STANDING_ORDER.index(standing) if standing in STANDING_ORDER else len(STANDING_ORDER)


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


#: Leaderboard tie-breakers after standing: (figure, higher is better).
LEADERBOARD_KEYS = (("pass_rate", True), ("capa_on_time_rate", True), ("positive_rate", True),
                    ("return_rate", False), ("defects_per_inspection", False),
                    ("listed_products", True))


def leaderboard_key(standing: str | None, figures: Mapping, name: str) -> tuple:
    """Sort key of a supplier: standing, then the figures (a missing figure sorts after any
    value), then the name."""
    key: list = [standing_rank(standing)]
    for figure, higher_better in LEADERBOARD_KEYS:
        value = figures.get(figure)
        if isinstance(value, Mapping):  # defects per inspection: {critical, major, minor, total}
            value = value.get("total")
        value = _number(value)
        key += [1, 0.0] if value is None else [0, -value if higher_better else value]
    return (*key, name)


def month_keys(start: date, end: date) -> list[str]:
    """``YYYY-MM`` of every month from ``start``'s to ``end``'s, inclusive."""
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys
