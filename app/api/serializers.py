"""Model to JSON: the shapes the OpenAPI document describes."""

from __future__ import annotations

from dataclasses import asdict

from flask import url_for

from app.models import (
    Attachment,
    AuditEvent,
    Category,
    CorrectiveAction,
    Inspection,
    InspectionDefect,
    Product,
    SamplePurchase,
    Supplier,
    User,
)
from app.models.base import as_utc
from app.services.audit import decoded_changes
from app.services.proposal_details import cents_to_amount


def iso_utc(value):
    """A stored time as ISO 8601 in UTC with its offset (None stays None)."""
    return as_utc(value).isoformat() if value is not None else None


def iso_date(value):
    return value.isoformat() if value is not None else None


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
        "retail_price": cents_to_amount(product.retail_price_cents),
        "launched_on": iso_date(product.launched_on),
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


# --- quality control ----------------------------------------------------------------------------

def file_json(attachment: Attachment) -> dict:
    """A QC record's file (receipt, defect photo, evidence) with its download URL."""
    return {"id": attachment.id, "name": attachment.original_name,
            "content_type": attachment.content_type, "size_bytes": attachment.size_bytes,
            "sha256": attachment.sha256, "uploaded_at": iso_utc(attachment.uploaded_at),
            "download_url": url_for("api.download_attachment", attachment_id=attachment.id)}


def budget_json(status: dict) -> dict:
    """``app.services.qc.budget_status`` with its amounts as strings (None: no budget set)."""
    return {"month": status["month"], "budget": cents_to_amount(status["budget_cents"]),
            "spent": cents_to_amount(status["spent_cents"]),
            "remaining": cents_to_amount(status["remaining_cents"]), "over": status["over"]}


def purchase_json(purchase: SamplePurchase, budget: dict | None = None,
                  receipts: list[Attachment] | None = None) -> dict:
    """A sample purchase (staff only: suppliers never see purchases)."""
    body = {
        "id": purchase.id, "product_id": purchase.product_id, "kind": purchase.kind,
        "channel": purchase.channel, "store_name": purchase.store_name,
        "order_number": purchase.order_number, "purchased_on": iso_date(purchase.purchased_on),
        "quantity": purchase.quantity, "unit_price": cents_to_amount(purchase.unit_price_cents),
        "total": cents_to_amount(purchase.total_cents), "currency": purchase.currency,
        "batch_code": purchase.batch_code, "notes": purchase.notes,
        "purchaser_id": purchase.purchaser_id,
        "purchaser": purchase.purchaser.email if purchase.purchaser else None,
        "reimbursement_status": purchase.reimbursement_status,
        "reimbursement_changed_at": iso_utc(purchase.reimbursement_changed_at),
        "created_at": iso_utc(purchase.created_at),
        "inspection_id": purchase.inspection.id if purchase.inspection else None,
    }
    if budget is not None:
        body["budget_status"] = budget_json(budget)
    if receipts is not None:
        body["receipts"] = [file_json(a) for a in receipts]
    return body


def defect_json(defect: InspectionDefect, photos: list[Attachment] | None = None) -> dict:
    return {"id": defect.id, "inspection_id": defect.inspection_id,
            "defect_class": defect.defect_class, "count": defect.count,
            "description": defect.description, "checklist_item": defect.checklist_item,
            "created_at": iso_utc(defect.created_at),
            "photos": [file_json(a) for a in photos or []]}


def inspection_json(inspection: Inspection, viewer: User,
                    photos: dict[int, list[Attachment]] | None = None) -> dict:
    """An inspection; with ``photos`` ({defect id: files}) its defects too. A supplier never
    gets the internal notes, the inspector or the purchase (store, order, price): only the
    purchase's kind and date."""
    purchase = inspection.purchase
    body = {
        "id": inspection.id, "product_id": inspection.product_id, "kind": inspection.kind,
        "status": inspection.status, "lot_size": inspection.lot_size, "level": inspection.level,
        "severity": inspection.severity, "severity_reason": inspection.severity_reason,
        "aqls": dict(inspection.aqls or {}), "plans": [dict(p) for p in inspection.plans or []],
        "sample_size": inspection.sample_size,
        "checklist": [dict(c) for c in inspection.checklist or []],
        "verdict": inspection.verdict, "found": inspection.found,
        "arithmetic": inspection.arithmetic, "consequence": inspection.consequence,
        "switching_after": inspection.switching_after, "summary": inspection.summary,
        "production_steady": inspection.production_steady,
        "started_at": iso_utc(inspection.started_at),
        "completed_at": iso_utc(inspection.completed_at),
        "purchased_on": iso_date(purchase.purchased_on) if purchase else None,
    }
    if photos is not None:
        body["defects"] = [defect_json(d, photos.get(d.id)) for d in inspection.defects]
    if viewer.is_supplier:
        return body
    body.update({
        "purchase_id": inspection.purchase_id,
        "purchase": {"id": purchase.id, "channel": purchase.channel,
                     "store_name": purchase.store_name, "order_number": purchase.order_number,
                     "quantity": purchase.quantity,
                     "total": cents_to_amount(purchase.total_cents),
                     "currency": purchase.currency, "batch_code": purchase.batch_code}
        if purchase else None,
        "inspector_id": inspection.inspector_id,
        "inspector": inspection.inspector.email if inspection.inspector else None,
        "internal_notes": inspection.internal_notes,
    })
    return body


def switching_json(state) -> dict:
    """A ``workflows.switching.SwitchingState`` as JSON."""
    data = asdict(state)
    data["recent_normal"] = list(data["recent_normal"])
    return data


def capa_json(request: CorrectiveAction, viewer: User, overdue: bool,
              evidence: list[Attachment] | None = None) -> dict:
    """A corrective action request; internal notes only for staff."""
    body = {
        "id": request.id, "product_id": request.product_id, "supplier_id": request.supplier_id,
        "inspection_id": request.inspection_id, "status": request.status,
        "due_on": iso_date(request.due_on), "overdue": overdue, "problem": request.problem,
        "opened_at": iso_utc(request.opened_at), "containment": request.containment,
        "root_cause": request.root_cause, "corrective_action": request.corrective_action,
        "preventive_action": request.preventive_action,
        "submitted_at": iso_utc(request.submitted_at),
        "first_submitted_at": iso_utc(request.first_submitted_at),
        "return_reason": request.return_reason,
        "verification_inspection_id": request.verification_inspection_id,
        "closed_at": iso_utc(request.closed_at),
        "escalation_reason": request.escalation_reason,
        "escalated_at": iso_utc(request.escalated_at),
    }
    if evidence is not None:
        body["evidence"] = [file_json(a) for a in evidence]
    if not viewer.is_supplier:
        body["internal_notes"] = request.internal_notes
    return body
