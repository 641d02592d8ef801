"""Listing gates that need more than the product itself: certificates and the SKU cap ranking.

Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

#: How bad a slot holder's state is, for the weakest-first ranking.
_STATE_WEIGHT = {"suspended": 2, "under_watch": 1, "listed": 0}


def certificate_problems(required: Iterable[str], held: Iterable[tuple[str, date]],
                         on: date) -> list[str]:
    """Each standard the category requires that the supplier holds no certificate for, valid on
    ``on`` (the listing date). ``held``: (standard code, expires on) of the supplier's
    certificates. Codes compare without case and surrounding spaces."""
    best: dict[str, date] = {}
    for code, expires in held:
        key = code.strip().casefold()
        if key not in best or expires > best[key]:
            best[key] = expires
    problems = []
    for code in required:
        expires = best.get(code.strip().casefold())
        if expires is None:
            problems.append(f"no {code} certificate on file")
        elif expires < on:
            problems.append(f"the {code} certificate expired on {expires.isoformat()},"
                            f" before the listing date {on.isoformat()}")
    return problems


@dataclass(frozen=True)
class SlotHolder:
    """A product occupying one of a category's SKU slots, with its QC record of 12 months."""

    product_id: int
    name: str
    state: str
    inspections: int = 0
    failed_inspections: int = 0
    unresolved_actions: int = 0
    #: Composite performance score (workflows.performance), when the service computed one.
    score: float | None = None

    @property
    def pass_rate(self) -> float | None:
        if not self.inspections:
            return None
        return (self.inspections - self.failed_inspections) / self.inspections

    def describe(self) -> str:
        facts = [self.state]
        facts.append(f"{self.failed_inspections} of {self.inspections} inspections failed in"
                     " 12 months")
        if self.unresolved_actions:
            facts.append(f"{self.unresolved_actions} corrective action(s) not closed")
        return f"#{self.product_id} {self.name} ({', '.join(facts)})"


def weakness_key(h: SlotHolder) -> tuple:
    """Weakest first: worse state, lower composite performance score (the elimination sweep's;
    holders without one after those with one), more failed inspections, more open corrective
    actions, lower pass rate; ties by id."""
    rate = h.pass_rate
    return (-_STATE_WEIGHT.get(h.state, 0), h.score is None, h.score or 0.0,
            -h.failed_inspections, -h.unresolved_actions, 1.0 if rate is None else rate,
            h.product_id)


def rank_weakest(holders: Iterable[SlotHolder]) -> list[SlotHolder]:
    return sorted(holders, key=weakness_key)
