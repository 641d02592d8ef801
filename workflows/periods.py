"""Reporting periods of customer metrics: parse, order and window months and ISO weeks.

Two kinds of period exist, written canonically as ``2026-10`` (a calendar month) and ``2026-W43``
(an ISO 8601 week, Monday to Sunday, numbered within its ISO year, so ``2026-W01`` starts on
Monday 2025-12-29). A product's series is either all months or all weeks: mixing them would let
one week be counted twice (inside its month and on its own), so :func:`same_kind` refuses it.

Pure Python: no Flask, no SQLAlchemy. Errors are :class:`PeriodError`, whose message starts with
the offending value so an import can show it next to the cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

MONTH, WEEK = "month", "week"
KINDS = (MONTH, WEEK)
MIN_YEAR, MAX_YEAR = 1900, 9998  # 9998: the last ISO week of 9999 ends in year 10000

_SHAPE = re.compile(r"(\d{4})-(W?)(\d{1,2})", re.IGNORECASE | re.ASCII)
_EXPECTED = "expected YYYY-MM for a month (e.g. 2026-10) or YYYY-Www for an ISO week (e.g. 2026-W43)"


class PeriodError(ValueError):
    """A period that cannot be read, or periods that cannot form one series.

    ``value`` is the offending text (or None when the problem is between several periods).
    """

    def __init__(self, message: str, value: object = None):
        self.value = value
        super().__init__(message)


def iso_weeks_in_year(year: int) -> int:
    """52 or 53: 28 December always falls in the last ISO week of its year."""
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True, slots=True)
class Period:
    """One month or one ISO week. ``start`` and ``end`` are both inclusive."""

    kind: str
    year: int
    number: int
    start: date
    end: date

    @property
    def key(self) -> tuple[date, date]:
        """Chronological sort key; distinct for every distinct period of either kind."""
        return (self.start, self.end)

    def __str__(self) -> str:
        if self.kind == MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}-W{self.number:02d}"

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods later (earlier when negative), of the same kind."""
        return _shift(self, steps)


def _month(year: int, month: int) -> Period:
    start = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period(MONTH, year, month, start, following - timedelta(days=1))


def _week(year: int, week: int) -> Period:
    start = date.fromisocalendar(year, week, 1)
    return Period(WEEK, year, week, start, start + timedelta(days=6))


def parse_period(text: str) -> Period:
    """``"2026-10"`` or ``"2026-W43"`` as a :class:`Period`; PeriodError names what is wrong.

    Surrounding spaces and a lower-case ``w`` are accepted (``str()`` gives the canonical form);
    anything else that is not exactly one of the two shapes is refused. Cached: a catalogue of
    metrics repeats the same few period strings hundreds of thousands of times.
    """
    if not isinstance(text, str):
        raise PeriodError(f"{text!r}: a period must be text; {_EXPECTED}", text)
    return _parse(text)


@lru_cache(maxsize=8192)
def _parse(text: str) -> Period:
    shown = text.strip()
    match = _SHAPE.fullmatch(shown)
    if match is None:
        raise PeriodError(f"{shown or repr(text)}: not a period; {_EXPECTED}", text)
    year, is_week, number = int(match[1]), bool(match[2]), int(match[3])
    if len(match[3]) != 2:
        raise PeriodError(f"{shown}: the {'week' if is_week else 'month'} needs two digits;"
                          f" {_EXPECTED}", text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"{shown}: year must be {MIN_YEAR} to {MAX_YEAR}", text)
    if not is_week:
        if not 1 <= number <= 12:
            raise PeriodError(f"{shown}: month must be 01 to 12", text)
        return _month(year, number)
    weeks = iso_weeks_in_year(year)
    if number < 1:
        raise PeriodError(f"{shown}: week must be 01 to {weeks} ({year} has {weeks} ISO weeks)",
                          text)
    if number > weeks:
        raise PeriodError(f"{shown}: {year} has {weeks} ISO weeks", text)
    return _week(year, number)


def _as_period(value: Period | str) -> Period:
    return value if isinstance(value, Period) else parse_period(value)


@lru_cache(maxsize=8192)
def _shift(period: Period, steps: int) -> Period:
    if period.kind == MONTH:
        index = period.year * 12 + period.number - 1 + steps
        year, month = divmod(index, 12)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise PeriodError(f"{period} shifted by {steps}: outside {MIN_YEAR} to {MAX_YEAR}")
        return _month(year, month + 1)
    start = period.start + timedelta(weeks=steps)
    year, week, _day = start.isocalendar()
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"{period} shifted by {steps}: outside {MIN_YEAR} to {MAX_YEAR}")
    return _week(year, week)


def same_kind(periods: Iterable[Period | str]) -> str | None:
    """The one kind (``"month"`` or ``"week"``) all ``periods`` share; None when there are none.

    Raises PeriodError when a month and a week are mixed, naming one of each.
    """
    first: dict[str, Period] = {}
    for value in periods:
        period = _as_period(value)
        first.setdefault(period.kind, period)
        if len(first) > 1:
            raise PeriodError(f"periods mix months ({first[MONTH]}) and weeks ({first[WEEK]});"
                              " a series must be all months or all weeks")
    return next(iter(first), None)


def series(periods: Iterable[Period | str]) -> tuple[Period, ...]:
    """``periods`` in chronological order, checked to be one kind and free of duplicates."""
    parsed = sorted((_as_period(p) for p in periods), key=lambda p: p.key)
    same_kind(parsed)
    for earlier, later in zip(parsed, parsed[1:], strict=False):
        if earlier == later:
            raise PeriodError(f"{later}: appears more than once in the series", str(later))
    return tuple(parsed)


def last_n(periods: Iterable[Period | str], n: int) -> tuple[Period, ...]:
    """The latest ``n`` of the given periods, oldest first (all of them when there are fewer).

    These are the latest periods *present*; :func:`window` gives ``n`` consecutive calendar
    periods instead, gaps included.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise PeriodError(f"n must be a whole number of at least 1, got {n!r}")
    return series(periods)[-n:]


def window(end: Period | str, n: int) -> tuple[Period, ...]:
    """The ``n`` consecutive periods ending with ``end`` (inclusive), oldest first."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise PeriodError(f"n must be a whole number of at least 1, got {n!r}")
    last = _as_period(end)
    return tuple(last.shift(step) for step in range(1 - n, 1))


def span_label(first: Period | str, last: Period | str) -> str:
    """``2026-08..2026-10``, or just ``2026-10`` for a one-period span."""
    first, last = str(first), str(last)
    return first if first == last else f"{first}..{last}"
