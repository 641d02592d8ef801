"""The OpenAPI 3.1 description of /api/v1, built from the lifecycle table where it can be."""

from __future__ import annotations

import copy

from app.models.base import MAX_ID
from workflows.lifecycle import TRANSITIONS, State

#: An optional query argument sent empty (``?status=``) is the same as leaving it out.
BLANK = {"type": "string", "maxLength": 0}


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
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


MONEY = {"type": ["string", "number", "null"],
         "description": "an amount > 0 with at most two decimals; returned as a string"}
#: Text in a list entry (a number is read as its text, e.g. a specification's value 1.7).
ENTRY_TEXT = {"type": ["string", "number"]}
DETAIL_PROPERTIES = {
    "target_price": MONEY,
    "unit_cost": MONEY,
    "currency": {"type": ["string", "null"], "enum": ["CNY", "USD", "EUR", "HKD", None],
                 "description": "null: CNY"},
    "monthly_capacity": {"type": ["integer", "null"], "minimum": 1},
    "specifications": {"type": ["array", "null"], "maxItems": 50, "items": {
        "type": "object", "required": ["name", "value"],
        "properties": {"name": ENTRY_TEXT, "value": ENTRY_TEXT, "unit": ENTRY_TEXT}}},
    "competitors": {"type": ["array", "null"], "maxItems": 50, "items": {
        "type": "object", "required": ["name", "price"],
        "properties": {"name": ENTRY_TEXT, "channel": ENTRY_TEXT, "price": MONEY,
                       "url": ENTRY_TEXT}}},
    "claimed_standards": {"type": ["array", "null"], "maxItems": 50, "items": {
        "type": "object", "required": ["code"],
        "properties": {"code": ENTRY_TEXT, "title": ENTRY_TEXT}}},
}


#: Every operation (any request may carry a query string, declared or not): a NUL character
#: (U+0000) in a query argument, form field or JSON member, named or in its text.
NUL_REFUSED = {"description": "A query argument or body member holds a NUL character (U+0000); "
                              "details name it", **_json(_ref("Error"))}


def openapi_document() -> dict:
    """The whole document; optional query arguments also accept an empty value (see BLANK)."""
    document = copy.deepcopy(_document())  # the modules' path dicts stay as they are
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    schema = parameter["schema"]
                    if "anyOf" not in schema:
                        parameter["schema"] = {"anyOf": [schema, BLANK]}
            # app.setup's guard (query, form) and app.api.params.json_body (JSON) answer a NUL
            # character with 422, on any operation
            operation["responses"].setdefault("422", NUL_REFUSED)
    return document


