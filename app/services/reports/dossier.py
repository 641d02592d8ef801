"""The product dossier: a product's whole history as one report (lifecycle, selection review,
design rounds, sample purchases and inspections, corrective actions, listing decisions, the
audit events).

Supplier-facing, it leaves out what the web UI hides from suppliers: individual reviewer scores
(only the decision and, where the scorecard allows, the criteria that fell short), internal
feedback items, purchases (store, order, price), internal notes, internal files, open
inspections and the audit events ``product_events_for`` hides.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AuditEvent,
    CorrectiveAction,
    DesignRound,
    Inspection,
    Product,
    Review,
    SamplePurchase,
    User,
)
from app.models.base import MAX_ID, as_utc
from app.services.audit import decoded_changes
from app.services.errors import NotFound
from app.services.proposal_details import cents_to_amount
from app.services.qc import defect_photos
from app.services.reports.inspection import (
    capas_by_inspection,
    inspection_facts,
    iso,
    product_facts,
    purchase_facts,
    record_id,
)
from app.services.scorecards import to_domain
from app.services.visibility import get_visible_product, product_events_for
from workflows import capa as capa_rules
from workflows import scoring

TITLE = "Product dossier"
#: Transitions that end a review cycle.
REVIEW_DECISIONS = ("accept", "reject", "request_info")
#: Transitions the listing section reports.
LISTING_DECISIONS = ("list", "delist", "relist")


def scope_for(actor: User, params: dict) -> dict:
    """params ``{"product_id": id}``; NotFound for another supplier's product."""
    product = get_visible_product(actor, record_id(params, "product_id"))
    return {"kind": "product", "product_id": product.id}


def gather(session: Session, actor, scope: dict, t) -> dict:
    product_id = int(scope["product_id"])
    product = session.get(Product, product_id) if 1 <= product_id <= MAX_ID else None
    if product is None:
        raise NotFound(f"product {product_id} not found")
    events = product_events_for(actor, product)
    as_of = date.fromisoformat(scope["as_of"][:10])
    inspections, uninspected = _inspections(session, actor, product)
    return {
        "audience": "supplier" if actor.is_supplier else "staff",
        "product": _product(product),
        "timeline": [_transition(e) for e in events if e.to_state is not None],
        "review_cycles": _review_cycles(session, actor, product, events),
        "design_rounds": _design_rounds(session, actor, product),
        "inspections": inspections,
        "uninspected_purchases": uninspected,
        "corrective_actions": _corrective_actions(session, actor, product, as_of),
        "listing": [_listing(e) for e in events if e.action in LISTING_DECISIONS],
        "events": [_event(e) for e in events],
    }


def _product(product: Product) -> dict:
    return {**product_facts(product),
            "currency": product.currency,
            "target_price": cents_to_amount(product.target_price_cents),
            "retail_price": cents_to_amount(product.retail_price_cents),
            "launched_on": iso(product.launched_on),
            "created_at": iso(product.created_at)}


def _event(event: AuditEvent) -> dict:
    return {"id": event.id, "at": iso(event.occurred_at), "actor": event.actor_label,
            "action": event.action, "from": event.from_state, "to": event.to_state}


def _transition(event: AuditEvent) -> dict:
    return {**_event(event), "reason": event.reason}


def _listing(event: AuditEvent) -> dict:
    changes = decoded_changes(event)
    price = (changes.get("retail_price_cents") or {}).get("after")
    launch = (changes.get("launched_on") or {}).get("after")
    return {**_transition(event), "retail_price": cents_to_amount(price),
            "launched_on": launch}


# --- selection review ---------------------------------------------------------------------------

def _scorecard(card) -> dict:
    return {"version": card.version, "pass_threshold": card.pass_threshold,
            "min_reviewers": card.min_reviewers, "share_shortfalls": card.share_shortfalls,
            "criteria": [{"key": c.key, "label": c.label, "label_zh": c.label_zh,
                          "weight": c.weight, "minimum": c.minimum, "knockout": c.knockout}
                         for c in card.criteria]}


def _aggregate(card, reviews: list[Review]) -> dict | None:
    domain = [scoring.Review(reviewer=str(r.id),
                             scores={s.criterion_key: s.score for s in r.scores})
              for r in reviews]
    try:
        result = scoring.aggregate(to_domain(card), domain)
    except scoring.ScoringError:
        return None
    return {"count": result.count, "mean": result.mean, "spread": result.spread,
            "disagreement": result.disagreement, "criterion_means": result.criterion_means,
            "shortfalls": result.shortfalls, "knockouts_failed": result.knockouts_failed}


