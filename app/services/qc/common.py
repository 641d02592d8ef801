"""Shared pieces of the QC services: roles, limits and input checks naming the field."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from app.extensions import db
from app.models import (
    User,
)
from app.models.base import MAX_ID
from app.services.errors import Forbidden, NotFound
from app.services.inputs import clean_text
from app.services.proposal_details import cents_to_amount, parse_money
from workflows.lifecycle import Role

INSPECTORS = {Role.ADMIN, Role.QC_INSPECTOR}
MANAGERS = {Role.ADMIN, Role.SELECTION_MANAGER}
#: Staff who verify, return and escalate corrective actions.
CAPA_REVIEWERS = {Role.ADMIN, Role.QC_INSPECTOR, Role.SELECTION_MANAGER}
MAX_TEXT = 4000
MAX_QUANTITY = 100_000
MAX_LOT = 10_000_000
MAX_PHOTOS = 10
EARLIEST_PURCHASE = date(2000, 1, 1)
#: The largest amount a purchase (unit price or total) or a retail price may have, in cents:
#: 10 million in the currency (anything above is a typo, and it fits a 32-bit column).
MAX_AMOUNT_CENTS = 1_000_000_000
#: Actions on a product's trail that describe purchases (internal: hidden from suppliers).
INTERNAL_ACTIONS = frozenset({"log_purchase", "reimbursement"})


# --- input helpers ----------------------------------------------------------------------------

def _text(value: Any, field: str, errors: dict, *, required: bool = False,
          limit: int = MAX_TEXT) -> str | None:
    return clean_text(value, field, errors, required=required, limit=limit)


def _whole(value: Any, field: str, errors: dict, *, minimum: int, maximum: int,
           required: bool = True) -> int | None:
    """A whole number from JSON (int) or a form (digit string); ``field`` names it in errors."""
    if value is None or value == "":
        if required:
            errors[field] = "required"
        return None
    if isinstance(value, bool):
        errors[field] = "must be a whole number"
        return None
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?[0-9]{1,12}", text):
            errors[field] = "must be a whole number"
            return None
        value = int(text)
    if not isinstance(value, int):
        errors[field] = "must be a whole number"
        return None
    if value < minimum:
        errors[field] = f"must be at least {minimum}" if minimum > 0 else "must not be negative"
        return None
    if value > maximum:
        errors[field] = f"must be at most {maximum:,}"
        return None
    return value


def _date(value: Any, field: str, errors: dict, default: date | None = None) -> date | None:
    if value in (None, ""):
        if default is None:
            errors[field] = "required, a date as YYYY-MM-DD"
        return default
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = "a date as YYYY-MM-DD"
        return None


def _amount(value: Any, field: str, errors: dict) -> int | None:
    """A positive money amount in cents (None when empty), at most MAX_AMOUNT_CENTS."""
    cents = parse_money(value, field, errors)
    if cents is not None and cents > MAX_AMOUNT_CENTS:
        errors[field] = f"must be at most {cents_to_amount(MAX_AMOUNT_CENTS)}"
        return None
    return cents


def _choice(value: Any, field: str, options: tuple[str, ...], errors: dict) -> str | None:
    if value not in options:
        errors[field] = f"one of {', '.join(options)}"
        return None
    return value


def _today() -> date:
    return datetime.now(UTC).date()


def _require(actor: User, roles: set, what: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"role {actor.role} may not {what}")


def _order_key(channel: str, store: str, order: str) -> str:
    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()
    return f"{channel}|{norm(store)}|{norm(order)}"


def _get(model, record_id: int, label: str):
    record = db.session.get(model, record_id) if 1 <= record_id <= MAX_ID else None
    if record is None:
        raise NotFound(f"{label} {record_id} not found")
    return record
