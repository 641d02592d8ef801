"""Metrics endpoints of the JSON API: import files (as jobs) and JSON batches, read imports and
figures.

Imports are staff records (suppliers get 404); only selection managers and admins create them.
Figures are readable by suppliers for their own products only (another's product_id is 404).
"""

from __future__ import annotations

from flask import Response, g, jsonify, request, url_for

from app.api import bp
from app.api.auth import token_required
from app.api.jobs import JOB_SCHEMA, job_json
from app.api.openapi import _errors, _int_param, _json, _ref
from app.api.params import flag, int_arg, json_body
from app.api.serializers import iso_utc
from app.extensions import db
from app.limits import larger_body
from app.models.base import MAX_ID
from app.models.metrics import IMPORT_SOURCES, IMPORT_STATUSES, CustomerMetric, MetricImport
from app.services import jobs as job_service
from app.services import metrics
from app.services.errors import ValidationFailed
from app.services.metrics.validation import COUNT_COLUMNS
from workflows.periods import PeriodError, parse_period

MAX_PER_PAGE = 200


def import_json(record: MetricImport, with_errors: bool = False) -> dict:
    body = {
        "id": record.id, "source": record.source, "filename": record.filename,
        "checksum": record.checksum, "status": record.status, "rows": record.rows,
        "error_count": record.error_count, "summary": record.summary or {},
        "job_id": record.job_id, "created_by_id": record.created_by_id,
        "created_at": iso_utc(record.created_at), "finished_at": iso_utc(record.finished_at),
        "url": url_for("api.get_metric_import", import_id=record.id),
        "errors_url": url_for("api.metric_import_errors", import_id=record.id),
    }
    if with_errors:
        body["errors"] = [{**e, "where": metrics.location(record, e)}
                          for e in record.errors or []]
    return body


def figure_json(figure: CustomerMetric) -> dict:
    return {"product_id": figure.product_id, "period": figure.period,
            "period_kind": figure.period_kind, "period_start": figure.period_start.isoformat(),
            **{c: getattr(figure, c) for c in ("units_sold", "orders", "reviews", "avg_rating",
                                               "positive_reviews", "returns", "complaints")},
            "import_id": figure.import_id}