def _document() -> dict:
    from app.api.attachments import ATTACHMENT_PATHS
    from app.api.dashboards import DASHBOARD_PATHS, DASHBOARD_SCHEMAS
    from app.api.design import design_paths
    from app.api.elimination import ELIMINATION_PATHS, ELIMINATION_SCHEMAS
    from app.api.exports import EXPORT_PATHS
    from app.api.jobs import JOB_PATHS
    from app.api.metrics import METRICS_PATHS, METRICS_SCHEMAS
    from app.api.notifications import NOTIFICATION_PATHS
    from app.api.reports import REPORT_PATHS
    from app.api.reviews import review_paths
    from app.api.standing import STANDING_PATHS, STANDING_SCHEMAS

    nullable_str = {"type": ["string", "null"]}
    product = {
        "type": "object",
        "required": ["id", "state", "version", "supplier_id", "category_id"],
        "properties": {
            "id": {"type": "integer"}, "name_en": {"type": "string"}, "name_zh": {"type": "string"},
            "sku_code": nullable_str, "description": {"type": "string"},
            **DETAIL_PROPERTIES,
            "retail_price": {**MONEY, "description": "set when the product is listed"},
            "launched_on": {"type": ["string", "null"], "format": "date",
                            "description": "the launch date recorded when listed"},
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
                                "POST /api/v1/tokens (HTTP Basic), then send Bearer tokens. "
                                "An optional query argument sent empty is the same as "
                                "leaving it out; unknown query arguments are ignored."},
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
                    "name_en": {"type": ["string", "null"], "maxLength": 200},
                    "name_zh": {"type": ["string", "null"], "maxLength": 200},
                    "sku_code": {"type": ["string", "null"], "maxLength": 64},
                    "description": {"type": ["string", "null"], "maxLength": 20000,
                                    "description": "null, like every text left out: empty"},
                    "category_id": {"type": ["integer", "null"]},
                    **DETAIL_PROPERTIES,
                    "supplier_id": {"type": ["integer", "null"],
                                    "description": "required when staff create a product; "
                                                   "a supplier's own products are its own "
                                                   "whatever this says"}}},
                "TransitionRequest": {"type": "object", "required": ["transition"], "properties": {
                    "transition": {"type": "string", "enum": list(TRANSITIONS)},
                    "reason": {"type": ["string", "null"], "maxLength": 2000},
                    "version": {"type": "integer",
                                "description": "the version you read; 409 if it changed"},
                    "details": {"type": "object", "additionalProperties": False,
                                "description": "list only: the retail price (default: the "
                                               "target price) and the launch date (default: "
                                               "today; today or later, within a year)",
                                "properties": {"retail_price": MONEY,
                                               "launch_date": {"type": "string",
                                                               "format": "date"}}}}},
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
                **qc_schemas(),
                **METRICS_SCHEMAS,
                **ELIMINATION_SCHEMAS,
                **STANDING_SCHEMAS,
                **DASHBOARD_SCHEMAS,
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
            **JOB_PATHS,
            **REPORT_PATHS,
            **METRICS_PATHS,
            **ELIMINATION_PATHS,
            **STANDING_PATHS,
            **EXPORT_PATHS,
            **DASHBOARD_PATHS,
            **review_paths(_ref, _json, _errors, _int_param),
            **design_paths(_json, _errors, _int_param),
            **qc_paths(),
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {
                "description": "ok", **_json({"type": "object"})}}}},
        },
    }


# --- quality control (endpoints in app/api/qc.py) -----------------------------------------------

