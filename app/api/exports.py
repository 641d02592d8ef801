"""Exports endpoints of the JSON API: ``GET /api/v1/exports/<dataset>.<fmt>`` (bearer token).

One route per dataset and format, declared from ``app.services.exports.DATASETS``, so each is a
plain path in the OpenAPI document with its own filters. Errors are JSON like every endpoint's:
400 naming a filter that cannot be read, 404 for a dataset the caller may not export or an id it
may not see.
"""

from __future__ import annotations

from flask import g, request

from app.api import bp
from app.api.auth import token_required
from app.api.openapi import _errors
from app.exports.responses import CSV_MIMETYPE, XLSX_MIMETYPE, export_response
from app.services import exports as export_service


def _view(dataset: str, fmt: str):
    @token_required
    def export():
        return export_response(export_service.prepare_export(g.api_user, dataset, fmt,
                                                             request.args))
    export.__name__ = f"export_{dataset}_{fmt}"
    return export


for _name in export_service.DATASETS:
    for _fmt in export_service.FORMATS:
        bp.add_url_rule(f"/v1/exports/{_name}.{_fmt}", endpoint=f"export_{_name}_{_fmt}",
                        view_func=_view(_name, _fmt), methods=["GET"])


_FILTER_SCHEMAS = {
    "id": {"type": "integer", "minimum": 1},
    "text": {"type": "string", "maxLength": 200},
    "flag": {"type": "boolean"},
    "period": {"type": "string", "pattern": r"^\d{4}-(W\d{2}|\d{2})$",
               "description": "2026-10 (month) or 2026-W43 (ISO week)"},
}
_FILTER_TEXT = {
    "q": "search in names, SKU code and supplier names",
    "product_id": "one product (404 when the caller may not see it)",
    "supplier_id": "one supplier (404 for another supplier's id)",
    "category_id": "one category (404 when it does not exist)",
    "run_id": "one elimination run (404 when it does not exist)",
}
_WHO = {True: "Staff only (404 for a supplier).",
        False: "A supplier exports only its own records."}
_CONTENT = {"csv": {CSV_MIMETYPE.split(";")[0]: {"schema": {"type": "string"}}},
            "xlsx": {XLSX_MIMETYPE: {"schema": {"type": "string", "format": "binary"}}}}


def _parameter(spec: export_service.Filter) -> dict:
    schema = ({"type": "string", "enum": list(spec.choices)} if spec.kind == "choice"
              else _FILTER_SCHEMAS[spec.kind])
    # An empty or blank value means no filter (parse_filters strips as Python's str.strip).
    parameter = {"name": spec.name, "in": "query", "required": False,
                 "schema": {"anyOf": [schema, {"type": "string",
                                               "pattern": r"^[\s\x1c-\x1f\x85]*$"}]}}
    if spec.name in _FILTER_TEXT:
        parameter["description"] = _FILTER_TEXT[spec.name]
    return parameter


def _operation(dataset: export_service.Dataset, fmt: str) -> dict:
    columns = ", ".join(c.header for c in dataset.columns)
    return {"get": {
        "summary": f"Export {dataset.name.replace('_', ' ')} as {fmt.upper()}",
        "description": (
            f"{_WHO[dataset.staff_only]} Columns: {columns} (staff-only columns are left out "
            "for suppliers). Text cells starting with = + - @, a tab or a carriage return are "
            "prefixed with ' against formula injection; numbers stay numbers. CSV is UTF-8 "
            "with a BOM, streamed; XLSX has typed cells and a frozen header row. Empty filter "
            "values mean no filter; other query arguments are ignored."),
        "security": [{"bearer": []}],
        "parameters": [_parameter(f) for f in dataset.filters],
        "responses": {"200": {"description": "The file, as an attachment named "
                                             f"sieve-{dataset.name}-YYYY-MM-DD.{fmt}",
                              "content": _CONTENT[fmt]},
                      **_errors(400, 401, 404)},
    }}


#: OpenAPI path items of this module (merged by app.api.openapi).
EXPORT_PATHS: dict = {
    f"/api/v1/exports/{name}.{fmt}": _operation(dataset, fmt)
    for name, dataset in export_service.DATASETS.items() for fmt in export_service.FORMATS
}
