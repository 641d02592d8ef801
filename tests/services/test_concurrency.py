"""50 concurrent attempts at one transition on one product: exactly one wins."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Product
from app.services import lifecycle
from app.services.audit import verify_audit_chain
from app.services.errors import Conflict
from tests import factories
from workflows.lifecycle import InvalidSourceState

ATTEMPTS = 50


def test_fifty_concurrent_accepts_exactly_one_succeeds(app, world):
    product = factories.make_product(world, "in_review")
    factories.pass_review(world, product.id)
    product_id, version, manager_id = product.id, product.version, world.manager.id
    barrier = threading.Barrier(ATTEMPTS)
    results: list[str] = []
    lock = threading.Lock()

    def attempt():
        with app.app_context():
            from app.models import User

            actor = db.session.get(User, manager_id)
            db.session.close()  # give the pooled connection back before waiting on the barrier
            barrier.wait()
            try:
                lifecycle.apply_transition(actor, product_id, "accept", None, version)
                outcome = "ok"
            except (Conflict, InvalidSourceState):
                outcome = "409"
            except Exception as error:  # noqa: BLE001 - any other failure is the bug we look for
                outcome = f"error: {type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == ["409"] * (ATTEMPTS - 1) + ["ok"], results

    db.session.rollback()  # end this session's snapshot; read what the threads committed
    fresh = db.session.get(Product, product_id)
    assert (fresh.state, fresh.version) == ("in_design", version + 1)
    accepts = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.subject_id == product_id, AuditEvent.action == "accept"))
    assert accepts == 1
    assert verify_audit_chain(db.session)[1] is None


def test_concurrent_transitions_on_different_products_keep_one_chain(app, world):
    products = [factories.make_product(world, "proposed") for _ in range(12)]
    manager_id = world.manager.id
    errors: list[str] = []
    barrier = threading.Barrier(len(products))

    def review(pid):
        with app.app_context():
            from app.models import User

            actor = db.session.get(User, manager_id)
            db.session.close()  # give the pooled connection back before waiting on the barrier
            barrier.wait()
            try:
                lifecycle.apply_transition(actor, pid, "start_review")
            except Exception as error:  # noqa: BLE001
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=review, args=(p.id,)) for p in products]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    db.session.rollback()
    count, broken = verify_audit_chain(db.session)
    assert broken is None
    assert db.session.scalar(select(func.count(Product.id)).where(
        Product.state == "in_review")) == len(products)


def test_concurrent_listings_never_exceed_the_sku_cap(app, world):
    from app.services import registry

    category = registry.create_category(None, {"name": "One slot", "sku_cap": 1})
    candidates = [factories.make_product(world, "sampling", category=category) for _ in range(8)]
    for candidate in candidates:  # every gate but the cap is open
        factories.pass_inspection(world, candidate.id, "pre_listing")
    manager_id = world.manager.id
    barrier = threading.Barrier(len(candidates))
    outcomes: list[str] = []
    lock = threading.Lock()

    def list_it(pid):
        with app.app_context():
            from app.models import User
            from workflows.lifecycle import GuardBlocked

            actor = db.session.get(User, manager_id)
            db.session.close()
            barrier.wait()
            try:
                lifecycle.apply_transition(actor, pid, "list")
                outcome = "listed"
            except GuardBlocked as blocked:
                outcome = "blocked" if all(r.startswith("sku_cap:") for r in blocked.reasons) \
                    else f"blocked by {blocked.reasons}"
            except Exception as error:  # noqa: BLE001
                outcome = f"error: {error!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=list_it, args=(p.id,)) for p in candidates]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["blocked"] * (len(candidates) - 1) + ["listed"], outcomes
    db.session.rollback()
    listed = db.session.scalar(select(func.count(Product.id)).where(
        Product.category_id == category.id, Product.state == "listed"))
    assert listed == 1


def _race(app, user_id: int, count: int, action) -> list[str]:
    """Run ``action(actor, index)`` in ``count`` threads released together; their outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index):
        with app.app_context():
            from app.models import User
            from app.services.errors import ServiceError

            actor = db.session.get(User, user_id)
            db.session.close()
            barrier.wait()
            try:
                action(actor, index)
                outcome = "ok"
            except ServiceError as error:
                outcome = f"{type(error).__name__}: {sorted(error.details or {})}"
            except Exception as error:  # noqa: BLE001 - anything else is the bug we look for
                outcome = f"error: {error!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    db.session.rollback()
    return sorted(outcomes)


def test_the_same_order_logged_at_once_is_stored_once(app, world):
    from app.models import SamplePurchase
    from app.services import qc

    product = factories.make_product(world, "listed")
    product_id = product.id

    def log(actor, index):
        qc.create_purchase(actor, product_id, factories.purchase_data(
            "routine", store_name="Sieve Mall" if index % 2 else "sieve mall ",
            order_number="SO-RACE"))

    outcomes = _race(app, world.qc.id, 8, log)
    assert outcomes == ["ValidationFailed: ['order_number']"] * 7 + ["ok"], outcomes
    assert db.session.scalar(select(func.count(SamplePurchase.id)).where(
        SamplePurchase.order_number == "SO-RACE")) == 1
    assert verify_audit_chain(db.session)[1] is None


def test_an_inspection_completed_twice_at_once_counts_once(app, world):
    from app.models import CorrectiveAction
    from app.services import qc

    product = factories.make_product(world, "listed")
    inspection = factories.open_inspection(world, product.id, "routine")
    qc.add_defect(world.qc, inspection.id, {"defect_class": "critical", "count": 1,
                                            "description": "exposed wire"})
    inspection_id = inspection.id
    checklist = {c["item"]: "pass" for c in inspection.checklist}

    def complete(actor, _index):
        qc.complete_inspection(actor, inspection_id, {"checklist": checklist})

    outcomes = _race(app, world.qc.id, 6, complete)
    assert outcomes == ["StateConflict: []"] * 5 + ["ok"], outcomes
    assert db.session.get(Product, product.id).state == "suspended"
    assert db.session.scalar(select(func.count(CorrectiveAction.id)).where(
        CorrectiveAction.product_id == product.id)) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.subject_id == product.id, AuditEvent.action == "suspend")) == 1