def qc_schemas() -> dict:
    """Schemas of the QC endpoints: plans, purchases, inspections, corrective actions."""
    from app.models.qc import REIMBURSEMENT_STATUSES
    from workflows import capa, inspection, sampling

    date = {"type": "string", "format": "date"}
    time = {"type": ["string", "null"], "format": "date-time"}
    text = {"type": ["string", "null"]}
    whole = {"type": "integer"}
    plan = {"type": "object", "properties": {
        "code_letter": {"type": "string", "description": "Table 1's letter for the lot"},
        "effective_letter": {"type": "string",
                             "description": "the row the table's arrow leads to; its sample "
                                            "size applies"},
        "sample_size": whole, "accept": whole, "reject": whole,
        "inspect_whole_lot": {"type": "boolean",
                              "description": "the tabled sample reaches the lot size: "
                                             "sample_size is the lot size"}}}
    file = {"type": "object", "properties": {
        "id": whole, "name": {"type": "string"}, "content_type": {"type": "string"},
        "size_bytes": whole, "sha256": {"type": "string"}, "uploaded_at": time,
        "download_url": {"type": "string", "description": "GET /api/v1/attachments/{id}"}}}
    classes = {"type": "object", "properties": {c: whole for c in inspection.DEFECT_CLASSES}}
    return {
        "SamplingPlan": {"type": "object", "required": [
            "code_letter", "effective_letter", "sample_size", "accept", "reject", "level",
            "severity", "aql", "lot_size", "inspect_whole_lot"], "properties": {
            **plan["properties"],
            "level": {"type": "string", "enum": list(sampling.LEVELS)},
            "severity": {"type": "string", "enum": list(sampling.SEVERITIES)},
            "aql": {"type": "number", "enum": list(sampling.AQL_SERIES)},
            "lot_size": {"type": "integer", "minimum": 2},
            "table": {"type": "string", "enum": list(sampling.TABLE_OF_SEVERITY.values())}}},
        "QcFile": file,
        "BudgetStatus": {"type": "object", "properties": {
            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            "budget": {**MONEY, "description": "the category's monthly QC budget (null: none)"},
            "spent": MONEY, "remaining": MONEY, "over": {"type": "boolean"}}},
        "PurchaseCreate": {"type": "object", "additionalProperties": False,
                           "required": ["kind", "channel", "store_name", "order_number",
                                        "purchased_on", "quantity", "unit_price"],
                           "properties": {
            "kind": {"type": "string", "enum": list(inspection.KINDS)},
            "channel": {"type": "string", "enum": list(inspection.CHANNELS)},
            "store_name": {"type": "string", "maxLength": 200},
            "order_number": {"type": "string", "maxLength": 80,
                             "description": "the same order (channel, store, number) cannot "
                                            "be logged twice"},
            "purchased_on": {**date, "description": "not in the future"},
            "quantity": {"type": "integer", "minimum": 1},
            "unit_price": MONEY,
            "total": {**MONEY, "description": "default: unit price x quantity"},
            "currency": {"type": "string", "default": "CNY"},
            "batch_code": {"type": "string", "maxLength": 80},
            "notes": {"type": "string", "maxLength": 4000}}},
        "Purchase": {"type": "object", "properties": {
            "id": whole, "product_id": whole,
            "kind": {"type": "string", "enum": list(inspection.KINDS)},
            "channel": {"type": "string", "enum": list(inspection.CHANNELS)},
            "store_name": {"type": "string"}, "order_number": {"type": "string"},
            "purchased_on": date, "quantity": whole, "unit_price": MONEY, "total": MONEY,
            "currency": {"type": "string"}, "batch_code": text, "notes": text,
            "purchaser_id": whole, "purchaser": text,
            "reimbursement_status": {"type": "string", "enum": list(REIMBURSEMENT_STATUSES)},
            "reimbursement_changed_at": time, "created_at": time,
            "inspection_id": {"type": ["integer", "null"]},
            "budget_status": {**_ref("BudgetStatus"),
                              "description": "one purchase only: its category's spend in its "
                                             "month"},
            "receipts": {"type": "array", "items": _ref("QcFile"),
                         "description": "one purchase only"}}},
        "PurchasePage": _page_of("Purchase"),
        "Defect": {"type": "object", "properties": {
            "id": whole, "inspection_id": whole,
            "defect_class": {"type": "string", "enum": list(inspection.DEFECT_CLASSES)},
            "count": {"type": "integer", "minimum": 1,
                      "description": "nonconforming items with this defect"},
            "description": {"type": "string"}, "checklist_item": text, "created_at": time,
            "photos": {"type": "array", "items": _ref("QcFile")}}},
        "Inspection": {"type": "object", "description":
                       "A supplier sees completed inspections of its own products, without "
                       "internal_notes, inspector or purchase (only its date, purchased_on).",
                       "properties": {
            "id": whole, "product_id": whole,
            "kind": {"type": "string", "enum": list(inspection.KINDS)},
            "status": {"type": "string", "enum": ["open", "completed"]},
            "lot_size": whole, "level": {"type": "string", "enum": list(sampling.LEVELS)},
            "severity": {"type": "string", "enum": list(sampling.SEVERITIES)},
            "severity_reason": {"type": "string"},
            "aqls": {"type": "object", "additionalProperties": {"type": "number"}},
            "plans": {"type": "array", "items": {**plan, "properties": {
                **plan["properties"],
                "defect_class": {"type": "string", "enum": list(inspection.DEFECT_CLASSES)},
                "aql": {"type": "number", "description": "0: zero tolerance"}}}},
            "sample_size": {"type": "integer", "description": "items drawn: the largest class "
                                                              "sample"},
            "checklist": {"type": "array", "items": {"type": "object", "properties": {
                "item": {"type": "string"},
                "result": {"type": ["string", "null"],
                           "enum": [*inspection.CHECK_RESULTS, None]},
                "note": text}}},
            "verdict": {"type": ["string", "null"], "enum": ["accepted", "rejected", None]},
            "found": {"type": ["object", "null"], "properties": classes["properties"]},
            "arithmetic": {"type": ["array", "null"], "items": {"type": "string"}},
            "consequence": text,
            "switching_after": {"type": ["object", "null"]},
            "summary": text, "production_steady": {"type": "boolean"},
            "started_at": time, "completed_at": time, "purchased_on": date,
            "defects": {"type": "array", "items": _ref("Defect"),
                        "description": "one inspection only"},
            "purchase_id": whole, "purchase": {"type": ["object", "null"]},
            "inspector_id": whole, "inspector": text,
            "internal_notes": {**text, "description": "staff only"}}},
        "InspectionPage": _page_of("Inspection"),
        "InspectionOpen": {"type": "object", "additionalProperties": False,
                           "required": ["lot_size"], "properties": {
            "lot_size": {"type": "integer", "minimum": 2,
                         "description": "the lot the purchase represents; not smaller than the "
                                        "quantity bought"},
            "level": {"type": "string", "enum": list(sampling.LEVELS),
                      "description": "default: the category's level"},
            "aql": {"type": "object", "additionalProperties": False,
                    "description": "per class; default: the category's AQLs (0: zero "
                                   "tolerance)",
                    "properties": {c: {"type": ["number", "string"]}
                                   for c in inspection.DEFECT_CLASSES}}}},
        "DefectCreate": {"type": "object", "required": ["defect_class", "count", "description"],
                         "properties": {
            "defect_class": {"type": "string", "enum": list(inspection.DEFECT_CLASSES)},
            "count": {"type": "integer", "minimum": 1,
                      "description": "the class's counts together cannot exceed its sample"},
            "description": {"type": "string", "maxLength": 4000},
            "checklist_item": {"type": "string",
                               "description": "an item of the inspection's checklist"}}},
        "InspectionComplete": {"type": "object", "additionalProperties": False, "properties": {
            "checklist": {"description": "{item: pass|fail|na} or {item: {result, note}} or a "
                                         "list of {item, result, note}; every item required",
                          "type": ["object", "array"]},
            "summary": {"type": "string", "description": "shown to the supplier"},
            "internal_notes": {"type": "string", "description": "never shown to the supplier"},
            "production_steady": {"type": "boolean", "default": False},
            "capa_due_on": {**date, "description": "due date of the corrective action a "
                                                   "rejection opens; default: the category's"}}},
        "QcStatus": {"type": "object", "properties": {
            "product_id": whole, "state": {"type": "string"},
            "severity": {"type": "string", "enum": list(sampling.SEVERITIES),
                         "description": "of the next routine inspection"},
            "severity_reason": {"type": "string"},
            "discontinued": {"type": "boolean",
                             "description": "ISO 2859-1 9.4: 5 lots rejected under tightened "
                                            "inspection; resumes tightened"},
            "switching": {"type": "object"},
            "reduced_inspection_approved": {"type": "boolean"},
            "inspections": {"type": "object", "additionalProperties": whole},
            "corrective_actions": {"type": "object", "additionalProperties": whole},
            "purchases": {**whole, "description": "staff only"}}},
        "CorrectiveAction": {"type": "object", "properties": {
            "id": whole, "product_id": whole, "supplier_id": whole,
            "inspection_id": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": list(capa.STATUSES)},
            "due_on": date,
            "overdue": {"type": "boolean", "description": "past due and waiting on the supplier"},
            "problem": {"type": "string"},
            "opened_at": time, "containment": text, "root_cause": text,
            "corrective_action": text, "preventive_action": text, "submitted_at": time,
            "first_submitted_at": time, "return_reason": text,
            "verification_inspection_id": {"type": ["integer", "null"]}, "closed_at": time,
            "escalation_reason": text, "escalated_at": time,
            "evidence": {"type": "array", "items": _ref("QcFile"),
                         "description": "one request only"},
            "internal_notes": {**text, "description": "staff only"}}},
        "CorrectiveActionPage": _page_of("CorrectiveAction"),
        "CorrectiveActionAnswer": {"type": "object", "additionalProperties": False,
                                   "properties": {
            **{f: {"type": ["string", "null"], "maxLength": 4000,
                   "description": "null or empty: cleared"} for f in capa.ANSWER_FIELDS},
            "submit": {"type": "boolean", "default": False,
                       "description": "submit for verification (all four answers required)"}}},
    }


