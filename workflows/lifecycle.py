"""The product lifecycle: states, transitions, roles and guards, declared once.

Everything else (web buttons, the API's ``allowed_transitions``, the CLI, the audit trail, reports and
the README diagram) reads this table. Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    IN_REVIEW = "in_review"
    REJECTED = "rejected"
    IN_DESIGN = "in_design"
    ABANDONED = "abandoned"
    SAMPLING = "sampling"
    LISTED = "listed"
    UNDER_WATCH = "under_watch"
    SUSPENDED = "suspended"
    DELISTED = "delisted"


class Role(StrEnum):
    ADMIN = "admin"
    SELECTION_MANAGER = "selection_manager"
    DESIGNER = "designer"
    QC_INSPECTOR = "qc_inspector"
    SUPPLIER = "supplier"


#: States whose products occupy one of the category's SKU slots.
OCCUPIES_SKU_SLOT = frozenset({State.LISTED, State.UNDER_WATCH, State.SUSPENDED})
#: States from which no transition leads anywhere but back through a manager's decision.
TERMINAL_STATES = frozenset({State.REJECTED, State.ABANDONED})

#: Reason codes a manager must choose from when delisting.
DELIST_REASON_CODES = (
    "quality_failure",
    "customer_metrics",
    "compliance",
    "supplier_eliminated",
    "sku_cap",
    "supplier_request",
    "other",
)


@dataclass(frozen=True)
class ProductSnapshot:
    """The plain facts guards look at; the service layer builds it from the database."""

    state: State
    name_en: str = ""
    name_zh: str = ""
    category_id: int | None = None
    description: str = ""
    supplier_status: str = "active"
    category_sku_cap: int | None = None
    category_slots_used: int = 0
    target_price_cents: int | None = None
    unit_cost_cents: int | None = None
    monthly_capacity: int | None = None
    specification_count: int = 0
    competitor_count: int = 0
    standard_count: int = 0
    #: Why the selection review does not (yet) allow ``accept``; from workflows.scoring.
    review_blockers: tuple[str, ...] = ()
    #: Why design iteration does not (yet) allow ``approve_design``; from workflows.design.
    design_blockers: tuple[str, ...] = ()
    #: Listing gates (``list``): has the product passed selection review and design approval?
    selection_passed: bool = False
    design_approved: bool = False
    #: Days since the last pre-listing inspection that passed while the product has been in
    #: sampling (None: none passed), and how recent the category wants it.
    prelisting_passed_days_ago: int | None = None
    prelisting_valid_days: int = 90
    #: Certificates the category requires that are missing or not valid on the listing date.
    certificate_problems: tuple[str, ...] = ()
    #: When the SKU cap is reached: the category's listed products, weakest first (labels).
    weakest_listed: tuple[str, ...] = ()
    #: Why ``resolve_watch``/``reinstate`` may not proceed; from workflows.capa.
    watch_exit_blockers: tuple[str, ...] = ()


Guard = Callable[[ProductSnapshot], list[str]]


def guard_proposal_complete(p: ProductSnapshot) -> list[str]:
    """Every field a reviewer needs, each missing one named."""
    missing = []
    if not (p.name_en.strip() or p.name_zh.strip()):
        missing.append("name: a Chinese or English name is required")
    if p.category_id is None:
        missing.append("category: a category is required")
    if not p.description.strip():
        missing.append("description: a description is required")
    if p.target_price_cents is None:
        missing.append("target_price: the target retail price is required")
    if p.unit_cost_cents is None:
        missing.append("unit_cost: the unit cost is required")
    if p.monthly_capacity is None:
        missing.append("monthly_capacity: the expected monthly capacity is required")
    if p.specification_count == 0:
        missing.append("specifications: at least one specification is required")
    if p.competitor_count == 0:
        missing.append("competitors: at least one competitor product with its price is required")
    if p.standard_count == 0:
        missing.append("claimed_standards: at least one claimed standard is required")
    return missing


def guard_selection_passed(p: ProductSnapshot) -> list[str]:
    return list(p.review_blockers)


def guard_design_approved(p: ProductSnapshot) -> list[str]:
    return list(p.design_blockers)


def guard_supplier_not_eliminated(p: ProductSnapshot) -> list[str]:
    if p.supplier_status == "eliminated":
        return ["supplier: the supplier has been eliminated"]
    return []


def guard_sku_cap(p: ProductSnapshot) -> list[str]:
    cap = p.category_sku_cap
    if cap is not None and p.category_slots_used >= cap:
        message = f"sku_cap: the category already has {p.category_slots_used} of {cap} SKUs listed"
        if p.weakest_listed:
            message += "; delist one to make room (weakest first: " + \
                "; ".join(p.weakest_listed) + ")"
        return [message]
    return []


def guard_selection_review(p: ProductSnapshot) -> list[str]:
    if not p.selection_passed:
        return ["selection_review: the product has not passed the selection review"]
    return []


def guard_design(p: ProductSnapshot) -> list[str]:
    if not p.design_approved:
        return ["design: the design has not been approved"]
    return []


def guard_prelisting_inspection(p: ProductSnapshot) -> list[str]:
    days = p.prelisting_passed_days_ago
    if days is None:
        return ["inspection: no pre-listing inspection has passed since the product entered"
                " sampling"]
    if days > p.prelisting_valid_days:
        return [f"inspection: the last passed pre-listing inspection is {days} days old;"
                f" the category accepts at most {p.prelisting_valid_days} days"]
    return []


def guard_certificates(p: ProductSnapshot) -> list[str]:
    return [f"certificates: {problem}" for problem in p.certificate_problems]


def guard_watch_exit(p: ProductSnapshot) -> list[str]:
    return list(p.watch_exit_blockers)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[State]
    target: State
    roles: frozenset[Role]
    reason_required: bool = False
    reason_codes: tuple[str, ...] = ()
    guards: tuple[Guard, ...] = field(default_factory=tuple)
    label: str = ""

    def allows_role(self, role: Role | str) -> bool:
        return Role(role) is Role.ADMIN or Role(role) in self.roles

    def blocked_by(self, product: ProductSnapshot) -> list[str]:
        """Human-readable reasons the guards refuse this transition (empty when it may proceed)."""
        reasons: list[str] = []
        for guard in self.guards:
            reasons.extend(guard(product))
        return reasons


def _t(name, sources, target, roles, *, reason=False, codes=(), guards=(), label=""):
    return Transition(
        name=name,
        sources=frozenset(State(s) for s in sources),
        target=State(target),
        roles=frozenset(Role(r) for r in roles),
        reason_required=reason or bool(codes),
        reason_codes=tuple(codes),
        guards=tuple(guards),
        label=label or name.replace("_", " ").capitalize(),
    )


SM, DES, QC, SUP = "selection_manager", "designer", "qc_inspector", "supplier"

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("submit", ["draft"], "proposed", [SUP], guards=[guard_proposal_complete]),
        _t("start_review", ["proposed"], "in_review", [SM]),
        _t("request_info", ["in_review"], "draft", [SM], reason=True),
        _t("reject", ["proposed", "in_review"], "rejected", [SM], reason=True),
        _t("accept", ["in_review"], "in_design", [SM], guards=[guard_selection_passed]),
        _t("approve_design", ["in_design"], "sampling", [SM, DES], guards=[guard_design_approved]),
        _t("abandon", ["draft", "proposed", "in_design"], "abandoned", [SUP, SM], reason=True),
        _t("fail_sampling", ["sampling"], "in_design", [QC], reason=True),
        _t(
            "list",
            ["sampling"],
            "listed",
            [SM],
            guards=[guard_supplier_not_eliminated, guard_selection_review, guard_design,
                    guard_prelisting_inspection, guard_certificates, guard_sku_cap],
        ),
        _t("put_on_watch", ["listed"], "under_watch", [QC, SM], reason=True),
        _t("resolve_watch", ["under_watch"], "listed", [QC], guards=[guard_watch_exit]),
        _t("suspend", ["listed", "under_watch"], "suspended", [QC, SM], reason=True),
        _t("reinstate", ["suspended"], "listed", [SM], reason=True,
           guards=[guard_supplier_not_eliminated, guard_watch_exit]),
        _t("delist", ["listed", "under_watch", "suspended"], "delisted", [SM],
           codes=DELIST_REASON_CODES),
        _t("relist", ["delisted"], "sampling", [SM], reason=True,
           guards=[guard_supplier_not_eliminated]),
    )
}


class LifecycleError(Exception):
    """Base class of the domain errors the lifecycle raises."""

    code = "lifecycle_error"


class UnknownTransition(LifecycleError):
    code = "unknown_transition"


class RoleNotAllowed(LifecycleError):
    code = "role_not_allowed"


class InvalidSourceState(LifecycleError):
    code = "invalid_state"


class ReasonRequired(LifecycleError):
    code = "reason_required"


class GuardBlocked(LifecycleError):
    code = "guard_blocked"

    def __init__(self, transition: str, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__(f"{transition} is blocked: " + "; ".join(reasons))


def get_transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise UnknownTransition(f"unknown transition {name!r}") from None


def check_transition(
    name: str, product: ProductSnapshot, role: Role | str, reason: str | None = None
) -> Transition:
    """Return the transition if ``role`` may apply it to ``product`` now; raise why not otherwise.

    Checks run in the order an API caller needs them: role, source state, reason, guards.
    """
    transition = get_transition(name)
    if not transition.allows_role(role):
        raise RoleNotAllowed(f"role {Role(role).value} may not {name}")
    if product.state not in transition.sources:
        raise InvalidSourceState(
            f"{name} is not possible from {product.state.value}"
            f" (only from {', '.join(sorted(s.value for s in transition.sources))})"
        )
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise ReasonRequired(f"{name} requires a reason")
    if transition.reason_codes and reason not in transition.reason_codes:
        raise ReasonRequired(
            f"{name} requires a reason code, one of: {', '.join(transition.reason_codes)}"
        )
    blocked = transition.blocked_by(product)
    if blocked:
        raise GuardBlocked(name, blocked)
    return transition


def transitions_from(state: State | str, role: Role | str) -> list[Transition]:
    """Transitions whose source and role match (guards not evaluated), in declaration order."""
    state = State(state)
    return [t for t in TRANSITIONS.values() if state in t.sources and t.allows_role(role)]


def path_to(target: State | str, start: State | str = State.DRAFT) -> list[str]:
    """The shortest sequence of transition names leading from ``start`` to ``target``."""
    start, target = State(start), State(target)
    frontier: list[tuple[State, list[str]]] = [(start, [])]
    seen = {start}
    while frontier:
        state, path = frontier.pop(0)
        if state is target:
            return path
        for t in TRANSITIONS.values():
            if state in t.sources and t.target not in seen:
                seen.add(t.target)
                frontier.append((t.target, [*path, t.name]))
    raise ValueError(f"{target.value} is not reachable from {start.value}")


def mermaid() -> str:
    """The lifecycle as a Mermaid state diagram."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for t in TRANSITIONS.values():
        who = ", ".join(sorted(r.value for r in t.roles))
        for source in sorted(t.sources, key=list(State).index):
            lines.append(f"    {source.value} --> {t.target.value}: {t.name} ({who})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--mermaid"]:
        print(mermaid())
        return 0
    print("usage: python -m workflows.lifecycle --mermaid", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
