"""Supplier standing: computed from the supplier's products, audited when it changes.

Figures for every supplier come from a handful of grouped queries (one per source: inspections,
defects, corrective actions, design rounds, customer metrics, listed and delisted products), never
a query per supplier; :func:`workflows.standing.assess` then judges each supplier. The standing,
its reasons and figures are stored on the supplier; an audit event records every change of
standing or of the rules behind it (reason codes), with before and after.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.extensions import db
from app.models import (
    AuditEvent,
    CorrectiveAction,
    CustomerMetric,
    DesignRound,
    FeedbackItem,
    Inspection,
    InspectionDefect,
    Product,
    Supplier,
    User,
)
from app.models.base import MAX_ID, as_utc
from app.services.audit import decoded_changes, record_event
from app.services.errors import Forbidden, NotFound, StateConflict, raise_if_errors
from app.services.inputs import clean_text
from app.services.visibility import get_visible_supplier
from workflows import standing as rules
from workflows.capa import WITH_SUPPLIER
from workflows.lifecycle import State

#: Who may recompute standings (everyone signed in may read what they can see).
RECOMPUTE_ROLES = frozenset({"admin", "selection_manager"})
#: The audit action of a standing change (subject: the supplier).
ACTION = "standing_changed"
#: Every audit action of the standing history: recomputed changes and managers' overrides.
HISTORY_ACTIONS = (ACTION, "standing_override", "standing_override_cleared")
#: Products on sale, counted as ``listed_products``.
ON_SALE = (State.LISTED.value, State.UNDER_WATCH.value)
YEAR = timedelta(days=365)


def _now() -> datetime:
    return datetime.now(UTC)


def _months_back(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``today``'s (6: this month and
    the five before it)."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def _scope(query, column, supplier_ids):
    return query if supplier_ids is None else query.where(column.in_(supplier_ids))


def gather_figures(session: Session, now: datetime | None = None,
                   thresholds: rules.StandingThresholds | None = None,
                   supplier_ids: list[int] | None = None) -> dict[int, rules.SupplierFigures]:
    """Figures of every supplier (or of ``supplier_ids``), by supplier id: one grouped query per
    source, whatever the number of suppliers."""
    now = now or _now()
    thresholds = thresholds or rules.StandingThresholds()
    ids = list(session.scalars(_scope(select(Supplier.id), Supplier.id, supplier_ids)))
    parts = [_qc_figures(session, now - YEAR, supplier_ids),
             _capa_figures(session, now, supplier_ids),
             _design_figures(session, now - YEAR, supplier_ids),
             _customer_figures(session, now.date(), thresholds.metrics_months, supplier_ids),
             _catalogue_figures(session, now - YEAR, supplier_ids)]
    return {sid: rules.SupplierFigures(**{k: v for part in parts for k, v in
                                          part.get(sid, {}).items()}) for sid in ids}


def _qc_figures(session: Session, since: datetime, supplier_ids) -> dict[int, dict]:
    """Inspections with a verdict in 12 months (the kinds the pass rate counts), passed, and
    the nonconforming items they found by class: two grouped queries."""
    counted = (Inspection.status == "completed", Inspection.verdict.is_not(None),
               Inspection.kind.in_(rules.PASS_RATE_KINDS), Inspection.completed_at >= since)
    result: dict[int, dict] = defaultdict(dict)
    for sid, done, passed in session.execute(_scope(
            select(Product.supplier_id, func.count(Inspection.id),
                   func.sum(case((Inspection.verdict == "accepted", 1), else_=0)))
            .join(Product, Product.id == Inspection.product_id).where(*counted)
            .group_by(Product.supplier_id), Product.supplier_id, supplier_ids)):
        result[sid].update(inspections=int(done or 0), inspections_passed=int(passed or 0))
    for sid, defect_class, count in session.execute(_scope(
            select(Product.supplier_id, InspectionDefect.defect_class,
                   func.sum(InspectionDefect.count))
            .join(Inspection, Inspection.id == InspectionDefect.inspection_id)
            .join(Product, Product.id == Inspection.product_id).where(*counted)
            .group_by(Product.supplier_id, InspectionDefect.defect_class),
            Product.supplier_id, supplier_ids)):
        if defect_class in rules.DEFECT_CLASSES:
            result[sid][f"{defect_class}_defects"] = int(count or 0)
    return result


def _customer_figures(session: Session, today: date, months: int,
                      supplier_ids) -> dict[int, dict]:
    """Customer metrics summed over the last ``months`` months (periods starting in them)."""
    rows = session.execute(_scope(
        select(Product.supplier_id, func.sum(CustomerMetric.reviews),
               func.sum(CustomerMetric.positive_reviews), func.sum(CustomerMetric.units_sold),
               func.sum(CustomerMetric.returns))
        .join(Product, Product.id == CustomerMetric.product_id)
        .where(CustomerMetric.period_start >= _months_back(today, months),
               CustomerMetric.period_start <= today)
        .group_by(Product.supplier_id), Product.supplier_id, supplier_ids))
    return {sid: {"reviews": int(reviews or 0), "positive_reviews": int(positive or 0),
                  "units_sold": int(units or 0), "returns": int(returns or 0)}
            for sid, reviews, positive, units, returns in rows}


def _catalogue_figures(session: Session, since: datetime, supplier_ids) -> dict[int, dict]:
    """Products on sale now, and products delisted for quality or customer reasons in 12
    months (from the ``delist`` events of the audit trail, whose reason is the reason code)."""
    result: dict[int, dict] = defaultdict(dict)
    for sid, count in session.execute(_scope(
            select(Product.supplier_id, func.count(Product.id))
            .where(Product.state.in_(ON_SALE)).group_by(Product.supplier_id),
            Product.supplier_id, supplier_ids)):
        result[sid]["listed_products"] = int(count)
    for sid, count in session.execute(_scope(
            select(Product.supplier_id, func.count(func.distinct(Product.id)))
            .join(AuditEvent, AuditEvent.subject_id == Product.id)
            .where(AuditEvent.subject_type == "product", AuditEvent.action == "delist",
                   AuditEvent.reason.in_(rules.QUALITY_DELIST_REASONS),
                   AuditEvent.occurred_at >= since)
            .group_by(Product.supplier_id), Product.supplier_id, supplier_ids)):
        result[sid]["delisted_12m"] = int(count)
    return result


def _capa_figures(session: Session, now: datetime, supplier_ids) -> dict[int, dict]:
    """One query for the requests that matter (opened in 12 months, or still with the
    supplier); workflows.capa decides on-time and overdue, so the rule lives in one place."""
    since = now - YEAR
    rows: dict[int, list] = defaultdict(list)
    for sid, status, due_on, submitted, opened in session.execute(_scope(
            select(CorrectiveAction.supplier_id, CorrectiveAction.status, CorrectiveAction.due_on,
                   CorrectiveAction.first_submitted_at, CorrectiveAction.opened_at)
            .where((CorrectiveAction.opened_at >= since)
                   | CorrectiveAction.status.in_(WITH_SUPPLIER)),
            CorrectiveAction.supplier_id, supplier_ids)):
        submitted_on = as_utc(submitted).date() if submitted else None
        rows[sid].append((status, due_on, submitted_on, as_utc(opened) >= since))
    result = {}
    for sid, items in rows.items():
        due, on_time, overdue = rules.capa_counts(items, now.date())
        result[sid] = {"capas_due": due, "capas_closed_on_time": on_time,
                       "capas_overdue": overdue}
    return result


def _design_figures(session: Session, since: datetime, supplier_ids) -> dict[int, dict]:
    """Rounds opened in 12 months: how many, answered, outstanding, and each response time
    (from the round's first feedback item, or its opening when it had none, to the revision)."""
    first_feedback = (select(FeedbackItem.round_id, func.min(FeedbackItem.created_at).label("at"))
                      .group_by(FeedbackItem.round_id).subquery())
    result: dict[int, dict] = defaultdict(lambda: {"design_rounds": 0,
                                                   "design_rounds_answered": 0,
                                                   "design_rounds_outstanding": 0,
                                                   "design_response_days": ()})
    for sid, status, opened, revised, feedback in session.execute(_scope(
            select(Product.supplier_id, DesignRound.status, DesignRound.opened_at,
                   DesignRound.revision_submitted_at, first_feedback.c.at)
            .join(Product, Product.id == DesignRound.product_id)
            .outerjoin(first_feedback, first_feedback.c.round_id == DesignRound.id)
            .where(DesignRound.opened_at >= since), Product.supplier_id, supplier_ids)):
        entry = result[sid]
        entry["design_rounds"] += 1
        if revised is not None:
            start = as_utc(feedback) if feedback and as_utc(feedback) <= as_utc(revised) \
                else as_utc(opened)
            entry["design_rounds_answered"] += 1
            entry["design_response_days"] += (rules.response_days(start, as_utc(revised)),)
        elif status == "open":
            entry["design_rounds_outstanding"] += 1
    return dict(result)


def check_can_recompute(actor: User | None) -> None:
    if actor is not None and actor.role not in RECOMPUTE_ROLES:
        raise Forbidden(f"role {actor.role} may not recompute supplier standing")


def _apply(session: Session, actor: User | None, supplier: Supplier,
           figures: rules.SupplierFigures, now: datetime) -> dict | None:
    """Store the assessment on ``supplier``; audit and return the change, if any."""
    assessment = rules.with_override(rules.assess(figures), supplier.standing_override,
                                     supplier.standing_override_reason)
    before_codes = [r.get("code") for r in supplier.standing_reasons or []]
    before = supplier.standing
    changed = before != assessment.standing or before_codes != list(assessment.codes)
    supplier.standing = assessment.standing
    supplier.standing_reasons = assessment.reasons_as_dicts()
    supplier.standing_figures = figures.as_dict()
    if before != assessment.standing:
        supplier.standing_changed_at = now
    if not changed:
        return None
    texts = [r.text for r in assessment.reasons]
    record_event(session, actor, "supplier", supplier.id, ACTION, from_state=before,
                 to_state=assessment.standing, reason="; ".join(texts)[:2000],
                 changes={"standing": {"before": before, "after": assessment.standing},
                          "reasons": {"before": before_codes, "after": list(assessment.codes)}})
    return {"supplier_id": supplier.id, "name": supplier.name, "before": before,
            "after": assessment.standing, "reasons": texts}


def _summary(suppliers: list[Supplier], changes: list[dict], now: datetime) -> dict:
    counts = {s: 0 for s in rules.STANDINGS}
    for supplier in suppliers:
        counts[supplier.standing] += 1
    return {"computed_at": now.isoformat(), "suppliers": len(suppliers), "counts": counts,
            "changes": changes}


def recompute_all(actor: User | None) -> dict:
    """Recompute every supplier's standing in one transaction (``actor`` None: the system).

    Returns ``{"computed_at", "suppliers", "counts": {standing: n}, "changes": [{"supplier_id",
    "name", "before", "after", "reasons"}]}``; the elimination sweep calls this after each run.
    """
    check_can_recompute(actor)
    with write_transaction() as session:
        now = _now()
        figures = gather_figures(session, now)
        suppliers = list(session.scalars(select(Supplier).order_by(Supplier.id)))
        changes = [change for supplier in suppliers
                   if (change := _apply(session, actor, supplier, figures[supplier.id], now))]
        return _summary(suppliers, changes, now)


def recompute_supplier(actor: User | None, supplier_id: int) -> dict:
    """Recompute one supplier's standing; returns :func:`standing_json` plus ``changed``."""
    if actor is not None:
        get_visible_supplier(actor, supplier_id)  # 404 before 403
    check_can_recompute(actor)
    with write_transaction() as session:
        supplier = session.get(Supplier, supplier_id)
        if supplier is None:
            raise NotFound(f"supplier {supplier_id} not found")
        now = _now()
        figures = gather_figures(session, now, supplier_ids=[supplier_id])[supplier_id]
        change = _apply(session, actor, supplier, figures, now)
    return {**standing_json(supplier), "changed": change is not None}


def set_override(actor: User, supplier_id: int, standing: object, reason: object) -> dict:
    """A manager fixes the supplier's standing, with a reason; it holds through recomputes until
    :func:`clear_override`. Audited (``standing_override``) with before, after and the reason."""
    get_visible_supplier(actor, supplier_id)  # 404 before 403
    check_can_recompute(actor)
    errors: dict[str, str] = {}
    if standing not in rules.STANDINGS:
        errors["standing"] = f"one of {', '.join(rules.STANDINGS)}"
    text = clean_text(reason, "reason", errors, required=True, limit=1000)
    raise_if_errors(errors)
    return _change_override(actor, supplier_id, standing, text, "standing_override")


def clear_override(actor: User, supplier_id: int, reason: object = None) -> dict:
    """Back to the computed standing (recomputed at once); audited (``standing_override_cleared``)."""
    get_visible_supplier(actor, supplier_id)  # 404 before 403
    check_can_recompute(actor)
    errors: dict[str, str] = {}
    text = clean_text(reason, "reason", errors, limit=1000)
    raise_if_errors(errors)
    return _change_override(actor, supplier_id, None, text, "standing_override_cleared")


def _change_override(actor: User, supplier_id: int, standing: str | None, reason: str | None,
                     action: str) -> dict:
    with write_transaction() as session:
        supplier = session.get(Supplier, supplier_id)
        before = {"override": supplier.standing_override, "standing": supplier.standing,
                  "codes": [r.get("code") for r in supplier.standing_reasons or []]}
        if action == "standing_override_cleared" and before["override"] is None:
            raise StateConflict(f"supplier {supplier_id} has no standing override to clear")
        supplier.standing_override, supplier.standing_override_reason = standing, reason
        now = _now()
        figures = gather_figures(session, now, supplier_ids=[supplier_id])[supplier_id]
        assessment = rules.with_override(rules.assess(figures), standing, reason)
        supplier.standing_reasons = assessment.reasons_as_dicts()
        supplier.standing_figures = figures.as_dict()
        if supplier.standing != assessment.standing:
            supplier.standing_changed_at = now
        supplier.standing = assessment.standing
        record_event(session, actor, "supplier", supplier_id, action,
                     from_state=before["standing"], to_state=assessment.standing, reason=reason,
                     changes={"standing": {"before": before["standing"],
                                           "after": assessment.standing},
                              "override": {"before": before["override"], "after": standing},
                              "reasons": {"before": before["codes"],
                                          "after": list(assessment.codes)}})
    return standing_json(supplier)


def standing_json(supplier: Supplier) -> dict:
    """What is stored, as plain data (the API's and the CLI's view)."""
    changed = as_utc(supplier.standing_changed_at)
    return {"supplier_id": supplier.id, "name": supplier.name, "status": supplier.status,
            "standing": supplier.standing, "override": supplier.standing_override,
            "override_reason": supplier.standing_override_reason,
            "reasons": list(supplier.standing_reasons or []),
            "figures": dict(supplier.standing_figures or {}),
            "changed_at": changed.isoformat() if changed else None}


def get_standing(actor: User | None, supplier_id: int) -> dict:
    """The supplier's stored standing; a supplier user sees only its own (others: NotFound)."""
    if actor is None:
        supplier = db.session.get(Supplier, supplier_id) if 1 <= supplier_id <= MAX_ID else None
        if supplier is None:
            raise NotFound(f"supplier {supplier_id} not found")
    else:
        supplier = get_visible_supplier(actor, supplier_id)
    return standing_json(supplier)


def standing_history(actor: User | None, supplier_id: int) -> list[dict]:
    """The supplier's standing changes from the audit trail, newest first (visibility as for
    :func:`get_standing`)."""
    get_standing(actor, supplier_id)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "supplier",
                                 AuditEvent.subject_id == supplier_id,
                                 AuditEvent.action.in_(HISTORY_ACTIONS))
        .order_by(AuditEvent.id.desc()))
    return [{"at": as_utc(e.occurred_at), "by": e.actor_label, "action": e.action,
             "before": e.from_state,
             "after": e.to_state, "reason": e.reason,
             "codes": (decoded_changes(e).get("reasons") or {}).get("after") or []}
            for e in events]
