"""Appending to and verifying the audit hash chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import AuditEvent, User
from workflows.audit import GENESIS_HASH, ChainBreak, event_hash, verify_chain

#: Key of the PostgreSQL advisory lock that serialises appends to the one global chain.
AUDIT_CHAIN_LOCK = 0x5137E_A0D17


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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    head = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    event = AuditEvent(
        id=(head.id + 1) if head else 1,
        occurred_at=datetime.now(UTC),
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
    session.add(event)
    session.flush()
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
