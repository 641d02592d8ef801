"""The OpenAPI 3.1 description of /api/v1, built from the lifecycle table where it can be."""

from __future__ import annotations

from workflows.lifecycle import TRANSITIONS, State


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    text = {400: "Bad request", 401: "Missing or invalid credentials", 403: "Role not allowed",
            404: "Not found or not visible to the caller", 409: "Stale version or invalid state",
            422: "Invalid body or blocked by a guard", 429: "Too many attempts"}
    return {str(s): {"description": text[s], **_json(_ref("Error"))} for s in statuses}


def _int_param(name: str, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required,
            "schema": {"type": "integer", "minimum": 1}}


MONEY = {"type": ["string", "number", "null"],
         "description": "an amount > 0 with at most two decimals; returned as a string"}
DETAIL_PROPERTIES = {
    "target_price": MONEY,
    "unit_cost": MONEY,
    "currency": {"type": "string", "enum": ["CNY", "USD", "EUR", "HKD"]},
    "monthly_capacity": {"type": ["integer", "null"], "minimum": 1},
    "specifications": {"type": "array", "maxItems": 50, "items": {
        "type": "object", "required": ["name", "value"],
        "properties": {"name": {"type": "string"}, "value": {"type": "string"},
                       "unit": {"type": "string"}}}},
    "competitors": {"type": "array", "maxItems": 50, "items": {
        "type": "object", "required": ["name", "price"],
        "properties": {"name": {"type": "string"}, "channel": {"type": "string"},
                       "price": MONEY, "url": {"type": "string"}}}},
    "claimed_standards": {"type": "array", "maxItems": 50, "items": {
        "type": "object", "required": ["code"],
        "properties": {"code": {"type": "string"}, "title": {"type": "string"}}}},
}


