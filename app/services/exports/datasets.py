"""What can be exported: each dataset's columns, filters and query, with the visibility rules of
``app.services.visibility`` and ``app.services.qc`` applied as they are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, select

from app.extensions import db
from app.models import (
    Category,
    CorrectiveAction,
    CustomerMetric,
    EliminationCandidate,
    EliminationRun,
    Inspection,
    InspectionDefect,
    MetricImport,
    Product,
    SamplePurchase,
    Supplier,
    User,
)
from app.models.elimination import CANDIDATE_STATUSES
from app.models.metrics import IMPORT_SOURCES, IMPORT_STATUSES
from app.models.qc import REIMBURSEMENT_STATUSES
from app.models.suppliers import STANDINGS, SUPPLIER_STATUSES
from app.services import qc
from app.services.errors import NotFound
from app.services.exports.writers import FORMULA_STARTS, Column
from app.services.search import product_matches
from app.services.visibility import (
    get_visible_product,
    get_visible_supplier,
    visible_products,
    visible_suppliers,
)
from workflows import capa as capa_rules
from workflows.inspection import KINDS
from workflows.lifecycle import State


@dataclass(frozen=True)
class Filter:
    """A query argument: ``kind`` is id (checked visible: a foreign or unknown id is 404),
    choice (one of ``choices``), text, flag (1/true) or period."""

    name: str
    kind: str
    choices: tuple[str, ...] = ()
    resolve: Callable[[User, int], Any] | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...]
    #: (actor, parsed filters, labelled column expressions) -> the SELECT.
    query: Callable[[User, dict, list], Select]
    staff_only: bool = False

    def columns_for(self, actor: User) -> tuple[Column, ...]:
        if actor.is_supplier:
            return tuple(c for c in self.columns if not c.staff_only)
        return self.columns


def _amount(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _joined(items: Any) -> str | None:
    """A JSON list of findings or reasons as one text: their explanations joined with " | "."""
    if not items:
        return None
    if not isinstance(items, list):
        return str(items)
    parts = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("explanation") or item.get("reason") or item.get("text") or item
        parts.append(str(item))
    return " | ".join(parts)


def _product_name(product=Product):
    return case((and_(product.name_zh != "", product.name_en != ""),
                 product.name_zh + " / " + product.name_en),
                else_=func.coalesce(func.nullif(product.name_zh, ""), product.name_en))


def _category(user: User, category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(f"category {category_id} not found")
    return category


def _run(user: User, run_id: int) -> EliminationRun:
    run = db.session.get(EliminationRun, run_id)
    if run is None:
        raise NotFound(f"elimination run {run_id} not found")
    return run


PRODUCT_F = Filter("product_id", "id", resolve=get_visible_product)
SUPPLIER_F = Filter("supplier_id", "id", resolve=get_visible_supplier)
CATEGORY_F = Filter("category_id", "id", resolve=_category)


def _ids(visible: Select, model) -> Any:
    """``model.id IN (the ids of the visibility query)``: the existing rule, applied as is."""
    return model.id.in_(visible.with_only_columns(model.id).order_by(None))


def _where(query: Select, f: dict, pairs) -> Select:
    for name, column in pairs:
        if f.get(name) is not None:
            query = query.where(column == f[name])
    return query


# products ---------------------------------------------------------------------------------------

PRODUCT_COLUMNS = (
    Column("id", "int", Product.id),
    Column("sku", "text", Product.sku_code),
    Column("name_zh", "text", Product.name_zh),
    Column("name_en", "text", Product.name_en),
    Column("supplier_id", "int", Product.supplier_id),
    Column("supplier", "text", Supplier.name),
    Column("category_id", "int", Product.category_id),
    Column("category", "text", Category.name),
    Column("state", "text", Product.state),
    Column("target_price", "number", Product.target_price_cents, _amount),
    Column("unit_cost", "number", Product.unit_cost_cents, _amount),
    Column("retail_price", "number", Product.retail_price_cents, _amount),
    Column("currency", "text", Product.currency),
    Column("monthly_capacity", "int", Product.monthly_capacity),
    Column("launched_on", "date", Product.launched_on),
    Column("state_changed_at", "datetime", Product.state_changed_at),
    Column("created_at", "datetime", Product.created_at),
)


def _products(actor: User, f: dict, columns: list) -> Select:
    """The product list's filters (app.catalog.views): q over names, SKU and supplier names;
    state; category; supplier."""
    query = (select(*columns).select_from(Product)
             .join(Supplier, Supplier.id == Product.supplier_id)
             .outerjoin(Category, Category.id == Product.category_id)
             .where(_ids(visible_products(actor), Product)))
    if f.get("q"):
        query = query.where(product_matches(f["q"]))
    query = _where(query, f, (("state", Product.state), ("category_id", Product.category_id),
                              ("supplier_id", Product.supplier_id)))
    return query.order_by(Product.id.desc())


# suppliers --------------------------------------------------------------------------------------

SUPPLIER_COLUMNS = (
    Column("id", "int", Supplier.id),
    Column("name", "text", Supplier.name),
    Column("name_en", "text", Supplier.name_en),
    Column("region", "text", Supplier.region),
    Column("status", "text", Supplier.status),
    Column("standing", "text", Supplier.standing),
    Column("standing_reasons", "text", Supplier.standing_reasons, _joined),
    Column("standing_changed_at", "datetime", Supplier.standing_changed_at),
    Column("contact_name", "text", Supplier.contact_name),
    Column("contact_email", "text", Supplier.contact_email),
    Column("contact_phone", "text", Supplier.contact_phone),
    Column("products", "int", make=lambda: func.coalesce(_product_counts.c.n, 0)),
    Column("created_at", "datetime", Supplier.created_at),
)
_product_counts = (select(Product.supplier_id.label("supplier_id"), func.count().label("n"))
                   .group_by(Product.supplier_id).subquery())


def _suppliers(actor: User, f: dict, columns: list) -> Select:
    query = (select(*columns).select_from(Supplier)
             .outerjoin(_product_counts, _product_counts.c.supplier_id == Supplier.id)
             .where(_ids(visible_suppliers(actor), Supplier)))
    return _where(query, f, (("status", Supplier.status), ("standing", Supplier.standing)))\
        .order_by(Supplier.name)


# inspections ------------------------------------------------------------------------------------

def _class_sum(name: str):
    return func.sum(case((InspectionDefect.defect_class == name, InspectionDefect.count),
                         else_=0)).label(name)


_defects = (select(InspectionDefect.inspection_id.label("inspection_id"),
                   *(_class_sum(c) for c in ("critical", "major", "minor")))
            .group_by(InspectionDefect.inspection_id).subquery())

INSPECTION_COLUMNS = (
    Column("id", "int", Inspection.id),
    Column("product_id", "int", Inspection.product_id),
    Column("sku", "text", Product.sku_code),
    Column("product", "text", _product_name()),
    Column("supplier_id", "int", Product.supplier_id),
    Column("supplier", "text", Supplier.name),
    Column("category", "text", Category.name),
    Column("kind", "text", Inspection.kind),
    Column("status", "text", Inspection.status),
    Column("severity", "text", Inspection.severity),
    Column("level", "text", Inspection.level),
    Column("lot_size", "int", Inspection.lot_size),
    Column("sample_size", "int", Inspection.sample_size),
    Column("critical_defects", "int", func.coalesce(_defects.c.critical, 0)),
    Column("major_defects", "int", func.coalesce(_defects.c.major, 0)),
    Column("minor_defects", "int", func.coalesce(_defects.c.minor, 0)),
    Column("verdict", "text", Inspection.verdict),
    Column("consequence", "text", Inspection.consequence),
    Column("started_at", "datetime", Inspection.started_at),
    Column("completed_at", "datetime", Inspection.completed_at),
    Column("summary", "text", Inspection.summary),
    Column("inspector", "text", User.email, staff_only=True),
    Column("purchase_id", "int", Inspection.purchase_id, staff_only=True),
    Column("internal_notes", "text", Inspection.internal_notes, staff_only=True),
)


def _inspections(actor: User, f: dict, columns: list) -> Select:
    """Inspections as ``qc.visible_inspections`` lets the actor see them (a supplier: the
    completed ones of its own products)."""
    query = (select(*columns).select_from(Inspection)
             .join(Product, Product.id == Inspection.product_id)
             .join(Supplier, Supplier.id == Product.supplier_id)
             .outerjoin(Category, Category.id == Product.category_id)
             .outerjoin(User, User.id == Inspection.inspector_id)
             .outerjoin(_defects, _defects.c.inspection_id == Inspection.id)
             .where(_ids(qc.visible_inspections(actor), Inspection)))
    query = _where(query, f, (
        ("product_id", Inspection.product_id), ("supplier_id", Product.supplier_id),
        ("category_id", Product.category_id), ("kind", Inspection.kind),
        ("verdict", Inspection.verdict), ("status", Inspection.status)))
    return query.order_by(Inspection.started_at.desc(), Inspection.id.desc())


# customer metrics: exactly the import format (app.services.metrics.COLUMNS), re-importable ---

def _importable_sku(sku: str | None) -> str | None:
    """The SKU, left blank when it would need the ' prefix: the importer checks a given SKU
    against the product's, and product_id already names the row."""
    return None if sku and sku.startswith(FORMULA_STARTS) else sku


