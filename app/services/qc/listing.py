"""Listing gates that need the database: selection, design, pre-listing inspection,
certificates, the SKU cap's weakest-first list, and the way back from watch or suspension."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.models import (
    AuditEvent,
    Certificate,
    CorrectiveAction,
    Inspection,
    Product,
)
from app.models.base import as_utc
from app.services.errors import raise_if_errors
from app.services.qc.common import (
    _amount,
    _date,
    _today,
)
from app.services.qc.corrective_actions import _passed_follow_up
from workflows import capa as capa_rules
from workflows import inspection as rules
from workflows.lifecycle import OCCUPIES_SKU_SLOT, State
from workflows.listing import SlotHolder, certificate_problems, rank_weakest

# --- listing gates ------------------------------------------------------------------------------

def listing_facts(session: Session, product: Product, on: date | None = None) -> dict:
    """Snapshot fields for the ``list`` guards (ProductSnapshot keyword arguments)."""
    if product.state != State.SAMPLING:
        return {}
    on = on or _today()
    last = dict(session.execute(
        select(AuditEvent.action, func.max(AuditEvent.id))
        .where(AuditEvent.subject_type == "product", AuditEvent.subject_id == product.id,
               AuditEvent.action.in_(["accept", "approve_design", "fail_sampling"]))
        .group_by(AuditEvent.action)).all())
    design_ok = "approve_design" in last and last["approve_design"] > last.get("fail_sampling", 0)
    # Only an inspection of this stay in sampling counts: one that passed before a failed
    # pre-listing inspection (and the redesign after it) or before a delisting says nothing
    # about what is to be listed now.
    passed_at = session.scalar(select(func.max(Inspection.completed_at)).where(
        Inspection.product_id == product.id, Inspection.kind == rules.PRE_LISTING,
        Inspection.verdict == "accepted",
        Inspection.completed_at >= as_utc(product.state_changed_at)))
    category = product.category
    required = list(category.required_certificates or []) if category else []
    held = session.execute(select(Certificate.standard_code, Certificate.expires_on).where(
        Certificate.supplier_id == product.supplier_id)).all() if required else []
    return {
        "selection_passed": "accept" in last,
        "design_approved": design_ok,
        "prelisting_passed_days_ago": None if passed_at is None
        else (_today() - as_utc(passed_at).date()).days,
        "prelisting_valid_days": category.prelisting_valid_days if category else 90,
        "certificate_problems": tuple(certificate_problems(required, held, on)),
    }


def weakest_listed(session: Session, category_id: int, limit: int = 5) -> tuple[str, ...]:
    """The category's slot holders, weakest first, described for the SKU-cap guard message."""
    since = datetime.now(UTC) - timedelta(days=365)
    inspected = (select(Inspection.product_id,
                        func.count(Inspection.id).label("n"),
                        func.sum(case((Inspection.verdict == "rejected", 1), else_=0))
                        .label("failed"))
                 .where(Inspection.status == "completed", Inspection.completed_at >= since)
                 .group_by(Inspection.product_id).subquery())
    unresolved = (select(CorrectiveAction.product_id, func.count(CorrectiveAction.id).label("n"))
                  .where(CorrectiveAction.status.in_(list(capa_rules.UNRESOLVED)))
                  .group_by(CorrectiveAction.product_id).subquery())
    rows = session.execute(
        select(Product.id, Product.name_zh, Product.name_en, Product.state, inspected.c.n,
               inspected.c.failed, unresolved.c.n)
        .outerjoin(inspected, inspected.c.product_id == Product.id)
        .outerjoin(unresolved, unresolved.c.product_id == Product.id)
        .where(Product.category_id == category_id,
               Product.state.in_([s.value for s in OCCUPIES_SKU_SLOT])))
    rows = list(rows)
    from app.services.elimination import performance_scores  # it imports this package

    scores = performance_scores(session, category_id, [row[0] for row in rows])
    holders = [SlotHolder(pid, zh or en or f"#{pid}", state, int(n or 0), int(failed or 0),
                          int(open_n or 0), scores.get(pid))
               for pid, zh, en, state, n, failed, open_n in rows]
    return tuple(h.describe() for h in rank_weakest(holders)[:limit])


def watch_exit_blockers(session: Session, product: Product) -> tuple[str, ...]:
    """Why a watched or suspended product may not go back to listed (resolve_watch, reinstate)."""
    if product.state not in (State.UNDER_WATCH, State.SUSPENDED):
        return ()
    capas = [capa_rules.CapaView(i, s) for i, s in session.execute(
        select(CorrectiveAction.id, CorrectiveAction.status)
        .where(CorrectiveAction.product_id == product.id,
               CorrectiveAction.status.in_(list(capa_rules.UNRESOLVED)))
        .order_by(CorrectiveAction.id))]
    passed = _passed_follow_up(session, product.id, as_utc(product.state_changed_at))
    return tuple(capa_rules.watch_exit_blockers(capas, passed is not None))


def clean_listing(product: Product, details: Any) -> dict:
    """``list`` details: retail price (default: the target price) and launch date (default:
    today; today or later, within a year). Column values for the product."""
    details = details or {}
    if not isinstance(details, dict):
        raise_if_errors({"details": "must be an object"})
    errors: dict[str, str] = {}
    unknown = sorted(set(details) - {"retail_price", "launch_date"})
    if unknown:
        errors["fields"] = f"unknown field(s): {', '.join(unknown)}"
    price = _amount(details.get("retail_price"), "retail_price", errors)
    if price is None and "retail_price" not in errors:
        price = product.target_price_cents
        if price is None:
            errors["retail_price"] = "required"
    launch = _date(details.get("launch_date"), "launch_date", errors, default=_today())
    if launch is not None and "launch_date" not in errors:
        if launch < _today():
            errors["launch_date"] = "must be today or later"
        elif launch > _today() + timedelta(days=366):
            errors["launch_date"] = "must be within a year"
    raise_if_errors(errors)
    return {"retail_price_cents": price, "launched_on": launch}
