"""Suppliers, their certificates, and categories: create and edit, each change audited."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select

from app.db import write_transaction
from app.models import Category, Certificate, Supplier, User
from app.models.suppliers import SUPPLIER_STATUSES
from app.services.audit import diff, record_event
from app.services.errors import Forbidden, NotFound, raise_if_errors
from app.services.proposal_details import parse_money
from workflows.capa import DEFAULT_DUE_DAYS
from workflows.inspection import (
    DEFAULT_AQLS,
    DEFAULT_CHECKLIST,
    DEFECT_CLASSES,
    InspectionError,
    check_aql,
)
from workflows.lifecycle import Role
from workflows.sampling import LEVELS

REGISTRY_EDITORS = {Role.ADMIN, Role.SELECTION_MANAGER}
#: A category's QC settings (``qc_monthly_budget`` is an amount; stored in cents).
QC_CATEGORY_FIELDS = ("qc_monthly_budget", "aql_critical", "aql_major", "aql_minor",
                      "inspection_level", "qc_checklist", "prelisting_valid_days",
                      "required_certificates", "capa_due_days")
MAX_LIST_ITEMS = 30
SUPPLIER_FIELDS = ("name", "name_en", "contact_name", "contact_email", "contact_phone", "region",
                   "status")
CATEGORY_FIELDS = ("name", "name_zh", "parent_id", "sku_cap", "selection_threshold",
                   "max_design_rounds", "description", *QC_CATEGORY_FIELDS)


def _require_editor(actor: User | None) -> None:
    if actor is not None and actor.role not in REGISTRY_EDITORS:
        raise Forbidden(f"role {actor.role} may not edit suppliers or categories")


def _text(fields: dict, key: str, errors: dict, *, required=False, limit=200) -> str | None:
    value = fields.get(key)
    value = (str(value).strip() if value is not None else "") or None
    if required and not value:
        errors[key] = "required"
    elif value and len(value) > limit:
        errors[key] = f"at most {limit} characters"
    return value


def _clean_supplier(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = {key: _text(fields, key, errors, required=(key == "name"))
               for key in SUPPLIER_FIELDS if key in fields}
    if "status" in cleaned and cleaned["status"] not in SUPPLIER_STATUSES:
        errors["status"] = f"one of {', '.join(SUPPLIER_STATUSES)}"
    if cleaned.get("contact_email") and "@" not in cleaned["contact_email"]:
        errors["contact_email"] = "not an email address"
    raise_if_errors(errors)
    return cleaned


def _ensure_unique_name(session, model, name: str | None, current_id: int | None = None) -> None:
    if not name:
        return
    clash = session.scalar(select(model.id).where(model.name == name))
    if clash is not None and clash != current_id:
        raise_if_errors({"name": f"a {model.__name__.lower()} named {name!r} exists"})


def _insert_audited(session, actor: User | None, record, subject_type: str, cleaned: dict):
    session.add(record)
    session.flush()
    record_event(session, actor, subject_type, record.id, "create", changes=diff({}, cleaned))
    return record


def _update_audited(session, actor: User, record, subject_type: str, cleaned: dict):
    """Apply the changed fields and audit them; an edit that changes nothing records nothing."""
    changes = diff({k: getattr(record, k) for k in cleaned}, cleaned)
    if changes:
        for key in changes:
            setattr(record, key, cleaned[key])
        record_event(session, actor, subject_type, record.id, "update", changes=changes)
    return record


def create_supplier(actor: User | None, fields: dict[str, Any]) -> Supplier:
    _require_editor(actor)
    cleaned = _clean_supplier({"status": "prospective", **fields})
    if not cleaned.get("name"):
        raise_if_errors({"name": "required"})
    with write_transaction() as session:
        _ensure_unique_name(session, Supplier, cleaned["name"])
        return _insert_audited(session, actor, Supplier(**cleaned), "supplier", cleaned)


def update_supplier(actor: User, supplier_id: int, fields: dict[str, Any]) -> Supplier:
    _require_editor(actor)
    cleaned = _clean_supplier(fields)
    with write_transaction() as session:
        supplier = session.get(Supplier, supplier_id)
        if supplier is None:
            raise NotFound(f"supplier {supplier_id} not found")
        _ensure_unique_name(session, Supplier, cleaned.get("name"), supplier.id)
        return _update_audited(session, actor, supplier, "supplier", cleaned)


def add_certificate(actor: User, supplier_id: int, fields: dict[str, Any]) -> Certificate:
    _require_editor(actor)
    errors: dict[str, str] = {}
    code = _text(fields, "standard_code", errors, required=True, limit=80)
    title = _text(fields, "title", errors)
    number = _text(fields, "number", errors, limit=80)
    expires = fields.get("expires_on")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires.strip())
        except ValueError:
            errors["expires_on"] = "a date as YYYY-MM-DD"
    elif not isinstance(expires, date):
        errors["expires_on"] = "required (YYYY-MM-DD)"
    raise_if_errors(errors)
    with write_transaction() as session:
        if session.get(Supplier, supplier_id) is None:
            raise NotFound(f"supplier {supplier_id} not found")
        cert = Certificate(supplier_id=supplier_id, standard_code=code, title=title, number=number,
                           expires_on=expires)
        session.add(cert)
        session.flush()
        record_event(session, actor, "supplier", supplier_id, "add_certificate", changes={
            "certificate": {"before": None, "after": {
                "id": cert.id, "standard_code": code, "number": number,
                "expires_on": expires.isoformat()}}})
    return cert


def _clean_category(session, fields: dict[str, Any], category_id=None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in ("name", "name_zh"):
        if key in fields:
            cleaned[key] = _text(fields, key, errors, required=(key == "name"), limit=120)
    if "description" in fields:
        cleaned["description"] = _text(fields, "description", errors, limit=5000)
    for key, kind in (("parent_id", int), ("sku_cap", int), ("selection_threshold", float),
                      ("max_design_rounds", int)):
        if key not in fields:
            continue
        raw = fields[key]
        if raw in (None, ""):
            cleaned[key] = {"selection_threshold": 3.5, "max_design_rounds": 5}.get(key)
            continue
        try:
            cleaned[key] = kind(raw)
        except (TypeError, ValueError):
            errors[key] = f"must be a {'whole ' if kind is int else ''}number"
    if cleaned.get("sku_cap") is not None and cleaned["sku_cap"] < 1:
        errors["sku_cap"] = "at least 1 (or empty for no cap)"
    rounds = cleaned.get("max_design_rounds")
    if rounds is not None and not 1 <= rounds <= 50:
        errors["max_design_rounds"] = "between 1 and 50"
    threshold = cleaned.get("selection_threshold")
    if threshold is not None and not 1 <= threshold <= 5:
        errors["selection_threshold"] = "between 1 and 5"
    cleaned.update(_clean_qc_settings(fields, errors))
    parent_id = cleaned.get("parent_id")
    if parent_id is not None:
        if session.get(Category, parent_id) is None:
            errors["parent_id"] = f"no category {parent_id}"
        elif category_id is not None and _is_descendant(session, parent_id, category_id):
            errors["parent_id"] = "a category cannot be its own ancestor"
    raise_if_errors(errors)
    return cleaned


def _lines(value: Any, field: str, errors: dict, limit: int) -> list[str]:
    """A list of short texts, from a list or from text with one item per line (deduplicated,
    order kept)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        errors[field] = "a list of texts (one per line)"
        return []
    items: list[str] = []
    for raw in value:
        text = raw.strip()
        if not text or text in items:
            continue
        if len(text) > limit:
            errors[field] = f"{text[:20]!r}...: at most {limit} characters per line"
        items.append(text)
    if len(items) > MAX_LIST_ITEMS:
        errors[field] = f"at most {MAX_LIST_ITEMS} lines"
    return items


