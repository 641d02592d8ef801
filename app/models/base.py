"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import UTC, datetime

#: The largest id an Integer primary key holds on every backend (PostgreSQL's int4).
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    """Timezone-aware UTC now, truncated to microseconds (what every backend stores)."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Read-back datetimes are naive on SQLite and aware on PostgreSQL; make them aware UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
