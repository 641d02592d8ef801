"""What a report covers, as a verifiable manifest, and checking a report against the database.

Every report states its *scope* (which audit events it is about: a product's ``{product_id}``;
an inspection's ``{product_id, inspection_id, from_event}``, the product's events from its
purchase on; a supplier's and its products' ``{supplier_id}``; the QC events of a period
``{from, to, category_id?, supplier_id?, inspector_id?}``) and, at generation, the range of those events it
covered, their count, a SHA-256 digest of their ``(id, hash)`` and checkpoints. Because each
event's hash chains its content to every event before it, the digest pins the records as they
were. ``verify_manifest`` recomputes all of that from today's database and says whether the
covered events are unchanged, and if not, which event differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Product
from app.services.audit import hashed_fields
from workflows.audit import checkpoints, event_hash, events_digest, first_difference

MANIFEST_VERSION = 1
#: Audit actions that make up QC work (the QC period report's scope).
QC_ACTIONS = ("log_purchase", "reimbursement", "open_inspection", "log_defect", "remove_defect",
              "complete_inspection", "open_corrective_action", "answer_corrective_action",
              "submit_corrective_action", "close_corrective_action",
              "return_corrective_action", "escalate_corrective_action", "fail_sampling",
              "put_on_watch", "suspend", "resolve_watch", "reinstate")
SCOPE_KINDS = ("product", "inspection", "supplier", "qc")


class ScopeError(ValueError):
    pass


def _day_start(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time.min)


def scope_condition(scope: dict):
    """The SQL condition selecting the audit events a scope covers."""
    kind = scope.get("kind")
    product_events = AuditEvent.subject_type == "product"
    if kind == "product":
        return and_(product_events, AuditEvent.subject_id == int(scope["product_id"]))
    if kind == "inspection":
        return and_(product_events, AuditEvent.subject_id == int(scope["product_id"]),
                    AuditEvent.id >= int(scope["from_event"]))
    if kind == "supplier":
        supplier_id = int(scope["supplier_id"])
        products = select(Product.id).where(Product.supplier_id == supplier_id)
        return or_(and_(AuditEvent.subject_type == "supplier",
                        AuditEvent.subject_id == supplier_id),
                   and_(product_events, AuditEvent.subject_id.in_(products)))
    if kind == "qc":
        start = _day_start(scope["from"])
        end = _day_start(scope["to"]) + timedelta(days=1)
        condition = and_(product_events, AuditEvent.action.in_(QC_ACTIONS),
                         AuditEvent.occurred_at >= start, AuditEvent.occurred_at < end)
        products = select(Product.id)
        if scope.get("category_id"):
            products = products.where(Product.category_id == int(scope["category_id"]))
        if scope.get("supplier_id"):
            products = products.where(Product.supplier_id == int(scope["supplier_id"]))
        if scope.get("category_id") or scope.get("supplier_id"):
            condition = and_(condition, AuditEvent.subject_id.in_(products))
        if scope.get("inspector_id"):
            condition = and_(condition, AuditEvent.actor_id == int(scope["inspector_id"]))
        return condition
    raise ScopeError(f"unknown report scope {kind!r}")


def _pairs(session: Session, scope: dict, last_id: int | None):
    query = select(AuditEvent.id, AuditEvent.hash).where(scope_condition(scope))
    if last_id is not None:
        query = query.where(AuditEvent.id <= last_id)
    rows = session.execute(query.order_by(AuditEvent.id).execution_options(yield_per=5000))
    return [(event_id, event_hash_) for event_id, event_hash_ in rows]


def build_manifest(session: Session, report_id: str, report_kind: str, scope: dict,
                   language: str) -> dict:
    """The manifest of a report generated now: run it inside the transaction that reads the
    report's data, so both see the same events."""
    pairs = _pairs(session, scope, None)
    count, digest = events_digest(pairs)
    return {
        "version": MANIFEST_VERSION, "report_id": report_id, "report": report_kind,
        "language": language, "scope": scope,
        "first_event": pairs[0][0] if pairs else None,
        "last_event": pairs[-1][0] if pairs else None,
        "event_count": count, "digest": digest, "checkpoints": checkpoints(pairs),
    }


@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str
    #: The first covered event that differs (changed, missing or inserted), when known.
    event_id: int | None = None
    #: Events in scope recorded after the report (not covered; not a problem).
    newer_events: int = 0


def _tampered_event(session: Session, ids: list[int]) -> tuple[int, str] | None:
    """The first of ``ids`` whose stored content no longer matches its own hash."""
    for start in range(0, len(ids), 1000):
        for event in session.scalars(select(AuditEvent).where(
                AuditEvent.id.in_(ids[start:start + 1000])).order_by(AuditEvent.id)):
            if event_hash(hashed_fields(event), event.prev_hash) != event.hash:
                return event.id, "its content no longer matches its hash"
    return None


def verify_manifest(session: Session, manifest: dict) -> Verification:
    """Compare a report's manifest with the audit trail as it is now."""
    try:
        scope, last = manifest["scope"], manifest["last_event"]
        recorded_count, recorded_digest = manifest["event_count"], manifest["digest"]
        recorded_points = manifest.get("checkpoints") or []
        scope_condition(scope)
    except (KeyError, TypeError, ValueError, ScopeError) as error:
        return Verification(False, f"the report's manifest is unreadable ({error})")
    pairs = _pairs(session, scope, last) if last is not None else []
    newer = len(_pairs(session, scope, None)) - len(pairs)
    ids = [event_id for event_id, _ in pairs]
    tampered = _tampered_event(session, ids)
    count, digest = events_digest(pairs)
    if tampered is None and count == recorded_count and digest == recorded_digest:
        return Verification(True, f"unchanged: the {count} audit events the report covers"
                                  f" (#{manifest.get('first_event')} to #{last}) match the"
                                  " database", newer_events=newer)
    if tampered is not None:
        return Verification(False, f"event #{tampered[0]} differs: {tampered[1]}",
                            tampered[0], newer)
    where = first_difference(recorded_points, checkpoints(pairs))
    if where is None:
        return Verification(False, f"the covered events differ ({count} now, {recorded_count}"
                                   " in the report)", None, newer)
    after, first_bad = where
    recorded_ids = {p[0] for p in recorded_points}
    if after is not None:
        between = [i for i in ids if i > after and (first_bad is None or i <= first_bad)]
        missing = sorted(recorded_ids - set(ids))
        if missing:
            return Verification(False, f"event #{missing[0]} the report covered is missing",
                                missing[0], newer)
        if between:
            return Verification(False, f"an event between #{after} and #{first_bad} differs"
                                       f" (first candidate #{between[0]})", between[0], newer)
    return Verification(False, f"event #{first_bad} differs from the report", first_bad, newer)
