"""Listing gates, pure: certificates valid on the listing date, the weakest-first ranking."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from workflows.listing import SlotHolder, certificate_problems, rank_weakest

LAUNCH = date(2024, 6, 1)


# --- certificate_problems -----------------------------------------------------------------------

def test_nothing_required_nothing_wrong():
    assert certificate_problems([], [], LAUNCH) == []
    assert certificate_problems([], [("CCC", date(2000, 1, 1))], LAUNCH) == []


def test_a_missing_certificate_is_named():
    assert certificate_problems(["CCC"], [], LAUNCH) == ["no CCC certificate on file"]
    assert certificate_problems(["CCC"], [("CE", date(2030, 1, 1))], LAUNCH) == [
        "no CCC certificate on file"]


def test_a_certificate_expiring_before_the_listing_date_is_named():
    assert certificate_problems(["CCC"], [("CCC", date(2024, 5, 31))], LAUNCH) == [
        "the CCC certificate expired on 2024-05-31, before the listing date 2024-06-01"]


def test_a_certificate_valid_on_the_listing_date_passes():
    assert certificate_problems(["CCC"], [("CCC", LAUNCH)], LAUNCH) == []
    assert certificate_problems(["CCC"], [("CCC", date(2025, 1, 1))], LAUNCH) == []


def test_codes_compare_without_case_or_surrounding_spaces():
    assert certificate_problems([" gb 4706.1 "], [("GB 4706.1", date(2025, 1, 1))], LAUNCH) == []
    assert certificate_problems(["CCC"], [("  ccc", date(2025, 1, 1))], LAUNCH) == []


def test_the_best_of_several_certificates_counts():
    held = [("CCC", date(2023, 1, 1)), ("ccc", date(2025, 1, 1)), ("CCC", date(2024, 1, 1))]
    assert certificate_problems(["CCC"], held, LAUNCH) == []
    stale = [("CCC", date(2023, 1, 1)), ("CCC", date(2024, 3, 1))]
    assert certificate_problems(["CCC"], stale, LAUNCH) == [
        "the CCC certificate expired on 2024-03-01, before the listing date 2024-06-01"]


def test_every_problem_in_the_required_order():
    held = [("CE", date(2024, 1, 1)), ("RoHS", date(2030, 1, 1))]
    assert certificate_problems(["CCC", "CE", "RoHS"], held, LAUNCH) == [
        "no CCC certificate on file",
        "the CE certificate expired on 2024-01-01, before the listing date 2024-06-01"]


# --- rank_weakest -------------------------------------------------------------------------------

def test_state_comes_first():
    holders = [SlotHolder(1, "a", "listed", 10, 5), SlotHolder(2, "b", "under_watch"),
               SlotHolder(3, "c", "suspended")]
    assert [h.product_id for h in rank_weakest(holders)] == [3, 2, 1]


def test_then_failed_inspections_then_open_actions_then_pass_rate_then_id():
    holders = [
        SlotHolder(1, "clean", "listed", 4, 0),
        SlotHolder(2, "never inspected", "listed"),
        SlotHolder(3, "two failures", "listed", 10, 2),
        SlotHolder(4, "one failure, one open action", "listed", 2, 1, 1),
        SlotHolder(5, "one failure", "listed", 2, 1),
        SlotHolder(6, "one failure, better rate", "listed", 10, 1),
        SlotHolder(7, "clean too", "listed", 4, 0),
    ]
    # Never inspected counts as a clean record (pass rate 1): ties go by id.
    assert [h.product_id for h in rank_weakest(holders)] == [3, 4, 5, 6, 1, 2, 7]


def test_pass_rate_and_description():
    assert SlotHolder(1, "x", "listed").pass_rate is None
    assert SlotHolder(1, "x", "listed", 4, 1).pass_rate == 0.75
    assert SlotHolder(9, "Kettle", "under_watch", 3, 2, 1).describe() == (
        "#9 Kettle (under_watch, 2 of 3 inspections failed in 12 months,"
        " 1 corrective action(s) not closed)")
    assert SlotHolder(4, "Lamp", "listed").describe() == (
        "#4 Lamp (listed, 0 of 0 inspections failed in 12 months)")


holders = st.builds(
    SlotHolder, product_id=st.integers(1, 10_000), name=st.just("p"),
    state=st.sampled_from(["listed", "under_watch", "suspended"]),
    inspections=st.integers(0, 20), failed_inspections=st.integers(0, 20),
    unresolved_actions=st.integers(0, 3))


@given(st.lists(holders, max_size=12, unique_by=lambda h: h.product_id))
def test_ranking_is_a_stable_total_order(items):
    ranked = rank_weakest(items)
    assert sorted(h.product_id for h in ranked) == sorted(h.product_id for h in items)
    assert rank_weakest(list(reversed(items))) == ranked
    weight = {"suspended": 2, "under_watch": 1, "listed": 0}
    for a, b in zip(ranked, ranked[1:], strict=False):
        assert weight[a.state] >= weight[b.state]
