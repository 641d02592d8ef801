"""Elimination endpoints of the JSON API: start a sweep (a background job), read runs and
candidates with every explanation, delist or dismiss a candidate, a category's thresholds.

Staff only: a supplier gets 404 on every route (the service says NotFound before anything
else). Running, deciding and changing rules need an admin or a selection manager (403 for QC
and designers, who may read).
"""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from app.api import bp
from app.api.auth import token_required
from app.api.jobs import JOB_SCHEMA, job_json
from app.api.openapi import _errors, _int_param, _json, _ref
from app.api.params import int_arg, json_body
from app.models.elimination import CANDIDATE_STATUSES, RUN_STATUSES, RUN_TRIGGERS
from app.services import elimination
from app.services.errors import ValidationFailed, raise_if_errors
from app.services.jobs import enqueue
from workflows.elimination import ACTIONS, RULES
from workflows.lifecycle import DELIST_REASON_CODES
from workflows.performance import FORMULA
from workflows.periods import KINDS


def _only(body: dict, allowed: tuple[str, ...]) -> dict:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValidationFailed(f"fields: unknown field(s): {', '.join(map(str, unknown))}",
                               {"fields": "unknown"})
    return body


@bp.post("/v1/elimination/runs")
@token_required
def start_elimination_run():
    body = _only(json_body(optional=True), ("as_of", "period_kind"))
    raise_if_errors({name: "must be text" for name in ("as_of", "period_kind")
                     if body.get(name) is not None and not isinstance(body[name], str)})
    if body.get("period_kind") is not None and body["period_kind"] not in KINDS:
        raise ValidationFailed(f"period_kind: one of {', '.join(KINDS)}",
                               {"period_kind": "unknown period kind"})
    job = enqueue(g.api_user, "elimination_sweep", {**body, "trigger": "api"})
    response = jsonify(job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job.id)
    return response


@bp.get("/v1/elimination/runs")
@token_required
def list_elimination_runs():
    limit = int_arg("limit", 50, maximum=500)
    return jsonify({"items": [elimination.run_json(run)
                              for run in elimination.list_runs(g.api_user, limit)]})


@bp.get("/v1/elimination/runs/<int:run_id>")
@token_required
def get_elimination_run(run_id: int):
    return jsonify(elimination.run_json(elimination.get_run(g.api_user, run_id)))


@bp.get("/v1/elimination/candidates")
@token_required
def list_elimination_candidates():
    found = elimination.list_candidates(
        g.api_user, status=request.args.get("status") or None,
        category_id=int_arg("category_id"), run_id=int_arg("run_id"),
        limit=int_arg("limit", 500, maximum=5000))
    return jsonify({"items": [elimination.candidate_json(c) for c in found]})


@bp.get("/v1/elimination/candidates/<int:candidate_id>")
@token_required
def get_elimination_candidate(candidate_id: int):
    return jsonify(elimination.candidate_json(
        elimination.get_candidate(g.api_user, candidate_id)))


@bp.post("/v1/elimination/candidates/<int:candidate_id>/delist")
@token_required
def delist_elimination_candidate(candidate_id: int):
    elimination.get_candidate(g.api_user, candidate_id)  # 404 before reading the body
    body = _only(json_body(), ("reason_code", "note"))
    decided = elimination.decide_candidate(g.api_user, candidate_id, "delist",
                                           body.get("reason_code"), body.get("note"))
    return jsonify(elimination.candidate_json(decided))


@bp.post("/v1/elimination/candidates/<int:candidate_id>/dismiss")
@token_required
def dismiss_elimination_candidate(candidate_id: int):
    elimination.get_candidate(g.api_user, candidate_id)
    body = _only(json_body(), ("note",))
    decided = elimination.decide_candidate(g.api_user, candidate_id, "dismiss", None,
                                           body.get("note"))
    return jsonify(elimination.candidate_json(decided))


@bp.get("/v1/categories/<int:category_id>/elimination-rules")
@token_required
def get_elimination_rules(category_id: int):
    return jsonify(elimination.get_category_rules(g.api_user, category_id))


@bp.put("/v1/categories/<int:category_id>/elimination-rules")
@token_required
def put_elimination_rules(category_id: int):
    elimination.get_category_rules(g.api_user, category_id)
    body = json_body()
    rules = body.get("rules", body) if set(body) <= {"rules"} else body
    return jsonify(elimination.set_category_rules(g.api_user, category_id, rules))