METRIC_COLUMNS = (
    Column("product_id", "int", CustomerMetric.product_id),
    Column("sku", "text", Product.sku_code, _importable_sku),
    Column("period", "text", CustomerMetric.period),
    Column("units_sold", "int", CustomerMetric.units_sold),
    Column("orders", "int", CustomerMetric.orders),
    Column("reviews", "int", CustomerMetric.reviews),
    Column("avg_rating", "number", CustomerMetric.avg_rating),
    Column("positive_reviews", "int", CustomerMetric.positive_reviews),
    Column("returns", "int", CustomerMetric.returns),
    Column("complaints", "int", CustomerMetric.complaints),
)


def _metrics(actor: User, f: dict, columns: list) -> Select:
    query = (select(*columns).select_from(CustomerMetric)
             .join(Product, Product.id == CustomerMetric.product_id)
             .where(_ids(visible_products(actor), Product)))
    query = _where(query, f, (
        ("product_id", CustomerMetric.product_id), ("period", CustomerMetric.period),
        ("category_id", Product.category_id), ("supplier_id", Product.supplier_id)))
    return query.order_by(CustomerMetric.product_id, CustomerMetric.period_start,
                          CustomerMetric.period)


# elimination candidates -------------------------------------------------------------------------

CANDIDATE_COLUMNS = (
    Column("id", "int", EliminationCandidate.id),
    Column("run_id", "int", EliminationCandidate.run_id),
    Column("as_of", "date", EliminationRun.as_of),
    Column("product_id", "int", EliminationCandidate.product_id),
    Column("sku", "text", Product.sku_code),
    Column("product", "text", _product_name()),
    Column("category_id", "int", EliminationCandidate.category_id),
    Column("category", "text", Category.name),
    Column("supplier_id", "int", EliminationCandidate.supplier_id),
    Column("supplier", "text", Supplier.name),
    Column("action", "text", EliminationCandidate.action),
    Column("status", "text", EliminationCandidate.status),
    Column("score", "number", EliminationCandidate.score),
    Column("findings", "text", EliminationCandidate.findings, _joined),
    Column("state_at_run", "text", EliminationCandidate.state_at_run),
    Column("put_on_watch", "bool", EliminationCandidate.put_on_watch),
    Column("decided_at", "datetime", EliminationCandidate.decided_at),
    Column("decision_reason_code", "text", EliminationCandidate.decision_reason_code),
    Column("decision_note", "text", EliminationCandidate.decision_note),
)


