"""The supplier audit report's data: the supplier and its certificates, every product with its
inspection pass rate, the defect Pareto, corrective actions and their timeliness.

A supplier gets the report about itself only (another supplier's answers NotFound) and sees
completed inspections only, never internal notes. Staff see everything, internal notes included.
Supplier standing (issue 5) is not modelled yet: the report prints the supplier's status and
says so. Dates are judged against ``scope["as_of"]`` (expired certificates, overdue requests).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Category, Certificate, CorrectiveAction, Inspection, Product, Supplier
from app.models.base import MAX_ID, as_utc
from app.services.errors import raise_if_errors
from app.services.qc.common import _whole
from app.services.reports.qc_period import (
    accepted_sum,
    day_of,
    defect_pareto,
    pass_rate,
    product_name,
)
from app.services.visibility import get_visible_supplier
from workflows import capa as capa_rules

TITLE = "Supplier audit report"


def scope_for(actor, params: dict) -> dict:
    """``{"supplier_id"}``: any supplier for staff, only its own for a supplier (NotFound)."""
    errors: dict[str, str] = {}
    supplier_id = _whole((params or {}).get("supplier_id"), "supplier_id", errors, minimum=1,
                         maximum=MAX_ID)
    raise_if_errors(errors)
    supplier = get_visible_supplier(actor, supplier_id)
    return {"kind": "supplier", "supplier_id": supplier.id}


def as_of_day(scope: dict) -> date:
    return datetime.fromisoformat(scope["as_of"]).date()


def _supplier(session: Session, supplier_id: int) -> dict:
    s = session.get(Supplier, supplier_id)
    return {"id": s.id, "name": s.name, "name_en": s.name_en, "region": s.region,
            "status": s.status, "contact_name": s.contact_name,
            "contact_email": s.contact_email, "contact_phone": s.contact_phone}


def _certificates(session: Session, supplier_id: int, today: date) -> list[dict]:
    query = (select(Certificate).where(Certificate.supplier_id == supplier_id)
             .order_by(Certificate.expires_on, Certificate.id))
    return [{"standard": c.standard_code, "title": c.title, "number": c.number,
             "expires_on": c.expires_on.isoformat(), "expired": c.expires_on < today}
            for c in session.scalars(query)]


def _products(session: Session, supplier_id: int) -> list[dict]:
    """Every product of the supplier with its completed inspections and pass rate."""
    counts = {pid: (int(n), int(ok)) for pid, n, ok in session.execute(
        select(Inspection.product_id, func.count(Inspection.id), accepted_sum())
        .join(Product, Product.id == Inspection.product_id)
        .where(Product.supplier_id == supplier_id, Inspection.status == "completed")
        .group_by(Inspection.product_id))}
    query = (select(Product.id, Product.name_zh, Product.name_en, Product.sku_code,
                    Product.state, Category.name, Category.name_zh)
             .outerjoin(Category, Category.id == Product.category_id)
             .where(Product.supplier_id == supplier_id).order_by(Product.id))
    rows = []
    for pid, zh, en, sku, state, category, category_zh in session.execute(query):
        n, ok = counts.get(pid, (0, 0))
        rows.append({"id": pid, "name_zh": zh, "name_en": en, "sku": sku, "state": state,
                     "category": f"{category} / {category_zh}" if category_zh else category,
                     "inspections": n, "accepted": ok, "pass_rate": pass_rate(ok, n)})
    return rows


def timeliness(status: str, due_on: date, first_submitted: datetime | None,
               today: date) -> str:
    """on_time / late (by the first submission against the due date), overdue (waiting on
    the supplier past the due date), pending (not yet due) or unanswered (closed or escalated
    without an answer)."""
    if first_submitted is not None:
        return "on_time" if as_utc(first_submitted).date() <= due_on else "late"
    if capa_rules.is_overdue(status, due_on, today):
        return "overdue"
    if status in capa_rules.WITH_SUPPLIER:
        return "pending"
    return "unanswered"


def _corrective_actions(session: Session, supplier_id: int, today: date,
                        staff: bool) -> list[dict]:
    query = (select(CorrectiveAction, Product.name_zh, Product.name_en)
             .join(Product, Product.id == CorrectiveAction.product_id)
             .where(CorrectiveAction.supplier_id == supplier_id)
             .order_by(CorrectiveAction.opened_at, CorrectiveAction.id))
    rows = []
    for capa, zh, en in session.execute(query):
        row = {"id": capa.id, "product": product_name(zh, en),
               "inspection_id": capa.inspection_id, "status": capa.status,
               "opened_on": day_of(capa.opened_at), "due_on": capa.due_on.isoformat(),
               "first_submitted_on": day_of(capa.first_submitted_at),
               "closed_on": day_of(capa.closed_at),
               "timeliness": timeliness(capa.status, capa.due_on, capa.first_submitted_at,
                                        today)}
        if staff:
            row["internal_notes"] = capa.internal_notes
        rows.append(row)
    return rows


def _inspection_notes(session: Session, supplier_id: int) -> list[dict]:
    """Staff only: the internal notes of the supplier's completed inspections."""
    query = (select(Inspection.id, Inspection.completed_at, Inspection.internal_notes,
                    Product.name_zh, Product.name_en)
             .join(Product, Product.id == Inspection.product_id)
             .where(Product.supplier_id == supplier_id, Inspection.status == "completed",
                    Inspection.internal_notes.is_not(None), Inspection.internal_notes != "")
             .order_by(Inspection.completed_at, Inspection.id))
    return [{"inspection_id": iid, "completed_on": day_of(done), "product": product_name(zh, en),
             "notes": notes} for iid, done, notes, zh, en in session.execute(query)]


def gather(session: Session, actor, scope: dict, t) -> dict:
    supplier_id = int(scope["supplier_id"])
    today = as_of_day(scope)
    staff = not actor.is_supplier
    products = _products(session, supplier_id)
    capas = _corrective_actions(session, supplier_id, today, staff)
    inspected = sum(p["inspections"] for p in products)
    accepted = sum(p["accepted"] for p in products)
    counts = {k: 0 for k in ("on_time", "late", "overdue", "pending", "unanswered")}
    for capa in capas:
        counts[capa["timeliness"]] += 1
    data = {
        "as_of": today.isoformat(),
        "audience": "staff" if staff else "supplier",
        "supplier": _supplier(session, supplier_id),
        "certificates": _certificates(session, supplier_id, today),
        "products": products,
        "totals": {"products": len(products), "inspections": inspected, "accepted": accepted,
                   "rejected": inspected - accepted, "pass_rate": pass_rate(accepted, inspected)},
        "pareto": defect_pareto(session, Product.supplier_id == supplier_id),
        "corrective_actions": capas,
        "timeliness": counts,
        #: Supplier standing (issue 5) is not modelled yet.
        "standing": None,
    }
    if staff:
        data["inspection_notes"] = _inspection_notes(session, supplier_id)
    return data
