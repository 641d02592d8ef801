"""Inspections, pure: plans per defect class, the verdict and its arithmetic, what follows."""

from __future__ import annotations

import pytest

from workflows import inspection as rules
from workflows import sampling
from workflows.inspection import (
    DEFAULT_AQLS,
    ClassPlan,
    InspectionError,
    class_plans,
    consequence,
    evaluate,
    kind_allowed,
    lot_result,
    sample_to_draw,
)
from workflows.lifecycle import State

ALL_STATES = [s.value for s in State]


def by_class(plans) -> dict[str, ClassPlan]:
    return {p.defect_class: p for p in plans}


# --- class_plans --------------------------------------------------------------------------------

def test_default_plans_follow_the_master_table_per_class():
    plans = by_class(class_plans(50, DEFAULT_AQLS))
    assert [p.defect_class for p in class_plans(50, DEFAULT_AQLS)] == ["critical", "major", "minor"]
    # Lot 50, level II: code letter D (n=8).
    assert plans["critical"] == ClassPlan("critical", 0.0, "D", "D", 8, 0, 1, False)
    # Major 2.5 at D is an up arrow to C (n=5, 0/1); minor 4.0 a down arrow to E (n=13, 1/2).
    assert plans["major"] == ClassPlan("major", 2.5, "D", "C", 5, 0, 1, False)
    assert plans["minor"] == ClassPlan("minor", 4.0, "D", "E", 13, 1, 2, False)
    assert sample_to_draw(class_plans(50, DEFAULT_AQLS)) == 13


@pytest.mark.parametrize("lot,level,severity,aql", [
    (50, "II", "normal", 2.5), (500, "II", "normal", 1.0), (1000, "I", "tightened", 0.65),
    (3200, "III", "reduced", 4.0), (10, "S-2", "normal", 6.5), (150, "II", "tightened", 1.5),
])
def test_a_nonzero_aql_class_uses_sampling_plan(lot, level, severity, aql):
    plan = by_class(class_plans(lot, {"critical": 0, "major": aql, "minor": 4.0}, level,
                                severity))["major"]
    expected = sampling.plan(lot, aql, level, severity)
    assert (plan.code_letter, plan.effective_letter, plan.sample_size, plan.accept,
            plan.reject, plan.inspect_whole_lot) == (
        expected.code_letter, expected.effective_letter, expected.sample_size, expected.accept,
        expected.reject, expected.inspect_whole_lot)


@pytest.mark.parametrize("lot,severity,n", [(50, "normal", 8), (50, "tightened", 8),
                                            (50, "reduced", 3), (1000, "normal", 80),
                                            (1000, "reduced", 32), (9, "normal", 3)])
def test_zero_tolerance_uses_the_code_letters_sample_with_ac0_re1(lot, severity, n):
    critical = by_class(class_plans(lot, DEFAULT_AQLS, "II", severity))["critical"]
    letter = sampling.code_letter(lot, "II")
    assert critical == ClassPlan("critical", 0.0, letter, letter, n, 0, 1, False)


@pytest.mark.parametrize("zero", [0, 0.0, "0", " 0.0 ", "-0"])
def test_zero_tolerance_spellings(zero):
    assert by_class(class_plans(50, {**DEFAULT_AQLS, "major": zero}))["major"].aql == 0.0


def test_zero_tolerance_on_a_tiny_lot_inspects_the_whole_lot():
    plans = class_plans(2, DEFAULT_AQLS)
    assert all(p.inspect_whole_lot and p.sample_size == 2 for p in plans)
    critical = by_class(class_plans(2, DEFAULT_AQLS))["critical"]
    assert (critical.sample_size, critical.accept, critical.reject) == (2, 0, 1)
    # Lot 8, tightened: the major plan's n=8 reaches the lot size; critical (n=2) does not.
    plans = by_class(class_plans(8, DEFAULT_AQLS, "II", "tightened"))
    assert plans["major"].inspect_whole_lot and plans["major"].sample_size == 8
    assert not plans["critical"].inspect_whole_lot and plans["critical"].sample_size == 2


def test_aqls_given_as_text_are_read_from_the_series():
    plans = by_class(class_plans(500, {"critical": "0", "major": "0.65", "minor": "2.5"}))
    assert (plans["major"].aql, plans["minor"].aql) == (0.65, 2.5)


@pytest.mark.parametrize("aqls,field", [
    ({"major": 2.5, "minor": 4.0}, "aql.critical"),
    ({"critical": 0, "minor": 4.0}, "aql.major"),
    ({"critical": 0, "major": 2.5}, "aql.minor"),
    ({"critical": 0, "major": 3, "minor": 4.0}, "aql.major"),
    ({"critical": -1, "major": 2.5, "minor": 4.0}, "aql.critical"),
    ({"critical": 0, "major": "abc", "minor": 4.0}, "aql.major"),
    ({"critical": 0, "major": None, "minor": 4.0}, "aql.major"),
    ({"critical": False, "major": 2.5, "minor": 4.0}, "aql.critical"),
    ({"critical": 0, "major": 2.5, "minor": float("nan")}, "aql.minor"),
])
def test_bad_aqls_name_their_class(aqls, field):
    with pytest.raises(InspectionError) as caught:
        class_plans(50, aqls)
    assert caught.value.field == field
    assert str(caught.value).startswith(field + ": ")


