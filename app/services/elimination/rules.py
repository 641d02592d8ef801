"""A category's elimination thresholds: read, validate field by field, store, audit."""

from __future__ import annotations

from app.db import write_transaction
from app.extensions import db
from app.models import Category, User
from app.services.audit import diff, record_event
from app.services.elimination.common import (
    READ_ROLES,
    RULE_FIELDS,
    SWEEP_ROLES,
    _get,
    _require,
)
from app.services.errors import (
    ValidationFailed,
    raise_if_errors,
)
from workflows.elimination import (
    EliminationError,
    EliminationThresholds,
)


def get_category_rules(actor: User, category_id: int) -> dict:
    """``{"category_id", "enabled", "rules"}``: the stored thresholds with every default."""
    _require(actor, READ_ROLES, "see elimination rules", True)
    category = _get(Category, category_id, "category")
    return _rules_json(category)


def _rules_json(category: Category) -> dict:
    stored = category.elimination_rules or {}
    try:
        rules = EliminationThresholds(**stored) if stored else EliminationThresholds()
        shown = {name: getattr(rules, name) for name in RULE_FIELDS}
    except (EliminationError, TypeError):
        shown = dict(stored)
    return {"category_id": category.id, "enabled": bool(stored), "rules": shown}


def parse_rule_value(field: str, text: str | None) -> object:
    """A threshold typed as text (a form, the CLI) as its value; ``""``/``none``/``off`` turn a
    rule off. Raises ValidationFailed naming the field."""
    word = (text or "").strip()
    if field not in RULE_FIELDS:
        raise ValidationFailed(f"{field}: unknown rule; one of {', '.join(RULE_FIELDS)}",
                               {field: "unknown rule"})
    if field == "action":
        return word
    if field == "flag_overdue_capa":
        if word.lower() in ("true", "yes", "on", "1"):
            return True
        if word.lower() in ("false", "no", "off", "0", "", "none"):
            return False
        raise ValidationFailed(f"{field}: true or false", {field: "true or false"})
    if word.lower() in ("", "none", "off"):
        return None
    try:
        return int(word) if field in ("window_periods", "max_failed_inspections_12m") \
            else float(word)
    except ValueError:
        raise ValidationFailed(f"{field}: not a number: {word!r}", {field: "not a number"}) \
            from None


def set_category_rules(actor: User, category_id: int, fields: dict | None) -> dict:
    """Replace a category's thresholds (``fields`` of EliminationThresholds; missing ones take
    their default); None or ``{}`` turns the sweep off for it. Errors name each field."""
    _require(actor, SWEEP_ROLES, "set elimination rules", True)
    _get(Category, category_id, "category")
    if fields is not None and not isinstance(fields, dict):
        raise ValidationFailed("rules: an object of thresholds", {"rules": "not an object"})
    fields = dict(fields or {})
    errors = {name: "unknown rule" for name in fields if name not in RULE_FIELDS}
    raise_if_errors(errors)
    stored = {}
    if fields:
        try:
            rules = EliminationThresholds(**fields)
        except EliminationError as error:
            raise_if_errors({p.split(":", 1)[0]: p.split(":", 1)[1].strip()
                             for p in error.problems})
        stored = {name: getattr(rules, name) for name in RULE_FIELDS}
    with write_transaction() as session:
        category = session.get(Category, category_id)
        before = dict(category.elimination_rules or {})
        category.elimination_rules = stored
        changes = diff(before, stored)
        if changes:
            record_event(session, actor, "category", category_id, "set_elimination_rules",
                         changes=changes)
    return _rules_json(db.session.get(Category, category_id))
