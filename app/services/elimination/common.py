"""Who may act on elimination, and the names the elimination services share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from app.extensions import db
from app.models import User
from app.models.base import MAX_ID
from app.services.errors import (
    Forbidden,
    NotFound,
)
from workflows.elimination import (
    EliminationThresholds,
)

SWEEP_ROLES = ("admin", "selection_manager")
READ_ROLES = ("admin", "selection_manager", "qc_inspector")
DECISIONS = ("delist", "dismiss")
RULE_FIELDS = tuple(EliminationThresholds.__dataclass_fields__)
#: SIEVE_ELIMINATION_SCHEDULE -> how old the last completed run may get.
SCHEDULES = {"off": None, "daily": timedelta(days=1), "weekly": timedelta(days=7),
             "monthly": timedelta(days=30)}
MAX_NOTE = 2000
Progress = Callable[[int, str], None]


# --- who may -------------------------------------------------------------------------------------

def _require(actor: User | None, roles: tuple[str, ...], what: str,
             system_ok: bool = False) -> None:
    """Suppliers get NotFound (elimination does not exist for them); other roles Forbidden.
    ``system_ok``: the command line (actor None) may, as it may create categories."""
    if actor is None:
        if system_ok:
            return
        raise Forbidden(f"{what} needs a user")
    if actor.is_supplier:
        raise NotFound("not found")
    if actor.role not in roles:
        raise Forbidden(f"role {actor.role} may not {what}")


def _today() -> date:
    return datetime.now(UTC).date()



def _get(model, record_id: int, what: str):
    record = db.session.get(model, record_id) if 1 <= record_id <= MAX_ID else None
    if record is None:
        raise NotFound(f"{what} {record_id} not found")
    return record
