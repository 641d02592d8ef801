"""Reporting periods: months and ISO weeks parsed, refused with a named reason, ordered, windowed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.periods import (
    MONTH,
    WEEK,
    Period,
    PeriodError,
    iso_weeks_in_year,
    last_n,
    parse_period,
    same_kind,
    series,
    span_label,
    window,
)


def texts(periods) -> list[str]:
    return [str(p) for p in periods]


@pytest.mark.parametrize(("text", "kind", "year", "number", "start", "end"), [
    ("2026-10", MONTH, 2026, 10, date(2026, 10, 1), date(2026, 10, 31)),
    ("2026-01", MONTH, 2026, 1, date(2026, 1, 1), date(2026, 1, 31)),
    ("2026-12", MONTH, 2026, 12, date(2026, 12, 1), date(2026, 12, 31)),
    ("2024-02", MONTH, 2024, 2, date(2024, 2, 1), date(2024, 2, 29)),  # leap year
    ("2026-02", MONTH, 2026, 2, date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-W43", WEEK, 2026, 43, date(2026, 10, 19), date(2026, 10, 25)),
    ("2026-W01", WEEK, 2026, 1, date(2025, 12, 29), date(2026, 1, 4)),  # starts the year before
    ("2026-W53", WEEK, 2026, 53, date(2026, 12, 28), date(2027, 1, 3)),  # 2026 has 53 weeks
    ("2020-W53", WEEK, 2020, 53, date(2020, 12, 28), date(2021, 1, 3)),
])
def test_parse_period(text, kind, year, number, start, end):
    period = parse_period(text)
    assert (period.kind, period.year, period.number, period.start, period.end) == (
        kind, year, number, start, end)
    assert str(period) == text
    assert parse_period(str(period)) == period


def test_spaces_and_lower_case_w_are_read_and_written_canonically():
    assert str(parse_period(" 2026-w43 ")) == "2026-W43"
    assert str(parse_period("\t2026-10\n")) == "2026-10"


@pytest.mark.parametrize(("text", "message"), [
    ("2026-13", "2026-13: month must be 01 to 12"),
    ("2026-00", "2026-00: month must be 01 to 12"),
    ("2026-W54", "2026-W54: 2026 has 53 ISO weeks"),
    ("2025-W53", "2025-W53: 2025 has 52 ISO weeks"),
    ("2027-W53", "2027-W53: 2027 has 52 ISO weeks"),
    ("2026-W00", "2026-W00: week must be 01 to 53 (2026 has 53 ISO weeks)"),
    ("2026-1", "2026-1: the month needs two digits; expected YYYY-MM"),
    ("2026-W5", "2026-W5: the week needs two digits"),
    ("26-10", "26-10: not a period; expected YYYY-MM for a month (e.g. 2026-10) or YYYY-Www"
              " for an ISO week (e.g. 2026-W43)"),
    ("2026/10", "2026/10: not a period"),
    ("2026-10-01", "2026-10-01: not a period"),
    ("2026-Q4", "2026-Q4: not a period"),
    ("October 2026", "October 2026: not a period"),
    ("\u0662\u0660\u0662\u0666-10", "not a period"),  # Arabic-Indic digits are not ISO text
    ("", "'': not a period"),
    ("   ", "'   ': not a period"),
    ("1899-12", "1899-12: year must be 1900 to 9998"),
])
def test_bad_periods_are_refused_naming_the_value(text, message):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert message in str(caught.value)
    assert caught.value.value == text


@pytest.mark.parametrize("value", [202610, None, 2026.10, ["2026-10"], date(2026, 10, 1)])
def test_non_text_is_refused(value):
    with pytest.raises(PeriodError, match="a period must be text"):
        parse_period(value)


@pytest.mark.parametrize(("year", "weeks"), [(2015, 53), (2020, 53), (2024, 52), (2025, 52),
                                             (2026, 53), (2027, 52), (2032, 53)])
def test_iso_weeks_in_year(year, weeks):
    assert iso_weeks_in_year(year) == weeks


def test_key_orders_chronologically_across_year_ends():
    jumbled = ["2026-W01", "2025-W52", "2026-W53", "2025-W01", "2027-W01"]
    assert texts(sorted(map(parse_period, jumbled), key=lambda p: p.key)) == [
        "2025-W01", "2025-W52", "2026-W01", "2026-W53", "2027-W01"]
    months = ["2026-10", "2025-12", "2026-01", "2026-09"]
    assert texts(series(months)) == ["2025-12", "2026-01", "2026-09", "2026-10"]


@pytest.mark.parametrize(("text", "steps", "expected"), [
    ("2026-01", -1, "2025-12"),
    ("2026-10", -2, "2026-08"),
    ("2025-12", 1, "2026-01"),
    ("2026-10", 0, "2026-10"),
    ("2026-10", -22, "2024-12"),
    ("2026-W01", -1, "2025-W52"),
    ("2027-W01", -1, "2026-W53"),
    ("2026-W53", 1, "2027-W01"),
    ("2026-W43", -2, "2026-W41"),
])
def test_shift(text, steps, expected):
    assert str(parse_period(text).shift(steps)) == expected


def test_window_is_consecutive_and_ends_with_the_given_period():
    assert texts(window("2026-10", 3)) == ["2026-08", "2026-09", "2026-10"]
    assert texts(window("2026-W01", 3)) == ["2025-W51", "2025-W52", "2026-W01"]
    assert texts(window(parse_period("2026-02"), 1)) == ["2026-02"]


def test_last_n_takes_the_latest_present_periods_oldest_first():
    given_periods = ["2026-10", "2026-01", "2026-08", "2026-09", "2025-12"]
    assert texts(last_n(given_periods, 3)) == ["2026-08", "2026-09", "2026-10"]
    assert texts(last_n(given_periods, 10)) == ["2025-12", "2026-01", "2026-08", "2026-09",
                                                "2026-10"]
    assert last_n([], 3) == ()
    assert texts(last_n([parse_period("2026-W43"), "2026-W41"], 1)) == ["2026-W43"]


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "3"])
def test_last_n_and_window_need_a_positive_whole_n(n):
    with pytest.raises(PeriodError, match="n must be a whole number of at least 1"):
        last_n(["2026-10"], n)
    with pytest.raises(PeriodError, match="n must be a whole number of at least 1"):
        window("2026-10", n)


def test_a_series_must_not_mix_months_and_weeks():
    assert same_kind(["2026-10", "2026-09"]) == MONTH
    assert same_kind(["2026-W43"]) == WEEK
    assert same_kind([]) is None
    message = ("periods mix months (2026-10) and weeks (2026-W43); a series must be all months"
               " or all weeks")
    with pytest.raises(PeriodError) as caught:
        same_kind(["2026-10", "2026-09", "2026-W43"])
    assert str(caught.value) == message
    with pytest.raises(PeriodError, match="mix months"):
        last_n(["2026-W43", "2026-10"], 2)


def test_a_series_must_not_repeat_a_period():
    with pytest.raises(PeriodError, match="2026-10: appears more than once in the series"):
        series(["2026-10", "2026-09", " 2026-10"])


def test_span_label():
    assert span_label("2026-08", "2026-10") == "2026-08..2026-10"
    assert span_label(parse_period("2026-10"), "2026-10") == "2026-10"


def test_period_is_immutable_and_hashable():
    period = parse_period("2026-10")
    with pytest.raises(AttributeError):
        period.number = 11  # type: ignore[misc]
    assert {period, parse_period("2026-10")} == {period}
    assert isinstance(period, Period)


days = st.dates(min_value=date(1901, 1, 1), max_value=date(9997, 12, 31))


@given(days)
def test_every_day_lies_in_its_month_and_its_iso_week(day):
    month = parse_period(f"{day.year:04d}-{day.month:02d}")
    iso = day.isocalendar()
    week = parse_period(f"{iso.year:04d}-W{iso.week:02d}")
    for period in (month, week):
        assert period.start <= day <= period.end
        assert parse_period(str(period)) == period
    assert week.start.weekday() == 0 and week.end - week.start == timedelta(days=6)
    assert month.end + timedelta(days=1) == month.shift(1).start
    assert week.end + timedelta(days=1) == week.shift(1).start


@given(st.lists(days, min_size=1, max_size=20, unique=True), st.booleans())
def test_key_order_is_start_order(dates, weekly):
    if weekly:
        periods = {parse_period(f"{d.isocalendar().year:04d}-W{d.isocalendar().week:02d}")
                   for d in dates}
    else:
        periods = {parse_period(f"{d.year:04d}-{d.month:02d}") for d in dates}
    ordered = series(periods)
    assert [p.start for p in ordered] == sorted(p.start for p in periods)
    assert all(a.end < b.start for a, b in zip(ordered, ordered[1:], strict=False))
