"""Attachment endpoints of the JSON API: list, upload (multipart/form-data), download, delete.

Domain errors become JSON through the blueprint's error handlers (app/api/views.py).
"""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from app.api import bp
from app.api.auth import token_required
from app.api.openapi import _errors, _int_param, _json
from app.api.params import flag
from app.catalog.attachments import send_attachment
from app.models import Attachment
from app.models.attachments import ATTACHMENT_PURPOSES
from app.models.base import MAX_ID, as_utc
from app.services import attachments as attachment_service
from app.services.errors import ValidationFailed, raise_if_errors
from app.services.visibility import get_visible_product


def attachment_json(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "product_id": attachment.product_id,
        "purpose": attachment.purpose,
        "ref_id": attachment.ref_id,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
        "internal": attachment.internal,
        "uploaded_by_id": attachment.uploaded_by_id,
        "uploaded_at": as_utc(attachment.uploaded_at).isoformat(),
        "download_url": url_for("api.download_attachment", attachment_id=attachment.id),
    }


def _upload_options() -> tuple[str, int | None, bool]:
    errors = {}
    purpose = request.form.get("purpose") or None
    try:
        internal = flag(request.form.get("internal"), "internal")
    except ValidationFailed:
        errors["internal"] = "must be true or false"
        internal = False
    ref_id = None
    raw_ref = request.form.get("ref_id", "").strip()
    if raw_ref:
        if not (raw_ref.isascii() and raw_ref.isdigit() and len(raw_ref) <= 10
                and 1 <= int(raw_ref) <= MAX_ID):
            errors["ref_id"] = "must be an id"
        else:
            ref_id = int(raw_ref)
    raise_if_errors(errors)
    return purpose, ref_id, internal


@bp.get("/v1/products/<int:product_id>/attachments")
@token_required
def list_attachments(product_id: int):
    purpose = request.args.get("purpose") or None
    items = attachment_service.list_attachments(g.api_user, product_id, purpose)
    return jsonify({"items": [attachment_json(a) for a in items]})


@bp.post("/v1/products/<int:product_id>/attachments")
@token_required
def upload_attachment(product_id: int):
    product = get_visible_product(g.api_user, product_id)  # 404 before any body validation
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("file: required, sent as multipart/form-data",
                               {"file": "required"})
    purpose, ref_id, internal = _upload_options()
    if purpose is None:  # the page's default: proposal, or this round's revision/feedback
        purpose, default_ref = attachment_service.default_purpose(g.api_user, product)
        ref_id = ref_id or default_ref
    attachment = attachment_service.store_attachment(
        g.api_user, product_id, upload, upload.filename or "", purpose=purpose, ref_id=ref_id,
        internal=internal)
    return jsonify(attachment_json(attachment)), 201


@bp.get("/v1/attachments/<int:attachment_id>")
@token_required
def download_attachment(attachment_id: int):
    attachment, path = attachment_service.get_attachment_for_download(g.api_user, attachment_id)
    return send_attachment(attachment, path)


@bp.delete("/v1/attachments/<int:attachment_id>")
@token_required
def delete_attachment(attachment_id: int):
    attachment_service.delete_attachment(g.api_user, attachment_id)
    return "", 204


_bearer = [{"bearer": []}]
_attachment_schema = {
    "type": "object",
    "required": ["id", "product_id", "purpose", "name", "content_type", "size_bytes", "sha256",
                 "internal", "uploaded_at", "download_url"],
    "properties": {
        "id": {"type": "integer"}, "product_id": {"type": "integer"},
        "purpose": {"type": "string", "enum": list(ATTACHMENT_PURPOSES)},
        "ref_id": {"type": ["integer", "null"]},
        "name": {"type": "string", "maxLength": 255,
                 "description": "the uploaded file's name, without folders or control characters"},
        "content_type": {"type": "string",
                         "enum": list(attachment_service.TYPES_BY_CONTENT_TYPE)},
        "size_bytes": {"type": "integer"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "internal": {"type": "boolean", "description": "never shown to suppliers"},
        "uploaded_by_id": {"type": ["integer", "null"]},
        "uploaded_at": {"type": "string", "format": "date-time"},
        "download_url": {"type": "string"},
    },
}
_too_large = {"413": {"description": "The request is larger than the server accepts",
                      **_json({"$ref": "#/components/schemas/Error"})}}
_attachment_id = _int_param("attachment_id", "path", True)

#: Merged into the paths of /api/openapi.json by app.api.openapi.openapi_document().
ATTACHMENT_PATHS: dict = {
    "/api/v1/products/{product_id}/attachments": {
        "get": {
            "summary": "The product's files the caller may see (suppliers never see internal ones)",
            "security": _bearer,
            "parameters": [_int_param("product_id", "path", True),
                           {"name": "purpose", "in": "query",
                            "schema": {"type": "string", "enum": list(ATTACHMENT_PURPOSES)}}],
            "responses": {"200": {"description": "Attachments, oldest first", **_json({
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": _attachment_schema}}})},
                **_errors(401, 404, 422)}},
        "post": {
            "summary": "Attach a JPEG, PNG, WebP or PDF file",
            "description": "The type is detected from the content and must agree with the file "
                           "name's extension; empty files and files over the size limit "
                           "(SIEVE_MAX_UPLOAD_BYTES, 10 MiB by default) are refused (422) and "
                           "nothing is stored. Suppliers add proposal files to their own drafts "
                           "only (409 once the product left draft) and never internal ones; "
                           "admins, selection managers and designers attach in any state; QC "
                           "inspectors may not attach (403).",
            "security": _bearer,
            "parameters": [_int_param("product_id", "path", True)],
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": {"type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "contentMediaType": "application/octet-stream",
                             "description": "the file, with its name"},
                    "purpose": {"type": "string", "enum": list(ATTACHMENT_PURPOSES),
                                "default": "proposal"},
                    "ref_id": {"type": "integer", "minimum": 1,
                               "description": "the feedback item or revision it belongs to"},
                    "internal": {"type": "boolean", "default": False,
                                 "description": "staff only: hidden from the supplier"}}},
                "encoding": {"file": {"contentType": ", ".join(
                    attachment_service.TYPES_BY_CONTENT_TYPE)}}}}},
            "responses": {"201": {"description": "Stored", **_json(_attachment_schema)},
                          **_errors(401, 403, 404, 409, 422), **_too_large}}},
    "/api/v1/attachments/{attachment_id}": {
        "get": {
            "summary": "Download a file (404 unless the caller may see it)",
            "security": _bearer,
            "parameters": [_attachment_id],
            "responses": {"200": {"description": "The file: images inline, PDFs as attachment",
                                  "content": {t: {} for t in
                                              attachment_service.TYPES_BY_CONTENT_TYPE}},
                          **_errors(401, 404)}},
        "delete": {
            "summary": "Remove a file (audited)",
            "description": "Suppliers remove their own proposal files while the product is a "
                           "draft; admins and selection managers any file.",
            "security": _bearer,
            "parameters": [_attachment_id],
            "responses": {"204": {"description": "Removed"},
                          **_errors(401, 403, 404, 409)}}},
}