def _page_of(schema: str) -> dict:
    return {"type": "object", "required": ["items", "page", "per_page", "total"],
            "properties": {"items": {"type": "array", "items": _ref(schema)},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                           "total": {"type": "integer"}}}


def qc_paths() -> dict:
    """Paths of the QC endpoints (app/api/qc.py)."""
    from app.models.qc import REIMBURSEMENT_STATUSES
    from workflows import capa, sampling

    bearer = [{"bearer": []}]

    def ok(schema: str, status: str = "200", description: str = "OK") -> dict:
        return {status: {"description": description, **_json(_ref(schema))}}

    def op(summary: str, params: list, responses: dict, errors: tuple, body: dict | None = None,
           description: str | None = None) -> dict:
        out = {"summary": summary, "security": bearer, "parameters": params,
               "responses": {**responses, **_errors(401, *errors)}}
        if description:
            out["description"] = description
        if body is not None:
            out["requestBody"] = {"required": True, "content": body}
        return out

    def enum_param(name: str, values, description: str | None = None) -> dict:
        param = {"name": name, "in": "query", "schema": {"type": "string", "enum": list(values)}}
        if description:
            param["description"] = description
        return param

    def multipart(fields: dict, files: str, many: bool) -> dict:
        file = {"type": "string", "contentMediaType": "application/octet-stream"}
        return {"multipart/form-data": {"schema": {"type": "object", "properties": {
            **fields, files: {"type": "array", "items": file} if many else file}}}}

    def json_or_form(schema: str, files: str, many: bool, fields: dict) -> dict:
        return {"application/json": {"schema": _ref(schema)}, **multipart(fields, files, many)}

    pid = _int_param("product_id", "path", True)
    purchase = _int_param("purchase_id", "path", True)
    inspection = _int_param("inspection_id", "path", True)
    capa_id = _int_param("capa_id", "path", True)
    pages = [_int_param("page"), _int_param("per_page")]
    string = {"type": "string"}
    return {
        "/api/v1/sampling/plan": {"get": op(
            "ISO 2859-1:1999 single sampling plan for a lot",
            [{"name": "lot_size", "in": "query", "required": True,
              "schema": {"type": "integer", "minimum": 2}},
             {"name": "aql", "in": "query", "required": True,
              "schema": {"type": "number", "enum": list(sampling.AQL_SERIES)}},
             {"name": "level", "in": "query",
              "schema": {"type": "string", "enum": list(sampling.LEVELS), "default": "II"}},
             {"name": "severity", "in": "query",
              "schema": {"type": "string", "enum": list(sampling.SEVERITIES),
                         "default": "normal"}}],
            ok("SamplingPlan"), (422,),
            description="Arrows of Tables 2-A/2-B/2-C are followed to the plan they point to, "
                        "whose sample size applies; when it reaches the lot size the whole lot "
                        "is inspected. A bad argument answers 422 with details naming it.")},
        "/api/v1/purchases": {"get": op(
            "Sample purchases (staff only), newest first",
            [_int_param("category_id"), _int_param("product_id"),
             enum_param("reimbursement", REIMBURSEMENT_STATUSES), *pages],
            ok("PurchasePage"), (403, 422))},
        "/api/v1/products/{product_id}/purchases": {"post": op(
            "Log a sample purchase (QC inspectors and admins)", [pid],
            ok("Purchase", "201", "Logged"), (403, 404, 409, 422),
            json_or_form("PurchaseCreate", "receipt", False,
                         {"kind": string, "channel": string, "store_name": string,
                          "order_number": string, "purchased_on": string,
                          "quantity": string, "unit_price": string, "total": string,
                          "currency": string, "batch_code": string, "notes": string}),
            description="JSON, or multipart/form-data with the same fields and an optional "
                        "receipt file (JPEG, PNG, WebP or PDF; staff-only). Duplicate order "
                        "numbers, future dates and quantities below 1 answer 422 and store "
                        "nothing; a kind that does not fit the product's state answers 409.")},
        "/api/v1/purchases/{purchase_id}": {"get": op(
            "One purchase with its category's budget status and receipts (a supplier: 404)",
            [purchase], ok("Purchase"), (404,))},
        "/api/v1/purchases/{purchase_id}/reimbursement": {"post": op(
            "Move the reimbursement forward: submitted -> approved -> paid (managers; never "
            "one's own purchase)", [purchase], ok("Purchase"), (403, 404, 409, 422),
            {"application/json": {"schema": {
                "type": "object", "required": ["status"], "additionalProperties": False,
                "properties": {"status": {"type": "string",
                                          "enum": list(REIMBURSEMENT_STATUSES)}}}}})},
        "/api/v1/purchases/{purchase_id}/inspection": {"post": op(
            "Open the inspection of a purchase's lot: plans per defect class at the product's "
            "severity", [purchase], ok("Inspection", "201", "Opened"), (403, 404, 409, 422),
            {"application/json": {"schema": _ref("InspectionOpen")}})},
        "/api/v1/inspections": {"get": op(
            "Inspections (a supplier: completed ones of its own products), newest first",
            [_int_param("product_id"), enum_param("status", ("open", "completed")),
             enum_param("verdict", ("accepted", "rejected")), *pages],
            ok("InspectionPage"), (422,))},
        "/api/v1/inspections/{inspection_id}": {"get": op(
            "One inspection with plans, checklist, defects and photos, verdict and arithmetic",
            [inspection], ok("Inspection"), (404,))},
        "/api/v1/inspections/{inspection_id}/defects": {"post": op(
            "Log nonconforming items of one kind in an open inspection", [inspection],
            ok("Defect", "201", "Logged"), (403, 404, 409, 422),
            json_or_form("DefectCreate", "photos", True,
                         {"defect_class": string, "count": string, "description": string,
                          "checklist_item": string}),
            description="JSON, or multipart/form-data with the same fields and up to 10 photos "
                        "(JPEG, PNG or WebP).")},
        "/api/v1/defects/{defect_id}": {"delete": op(
            "Remove a defect logged by mistake (open inspections only); returns the inspection",
            [_int_param("defect_id", "path", True)], ok("Inspection"), (403, 404, 409))},
        "/api/v1/inspections/{inspection_id}/complete": {"post": op(
            "Compute the verdict and apply its consequences (lifecycle transition, corrective "
            "action request, switching rules)", [inspection], ok("Inspection"),
            (403, 404, 409, 422),
            {"application/json": {"schema": _ref("InspectionComplete")}})},
        "/api/v1/products/{product_id}/qc": {"get": op(
            "The product's QC status: severity of the next routine inspection and why, counts",
            [pid], ok("QcStatus"), (404,))},
        "/api/v1/products/{product_id}/reduced-inspection": {"post": op(
            "Approve (or withdraw) reduced inspection for a product (selection managers, admins)",
            [pid], ok("QcStatus"), (403, 404, 422),
            {"application/json": {"schema": {
                "type": "object", "required": ["approved"], "additionalProperties": False,
                "properties": {"approved": {"type": "boolean"}}}}})},
        "/api/v1/corrective-actions": {"get": op(
            "Corrective action requests (a supplier: its own), by due date",
            [enum_param("status", capa.STATUSES),
             {"name": "overdue", "in": "query", "schema": {"type": "boolean"},
              "description": "only requests past due and waiting on the supplier"},
             _int_param("product_id"), *pages],
            ok("CorrectiveActionPage"), (422,))},
        "/api/v1/corrective-actions/{capa_id}": {"get": op(
            "One corrective action request with its evidence files", [capa_id],
            ok("CorrectiveAction"), (404,))},
        "/api/v1/corrective-actions/{capa_id}/answer": {"post": op(
            "The supplier answers (saved as it goes) and, with submit, submits", [capa_id],
            ok("CorrectiveAction"), (403, 404, 409, 422),
            json_or_form("CorrectiveActionAnswer", "evidence", True,
                         {**{f: string for f in capa.ANSWER_FIELDS},
                          "submit": {"type": "string", "enum": ["true", "false"]}}))},
        "/api/v1/corrective-actions/{capa_id}/review": {"post": op(
            "QC closes (after a passed follow-up inspection), returns or escalates a request",
            [capa_id], ok("CorrectiveAction"), (403, 404, 409, 422),
            {"application/json": {"schema": {
                "type": "object", "required": ["action"], "additionalProperties": False,
                "properties": {
                    "action": {"type": "string", "enum": ["close", "return", "escalate"]},
                    "reason": {"type": ["string", "null"],
                               "description": "required to return or escalate"},
                    "inspection_id": {"type": ["integer", "null"],
                                      "description": "the passed follow-up inspection "
                                                     "(default: the latest)"}}}}})},
    }
