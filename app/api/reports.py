"""Report endpoints of the JSON API: PDFs of one record, report jobs, and verifying a report.

Domain errors become JSON through the blueprint's error handlers (app/api/views.py).
"""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from app.api import bp
from app.api.auth import token_required
from app.api.jobs import JOB_SCHEMA, job_json
from app.api.openapi import _errors, _int_param, _json
from app.api.params import json_body
from app.downloads import send_download
from app.services.errors import ValidationFailed, raise_if_errors
from app.services.jobs import enqueue
from app.services.reports import KINDS, LANGUAGES
from app.services.reports.requests import generate_file, verify_upload


def _language() -> str:
    """``?lang=``, else the caller's saved UI language, else English."""
    language = request.args.get("lang") or None
    if language is None:
        language = g.api_user.locale if g.api_user.locale in LANGUAGES else "en"
    return language


def _pdf(kind: str, params: dict):
    out, report = generate_file(g.api_user, kind, params, _language())
    response = send_download(out, "application/pdf", f"{report.report_id}.pdf")
    response.headers["X-Report-Id"] = report.report_id
    response.headers["X-Report-Pages"] = str(report.pages)
    return response


@bp.get("/v1/products/<int:product_id>/report.pdf")
@token_required
def product_report_pdf(product_id: int):
    return _pdf("product", {"product_id": product_id})


@bp.get("/v1/inspections/<int:inspection_id>/report.pdf")
@token_required
def inspection_report_pdf(inspection_id: int):
    return _pdf("inspection", {"inspection_id": inspection_id})


@bp.get("/v1/suppliers/<int:supplier_id>/report.pdf")
@token_required
def supplier_report_pdf(supplier_id: int):
    return _pdf("supplier", {"supplier_id": supplier_id})


@bp.post("/v1/reports")
@token_required
def create_report_job():
    body = json_body()
    kind, params, language = body.get("kind"), body.get("params"), body.get("language")
    errors = {}
    if not isinstance(kind, str):
        errors["kind"] = f"one of {', '.join(KINDS)}"
    if language is not None and (not isinstance(language, str) or language not in LANGUAGES):
        errors["language"] = f"one of {', '.join(LANGUAGES)}"
    if params is not None and not isinstance(params, dict):
        errors["params"] = "an object"
    raise_if_errors(errors)
    job = enqueue(g.api_user, "report", {"kind": kind, "params": params or {},
                                         "language": language})
    response = jsonify(job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job.id)
    return response


@bp.post("/v1/reports/verify")
@token_required
def verify_report():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("file: send the report PDF as multipart field 'file'",
                               {"file": "required"})
    manifest, result = verify_upload(g.api_user, upload.stream)
    if manifest is None:
        raise ValidationFailed(f"file: not a Sieve report ({result.message})",
                               {"file": result.message})
    return jsonify({"ok": result.ok, "message": result.message, "event_id": result.event_id,
                    "newer_events": result.newer_events,
                    "report_id": manifest.get("report_id"), "kind": manifest.get("report"),
                    "first_event": manifest.get("first_event"),
                    "last_event": manifest.get("last_event"),
                    "event_count": manifest.get("event_count")})


# --- OpenAPI -------------------------------------------------------------------------------------

_BEARER = [{"bearer": []}]
_LANG = {"name": "lang", "in": "query", "required": False,
         "description": "the report's language (default: the caller's UI language, else en)",
         "schema": {"type": "string", "enum": list(LANGUAGES)}}
_PDF = {"200": {"description": "The report (a supplier gets its supplier-facing version)",
                "headers": {"X-Report-Id": {"schema": {"type": "string"}},
                            "X-Report-Pages": {"schema": {"type": "integer"}}},
                "content": {"application/pdf": {"schema": {"type": "string",
                                                           "format": "binary"}}}},
        **_errors(401, 404, 422)}
_VERIFICATION = {
    "type": "object", "required": ["ok", "message", "event_id", "newer_events", "report_id"],
    "properties": {
        "ok": {"type": "boolean", "description": "the covered records are unchanged"},
        "message": {"type": "string"},
        "event_id": {"type": ["integer", "null"], "description": "the first event that differs"},
        "newer_events": {"type": "integer",
                         "description": "events in the report's scope recorded since"},
        "report_id": {"type": "string"}, "kind": {"type": "string", "enum": list(KINDS)},
        "first_event": {"type": ["integer", "null"]}, "last_event": {"type": ["integer", "null"]},
        "event_count": {"type": "integer"}}}


def _pdf_path(name: str, what: str) -> dict:
    return {"get": {"summary": f"The {what} as a PDF", "security": _BEARER,
                    "parameters": [_int_param(name, "path", True), _LANG], "responses": _PDF}}


REPORT_PATHS: dict = {
    "/api/v1/products/{product_id}/report.pdf": _pdf_path("product_id", "product dossier"),
    "/api/v1/inspections/{inspection_id}/report.pdf": _pdf_path(
        "inspection_id", "report of a completed inspection"),
    "/api/v1/suppliers/{supplier_id}/report.pdf": _pdf_path("supplier_id",
                                                            "supplier audit report"),
    "/api/v1/reports": {"post": {
        "summary": "Generate a report as a background job (the QC period report only so)",
        "description": "params by kind: product {product_id}, supplier {supplier_id}, "
                       "inspection {inspection_id}, qc {from, to (YYYY-MM-DD), category_id?, "
                       "supplier_id?, inspector_id?} (staff only). Poll the job at the Location "
                       "header; its file is the PDF.",
        "security": _BEARER,
        "requestBody": {"required": True, **_json({
            "type": "object", "required": ["kind"], "properties": {
                "kind": {"type": "string", "enum": list(KINDS)},
                "params": {"type": ["object", "null"], "properties": {
                    "product_id": {"type": "integer"}, "supplier_id": {"type": "integer"},
                    "inspection_id": {"type": "integer"}, "category_id": {"type": "integer"},
                    "inspector_id": {"type": "integer"},
                    "from": {"type": "string", "format": "date"},
                    "to": {"type": "string", "format": "date"}}},
                "language": {"type": ["string", "null"], "enum": [*LANGUAGES, None],
                             "description": "left out or null: en"}}})},
        "responses": {"202": {"description": "The job, queued",
                              "headers": {"Location": {"schema": {"type": "string"},
                                                       "description": "/api/v1/jobs/{id}"}},
                              **_json(JOB_SCHEMA)},
                      **_errors(401, 404, 422)}}},
    "/api/v1/reports/verify": {"post": {
        "summary": "Check a report against the database: are the records it covers unchanged?",
        "security": _BEARER,
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}},
        "responses": {"200": {"description": "The verification (ok false: name the change)",
                              **_json(_VERIFICATION)},
                      **_errors(401, 404, 422)}}},
}
