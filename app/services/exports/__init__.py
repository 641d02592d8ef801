"""Exports of every list to CSV and XLSX: datasets declared as data, formula-safe writers.

``datasets`` declares what can be exported, ``writers`` writes plain rows to CSV or XLSX, and this
module checks a request (:func:`prepare_export`) and runs it (:meth:`Export.rows`,
:func:`export_to_file`, or the background job :func:`run_export_job`).

A dataset is a name, its columns (header, kind, SQL expression, optional conversion), the filters
it takes (the list page's query arguments) and a query builder that applies the existing
visibility rules (``app.services.visibility``, ``app.services.qc``): a supplier exports only its
own products, inspections (completed ones), corrective actions and metrics, and sees only itself
among suppliers; candidates, purchases and metric imports do not exist for suppliers (404). Each
export is one SELECT of plain columns (joins and grouped subqueries, no lazy loading), streamed in
batches, so its query count does not grow with its rows.

**Formula injection.** Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(...)`` can leak data or open links), and a leading tab or carriage
return can hide such a start. :func:`neutralise` prefixes every *text* cell that starts with one
of them with ``'``, which Excel and LibreOffice show as text. Cells of numeric columns are written
as numbers (typed in XLSX, plain digits in CSV) from integer or float values: Python's rendering
of a number is never a formula (``-2`` is the number -2, and nothing like ``-2+3`` can come out of
it), so they are not prefixed and stay numbers for sums and charts. A text that merely looks like
a number (a SKU ``-12``) is text and gets the prefix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import User
from app.models.base import MAX_ID
from app.services.errors import NotFound, ServiceError, raise_if_errors
from app.services.exports.datasets import (
    DATASETS,
    PRODUCT_COLUMNS,
    Dataset,
    Filter,
)
from app.services.exports.writers import (
    BATCH_ROWS,
    FORMULA_STARTS,
    Column,
    iter_csv,
    neutralise,
    write_csv,
    write_xlsx,
)
from workflows.periods import PeriodError, parse_period

__all__ = ["BATCH_ROWS", "DATASETS", "FORMATS", "FORMULA_STARTS", "PRODUCT_COLUMNS", "Column",
           "Dataset", "Export", "Filter", "InvalidFilter", "check_export_job", "export_to_file",
           "get_dataset", "iter_csv", "neutralise", "parse_filters", "prepare_export",
           "run_export_job", "write_csv", "write_xlsx"]

FORMATS = ("csv", "xlsx")


class InvalidFilter(ServiceError):
    """A filter argument that cannot be read: 400, naming the argument in ``details``."""

    status = 400
    code = "invalid_filter"


# --- preparing an export -------------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    """A checked export, ready to write: nothing is read until :meth:`rows` is iterated."""

    dataset: str
    fmt: str
    columns: tuple[Column, ...]
    query: Select

    @property
    def filename(self) -> str:
        return f"sieve-{self.dataset}-{datetime.now(UTC).date().isoformat()}.{self.fmt}"

    def rows(self) -> Iterator[list]:
        """The rows as plain values in column order, fetched in batches."""
        converters = [c.convert for c in self.columns]
        result = db.session.execute(self.query.execution_options(yield_per=BATCH_ROWS))
        for row in result:
            yield [f(v) if f else v for f, v in zip(converters, row, strict=True)]


def get_dataset(actor: User, name: str) -> Dataset:
    """The dataset, or NotFound when it does not exist or is staff-only and ``actor`` is a
    supplier."""
    dataset = DATASETS.get(name)
    if dataset is None or (dataset.staff_only and actor.is_supplier):
        raise NotFound(f"no export named {name!r}")
    return dataset


def _filter_value(actor: User, spec: Filter, raw: str) -> Any:
    name = spec.name
    if spec.kind == "text":
        if len(raw) > 200:
            raise InvalidFilter(f"{name}: at most 200 characters", {name: "too long"})
        return raw
    if spec.kind == "choice":
        if raw not in spec.choices:
            raise InvalidFilter(f"{name}: one of {', '.join(spec.choices)}",
                                {name: "unknown value"})
        return raw
    if spec.kind == "flag":
        word = raw.lower()
        if word not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise InvalidFilter(f"{name}: must be true or false", {name: "not a boolean"})
        return word in ("1", "true", "yes", "on")
    if spec.kind == "period":
        try:
            return str(parse_period(raw))
        except PeriodError as error:
            raise InvalidFilter(f"{name}: {error}", {name: "not a period"}) from None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidFilter(f"{name}: must be a whole number", {name: "not an integer"}) from None
    if not 1 <= value <= MAX_ID:
        raise InvalidFilter(f"{name}: must be between 1 and {MAX_ID}", {name: "out of range"})
    spec.resolve(actor, value)  # NotFound when it does not exist for this actor
    return value


def parse_filters(actor: User, dataset: Dataset, args: Mapping[str, str]) -> dict:
    """The dataset's filters read from ``args`` (empty means no filter; other arguments are
    ignored). A value that cannot be read raises InvalidFilter naming the argument; an id the
    actor may not see raises NotFound."""
    parsed: dict[str, Any] = {}
    for spec in dataset.filters:
        raw = (args.get(spec.name) or "").strip()
        if raw:
            parsed[spec.name] = _filter_value(actor, spec, raw)
    return parsed


def prepare_export(actor: User, name: str, fmt: str, args: Mapping[str, str]) -> Export:
    """Check the dataset, format and filters for ``actor`` and build the query. Errors are raised
    here, before anything is written: NotFound (unknown dataset or format, staff-only dataset for
    a supplier, foreign id) or InvalidFilter."""
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt!r}")
    dataset = get_dataset(actor, name)
    filters = parse_filters(actor, dataset, args)
    columns = dataset.columns_for(actor)
    exprs = [c.sql().label(f"c{i}") for i, c in enumerate(columns)]
    return Export(name, fmt, columns, dataset.query(actor, filters, exprs))


def export_to_file(actor: User, name: str, fmt: str, args: Mapping[str, str], path) -> Export:
    """Write a whole export to ``path`` (CSV or XLSX): for the CLI, jobs and tests."""
    export = prepare_export(actor, name, fmt, args)
    if fmt == "csv":
        with open(path, "wb") as out:
            write_csv(export.columns, export.rows(), out)
    else:
        write_xlsx(export.columns, export.rows(), path, title=name)
    return export


# --- as a background job (kind "export") ---------------------------------------------------------
# A large XLSX (openpyxl writes about 2,500 rows of 17 columns a second) is better made as a job:
# register ``JobHandler(run=run_export_job, check=check_export_job)`` under "export".

def check_export_job(actor: User, params: dict) -> dict:
    """``{"dataset", "format", "filters"}`` checked at enqueue time (NotFound, InvalidFilter,
    ValidationFailed), so a job the actor may not have is refused before it is queued."""
    errors: dict[str, str] = {}
    name, fmt = params.get("dataset"), params.get("format", "xlsx")
    filters = params.get("filters") or {}
    if not isinstance(name, str):
        errors["dataset"] = "required: one of " + ", ".join(DATASETS)
    if not isinstance(fmt, str):
        errors["format"] = "one of " + ", ".join(FORMATS)
    if not isinstance(filters, dict) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in filters.values()):
        errors["filters"] = "an object of texts or whole numbers"
    raise_if_errors(errors)
    filters = {str(k): str(v) for k, v in filters.items()}
    prepare_export(actor, name, fmt, filters)
    return {"dataset": name, "format": fmt, "filters": filters}


def run_export_job(context) -> dict:
    """Write the export to the job's temporary file, reporting progress per batch of rows."""
    params = context.params
    export = prepare_export(context.actor, params["dataset"], params["format"],
                            params.get("filters") or {})
    total = db.session.scalar(select(func.count()).select_from(export.query.subquery())) or 0
    context.progress(0, "gather")
    written = 0

    def counted() -> Iterator[list]:
        nonlocal written
        for row in export.rows():
            written += 1
            if written % BATCH_ROWS == 0 and total:
                context.progress(min(99, written * 100 // total), "write")
            yield row

    if export.fmt == "csv":
        with open(context.temp_path, "wb") as out:
            write_csv(export.columns, counted(), out)
    else:
        write_xlsx(export.columns, counted(), context.temp_path, title=export.dataset)
    context.progress(100, "done")
    return {"file": export.filename, "rows": written, "dataset": export.dataset,
            "format": export.fmt}
