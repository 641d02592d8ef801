"""Bearer-token authentication and the JSON error mapper of the API."""

from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from app.api.params import FORM_TYPES, nul_field, refuse_nul
from app.services import accounts
from app.services.errors import error_body, http_status


def json_error(status: int, code: str, message: str, details=None, scheme: str = "Bearer"):
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = f'{scheme} realm="sieve"'
    return response


def domain_error(error: Exception):
    return jsonify({"error": error_body(error)}), http_status(error)


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return json_error(401, "unauthorized", "send Authorization: Bearer <token>")
        user = accounts.user_for_token(token.strip())
        if user is None:
            return json_error(401, "unauthorized", "token unknown or expired")
        g.api_user = user
        if request.mimetype in FORM_TYPES and (field := nul_field(request.form)) is not None:
            refuse_nul(field)  # read only now, for a known caller (see app.setup's guard)
        return view(*args, **kwargs)

    return wrapper
