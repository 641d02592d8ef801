"""The supplier portal: each of a supplier's products with what is open and what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    CorrectiveAction,
    DesignRound,
    FeedbackItem,
    Inspection,
    Product,
    User,
)
from app.services import qc
from app.services.lifecycle import proposal_snapshot
from workflows import capa as capa_rules
from workflows import design as design_rules
from workflows import lifecycle
from workflows.inspection import POST_LISTING_STATES
from workflows.switching import SwitchingState


@dataclass
class PortalRow:
    product: Product
    #: A code the page turns into a sentence: complete_proposal, await_review, answer_feedback,
    #: await_reviewers, await_round, await_sampling, in_sampling, listed, under_watch,
    #: suspended, closed.
    next_step: str
    missing: list[str] = field(default_factory=list)
    open_items: int = 0
    round_number: int | None = None
    due_on: date | None = None
    overdue: bool = False
    last_decision: str | None = None
    last_reason: str | None = None


def supplier_products(user: User):
    """The SELECT of the supplier's products, most recently changed first (for paging)."""
    return (select(Product).where(Product.supplier_id == user.supplier_id)
            .order_by(Product.updated_at.desc(), Product.id.desc()))


def supplier_overview(user: User, today: date,
                      products: list[Product] | None = None) -> list[PortalRow]:
    """Built with a fixed number of queries, whatever the number of products; ``products``
    (one page of :func:`supplier_products`) defaults to all of them."""
    if products is None:
        products = list(db.session.scalars(supplier_products(user)))
    ids = [p.id for p in products]
    if not ids:
        return []
    open_items = dict(db.session.execute(
        select(FeedbackItem.product_id, func.count()).where(
            FeedbackItem.product_id.in_(ids), FeedbackItem.internal.is_(False),
            FeedbackItem.status.in_(sorted(design_rules.AWAITING_SUPPLIER)))
        .group_by(FeedbackItem.product_id)).all())
    latest_round: dict[int, DesignRound] = {}
    for rnd in db.session.scalars(select(DesignRound).where(DesignRound.product_id.in_(ids))
                                  .order_by(DesignRound.number)):
        latest_round[rnd.product_id] = rnd
    last_id = (select(AuditEvent.subject_id, func.max(AuditEvent.id).label("id"))
               .where(AuditEvent.subject_type == "product", AuditEvent.subject_id.in_(ids),
                      AuditEvent.to_state.is_not(None), AuditEvent.reason.is_not(None))
               .group_by(AuditEvent.subject_id).subquery())
    decisions = {e.subject_id: e for e in db.session.scalars(
        select(AuditEvent).join(last_id, AuditEvent.id == last_id.c.id))}
    rows = []
    for product in products:
        rnd = latest_round.get(product.id)
        row = PortalRow(product=product, next_step="closed",
                        open_items=open_items.get(product.id, 0))
        event = decisions.get(product.id)
        if event is not None:
            row.last_decision, row.last_reason = event.action, event.reason
        if rnd is not None and rnd.decision_reason and (
                event is None or rnd.decided_at and rnd.decided_at >= event.occurred_at):
            row.last_decision, row.last_reason = f"round_{rnd.decision}", rnd.decision_reason
        _next_step(row, product, rnd, today)
        rows.append(row)
    return rows


def _next_step(row: PortalRow, product: Product, rnd: DesignRound | None, today: date) -> None:
    state = product.state
    if state == "draft":
        row.next_step = "complete_proposal"
        row.missing = lifecycle.guard_proposal_complete(proposal_snapshot(product))
    elif state in ("proposed", "in_review"):
        row.next_step = "await_review"
    elif state == "in_design":
        if rnd is None or rnd.status == design_rules.ROUND_CLOSED:
            row.next_step = "await_sampling" if rnd and rnd.decision == "approve" else "await_round"
        elif rnd.status == design_rules.ROUND_OPEN:
            row.next_step = "answer_feedback"
            row.round_number, row.due_on = rnd.number, rnd.due_on
            row.overdue = bool(rnd.due_on and rnd.due_on < today)
        else:
            row.next_step, row.round_number = "await_reviewers", rnd.number
    elif state == "sampling":
        row.next_step = "in_sampling"
    elif state in ("listed", "under_watch", "suspended"):
        row.next_step = state


@dataclass
class SupplierQuality:
    """What a supplier sees of QC: its inspection results (completed ones, never the purchase
    or internal notes), its unresolved corrective action requests, and per listed product the
    current inspection severity."""

    inspections: list[Inspection]
    corrective_actions: list[CorrectiveAction]
    severities: dict[int, SwitchingState]


def supplier_quality(user: User, recent: int = 20,
                     product_ids: list[int] | None = None) -> SupplierQuality:
    """In a fixed number of queries, whatever the number of products; severities of the
    listed products among ``product_ids`` (default: all of them)."""
    inspections = list(db.session.scalars(qc.visible_inspections(user).limit(recent)))
    requests = list(db.session.scalars(qc.capas_query(user).where(
        CorrectiveAction.status.in_(sorted(capa_rules.UNRESOLVED)))))
    query = select(Product.id).where(Product.supplier_id == user.supplier_id,
                                     Product.state.in_(sorted(POST_LISTING_STATES)))
    if product_ids is not None:
        query = query.where(Product.id.in_(product_ids))
    listed = list(db.session.scalars(query))
    states = qc.switching_states(db.session, listed)
    return SupplierQuality(inspections, requests,
                           {pid: states.get(pid, SwitchingState()) for pid in listed})
