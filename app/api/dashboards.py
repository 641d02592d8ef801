"""Dashboards endpoints of the JSON API: the figures behind the managers' dashboards.

The same service results the pages and SVG charts show, as JSON, with the same query filters
(``category``, ``date_from``, ``date_to``, ``top``). Staff only: a supplier gets 404.
"""

from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp
from app.api.auth import token_required
from app.api.openapi import _errors, _json, _ref
from app.services import dashboards as service
from workflows.dashboards import AGE_BUCKETS, FUNNEL_STAGES, STANDING_ORDER


def _figures(load):
    return jsonify(load(g.api_user, service.parse_filters(request.args)))


@bp.get("/v1/dashboards/pipeline")
@token_required
def dashboard_pipeline():
    return _figures(service.pipeline_dashboard)


@bp.get("/v1/dashboards/qc")
@token_required
def dashboard_qc():
    return _figures(service.qc_dashboard)


@bp.get("/v1/dashboards/catalogue")
@token_required
def dashboard_catalogue():
    return _figures(service.catalogue_dashboard)


@bp.get("/v1/dashboards/suppliers")
@token_required
def dashboard_suppliers():
    return _figures(service.supplier_leaderboard)


_bearer = [{"bearer": []}]
_int = {"type": "integer"}
_pct = {"type": ["number", "null"], "description": "per cent, one decimal; null when 0/0"}
_days = {"type": ["number", "null"], "description": "days, one decimal"}
_month = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}
_filter_params = [
    {"name": "category", "in": "query", "schema": {"type": "integer", "minimum": 1},
     "description": "only this category"},
    {"name": "date_from", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "default: the first of the month 11 months before date_to"},
    {"name": "date_to", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "inclusive; default today (UTC); at most 60 months after date_from"},
    {"name": "top", "in": "query",
     "schema": {"type": "integer", "minimum": 1, "maximum": service.MAX_TOP,
                "default": service.DEFAULT_TOP},
     "description": "how many suppliers the QC pass-rate table keeps (and the leaderboard chart)"},
]
_category_ref = {"category_id": _int, "name": {"type": "string"},
                 "name_zh": {"type": ["string", "null"]}}
_rate_cell = {"type": "object", "properties": {
    "month": _month, "inspections": _int, "passed": _int, "pass_rate": _pct}}
_filters = {"type": "object", "properties": {
    "category_id": {"type": ["integer", "null"]}, "date_from": {"type": "string", "format": "date"},
    "date_to": {"type": "string", "format": "date"}, "top": _int}}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "required": required or list(properties), "properties": properties}


