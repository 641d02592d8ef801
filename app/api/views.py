"""API v1 endpoints."""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.api import bp
from app.api.auth import domain_error, json_error, token_required
from app.api.openapi import openapi_document
from app.api.params import int_arg, json_body
from app.api.serializers import audit_json, category_json, product_json, supplier_json
from app.extensions import db, limiter
from app.models import Category, Product, Supplier
from app.models.base import MAX_ID
from app.services import accounts, lifecycle, products
from app.services.errors import ServiceError, ValidationFailed, raise_if_errors
from app.services.visibility import (
    get_visible_product,
    product_events_for,
    visible_products,
    visible_suppliers,
)
from workflows.lifecycle import LifecycleError, State

MAX_PER_PAGE = 200


@bp.errorhandler(ServiceError)
@bp.errorhandler(LifecycleError)
def _domain_error(error):
    return domain_error(error)


@bp.before_app_request
def _out_of_range_id_is_not_found():
    """An id above MAX_ID names nothing: 404, whatever the method.

    Werkzeug checks a rule's methods before its converters, so ``DELETE /api/v1/attachments/
    99999999999`` (whose bounded ``<int:>`` refuses the number) would otherwise read as 405
    because the GET rule's pattern matched the path. Pages as well as the API.
    """
    if (isinstance(request.routing_exception, MethodNotAllowed)
            and any(part.isdigit() and int(part) > MAX_ID for part in request.path.split("/"))):
        request.routing_exception = NotFound()


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.post("/v1/tokens")
@limiter.limit(lambda: current_app.config["SIEVE_LOGIN_RATE_LIMIT"])
def create_token():
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
        return json_error(401, "unauthorized", "send HTTP Basic credentials (email and password)",
                          scheme="Basic")
    user = accounts.authenticate(auth.username, auth.password)
    if user is None:
        return json_error(401, "unauthorized", "unknown email or wrong password", scheme="Basic")
    token, expires = accounts.issue_api_token(user)
    return jsonify({"token": token, "expires_at": expires.isoformat()}), 201


@bp.get("/v1/products")
@token_required
def list_products():
    query = visible_products(g.api_user)
    state = request.args.get("state")
    if state:
        if state not in {s.value for s in State}:
            raise ValidationFailed(f"state: unknown state {state!r}", {"state": "unknown"})
        query = query.where(Product.state == state)
    for name, column in (("supplier_id", Product.supplier_id), ("category_id", Product.category_id)):
        value = int_arg(name)
        if value is not None:
            query = query.where(column == value)
    page = int_arg("page", 1, maximum=MAX_ID // MAX_PER_PAGE)
    per_page = min(int_arg("per_page", 50), MAX_PER_PAGE)
    result = db.paginate(query.order_by(Product.id), page=page, per_page=per_page, error_out=False)
    return jsonify({
        "items": [product_json(p) for p in result.items],
        "page": page, "per_page": per_page, "total": result.total,
    })


@bp.get("/v1/products/<int:product_id>")
@token_required
def get_product(product_id: int):
    product = get_visible_product(g.api_user, product_id)
    allowed = lifecycle.available_transitions(db.session, g.api_user, product)
    return jsonify(product_json(product, allowed))


@bp.post("/v1/products")
@token_required
def create_product():
    body = json_body()
    _check_json_types(body)
    product = products.create_product(g.api_user, body)
    allowed = lifecycle.available_transitions(db.session, g.api_user, product)
    return jsonify(product_json(product, allowed)), 201


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_json_types(body: dict) -> None:
    """JSON types the service, which also reads web forms (all text), would coerce: an id or a
    capacity sent as text, a currency sent as an object. 422 naming each field."""
    errors = {name: "must be a whole number" for name in ("supplier_id", "category_id",
                                                            "monthly_capacity")
              if body.get(name) is not None and not _whole(body[name])}
    if body.get("currency") is not None and not isinstance(body["currency"], str):
        errors["currency"] = "must be text"
    raise_if_errors(errors)


@bp.post("/v1/products/<int:product_id>/transitions")
@token_required
def transition_product(product_id: int):
    get_visible_product(g.api_user, product_id)  # 404 before any body validation
    body = json_body()
    errors = {}
    name = body.get("transition")
    if not isinstance(name, str) or not name:
        errors["transition"] = "required, a transition name"
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        errors["reason"] = "must be text"
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        errors["version"] = "must be an integer"
    details = body.get("details")
    if details is not None and not isinstance(details, dict):
        errors["details"] = "must be an object (list: retail_price, launch_date)"
    raise_if_errors(errors)
    product = lifecycle.apply_transition(g.api_user, product_id, name, reason, version, details)
    allowed = lifecycle.available_transitions(db.session, g.api_user, product)
    return jsonify(product_json(product, allowed))


@bp.get("/v1/products/<int:product_id>/audit")
@token_required
def product_audit(product_id: int):
    product = get_visible_product(g.api_user, product_id)
    events = product_events_for(g.api_user, product)
    return jsonify({"items": [audit_json(e) for e in events]})


@bp.get("/v1/categories")
@token_required
def list_categories():
    categories = db.session.scalars(select(Category).order_by(Category.id))
    return jsonify({"items": [category_json(c) for c in categories]})


@bp.get("/v1/suppliers")
@token_required
def list_suppliers():
    suppliers = db.session.scalars(
        visible_suppliers(g.api_user).options(selectinload(Supplier.certificates)))
    return jsonify({"items": [supplier_json(s) for s in suppliers]})