# --- OpenAPI -------------------------------------------------------------------------------------

_bearer = [{"bearer": []}]
_time = {"type": ["string", "null"], "format": "date-time"}
_number_or_off = {"type": ["number", "null"]}
RULES_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "description": "A category's thresholds; null turns a rule off; a missing field takes its"
                   " default; {} turns the sweep off for the category. Composite score: "
                   + FORMULA,
    "properties": {
        "window_periods": {"type": "integer", "minimum": 1, "default": 3,
                           "description": "N: the last N periods the rates are summed over"},
        "min_positive_rate": {**_number_or_off, "minimum": 0, "maximum": 100,
                              "description": "X: positive-review rate below X % triggers"},
        "max_return_rate": {**_number_or_off, "minimum": 0, "maximum": 100,
                            "description": "Y: return rate above Y % triggers"},
        "max_complaints_per_1000_orders": {**_number_or_off, "minimum": 0,
                                           "description": "Z: complaints per 1,000 orders above"
                                                          " Z triggers"},
        "max_failed_inspections_12m": {"type": ["integer", "null"], "minimum": 1,
                                       "description": "K: K or more failed routine"
                                                      " inspections in 12 months trigger"},
        "flag_overdue_capa": {"type": "boolean", "default": False,
                              "description": "an overdue corrective action triggers"},
        "bottom_percent": {**_number_or_off, "minimum": 0, "maximum": 100,
                           "description": "P: at the SKU cap, the bottom P % by score"},
        "action": {"type": "string", "enum": list(ACTIONS), "default": "under_watch"},
    },
}
FINDING_SCHEMA = {"type": "object", "required": ["rule", "explanation", "numbers"],
                  "properties": {"rule": {"type": "string", "enum": list(RULES)},
                                 "explanation": {"type": "string"},
                                 "numbers": {"type": "object"}}}
ELIMINATION_SCHEMAS: dict = {
    "EliminationRun": {"type": "object", "required": ["id", "status", "as_of"], "properties": {
        "id": {"type": "integer"}, "trigger": {"type": "string", "enum": list(RUN_TRIGGERS)},
        "status": {"type": "string", "enum": list(RUN_STATUSES)},
        "period_kind": {"type": "string", "enum": list(KINDS)},
        "as_of": {"type": "string", "format": "date"},
        "products_evaluated": {"type": "integer"}, "candidates_count": {"type": "integer"},
        "summary": {"type": "object", "description": "by_rule, by_category, by_action,"
                    " put_on_watch, already_under_watch, superseded, cleared, window, seconds"},
        "error": {"type": ["string", "null"]}, "job_id": {"type": ["integer", "null"]},
        "created_by_id": {"type": "integer"}, "started_at": _time, "finished_at": _time}},
    "EliminationCandidate": {"type": "object", "required": ["id", "product_id", "findings"],
                             "properties": {
        "id": {"type": "integer"}, "run_id": {"type": "integer"},
        "product_id": {"type": "integer"}, "product_name": {"type": ["string", "null"]},
        "category_id": {"type": ["integer", "null"]}, "supplier_id": {"type": "integer"},
        "action": {"type": "string", "enum": list(ACTIONS)},
        "status": {"type": "string", "enum": list(CANDIDATE_STATUSES)},
        "findings": {"type": "array", "items": FINDING_SCHEMA},
        "score": {"type": ["number", "null"]},
        "score_detail": {"type": "object", "description": "value, parts, formula"},
        "state_at_run": {"type": "string"}, "put_on_watch": {"type": "boolean"},
        "decided_by_id": {"type": ["integer", "null"]}, "decided_at": _time,
        "decision_reason_code": {"type": ["string", "null"]},
        "decision_note": {"type": ["string", "null"]}}},
    "EliminationRules": {"type": "object", "required": ["category_id", "enabled", "rules"],
                         "properties": {"category_id": {"type": "integer"},
                                        "enabled": {"type": "boolean"}, "rules": RULES_SCHEMA}},
}
_run_id = _int_param("run_id", "path", True)
_candidate_id = _int_param("candidate_id", "path", True)
_category_id = _int_param("category_id", "path", True)
_candidate = {"200": {"description": "The candidate", **_json(_ref("EliminationCandidate"))}}


