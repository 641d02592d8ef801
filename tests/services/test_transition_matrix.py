"""Every transition from every state for every role, against the real database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Product
from app.services import lifecycle
from app.services.errors import http_status
from tests import factories
from tests.workflows.test_lifecycle import ALL_ROLES, ALL_STATES, SPEC
from workflows.lifecycle import LifecycleError


def expected_status(state: str, name: str, role: str) -> int:
    sources, _target, roles, _ = SPEC[name]
    if role != "admin" and role not in roles:
        return 403
    if state not in sources:
        return 409
    return 200


def audit_count(product_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.subject_type == "product", AuditEvent.subject_id == product_id))


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("state", ALL_STATES)
def test_every_transition_from_state_for_role(world, state, role):
    actor = world.user_for_role(role)
    refused_on = factories.make_product(world, state)
    outcomes = {}
    for name in SPEC:
        expected = expected_status(state, name, role)
        product = factories.make_product(world, state) if expected == 200 else refused_on
        if expected == 200 and name == "accept":
            factories.pass_review(world, product.id)
        if expected == 200 and name == "approve_design":
            factories.approve_design_round(world, product.id)
        if expected == 200 and name == "list":
            factories.pass_inspection(world, product.id, "pre_listing")
        if expected == 200 and name in ("resolve_watch", "reinstate"):
            factories.pass_inspection(world, product.id, "follow_up")
        if expected == 200:
            product = db.session.get(Product, product.id)
        before = (product.state, product.version, audit_count(product.id))
        try:
            result = lifecycle.apply_transition(actor, product.id, name, factories.reason_for(name),
                                                product.version)
        except Exception as error:  # noqa: BLE001 - the status mapping is what is under test
            if not isinstance(error, LifecycleError) and http_status(error) == 500:
                raise
            outcomes[name] = http_status(error)
            db.session.expire_all()
            fresh = db.session.get(Product, product.id)
            assert (fresh.state, fresh.version, audit_count(product.id)) == before, name
        else:
            outcomes[name] = 200
            assert result.state == SPEC[name][1]
            assert result.version == before[1] + 1
            assert audit_count(product.id) == before[2] + 1
            last = db.session.scalars(select(AuditEvent).where(
                AuditEvent.subject_id == product.id, AuditEvent.subject_type == "product")
                .order_by(AuditEvent.id.desc())).first()
            assert (last.action, last.from_state, last.to_state, last.actor_id) == (
                name, state, SPEC[name][1], actor.id)
    assert outcomes == {name: expected_status(state, name, role) for name in SPEC}


def test_supplier_cannot_touch_another_suppliers_product(world):
    product = factories.make_product(world, "draft", supplier=world.supplier_b)
    from app.services.errors import NotFound

    with pytest.raises(NotFound):
        lifecycle.apply_transition(world.supplier_user, product.id, "submit")
    assert db.session.get(Product, product.id).state == "draft"


def test_missing_reason_is_refused_and_changes_nothing(world):
    product = factories.make_product(world, "in_review")
    from workflows.lifecycle import ReasonRequired

    with pytest.raises(ReasonRequired):
        lifecycle.apply_transition(world.manager, product.id, "reject", "  ")
    assert audit_count(product.id) == 3  # create, submit, start_review


def test_stale_version_is_a_conflict(world):
    product = factories.make_product(world, "in_review")
    from app.services.errors import Conflict

    with pytest.raises(Conflict) as caught:
        lifecycle.apply_transition(world.manager, product.id, "accept", None, product.version - 1)
    assert caught.value.status == 409
    assert db.session.get(Product, product.id).state == "in_review"


def test_sku_cap_guard_counts_listed_watched_and_suspended(world):
    cat = world.other_category  # cap 2
    factories.make_product(world, "listed", category=cat)
    factories.make_product(world, "suspended", category=cat)
    third = factories.make_product(world, "sampling", category=cat)
    from workflows.lifecycle import GuardBlocked

    with pytest.raises(GuardBlocked, match="2 of 2"):
        lifecycle.apply_transition(world.manager, third.id, "list")
    allowed = lifecycle.available_transitions(db.session, world.manager, third)
    assert {t["name"]: t["blocked_by"] for t in allowed}["list"]
