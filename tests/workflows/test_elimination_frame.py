"""The vectorised sweep (numpy columns) gives exactly the per-product sweep's candidates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.elimination import (
    BOTTOM_PERCENT,
    DECISION_LIST,
    UNDER_WATCH,
    EliminationError,
    EliminationThresholds,
    PeriodFigures,
    ProductFigures,
    evaluate_catalogue,
)
from workflows.elimination_frame import columns_from_figures, evaluate_columns, round4
from workflows.periods import PeriodError, window

MONTHS = tuple(str(p) for p in window("2026-10", 8))
WEEKS = tuple(str(p) for p in window("2026-W02", 6))  # crosses the ISO year


def frame(products, thresholds):
    return evaluate_columns(*columns_from_figures(products), thresholds)


@st.composite
def period_figures(draw, period):
    units = draw(st.integers(0, 300))
    orders = draw(st.integers(0, units))
    reviews = draw(st.integers(0, 60))
    return PeriodFigures(period, units, orders, reviews, draw(st.integers(0, reviews)),
                         draw(st.integers(0, units)), draw(st.integers(0, orders)))


@st.composite
def product_figures(draw, pid):
    calendar = draw(st.sampled_from([MONTHS, WEEKS]))
    chosen = draw(st.lists(st.sampled_from(calendar), unique=True, max_size=len(calendar)))
    periods = tuple(draw(period_figures(m)) for m in chosen)
    return ProductFigures(pid, draw(st.integers(1, 4)),
                          draw(st.sampled_from(["listed", "under_watch", "suspended", "draft"])),
                          periods, draw(st.integers(0, 4)), draw(st.integers(0, 2)),
                          draw(st.booleans()))


# Round thresholds often sit exactly on a rate (90 %, 10 %, 5 per 1,000): the boundary cases.
percent = st.one_of(st.none(), st.sampled_from([0, 10, 12.5, 50, 66.6667, 80, 90, 100]),
                    st.floats(0, 100, allow_nan=False))
thresholds_strategy = st.builds(
    EliminationThresholds, window_periods=st.integers(1, 5), min_positive_rate=percent,
    max_return_rate=percent,
    max_complaints_per_1000_orders=st.one_of(st.none(), st.sampled_from([0, 5, 10]),
                                             st.floats(0, 50)),
    max_failed_inspections_12m=st.one_of(st.none(), st.integers(1, 4)),
    flag_overdue_capa=st.booleans(), bottom_percent=percent,
    action=st.sampled_from([UNDER_WATCH, DECISION_LIST]))


@st.composite
def catalogues(draw):
    ids = draw(st.lists(st.integers(1, 500), unique=True, max_size=30))
    products = [draw(product_figures(pid)) for pid in ids]
    chosen = draw(st.lists(st.integers(1, 4), unique=True))
    return products, {cat: draw(thresholds_strategy) for cat in chosen}


@settings(max_examples=300, deadline=None)
@given(catalogues())
def test_vectorised_and_per_product_sweeps_agree(catalogue):
    products, thresholds = catalogue
    expected = evaluate_catalogue(products, thresholds)
    result = frame(products, thresholds)
    assert result.candidates == expected
    assert [c.explanations for c in result.candidates] == [c.explanations for c in expected]
    assert result.evaluated == sum(1 for p in products if p.category_id in thresholds
                                   and p.state in ("listed", "under_watch"))


@given(st.floats(0, 2, allow_nan=False, allow_infinity=False))
def test_round4_rounds_as_python_does(value):
    assert round4(np.array([value]))[0] == round(value, 4)


@pytest.mark.parametrize("value", [2.67495, 0.00005, 0.12345, 1.00005, 0.87505, 66.66665])
def test_round4_on_halves(value):
    assert round4(np.array([value]))[0] == round(value, 4)


def fig(period, units=100, orders=100, reviews=100, positive=100, returns=0, complaints=0):
    return PeriodFigures(period, units, orders, reviews, positive, returns, complaints)


def test_bottom_percent_tie_and_explanations_on_a_hand_made_category():
    thresholds = {1: EliminationThresholds(bottom_percent=25)}
    products = [ProductFigures(pid, 1, "listed", (fig("2026-10", positive=p),), 0, 0, pid == 2)
                for pid, p in ((4, 80), (2, 80), (3, 95), (1, 99))]
    result = frame(products, thresholds)
    assert [c.product_id for c in result.candidates] == [2]
    finding = result.candidates[0].findings[0]
    assert finding.rule == BOTTOM_PERCENT and finding.numbers["tied_with"] == 4
    assert finding.explanation.startswith(
        "performance score 0.92 ranks 1st from the bottom of 4 products in a category at its"
        " SKU cap, within the bottom 25 % (1 product); tied with product 4 at the cut-off")
    assert result.candidates == evaluate_catalogue(products, thresholds)


def test_a_catalogue_with_no_rules_or_no_products_has_no_candidates():
    products = [ProductFigures(1, 1, "listed", (fig("2026-10", positive=0),))]
    assert frame(products, {}).candidates == []
    assert frame([], {1: EliminationThresholds(min_positive_rate=90)}).evaluated == 0


def test_a_repeated_product_is_refused_like_the_per_product_sweep():
    thresholds = {1: EliminationThresholds(min_positive_rate=90)}
    products = [ProductFigures(7, 1, "listed"), ProductFigures(5, 1, "listed"),
                ProductFigures(7, 1, "under_watch")]
    with pytest.raises(EliminationError, match="product 7: appears more than once"):
        frame(products, thresholds)


@pytest.mark.parametrize(("periods", "message"), [
    (("2026-10", "2026-W40"), "product 3: periods mix months"),
    (("2026-13",), "product 3: 2026-13: month must be 01 to 12"),
])
def test_bad_periods_are_refused_naming_the_product(periods, message):
    thresholds = {1: EliminationThresholds(min_positive_rate=90)}
    products = [ProductFigures(3, 1, "listed", tuple(fig(p) for p in periods))]
    with pytest.raises(PeriodError, match=message):
        frame(products, thresholds)
