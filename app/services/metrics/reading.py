"""Reading metric imports and figures back: lists, one import, its error report, the template."""

from __future__ import annotations

import io

from sqlalchemy import Select, select

from app.extensions import db
from app.models import Product, User
from app.models.base import MAX_ID
from app.models.metrics import CustomerMetric, MetricImport
from app.services.errors import NotFound
from app.services.metrics.importing import is_batch, location, reconcile
from app.services.metrics.validation import COLUMNS
from app.services.visibility import get_visible_product

ERROR_REPORT_COLUMNS = ("file", "row", "column", "value", "problem")
#: What each column holds (the template's second sheet and the metrics page show it).
COLUMN_HELP = {
    "product_id": "Sieve's product id. Give it, or sku.",
    "sku": "The supplier's SKU code, when product_id is blank; refused when several "
           "suppliers use it (then give product_id).",
    "period": "2026-10 for a month, or 2026-W43 for an ISO week. One file holds months or "
              "weeks, not both; a product's figures are all months or all weeks.",
    "units_sold": "Units sold in the period: a whole number, 0 or more.",
    "orders": "Orders in the period: a whole number, 0 or more.",
    "reviews": "Reviews written in the period: a whole number, 0 or more.",
    "avg_rating": "Average rating of those reviews, 1 to 5; blank only when reviews is 0.",
    "positive_reviews": "Positive reviews (4 or 5 stars): at most reviews.",
    "returns": "Units returned: at most units_sold (return rate 0-100 %).",
    "complaints": "Customer complaints: at most orders (complaint rate 0-100 %).",
}
TEMPLATE_ROWS = (
    ("101", "", "2026-10", "1250", "1180", "96", "4.6", "88", "31", "4"),
    ("", "KTL-1700-W", "2026-10", "80", "80", "0", "", "0", "2", "0"),
)


def _staff(actor: User) -> None:
    if actor.is_supplier:
        raise NotFound("not found")


def imports_query(actor: User, job_id: int | None = None) -> Select:
    """Imports, newest first (staff only)."""
    _staff(actor)
    query = select(MetricImport).order_by(MetricImport.id.desc())
    if job_id is not None:
        query = query.where(MetricImport.job_id == job_id)
    return query


def list_imports(actor: User, limit: int = 20) -> list[MetricImport]:
    found = list(db.session.scalars(imports_query(actor).limit(limit)))
    return [reconcile(record) for record in found]


def get_import(actor: User, import_id: int) -> MetricImport:
    """One import, to staff; NotFound for suppliers and for ids that do not exist."""
    _staff(actor)
    record = db.session.get(MetricImport, import_id) if 1 <= import_id <= MAX_ID else None
    if record is None:
        raise NotFound(f"metric import {import_id} not found")
    return reconcile(record)


def figures_query(actor: User, product_id: int | None = None,
                  period: str | None = None) -> Select:
    """Stored figures, newest period first and, within a period, newest product first (as the
    product list): the (period_start, product_id) index read backwards serves the page without
    sorting the table. A supplier's own products only (another's ``product_id`` is NotFound)."""
    query = select(CustomerMetric).order_by(CustomerMetric.period_start.desc(),
                                            CustomerMetric.product_id.desc())
    if product_id is not None:
        get_visible_product(actor, product_id)
        query = query.where(CustomerMetric.product_id == product_id)
    elif actor.is_supplier:
        query = query.where(CustomerMetric.product_id.in_(
            select(Product.id).where(Product.supplier_id == actor.supplier_id)))
    if period:
        query = query.where(CustomerMetric.period == period)
    return query


def neutralise(value: object) -> str:
    """A cell that cannot run as a formula in a spreadsheet (it echoes what a user sent)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def errors_csv(record: MetricImport) -> str:
    """The import's error report: ``file,row,column,value,problem``, one line per problem."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ERROR_REPORT_COLUMNS)
    for error in record.errors or []:
        row = error.get("row")
        shown_row = location(record, error).split(".")[0] if is_batch(record) else row
        writer.writerow([neutralise(v) for v in (record.filename, "" if shown_row is None
                                                 else shown_row, error.get("column"),
                                                 error.get("value"), error.get("problem"))])
    hidden = record.error_count - len(record.errors or [])
    if hidden > 0:
        writer.writerow(["", "", "", "", f"… and {hidden} more problems not listed"])
    return out.getvalue()


def template_csv() -> str:
    """The import template: the header and two example rows."""
    from app.services.metrics.files import csv_text

    return csv_text([list(COLUMNS), *map(list, TEMPLATE_ROWS)])


def template_xlsx() -> bytes:
    """The template as a workbook: the rows on the first sheet, each column explained on the
    second (only the first sheet is imported)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "metrics"
    sheet.append(list(COLUMNS))
    for row in TEMPLATE_ROWS:
        sheet.append([int(v) if v.isdigit() else (float(v) if v.replace(".", "").isdigit()
                                                  else (v or None)) for v in row])
    for cell in sheet["C"]:
        cell.number_format = "@"  # text: Excel must not turn 2026-10 into a date
    guide = workbook.create_sheet("columns")
    guide.append(["column", "what it holds"])
    for column in COLUMNS:
        guide.append([column, COLUMN_HELP[column]])
    guide.column_dimensions["B"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