def _cycle(staff: bool, start: AuditEvent, decision: AuditEvent | None,
           reviews: list[Review]) -> dict:
    """One review cycle. Scores are shown to staff once the cycle is decided (before that a
    reviewer who has not submitted must not see them); to a supplier never, only the criteria
    that fell short when the scorecard shares them."""
    card = reviews[0].scorecard if reviews else None
    aggregate = _aggregate(card, reviews) if card is not None else None
    cycle = {"started_at": iso(start.occurred_at), "review_count": len(reviews),
             "decision": _transition(decision) if decision is not None else None,
             "scorecard": None, "reviews": [], "aggregate": None, "shortfalls": []}
    if decision is not None and aggregate and card is not None and card.share_shortfalls:
        labels = {c.key: " / ".join(filter(None, (c.label, c.label_zh))) for c in card.criteria}
        cycle["shortfalls"] = [labels.get(k, k) for k in aggregate["shortfalls"]]
    if staff and card is not None:
        cycle["scorecard"] = _scorecard(card)
    if staff and decision is not None:
        cycle["aggregate"] = aggregate
        cycle["reviews"] = [{"reviewer": r.reviewer.email if r.reviewer else str(r.reviewer_id),
                             "submitted_at": iso(r.submitted_at),
                             "total": r.weighted_total, "comment": r.comment,
                             "scores": {s.criterion_key: s.score for s in r.scores}}
                            for r in reviews]
    return cycle


def _review_cycles(session: Session, actor, product: Product, events: list) -> list[dict]:
    """Each time the product entered review, the reviews submitted until it next did, and the
    transition that decided it."""
    starts = [e for e in events if e.action == "start_review"]
    reviews = list(session.scalars(select(Review).where(Review.product_id == product.id)
                                   .order_by(Review.submitted_at, Review.id)))
    cycles = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else None
        begin, until = as_utc(start.occurred_at), end and as_utc(end.occurred_at)
        mine = [r for r in reviews if as_utc(r.submitted_at) >= begin
                and (until is None or as_utc(r.submitted_at) < until)]
        decision = next((e for e in events if e.id > start.id
                         and (end is None or e.id < end.id)
                         and e.action in REVIEW_DECISIONS), None)
        cycles.append(_cycle(not actor.is_supplier, start, decision, mine))
    return cycles


# --- design -------------------------------------------------------------------------------------

def _design_rounds(session: Session, actor, product: Product) -> list[dict]:
    rounds = session.scalars(select(DesignRound).where(DesignRound.product_id == product.id)
                             .order_by(DesignRound.number))
    return [{
        "number": r.number, "status": r.status, "opened_at": iso(r.opened_at),
        "due_on": iso(r.due_on), "revision_notes": r.revision_notes,
        "revision_submitted_at": iso(r.revision_submitted_at), "decision": r.decision,
        "decision_reason": r.decision_reason, "decided_at": iso(r.decided_at),
        "items": [{"id": i.id, "area": i.area, "severity": i.severity, "text": i.text,
                   "internal": i.internal, "status": i.status, "response": i.response,
                   "responded_at": iso(i.responded_at), "resolved_at": iso(i.resolved_at)}
                  for i in sorted(r.items, key=lambda i: i.id)
                  if not (i.internal and actor.is_supplier)],
    } for r in rounds]


# --- quality control ----------------------------------------------------------------------------

def _inspections(session: Session, actor, product: Product) -> tuple[list[dict], list[dict]]:
    """The product's inspections as ``actor`` may see them (a supplier: completed ones), and,
    for staff, the purchases not inspected yet."""
    query = select(Inspection).where(Inspection.product_id == product.id)
    if actor.is_supplier:
        query = query.where(Inspection.status == "completed")
    inspections = list(session.scalars(query.order_by(Inspection.id)))
    photos = defect_photos(actor, [d.id for i in inspections for d in i.defects])
    capas = capas_by_inspection(session, product.id)
    facts = [inspection_facts(actor, i, photos, capas.get(i.id)) for i in inspections]
    if actor.is_supplier:
        return facts, []
    waiting = session.scalars(select(SamplePurchase).where(
        SamplePurchase.product_id == product.id,
        SamplePurchase.id.not_in(select(Inspection.purchase_id)))
        .order_by(SamplePurchase.purchased_on, SamplePurchase.id))
    return facts, [purchase_facts(p) for p in waiting]


def _corrective_actions(session: Session, actor, product: Product, as_of: date) -> list[dict]:
    requests = session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.product_id == product.id).order_by(CorrectiveAction.id))
    return [{
        "id": r.id, "inspection_id": r.inspection_id, "status": r.status,
        "due_on": iso(r.due_on), "opened_at": iso(r.opened_at), "problem": r.problem,
        "overdue": capa_rules.is_overdue(r.status, r.due_on, as_of),
        "containment": r.containment, "root_cause": r.root_cause,
        "corrective_action": r.corrective_action, "preventive_action": r.preventive_action,
        "first_submitted_at": iso(r.first_submitted_at), "submitted_at": iso(r.submitted_at),
        "return_reason": r.return_reason, "closed_at": iso(r.closed_at),
        "verification_inspection_id": r.verification_inspection_id,
        "escalation_reason": r.escalation_reason, "escalated_at": iso(r.escalated_at),
        "internal_notes": None if actor.is_supplier else r.internal_notes,
    } for r in requests]
