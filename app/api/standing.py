"""Standing endpoints of the JSON API: a supplier's standing, and recomputing it.

A supplier's token reads only its own supplier's standing (404 for any other); recomputing and
overriding are for selection managers and admins (403 for other roles).
"""

from __future__ import annotations

from flask import g, jsonify

from app.api import bp
from app.api.auth import token_required
from app.api.openapi import _errors, _int_param, _json, _ref
from app.api.params import json_body
from app.models.base import MAX_ID
from app.services import standing
from app.services.errors import ValidationFailed
from workflows.standing import CODES, STANDINGS


@bp.get("/v1/suppliers/<int:supplier_id>/standing")
@token_required
def get_supplier_standing(supplier_id: int):
    data = standing.get_standing(g.api_user, supplier_id)
    data["history"] = [{**h, "at": h["at"].isoformat()}
                       for h in standing.standing_history(g.api_user, supplier_id)]
    return jsonify(data)


@bp.post("/v1/standing/recompute")
@token_required
def recompute_standing():
    standing.check_can_recompute(g.api_user)  # 403 before the body is read
    body = json_body(optional=True)
    unknown = sorted(set(body) - {"supplier_id"})
    if unknown:
        raise ValidationFailed(f"fields: unknown field(s): {', '.join(map(str, unknown))}",
                               {"fields": "unknown"})
    supplier_id = body.get("supplier_id")
    if supplier_id is None:
        return jsonify(standing.recompute_all(g.api_user))
    if not isinstance(supplier_id, int) or isinstance(supplier_id, bool) \
            or not 1 <= supplier_id <= MAX_ID:
        raise ValidationFailed("supplier_id: must be a whole number of at least 1",
                               {"supplier_id": "not a supplier id"})
    return jsonify(standing.recompute_supplier(g.api_user, supplier_id))


@bp.post("/v1/suppliers/<int:supplier_id>/standing/override")
@token_required
def override_supplier_standing(supplier_id: int):
    body = json_body()
    unknown = sorted(set(body) - {"standing", "reason"})
    if unknown:
        raise ValidationFailed(f"fields: unknown field(s): {', '.join(map(str, unknown))}",
                               {"fields": "unknown"})
    return jsonify(standing.set_override(g.api_user, supplier_id, body.get("standing"),
                                         body.get("reason")))


@bp.delete("/v1/suppliers/<int:supplier_id>/standing/override")
@token_required
def clear_supplier_standing_override(supplier_id: int):
    body = json_body(optional=True)
    unknown = sorted(set(body) - {"reason"})
    if unknown:
        raise ValidationFailed(f"fields: unknown field(s): {', '.join(map(str, unknown))}",
                               {"fields": "unknown"})
    return jsonify(standing.clear_override(g.api_user, supplier_id, body.get("reason")))


_bearer = [{"bearer": []}]
_rate = {"type": ["number", "null"], "minimum": 0, "maximum": 100,
         "description": "percent; null when there is no data"}
_count = {"type": "integer", "minimum": 0}
_standing = {"type": ["string", "null"], "enum": [*STANDINGS, None]}

