"""Applying lifecycle transitions: the only code that writes a product's state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import Category, Product, User
from app.services import design, notifications, qc, reviews
from app.services.audit import record_event
from app.services.errors import StaleVersion, ValidationFailed
from app.services.visibility import get_visible_product
from workflows import lifecycle
from workflows.lifecycle import OCCUPIES_SKU_SLOT, ProductSnapshot, State


def proposal_snapshot(product: Product) -> ProductSnapshot:
    """The proposal's own fields only (no queries): enough for the completeness guard."""
    return ProductSnapshot(
        state=State(product.state),
        name_en=product.name_en or "",
        name_zh=product.name_zh or "",
        category_id=product.category_id,
        description=product.description or "",
        target_price_cents=product.target_price_cents,
        unit_cost_cents=product.unit_cost_cents,
        monthly_capacity=product.monthly_capacity,
        specification_count=len(product.specifications or []),
        competitor_count=len(product.competitors or []),
        standard_count=len(product.claimed_standards or []),
    )


def snapshot(session: Session, product: Product, viewer: User | None = None,
             listing_on: date | None = None) -> ProductSnapshot:
    """Everything the guards look at. ``viewer``: review results are redacted for a reviewer who
    has not submitted yet, so guard messages cannot leak the panel's scores. ``listing_on``: the
    launch date certificates must be valid on (default today)."""
    cap, used = None, 0
    if product.category_id is not None:
        cap = session.scalar(select(Category.sku_cap).where(Category.id == product.category_id))
        used = session.scalar(
            select(func.count(Product.id)).where(
                Product.category_id == product.category_id,
                Product.state.in_([s.value for s in OCCUPIES_SKU_SLOT]),
                Product.id != product.id,
            )
        )
    weakest = ()
    if product.state == State.SAMPLING and cap is not None and (used or 0) >= cap:
        weakest = qc.weakest_listed(session, product.category_id)
    return replace(
        proposal_snapshot(product),
        supplier_status=product.supplier.status,
        category_sku_cap=cap,
        category_slots_used=used or 0,
        review_blockers=reviews.acceptance_blockers(session, product, viewer),
        design_blockers=design.approve_design_blockers(session, product),
        weakest_listed=weakest,
        watch_exit_blockers=qc.watch_exit_blockers(session, product),
        **qc.listing_facts(session, product, listing_on),
    )


def available_transitions(session: Session, user: User, product: Product) -> list[dict]:
    """Transitions the user's role may apply from the product's state, each with its blockers."""
    if user.is_supplier and product.supplier_id != user.supplier_id:
        return []
    snap = snapshot(session, product, user)
    return [
        {
            "name": t.name,
            "label": t.label,
            "target": t.target.value,
            "reason_required": t.reason_required,
            "reason_codes": list(t.reason_codes),
            "blocked_by": t.blocked_by(snap),
        }
        for t in lifecycle.transitions_from(product.state, user.role)
    ]


def apply_transition(
    actor: User,
    product_id: int,
    transition: str,
    reason: str | None = None,
    expected_version: int | None = None,
    details: dict | None = None,
) -> Product:
    """Check role, ownership, source state, reason and guards; move the product; audit; commit.

    ``details``: for ``list``, the retail price and launch date (``retail_price``,
    ``launch_date``; defaults: the target price and today).

    The state change is a compare-and-set on ``version``: of two concurrent callers that read the
    same version, exactly one updates the row and the other gets Conflict with nothing changed.
    """
    with write_transaction() as session:
        product = transition_in_session(session, actor, product_id, transition, reason,
                                        expected_version, details)
    session.refresh(product)
    return product


def transition_in_session(
    session: Session,
    actor: User,
    product_id: int,
    transition: str,
    reason: str | None = None,
    expected_version: int | None = None,
    details: dict | None = None,
) -> Product:
    """``apply_transition`` inside a caller's write transaction (a design decision to abandon
    moves the product in the same transaction that closes the round)."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 2000:
        raise ValidationFailed("reason: at most 2000 characters", {"reason": "too long"})
    product = get_visible_product(actor, product_id)
    if expected_version is not None and product.version != expected_version:
        raise StaleVersion(
            f"product {product_id} changed since you loaded it"
            f" (version {expected_version}, now {product.version})",
            {"current_version": product.version, "state": product.state},
        )
    if details and transition != "list":
        raise ValidationFailed(f"details: {transition} takes no details",
                               {"details": "only list takes details"})
    listing = {}
    if transition == "list":
        rule = lifecycle.get_transition(transition)
        if rule.allows_role(actor.role) and product.state in rule.sources:
            listing = qc.clean_listing(product, details)
    rule = lifecycle.check_transition(
        transition, snapshot(session, product, actor, listing.get("launched_on")), actor.role,
        reason)
    from_state, version = product.state, product.version
    now = datetime.now(UTC)
    result = session.execute(
        update(Product)
        .where(Product.id == product_id, Product.version == version)
        .values(
            state=rule.target.value,
            version=version + 1,
            state_changed_at=now,
            updated_at=now,
            **listing,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleVersion(f"product {product_id} was changed by someone else; reload and retry")
    record_event(
        session,
        actor,
        "product",
        product_id,
        transition,
        from_state=from_state,
        to_state=rule.target.value,
        reason=reason,
        changes={"state": {"before": from_state, "after": rule.target.value},
                 **{key: {"before": None, "after": value.isoformat()
                          if isinstance(value, date) else value}
                    for key, value in listing.items()}},
    )
    if from_state == State.IN_DESIGN and rule.target != State.SAMPLING:
        design.close_round_on_exit(session, actor, product, transition, reason)
    notifications.on_transition(session, actor, product, transition, reason)
    return product