#: Merged into components.schemas of /api/openapi.json.
DASHBOARD_SCHEMAS: dict = {
    "DashboardPipeline": _obj({
        "filters": _filters,
        "products": {**_int, "description": "products first proposed within the range"},
        "funnel": {"type": "array", "items": _obj({
            "stage": {"type": "string", "enum": list(FUNNEL_STAGES)}, "count": _int,
            "conversion_pct": {**_pct, "description": "of the previous stage's products"},
            "of_first_pct": {**_pct, "description": "of the proposals"}})},
        "durations": {"type": "array", "items": _obj({
            "state": {"type": "string", "enum": list(service.WAITING_STATES)},
            "stays": _int, "open": {**_int, "description": "stays still running (count to now)"},
            "median_days": _days, "p90_days": _days})},
        "stuck": {"type": "array", "items": _obj({
            "state": {"type": "string", "enum": list(service.WAITING_STATES)},
            "products": {"type": "array", "items": _obj({
                "product_id": _int, "name_en": {"type": "string"}, "name_zh": {"type": "string"},
                "supplier": {"type": "string"}, "category": {"type": ["string", "null"]},
                "category_zh": {"type": ["string", "null"]},
                "since": {"type": "string", "format": "date-time"}, "days": _days})}})},
    }),
    "DashboardQc": _obj({
        "filters": _filters,
        "months": {"type": "array", "items": _month},
        "pass_rate": _obj({"inspections": _int, "passed": _int, "pass_rate": _pct,
                           "months": {"type": "array", "items": _rate_cell}}),
        "pass_rate_by_category": {"type": "array", "items": _obj({
            **_category_ref, "inspections": _int, "passed": _int, "pass_rate": _pct,
            "months": {"type": "array", "items": _rate_cell}})},
        "pass_rate_by_supplier": {"type": "array", "items": _obj({
            "supplier_id": _int, "name": {"type": "string"}, "inspections": _int,
            "passed": _int, "pass_rate": _pct,
            "months": {"type": "array", "items": _rate_cell}})},
        "pareto": {"type": "array", "description": "largest first; the rest as a last row "
                   "with description null", "items": _obj({
                       "description": {"type": ["string", "null"]},
                       "defect_class": {"type": ["string", "null"],
                                        "enum": ["critical", "major", "minor", None]},
                       "count": {**_int, "description": "nonconforming items"},
                       "pct": _pct, "cumulative_pct": _pct})},
        "spend": _obj({
            "categories": {"type": "array", "items": _obj({
                **_category_ref, "budget_cents": {"type": ["integer", "null"]},
                "spent_cents": _int, "months": {"type": "array", "items": _obj({
                    "month": _month, "spent_cents": _int,
                    "budget_cents": {"type": ["integer", "null"]},
                    "over": {"type": "boolean"}})}})},
            "months": {"type": "array", "items": _obj({
                "month": _month, "spent_cents": _int,
                "budget_cents": {"type": ["integer", "null"],
                                 "description": "sum of the budgets set"}})}}),
    }),
    "DashboardCatalogue": _obj({
        "filters": _filters,
        "caps": {"type": "array", "items": _obj({
            **_category_ref, "listed": _int, "under_watch": _int, "suspended": _int,
            "occupied": _int, "cap": {"type": ["integer", "null"]},
            "free": {"type": ["integer", "null"]}, "use_pct": _pct,
            "at_cap": {"type": "boolean"}, "over_cap": {"type": "boolean"}})},
        "capa_ages": _obj({
            "buckets": {"type": "array", "items": _obj({
                "bucket": {"type": "string", "enum": [key for key, _lo, _hi in AGE_BUCKETS]},
                "open": _int, "closed": _int})},
            "overdue": _int, "open": _int, "closed": _int}),
        "customer": {"type": "array", "items": _obj({
            "month": _month, "reviews": _int, "positive_reviews": _int, "units_sold": _int,
            "returns": _int, "orders": _int, "complaints": _int,
            "positive_rate": _pct, "return_rate": _pct})},
    }),
    "DashboardSuppliers": _obj({
        "filters": _filters,
        "suppliers": {"type": "array", "items": _obj({
            "rank": _int, "supplier_id": _int, "name": {"type": "string"},
            "name_en": {"type": ["string", "null"]}, "status": {"type": "string"},
            "standing": {"type": ["string", "null"], "enum": [*STANDING_ORDER, None],
                         "description": "null: not assessed yet"},
            "standing_changed_at": {"type": ["string", "null"], "format": "date-time"},
            "figures": {"type": "object", "description":
                        "Supplier.standing_figures (missing keys are null) and "
                        "listed_products computed here",
                        "properties": {
                            **{key: {"type": ["number", "null"]}
                               for key in service.STANDING_FIGURES},
                            "defects_per_inspection": {
                                "type": "object", "description": "nonconforming items per "
                                "inspection by class (null without inspections)",
                                "additionalProperties": {"type": ["number", "null"]}}}}})},
    }),
}


def _path(summary: str, description: str, schema: str) -> dict:
    return {"get": {
        "summary": summary, "description": description + " Staff only (404 for a supplier).",
        "security": _bearer, "parameters": _filter_params,
        "responses": {"200": {"description": "The figures", **_json(_ref(schema))},
                      **_errors(401, 404, 422)}}}


#: Merged into the paths of /api/openapi.json by app.api.openapi.openapi_document().
DASHBOARD_PATHS: dict = {
    "/api/v1/dashboards/pipeline": _path(
        "Pipeline funnel, time in state and stuck products",
        "Funnel and durations over the products first proposed within the date range; the "
        "longest stays in each waiting state whatever the date.", "DashboardPipeline"),
    "/api/v1/dashboards/qc": _path(
        "QC pass rate by month, defect Pareto, sample spend against budget",
        "Completed inspections and purchases within the date range.", "DashboardQc"),
    "/api/v1/dashboards/catalogue": _path(
        "SKU slots against caps, corrective actions by age, customer metrics by month",
        "Open corrective actions by age today; closed ones (within the range) by the time "
        "they took.", "DashboardCatalogue"),
    "/api/v1/dashboards/suppliers": _path(
        "Supplier leaderboard",
        "Ranked by standing, then pass rate, corrective actions on time, positive rate, "
        "return rate, defects per inspection, products in slots.", "DashboardSuppliers"),
}
