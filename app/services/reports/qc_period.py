"""The QC period report's data: every inspection completed in a date range, pass rates by
category and supplier, the defect Pareto and sample-purchase spend against budget.

Built for large periods (tens of thousands of inspections) in bounded memory: the figures are
aggregated in SQL (GROUP BY), and the inspection list is streamed (``yield_per``) into compact
tuples that refer to products and inspectors by id (one lookup table each), never ORM objects.
Staff only: a supplier asking for it gets NotFound.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Category, Inspection, InspectionDefect, Product, SamplePurchase, Supplier
from app.models import User as UserModel
from app.models.base import MAX_ID, as_utc
from app.services.errors import NotFound, raise_if_errors
from app.services.qc.common import _whole
from app.services.qc.purchases import month_bounds

TITLE = "QC period report"
#: The longest period one report may cover, in days (both ends included).
MAX_DAYS = 366
FILTERS = ("category_id", "supplier_id", "inspector_id")
#: Rows of the Pareto table; the rest are summed into one "all other defects" row.
PARETO_ROWS = 20
CLASS_RANK = {"critical": 0, "major": 1, "minor": 2}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- scope -----------------------------------------------------------------------------------

def _day(value: Any, field: str, errors: dict) -> date | None:
    if value is None or value == "":
        errors[field] = "required, a date as YYYY-MM-DD"
        return None
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = "a date as YYYY-MM-DD"
        return None


def _existing(model, field: str, value: int | None, errors: dict) -> None:
    if value is not None and db.session.get(model, value) is None:
        errors[field] = f"no such {field.removesuffix('_id')}"


def scope_for(actor, params: dict) -> dict:
    """Staff only (a supplier gets NotFound); ``from``/``to`` dates (inclusive, at most
    :data:`MAX_DAYS` days), optional category, supplier and inspector ids."""
    if actor.is_supplier:
        raise NotFound("report not found")
    params = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
    errors: dict[str, str] = {}
    unknown = sorted(set(params) - {"from", "to", *FILTERS})
    if unknown:
        errors["params"] = f"unknown parameter(s): {', '.join(unknown)}"
    start = _day(params.get("from"), "from", errors)
    end = _day(params.get("to"), "to", errors)
    if start and end and start > end:
        errors["to"] = "must be on or after from"
    elif start and end and (end - start).days + 1 > MAX_DAYS:
        errors["to"] = f"the period may cover at most {MAX_DAYS} days"
    ids = {f: _whole(params.get(f), f, errors, minimum=1, maximum=MAX_ID, required=False)
           for f in FILTERS}
    _existing(Category, "category_id", ids["category_id"], errors)
    _existing(Supplier, "supplier_id", ids["supplier_id"], errors)
    _existing(UserModel, "inspector_id", ids["inspector_id"], errors)
    raise_if_errors(errors)
    scope = {"kind": "qc", "from": start.isoformat(), "to": end.isoformat()}
    scope.update({f: v for f, v in ids.items() if v is not None})
    return scope


# --- shared figures (the supplier report uses them too) --------------------------------------

def pass_rate(accepted: int, total: int) -> float | None:
    """Accepted lots as a percentage with one decimal (None when nothing was inspected)."""
    return round(100.0 * accepted / total, 1) if total else None


def accepted_sum():
    return func.coalesce(func.sum(case((Inspection.verdict == "accepted", 1), else_=0)), 0)


def defect_pareto(session: Session, *conditions) -> dict:
    """Defects of completed inspections matching ``conditions`` grouped by class and
    description, most nonconforming items first, with share and cumulative share (percent)."""
    query = (select(InspectionDefect.defect_class, InspectionDefect.description,
                    func.count(InspectionDefect.id), func.sum(InspectionDefect.count))
             .join(Inspection, Inspection.id == InspectionDefect.inspection_id)
             .join(Product, Product.id == Inspection.product_id)
             .where(Inspection.status == "completed", *conditions)
             .group_by(InspectionDefect.defect_class, InspectionDefect.description))
    groups = sorted(((cls, desc, int(n), int(items or 0))
                     for cls, desc, n, items in session.execute(query)),
                    key=lambda g: (-g[3], CLASS_RANK.get(g[0], 9), g[0], g[1]))
    total = sum(g[3] for g in groups)
    rows, running = [], 0
    for cls, desc, occurrences, items in groups[:PARETO_ROWS]:
        running += items
        rows.append({"defect_class": cls, "description": desc, "occurrences": occurrences,
                     "items": items, "share": _share(items, total),
                     "cumulative": _share(running, total)})
    rest = groups[PARETO_ROWS:]
    other = None
    if rest:
        items = sum(g[3] for g in rest)
        other = {"groups": len(rest), "occurrences": sum(g[2] for g in rest), "items": items,
                 "share": _share(items, total)}
    return {"rows": rows, "other": other, "total_items": total}


def _share(part: int, total: int) -> float:
    return round(100.0 * part / total, 1) if total else 0.0


def product_name(name_zh: str | None, name_en: str | None) -> str:
    """Both names when both exist (as ``Product.display_name``)."""
    if name_zh and name_en:
        return f"{name_zh} / {name_en}"
    return name_zh or name_en or ""


def day_of(value: datetime | None) -> str | None:
    return as_utc(value).date().isoformat() if value is not None else None


# --- gather ----------------------------------------------------------------------------------

def _conditions(scope: dict) -> list:
    start = datetime.combine(date.fromisoformat(scope["from"]), time.min)
    end = datetime.combine(date.fromisoformat(scope["to"]), time.min) + timedelta(days=1)
    conditions = [Inspection.status == "completed", Inspection.completed_at >= start,
                  Inspection.completed_at < end]
    if scope.get("category_id"):
        conditions.append(Product.category_id == int(scope["category_id"]))
    if scope.get("supplier_id"):
        conditions.append(Product.supplier_id == int(scope["supplier_id"]))
    if scope.get("inspector_id"):
        conditions.append(Inspection.inspector_id == int(scope["inspector_id"]))
    return conditions


def _grouped(session: Session, column, conditions: list) -> list[tuple]:
    """[(key, inspections, accepted)] of the period's inspections grouped by ``column``."""
    query = (select(column, func.count(Inspection.id), accepted_sum())
             .join(Product, Product.id == Inspection.product_id)
             .where(*conditions).group_by(column))
    return [(key, int(n), int(ok)) for key, n, ok in session.execute(query)]