def _candidates(actor: User, f: dict, columns: list) -> Select:
    query = (select(*columns).select_from(EliminationCandidate)
             .join(EliminationRun, EliminationRun.id == EliminationCandidate.run_id)
             .join(Product, Product.id == EliminationCandidate.product_id)
             .join(Supplier, Supplier.id == EliminationCandidate.supplier_id)
             .outerjoin(Category, Category.id == EliminationCandidate.category_id))
    query = _where(query, f, (("status", EliminationCandidate.status),
                              ("run_id", EliminationCandidate.run_id),
                              ("category_id", EliminationCandidate.category_id)))
    return query.order_by(EliminationCandidate.run_id.desc(),
                          EliminationCandidate.score.is_(None), EliminationCandidate.score,
                          EliminationCandidate.id)


# corrective actions -----------------------------------------------------------------------------

def _overdue_expr():
    today = datetime.now(UTC).date()
    return case((and_(CorrectiveAction.status.in_(sorted(capa_rules.WITH_SUPPLIER)),
                      CorrectiveAction.due_on < today), True), else_=False)


CAPA_COLUMNS = (
    Column("id", "int", CorrectiveAction.id),
    Column("product_id", "int", CorrectiveAction.product_id),
    Column("sku", "text", Product.sku_code),
    Column("product", "text", _product_name()),
    Column("supplier_id", "int", CorrectiveAction.supplier_id),
    Column("supplier", "text", Supplier.name),
    Column("inspection_id", "int", CorrectiveAction.inspection_id),
    Column("status", "text", CorrectiveAction.status),
    Column("overdue", "bool", make=_overdue_expr),
    Column("due_on", "date", CorrectiveAction.due_on),
    Column("problem", "text", CorrectiveAction.problem),
    Column("opened_at", "datetime", CorrectiveAction.opened_at),
    Column("first_submitted_at", "datetime", CorrectiveAction.first_submitted_at),
    Column("submitted_at", "datetime", CorrectiveAction.submitted_at),
    Column("closed_at", "datetime", CorrectiveAction.closed_at),
    Column("containment", "text", CorrectiveAction.containment),
    Column("root_cause", "text", CorrectiveAction.root_cause),
    Column("corrective_action", "text", CorrectiveAction.corrective_action),
    Column("preventive_action", "text", CorrectiveAction.preventive_action),
    Column("return_reason", "text", CorrectiveAction.return_reason),
    Column("escalation_reason", "text", CorrectiveAction.escalation_reason),
    Column("internal_notes", "text", CorrectiveAction.internal_notes, staff_only=True),
)


