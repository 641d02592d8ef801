"""Dashboard statistics on hand-made data: funnel, time in state, Pareto, ages, ranking."""

from datetime import UTC, date, datetime, timedelta

import pytest

from workflows import dashboards as stats

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_percentile_interpolates_between_ranks():
    assert stats.percentile([], 50) is None
    assert stats.percentile([7], 90) == 7
    assert stats.percentile([1, 2, 3, 4], 50) == 2.5
    assert stats.percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    assert stats.percentile([10, 0, 5], 0) == 0 and stats.percentile([10, 0, 5], 100) == 10
    with pytest.raises(ValueError):
        stats.percentile([1], 101)


def test_intervals_close_at_the_next_transition_and_the_last_stays_open_until_now():
    events = [(1, day(0), "draft"), (1, day(2), "proposed"), (1, day(5), "in_review"),
              (2, day(1), "draft"), (2, day(4), "proposed")]
    now = day(10)
    intervals = stats.state_intervals(events, now)
    assert [(i.product_id, i.state, i.days, i.ended is None) for i in intervals] == [
        (1, "draft", 2.0, False), (1, "proposed", 3.0, False), (1, "in_review", 5.0, True),
        (2, "draft", 3.0, False), (2, "proposed", 6.0, True)]


def test_duration_stats_median_and_p90_count_the_open_interval():
    events = []
    # Five products through "proposed": closed stays of 1, 2, 3 and 4 days, and one still
    # there since day 0 (open: 20 days at "now").
    for pid, days in enumerate([1, 2, 3, 4], start=1):
        events += [(pid, day(0), "proposed"), (pid, day(days), "in_review")]
    events += [(9, day(0), "proposed")]
    rows = stats.duration_stats(stats.state_intervals(events, day(20)),
                                ["proposed", "in_review", "sampling"])
    proposed, in_review, sampling = rows
    assert proposed == {"state": "proposed", "stays": 5, "open": 1, "median_days": 3.0,
                        "p90_days": 13.6}  # 4 + 0.6 * (20 - 4)
    # in_review stays are all open: 19, 18, 17 and 16 days at "now".
    assert in_review["stays"] == 4 and in_review["open"] == 4
    assert in_review["median_days"] == 17.5
    assert sampling == {"state": "sampling", "stays": 0, "open": 0, "median_days": None,
                        "p90_days": None}


def test_a_product_reaches_every_stage_up_to_its_furthest():
    entered = {
        1: {"draft", "proposed"},
        2: {"draft", "proposed", "in_review", "rejected"},
        3: {"proposed", "in_review", "in_design", "sampling", "listed"},
        4: {"proposed", "in_review", "in_design", "sampling", "listed", "delisted"},
        5: {"draft"},  # never proposed: not in the funnel
        6: {"in_design", "sampling"},  # back from sampling counts once
    }
    reached = stats.stages_reached(entered)
    assert reached == {"proposed": 5, "in_review": 4, "in_design": 3, "sampling": 3,
                       "listed": 2}
    rows = stats.funnel(reached)
    assert [r["count"] for r in rows] == [5, 4, 3, 3, 2]
    assert [r["conversion_pct"] for r in rows] == [None, 80.0, 75.0, 100.0, 66.7]
    assert [r["of_first_pct"] for r in rows] == [100.0, 80.0, 60.0, 60.0, 40.0]


def test_an_empty_funnel_has_no_rates():
    rows = stats.funnel(stats.stages_reached({}))
    assert all(r["count"] == 0 and r["of_first_pct"] is None for r in rows)
    assert [r["conversion_pct"] for r in rows] == [None, None, None, None, None]


def test_pareto_orders_causes_and_accumulates_to_100():
    rows = stats.pareto([("scratch", 5), ("dent", 3), ("scratch", 2), ("label", 3),
                         ("none", 0)])
    assert [(r["key"], r["count"]) for r in rows] == [("scratch", 7), ("dent", 3),
                                                      ("label", 3)]
    assert [r["pct"] for r in rows] == [53.8, 23.1, 23.1]
    assert [r["cumulative_pct"] for r in rows] == [53.8, 76.9, 100.0]


def test_pareto_puts_the_rest_last_as_other():
    rows = stats.pareto([("a", 1), ("b", 6), ("c", 2), ("d", 1)], top=2, other=4)
    assert [(r["key"], r["count"]) for r in rows] == [("b", 6), ("c", 2), (None, 6)]
    assert rows[-1]["cumulative_pct"] == 100.0
    assert stats.pareto([]) == []


@pytest.mark.parametrize(("days", "bucket"), [
    (-1, "lt7"), (0, "lt7"), (6, "lt7"), (7, "7_14"), (13, "7_14"), (14, "14_30"),
    (29, "14_30"), (30, "30_60"), (59, "30_60"), (60, "gt60"), (400, "gt60")])
def test_age_buckets(days, bucket):
    assert stats.age_bucket(days) == bucket


def test_capa_ages_split_open_and_closed_and_count_overdue_open_only():
    result = stats.capa_ages([(True, 3, False, 2), (True, 20, True, 1), (False, 20, True, 4),
                              (False, 90, False, 1), (True, 61, True, 1)])
    table = {b["bucket"]: (b["open"], b["closed"]) for b in result["buckets"]}
    assert table == {"lt7": (2, 0), "7_14": (0, 0), "14_30": (1, 4), "30_60": (0, 0),
                     "gt60": (1, 1)}
    assert (result["open"], result["closed"], result["overdue"]) == (4, 5, 2)


def test_leaderboard_orders_by_standing_then_figures_and_tolerates_missing_ones():
    suppliers = [
        ("c", None, {"pass_rate": 100}),
        ("b", "approved", {"pass_rate": 90.0, "return_rate": 1}),
        ("a", "approved", {"pass_rate": 90.0, "return_rate": 5}),
        ("d", "approved", {}),
        ("e", "preferred", {"pass_rate": None}),
        ("f", "probation", {"pass_rate": "n/a"}),
        ("g", "bogus", {"pass_rate": 99}),
    ]
    ranked = sorted(suppliers, key=lambda s: stats.leaderboard_key(s[1], s[2], s[0]))
    assert [s[0] for s in ranked] == ["e", "b", "a", "d", "f", "c", "g"]


def test_month_keys_span_year_ends():
    assert stats.month_keys(date(2025, 11, 30), date(2026, 2, 1)) == [
        "2025-11", "2025-12", "2026-01", "2026-02"]
    assert stats.month_keys(date(2026, 3, 1), date(2026, 2, 1)) == []


def test_leaderboard_breaks_ties_on_total_defects_per_inspection():
    """Standing keeps defects per inspection by class; the total breaks a tie, fewer first."""
    same = {"pass_rate": 90.0, "capa_on_time_rate": 100.0, "positive_rate": 90.0,
            "return_rate": 2.0}
    suppliers = [
        ("many", "approved", {**same, "defects_per_inspection": {"critical": 0, "total": 2.5}}),
        ("few", "approved", {**same, "defects_per_inspection": {"critical": 0, "total": 0.5}}),
        ("none", "approved", {**same, "defects_per_inspection": {"total": None}}),
    ]
    ranked = sorted(suppliers, key=lambda s: stats.leaderboard_key(s[1], s[2], s[0]))
    assert [s[0] for s in ranked] == ["few", "many", "none"]
