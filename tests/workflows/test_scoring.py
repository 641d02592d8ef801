"""Selection-review scoring: hand-computed totals, blockers at their boundaries, properties."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.scoring import (
    DEFAULT_CRITERIA,
    SCALE_MAX,
    SCALE_MIN,
    Criterion,
    Review,
    Scorecard,
    ScoringError,
    acceptance_blockers,
    aggregate,
    check_scores,
    default_scorecard,
    value_for_money,
    weighted_total,
)

KEYS = (
    "performance",
    "configuration",
    "design",
    "value_for_money",
    "compliance",
    "supplier_capability",
)


def scored(*values: int) -> dict[str, int]:
    """Scores for the default card, in the order of KEYS."""
    assert len(values) == len(KEYS)
    return dict(zip(KEYS, values, strict=True))


def small_card(**overrides) -> Scorecard:
    """quality (weight 2, advisory minimum 3), safety (1, knock-out minimum 3), price (1)."""
    return Scorecard(
        (
            Criterion("quality", "Quality", 2, minimum=3),
            Criterion("safety", "Safety", 1, minimum=3, knockout=True),
            Criterion("price", "Price", 1),
        ),
        **overrides,
    )


def problems_of(excinfo) -> list[str]:
    return excinfo.value.problems


# --- the default scorecard, typed out again from the brief so the table is checked, not echoed --


def test_default_criteria_match_the_brief():
    expected = [
        ("performance", "Performance", 0.30, None, False),
        ("configuration", "Configuration / specification", 0.20, None, False),
        ("design", "Design", 0.15, None, False),
        ("value_for_money", "Value for money", 0.15, None, False),
        ("compliance", "Compliance", 0.10, 3, True),
        ("supplier_capability", "Supplier capability", 0.10, None, False),
    ]
    actual = [(c.key, c.label, c.weight, c.minimum, c.knockout) for c in DEFAULT_CRITERIA]
    assert actual == expected
    for criterion in DEFAULT_CRITERIA:
        assert len(criterion.anchors) == 5
        assert len(set(criterion.anchors)) == 5, criterion.key
        assert all(a.strip() for a in criterion.anchors)


def test_default_scorecard_uses_the_defaults_and_its_arguments():
    card = default_scorecard()
    assert (card.pass_threshold, card.min_reviewers, card.disagreement_spread) == (3.5, 2, 1.0)
    assert card.criteria == DEFAULT_CRITERIA
    card = default_scorecard(pass_threshold=4, min_reviewers=3)
    assert (card.pass_threshold, card.min_reviewers) == (4, 3)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"pass_threshold": 5.5}, "pass_threshold"), ({"min_reviewers": 0}, "min_reviewers")],
)
def test_default_scorecard_validates_its_arguments(kwargs, field):
    with pytest.raises(ScoringError, match=f"^{field}:"):
        default_scorecard(**kwargs)


# --- weighted totals, computed by hand -----------------------------------------------------------


def test_weighted_total_of_the_default_card():
    # 0.3*4 + 0.2*3 + 0.15*5 + 0.15*2 + 0.1*3 + 0.1*4 = 1.2 + 0.6 + 0.75 + 0.3 + 0.3 + 0.4
    assert weighted_total(default_scorecard(), scored(4, 3, 5, 2, 3, 4)) == 3.55


@pytest.mark.parametrize(
    ("quality", "safety", "price", "total"),
    [(5, 1, 1, 3.0), (2, 3, 3, 2.5), (4, 2, 5, 3.75), (1, 1, 2, 1.25), (3, 5, 4, 3.75)],
)
def test_weights_need_not_sum_to_one(quality, safety, price, total):
    # (2q + s + p) / 4
    scores = {"quality": quality, "safety": safety, "price": price}
    assert weighted_total(small_card(), scores) == total


def test_weighted_total_is_rounded_to_four_decimals():
    card = Scorecard((Criterion("a", "A", 1), Criterion("b", "B", 2)))
    assert weighted_total(card, {"a": 1, "b": 2}) == 1.6667  # 5/3
    assert weighted_total(card, {"a": 2, "b": 1}) == 1.3333  # 4/3


def test_float_noise_does_not_leave_a_boundary_total_short():
    # 0.3 + 0.2 + 0.15 + 0.75 + 0.4 + 0.3 is exactly 2.1; a naive float sum says otherwise.
    scores = scored(1, 1, 1, 5, 4, 3)
    naive = sum(c.weight * scores[c.key] for c in DEFAULT_CRITERIA)
    assert naive < 2.1  # the trap this test guards against
    card = default_scorecard(pass_threshold=2.1, min_reviewers=1)
    assert weighted_total(card, scores) == 2.1
    assert acceptance_blockers(card, [Review("ann", scores)]) == []


# --- check_scores ---------------------------------------------------------------------------------


def test_check_scores_accepts_a_complete_set():
    assert check_scores(default_scorecard(), scored(1, 2, 3, 4, 5, 5)) is None


def test_check_scores_names_every_problem_at_once():
    scores = {
        "performance": 0,  # off the scale, low
        "configuration": 6,  # off the scale, high
        "design": 3.0,  # a float, even a whole one
        "value_for_money": True,  # a bool is not a score
        # compliance missing
        "supplier_capability": "4",
        "colour": 3,  # not on the card
    }
    with pytest.raises(ScoringError) as excinfo:
        check_scores(default_scorecard(), scores)
    assert problems_of(excinfo) == [
        "performance: score 0 is off the 1-5 scale",
        "configuration: score 6 is off the 1-5 scale",
        "design: score must be an integer, got 3.0",
        "value_for_money: score must be an integer, got True",
        "compliance: missing score",
        "supplier_capability: score must be an integer, got '4'",
        "colour: not a criterion of this scorecard",
    ]
    assert str(excinfo.value) == "; ".join(problems_of(excinfo))


def test_check_scores_refuses_a_non_mapping():
    with pytest.raises(ScoringError, match="^scores: must be a mapping"):
        check_scores(default_scorecard(), [4, 4, 4, 4, 4, 4])


def test_weighted_total_validates_scores_and_card():
    with pytest.raises(ScoringError, match="^compliance: missing score$"):
        weighted_total(default_scorecard(), {k: 3 for k in KEYS if k != "compliance"})
    with pytest.raises(ScoringError, match="^criteria: a scorecard needs at least one criterion"):
        weighted_total(Scorecard(()), {})


# --- scorecard validation, one field at a time ----------------------------------------------------


def card_with(criterion: Criterion | None = None, **fields) -> Scorecard:
    return Scorecard((criterion or Criterion("a", "A", 1),), **fields)


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        (Scorecard(()), "criteria: a scorecard needs at least one criterion"),
        (
            Scorecard((Criterion("a", "A", 1), Criterion("a", "Again", 2))),
            "criteria: duplicate key 'a'",
        ),
        (card_with(Criterion("a", "A", 0)), "a.weight: must be a number greater than 0, got 0"),
        (card_with(Criterion("a", "A", -0.5)), "a.weight: must be a number greater than 0"),
        (card_with(Criterion("a", "A", math.nan)), "a.weight: must be a number greater than 0"),
        (card_with(Criterion("a", "A", math.inf)), "a.weight: must be a number greater than 0"),
        (card_with(Criterion("a", "A", "2")), "a.weight: must be a number greater than 0"),
        (card_with(Criterion("a", "A", True)), "a.weight: must be a number greater than 0"),
        (card_with(Criterion("a", "A", 1, minimum=0)), "a.minimum: must be an integer 1-5"),
        (card_with(Criterion("a", "A", 1, minimum=6)), "a.minimum: must be an integer 1-5"),
        (card_with(Criterion("a", "A", 1, minimum=2.5)), "a.minimum: must be an integer 1-5"),
        (card_with(Criterion("a", "A", 1, minimum=True)), "a.minimum: must be an integer 1-5"),
        (
            card_with(Criterion("a", "A", 1, knockout=True)),
            "a.knockout: a knock-out criterion needs a minimum",
        ),
        (
            card_with(Criterion("a", "A", 1, anchors=("poor", "fair", "good"))),
            "a.anchors: needs 0 or 5 descriptions (one per score 1-5), got 3",
        ),
        (
            card_with(Criterion("a", "A", 1, anchors=("1", "2", " ", "4", "5"))),
            "a.anchors: every description must be non-blank text",
        ),
        (card_with(Criterion(" ", "A", 1)), "criterion.key: a non-blank key is required"),
        (card_with(Criterion("a", "", 1)), "a.label: a non-blank label is required"),
        (card_with(pass_threshold=0.99), "pass_threshold: must lie within 1-5, got 0.99"),
        (card_with(pass_threshold=5.01), "pass_threshold: must lie within 1-5, got 5.01"),
        (card_with(pass_threshold=math.nan), "pass_threshold: must lie within 1-5, got nan"),
        (card_with(min_reviewers=0), "min_reviewers: must be an integer of at least 1, got 0"),
        (card_with(min_reviewers=1.5), "min_reviewers: must be an integer of at least 1"),
        (card_with(min_reviewers=True), "min_reviewers: must be an integer of at least 1"),
        (
            card_with(disagreement_spread=-0.1),
            "disagreement_spread: must be a number of at least 0",
        ),
        (card_with(disagreement_spread=math.nan), "disagreement_spread: must be a number"),
    ],
)
def test_scorecard_validation_names_the_field(card, expected):
    with pytest.raises(ScoringError) as excinfo:
        card.validate()
    assert len(problems_of(excinfo)) == 1, problems_of(excinfo)
    assert problems_of(excinfo)[0].startswith(expected)


@pytest.mark.parametrize(
    "card",
    [
        card_with(pass_threshold=1),
        card_with(pass_threshold=5),
        card_with(min_reviewers=1),
        card_with(disagreement_spread=0),
        card_with(Criterion("a", "A", 1, minimum=1, knockout=True)),
        card_with(Criterion("a", "A", 1, minimum=5)),
        card_with(Criterion("a", "A", 1, anchors=["1", "2", "3", "4", "5"])),
    ],
)
def test_scorecard_validation_accepts_the_edges(card):
    assert card.validate() is None


def test_scorecard_validation_reports_every_problem():
    card = Scorecard(
        (Criterion("a", "A", 0), Criterion("a", "A", 1, knockout=True)),
        pass_threshold=6,
        min_reviewers=0,
    )
    with pytest.raises(ScoringError) as excinfo:
        card.validate()
    fields = [p.split(":")[0] for p in problems_of(excinfo)]
    assert fields == ["a.weight", "a.knockout", "criteria", "pass_threshold", "min_reviewers"]


# --- reviews and aggregation ----------------------------------------------------------------------


def test_review_keeps_a_copy_of_the_scores():
    scores = scored(4, 4, 4, 4, 4, 4)
    review = Review("ann", scores)
    scores["performance"] = 1
    assert review.scores["performance"] == 4
    with pytest.raises(TypeError):
        review.scores["performance"] = 1  # type: ignore[index]


def test_aggregate_of_no_reviews():
    agg = aggregate(default_scorecard(), [])
    assert agg.count == 0
    assert (agg.reviewer_totals, agg.mean, agg.spread, agg.disagreement) == ({}, None, None, False)
    assert (agg.criterion_means, agg.shortfalls, agg.knockouts_failed) == ({}, [], [])


def test_aggregate_by_hand():
    reviews = [
        Review("ann", {"quality": 4, "safety": 2, "price": 5}),  # (8 + 2 + 5) / 4 = 3.75
        Review("bob", {"quality": 1, "safety": 3, "price": 3}),  # (2 + 3 + 3) / 4 = 2.0
    ]
    agg = aggregate(small_card(), reviews)
    assert agg.count == 2
    assert agg.reviewer_totals == {"ann": 3.75, "bob": 2.0}
    assert agg.mean == 2.875
    assert agg.spread == 1.75
    assert agg.disagreement is True
    assert agg.criterion_means == {"quality": 2.5, "safety": 2.5, "price": 4.0}
    # quality's minimum is advisory, safety's is a knock-out: both short, only one knocks out.
    assert agg.shortfalls == ["quality", "safety"]
    assert agg.knockouts_failed == ["safety"]


def test_a_mean_exactly_at_the_minimum_is_no_shortfall():
    reviews = [
        Review("ann", {"quality": 2, "safety": 4, "price": 3}),
        Review("bob", {"quality": 4, "safety": 2, "price": 3}),
    ]
    agg = aggregate(small_card(), reviews)
    assert agg.criterion_means == {"quality": 3.0, "safety": 3.0, "price": 3.0}
    assert (agg.shortfalls, agg.knockouts_failed) == ([], [])


def test_criterion_means_are_rounded_to_four_decimals():
    reviews = [
        Review(name, {"quality": q, "safety": 3, "price": 3})
        for name, q in (("ann", 3), ("bob", 3), ("cy", 4))
    ]
    assert aggregate(small_card(), reviews).criterion_means["quality"] == 3.3333


def test_aggregate_refuses_duplicate_and_blank_reviewers():
    scores = {"quality": 3, "safety": 3, "price": 3}
    with pytest.raises(ScoringError, match="^reviewer ann: submitted more than one review$"):
        aggregate(
            small_card(), [Review("ann", scores), Review("bob", scores), Review("ann", scores)]
        )
    with pytest.raises(ScoringError, match=r"^reviews\[1\].reviewer: a non-blank reviewer"):
        aggregate(small_card(), [Review("ann", scores), Review("  ", scores)])


def test_aggregate_names_each_reviewers_bad_scores():
    reviews = [
        Review("ann", {"quality": 3, "safety": 3}),
        Review("bob", {"quality": 3, "safety": 3, "price": 3}),
        Review("cy", {"quality": 9, "safety": 3, "price": 3}),
    ]
    with pytest.raises(ScoringError) as excinfo:
        aggregate(small_card(), reviews)
    assert problems_of(excinfo) == [
        "reviewer ann: price: missing score",
        "reviewer cy: quality: score 9 is off the 1-5 scale",
    ]


def test_aggregate_validates_the_card():
    with pytest.raises(ScoringError, match="^min_reviewers:"):
        aggregate(small_card(min_reviewers=0), [])


# totals 4.4 and 3.4: in floats 4.4 - 3.4 is 1.0000000000000004, so rounding matters here.
HIGH = scored(4, 5, 4, 4, 5, 5)  # 1.2 + 1.0 + 0.6 + 0.6 + 0.5 + 0.5 = 4.4
LOW = scored(3, 4, 3, 3, 4, 4)  # 0.9 + 0.8 + 0.45 + 0.45 + 0.4 + 0.4 = 3.4
HIGHER = scored(5, 5, 4, 4, 4, 4)  # 1.5 + 1.0 + 0.6 + 0.6 + 0.4 + 0.4 = 4.5


def test_a_spread_of_exactly_the_limit_is_no_disagreement():
    assert 4.4 - 3.4 > 1.0  # the float trap
    agg = aggregate(default_scorecard(), [Review("ann", HIGH), Review("bob", LOW)])
    assert agg.reviewer_totals == {"ann": 4.4, "bob": 3.4}
    assert agg.spread == 1.0
    assert agg.disagreement is False


def test_a_spread_above_the_limit_is_a_disagreement():
    agg = aggregate(default_scorecard(), [Review("ann", HIGHER), Review("bob", LOW)])
    assert agg.spread == 1.1
    assert agg.disagreement is True
    tighter = Scorecard(DEFAULT_CRITERIA, disagreement_spread=0.99)
    assert aggregate(tighter, [Review("ann", HIGH), Review("bob", LOW)]).disagreement is True


def test_disagreement_does_not_block_acceptance():
    reviews = [Review("ann", HIGHER), Review("bob", LOW)]
    assert aggregate(default_scorecard(), reviews).disagreement is True
    assert acceptance_blockers(default_scorecard(), reviews) == []  # mean 3.95, compliance 4.0


# --- acceptance blockers --------------------------------------------------------------------------

GOOD = scored(4, 4, 4, 4, 4, 4)


def test_no_blockers_for_a_sufficient_panel():
    reviews = [Review("ann", GOOD), Review("bob", scored(4, 4, 3, 3, 3, 3))]  # 4.0 and 3.5
    assert aggregate(default_scorecard(), reviews).mean == 3.75
    assert acceptance_blockers(default_scorecard(), reviews) == []


def test_with_no_reviews_only_the_count_blocks():
    assert acceptance_blockers(default_scorecard(), []) == [
        "reviewers: 0 of 2 required reviews submitted"
    ]


def test_too_few_reviewers_blocks():
    assert acceptance_blockers(default_scorecard(), [Review("ann", GOOD)]) == [
        "reviewers: 1 of 2 required reviews submitted"
    ]
    card = default_scorecard(min_reviewers=1)
    assert acceptance_blockers(card, [Review("ann", GOOD)]) == []


def test_an_aggregate_exactly_at_the_threshold_passes():
    at = scored(4, 4, 3, 3, 3, 3)  # 1.2 + 0.8 + 0.45 + 0.45 + 0.3 + 0.3 = 3.5
    below = scored(4, 3, 3, 3, 4, 3)  # 1.2 + 0.6 + 0.45 + 0.45 + 0.4 + 0.3 = 3.4
    reviews = [Review("ann", at), Review("bob", at)]
    assert aggregate(default_scorecard(), reviews).mean == 3.5
    assert acceptance_blockers(default_scorecard(), reviews) == []
    reviews = [Review("ann", at), Review("bob", below)]  # mean 3.45
    assert acceptance_blockers(default_scorecard(), reviews) == [
        "score: aggregate 3.45 is below the pass threshold 3.50"
    ]


def test_the_score_message_widens_rather_than_print_equal_numbers():
    card = Scorecard((Criterion("a", "A", 5001), Criterion("b", "B", 4999)), min_reviewers=1)
    # (5001*3 + 4999*4) / 10000 = 3.4999, which two decimals would show as 3.50
    assert acceptance_blockers(card, [Review("ann", {"a": 3, "b": 4})]) == [
        "score: aggregate 3.4999 is below the pass threshold 3.5000"
    ]


def test_one_low_compliance_score_does_not_veto_alone():
    # compliance 2 and 4 average 3, the minimum: the disagreement flag, not a veto, surfaces it.
    reviews = [Review("ann", scored(4, 4, 4, 4, 2, 4)), Review("bob", GOOD)]
    agg = aggregate(default_scorecard(), reviews)
    assert agg.knockouts_failed == []
    assert acceptance_blockers(default_scorecard(), reviews) == []


def test_a_knockout_blocks_regardless_of_the_total():
    reviews = [
        Review("ann", scored(5, 5, 5, 5, 2, 5)),  # 4.7
        Review("bob", scored(5, 5, 5, 5, 3, 5)),  # 4.8
    ]
    assert aggregate(default_scorecard(), reviews).mean == 4.75
    assert acceptance_blockers(default_scorecard(), reviews) == [
        "knock-out: compliance averages 2.50, below its minimum 3"
    ]


def test_knockout_mean_of_three_reviewers():
    reviews = [
        Review("ann", scored(5, 5, 5, 5, 3, 5)),
        Review("bob", scored(5, 5, 5, 5, 3, 5)),
        Review("cy", scored(5, 5, 5, 5, 2, 5)),
    ]
    assert acceptance_blockers(default_scorecard(), reviews) == [
        "knock-out: compliance averages 2.67, below its minimum 3"
    ]


def test_an_advisory_shortfall_does_not_block():
    card = small_card(pass_threshold=3, min_reviewers=1)
    review = Review("ann", {"quality": 2, "safety": 5, "price": 5})  # (4 + 5 + 5) / 4 = 3.5
    assert aggregate(card, [review]).shortfalls == ["quality"]
    assert acceptance_blockers(card, [review]) == []


def test_every_failing_condition_is_reported():
    bad = scored(2, 2, 2, 2, 1, 2)  # 0.6 + 0.4 + 0.3 + 0.3 + 0.1 + 0.2 = 1.9
    card = default_scorecard(min_reviewers=3)
    assert acceptance_blockers(card, [Review("ann", bad), Review("bob", GOOD)]) == [
        "reviewers: 2 of 3 required reviews submitted",
        "score: aggregate 2.95 is below the pass threshold 3.50",
        "knock-out: compliance averages 2.50, below its minimum 3",
    ]


def test_several_knockouts_are_listed_in_card_order():
    card = Scorecard(
        (
            Criterion("z_safety", "Safety", 1, minimum=4, knockout=True),
            Criterion("a_legal", "Legal", 1, minimum=3, knockout=True),
        ),
        pass_threshold=1,
        min_reviewers=1,
    )
    review = Review("ann", {"a_legal": 1, "z_safety": 2})
    assert acceptance_blockers(card, [review]) == [
        "knock-out: z_safety averages 2.00, below its minimum 4",
        "knock-out: a_legal averages 1.00, below its minimum 3",
    ]


def test_acceptance_blockers_raise_on_invalid_reviews():
    without_design = {k: v for k, v in GOOD.items() if k != "design"}
    with pytest.raises(ScoringError, match="^reviewer ann: design: missing score$"):
        acceptance_blockers(default_scorecard(), [Review("ann", without_design)])


# --- value for money ------------------------------------------------------------------------------


def test_value_for_money_odd_count():
    vfm = value_for_money(90, [120, 80, 100])
    assert (vfm.target_price, vfm.competitor_count) == (90.0, 3)
    assert (vfm.cheapest, vfm.median, vfm.dearest) == (80.0, 100.0, 120.0)
    assert vfm.ratio_to_median == 0.9
    assert vfm.percent_vs_median == -10.0  # not -9.999999999999998


def test_value_for_money_even_count_uses_the_two_middle_prices():
    vfm = value_for_money(110, [120, 80, 100, 90])
    assert (vfm.cheapest, vfm.median, vfm.dearest) == (80.0, 95.0, 120.0)
    assert vfm.ratio_to_median == 1.1579  # 110 / 95 = 1.15789...
    assert vfm.percent_vs_median == 15.79


def test_value_for_money_median_resists_an_outlier():
    vfm = value_for_money(50, [40, 50, 60, 5000])
    assert vfm.median == 55.0
    assert vfm.percent_vs_median == -9.09  # 50/55 - 1 = -0.0909...


def test_value_for_money_single_competitor_and_decimal_prices():
    vfm = value_for_money(Decimal("19.90"), [Decimal("19.90")])
    assert (vfm.competitor_count, vfm.cheapest, vfm.median, vfm.dearest) == (1, 19.9, 19.9, 19.9)
    assert (vfm.ratio_to_median, vfm.percent_vs_median) == (1.0, 0.0)


def test_value_for_money_without_competitors():
    vfm = value_for_money(12.5, [])
    assert (vfm.target_price, vfm.competitor_count) == (12.5, 0)
    assert (vfm.cheapest, vfm.median, vfm.dearest) == (None, None, None)
    assert (vfm.ratio_to_median, vfm.percent_vs_median) == (None, None)


@pytest.mark.parametrize("target", [0, -1, math.nan, math.inf, True, "10", None])
def test_value_for_money_refuses_a_bad_target(target):
    with pytest.raises(ScoringError, match="^target_price: must be a positive number"):
        value_for_money(target, [10])


def test_value_for_money_names_every_bad_competitor_price():
    with pytest.raises(ScoringError) as excinfo:
        value_for_money(10, [10, 0, math.nan, 12, -3])
    assert [p.split(":")[0] for p in problems_of(excinfo)] == [
        "competitor_prices[1]",
        "competitor_prices[2]",
        "competitor_prices[4]",
    ]


@pytest.mark.parametrize("prices", ["10,12", None, 12])
def test_value_for_money_refuses_a_non_sequence(prices):
    with pytest.raises(ScoringError, match="^competitor_prices: must be a sequence"):
        value_for_money(10, prices)


# --- properties -----------------------------------------------------------------------------------

score_values = st.integers(SCALE_MIN, SCALE_MAX)
weights = st.one_of(
    st.integers(1, 100),
    st.floats(0.01, 100, allow_nan=False, allow_infinity=False),
)


@st.composite
def cards(draw) -> Scorecard:
    n = draw(st.integers(1, 6))
    criteria = []
    for i in range(n):
        minimum = draw(st.none() | score_values)
        knockout = minimum is not None and draw(st.booleans())
        criteria.append(Criterion(f"c{i}", f"C{i}", draw(weights), minimum, knockout))
    card = Scorecard(
        tuple(criteria),
        pass_threshold=draw(st.floats(SCALE_MIN, SCALE_MAX)),
        min_reviewers=draw(st.integers(1, 4)),
        disagreement_spread=draw(st.floats(0, 4)),
    )
    card.validate()
    return card


def scores_for(card: Scorecard):
    return st.fixed_dictionaries({c.key: score_values for c in card.criteria})


@st.composite
def card_and_scores(draw):
    card = draw(cards())
    return card, draw(scores_for(card))


@st.composite
def card_and_reviews(draw, min_size=0):
    card = draw(cards())
    panel = draw(st.lists(scores_for(card), min_size=min_size, max_size=6))
    return card, [Review(f"r{i}", s) for i, s in enumerate(panel)]


def exact_total(card: Scorecard, scores) -> Fraction:
    """An independent oracle: exact rational arithmetic on the float weights."""
    total_weight = sum(Fraction(c.weight) for c in card.criteria)
    return sum(Fraction(c.weight) * scores[c.key] for c in card.criteria) / total_weight


@given(card_and_scores())
def test_total_lies_on_the_scale_and_matches_exact_arithmetic(case):
    card, scores = case
    total = weighted_total(card, scores)
    assert SCALE_MIN <= total <= SCALE_MAX
    assert abs(Fraction(total) - exact_total(card, scores)) <= Fraction(1, 20000) + Fraction(
        1, 10**12
    )


@given(cards(), score_values)
def test_equal_scores_give_that_score(card, value):
    assert weighted_total(card, {c.key: value for c in card.criteria}) == value


@given(card_and_scores(), st.data())
def test_raising_a_score_never_lowers_the_total(case, data):
    card, scores = case
    key = data.draw(st.sampled_from([c.key for c in card.criteria]))
    raised = {**scores, key: data.draw(st.integers(scores[key], SCALE_MAX))}
    assert weighted_total(card, raised) >= weighted_total(card, scores)


@given(card_and_reviews(min_size=1), st.data())
def test_raising_a_score_never_lowers_the_mean_nor_adds_a_shortfall(case, data):
    card, reviews = case
    i = data.draw(st.integers(0, len(reviews) - 1))
    key = data.draw(st.sampled_from([c.key for c in card.criteria]))
    old = reviews[i].scores
    raised = Review(reviews[i].reviewer, {**old, key: data.draw(st.integers(old[key], SCALE_MAX))})
    before = aggregate(card, reviews)
    after = aggregate(card, [*reviews[:i], raised, *reviews[i + 1 :]])
    assert after.mean >= before.mean
    assert set(after.shortfalls) <= set(before.shortfalls)
    assert set(after.knockouts_failed) <= set(before.knockouts_failed)


@given(card_and_reviews(), st.randoms(use_true_random=False))
def test_permuting_reviewers_changes_nothing(case, rnd):
    card, reviews = case
    shuffled = list(reviews)
    rnd.shuffle(shuffled)
    assert aggregate(card, shuffled) == aggregate(card, reviews)
    assert acceptance_blockers(card, shuffled) == acceptance_blockers(card, reviews)


@given(card_and_reviews(), st.integers(-10, 10))
def test_scaling_weights_by_a_power_of_two_gives_identical_results(case, exponent):
    card, reviews = case
    k = 2.0**exponent  # exact in binary floating point, so equality must be exact too
    scaled = Scorecard(
        tuple(
            Criterion(c.key, c.label, c.weight * k, c.minimum, c.knockout) for c in card.criteria
        ),
        card.pass_threshold,
        card.min_reviewers,
        card.disagreement_spread,
    )
    for review in reviews:
        assert weighted_total(scaled, review.scores) == weighted_total(card, review.scores)
    assert aggregate(scaled, reviews) == aggregate(card, reviews)


@given(card_and_scores(), st.floats(0.01, 100))
def test_scaling_weights_by_any_constant_gives_the_same_total(case, k):
    card, scores = case
    scaled = Scorecard(tuple(Criterion(c.key, c.label, c.weight * k) for c in card.criteria))
    # k * w is itself rounded, so the totals may differ by at most the last rounding step.
    assert abs(weighted_total(scaled, scores) - weighted_total(card, scores)) <= 1.0001e-4
