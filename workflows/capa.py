"""Corrective and preventive action requests (CAPA): statuses, moves, deadlines.

A failed inspection opens a request to the supplier with a due date. The supplier answers it
(containment, root cause, corrective and preventive actions, with evidence) and submits; QC then
closes it after a passed follow-up inspection, returns it to the supplier with a reason, or
escalates it (a delisting proposal to the selection managers).

    open --submit--> submitted --close--> closed
    returned --submit--> submitted --return--> returned
    open | submitted | returned --escalate--> escalated

Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

OPEN, SUBMITTED, RETURNED, CLOSED, ESCALATED = (
    "open", "submitted", "returned", "closed", "escalated")
STATUSES = (OPEN, SUBMITTED, RETURNED, CLOSED, ESCALATED)
#: Waiting on the supplier: these can be overdue.
WITH_SUPPLIER = frozenset({OPEN, RETURNED})
#: Not finished: these block ``resolve_watch`` and ``reinstate``.
UNRESOLVED = frozenset({OPEN, SUBMITTED, RETURNED, ESCALATED})
ANSWER_FIELDS = ("containment", "root_cause", "corrective_action", "preventive_action")
DEFAULT_DUE_DAYS = 14

#: move -> (sources, target, who: "supplier" or "qc")
MOVES = {
    "submit": (frozenset({OPEN, RETURNED}), SUBMITTED, "supplier"),
    "close": (frozenset({SUBMITTED}), CLOSED, "qc"),
    "return": (frozenset({SUBMITTED}), RETURNED, "qc"),
    "escalate": (frozenset({OPEN, SUBMITTED, RETURNED}), ESCALATED, "qc"),
}


class CapaError(ValueError):
    pass


def move_target(move: str, status: str) -> str:
    """The status ``move`` leads to from ``status``; CapaError says why not."""
    if move not in MOVES:
        raise CapaError(f"unknown action {move!r}; one of {', '.join(MOVES)}")
    sources, target, _who = MOVES[move]
    if status not in sources:
        raise CapaError(f"cannot {move} a request that is {status}"
                        f" (only one that is {' or '.join(sorted(sources))})")
    return target


def answer_blockers(answers: dict[str, str | None]) -> list[str]:
    """What the supplier still has to fill in before submitting."""
    return [f"{f}: required" for f in ANSWER_FIELDS if not (answers.get(f) or "").strip()]


def is_overdue(status: str, due_on: date, today: date) -> bool:
    return status in WITH_SUPPLIER and today > due_on


def closed_on_time(status: str, due_on: date, submitted_on: date | None) -> bool | None:
    """Whether the supplier answered by the due date (None while it has not been closed)."""
    if status != CLOSED or submitted_on is None:
        return None
    return submitted_on <= due_on


@dataclass(frozen=True)
class CapaView:
    id: int
    status: str


def watch_exit_blockers(capas: list[CapaView], passed_follow_up: bool) -> list[str]:
    """Why a watched or suspended product cannot go back to listed: every request must be
    closed, and a follow-up inspection must have passed since the product left ``listed``."""
    reasons = [f"corrective_action: request #{c.id} is {c.status}, not closed"
               for c in capas if c.status in UNRESOLVED]
    if not passed_follow_up:
        reasons.append("follow_up: no follow-up inspection has passed since the product"
                       " left listed")
    return reasons