def _decision(summary: str, schema: dict) -> dict:
    return {"post": {"summary": summary, "security": _bearer, "parameters": [_candidate_id],
                     "requestBody": {"required": True, **_json(schema)},
                     "responses": {**_candidate, **_errors(401, 403, 404, 409, 422)}}}


ELIMINATION_PATHS: dict = {
    "/api/v1/elimination/runs": {
        "post": {"summary": "Start an elimination sweep (a background job)",
                 "description": "Admins and selection managers. Poll the job at Location; its"
                                " result names the run_id.",
                 "security": _bearer,
                 "requestBody": {"required": False, **_json({
                     "type": "object", "additionalProperties": False, "properties": {
                         "as_of": {"type": ["string", "null"], "format": "date",
                                   "description": "left out or null: today"},
                         "period_kind": {"type": ["string", "null"], "enum": [*KINDS, None],
                                         "description": "left out or null: month"}}})},
                 "responses": {"202": {"description": "The job, queued",
                                       "headers": {"Location": {"schema": {"type": "string"}}},
                                       **_json(JOB_SCHEMA)},
                               **_errors(401, 403, 404, 422)}},
        "get": {"summary": "Recent elimination runs, newest first", "security": _bearer,
                "parameters": [{"name": "limit", "in": "query",
                                "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
                "responses": {"200": {"description": "Runs", **_json({
                    "type": "object", "required": ["items"], "properties": {
                        "items": {"type": "array", "items": _ref("EliminationRun")}}})},
                    **_errors(401, 403, 404, 422)}}},
    "/api/v1/elimination/runs/{run_id}": {"get": {
        "summary": "One elimination run with its summary", "security": _bearer,
        "parameters": [_run_id],
        "responses": {"200": {"description": "The run", **_json(_ref("EliminationRun"))},
                      **_errors(401, 403, 404)}}},
    "/api/v1/elimination/candidates": {"get": {
        "summary": "Candidates with every rule they triggered and their score",
        "security": _bearer,
        "parameters": [{"name": "status", "in": "query",
                        "schema": {"type": "string", "enum": list(CANDIDATE_STATUSES)}},
                       _int_param("category_id"), _int_param("run_id"),
                       {"name": "limit", "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 5000}}],
        "responses": {"200": {"description": "Candidates", **_json({
            "type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": _ref("EliminationCandidate")}}})},
            **_errors(401, 403, 404, 422)}}},
    "/api/v1/elimination/candidates/{candidate_id}": {"get": {
        "summary": "One candidate", "security": _bearer, "parameters": [_candidate_id],
        "responses": {**_candidate, **_errors(401, 403, 404)}}},
    "/api/v1/elimination/candidates/{candidate_id}/delist": _decision(
        "Delist the candidate's product (the lifecycle's delist) with a reason code",
        {"type": "object", "required": ["reason_code"], "additionalProperties": False,
         "properties": {"reason_code": {"type": "string", "enum": list(DELIST_REASON_CODES)},
                        "note": {"type": ["string", "null"], "maxLength": 2000}}}),
    "/api/v1/elimination/candidates/{candidate_id}/dismiss": _decision(
        "Keep the product: dismiss the candidate with a note",
        {"type": "object", "required": ["note"], "additionalProperties": False,
         "properties": {"note": {"type": "string", "minLength": 1, "maxLength": 2000}}}),
    "/api/v1/categories/{category_id}/elimination-rules": {
        "get": {"summary": "A category's elimination thresholds", "security": _bearer,
                "parameters": [_category_id],
                "responses": {"200": {"description": "The rules",
                                      **_json(_ref("EliminationRules"))},
                              **_errors(401, 403, 404)}},
        "put": {"summary": "Replace a category's elimination thresholds",
                "description": "Send the thresholds (or {\"rules\": {...}}); errors name each"
                               " field.",
                "security": _bearer, "parameters": [_category_id],
                "requestBody": {"required": True, **_json(RULES_SCHEMA)},
                "responses": {"200": {"description": "The rules now",
                                      **_json(_ref("EliminationRules"))},
                              **_errors(401, 403, 404, 422)}}},
}
