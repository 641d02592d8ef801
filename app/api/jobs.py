"""Background job endpoints of the JSON API: a job's status and progress, and its file.

Jobs are started by the endpoints of the work they do (e.g. reports); these read them back.
Only the job's owner and admins see a job; anyone else gets 404.
"""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from app.api import bp
from app.api.auth import token_required
from app.api.openapi import _errors, _int_param, _json
from app.exports.responses import XLSX_MIMETYPE
from app.jobs.views import send_job_file
from app.models import Job
from app.models.base import as_utc
from app.models.jobs import JOB_STATUSES
from app.services import jobs as job_service
from app.services.errors import ValidationFailed


def _time(value) -> str | None:
    return as_utc(value).isoformat() if value else None


def job_json(job: Job) -> dict:
    has_file = job.status == "succeeded" and bool((job.result or {}).get("file"))
    return {
        "id": job.id,
        "kind": job.kind,
        "params": job.params or {},
        "status": job.status,
        "progress": job.progress,
        "step": job.step,
        "result": job.result,
        "error": job.error,
        "created_by_id": job.created_by_id,
        "created_at": _time(job.created_at),
        "started_at": _time(job.started_at),
        "finished_at": _time(job.finished_at),
        "url": url_for("api.get_job", job_id=job.id),
        "download_url": url_for("api.download_job", job_id=job.id) if has_file else None,
    }


@bp.get("/v1/jobs")
@token_required
def list_jobs():
    status = request.args.get("status") or None
    if status is not None and status not in JOB_STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(JOB_STATUSES)}",
                               {"status": "unknown status"})
    items = job_service.list_jobs(g.api_user, limit=50, status=status)
    return jsonify({"items": [job_json(job) for job in items]})


@bp.get("/v1/jobs/<int:job_id>")
@token_required
def get_job(job_id: int):
    return jsonify(job_json(job_service.get_job(g.api_user, job_id)))


@bp.get("/v1/jobs/<int:job_id>/download")
@token_required
def download_job(job_id: int):
    return send_job_file(job_service.job_file(g.api_user, job_id))


_bearer = [{"bearer": []}]
_time_schema = {"type": ["string", "null"], "format": "date-time"}
JOB_SCHEMA = {
    "type": "object",
    "required": ["id", "kind", "status", "progress", "created_at", "url", "download_url"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "description": "what the job does, e.g. report"},
        "params": {"type": "object", "description": "what it was asked to do"},
        "status": {"type": "string", "enum": list(JOB_STATUSES)},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "step": {"type": ["string", "null"],
                 "description": "what it is doing now: queued, started, gather, render, done…"},
        "result": {"type": ["object", "null"],
                   "description": "once succeeded, e.g. {file, pages, report_id, kind}"},
        "error": {"type": ["string", "null"],
                  "description": "why it failed (a failed job keeps no partial file)"},
        "created_by_id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": _time_schema,
        "finished_at": _time_schema,
        "url": {"type": "string", "description": "poll this until status is final"},
        "download_url": {"type": ["string", "null"],
                         "description": "the file, once the job succeeded with one"},
    },
}
_job_id = _int_param("job_id", "path", True)

#: Merged into the paths of /api/openapi.json by app.api.openapi.openapi_document().
JOB_PATHS: dict = {
    "/api/v1/jobs": {"get": {
        "summary": "The caller's 50 newest background jobs (an admin's: everyone's)",
        "security": _bearer,
        "parameters": [{"name": "status", "in": "query",
                        "schema": {"type": "string", "enum": list(JOB_STATUSES)}}],
        "responses": {"200": {"description": "Jobs, newest first", **_json({
            "type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": JOB_SCHEMA}}})},
            **_errors(401, 422)}}},
    "/api/v1/jobs/{job_id}": {"get": {
        "summary": "A background job: status, progress, step, result or error",
        "description": "Only the job's owner and admins see it (404 for anyone else). Poll "
                       "until status is succeeded or failed; a job whose worker died is "
                       "reported failed.",
        "security": _bearer,
        "parameters": [_job_id],
        "responses": {"200": {"description": "The job", **_json(JOB_SCHEMA)},
                      **_errors(401, 404)}}},
    "/api/v1/jobs/{job_id}/download": {"get": {
        "summary": "The file a succeeded job wrote (404 until it exists)",
        "security": _bearer,
        "parameters": [_job_id],
        "responses": {"200": {"description": "The file, as an attachment: a report's PDF, "
                                             "an export's CSV or XLSX, an import's error "
                                             "report",
                              "content": {"application/pdf": {}, "text/csv": {},
                                          XLSX_MIMETYPE: {},
                                          "application/octet-stream": {}}},
                      **_errors(401, 404)}}},
}