#: OpenAPI component schemas of this module.
STANDING_SCHEMAS: dict = {
    "StandingReason": {
        "type": "object", "required": ["code", "text", "numbers"],
        "properties": {
            "code": {"type": "string", "enum": list(CODES)},
            "text": {"type": "string", "description": "one sentence with the numbers (English)"},
            "numbers": {"type": "object", "description": "the figures the reason used"}}},
    "StandingFigures": {
        "type": "object",
        "description": "QC, corrective actions and design rounds over the last 12 months; "
                       "customer metrics over the last 6 months (workflows.standing)",
        "properties": {
            "inspections": _count, "inspections_passed": _count, "pass_rate": _rate,
            "defects_per_inspection": {"type": "object", "description":
                                       "nonconforming items per inspection by class "
                                       "(critical, major, minor, total); null values without "
                                       "inspections"},
            "capas_due": _count, "capas_closed_on_time": _count, "capa_on_time_rate": _rate,
            "capas_overdue": _count, "design_rounds": _count, "design_rounds_answered": _count,
            "design_response_days_median": {"type": ["number", "null"], "minimum": 0},
            "reviews": _count, "positive_rate": _rate, "units_sold": _count,
            "return_rate": _rate, "listed_products": _count, "delisted_12m": _count}},
    "SupplierStanding": {
        "type": "object",
        "required": ["supplier_id", "name", "status", "standing", "reasons", "figures",
                     "changed_at"],
        "properties": {
            "supplier_id": {"type": "integer"}, "name": {"type": "string"},
            "status": {"type": "string", "description": "the registration status, a separate "
                                                        "thing from the computed standing"},
            "standing": {**_standing, "description": "null until first computed; a manager's "
                                                     "override when one is set"},
            "override": {**_standing, "description": "a manager's override, until cleared"},
            "override_reason": {"type": ["string", "null"]},
            "reasons": {"type": "array", "items": _ref("StandingReason")},
            "figures": _ref("StandingFigures"),
            "changed_at": {"type": ["string", "null"], "format": "date-time"},
            "changed": {"type": "boolean", "description": "recompute only: whether it changed"},
            "history": {"type": "array", "description": "GET only: changes, newest first",
                        "items": {"type": "object", "properties": {
                            "at": {"type": "string", "format": "date-time"},
                            "by": {"type": "string"},
                            "action": {"type": "string", "enum": list(standing.HISTORY_ACTIONS)},
                            "before": _standing, "after": _standing,
                            "reason": {"type": ["string", "null"]},
                            "codes": {"type": "array", "items": {"type": "string"}}}}}}},
    "StandingRecomputeResult": {
        "type": "object", "required": ["computed_at", "suppliers", "counts", "changes"],
        "properties": {
            "computed_at": {"type": "string", "format": "date-time"},
            "suppliers": _count,
            "counts": {"type": "object", "properties": {s: _count for s in STANDINGS}},
            "changes": {"type": "array", "items": {"type": "object", "properties": {
                "supplier_id": {"type": "integer"}, "name": {"type": "string"},
                "before": _standing, "after": _standing,
                "reasons": {"type": "array", "items": {"type": "string"}}}}}}},
}

#: OpenAPI path items of this module (merged by app.api.openapi).
STANDING_PATHS: dict = {
    "/api/v1/suppliers/{supplier_id}/standing": {"get": {
        "summary": "A supplier's standing, its reasons, figures and history",
        "description": "A supplier's token sees only its own supplier (404 for any other).",
        "security": _bearer,
        "parameters": [_int_param("supplier_id", "path", True)],
        "responses": {"200": {"description": "The stored standing",
                              **_json(_ref("SupplierStanding"))},
                      **_errors(401, 404)}}},
    "/api/v1/suppliers/{supplier_id}/standing/override": {
        "post": {
            "summary": "Override a supplier's standing, with a reason (managers and admins)",
            "description": "Holds through every recompute until cleared; audited. The "
                           "computed reasons stay listed after the override's.",
            "security": _bearer,
            "parameters": [_int_param("supplier_id", "path", True)],
            "requestBody": {"required": True, **_json({
                "type": "object", "required": ["standing", "reason"],
                "additionalProperties": False,
                "properties": {"standing": {"type": "string", "enum": list(STANDINGS)},
                               "reason": {"type": "string", "maxLength": 1000}}})},
            "responses": {"200": {"description": "The standing, overridden",
                                  **_json(_ref("SupplierStanding"))},
                          **_errors(401, 403, 404, 422)}},
        "delete": {
            "summary": "Clear a standing override: back to the computed standing",
            "security": _bearer,
            "parameters": [_int_param("supplier_id", "path", True)],
            "requestBody": {"required": False, **_json({
                "type": "object", "additionalProperties": False,
                "properties": {"reason": {"type": "string", "maxLength": 1000}}})},
            "responses": {"200": {"description": "The standing, recomputed",
                                  **_json(_ref("SupplierStanding"))},
                          **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/standing/recompute": {"post": {
        "summary": "Recompute every supplier's standing (or one with supplier_id)",
        "description": "Selection managers and admins. Every change of standing or of the "
                       "rules behind it is audited on the supplier.",
        "security": _bearer,
        "requestBody": {"required": False, **_json({
            "type": "object", "additionalProperties": False,
            "properties": {"supplier_id": {
                "type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID,
                "description": "one supplier; left out or null: every supplier"}}})},
        "responses": {"200": {"description": "All suppliers: counts per standing and the "
                                             "changes; one supplier: its standing",
                              **_json({"oneOf": [_ref("StandingRecomputeResult"),
                                                 _ref("SupplierStanding")]})},
                      **_errors(401, 403, 404, 422)}}},
}
