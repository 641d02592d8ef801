"""Corrective action requests, pure: every move from every status, deadlines, blockers."""

from __future__ import annotations

from datetime import date

import pytest

from workflows import capa
from workflows.capa import CapaError, CapaView, move_target

#: The contract, typed out again: move -> (allowed sources, target, who).
SPEC = {
    "submit": ({"open", "returned"}, "submitted", "supplier"),
    "close": ({"submitted"}, "closed", "qc"),
    "return": ({"submitted"}, "returned", "qc"),
    "escalate": ({"open", "submitted", "returned"}, "escalated", "qc"),
}


def test_statuses_and_moves_are_the_contract():
    assert capa.STATUSES == ("open", "submitted", "returned", "closed", "escalated")
    assert {m: (set(s), t, w) for m, (s, t, w) in capa.MOVES.items()} == SPEC
    assert capa.WITH_SUPPLIER == {"open", "returned"}
    assert capa.UNRESOLVED == {"open", "submitted", "returned", "escalated"}


@pytest.mark.parametrize("status", capa.STATUSES)
@pytest.mark.parametrize("move", list(SPEC))
def test_every_move_from_every_status(move, status):
    sources, target, _who = SPEC[move]
    if status in sources:
        assert move_target(move, status) == target
    else:
        with pytest.raises(CapaError) as caught:
            move_target(move, status)
        assert f"cannot {move} a request that is {status}" in str(caught.value)


@pytest.mark.parametrize("status", capa.STATUSES)
def test_closed_and_escalated_are_final(status):
    if status in ("closed", "escalated"):
        for move in SPEC:
            with pytest.raises(CapaError):
                move_target(move, status)


def test_an_unknown_move_is_named():
    with pytest.raises(CapaError, match="unknown action 'reopen'"):
        move_target("reopen", "closed")


def test_the_error_lists_where_the_move_is_possible():
    with pytest.raises(CapaError, match=r"only one that is open or returned"):
        move_target("submit", "closed")


# --- answers ------------------------------------------------------------------------------------

FULL = {"containment": "Stock quarantined", "root_cause": "Loose screw torque",
        "corrective_action": "Torque checked per unit", "preventive_action": "New jig"}


def test_a_full_answer_has_no_blockers():
    assert capa.answer_blockers(FULL) == []


@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t"])
def test_each_blank_field_is_named(blank):
    for field in capa.ANSWER_FIELDS:
        assert capa.answer_blockers({**FULL, field: blank}) == [f"{field}: required"]


def test_an_empty_answer_names_all_four_in_order():
    assert capa.answer_blockers({}) == [
        "containment: required", "root_cause: required", "corrective_action: required",
        "preventive_action: required"]


# --- deadlines ----------------------------------------------------------------------------------

DUE = date(2024, 5, 10)


@pytest.mark.parametrize("status", capa.STATUSES)
@pytest.mark.parametrize("today,late", [(date(2024, 5, 9), False), (DUE, False),
                                        (date(2024, 5, 11), True)])
def test_overdue_only_while_waiting_on_the_supplier_after_the_due_date(status, today, late):
    assert capa.is_overdue(status, DUE, today) is (late and status in ("open", "returned"))


def test_closed_on_time():
    assert capa.closed_on_time("closed", DUE, date(2024, 5, 10)) is True
    assert capa.closed_on_time("closed", DUE, date(2024, 5, 11)) is False
    assert capa.closed_on_time("submitted", DUE, date(2024, 5, 1)) is None
    assert capa.closed_on_time("closed", DUE, None) is None


# --- watch exit ---------------------------------------------------------------------------------

FOLLOW_UP = "follow_up: no follow-up inspection has passed since the product left listed"


def test_watch_exit_needs_every_request_closed_and_a_passed_follow_up():
    assert capa.watch_exit_blockers([], True) == []
    assert capa.watch_exit_blockers([CapaView(1, "closed")], True) == []
    assert capa.watch_exit_blockers([], False) == [FOLLOW_UP]
    assert capa.watch_exit_blockers([CapaView(1, "closed")], False) == [FOLLOW_UP]


@pytest.mark.parametrize("status", ["open", "submitted", "returned", "escalated"])
def test_each_unresolved_request_blocks_with_its_id_and_status(status):
    assert capa.watch_exit_blockers([CapaView(7, status), CapaView(8, "closed")], True) == [
        f"corrective_action: request #7 is {status}, not closed"]


def test_all_blockers_together_in_order():
    assert capa.watch_exit_blockers([CapaView(3, "open"), CapaView(5, "submitted")], False) == [
        "corrective_action: request #3 is open, not closed",
        "corrective_action: request #5 is submitted, not closed",
        FOLLOW_UP]