def _page(query, serialize) -> dict:
    page = int_arg("page", 1, maximum=MAX_ID // MAX_PER_PAGE)
    per_page = min(int_arg("per_page", 50), MAX_PER_PAGE)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return {"items": [serialize(item) for item in result.items], "page": page,
            "per_page": per_page, "total": result.total}


@bp.post("/v1/metrics/imports")
@larger_body("SIEVE_METRICS_MAX_BYTES")  # metric files may be larger than other uploads
@token_required
def create_metric_import():
    actor = g.api_user
    metrics.require_importer(actor)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("file: required (multipart form field)", {"file": "required"})
    replace = flag(request.form.get("replace_periods"), "replace_periods")
    token = metrics.save_upload(actor, upload.stream, upload.filename)
    try:
        job = job_service.enqueue(actor, "metrics_import", {
            "upload": token, "filename": upload.filename, "replace_periods": replace,
            "source": "api"})
    except BaseException:
        metrics.discard_upload(token)
        raise
    response = jsonify(job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job.id)
    return response


@bp.get("/v1/metrics/imports")
@token_required
def list_metric_imports():
    job_id = int_arg("job_id")
    query = metrics.imports_query(g.api_user, job_id=job_id)
    body = _page(query, import_json)
    body["items"] = [import_json(metrics.reconcile(db.session.get(MetricImport, item["id"])))
                     if item["status"] == "running" else item for item in body["items"]]
    return jsonify(body)


@bp.get("/v1/metrics/imports/<int:import_id>")
@token_required
def get_metric_import(import_id: int):
    return jsonify(import_json(metrics.get_import(g.api_user, import_id), with_errors=True))


@bp.get("/v1/metrics/imports/<int:import_id>/errors.csv")
@token_required
def metric_import_errors(import_id: int):
    record = metrics.get_import(g.api_user, import_id)
    response = Response("\ufeff" + metrics.errors_csv(record), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="metric-import-{record.id}-errors.csv"')
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/v1/metrics")
@token_required
def push_metrics():
    actor = g.api_user
    metrics.require_importer(actor)
    body = json_body()
    unknown = sorted(set(body) - {"rows", "replace_periods"})
    if unknown:
        raise ValidationFailed(f"unknown field(s): {', '.join(map(str, unknown))}",
                               {k: "unknown field" for k in unknown})
    replace = body.get("replace_periods", False)
    if not isinstance(replace, bool):
        raise ValidationFailed("replace_periods: true or false",
                               {"replace_periods": "not a boolean"})
    record = metrics.import_rows(actor, body.get("rows"), replace)
    if record.status != "applied":
        error = metrics.refusal(record)
        return jsonify({"error": {"code": error.code, "message": error.message,
                                  "details": error.details},
                        "import": import_json(record, with_errors=True)}), 422
    return jsonify(import_json(record))


@bp.get("/v1/metrics")
@token_required
def list_metrics():
    product_id = int_arg("product_id")
    period = request.args.get("period") or None
    if period is not None:
        try:
            period = str(parse_period(period))
        except PeriodError as error:
            raise ValidationFailed(f"period: {error}", {"period": str(error)}) from None
    return jsonify(_page(metrics.figures_query(g.api_user, product_id, period), figure_json))


# -- OpenAPI ------------------------------------------------------------------------------------

_bearer = [{"bearer": []}]
_counts = {c: {"type": "integer", "minimum": 0} for c in COUNT_COLUMNS}
_import_id = _int_param("import_id", "path", True)
_pages = [_int_param("page"), _int_param("per_page")]
_period_text = {"type": "string", "examples": ["2026-10", "2026-W43"],
                "description": "a month YYYY-MM or an ISO week YYYY-Www"}
_summary_counts = {k: {"type": "integer"} for k in ("added", "changed", "unchanged", "removed")}
_page_schema = {"type": "object", "required": ["items", "page", "per_page", "total"],
                "properties": {"page": {"type": "integer"}, "per_page": {"type": "integer"},
                               "total": {"type": "integer"}}}

#: OpenAPI component schemas of this module.
METRICS_SCHEMAS: dict = {
    "MetricRow": {
        "type": "object", "required": ["period", *COUNT_COLUMNS],
        "description": "One product's figures for one period: product_id or sku (the "
                       "supplier's SKU code; refused when several suppliers use it).",
        "additionalProperties": False,
        "properties": {"product_id": {"type": "integer"}, "sku": {"type": "string"},
                       "period": _period_text, **_counts,
                       "avg_rating": {"type": ["number", "null"], "minimum": 1, "maximum": 5,
                                      "description": "null only when reviews is 0"}}},
    "MetricFigure": {
        "type": "object",
        "properties": {"product_id": {"type": "integer"}, "period": _period_text,
                       "period_kind": {"type": "string", "enum": ["month", "week"]},
                       "period_start": {"type": "string", "format": "date"}, **_counts,
                       "avg_rating": {"type": ["number", "null"]},
                       "import_id": {"type": "integer"}}},
    "MetricImportError": {
        "type": "object",
        "properties": {"row": {"type": ["integer", "null"],
                               "description": "spreadsheet row (header = 1), or the index i "
                                              "of rows[i] for a JSON batch"},
                       "column": {"type": "string"}, "value": {"type": "string"},
                       "problem": {"type": "string"},
                       "where": {"type": "string", "description": "FILE:ROW:COLUMN or "
                                                                  "rows[i].column"}}},
    "MetricImport": {
        "type": "object",
        "required": ["id", "source", "filename", "checksum", "status", "rows", "error_count"],
        "properties": {
            "id": {"type": "integer"},
            "source": {"type": "string", "enum": list(IMPORT_SOURCES)},
            "filename": {"type": "string"},
            "checksum": {"type": "string", "description": "SHA-256 of the file (of the "
                                                         "canonical JSON for a batch)"},
            "status": {"type": "string", "enum": list(IMPORT_STATUSES),
                       "description": "a running import whose process died reads failed"},
            "rows": {"type": "integer"}, "error_count": {"type": "integer"},
            "summary": {"type": "object", "properties": {
                **_summary_counts,
                "periods": {"type": "object", "additionalProperties": {
                    "type": "object", "properties": _summary_counts}},
                "examples": {"type": "array", "maxItems": 20, "items": {
                    "type": "object", "description": "{row, product_id, period, changes: "
                                                     "{field: {before, after}}}"}},
                "replace_periods": {"type": "boolean"}}},
            "job_id": {"type": ["integer", "null"]},
            "created_by_id": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "finished_at": {"type": ["string", "null"], "format": "date-time"},
            "url": {"type": "string"}, "errors_url": {"type": "string"},
            "errors": {"type": "array", "items": _ref("MetricImportError"),
                       "description": "the first 1000 problems (single import only)"}}},
    "MetricImportPage": {**_page_schema, "properties": {
        **_page_schema["properties"], "items": {"type": "array", "items": _ref("MetricImport")}}},
    "MetricFigurePage": {**_page_schema, "properties": {
        **_page_schema["properties"], "items": {"type": "array", "items": _ref("MetricFigure")}}},
}

#: OpenAPI path items of this module (merged by app.api.openapi).
METRICS_PATHS: dict = {
    "/api/v1/metrics/imports": {
        "post": {
            "summary": "Import a CSV or XLSX file of customer metrics, as a background job",
            "description": "Selection managers and admins (suppliers: 404). Answers 202 with "
                           "the job; poll it. The job fails, naming the problems, when the file "
                           "is refused (nothing is stored); its import is found with "
                           "GET /api/v1/metrics/imports?job_id=.",
            "security": _bearer,
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                    "replace_periods": {"type": "boolean", "description": "also remove the "
                                        "file's periods' figures of products not in it"}}}}}},
            "responses": {"202": {"description": "The job", **_json(JOB_SCHEMA)},
                          "413": {"description": "Larger than SIEVE_METRICS_MAX_BYTES"},
                          **_errors(401, 403, 404, 422)}},
        "get": {
            "summary": "Metric imports, newest first (staff)",
            "security": _bearer, "parameters": [_int_param("job_id"), *_pages],
            "responses": {"200": {"description": "A page", **_json(_ref("MetricImportPage"))},
                          **_errors(401, 404, 422)}}},
    "/api/v1/metrics/imports/{import_id}": {"get": {
        "summary": "One metric import: status, summary of changes, its first 1000 problems",
        "security": _bearer, "parameters": [_import_id],
        "responses": {"200": {"description": "The import", **_json(_ref("MetricImport"))},
                      **_errors(401, 404)}}},
    "/api/v1/metrics/imports/{import_id}/errors.csv": {"get": {
        "summary": "The import's error report (file,row,column,value,problem)",
        "description": "Cells beginning with = + - @ are prefixed with ' (formula injection).",
        "security": _bearer, "parameters": [_import_id],
        "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}},
                      **_errors(401, 404)}}},
    "/api/v1/metrics": {
        "post": {
            "summary": "Push a batch of customer metrics (synchronous, all or nothing)",
            "description": f"At most {metrics.MAX_BATCH_ROWS} rows. 422 names every problem "
                         "as rows[i].column and stores nothing; the refused import is "
                         "recorded too.",
            "security": _bearer,
            "requestBody": {"required": True, **_json({
                "type": "object", "required": ["rows"], "properties": {
                    "rows": {"type": "array", "maxItems": metrics.MAX_BATCH_ROWS,
                             "items": _ref("MetricRow")},
                    "replace_periods": {"type": "boolean", "default": False}}})},
            "responses": {"200": {"description": "Applied", **_json(_ref("MetricImport"))},
                          **_errors(401, 403, 404, 422)}},
        "get": {
            "summary": "Stored figures, newest period first, then newest product first (a "
                       "supplier: its own products only)",
            "security": _bearer,
            "parameters": [_int_param("product_id"),
                           {"name": "period", "in": "query", "schema": _period_text}, *_pages],
            "responses": {"200": {"description": "A page", **_json(_ref("MetricFigurePage"))},
                          **_errors(401, 404, 422)}}},
}
