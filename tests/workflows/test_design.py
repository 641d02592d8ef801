"""Design iteration rules, without a database."""

from datetime import UTC, datetime, timedelta

import pytest

from workflows import design
from workflows.design import ItemView, RoundView


def item(id, severity="major", status="open", internal=False):
    return ItemView(id=id, severity=severity, status=status, internal=internal)


def test_revision_needs_an_open_round_and_every_item_answered():
    assert design.revision_blockers(None, []) == [
        "round: there is no open round to submit a revision for"]
    closed = RoundView(1, "closed", "another_round")
    assert design.revision_blockers(closed, [])[0].startswith("round:")
    current = RoundView(2, "open")
    items = [item(1, status="answered"), item(2, status="open"), item(3, status="reopened"),
             item(4, status="resolved"), item(5, status="open", internal=True)]
    assert design.revision_blockers(current, items) == [
        "feedback #2: answer it before submitting the revision",
        "feedback #3: answer it before submitting the revision"]
    assert design.revision_blockers(current, items[:1] + items[3:]) == []


def test_approve_needs_a_revision_and_no_open_blocking_item():
    current = RoundView(1, "open")
    assert design.decision_blockers("approve", current, [], 3) == [
        "round 1: the supplier has not submitted a revision yet"]
    submitted = RoundView(1, "revision_submitted")
    items = [item(7, "blocking", "answered"), item(8, "minor", "answered"),
             item(9, "blocking", "open", internal=True)]
    assert design.decision_blockers("approve", submitted, items, 3) == [
        "feedback #7: a blocking item is not resolved"]
    items[0] = item(7, "blocking", "resolved")
    assert design.decision_blockers("approve", submitted, items, 3) == []


def test_another_round_respects_the_category_maximum():
    assert design.decision_blockers("another_round", RoundView(2, "revision_submitted"), [], 3) == []
    assert "last (3)" in design.decision_blockers(
        "another_round", RoundView(3, "revision_submitted"), [], 3)[0]


def test_abandon_is_always_possible_while_a_round_runs():
    assert design.decision_blockers("abandon", RoundView(1, "open"), [item(1, "blocking")], 1) == []
    assert design.decision_blockers("abandon", None, [], 1) == [
        "round: there is no round in progress"]
    assert design.decision_blockers("merge", RoundView(1, "open"), [], 1)[0].startswith("decision")


def test_approve_design_guard():
    assert design.approve_design_blockers(None, []) == ["design: no design round has been approved"]
    approved = RoundView(2, "closed", "approve")
    assert design.approve_design_blockers(approved, []) == []
    assert design.approve_design_blockers(approved, [item(1, "blocking", "reopened")]) == [
        "design: 1 blocking feedback item(s) still open"]
    assert design.approve_design_blockers(RoundView(2, "closed", "another_round"), [])


@pytest.mark.parametrize("status,resolved,expected", [
    ("open", True, "resolved"), ("answered", True, "resolved"), ("reopened", True, "resolved"),
    ("answered", False, "reopened"), ("resolved", False, "reopened"),
])
def test_item_review_targets(status, resolved, expected):
    assert design.item_review_target(status, resolved) == expected


@pytest.mark.parametrize("status,resolved", [("resolved", True), ("open", False),
                                             ("reopened", False)])
def test_item_review_refusals(status, resolved):
    with pytest.raises(design.DesignError):
        design.item_review_target(status, resolved)


def test_staleness_boundary():
    now = datetime(2026, 11, 26, tzinfo=UTC)
    assert not design.is_stale(now - timedelta(days=14), now, 14)
    assert design.is_stale(now - timedelta(days=14, seconds=1), now, 14)