def _days(value: Any, field: str, errors: dict, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    if isinstance(value, bool) or not re.fullmatch(r"\s*[0-9]{1,6}\s*", str(value)):
        errors[field] = "must be a whole number of days"
        return default
    days = int(value)
    if not 1 <= days <= maximum:
        errors[field] = f"between 1 and {maximum}"
    return days


def _clean_qc_settings(fields: dict[str, Any], errors: dict) -> dict[str, Any]:
    """The QC settings present in ``fields``, as column values (empty: the default)."""
    cleaned: dict[str, Any] = {}
    if "qc_monthly_budget" in fields:
        cleaned["qc_monthly_budget_cents"] = parse_money(fields["qc_monthly_budget"],
                                                         "qc_monthly_budget", errors)
    for defect_class in DEFECT_CLASSES:
        key = f"aql_{defect_class}"
        if key not in fields:
            continue
        raw = fields[key]
        if raw in (None, ""):
            cleaned[key] = DEFAULT_AQLS[defect_class]
            continue
        try:
            cleaned[key] = check_aql(raw, key)
        except InspectionError as error:
            errors[key] = str(error).split(": ", 1)[1]
    if "inspection_level" in fields:
        level = fields["inspection_level"] or "II"
        if level not in LEVELS:
            errors["inspection_level"] = f"one of {', '.join(LEVELS)}"
        cleaned["inspection_level"] = level
    if "qc_checklist" in fields:
        checklist = _lines(fields["qc_checklist"], "qc_checklist", errors, 60)
        cleaned["qc_checklist"] = checklist or list(DEFAULT_CHECKLIST)
    if "required_certificates" in fields:
        cleaned["required_certificates"] = _lines(fields["required_certificates"],
                                                  "required_certificates", errors, 80)
    if "prelisting_valid_days" in fields:
        cleaned["prelisting_valid_days"] = _days(fields["prelisting_valid_days"],
                                                 "prelisting_valid_days", errors, 90, 3650)
    if "capa_due_days" in fields:
        cleaned["capa_due_days"] = _days(fields["capa_due_days"], "capa_due_days", errors,
                                         DEFAULT_DUE_DAYS, 365)
    return cleaned


def _is_descendant(session, candidate_id: int, ancestor_id: int) -> bool:
    node = session.get(Category, candidate_id)
    while node is not None:
        if node.id == ancestor_id:
            return True
        node = node.parent
    return False


def create_category(actor: User | None, fields: dict[str, Any]) -> Category:
    _require_editor(actor)
    with write_transaction() as session:
        cleaned = _clean_category(session, fields)
        if not cleaned.get("name"):
            raise_if_errors({"name": "required"})
        _ensure_unique_name(session, Category, cleaned["name"])
        return _insert_audited(session, actor, Category(**cleaned), "category", cleaned)


def update_category(actor: User, category_id: int, fields: dict[str, Any]) -> Category:
    _require_editor(actor)
    with write_transaction() as session:
        category = session.get(Category, category_id)
        if category is None:
            raise NotFound(f"category {category_id} not found")
        cleaned = _clean_category(session, fields, category_id)
        _ensure_unique_name(session, Category, cleaned.get("name"), category.id)
        threshold_before = category.selection_threshold
        _update_audited(session, actor, category, "category", cleaned)
        if category.selection_threshold != threshold_before:
            _rethreshold_scorecard(session, actor, category)
        return category


def _rethreshold_scorecard(session, actor: User, category: Category) -> None:
    """The threshold lives in the scorecard version reviews use: a changed category threshold
    writes the next version (past reviews keep theirs)."""
    from app.services import scorecards

    current = scorecards.latest_scorecard(session, category.id)
    if current is not None and current.pass_threshold != category.selection_threshold:
        fields = scorecards.fields_of(current)
        fields["pass_threshold"] = category.selection_threshold
        scorecards.write_version(session, actor, category, fields)
