"""Random transition sequences by random roles; invariants hold after every step."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Product
from app.services import lifecycle
from app.services.audit import verify_audit_chain
from app.services.errors import ServiceError
from tests import factories
from workflows.lifecycle import TRANSITIONS, LifecycleError, State

ROLES = ["admin", "selection_manager", "designer", "qc_inspector", "supplier"]


def test_random_transition_sequences_keep_invariants(app, world):
    class Lifecycle(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.product_ids = [factories.make_product(world, "draft").id for _ in range(2)]
            self.expected = {pid: "draft" for pid in self.product_ids}

        @rule(index=st.integers(0, 1), name=st.sampled_from(list(TRANSITIONS)),
              role=st.sampled_from(ROLES), with_reason=st.booleans(),
              stale=st.booleans())
        def attempt(self, index, name, role, with_reason, stale):
            pid = self.product_ids[index]
            version = db.session.get(Product, pid).version - (1 if stale else 0)
            reason = factories.reason_for(name) if with_reason else None
            try:
                product = lifecycle.apply_transition(world.user_for_role(role), pid, name,
                                                     reason, version)
            except (LifecycleError, ServiceError):
                return
            assert not stale, "a stale version was accepted"
            self.expected[pid] = TRANSITIONS[name].target.value
            assert product.state == self.expected[pid]

        @precondition(lambda self: True)
        @invariant()
        def states_are_valid_and_match_the_audit_trail(self):
            db.session.rollback()
            for pid in self.product_ids:
                product = db.session.get(Product, pid)
                assert product.state in {s.value for s in State}
                assert product.state == self.expected[pid]
                last = db.session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.subject_type == "product", AuditEvent.subject_id == pid)
                    .where(AuditEvent.to_state.is_not(None))
                    .order_by(AuditEvent.id.desc())
                ).first()
                assert last.to_state == product.state

        @invariant()
        def audit_chain_verifies(self):
            assert verify_audit_chain(db.session)[1] is None

    Lifecycle.TestCase.settings = settings(
        max_examples=15, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Lifecycle.TestCase().runTest()