def _rate_rows(groups: list[tuple], names: dict) -> list[dict]:
    rows = [{"id": key, "name": names.get(key), "inspections": n, "accepted": ok,
             "rejected": n - ok, "pass_rate": pass_rate(ok, n)} for key, n, ok in groups]
    return sorted(rows, key=lambda r: (-r["inspections"], r["name"] or "", r["id"] or 0))


def _category_names(session: Session) -> dict:
    return {cid: (f"{name} / {zh}" if zh else name) for cid, name, zh in
            session.execute(select(Category.id, Category.name, Category.name_zh))}


def _supplier_names(session: Session, ids) -> dict:
    rows = session.execute(select(Supplier.id, Supplier.name, Supplier.name_en)
                           .where(Supplier.id.in_(list(ids))))
    return {sid: (f"{name} ({en})" if en and en != name else name) for sid, name, en in rows}


def _months(scope: dict) -> list[date]:
    """The first day of every calendar month the period touches."""
    month, _ = month_bounds(date.fromisoformat(scope["from"]))
    last = date.fromisoformat(scope["to"])
    months = []
    while month <= last:
        months.append(month)
        month = month_bounds(month)[1]
    return months


def spend_against_budget(session: Session, scope: dict, names: dict) -> dict:
    """Sample-purchase spend per category per calendar month the period touches (whole
    months, as the monthly budget counts them), against the category's monthly budget.
    Budgets are per category: only the category filter applies here."""
    months = _months(scope)
    start, end = months[0], month_bounds(months[-1])[1]
    year, month = extract("year", SamplePurchase.purchased_on), \
        extract("month", SamplePurchase.purchased_on)
    query = (select(Product.category_id, year, month, func.count(SamplePurchase.id),
                    func.sum(SamplePurchase.total_cents))
             .join(Product, Product.id == SamplePurchase.product_id)
             .where(SamplePurchase.purchased_on >= start, SamplePurchase.purchased_on < end)
             .group_by(Product.category_id, year, month))
    budgets_query = select(Category.id, Category.qc_monthly_budget_cents).where(
        Category.qc_monthly_budget_cents.is_not(None))
    if scope.get("category_id"):
        query = query.where(Product.category_id == int(scope["category_id"]))
        budgets_query = budgets_query.where(Category.id == int(scope["category_id"]))
    spent = {(cid, int(y), int(m)): (int(n), int(total or 0))
             for cid, y, m, n, total in session.execute(query)}
    budgets = dict(session.execute(budgets_query).all())
    categories = sorted({cid for cid, _y, _m in spent} | set(budgets),
                        key=lambda c: (c is None, names.get(c) or "", c or 0))
    rows = []
    for cid in categories:
        for first in months:
            purchases, cents = spent.get((cid, first.year, first.month), (0, 0))
            budget = budgets.get(cid)
            rows.append({"category_id": cid, "category": names.get(cid),
                         "month": first.strftime("%Y-%m"), "purchases": purchases,
                         "spent_cents": cents, "budget_cents": budget,
                         "remaining_cents": None if budget is None else budget - cents,
                         "over": budget is not None and cents > budget})
    totals = [sum(r["spent_cents"] for r in rows if r["month"] == m.strftime("%Y-%m"))
              for m in months]
    return {"months": [m.strftime("%Y-%m") for m in months], "rows": rows,
            "monthly_totals": totals}


