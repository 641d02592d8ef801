"""The inspection report: one inspection as a short document fit to send to the supplier.

Also the plain data of an inspection and of a product's heading, which the product dossier
reuses. A supplier gets only completed inspections of its own products (``qc.get_inspection``)
and never the purchase (store, order, price) nor internal notes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    AuditEvent,
    CorrectiveAction,
    Inspection,
    Product,
    SamplePurchase,
    User,
)
from app.models.base import MAX_ID, as_utc
from app.services.attachments import stored_path
from app.services.errors import NotFound, raise_if_errors
from app.services.proposal_details import cents_to_amount
from app.services.qc import defect_photos, get_inspection

TITLE = "Inspection report"


# --- plain values -------------------------------------------------------------------------------

def iso(value: datetime | date | None) -> str | None:
    """A time as ISO 8601 in UTC to the second (a date as YYYY-MM-DD); None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="seconds")
    return value.isoformat()


def record_id(params: Any, key: str) -> int:
    """``params[key]`` as a record id (an int or a string of digits); ValidationFailed names
    ``key`` otherwise. Ids out of range are left to the lookup (NotFound)."""
    value = params.get(key) if isinstance(params, dict) else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() \
            and len(value.strip()) <= 12:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise_if_errors({key: "required, a whole number"})
    return value


def product_facts(product: Product) -> dict:
    """What identifies a product on a report's first page."""
    category = product.category
    return {
        "id": product.id, "name_zh": product.name_zh or "", "name_en": product.name_en or "",
        "sku_code": product.sku_code, "state": product.state,
        "supplier_id": product.supplier_id, "supplier": product.supplier.display_name,
        "category": category.display_name if category else None,
    }


# --- one inspection -----------------------------------------------------------------------------

def purchase_facts(purchase: SamplePurchase) -> dict:
    """Staff only: where QC bought the sample and for how much."""
    return {
        "id": purchase.id, "kind": purchase.kind, "channel": purchase.channel,
        "store_name": purchase.store_name, "order_number": purchase.order_number,
        "purchased_on": iso(purchase.purchased_on), "quantity": purchase.quantity,
        "unit_price": cents_to_amount(purchase.unit_price_cents),
        "total": cents_to_amount(purchase.total_cents), "currency": purchase.currency,
        "batch_code": purchase.batch_code,
        "purchaser": purchase.purchaser.email if purchase.purchaser else None,
        "notes": purchase.notes,
    }


def capa_summary(request: CorrectiveAction | None) -> dict | None:
    if request is None:
        return None
    return {"id": request.id, "status": request.status, "due_on": iso(request.due_on)}


def _defects(inspection: Inspection, photos: dict[int, list]) -> list[dict]:
    return [{
        "id": d.id, "defect_class": d.defect_class, "count": d.count,
        "description": d.description, "checklist_item": d.checklist_item,
        "photos": [{"id": a.id, "name": a.original_name, "path": str(stored_path(a))}
                   for a in photos.get(d.id, [])],
    } for d in sorted(inspection.defects, key=lambda d: d.id)]


def inspection_facts(actor: User, inspection: Inspection, photos: dict[int, list],
                     capa: CorrectiveAction | None) -> dict:
    """One inspection as ``actor`` may see it: ``photos`` from ``qc.defect_photos(actor, ...)``
    (a supplier never gets internal files), ``capa`` the request it opened, if any."""
    staff = not actor.is_supplier
    switching = inspection.switching_after or None
    return {
        "id": inspection.id, "kind": inspection.kind, "status": inspection.status,
        "lot_size": inspection.lot_size, "level": inspection.level,
        "severity": inspection.severity, "severity_reason": inspection.severity_reason or "",
        "sample_size": inspection.sample_size,
        "plans": [dict(p) for p in inspection.plans or []],
        "checklist": [{"item": c.get("item"), "result": c.get("result"), "note": c.get("note")}
                      for c in inspection.checklist or []],
        "found": dict(inspection.found) if inspection.found else None,
        "arithmetic": list(inspection.arithmetic or []),
        "verdict": inspection.verdict, "consequence": inspection.consequence,
        "next_severity": switching and {
            "severity": switching.get("severity"), "reason": switching.get("reason"),
            "discontinued": bool(switching.get("discontinued"))},
        "summary": inspection.summary,
        "started_at": iso(inspection.started_at), "completed_at": iso(inspection.completed_at),
        "defects": _defects(inspection, photos),
        "corrective_action": capa_summary(capa),
        "inspector": inspection.inspector.email if staff and inspection.inspector else None,
        "purchase": purchase_facts(inspection.purchase) if staff else None,
        "internal_notes": inspection.internal_notes if staff else None,
    }


def capas_by_inspection(session: Session, product_id: int) -> dict[int, CorrectiveAction]:
    """The corrective action request each inspection of the product opened (the first one)."""
    found: dict[int, CorrectiveAction] = {}
    for request in session.scalars(select(CorrectiveAction).where(
            CorrectiveAction.product_id == product_id,
            CorrectiveAction.inspection_id.is_not(None)).order_by(CorrectiveAction.id)):
        found.setdefault(request.inspection_id, request)
    return found


# --- the report ---------------------------------------------------------------------------------

def scope_for(actor: User, params: dict) -> dict:
    """params ``{"inspection_id": id}``; the scope covers the product's events from the
    sample purchase on."""
    inspection = get_inspection(actor, record_id(params, "inspection_id"))
    bought = select(SamplePurchase.created_at).where(
        SamplePurchase.id == inspection.purchase_id).scalar_subquery()
    first = db.session.scalar(select(func.min(AuditEvent.id)).where(
        AuditEvent.subject_type == "product", AuditEvent.subject_id == inspection.product_id,
        AuditEvent.occurred_at >= bought))
    return {"kind": "inspection", "product_id": inspection.product_id,
            "inspection_id": inspection.id, "from_event": first or 0}


def gather(session: Session, actor, scope: dict, t) -> dict:
    inspection_id = int(scope["inspection_id"])
    inspection = session.get(Inspection, inspection_id) if 1 <= inspection_id <= MAX_ID else None
    if inspection is None:
        raise NotFound(f"inspection {inspection_id} not found")
    product = session.get(Product, inspection.product_id)
    photos = defect_photos(actor, [d.id for d in inspection.defects])
    capa = capas_by_inspection(session, product.id).get(inspection.id)
    return {"audience": "supplier" if actor.is_supplier else "staff",
            "product": product_facts(product),
            "inspection": inspection_facts(actor, inspection, photos, capa)}
