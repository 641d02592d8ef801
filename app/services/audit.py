"""Appending to and verifying the audit hash chain."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from app.db import in_write_transaction, take_write_lock
from app.models import (
    AuditEvent,
    Category,
    CorrectiveAction,
    Inspection,
    Product,
    SamplePurchase,
    Supplier,
    User,
)
from workflows.audit import GENESIS_HASH, ChainBreak, event_hash, verify_chain


def _iso(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "occurred_at": _iso(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "changes": event.changes,
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Changed fields as {"field": {"before": old, "after": new}}."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record_event(
    session: Session,
    actor: User | None,
    subject_type: str,
    subject_id: int,
    action: str,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction (the caller commits)."""
    if not in_write_transaction():  # write_transaction took it first thing; a bare caller must
        take_write_lock(session)
    event = _chained(actor, _head(session), subject_type, subject_id, action, from_state,
                     to_state, reason, changes, datetime.now(UTC))
    session.add(event)
    session.flush()
    return event


def record_events(session: Session, actor: User | None, events: Iterable[dict]) -> int:
    """Append many events at once (e.g. a sweep putting thousands of products on watch): the
    same fields and hashes as :func:`record_event`, chained in order, written with bulk INSERTs
    instead of a query and a flush per event. Each dict holds record_event's arguments
    (``subject_type``, ``subject_id``, ``action`` and optionally ``from_state``, ``to_state``,
    ``reason``, ``changes``). Returns how many were written."""
    if not in_write_transaction():
        take_write_lock(session)
    head, now, rows = _head(session), datetime.now(UTC), []
    for fields in events:
        event = _chained(actor, head, fields["subject_type"], fields["subject_id"],
                         fields["action"], fields.get("from_state"), fields.get("to_state"),
                         fields.get("reason"), fields.get("changes"), now)
        rows.append({**hashed_fields(event), "occurred_at": now, "prev_hash": event.prev_hash,
                     "hash": event.hash})
        head = _Head(event.id, event.hash)
    for start in range(0, len(rows), _BULK_ROWS):
        session.execute(insert(AuditEvent), rows[start:start + _BULK_ROWS])
    return len(rows)


class _Head(NamedTuple):
    id: int
    hash: str


_BULK_ROWS = 5000


def _head(session: Session) -> _Head | None:
    row = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return _Head(row.id, row.hash) if row else None


def _chained(actor: User | None, head: _Head | None, subject_type: str, subject_id: int,
             action: str, from_state: str | None, to_state: str | None, reason: str | None,
             changes: dict[str, Any] | None, occurred_at: datetime) -> AuditEvent:
    """The event that follows ``head`` in the chain, with its hash."""
    event = AuditEvent(
        id=(head.id + 1) if head else 1,
        occurred_at=occurred_at,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else "system",
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason or None,
        changes=json.dumps(changes, sort_keys=True, ensure_ascii=False, default=str)
        if changes
        else None,
        prev_hash=head.hash if head else GENESIS_HASH,
    )
    event.hash = event_hash(hashed_fields(event), event.prev_hash)
    return event


def verify_audit_chain(session: Session) -> tuple[int, ChainBreak | None]:
    """Recompute the whole chain, streaming; return (events checked, first break or None)."""
    result = session.execute(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)
    )
    count = 0

    def chain() -> Iterator[tuple[dict[str, Any], str, str]]:
        nonlocal count
        for event in result.scalars():
            count += 1
            yield hashed_fields(event), event.prev_hash, event.hash

    try:
        broken = verify_chain(chain())
    finally:
        result.close()  # a server-side cursor on PostgreSQL when the walk stops early
    return count, broken


#: Record tables whose every row must have a "create" event, by audit subject type.
AUDITED_SUBJECTS = {"product": Product, "supplier": Supplier, "category": Category, "user": User}


def records_missing_from_trail(session: Session, limit: int = 20) -> list[str]:
    """Cross-check the records against the trail, which a chain check alone cannot do when events
    are cut from its end: every record needs its creation event, every product's state must be
    the target of its last state-changing event, and every sample purchase, inspection and
    corrective action request its logging event on the product's trail. Returns up to ``limit``
    problems."""
    problems: list[str] = []
    for subject_type, model in AUDITED_SUBJECTS.items():
        created = select(AuditEvent.subject_id).where(
            AuditEvent.subject_type == subject_type, AuditEvent.action == "create")
        orphans = session.scalars(
            select(model.id).where(model.id.not_in(created)).order_by(model.id).limit(limit))
        problems.extend(f"{subject_type} {rid} has no creation event" for rid in orphans)
    last_change = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.subject_type == "product", AuditEvent.subject_id == Product.id,
               AuditEvent.to_state.is_not(None))
        .correlate(Product)
        .scalar_subquery()
    )
    mismatched = session.execute(
        select(Product.id, Product.state, AuditEvent.to_state)
        .outerjoin(AuditEvent, AuditEvent.id == last_change)
        .where(or_(AuditEvent.to_state.is_(None), AuditEvent.to_state != Product.state))
        .order_by(Product.id).limit(limit)
    )
    problems.extend(
        f"product {pid} is {state} but its trail ends in {trail or 'nothing'}"
        for pid, state, trail in mismatched
    )
    for model, action, label in QC_RECORDS:
        if len(problems) >= limit:
            break
        problems.extend(_qc_records_missing(session, model, action, label, limit))
    return problems[:limit]


#: QC records each logged by one event on their product's trail: (model, action, label).
QC_RECORDS = (
    (SamplePurchase, "log_purchase", "sample purchase(s)"),
    (Inspection, "open_inspection", "inspection(s)"),
    (CorrectiveAction, "open_corrective_action", "corrective action request(s)"),
)


def _qc_records_missing(session: Session, model, action: str, label: str,
                        limit: int) -> list[str]:
    """Products with more ``model`` rows than ``action`` events (two grouped queries)."""
    logged = dict(session.execute(
        select(AuditEvent.subject_id, func.count(AuditEvent.id))
        .where(AuditEvent.subject_type == "product", AuditEvent.action == action)
        .group_by(AuditEvent.subject_id)).all())
    problems = []
    for product_id, count in session.execute(
            select(model.product_id, func.count(model.id)).group_by(model.product_id)
            .order_by(model.product_id)):
        if logged.get(product_id, 0) < count:
            problems.append(f"product {product_id} has {count} {label} but"
                            f" {logged.get(product_id, 0)} {action} event(s)")
            if len(problems) >= limit:
                break
    return problems


def events_for(session: Session, subject_type: str, subject_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .order_by(AuditEvent.id)
        )
    )


def decoded_changes(event: AuditEvent) -> dict[str, Any]:
    return json.loads(event.changes) if event.changes else {}
