"""Model to JSON: the shapes the OpenAPI document describes."""

from __future__ import annotations

from app.models import AuditEvent, Category, Product, Supplier
from app.models.base import as_utc
from app.services.audit import decoded_changes
from app.services.proposal_details import cents_to_amount


def iso_utc(value):
    """A stored time as ISO 8601 in UTC with its offset (None stays None)."""
    return as_utc(value).isoformat() if value is not None else None


def product_json(product: Product, allowed: list[dict] | None = None) -> dict:
    body = {
        "id": product.id,
        "name_en": product.name_en,
        "name_zh": product.name_zh,
        "sku_code": product.sku_code,
        "description": product.description,
        "target_price": cents_to_amount(product.target_price_cents),
        "unit_cost": cents_to_amount(product.unit_cost_cents),
        "currency": product.currency,
        "monthly_capacity": product.monthly_capacity,
        "specifications": [dict(s) for s in product.specifications or []],
        "competitors": [
            {"name": c.get("name"), "channel": c.get("channel") or "",
             "price": cents_to_amount(c.get("price_cents")), "url": c.get("url") or ""}
            for c in product.competitors or []
        ],
        "claimed_standards": [dict(s) for s in product.claimed_standards or []],
        "state": product.state,
        "version": product.version,
        "supplier_id": product.supplier_id,
        "category_id": product.category_id,
        "state_changed_at": iso_utc(product.state_changed_at),
        "created_at": iso_utc(product.created_at),
        "updated_at": iso_utc(product.updated_at),
    }
    if allowed is not None:
        body["allowed_transitions"] = [t["name"] for t in allowed if not t["blocked_by"]]
        body["blocked_transitions"] = {t["name"]: t["blocked_by"] for t in allowed if t["blocked_by"]}
    return body


def audit_json(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "occurred_at": iso_utc(event.occurred_at),
        "actor": event.actor_label,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "changes": decoded_changes(event),
        "hash": event.hash,
    }


def category_json(category: Category) -> dict:
    return {
        "id": category.id,
        "name": category.name,
        "name_zh": category.name_zh,
        "parent_id": category.parent_id,
        "sku_cap": category.sku_cap,
        "selection_threshold": category.selection_threshold,
        "max_design_rounds": category.max_design_rounds,
    }


def supplier_json(supplier: Supplier) -> dict:
    return {
        "id": supplier.id,
        "name": supplier.name,
        "name_en": supplier.name_en,
        "region": supplier.region,
        "status": supplier.status,
        "certificates": [
            {"standard_code": c.standard_code, "number": c.number,
             "expires_on": c.expires_on.isoformat()}
            for c in supplier.certificates
        ],
    }