@pytest.mark.parametrize("lot,level,severity,argument", [
    (1, "II", "normal", "lot_size"), (0, "II", "normal", "lot_size"),
    (-5, "II", "normal", "lot_size"), (50, "IV", "normal", "level"),
    (50, "II", "lenient", "severity"), ("50", "II", "normal", "lot_size"),
])
def test_bad_lot_level_or_severity_raise_sampling_errors(lot, level, severity, argument):
    with pytest.raises(sampling.SamplingError) as caught:
        class_plans(lot, DEFAULT_AQLS, level, severity)
    assert caught.value.argument == argument


def test_plan_dicts_round_trip():
    for plan in class_plans(1000, DEFAULT_AQLS, "II", "tightened"):
        assert ClassPlan.from_dict(plan.as_dict()) == plan
    assert ClassPlan.from_dict({**class_plans(50, DEFAULT_AQLS)[0].as_dict(), "extra": 1}) == \
        class_plans(50, DEFAULT_AQLS)[0]


# --- evaluate -----------------------------------------------------------------------------------

PLANS_50 = class_plans(50, DEFAULT_AQLS)  # critical n=8 0/1, major n=5 0/1, minor n=13 1/2


def test_nothing_found_accepts_with_the_arithmetic_shown():
    verdict = evaluate(PLANS_50, {})
    assert verdict.accepted and verdict.rejected_classes == () and not verdict.critical_found
    assert verdict.arithmetic() == [
        "critical: AQL 0 (zero tolerance), n=8, Ac=0, Re=1; 0 nonconforming < Re 1: accept",
        "major: AQL 2.5, n=5, Ac=0, Re=1; 0 nonconforming < Re 1: accept",
        "minor: AQL 4, n=13, Ac=1, Re=2; 0 nonconforming < Re 2: accept",
        "lot accepted",
    ]


def test_a_class_rejects_when_its_count_reaches_re():
    verdict = evaluate(PLANS_50, {"minor": 1})
    assert verdict.accepted
    verdict = evaluate(PLANS_50, {"minor": 2, "major": 1})
    assert not verdict.accepted and verdict.rejected_classes == ("major", "minor")
    assert verdict.arithmetic()[1:] == [
        "major: AQL 2.5, n=5, Ac=0, Re=1; 1 nonconforming >= Re 1: reject",
        "minor: AQL 4, n=13, Ac=1, Re=2; 2 nonconforming >= Re 2: reject",
        "lot rejected by major, minor",
    ]


def test_one_critical_item_rejects_under_zero_tolerance():
    verdict = evaluate(PLANS_50, {"critical": 1})
    assert not verdict.accepted and verdict.critical_found
    assert verdict.arithmetic()[0] == (
        "critical: AQL 0 (zero tolerance), n=8, Ac=0, Re=1; 1 nonconforming >= Re 1: reject")
    assert verdict.arithmetic()[-1] == "lot rejected by critical"


def test_a_critical_item_within_a_nonzero_critical_aql_is_still_found():
    plans = class_plans(1000, {"critical": 0.65, "major": 2.5, "minor": 4.0})
    verdict = evaluate(plans, {"critical": 1})  # J at 0.65: n=80, Ac 1
    assert verdict.accepted and verdict.critical_found


def test_counts_up_to_the_class_sample_are_accepted_above_refused():
    assert not evaluate(PLANS_50, {"major": 5}).accepted
    with pytest.raises(InspectionError) as caught:
        evaluate(PLANS_50, {"major": 6})
    assert caught.value.field == "defects.major"
    assert "more than the class's sample of 5" in str(caught.value)
    evaluate(PLANS_50, {"minor": 13})
    with pytest.raises(InspectionError, match="sample of 13"):
        evaluate(PLANS_50, {"minor": 14})


@pytest.mark.parametrize("count,message", [(-1, "must not be negative"),
                                           (1.5, "whole number"), ("2", "whole number"),
                                           (True, "whole number"), (None, "whole number")])
def test_bad_counts_are_refused(count, message):
    with pytest.raises(InspectionError, match=message) as caught:
        evaluate(PLANS_50, {"minor": count})
    assert caught.value.field == "defects.minor"


def test_an_unknown_defect_class_is_refused():
    with pytest.raises(InspectionError) as caught:
        evaluate(PLANS_50, {"cosmetic": 1})
    assert caught.value.field == "defects.cosmetic"


# --- lot_result (switching score inputs) ---------------------------------------------------------

def test_lot_result_for_small_acceptance_numbers():
    result = lot_result(evaluate(PLANS_50, {"minor": 1}), 50, "II", "normal")
    assert (result.accepted, result.acceptance_number, result.accepted_one_step_tighter) == (
        True, 1, True)
    result = lot_result(evaluate(PLANS_50, {"major": 1}), 50, "II", "normal")
    assert (result.accepted, result.acceptance_number, result.accepted_one_step_tighter) == (
        False, 1, False)


