"""The composite performance score's module: names kept importable from workflows.elimination,
order-free part means, and the SKU cap's weakest-first ranking by score."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import workflows.elimination as elimination
import workflows.performance as performance
from workflows.listing import SlotHolder, rank_weakest


def test_the_score_names_stay_importable_from_elimination():
    for name in ("WEIGHTS", "ScorePart", "PerformanceScore", "score_parts", "part_means",
                 "performance_score", "bottom_count", "bottom_percent", "rank_by_score",
                 "NEUTRAL_PART", "FORMULA"):
        assert getattr(elimination, name) is getattr(performance, name)


def test_formula_names_every_weight():
    assert performance.FORMULA.startswith("score = 0.40 × positive + 0.25 × returns + 0.20 ×"
                                          " complaints + 0.15 × inspections")
    assert sum(weight for _name, weight in performance.WEIGHTS) == 1.0


present = st.integers(0, 10_000).map(lambda k: round(k / 10_000, 4))
part = st.one_of(st.none(), present)


@given(st.lists(st.tuples(part, part, part, present),
                min_size=1, max_size=30), st.randoms())
def test_part_means_do_not_depend_on_the_order_of_products(parts, rng):
    shuffled = list(parts)
    rng.shuffle(shuffled)
    assert performance.part_means(parts) == performance.part_means(shuffled)


def test_part_means_are_exact_in_ten_thousandths():
    # 0.1 + 0.2 + 0.3 summed as floats is 0.6000000000000001; in ten-thousandths it is exact.
    assert performance.part_means([(0.1, None, None, 1.0), (0.2, None, None, 1.0),
                                   (0.3, None, None, 1.0)]) == (0.2, 0.5, 0.5, 1.0)


def test_weakest_first_uses_the_score_within_a_state():
    holders = [SlotHolder(1, "a", "listed", 4, 0, score=0.9),
               SlotHolder(2, "b", "listed", 4, 2, score=0.95),  # more failures, better score
               SlotHolder(3, "c", "listed", 4, 0, score=0.6),
               SlotHolder(4, "d", "under_watch", score=0.99),  # state still comes first
               SlotHolder(5, "e", "listed", 10, 5)]  # no score: after the scored ones
    assert [h.product_id for h in rank_weakest(holders)] == [4, 3, 1, 2, 5]
