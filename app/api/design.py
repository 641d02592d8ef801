"""Design iteration endpoints of the JSON API (internal notes never reach suppliers)."""

from __future__ import annotations

from flask import g, jsonify

from app.api import bp
from app.api.auth import token_required
from app.api.params import json_body
from app.api.serializers import iso_utc
from app.extensions import db
from app.models import FeedbackItem
from app.services import design
from app.services.errors import NotFound, ValidationFailed
from app.services.visibility import get_visible_product


def item_json(item: FeedbackItem) -> dict:
    return {"id": item.id, "round_id": item.round_id, "area": item.area,
            "severity": item.severity, "text": item.text, "internal": item.internal,
            "status": item.status, "response": item.response,
            "responded_at": iso_utc(item.responded_at)}


def rounds_json(product_id: int, viewer) -> dict:
    rounds = design.rounds_of(db.session, product_id)
    return {"rounds": [{
        "number": r.number, "status": r.status,
        "due_on": r.due_on.isoformat() if r.due_on else None,
        "revision_notes": r.revision_notes,
        "revision_submitted_at": iso_utc(r.revision_submitted_at),
        "decision": r.decision, "decision_reason": r.decision_reason,
        "items": [item_json(i) for i in r.items if not (viewer.is_supplier and i.internal)],
    } for r in rounds]}


@bp.get("/v1/products/<int:product_id>/rounds")
@token_required
def design_rounds(product_id: int):
    get_visible_product(g.api_user, product_id)
    return jsonify(rounds_json(product_id, g.api_user))


@bp.post("/v1/products/<int:product_id>/rounds")
@token_required
def design_round_open(product_id: int):
    get_visible_product(g.api_user, product_id)
    design.open_round(g.api_user, product_id, json_body(optional=True).get("due_on"))
    return jsonify(rounds_json(product_id, g.api_user)), 201


@bp.post("/v1/products/<int:product_id>/feedback")
@token_required
def design_feedback(product_id: int):
    get_visible_product(g.api_user, product_id)
    items = design.raise_feedback(g.api_user, product_id, json_body().get("items"))
    return jsonify({"items": [item_json(i) for i in items]}), 201


def _item_for(item_id: int) -> FeedbackItem:
    item = db.session.get(FeedbackItem, item_id)
    if item is None:
        raise NotFound(f"feedback item {item_id} not found")
    get_visible_product(g.api_user, item.product_id)
    if item.internal and g.api_user.is_supplier:
        raise NotFound(f"feedback item {item_id} not found")
    return item


@bp.post("/v1/feedback/<int:item_id>/response")
@token_required
def design_respond(item_id: int):
    _item_for(item_id)
    return jsonify(item_json(design.respond(g.api_user, item_id, json_body().get("response"))))


@bp.post("/v1/feedback/<int:item_id>/review")
@token_required
def design_review_item(item_id: int):
    _item_for(item_id)
    resolved = json_body().get("resolved")
    if not isinstance(resolved, bool):
        raise ValidationFailed("resolved: true or false", {"resolved": "must be a boolean"})
    return jsonify(item_json(design.review_item(g.api_user, item_id, resolved)))


@bp.post("/v1/products/<int:product_id>/revision")
@token_required
def design_revision(product_id: int):
    get_visible_product(g.api_user, product_id)
    design.submit_revision(g.api_user, product_id, json_body().get("notes"))
    return jsonify(rounds_json(product_id, g.api_user))


@bp.post("/v1/products/<int:product_id>/decision")
@token_required
def design_decision(product_id: int):
    get_visible_product(g.api_user, product_id)
    body = json_body()
    design.decide_round(g.api_user, product_id, body.get("decision"), body.get("reason"),
                        body.get("due_on"))
    return jsonify(rounds_json(product_id, g.api_user))


def design_paths(json_body, errors, int_param) -> dict:
    bearer = [{"bearer": []}]
    pid = int_param("product_id", "path", True)
    iid = int_param("item_id", "path", True)
    rounds = {"type": "object", "properties": {"rounds": {"type": "array", "items": {
        "type": "object"}}}}
    item = {"type": "object", "properties": {
        "area": {"type": "string", "enum": list(design.rules.AREAS)},
        "severity": {"type": "string", "enum": list(design.rules.SEVERITIES)},
        "text": {"type": "string", "maxLength": 4000}, "internal": {"type": "boolean"}},
        "required": ["area", "severity", "text"]}

    def post(summary, body, ok="200", extra=(403, 404, 409, 422), params=(pid,)):
        op = {"summary": summary, "security": bearer, "parameters": list(params),
              "responses": {ok: {"description": "OK", **json_body(rounds)},
                            **errors(401, *extra)}}
        if body is not None:
            op["requestBody"] = {"required": True, **json_body(body)}
        return op

    return {
        "/api/v1/products/{product_id}/rounds": {
            "get": {"summary": "Design rounds with their feedback (no internal notes for "
                               "suppliers)", "security": bearer, "parameters": [pid],
                    "responses": {"200": {"description": "Rounds", **json_body(rounds)},
                                  **errors(401, 404)}},
            "post": post("Open the next design round", {"type": "object", "properties": {
                "due_on": {"type": "string", "format": "date"}}}, ok="201")},
        "/api/v1/products/{product_id}/feedback": {"post": post(
            "Raise feedback items in the open round",
            {"type": "object", "required": ["items"],
             "properties": {"items": {"type": "array", "items": item}}}, ok="201")},
        "/api/v1/feedback/{item_id}/response": {"post": post(
            "The supplier answers a feedback item",
            {"type": "object", "required": ["response"],
             "properties": {"response": {"type": "string"}}}, params=(iid,))},
        "/api/v1/feedback/{item_id}/review": {"post": post(
            "A reviewer resolves (true) or reopens (false) an item",
            {"type": "object", "required": ["resolved"],
             "properties": {"resolved": {"type": "boolean"}}}, params=(iid,))},
        "/api/v1/products/{product_id}/revision": {"post": post(
            "The supplier submits the round's revision",
            {"type": "object", "properties": {"notes": {"type": ["string", "null"]}}})},
        "/api/v1/products/{product_id}/decision": {"post": post(
            "A reviewer closes the round: another_round, approve or abandon",
            {"type": "object", "required": ["decision"], "properties": {
                "decision": {"type": "string", "enum": list(design.rules.DECISIONS)},
                "reason": {"type": ["string", "null"]},
                "due_on": {"type": "string", "format": "date"}}})},
    }
