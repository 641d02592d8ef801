"""ISO 2859-1 switching rules, lot by lot."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows import switching
from workflows.switching import LotResult, SwitchingState, next_state, replay

OK = LotResult(accepted=True, acceptance_number=1)
BAD = LotResult(accepted=False, acceptance_number=1)


def test_two_rejections_within_five_lots_tighten():
    assert replay([BAD, OK, OK, OK]).severity == "normal"
    state = replay([BAD, OK, OK, OK, BAD])
    assert state.severity == "tightened" and "2 of the last 5" in state.reason


def test_two_rejections_six_lots_apart_do_not_tighten():
    assert replay([BAD, OK, OK, OK, OK, BAD]).severity == "normal"


def test_five_accepted_in_a_row_restore_normal():
    tight = replay([BAD, BAD])
    assert tight.severity == "tightened"
    assert replay([BAD, BAD, OK, OK, OK, OK]).severity == "tightened"
    back = replay([BAD, BAD, OK, OK, OK, OK, OK])
    assert back.severity == "normal" and back.switching_score == 0


def test_a_rejection_under_tightened_restarts_the_count_of_accepts():
    state = replay([BAD, BAD, OK, OK, OK, OK, BAD, OK, OK, OK, OK])
    assert state.severity == "tightened" and state.tightened_accepted_in_a_row == 4


def test_five_rejections_under_tightened_discontinue():
    almost = replay([BAD, BAD] + [BAD, OK, BAD, OK, BAD, BAD])  # 2 to tighten, then 4 not accepted
    assert (almost.discontinued, almost.tightened_not_accepted) == (False, 4)
    state = next_state(almost, BAD)
    assert state.discontinued and state.tightened_not_accepted == 5
    with pytest.raises(switching.SwitchingError):
        next_state(state, OK)
    resumed = switching.resume(state)
    assert (resumed.severity, resumed.discontinued) == ("tightened", False)
    with pytest.raises(switching.SwitchingError):
        switching.resume(resumed)


def test_switching_score_small_acceptance_numbers():
    assert replay([OK] * 14, reduced_approved=True).switching_score == 28
    assert replay([OK] * 15, reduced_approved=True).severity == "reduced"
    assert replay([OK] * 15, reduced_approved=False).severity == "normal"
    assert replay([OK] * 15, reduced_approved=True, production_steady=False).severity == "normal"
    assert replay([OK] * 10 + [BAD] + [OK] * 3).switching_score == 6


def test_switching_score_larger_acceptance_numbers_need_the_tighter_plan():
    tighter = LotResult(accepted=True, acceptance_number=5, accepted_one_step_tighter=True)
    barely = LotResult(accepted=True, acceptance_number=5, accepted_one_step_tighter=False)
    assert replay([tighter] * 9).switching_score == 27
    assert replay([tighter] * 9 + [barely]).switching_score == 0
    assert replay([tighter] * 10, reduced_approved=True).severity == "reduced"


def test_reduced_returns_to_normal_on_a_rejection_or_irregular_production():
    reduced = replay([OK] * 15, reduced_approved=True)
    assert next_state(reduced, OK).severity == "reduced"
    assert next_state(reduced, BAD).severity == "normal"
    assert next_state(reduced, OK, production_steady=False).severity == "normal"


lots = st.lists(st.builds(LotResult, accepted=st.booleans(),
                          acceptance_number=st.integers(0, 21),
                          accepted_one_step_tighter=st.booleans()), max_size=60)


@given(lots, st.booleans(), st.booleans())
def test_invariants(history, steady, approved):
    state = SwitchingState()
    for lot in history:
        if state.discontinued:
            break
        before = state
        state = next_state(state, lot, production_steady=steady, reduced_approved=approved)
        assert state.severity in ("normal", "tightened", "reduced")
        assert state.switching_score >= 0 and state.reason
        if state.discontinued:
            assert before.severity == "tightened" and not lot.accepted
        if state.severity == "reduced" and before.severity != "reduced":
            assert approved and steady and before.severity == "normal"
        if state.severity == "tightened" and before.severity == "normal":
            assert not lot.accepted
        if before.severity == "tightened" and state.severity == "normal":
            assert lot.accepted and before.tightened_accepted_in_a_row == 4
