"""Supplier standing rules on hand-made figures: every rule, on and around its threshold."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from workflows.standing import (
    CODES,
    StandingError,
    StandingThresholds,
    SupplierFigures,
    assess,
    capa_counts,
    response_days,
    with_override,
)

#: A supplier with a spotless, well-documented record: preferred.
GOOD = SupplierFigures(
    inspections=20, inspections_passed=20, capas_due=0, capas_closed_on_time=0,
    design_rounds=4, design_rounds_answered=4, design_response_days=(2.0, 3.0, 4.0, 5.0),
    reviews=500, positive_reviews=475, units_sold=2000, returns=20, listed_products=3)


def judged(**changes) -> tuple[str, tuple[str, ...]]:
    result = assess(replace(GOOD, **changes))
    return result.standing, result.codes


def test_a_good_record_is_preferred_with_the_numbers_said():
    result = assess(GOOD)
    assert result.standing == "preferred" and result.codes == ("preferred",)
    text = result.reasons[0].text
    assert "inspection pass rate 100 % (20 of 20 inspections passed in 12 months)" in text
    assert "positive-review rate 95 % (475 of 500 reviews in 6 months)" in text
    assert "return rate 1 % (20 returns of 2000 units sold in 6 months)" in text
    assert result.reasons[0].numbers["pass_rate"] == 100.0


def test_a_new_supplier_is_approved_saying_there_is_not_enough_data():
    result = assess(SupplierFigures())
    assert (result.standing, result.codes) == ("approved", ("insufficient_data",))
    assert "not enough data yet (0 inspections, 3 needed" in result.reasons[0].text
    assert "a new supplier is approved" in result.reasons[0].text
    # two inspections, both failed, are still too few to judge
    assert assess(SupplierFigures(inspections=2, inspections_passed=0)).standing == "approved"


# --- eliminated ----------------------------------------------------------------------------------

@pytest.mark.parametrize("passed, standing", [(9, "eliminated"), (10, "probation")])
def test_pass_rate_below_50_eliminates_and_exactly_50_does_not(passed, standing):
    result = assess(replace(GOOD, inspections=20, inspections_passed=passed))
    assert result.standing == standing
    if standing == "eliminated":
        assert result.codes == ("pass_rate_very_low",)
        assert result.reasons[0].text == ("inspection pass rate 45 % (9 of 20 inspections passed"
                                          " in 12 months) is below 50 %")
        assert result.reasons[0].numbers == {"pass_rate": 45.0, "inspections": 20,
                                             "inspections_passed": 9, "threshold": 50.0}


def test_the_pass_rate_is_only_judged_with_enough_inspections():
    assert judged(inspections=3, inspections_passed=1)[0] == "eliminated"  # 33 %, 3 suffice
    assert judged(inspections=2, inspections_passed=0)[0] == "approved"


@pytest.mark.parametrize("overdue, standing, codes", [
    (3, "eliminated", ("capas_overdue_many",)),
    (2, "probation", ("capa_overdue",)),
    (1, "probation", ("capa_overdue",)),
    (0, "preferred", ("preferred",)),
])
def test_overdue_corrective_actions(overdue, standing, codes):
    assert judged(capas_overdue=overdue) == (standing, codes)


@pytest.mark.parametrize("delisted, standing, codes", [
    (3, "eliminated", ("delisted_many",)),
    (2, "probation", ("delisted",)),
    (1, "probation", ("delisted",)),
])
def test_products_delisted_for_quality(delisted, standing, codes):
    assert judged(delisted_12m=delisted) == (standing, codes)


def test_every_elimination_reason_is_listed_not_only_the_first():
    result = assess(replace(GOOD, inspections_passed=5, capas_overdue=4, delisted_12m=3))
    assert result.codes == ("pass_rate_very_low", "capas_overdue_many", "delisted_many")
    assert "4 corrective actions overdue: 3 or more eliminate" in result.reasons[1].text


# --- probation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("passed, standing", [(15, "probation"), (16, "approved")])
def test_pass_rate_below_80_is_probation_exactly_80_is_not(passed, standing):
    assert judged(inspections_passed=passed)[0] == standing  # 75 % / 80 %


@pytest.mark.parametrize("critical, standing", [(4, "approved"), (5, "probation")])
def test_critical_defects_above_02_per_inspection(critical, standing):
    # 4 in 20 is 0.2 per inspection (on the threshold), 5 is 0.25
    result = assess(replace(GOOD, critical_defects=critical))
    assert result.standing == standing
    if standing == "probation":
        assert result.reasons[0].text == ("0.25 critical nonconforming items per inspection (5 in"
                                          " 20 inspections) is above 0.2")


@pytest.mark.parametrize("on_time, standing", [(6, "probation"), (7, "approved"), (9, "preferred")])
def test_corrective_actions_closed_on_time_below_70(on_time, standing):
    assert judged(capas_due=10, capas_closed_on_time=on_time)[0] == standing


def test_one_late_request_is_too_few_to_judge_the_on_time_rate():
    assert judged(capas_due=1, capas_closed_on_time=0)[0] == "approved"  # not preferred: 0 %
    assert judged(capas_due=2, capas_closed_on_time=0)[0] == "probation"


@pytest.mark.parametrize("positive, standing", [(349, "probation"), (350, "approved"),
                                                (425, "preferred")])
def test_positive_review_rate_below_70(positive, standing):
    assert judged(positive_reviews=positive)[0] == standing  # of 500: 69.8 %, 70 %, 85 %


@pytest.mark.parametrize("returns, standing", [(201, "probation"), (200, "approved"),
                                               (60, "preferred"), (61, "approved")])
def test_return_rate_above_10(returns, standing):
    assert judged(returns=returns)[0] == standing  # of 2000: 10.05 %, 10 %, 3 %, 3.05 %


def test_customer_rates_need_enough_reviews_and_units():
    assert judged(reviews=49, positive_reviews=0)[0] == "approved"
    assert judged(reviews=50, positive_reviews=0)[0] == "probation"
    assert judged(units_sold=199, returns=199)[0] == "approved"
    assert judged(units_sold=200, returns=199)[0] == "probation"


@pytest.mark.parametrize("days, standing", [((31.0, 31.0), "probation"), ((30.0, 30.0), "approved"),
                                            ((7.0, 7.0), "preferred"), ((7.0, 7.02), "approved")])
def test_design_revisions_slower_than_30_days(days, standing):
    assert judged(design_rounds=2, design_rounds_answered=2,
                  design_response_days=days)[0] == standing


def test_one_slow_design_round_is_too_few_to_judge():
    assert judged(design_rounds=1, design_rounds_answered=1,
                  design_response_days=(90.0,))[0] == "approved"


def test_probation_lists_every_reason():
    result = assess(replace(GOOD, inspections_passed=15, capas_overdue=1, positive_reviews=300,
                            returns=300))
    assert result.codes == ("pass_rate_low", "capa_overdue", "positive_rate_low",
                            "return_rate_high")


# --- preferred / approved ------------------------------------------------------------------------

@pytest.mark.parametrize("changes, shortfall", [
    ({"listed_products": 0}, "0 products on sale (1 needed)"),
    ({"inspections": 4, "inspections_passed": 4}, "4 inspections in 12 months (5 needed)"),
    ({"inspections_passed": 18}, "inspection pass rate 90 % (18 of 20 inspections passed"),
    ({"reviews": 40, "positive_reviews": 40}, "40 reviews in 6 months (50 needed)"),
    ({"units_sold": 100, "returns": 0}, "100 units sold in 6 months (200 needed)"),
    ({"critical_defects": 1}, "0.05 critical nonconforming items per inspection is above 0"),
    ({"capas_due": 10, "capas_closed_on_time": 8}, "80 % of corrective actions closed on time"),
])
def test_approved_says_which_preferred_condition_is_missed(changes, shortfall):
    result = assess(replace(GOOD, **changes))
    assert result.codes == ("approved", "not_preferred")
    assert shortfall in result.reasons[1].text


def test_preferred_boundaries_are_inclusive():
    assert judged(inspections=5, inspections_passed=5)[0] == "preferred"
    assert judged(inspections_passed=19)[0] == "preferred"  # exactly 95 %
    assert judged(capas_due=10, capas_closed_on_time=9)[0] == "preferred"  # exactly 90 %


def test_figures_as_dict_has_the_agreed_keys_and_null_rates_without_data():
    keys = {"inspections", "inspections_passed", "pass_rate", "defects_per_inspection",
            "capas_due", "capas_closed_on_time", "capa_on_time_rate", "capas_overdue",
            "design_rounds", "design_rounds_answered", "design_response_days_median", "reviews",
            "positive_rate", "units_sold", "return_rate", "listed_products", "delisted_12m"}
    empty = SupplierFigures().as_dict()
    assert keys <= set(empty)
    for rate in ("pass_rate", "capa_on_time_rate", "positive_rate", "return_rate",
                 "design_response_days_median"):
        assert empty[rate] is None
    assert empty["defects_per_inspection"]["critical"] is None
    full = GOOD.as_dict()
    assert (full["pass_rate"], full["design_response_days_median"]) == (100.0, 3.5)
    assert all(code in CODES for code in assess(GOOD).codes)


def test_thresholds_refuse_nonsense_naming_each_field():
    with pytest.raises(StandingError) as caught:
        StandingThresholds(min_inspections=0, probation_pass_rate_below=120,
                           preferred_design_days=-1)
    message = str(caught.value)
    for name in ("min_inspections", "probation_pass_rate_below", "preferred_design_days"):
        assert name in message
    stricter = StandingThresholds(probation_pass_rate_below=90)
    assert assess(replace(GOOD, inspections_passed=17), stricter).standing == "probation"


def test_capa_counts_follow_the_capa_rules():
    today = date(2026, 11, 26)
    rows = [("closed", today - timedelta(days=3), today - timedelta(days=3), True),  # on time
            ("closed", today - timedelta(days=3), today - timedelta(days=2), True),  # late
            ("open", today - timedelta(days=1), None, True),  # overdue
            ("open", today, None, True),  # due today: not yet overdue nor due
            ("returned", today - timedelta(days=400), None, False),  # old but still overdue
            ("closed", today + timedelta(days=3), today, True)]  # closed early: on time
    assert capa_counts(rows, today) == (4, 2, 2)


def test_response_days():
    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert response_days(start, start + timedelta(days=2, hours=12)) == 2.5
    assert response_days(start, start - timedelta(hours=1)) == 0.0


def test_an_override_leads_and_keeps_the_computed_reasons():
    computed = assess(replace(GOOD, capas_overdue=1))
    overridden = with_override(computed, "approved", "supplier fixed it; paperwork pending")
    assert overridden.standing == "approved"
    assert overridden.codes == ("manual_override", "capa_overdue")
    assert overridden.reasons[0].text == (
        "set to approved by a manager: supplier fixed it; paperwork pending"
        " (the figures alone give probation)")
    assert with_override(computed, None, None) is computed
    with pytest.raises(StandingError, match="standing: one of"):
        with_override(computed, "gold", "why not")
