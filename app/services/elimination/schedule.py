"""The sweep's schedule (SIEVE_ELIMINATION_SCHEDULE) and the user scheduled sweeps act as."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.models.elimination import (
    EliminationRun,
)
from app.services.elimination.common import (
    SCHEDULES,
    SWEEP_ROLES,
)
from app.services.errors import (
    ValidationFailed,
)


def _setting(name: str, default: str | None = None) -> str | None:
    value = current_app.config.get(name)
    return value if value not in (None, "") else os.environ.get(name, default)


def schedule() -> str:
    """SIEVE_ELIMINATION_SCHEDULE: off (default), daily, weekly or monthly."""
    value = (_setting("SIEVE_ELIMINATION_SCHEDULE", "off") or "off").strip().lower()
    if value not in SCHEDULES:
        raise ValidationFailed(f"SIEVE_ELIMINATION_SCHEDULE: one of {', '.join(SCHEDULES)},"
                               f" got {value!r}", {"SIEVE_ELIMINATION_SCHEDULE": "unknown"})
    return value


def last_completed_run() -> EliminationRun | None:
    return db.session.scalar(select(EliminationRun).where(EliminationRun.status == "completed")
                             .order_by(EliminationRun.finished_at.desc()).limit(1))


def is_due(now: datetime | None = None, interval: timedelta | None = None) -> bool:
    """Whether a scheduled sweep should run: the schedule is on and the last completed run is
    older than its interval (or there is none). ``interval`` overrides the setting."""
    interval = interval or SCHEDULES[schedule()]
    if interval is None:
        return False
    now = now or datetime.now(UTC)
    last = last_completed_run()
    if last is None or last.finished_at is None:
        return True
    finished = last.finished_at if last.finished_at.tzinfo else \
        last.finished_at.replace(tzinfo=UTC)
    return now - finished >= interval


def schedule_actor(email: str | None = None) -> User:
    """The user scheduled sweeps act as: ``email`` or SIEVE_SCHEDULE_ACTOR, an active admin or
    selection manager."""
    email = (email or _setting("SIEVE_SCHEDULE_ACTOR") or "").strip()
    if not email:
        raise ValidationFailed("no actor: pass --as EMAIL or set SIEVE_SCHEDULE_ACTOR to an"
                               " admin's or selection manager's email", {"as": "required"})
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None or not user.active:
        raise ValidationFailed(f"as: no active user {email}", {"as": "unknown user"})
    if user.role not in SWEEP_ROLES:
        raise ValidationFailed(f"as: {email} is a {user.role}; the sweep runs as an admin or a"
                               " selection manager", {"as": "role not allowed"})
    return user
