"""Creating and editing product proposals (state changes go through services.lifecycle)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from app.db import write_transaction
from app.models import Category, Product, Supplier, User
from app.models.base import MAX_ID
from app.services.audit import diff, record_event
from app.services.errors import (
    Forbidden,
    StaleVersion,
    StateConflict,
    ValidationFailed,
    raise_if_errors,
)
from app.services.proposal_details import DETAIL_FIELDS, clean_details
from app.services.visibility import get_visible_product
from workflows.lifecycle import Role, State

EDITABLE_FIELDS = ("name_en", "name_zh", "sku_code", "description", "category_id")
LIMITS = {"name_en": 200, "name_zh": 200, "sku_code": 64, "description": 20000}
#: Roles that may create or edit a proposal on a supplier's behalf.
STAFF_EDITORS = {Role.ADMIN, Role.SELECTION_MANAGER}


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in EDITABLE_FIELDS:
        if key not in fields:
            continue
        value = fields[key]
        if key == "category_id":
            if value in (None, ""):
                cleaned[key] = None
                continue
            try:
                cleaned[key] = int(value)
            except (TypeError, ValueError):
                errors[key] = "must be a category id"
            else:
                if isinstance(value, bool) or not 1 <= cleaned[key] <= MAX_ID:
                    errors[key] = "must be a category id"
            continue
        if value is not None and not isinstance(value, str):
            errors[key] = "must be text"
            continue
        value = (value or "").strip()
        if len(value) > LIMITS[key]:
            errors[key] = f"at most {LIMITS[key]} characters"
        cleaned[key] = value if (value or key != "sku_code") else None
    cleaned.update(clean_details(fields, errors))
    unknown = set(fields) - set(EDITABLE_FIELDS) - set(DETAIL_FIELDS) - {"supplier_id"}
    for key in sorted(unknown):
        errors[key] = "unknown field"
    raise_if_errors(errors)
    return cleaned


def _check_references(session, supplier_id: int, cleaned: dict[str, Any], product_id=None):
    if cleaned.get("category_id") is not None and session.get(Category, cleaned["category_id"]) is None:
        raise ValidationFailed(
            f"category_id: no category {cleaned['category_id']}", {"category_id": "unknown category"}
        )
    sku = cleaned.get("sku_code")
    if sku:
        clash = session.scalar(
            select(Product.id).where(Product.supplier_id == supplier_id, Product.sku_code == sku)
        )
        if clash is not None and clash != product_id:
            raise ValidationFailed(
                f"sku_code: {sku} is already used by product {clash}", {"sku_code": "duplicate"}
            )


def create_product(actor: User, fields: dict[str, Any]) -> Product:
    """A supplier (or a manager on its behalf) proposes a product; it starts in ``draft``."""
    if actor.role == Role.SUPPLIER:
        supplier_id = actor.supplier_id
    elif actor.role in STAFF_EDITORS:
        try:
            supplier_id = int(fields.get("supplier_id"))
        except (TypeError, ValueError):
            raise ValidationFailed(
                "supplier_id: required when staff create a product", {"supplier_id": "required"}
            ) from None
        if not 1 <= supplier_id <= MAX_ID:
            raise ValidationFailed(f"supplier_id: no supplier {supplier_id}",
                                   {"supplier_id": "unknown"})
    else:
        raise Forbidden(f"role {actor.role} may not create products")
    cleaned = _clean(fields)
    with write_transaction() as session:
        if session.get(Supplier, supplier_id) is None:
            raise ValidationFailed(f"supplier_id: no supplier {supplier_id}", {"supplier_id": "unknown"})
        _check_references(session, supplier_id, cleaned)
        product = Product(supplier_id=supplier_id, state=State.DRAFT.value, version=1, **cleaned)
        session.add(product)
        session.flush()
        record_event(
            session, actor, "product", product.id, "create", to_state=State.DRAFT.value,
            changes=diff({}, {**cleaned, "supplier_id": supplier_id}),
        )
    return product


def update_product(
    actor: User, product_id: int, fields: dict[str, Any], expected_version: int | None = None
) -> Product:
    """Edit a proposal's details; only while it is a draft, by its supplier or a manager."""
    cleaned = _clean(fields)
    with write_transaction() as session:
        product = get_visible_product(actor, product_id)
        if actor.role != Role.SUPPLIER and actor.role not in STAFF_EDITORS:
            raise Forbidden(f"role {actor.role} may not edit products")
        if product.state != State.DRAFT:
            raise StateConflict(
                f"product {product_id} can be edited only in draft, it is {product.state}")
        if expected_version is not None and product.version != expected_version:
            raise StaleVersion(f"product {product_id} changed since you loaded it; reload and retry")
        _check_references(session, product.supplier_id, cleaned, product.id)
        before = {k: getattr(product, k) for k in cleaned}
        changes = diff(before, cleaned)
        if changes:
            version = product.version
            result = session.execute(
                update(Product)
                .where(Product.id == product.id, Product.version == version)
                .values(**{k: cleaned[k] for k in changes}, version=version + 1,
                        updated_at=datetime.now(UTC))
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise StaleVersion(f"product {product_id} was changed by someone else; reload and retry")
            record_event(session, actor, "product", product.id, "update", changes=changes)
    session.refresh(product)
    return product