def _capas(actor: User, f: dict, columns: list) -> Select:
    """The CAPA list's query (``qc.capas_query``: the actor's visibility, status, overdue)."""
    visible = qc.capas_query(actor, f.get("product_id"), f.get("status"),
                             bool(f.get("overdue")))
    return (select(*columns).select_from(CorrectiveAction)
            .join(Product, Product.id == CorrectiveAction.product_id)
            .join(Supplier, Supplier.id == CorrectiveAction.supplier_id)
            .where(_ids(visible, CorrectiveAction))
            .order_by(CorrectiveAction.due_on, CorrectiveAction.id))


# sample purchases -------------------------------------------------------------------------------

PURCHASE_COLUMNS = (
    Column("id", "int", SamplePurchase.id),
    Column("purchased_on", "date", SamplePurchase.purchased_on),
    Column("product_id", "int", SamplePurchase.product_id),
    Column("sku", "text", Product.sku_code),
    Column("product", "text", _product_name()),
    Column("supplier", "text", Supplier.name),
    Column("category", "text", Category.name),
    Column("kind", "text", SamplePurchase.kind),
    Column("channel", "text", SamplePurchase.channel),
    Column("store_name", "text", SamplePurchase.store_name),
    Column("order_number", "text", SamplePurchase.order_number),
    Column("quantity", "int", SamplePurchase.quantity),
    Column("unit_price", "number", SamplePurchase.unit_price_cents, _amount),
    Column("total", "number", SamplePurchase.total_cents, _amount),
    Column("currency", "text", SamplePurchase.currency),
    Column("batch_code", "text", SamplePurchase.batch_code),
    Column("purchaser", "text", User.email),
    Column("reimbursement_status", "text", SamplePurchase.reimbursement_status),
    Column("inspection_id", "int", Inspection.id),
    Column("verdict", "text", Inspection.verdict),
    Column("notes", "text", SamplePurchase.notes),
)