def inspection_rows(session: Session, conditions: list) -> tuple[list[tuple], dict, dict]:
    """The period's inspections as compact tuples ``(id, completed day, product id,
    inspector id, kind, severity, sample size, "critical/major/minor found", verdict)``,
    streamed, and the products and inspectors they refer to."""
    query = (select(Inspection.id, Inspection.completed_at, Inspection.product_id,
                    Inspection.inspector_id, Inspection.kind, Inspection.severity,
                    Inspection.sample_size, Inspection.found, Inspection.verdict)
             .join(Product, Product.id == Inspection.product_id)
             .where(*conditions).order_by(Inspection.completed_at, Inspection.id)
             .execution_options(yield_per=2000))
    rows = []
    for iid, done, pid, uid, kind, severity, sample, found, verdict in session.execute(query):
        found = found or {}
        rows.append((iid, day_of(done), pid, uid, kind, severity, sample,
                     f"{found.get('critical', 0)}/{found.get('major', 0)}/"
                     f"{found.get('minor', 0)}", verdict))
    in_period = (select(Inspection.product_id, Inspection.inspector_id)
                 .join(Product, Product.id == Inspection.product_id).where(*conditions)
                 .distinct().subquery())
    products = {pid: [zh, en, sku, sid, cid] for pid, zh, en, sku, sid, cid in session.execute(
        select(Product.id, Product.name_zh, Product.name_en, Product.sku_code,
               Product.supplier_id, Product.category_id)
        .where(Product.id.in_(select(in_period.c.product_id))))}
    inspectors = dict(session.execute(select(UserModel.id, UserModel.email).where(
        UserModel.id.in_(select(in_period.c.inspector_id)))).all())
    return rows, products, inspectors


def _filters(session: Session, scope: dict, categories: dict) -> dict:
    out = {}
    if scope.get("category_id"):
        out["category"] = categories.get(int(scope["category_id"]))
    if scope.get("supplier_id"):
        out["supplier"] = _supplier_names(session, [int(scope["supplier_id"])]).get(
            int(scope["supplier_id"]))
    if scope.get("inspector_id"):
        out["inspector"] = session.scalar(select(UserModel.email).where(
            UserModel.id == int(scope["inspector_id"])))
    return out


def gather(session: Session, actor, scope: dict, t) -> dict:
    conditions = _conditions(scope)
    categories = _category_names(session)
    by_supplier = _grouped(session, Product.supplier_id, conditions)
    rows, products, inspectors = inspection_rows(session, conditions)
    suppliers = _supplier_names(session, {key for key, _n, _ok in by_supplier}
                                | {p[3] for p in products.values()})
    for product in products.values():  # product: [zh, en, sku, supplier, category]
        product[3], product[4] = suppliers.get(product[3]), categories.get(product[4])
    total = len(rows)
    accepted = sum(1 for r in rows if r[8] == "accepted")
    return {
        "period": {"from": scope["from"], "to": scope["to"]},
        "filters": _filters(session, scope, categories),
        "summary": {"inspections": total, "accepted": accepted, "rejected": total - accepted,
                    "pass_rate": pass_rate(accepted, total)},
        "by_category": _rate_rows(_grouped(session, Product.category_id, conditions),
                                  categories),
        "by_supplier": _rate_rows(by_supplier, suppliers),
        "pareto": defect_pareto(session, *conditions),
        "spend": spend_against_budget(session, scope, categories),
        "products": {str(k): v for k, v in sorted(products.items())},
        "inspectors": {str(k): v for k, v in sorted(inspectors.items())},
        "inspections": rows,
    }