PLANS_500 = class_plans(500, DEFAULT_AQLS)  # H n=50: major 2.5 3/4, minor 4.0 5/6


def test_lot_result_uses_the_largest_acceptance_number():
    assert by_class(PLANS_500)["major"].accept == 3 and by_class(PLANS_500)["minor"].accept == 5
    assert lot_result(evaluate(PLANS_500, {}), 500, "II", "normal").acceptance_number == 5


@pytest.mark.parametrize("found,tighter_ok", [
    ({}, True),
    ({"major": 2, "minor": 3}, True),   # tighter: major 1.5 -> 2/3, minor 2.5 -> 3/4
    ({"major": 3}, False),              # accepted at 2.5 (Re 4) but not at 1.5 (Re 3)
    ({"minor": 4}, False),              # accepted at 4.0 (Re 6) but not at 2.5 (Re 4)
    ({"major": 2, "minor": 4}, False),
])
def test_accepted_one_step_tighter_checks_every_class_with_ac_2_or_more(found, tighter_ok):
    result = lot_result(evaluate(PLANS_500, found), 500, "II", "normal")
    assert result.accepted
    assert result.accepted_one_step_tighter is tighter_ok


def test_a_rejected_lot_is_never_accepted_one_step_tighter():
    result = lot_result(evaluate(PLANS_500, {"major": 4}), 500, "II", "normal")
    assert (result.accepted, result.accepted_one_step_tighter) == (False, False)


def test_tighter_plan_with_another_sample_size_judges_this_samples_count():
    # Lot 150 (F, n=20): minor 4.0 is 2/3; one step tighter (2.5) is 1/2 on the same row.
    plans = class_plans(150, DEFAULT_AQLS)
    assert by_class(plans)["minor"].accept == 2
    assert lot_result(evaluate(plans, {"minor": 1}), 150, "II", "normal") \
        .accepted_one_step_tighter
    assert not lot_result(evaluate(plans, {"minor": 2}), 150, "II", "normal") \
        .accepted_one_step_tighter


def test_zero_tolerance_classes_do_not_take_part_in_the_tighter_check():
    plans = class_plans(500, {"critical": 0, "major": 0, "minor": 0})
    result = lot_result(evaluate(plans, {}), 500, "II", "normal")
    assert (result.accepted, result.acceptance_number, result.accepted_one_step_tighter) == (
        True, 0, True)


# --- kind_allowed -------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("kind", rules.KINDS)
def test_kind_allowed_for_every_kind_and_state(kind, state):
    refusal = kind_allowed(kind, state)
    if kind == "pre_listing":
        allowed = state == "sampling"
    else:
        allowed = state in ("listed", "under_watch", "suspended")
    if allowed:
        assert refusal is None
    else:
        assert refusal.startswith("kind: ") and state in refusal


def test_unknown_kind_is_refused_in_any_state():
    assert kind_allowed("mystery", "listed") == \
        "kind: one of pre_listing, routine, follow_up, complaint"


# --- consequence --------------------------------------------------------------------------------

VERDICTS = {
    "accepted": evaluate(PLANS_50, {"minor": 1}),
    "minor": evaluate(PLANS_50, {"minor": 2}),
    "major": evaluate(PLANS_50, {"major": 1}),
    "critical": evaluate(PLANS_50, {"critical": 1}),
}


def expected_consequence(kind, state, verdict, discontinued):
    """The issue's rules, written out again."""
    if verdict == "accepted":
        return None
    if kind == "pre_listing":
        return "fail_sampling" if state == "sampling" else None
    if state in ("listed", "under_watch") and (verdict == "critical" or discontinued):
        return "suspend"
    if state == "listed":
        return "put_on_watch"
    return None


@pytest.mark.parametrize("discontinued", [False, True])
@pytest.mark.parametrize("verdict", list(VERDICTS))
@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("kind", rules.KINDS)
def test_consequence_for_every_kind_state_and_verdict(kind, state, verdict, discontinued):
    assert consequence(kind, state, VERDICTS[verdict], discontinued) == \
        expected_consequence(kind, state, verdict, discontinued)


def test_consequence_highlights():
    assert consequence("pre_listing", "sampling", VERDICTS["major"]) == "fail_sampling"
    assert consequence("routine", "listed", VERDICTS["major"]) == "put_on_watch"
    assert consequence("routine", "listed", VERDICTS["critical"]) == "suspend"
    assert consequence("complaint", "under_watch", VERDICTS["critical"]) == "suspend"
    assert consequence("routine", "under_watch", VERDICTS["major"]) is None
    assert consequence("routine", "under_watch", VERDICTS["major"], discontinued=True) == \
        "suspend"
    assert consequence("follow_up", "listed", VERDICTS["minor"], discontinued=True) == "suspend"
    assert consequence("routine", "suspended", VERDICTS["critical"], discontinued=True) is None
    assert consequence("routine", "listed", VERDICTS["accepted"], discontinued=True) is None
