"""The lifecycle table against the issue's contract, every (state, transition, role) triple."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows import lifecycle
from workflows.lifecycle import ProductSnapshot, Role, State

# The contract, typed out again from the issue so the table in workflows/ is checked, not echoed.
SPEC = {
    "submit": ({"draft"}, "proposed", {"supplier"}, False),
    "start_review": ({"proposed"}, "in_review", {"selection_manager"}, False),
    "request_info": ({"in_review"}, "draft", {"selection_manager"}, True),
    "reject": ({"proposed", "in_review"}, "rejected", {"selection_manager"}, True),
    "accept": ({"in_review"}, "in_design", {"selection_manager"}, False),
    "approve_design": ({"in_design"}, "sampling", {"selection_manager", "designer"}, False),
    "abandon": ({"draft", "proposed", "in_design"}, "abandoned", {"supplier", "selection_manager"},
                True),
    "fail_sampling": ({"sampling"}, "in_design", {"qc_inspector"}, True),
    "list": ({"sampling"}, "listed", {"selection_manager"}, False),
    "put_on_watch": ({"listed"}, "under_watch", {"qc_inspector", "selection_manager"}, True),
    "resolve_watch": ({"under_watch"}, "listed", {"qc_inspector"}, False),
    "suspend": ({"listed", "under_watch"}, "suspended", {"qc_inspector", "selection_manager"}, True),
    "reinstate": ({"suspended"}, "listed", {"selection_manager"}, True),
    "delist": ({"listed", "under_watch", "suspended"}, "delisted", {"selection_manager"}, True),
    "relist": ({"delisted"}, "sampling", {"selection_manager"}, True),
}
ALL_STATES = [s.value for s in State]
ALL_ROLES = [r.value for r in Role]


def complete(state: str, **overrides) -> ProductSnapshot:
    """A snapshot every guard lets through (listing gates passed), unless overridden."""
    values = {"state": State(state), "name_en": "Kettle", "category_id": 1,
              "description": "1.7 L", "target_price_cents": 19900, "unit_cost_cents": 8000,
              "monthly_capacity": 5000, "specification_count": 3, "competitor_count": 2,
              "standard_count": 1, "selection_passed": True, "design_approved": True,
              "prelisting_passed_days_ago": 0, **overrides}
    return ProductSnapshot(**values)


def reason(name: str) -> str:
    return "quality_failure" if name == "delist" else "because"


def test_states_are_exactly_the_contract():
    assert ALL_STATES == ["draft", "proposed", "in_review", "rejected", "in_design", "abandoned",
                          "sampling", "listed", "under_watch", "suspended", "delisted"]


def test_transition_table_matches_the_contract():
    assert set(lifecycle.TRANSITIONS) == set(SPEC)
    for name, (sources, target, roles, needs_reason) in SPEC.items():
        t = lifecycle.TRANSITIONS[name]
        assert {s.value for s in t.sources} == sources, name
        assert t.target.value == target, name
        assert {r.value for r in t.roles} == roles, name
        assert t.reason_required is needs_reason, name


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", list(SPEC))
@pytest.mark.parametrize("state", ALL_STATES)
def test_check_transition_for_every_state_transition_role(state, name, role):
    sources, target, roles, _ = SPEC[name]
    product = complete(state)
    if role != "admin" and role not in roles:
        with pytest.raises(lifecycle.RoleNotAllowed):
            lifecycle.check_transition(name, product, role, reason(name))
    elif state not in sources:
        with pytest.raises(lifecycle.InvalidSourceState):
            lifecycle.check_transition(name, product, role, reason(name))
    else:
        assert lifecycle.check_transition(name, product, role, reason(name)).target.value == target


@pytest.mark.parametrize("name", [n for n, spec in SPEC.items() if spec[3]])
def test_reason_is_required(name):
    state = sorted(SPEC[name][0])[0]
    with pytest.raises(lifecycle.ReasonRequired):
        lifecycle.check_transition(name, complete(state), "admin", "   ")


def test_delist_requires_a_known_reason_code():
    with pytest.raises(lifecycle.ReasonRequired, match="reason code"):
        lifecycle.check_transition("delist", complete("listed"), "admin", "they were bad")
    for code in lifecycle.DELIST_REASON_CODES:
        lifecycle.check_transition("delist", complete("listed"), "admin", code)


def test_submit_guard_names_every_missing_field():
    with pytest.raises(lifecycle.GuardBlocked) as caught:
        lifecycle.check_transition("submit", ProductSnapshot(state=State.DRAFT), "supplier")
    named = [reason.split(":")[0] for reason in caught.value.reasons]
    assert named == ["name", "category", "description", "target_price", "unit_cost",
                     "monthly_capacity", "specifications", "competitors", "claimed_standards"]


def test_accept_guard_reports_the_review_blockers():
    blocked = complete("in_review", review_blockers=("reviewers: 1 of 2 required reviews",))
    with pytest.raises(lifecycle.GuardBlocked, match="1 of 2"):
        lifecycle.check_transition("accept", blocked, "selection_manager")


def test_either_name_satisfies_the_submit_guard():
    lifecycle.check_transition("submit", complete("draft", name_en="", name_zh="电水壶"), "supplier")


def test_sku_cap_blocks_listing_when_full():
    full = complete("sampling", category_sku_cap=3, category_slots_used=3)
    with pytest.raises(lifecycle.GuardBlocked, match="3 of 3"):
        lifecycle.check_transition("list", full, "selection_manager")
    lifecycle.check_transition("list", complete("sampling", category_sku_cap=3,
                                                category_slots_used=2), "selection_manager")


def test_default_snapshot_blocks_listing_on_every_qc_gate():
    """A bare snapshot (nothing known) is refused by every listing gate at once."""
    with pytest.raises(lifecycle.GuardBlocked) as caught:
        lifecycle.check_transition("list", ProductSnapshot(state=State.SAMPLING),
                                   "selection_manager")
    assert [r.split(":")[0] for r in caught.value.reasons] == [
        "selection_review", "design", "inspection"]


LISTING_GATES = [
    ({"selection_passed": False},
     "selection_review: the product has not passed the selection review"),
    ({"design_approved": False}, "design: the design has not been approved"),
    ({"prelisting_passed_days_ago": None},
     "inspection: no pre-listing inspection has passed since the product entered sampling"),
    ({"prelisting_passed_days_ago": 91},
     "inspection: the last passed pre-listing inspection is 91 days old; the category accepts"
     " at most 90 days"),
    ({"prelisting_passed_days_ago": 31, "prelisting_valid_days": 30},
     "inspection: the last passed pre-listing inspection is 31 days old; the category accepts"
     " at most 30 days"),
    ({"certificate_problems": ("no CCC certificate on file",)},
     "certificates: no CCC certificate on file"),
    ({"category_sku_cap": 2, "category_slots_used": 2,
      "weakest_listed": ("#7 Lamp (suspended)", "#3 Kettle (listed)")},
     "sku_cap: the category already has 2 of 2 SKUs listed; delist one to make room (weakest"
     " first: #7 Lamp (suspended); #3 Kettle (listed))"),
    ({"supplier_status": "eliminated"}, "supplier: the supplier has been eliminated"),
]


@pytest.mark.parametrize("overrides,message", LISTING_GATES)
def test_each_listing_gate_blocks_on_its_own(overrides, message):
    with pytest.raises(lifecycle.GuardBlocked) as caught:
        lifecycle.check_transition("list", complete("sampling", **overrides), "selection_manager")
    assert caught.value.reasons == [message]


@pytest.mark.parametrize("days,valid", [(0, 90), (90, 90), (7, 7)])
def test_a_recent_enough_prelisting_inspection_passes(days, valid):
    lifecycle.check_transition("list", complete("sampling", prelisting_passed_days_ago=days,
                                                prelisting_valid_days=valid),
                               "selection_manager")


def test_sku_cap_message_without_ranking():
    with pytest.raises(lifecycle.GuardBlocked) as caught:
        lifecycle.check_transition("list", complete("sampling", category_sku_cap=0),
                                   "selection_manager")
    assert caught.value.reasons == ["sku_cap: the category already has 0 of 0 SKUs listed"]


@pytest.mark.parametrize("name,state,role", [("resolve_watch", "under_watch", "qc_inspector"),
                                             ("reinstate", "suspended", "selection_manager")])
def test_watch_exit_blockers_guard_resolve_watch_and_reinstate(name, state, role):
    blockers = ("corrective_action: request #4 is open, not closed",
                "follow_up: no follow-up inspection has passed since the product left listed")
    with pytest.raises(lifecycle.GuardBlocked) as caught:
        lifecycle.check_transition(name, complete(state, watch_exit_blockers=blockers), role,
                                   "fixed")
    assert caught.value.reasons == list(blockers)
    assert lifecycle.check_transition(name, complete(state), role, "fixed").target is State.LISTED


@pytest.mark.parametrize("name,state", [("list", "sampling"), ("reinstate", "suspended"),
                                        ("relist", "delisted")])
def test_eliminated_supplier_blocks_listing(name, state):
    with pytest.raises(lifecycle.GuardBlocked, match="eliminated"):
        lifecycle.check_transition(name, complete(state, supplier_status="eliminated"), "admin",
                                   "reason")


def test_unknown_transition():
    with pytest.raises(lifecycle.UnknownTransition):
        lifecycle.check_transition("teleport", complete("draft"), "admin")


@pytest.mark.parametrize("state", ALL_STATES)
def test_path_to_reaches_every_state(state):
    current = State.DRAFT
    for name in lifecycle.path_to(state):
        current = lifecycle.check_transition(name, complete(current.value), "admin",
                                             reason(name)).target
    assert current.value == state


@given(st.sampled_from(ALL_STATES), st.sampled_from(ALL_ROLES))
def test_transitions_from_agrees_with_check_transition(state, role):
    offered = {t.name for t in lifecycle.transitions_from(state, role)}
    possible = set()
    for name in SPEC:
        try:
            lifecycle.check_transition(name, complete(state), role, reason(name))
        except lifecycle.LifecycleError:
            continue
        possible.add(name)
    assert offered == possible


def test_mermaid_lists_every_edge():
    diagram = lifecycle.mermaid()
    assert diagram.startswith("stateDiagram-v2")
    for name, (sources, target, _, _) in SPEC.items():
        for source in sources:
            assert f"{source} --> {target}: {name} (" in diagram


def test_mermaid_cli():
    out = subprocess.run([sys.executable, "-m", "workflows.lifecycle", "--mermaid"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == lifecycle.mermaid()
    bad = subprocess.run([sys.executable, "-m", "workflows.lifecycle"], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr


def test_importing_workflows_pulls_in_neither_flask_nor_sqlalchemy():
    code = ("import sys, workflows.lifecycle, workflows.audit; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'app')]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