def openapi_document() -> dict:
    from app.api.attachments import ATTACHMENT_PATHS
    from app.api.design import design_paths
    from app.api.notifications import NOTIFICATION_PATHS
    from app.api.reviews import review_paths

    nullable_str = {"type": ["string", "null"]}
    product = {
        "type": "object",
        "required": ["id", "state", "version", "supplier_id", "category_id"],
        "properties": {
            "id": {"type": "integer"}, "name_en": {"type": "string"}, "name_zh": {"type": "string"},
            "sku_code": nullable_str, "description": {"type": "string"},
            **DETAIL_PROPERTIES,
            "state": {"type": "string", "enum": [s.value for s in State]},
            "version": {"type": "integer"}, "supplier_id": {"type": "integer"},
            "category_id": {"type": ["integer", "null"]},
            "state_changed_at": {"type": "string", "format": "date-time"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "allowed_transitions": {"type": "array",
                                    "items": {"type": "string", "enum": list(TRANSITIONS)}},
            "blocked_transitions": {"type": "object",
                                    "additionalProperties": {"type": "array",
                                                             "items": {"type": "string"}}},
        },
    }
    bearer = [{"bearer": []}]
    product_id = _int_param("product_id", "path", True)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sieve API", "version": "1.0.0",
                 "description": "Supplier selection and QC workflow. Authenticate with "
                                "POST /api/v1/tokens (HTTP Basic), then send Bearer tokens."},
        "components": {
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"},
                                "bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message", "details"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "details": {}}}}},
                "Product": product,
                "ProductPage": {"type": "object", "required": ["items", "page", "per_page", "total"],
                                "properties": {"items": {"type": "array", "items": _ref("Product")},
                                               "page": {"type": "integer"},
                                               "per_page": {"type": "integer"},
                                               "total": {"type": "integer"}}},
                "ProductCreate": {"type": "object", "additionalProperties": False, "properties": {
                    "name_en": {"type": "string", "maxLength": 200},
                    "name_zh": {"type": "string", "maxLength": 200},
                    "sku_code": {"type": "string", "maxLength": 64},
                    "description": {"type": "string", "maxLength": 20000},
                    "category_id": {"type": ["integer", "null"]},
                    **DETAIL_PROPERTIES,
                    "supplier_id": {"type": "integer",
                                    "description": "required when staff create a product"}}},
                "TransitionRequest": {"type": "object", "required": ["transition"], "properties": {
                    "transition": {"type": "string", "enum": list(TRANSITIONS)},
                    "reason": {"type": ["string", "null"], "maxLength": 2000},
                    "version": {"type": "integer",
                                "description": "the version you read; 409 if it changed"}}},
                "AuditEvent": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "occurred_at": {"type": "string"},
                    "actor": {"type": "string"}, "action": {"type": "string"},
                    "from_state": nullable_str, "to_state": nullable_str, "reason": nullable_str,
                    "changes": {"type": "object"}, "hash": {"type": "string"}}},
                "Category": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "name_zh": nullable_str,
                    "parent_id": {"type": ["integer", "null"]},
                    "sku_cap": {"type": ["integer", "null"]},
                    "selection_threshold": {"type": "number"}}},
                "Supplier": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "name_en": nullable_str,
                    "region": nullable_str, "status": {"type": "string"},
                    "certificates": {"type": "array", "items": {"type": "object"}}}},
            },
        },
        "paths": {
            "/api/v1/tokens": {"post": {
                "summary": "Exchange HTTP Basic credentials for a bearer token",
                "security": [{"basic": []}],
                "responses": {"201": {"description": "Token", **_json({
                    "type": "object", "required": ["token"],
                    "properties": {"token": {"type": "string"}, "expires_at": {"type": "string"}}})},
                    **_errors(401, 429)}}},
            "/api/v1/products": {
                "get": {"summary": "Products visible to the caller", "security": bearer,
                        "parameters": [{"name": "state", "in": "query",
                                        "schema": {"type": "string",
                                                   "enum": [s.value for s in State]}},
                                       _int_param("supplier_id"), _int_param("category_id"),
                                       _int_param("page"), _int_param("per_page")],
                        "responses": {"200": {"description": "A page of products",
                                              **_json(_ref("ProductPage"))}, **_errors(401, 422)}},
                "post": {"summary": "Propose a product (it starts in draft)", "security": bearer,
                         "requestBody": {"required": True, **_json(_ref("ProductCreate"))},
                         "responses": {"201": {"description": "Created", **_json(_ref("Product"))},
                                       **_errors(401, 403, 422)}}},
            "/api/v1/products/{product_id}": {"get": {
                "summary": "One product with the caller's allowed transitions", "security": bearer,
                "parameters": [product_id],
                "responses": {"200": {"description": "Product", **_json(_ref("Product"))},
                              **_errors(401, 404)}}},
            "/api/v1/products/{product_id}/transitions": {"post": {
                "summary": "Apply a lifecycle transition", "security": bearer,
                "parameters": [product_id],
                "requestBody": {"required": True, **_json(_ref("TransitionRequest"))},
                "responses": {"200": {"description": "Updated product", **_json(_ref("Product"))},
                              **_errors(401, 403, 404, 409, 422)}}},
            "/api/v1/products/{product_id}/audit": {"get": {
                "summary": "The product's audit trail", "security": bearer,
                "parameters": [product_id],
                "responses": {"200": {"description": "Events", **_json({
                    "type": "object", "properties": {"items": {"type": "array",
                                                               "items": _ref("AuditEvent")}}})},
                    **_errors(401, 404)}}},
            "/api/v1/categories": {"get": {
                "summary": "All categories", "security": bearer,
                "responses": {"200": {"description": "Categories", **_json({
                    "type": "object", "properties": {"items": {"type": "array",
                                                               "items": _ref("Category")}}})},
                    **_errors(401)}}},
            "/api/v1/suppliers": {"get": {
                "summary": "Suppliers (a supplier user sees only itself)", "security": bearer,
                "responses": {"200": {"description": "Suppliers", **_json({
                    "type": "object", "properties": {"items": {"type": "array",
                                                               "items": _ref("Supplier")}}})},
                    **_errors(401)}}},
            **ATTACHMENT_PATHS,
            **NOTIFICATION_PATHS,
            **review_paths(_ref, _json, _errors, _int_param),
            **design_paths(_json, _errors, _int_param),
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {
                "description": "ok", **_json({"type": "object"})}}}},
        },
    }