def _purchases(actor: User, f: dict, columns: list) -> Select:
    """The QC overview's query (``qc.purchases_query``: category, product, reimbursement)."""
    visible = qc.purchases_query(f.get("category_id"), f.get("product_id"),
                                 f.get("reimbursement"))
    return (select(*columns).select_from(SamplePurchase)
            .join(Product, Product.id == SamplePurchase.product_id)
            .join(Supplier, Supplier.id == Product.supplier_id)
            .outerjoin(Category, Category.id == Product.category_id)
            .outerjoin(User, User.id == SamplePurchase.purchaser_id)
            .outerjoin(Inspection, Inspection.purchase_id == SamplePurchase.id)
            .where(_ids(visible, SamplePurchase))
            .order_by(SamplePurchase.purchased_on.desc(), SamplePurchase.id.desc()))


# metric imports ---------------------------------------------------------------------------------

def _summary(key: str) -> Callable[[Any], Any]:
    def count(summary: Any) -> int | None:
        value = summary.get(key) if isinstance(summary, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return count


IMPORT_COLUMNS = (
    Column("id", "int", MetricImport.id),
    Column("created_at", "datetime", MetricImport.created_at),
    Column("finished_at", "datetime", MetricImport.finished_at),
    Column("created_by", "text", User.email),
    Column("source", "text", MetricImport.source),
    Column("filename", "text", MetricImport.filename),
    Column("checksum", "text", MetricImport.checksum),
    Column("status", "text", MetricImport.status),
    Column("rows", "int", MetricImport.rows),
    Column("error_count", "int", MetricImport.error_count),
    *(Column(key, "int", MetricImport.summary, _summary(key))
      for key in ("added", "changed", "unchanged", "removed")),
)


def _imports(actor: User, f: dict, columns: list) -> Select:
    query = (select(*columns).select_from(MetricImport)
             .outerjoin(User, User.id == MetricImport.created_by_id))
    query = _where(query, f, (("status", MetricImport.status), ("source", MetricImport.source)))
    return query.order_by(MetricImport.id.desc())


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("products", PRODUCT_COLUMNS, (
        Filter("q", "text"), Filter("state", "choice", tuple(s.value for s in State)),
        CATEGORY_F, SUPPLIER_F), _products),
    Dataset("suppliers", SUPPLIER_COLUMNS, (
        Filter("status", "choice", SUPPLIER_STATUSES),
        Filter("standing", "choice", STANDINGS)), _suppliers),
    Dataset("inspections", INSPECTION_COLUMNS, (
        PRODUCT_F, SUPPLIER_F, CATEGORY_F, Filter("kind", "choice", tuple(KINDS)),
        Filter("verdict", "choice", ("accepted", "rejected")),
        Filter("status", "choice", ("open", "completed"))), _inspections),
    Dataset("metrics", METRIC_COLUMNS, (
        PRODUCT_F, Filter("period", "period"), CATEGORY_F, SUPPLIER_F), _metrics),
    Dataset("candidates", CANDIDATE_COLUMNS, (
        Filter("status", "choice", CANDIDATE_STATUSES),
        Filter("run_id", "id", resolve=_run), CATEGORY_F), _candidates, staff_only=True),
    Dataset("corrective_actions", CAPA_COLUMNS, (
        PRODUCT_F, Filter("status", "choice", tuple(capa_rules.STATUSES)),
        Filter("overdue", "flag")), _capas),
    Dataset("purchases", PURCHASE_COLUMNS, (
        PRODUCT_F, CATEGORY_F, Filter("reimbursement", "choice", REIMBURSEMENT_STATUSES)),
        _purchases, staff_only=True),
    Dataset("metric_imports", IMPORT_COLUMNS, (
        Filter("status", "choice", IMPORT_STATUSES),
        Filter("source", "choice", IMPORT_SOURCES)), _imports, staff_only=True),
)}
