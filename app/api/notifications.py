"""Notification endpoints of the JSON API: the caller's own notifications and marking them read.

Domain errors become JSON through the blueprint's error handlers (app/api/views.py).
"""

from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp
from app.api.auth import token_required
from app.api.openapi import _errors, _int_param, _json
from app.api.params import flag, int_arg, json_body
from app.models import Notification
from app.models.base import as_utc
from app.services import notifications as notification_service


def notification_json(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "product_id": notification.product_id,
        "message": notification.message,
        "params": notification.params or {},
        "created_at": as_utc(notification.created_at).isoformat(),
        "read_at": as_utc(notification.read_at).isoformat() if notification.read_at else None,
        "read": notification.read_at is not None,
    }


@bp.get("/v1/notifications")
@token_required
def list_notifications():
    unread_only = flag(request.args.get("unread"), "unread")
    limit = int_arg("limit", 50, maximum=notification_service.MAX_LIMIT)
    before_id = int_arg("before_id")
    items = notification_service.list_notifications(
        g.api_user, unread_only=unread_only, limit=limit, before_id=before_id)
    return jsonify({"items": [notification_json(n) for n in items],
                    "unread": notification_service.unread_count(g.api_user)})


@bp.post("/v1/notifications/read")
@token_required
def mark_notifications_read():
    ids = json_body(optional=True).get("ids")  # an empty body marks everything read
    notification_service.mark_read(g.api_user, ids)
    return jsonify({"unread": notification_service.unread_count(g.api_user)})


_NOTIFICATION = {
    "type": "object",
    "required": ["id", "kind", "product_id", "message", "params", "created_at", "read_at",
                 "read"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(notification_service.KINDS)},
        "product_id": {"type": ["integer", "null"]},
        "message": {"type": "string", "description": "a short English sentence"},
        "params": {"type": "object",
                   "description": "kind, product_id, product_name and, by kind: transition, "
                                  "target, reason, round, round_id, count, decision"},
        "created_at": {"type": "string", "format": "date-time"},
        "read_at": {"type": ["string", "null"], "format": "date-time"},
        "read": {"type": "boolean"},
    },
}
_UNREAD = {"type": "integer", "minimum": 0, "description": "the caller's unread notifications"}
_BEARER = [{"bearer": []}]

NOTIFICATION_PATHS: dict = {
    "/api/v1/notifications": {"get": {
        "summary": "The caller's own notifications, newest first, with the unread count",
        "security": _BEARER,
        "parameters": [
            {"name": "unread", "in": "query", "required": False,
             "description": "1: only unread notifications",
             "schema": {"type": "string", "enum": ["1", "0", "true", "false"]}},
            {**_int_param("limit"), "schema": {"type": "integer", "minimum": 1,
                                               "maximum": notification_service.MAX_LIMIT,
                                               "default": 50}},
            {**_int_param("before_id"), "description": "only notifications older than this id"},
        ],
        "responses": {"200": {"description": "Notifications", **_json({
            "type": "object", "required": ["items", "unread"],
            "properties": {"items": {"type": "array", "items": _NOTIFICATION},
                           "unread": _UNREAD}})},
            **_errors(401, 422)}}},
    "/api/v1/notifications/read": {"post": {
        "summary": "Mark the caller's notifications read (all of them without ids)",
        "description": "Ids that are not of the caller's notifications are ignored.",
        "security": _BEARER,
        "requestBody": {"required": False, **_json({
            "type": "object", "properties": {"ids": {
                "type": ["array", "null"], "maxItems": 1000,
                "description": "left out or null: every notification",
                "items": {"type": "integer",
                          "description": "unknown ids match nothing"}}}})},
        "responses": {"200": {"description": "The unread count afterwards", **_json({
            "type": "object", "required": ["unread"], "properties": {"unread": _UNREAD}})},
            **_errors(401, 422)}}},
}
