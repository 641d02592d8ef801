"""Design iteration rules: rounds, feedback item states, what blocks a revision or a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

AREAS = ("industrial_design", "function", "packaging", "compliance", "cost")
SEVERITIES = ("blocking", "major", "minor")
DECISIONS = ("another_round", "approve", "abandon")

ROUND_OPEN = "open"
ROUND_REVISION_SUBMITTED = "revision_submitted"
ROUND_CLOSED = "closed"

ITEM_OPEN = "open"
ITEM_ANSWERED = "answered"
ITEM_RESOLVED = "resolved"
ITEM_REOPENED = "reopened"
#: Items the supplier still has to answer.
AWAITING_SUPPLIER = frozenset({ITEM_OPEN, ITEM_REOPENED})


class DesignError(Exception):
    """A design-iteration action that the current round or item does not allow."""


@dataclass(frozen=True)
class ItemView:
    id: int
    severity: str
    status: str
    internal: bool = False


@dataclass(frozen=True)
class RoundView:
    number: int
    status: str
    decision: str | None = None


def unresolved(items: list[ItemView]) -> list[ItemView]:
    """Items still open for the product, whatever round raised them. Internal items are staff
    notes: they never wait for the supplier and never gate a decision."""
    return [i for i in items if not i.internal and i.status != ITEM_RESOLVED]


def revision_blockers(current: RoundView | None, items: list[ItemView]) -> list[str]:
    if current is None or current.status != ROUND_OPEN:
        return ["round: there is no open round to submit a revision for"]
    waiting = [i for i in unresolved(items) if i.status in AWAITING_SUPPLIER]
    return [f"feedback #{i.id}: answer it before submitting the revision" for i in waiting]


def decision_blockers(decision: str, current: RoundView | None, items: list[ItemView],
                      max_rounds: int) -> list[str]:
    """Why a reviewer may not close the current round with ``decision`` (empty: they may)."""
    if decision not in DECISIONS:
        return [f"decision: one of {', '.join(DECISIONS)}"]
    if current is None or current.status == ROUND_CLOSED:
        return ["round: there is no round in progress"]
    if decision == "abandon":
        return []
    problems = []
    if current.status != ROUND_REVISION_SUBMITTED:
        problems.append(f"round {current.number}: the supplier has not submitted a revision yet")
    if decision == "approve":
        blocking = [i for i in unresolved(items) if i.severity == "blocking"]
        problems.extend(f"feedback #{i.id}: a blocking item is not resolved" for i in blocking)
    if decision == "another_round" and current.number >= max_rounds:
        problems.append(
            f"rounds: round {current.number} is the category's last ({max_rounds});"
            " approve or abandon")
    return problems


def approve_design_blockers(latest: RoundView | None, items: list[ItemView]) -> list[str]:
    """The ``approve_design`` transition's guard."""
    problems = []
    if latest is None or latest.decision != "approve":
        problems.append("design: no design round has been approved")
    blocking = [i for i in unresolved(items) if i.severity == "blocking"]
    if blocking:
        problems.append(f"design: {len(blocking)} blocking feedback item(s) still open")
    return problems


def item_review_target(status: str, resolved: bool) -> str:
    """A reviewer resolves or reopens an item; returns the new status or raises DesignError."""
    if resolved:
        if status == ITEM_RESOLVED:
            raise DesignError("the item is already resolved")
        return ITEM_RESOLVED
    if status not in (ITEM_ANSWERED, ITEM_RESOLVED):
        raise DesignError("only an answered or resolved item can be reopened")
    return ITEM_REOPENED


def is_stale(last_activity: datetime, now: datetime, stale_after_days: int) -> bool:
    """No supplier response for longer than the configured number of days."""
    return now - last_activity > timedelta(days=stale_after_days)
