"""Elimination rules on hand-made figures: candidates, explanations with their numbers, boundaries,
empty windows, the composite score and the bottom P % of a capped category, and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.elimination import (
    BOTTOM_PERCENT,
    COMPLAINTS,
    DECISION_LIST,
    EVALUATED_STATES,
    FAILED_INSPECTIONS,
    OVERDUE_CAPA,
    POSITIVE_RATE,
    RETURN_RATE,
    UNDER_WATCH,
    EliminationError,
    EliminationThresholds,
    PeriodFigures,
    ProductFigures,
    ScorePart,
    bottom_count,
    bottom_percent,
    complaints_finding,
    evaluate_catalogue,
    failed_inspections_finding,
    overdue_capa_finding,
    part_means,
    performance_score,
    positive_rate_finding,
    product_findings,
    return_rate_finding,
    score_parts,
    window_totals,
)
from workflows.lifecycle import State
from workflows.periods import PeriodError, window


def fig(period, units=0, orders=0, reviews=0, positive=0, returns=0, complaints=0):
    return PeriodFigures(period, units, orders, reviews, positive, returns, complaints, 4.5)


def prod(pid, *periods, cat=1, state="listed", failed=0, overdue=0, at_cap=False):
    return ProductFigures(pid, cat, state, tuple(periods), failed, overdue, at_cap)


def steady(positive_of_100=100):
    """2026-08..2026-10: 100 units, orders and reviews a month, no returns or complaints."""
    return tuple(fig(m, 100, 100, 100, positive_of_100) for m in ("2026-08", "2026-09", "2026-10"))


AUG_OCT = ("2026-08", "2026-09", "2026-10")


def even(totals_per_field: dict, months=AUG_OCT) -> tuple[PeriodFigures, ...]:
    """Figures whose sums over ``months`` are the given totals (first month takes the rest)."""
    share = {k: v // len(months) for k, v in totals_per_field.items()}
    first = {k: v - share[k] * (len(months) - 1) for k, v in totals_per_field.items()}
    return tuple(fig(m, **(first if i == 0 else share)) for i, m in enumerate(months))


# --- the positive-review rate ------------------------------------------------------------------

def test_positive_rate_below_threshold_explains_with_the_window_sums():
    figures = (
        fig("2026-07", reviews=1000, positive=1000),  # outside the window: must not count
        fig("2026-08", reviews=100, positive=90),
        fig("2026-09", reviews=150, positive=130),
        fig("2026-10", reviews=150, positive=130),
    )
    finding = positive_rate_finding(window_totals(figures, 3), 90)
    assert finding.rule == POSITIVE_RATE and finding.triggered
    assert finding.explanation == ("positive-review rate 87.5 % over the last 3 periods"
                                   " (2026-08..2026-10: 350 of 400 reviews) is below 90 %")
    assert finding.numbers == {"rate": 87.5, "threshold": 90, "positive_reviews": 350,
                               "reviews": 400, "window": "2026-08..2026-10", "periods": 3}


def test_rates_come_from_sums_not_from_a_mean_of_rates():
    # Per-period rates 100 % and 80 % average 90 %; the window's sums give 81 of 101 = 80.198 %.
    figures = (fig("2026-09", reviews=1, positive=1), fig("2026-10", reviews=100, positive=80))
    finding = positive_rate_finding(window_totals(figures, 2), 85)
    assert finding.triggered
    assert finding.explanation == ("positive-review rate 80.198 % over the last 2 periods"
                                   " (2026-09..2026-10: 81 of 101 reviews) is below 85 %")


@pytest.mark.parametrize(("positive", "triggered", "words"), [
    (360, False, "positive-review rate 90 % over the last 3 periods (2026-08..2026-10: 360 of"
                 " 400 reviews) is not below 90 %"),
    (359, True, "positive-review rate 89.75 % over the last 3 periods (2026-08..2026-10: 359 of"
                " 400 reviews) is below 90 %"),
])
def test_positive_rate_exactly_at_the_threshold_does_not_trigger(positive, triggered, words):
    finding = positive_rate_finding(window_totals(even({"reviews": 400, "positive": positive}),
                                                  3), 90)
    assert (finding.triggered, finding.explanation) == (triggered, words)


def test_rates_compare_at_four_decimals():
    # 2 of 3 is 66.66666...%, shown and compared as 66.6667: not below a threshold of 66.6667.
    totals = window_totals((fig("2026-10", reviews=3, positive=2),), 1)
    finding = positive_rate_finding(totals, 66.6667)
    assert not finding.triggered
    assert finding.explanation == ("positive-review rate 66.6667 % over the last period"
                                   " (2026-10: 2 of 3 reviews) is not below 66.6667 %")
    assert positive_rate_finding(totals, 66.6668).triggered


# --- returns and complaints ----------------------------------------------------------------------

@pytest.mark.parametrize(("returns", "triggered", "words"), [
    (40, False, "return rate 10 % over the last 3 periods (2026-08..2026-10: 40 returns of 400"
                " units sold) is not above 10 %"),
    (41, True, "return rate 10.25 % over the last 3 periods (2026-08..2026-10: 41 returns of"
               " 400 units sold) is above 10 %"),
])
def test_return_rate_above_threshold(returns, triggered, words):
    finding = return_rate_finding(window_totals(even({"units": 400, "returns": returns}), 3), 10)
    assert (finding.rule, finding.triggered, finding.explanation) == (RETURN_RATE, triggered,
                                                                      words)
    assert finding.numbers["returns"] == returns and finding.numbers["units_sold"] == 400


@pytest.mark.parametrize(("complaints", "triggered", "words"), [
    (2, False, "complaint rate 5 per 1,000 orders over the last 3 periods (2026-08..2026-10:"
               " 2 complaints in 400 orders) is not above 5 per 1,000 orders"),
    (3, True, "complaint rate 7.5 per 1,000 orders over the last 3 periods (2026-08..2026-10:"
              " 3 complaints in 400 orders) is above 5 per 1,000 orders"),
    (1, False, "complaint rate 2.5 per 1,000 orders over the last 3 periods (2026-08..2026-10:"
               " 1 complaint in 400 orders) is not above 5 per 1,000 orders"),
])
def test_complaints_per_thousand_orders_above_threshold(complaints, triggered, words):
    totals = window_totals(even({"orders": 400, "complaints": complaints}), 3)
    finding = complaints_finding(totals, 5)
    assert (finding.rule, finding.triggered, finding.explanation) == (COMPLAINTS, triggered,
                                                                      words)
    assert finding.numbers["rate"] == complaints * 2.5


# --- empty windows, gaps, weeks --------------------------------------------------------------------

def test_a_window_without_reviews_units_or_orders_gives_no_finding_that_triggers():
    figures = (fig("2026-06", 500, 500, 100, 0, 400, 300),  # dreadful, but outside the window
               fig("2026-10"))
    totals = window_totals(figures, 3)
    assert totals.periods_with_figures == 1
    checks = [
        (positive_rate_finding(totals, 90), "no reviews in the window (the last 3 periods:"
         " 2026-08..2026-10); the positive-review rate rule does not apply"),
        (return_rate_finding(totals, 10), "no units sold in the window (the last 3 periods:"
         " 2026-08..2026-10); the return rate rule does not apply"),
        (complaints_finding(totals, 5), "no orders in the window (the last 3 periods:"
         " 2026-08..2026-10); the complaint rate rule does not apply"),
    ]
    for finding, words in checks:
        assert not finding.triggered
        assert finding.explanation == words
        assert finding.numbers["rate"] is None
    thresholds = EliminationThresholds(3, 90, 10, 5)
    assert evaluate_catalogue([prod(1, *figures)], {1: thresholds}) == []


def test_a_product_without_any_figures_says_so():
    finding = positive_rate_finding(window_totals((), 3), 90)
    assert not finding.triggered
    assert finding.explanation == ("no reviews in the window (the last 3 periods: no figures on"
                                   " file); the positive-review rate rule does not apply")


def test_the_window_is_calendar_periods_ending_at_the_latest_gaps_included():
    figures = (fig("2026-10", reviews=10, positive=10), fig("2026-06", reviews=90, positive=0),
               fig("2026-08", reviews=10, positive=5))
    totals = window_totals(figures, 3)
    assert (totals.label, totals.periods_with_figures, totals.reviews,
            totals.positive_reviews) == ("2026-08..2026-10", 2, 20, 15)


def test_weekly_windows_cross_the_iso_year():
    figures = (fig("2025-W50", reviews=50, positive=0), fig("2025-W51", reviews=10, positive=9),
               fig("2025-W52", reviews=10, positive=9), fig("2026-W01", reviews=20, positive=10))
    finding = positive_rate_finding(window_totals(figures, 3), 80)
    assert finding.explanation == ("positive-review rate 70 % over the last 3 periods"
                                   " (2025-W51..2026-W01: 28 of 40 reviews) is below 80 %")


def test_a_product_mixing_months_and_weeks_is_refused():
    mixed = prod(7, fig("2026-09"), fig("2026-10"), fig("2026-W43"))
    with pytest.raises(PeriodError) as caught:
        evaluate_catalogue([mixed], {1: EliminationThresholds(min_positive_rate=90)})
    assert str(caught.value) == ("product 7: periods mix months (2026-09) and weeks (2026-W43);"
                                 " a series must be all months or all weeks")


@pytest.mark.parametrize(("periods", "message"), [
    (("2026-10", "2026-09", "2026-10"), "product 7: 2026-10: appears more than once"),
    (("2026-10", "2026-13"), "product 7: 2026-13: month must be 01 to 12"),
    (("2026-W54",), "product 7: 2026-W54: 2026 has 53 ISO weeks"),
])
def test_bad_or_repeated_periods_are_refused_naming_the_product(periods, message):
    with pytest.raises(PeriodError, match=message):
        window_totals(tuple(fig(p) for p in periods), 3, product_id=7)


# --- QC rules ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("failed", "limit", "triggered", "words"), [
    (1, 2, False, "1 failed routine inspection in the last 12 months, fewer than the 2 that"
                  " trigger the rule"),
    (2, 2, True, "2 failed routine inspections in the last 12 months: 2 or more trigger the"
                 " rule"),
    (5, 2, True, "5 failed routine inspections in the last 12 months: 2 or more trigger the"
                 " rule"),
    (0, 1, False, "0 failed routine inspections in the last 12 months, fewer than the 1 that"
                  " trigger the rule"),
])
def test_k_or_more_failed_inspections(failed, limit, triggered, words):
    finding = failed_inspections_finding(failed, limit)
    assert (finding.rule, finding.triggered, finding.explanation) == (FAILED_INSPECTIONS,
                                                                      triggered, words)
    assert finding.numbers == {"failed": failed, "threshold": limit}


@pytest.mark.parametrize(("overdue", "triggered", "words"), [
    (0, False, "no corrective action is overdue"),
    (1, True, "1 corrective action is overdue"),
    (3, True, "3 corrective actions are overdue"),
])
def test_overdue_corrective_action(overdue, triggered, words):
    finding = overdue_capa_finding(overdue, True)
    assert (finding.rule, finding.triggered, finding.explanation) == (OVERDUE_CAPA, triggered,
                                                                      words)


# --- rules switched off ----------------------------------------------------------------------------

def test_rules_set_to_none_are_off():
    awful = prod(1, *even({"units": 100, "orders": 100, "reviews": 100, "positive": 0,
                           "returns": 100, "complaints": 100}), failed=9, overdue=9, at_cap=True)
    off = EliminationThresholds()
    assert product_findings(awful, off) == []
    assert evaluate_catalogue([awful], {1: off}) == []
    totals = window_totals(awful.periods, 3)
    assert positive_rate_finding(totals, None) is None
    assert return_rate_finding(totals, None) is None
    assert complaints_finding(totals, None) is None
    assert failed_inspections_finding(9, None) is None
    assert overdue_capa_finding(9, False) is None
    # Only the one rule that is on speaks.
    only_returns = EliminationThresholds(max_return_rate=50)
    assert [f.rule for f in product_findings(awful, only_returns)] == [RETURN_RATE]


def test_triggered_only_skips_the_rest():
    good = prod(1, *steady(), failed=0)
    thresholds = EliminationThresholds(3, 90, 10, 5, 2, True)
    assert [f.rule for f in product_findings(good, thresholds)] == [
        POSITIVE_RATE, RETURN_RATE, COMPLAINTS, FAILED_INSPECTIONS, OVERDUE_CAPA]
    assert product_findings(good, thresholds, triggered_only=True) == []


# --- thresholds ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "message"), [
    ({"min_positive_rate": 101}, "min_positive_rate: must be a percentage from 0 to 100"),
    ({"min_positive_rate": True}, "min_positive_rate: must be a percentage"),
    ({"max_return_rate": -1}, "max_return_rate: must be a percentage from 0 to 100"),
    ({"bottom_percent": float("nan")}, "bottom_percent: must be a percentage"),
    ({"bottom_percent": "10"}, "bottom_percent: must be a percentage"),
    ({"max_complaints_per_1000_orders": -0.5}, "max_complaints_per_1000_orders: must be a number"
                                               " of at least 0"),
    ({"max_failed_inspections_12m": 0}, "max_failed_inspections_12m: must be a whole number of"
                                        " at least 1 (K or more failed inspections trigger)"),
    ({"max_failed_inspections_12m": 1.5}, "max_failed_inspections_12m: must be a whole number"),
    ({"window_periods": 0}, "window_periods: must be a whole number of at least 1, got 0"),
    ({"flag_overdue_capa": "yes"}, "flag_overdue_capa: must be True or False"),
    ({"action": "delist"}, "action: must be one of under_watch, decision_list, got 'delist'"),
])
def test_bad_thresholds_are_refused_naming_the_field(fields, message):
    with pytest.raises(EliminationError) as caught:
        EliminationThresholds(**fields)
    assert message in str(caught.value)


def test_every_bad_threshold_is_listed_and_decimals_are_accepted():
    with pytest.raises(EliminationError) as caught:
        EliminationThresholds(window_periods=0, min_positive_rate=200, action="x")
    assert len(caught.value.problems) == 3
    thresholds = EliminationThresholds(min_positive_rate=Decimal("87.5"),
                                       max_complaints_per_1000_orders=Decimal("2.5"))
    assert thresholds.min_positive_rate == 87.5 and isinstance(thresholds.min_positive_rate,
                                                               float)


# --- the composite score -------------------------------------------------------------------------

def test_performance_score_by_hand():
    # 350 of 400 reviews positive; 20 returns of 400 units (5 %); 2 complaints in 400 orders (5 per
    # 1,000); no failed inspection.
    totals = window_totals(even({"units": 400, "orders": 400, "reviews": 400, "positive": 350,
                                 "returns": 20, "complaints": 2}), 3)
    parts = score_parts(totals, 0)
    assert parts == (0.875, 0.75, 0.75, 1.0)
    score = performance_score(parts)
    assert score.value == 0.8375  # 0.4*0.875 + 0.25*0.75 + 0.2*0.75 + 0.15*1
    assert score.formula() == ("0.40 × 0.875 positive + 0.25 × 0.75 returns + 0.20 × 0.75"
                               " complaints + 0.15 × 1 inspections = 0.8375")
    assert score.as_dict()["parts"]["returns"] == {"weight": 0.25, "value": 0.75,
                                                   "imputed": False}


def test_score_parts_bottom_out_and_missing_parts_are_none():
    totals = window_totals(even({"units": 100, "orders": 100, "returns": 30, "complaints": 3}), 3)
    assert score_parts(totals, 3) == (None, 0.0, 0.0, 0.0)
    assert score_parts(totals, 1) == (None, 0.0, 0.0, 0.6667)
    assert score_parts(window_totals((), 3), 0) == (None, None, None, 1.0)


def test_missing_parts_take_the_category_mean_or_a_neutral_half():
    assert part_means([(0.9, None, 1.0, 1.0), (0.7, None, 0.5, 0.0)]) == (0.8, 0.5, 0.75, 0.5)
    score = performance_score((None, 1.0, 1.0, 1.0), (0.8, 0.5, 0.5, 0.5))
    assert score.parts[0] == ScorePart("positive", 0.4, 0.8, True)
    assert score.value == 0.92
    assert "0.40 × 0.8 positive (category mean)" in score.formula()
    assert performance_score((None, 1.0, 1.0, 1.0)).value == 0.8  # 0.5 stands in


# --- the bottom P % of a category at its cap -------------------------------------------------------

@pytest.mark.parametrize(("size", "percent", "count"), [
    (10, 20, 2), (10, 25, 3), (3, 10, 1), (5, 20, 1), (5, 25, 2), (4, 100, 4), (7, 0.1, 1),
    (0, 50, 0), (5, 0, 0), (5, None, 0), (3, 100 / 3, 1),
])
def test_bottom_count_rounds_up_and_takes_at_least_one(size, percent, count):
    assert bottom_count(size, percent) == count


def test_bottom_percent_breaks_ties_by_product_id():
    scored = [(3, 0.5), (4, 0.9), (1, 0.5), (2, 0.4), (5, 0.95)]
    assert bottom_percent(scored, 40) == [2, 1]
    assert bottom_percent(scored, 60) == [2, 1, 3]
    assert bottom_percent(scored, 0) == []
    assert bottom_percent([], 50) == []


def positive_only(pid, positive_of_100, cat=1, at_cap=True, state="listed"):
    """A product whose score depends on its positive rate only (other parts are perfect)."""
    return prod(pid, *steady(positive_of_100), cat=cat, at_cap=at_cap, state=state)


def test_bottom_percent_of_a_category_at_its_cap():
    products = [positive_only(pid, rate) for pid, rate in
                [(14, 80), (11, 50), (13, 70), (15, 90), (12, 60)]]
    thresholds = {1: EliminationThresholds(bottom_percent=20, action=DECISION_LIST)}
    [candidate] = evaluate_catalogue(products, thresholds)
    assert (candidate.product_id, candidate.action) == (11, DECISION_LIST)
    [finding] = candidate.findings
    assert finding.rule == BOTTOM_PERCENT and finding.triggered
    assert finding.explanation == (
        "performance score 0.8 ranks 1st from the bottom of 5 products in a category at its SKU"
        " cap, within the bottom 20 % (1 product); score = 0.40 × 0.5 positive + 0.25 × 1"
        " returns + 0.20 × 1 complaints + 0.15 × 1 inspections = 0.8")
    assert {k: finding.numbers[k] for k in ("score", "rank", "ranked", "picked")} == {
        "score": 0.8, "rank": 1, "ranked": 5, "picked": 1}
    assert candidate.score.value == 0.8

    twenty_five = evaluate_catalogue(products, {1: EliminationThresholds(bottom_percent=25)})
    assert [c.product_id for c in twenty_five] == [11, 12]  # ceil(1.25) = 2, input order kept
    assert "ranks 2nd from the bottom of 5 products" in twenty_five[1].explanations[0]


def test_a_tie_at_the_cut_off_goes_to_the_lower_product_id_and_says_so():
    products = [positive_only(22, 50), positive_only(21, 50), positive_only(23, 90),
                positive_only(24, 95), positive_only(25, 99)]
    [candidate] = evaluate_catalogue(products, {1: EliminationThresholds(bottom_percent=20)})
    assert candidate.product_id == 21
    assert ("within the bottom 20 % (1 product); tied with product 22 at the cut-off, the lower"
            " product id goes first; score = ") in candidate.explanations[0]
    assert candidate.findings[0].numbers["tied_with"] == 22


def test_bottom_percent_needs_the_category_at_its_cap():
    products = [positive_only(pid, rate, at_cap=False) for pid, rate in [(1, 50), (2, 90)]]
    assert evaluate_catalogue(products, {1: EliminationThresholds(bottom_percent=50)}) == []
    capped = [positive_only(pid, rate) for pid, rate in [(1, 50), (2, 90)]]
    assert evaluate_catalogue(capped, {1: EliminationThresholds()}) == []  # rule off


def test_only_listed_and_watched_products_are_ranked():
    products = [positive_only(1, 10, state="suspended"), positive_only(2, 60),
                positive_only(3, 70, state=State.UNDER_WATCH), positive_only(4, 5, state="draft")]
    [candidate] = evaluate_catalogue(products, {1: EliminationThresholds(bottom_percent=50)})
    assert candidate.product_id == 2
    assert "of 2 products in a category at its SKU cap" in candidate.explanations[0]


# --- the whole catalogue -------------------------------------------------------------------------

def test_evaluate_catalogue_end_to_end():
    thresholds = {
        1: EliminationThresholds(3, min_positive_rate=90, max_return_rate=10),
        2: EliminationThresholds(3, max_complaints_per_1000_orders=5,
                                 max_failed_inspections_12m=2, flag_overdue_capa=True,
                                 action=DECISION_LIST),
    }
    bad_one = even({"units": 400, "orders": 400, "reviews": 400, "positive": 350,
                    "returns": 50, "complaints": 0})
    good = even({"units": 400, "orders": 400, "reviews": 400, "positive": 390, "returns": 4,
                 "complaints": 0})
    products = [
        prod(101, *bad_one),
        prod(102, *good),
        prod(103, *bad_one, state="suspended"),  # not evaluated
        prod(104, *even({"units": 10, "orders": 10, "reviews": 10, "positive": 5}),
             state="under_watch"),
        prod(201, *good, cat=2, failed=2, overdue=1),
        prod(202, *bad_one, cat=2, state="proposed", failed=5),  # not evaluated
        prod(301, *bad_one, cat=3, failed=9, overdue=9),  # category without thresholds
    ]
    candidates = evaluate_catalogue(products, thresholds)
    assert [(c.product_id, c.category_id, c.action) for c in candidates] == [
        (101, 1, UNDER_WATCH), (104, 1, UNDER_WATCH), (201, 2, DECISION_LIST)]
    first = candidates[0]
    assert first.explanations == (
        "positive-review rate 87.5 % over the last 3 periods (2026-08..2026-10: 350 of 400"
        " reviews) is below 90 %",
        "return rate 12.5 % over the last 3 periods (2026-08..2026-10: 50 returns of 400 units"
        " sold) is above 10 %",
    )
    assert all(f.triggered for c in candidates for f in c.findings)
    assert [f.rule for f in candidates[2].findings] == [FAILED_INSPECTIONS, OVERDUE_CAPA]
    assert candidates[2].explanations == (
        "2 failed routine inspections in the last 12 months: 2 or more trigger the rule",
        "1 corrective action is overdue")
    # Category 2's means fill no gaps here; 201's score is its own.
    assert candidates[2].score.value == performance_score(score_parts(
        window_totals(good, 3), 2)).value


def test_a_product_given_twice_is_refused():
    thresholds = {1: EliminationThresholds(min_positive_rate=90)}
    with pytest.raises(EliminationError, match="product 5: appears more than once"):
        evaluate_catalogue([prod(5, *steady()), prod(5, *steady())], thresholds)


# --- properties ----------------------------------------------------------------------------------

@st.composite
def period_figures(draw, period):
    units = draw(st.integers(0, 300))
    orders = draw(st.integers(0, units))
    reviews = draw(st.integers(0, 60))
    return PeriodFigures(period, units, orders, reviews, draw(st.integers(0, reviews)),
                         draw(st.integers(0, units)), draw(st.integers(0, orders)))


MONTHS = tuple(str(p) for p in window("2026-10", 8))


@st.composite
def product_figures(draw, pid):
    months = draw(st.lists(st.sampled_from(MONTHS), unique=True, max_size=len(MONTHS)))
    periods = tuple(draw(period_figures(m)) for m in months)
    return ProductFigures(pid, draw(st.integers(1, 3)),
                          draw(st.sampled_from(["listed", "under_watch", "suspended", "draft"])),
                          periods, draw(st.integers(0, 4)), draw(st.integers(0, 2)),
                          draw(st.booleans()))


maybe = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))
thresholds_strategy = st.builds(
    EliminationThresholds, window_periods=st.integers(1, 4), min_positive_rate=maybe,
    max_return_rate=maybe, max_complaints_per_1000_orders=st.one_of(st.none(), st.floats(0, 50)),
    max_failed_inspections_12m=st.one_of(st.none(), st.integers(1, 4)),
    flag_overdue_capa=st.booleans(), bottom_percent=maybe,
    action=st.sampled_from([UNDER_WATCH, DECISION_LIST]))


@st.composite
def catalogues(draw):
    size = draw(st.integers(0, 12))
    products = [draw(product_figures(pid)) for pid in range(1, size + 1)]
    chosen = draw(st.lists(st.integers(1, 3), unique=True))
    return products, {cat: draw(thresholds_strategy) for cat in chosen}


@given(catalogues())
def test_candidates_are_evaluated_products_with_every_triggered_rule(catalogue):
    products, thresholds = catalogue
    candidates = evaluate_catalogue(products, thresholds)
    by_id = {p.product_id: p for p in products}
    for candidate in candidates:
        product = by_id[candidate.product_id]
        assert product.state in EVALUATED_STATES and product.category_id in thresholds
        assert candidate.action == thresholds[product.category_id].action
        assert candidate.findings and all(f.triggered for f in candidate.findings)
        expected = [f for f in product_findings(product, thresholds[product.category_id])
                    if f.triggered]
        assert list(candidate.findings[:len(expected)]) == expected
        assert 0 <= candidate.score.value <= 1
    listed = {c.product_id for c in candidates}
    for product in products:  # and nobody who triggered a per-product rule is left out
        if product.state in EVALUATED_STATES and product.category_id in thresholds:
            if any(f.triggered for f in product_findings(product,
                                                          thresholds[product.category_id])):
                assert product.product_id in listed


@given(st.lists(st.sampled_from(MONTHS), min_size=1, unique=True).flatmap(
    lambda months: st.tuples(*(period_figures(m) for m in months))), st.integers(1, 8),
    st.integers(1, 100), st.floats(0, 100, allow_nan=False))
def test_more_positive_reviews_in_the_latest_period_never_make_the_finding_worse(
        figures, n, extra, threshold):
    before = positive_rate_finding(window_totals(figures, n), threshold)
    latest = max(range(len(figures)), key=lambda i: figures[i].period)
    improved = list(figures)
    f = figures[latest]
    improved[latest] = PeriodFigures(f.period, f.units_sold, f.orders, f.reviews + extra,
                                     f.positive_reviews + extra, f.returns, f.complaints)
    after = positive_rate_finding(window_totals(tuple(improved), n), threshold)
    assert after.numbers["rate"] is not None
    if before.numbers["rate"] is not None:
        assert after.numbers["rate"] >= before.numbers["rate"]
    assert after.triggered <= before.triggered or before.numbers["rate"] is None


@given(st.lists(st.sampled_from(MONTHS), min_size=1, unique=True).flatmap(
    lambda months: st.tuples(*(period_figures(m) for m in months))), st.integers(1, 8))
def test_window_totals_sum_the_consecutive_periods_ending_at_the_latest(figures, n):
    latest = max(f.period for f in figures)
    inside = {str(p) for p in window(latest, n)}
    totals = window_totals(figures, n)
    chosen = [f for f in figures if f.period in inside]
    assert totals.periods_with_figures == len(chosen)
    assert totals.reviews == sum(f.reviews for f in chosen)
    assert totals.units_sold == sum(f.units_sold for f in chosen)
    assert totals.complaints == sum(f.complaints for f in chosen)
