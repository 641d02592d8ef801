"""Review and scorecard endpoints of the JSON API (same independence rules as the pages)."""

from __future__ import annotations

from flask import g, jsonify

from app.api import bp
from app.api.auth import token_required
from app.api.params import json_body
from app.extensions import db
from app.models import Category
from app.services import reviews, scorecards
from app.services.errors import Forbidden, NotFound
from app.services.visibility import get_visible_product


def panel_json(panel: reviews.ReviewPanel, viewer) -> dict:
    body = {
        "submitted": panel.submitted,
        "required": panel.required,
        "scorecard_version": panel.scorecard.version if panel.scorecard else None,
        "can_submit": panel.can_submit,
        "value_for_money": None if panel.value is None else {
            "target_price": panel.value.target_price, "median": panel.value.median,
            "cheapest": panel.value.cheapest, "dearest": panel.value.dearest,
            "percent_vs_median": panel.value.percent_vs_median,
            "competitor_count": panel.value.competitor_count},
    }
    if viewer.is_supplier:
        body["shortfalls"] = panel.shortfalls
        return body
    body["blockers"] = list(panel.blockers)
    body["scores_visible"] = panel.scores_visible
    body["reviews"] = [{
        "reviewer": r.reviewer.email, "submitted_at": r.submitted_at.isoformat(),
        "weighted_total": r.weighted_total, "comment": r.comment,
        "scores": {s.criterion_key: {"score": s.score, "comment": s.comment} for s in r.scores},
    } for r in panel.reviews]
    agg = panel.aggregate
    body["aggregate"] = None if agg is None else {
        "mean": agg.mean, "spread": agg.spread, "disagreement": agg.disagreement,
        "criterion_means": agg.criterion_means, "shortfalls": agg.shortfalls,
        "knockouts_failed": agg.knockouts_failed}
    return body


@bp.get("/v1/products/<int:product_id>/reviews")
@token_required
def product_reviews(product_id: int):
    product = get_visible_product(g.api_user, product_id)
    return jsonify(panel_json(reviews.review_panel(db.session, g.api_user, product), g.api_user))


@bp.post("/v1/products/<int:product_id>/reviews")
@token_required
def submit_product_review(product_id: int):
    get_visible_product(g.api_user, product_id)
    body = json_body()
    reviews.submit_review(g.api_user, product_id, body.get("scores"), body.get("comment"))
    product = get_visible_product(g.api_user, product_id)
    panel = reviews.review_panel(db.session, g.api_user, product)
    return jsonify(panel_json(panel, g.api_user)), 201


def _category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(f"category {category_id} not found")
    return category


@bp.get("/v1/categories/<int:category_id>/scorecard")
@token_required
def category_scorecard(category_id: int):
    if g.api_user.is_supplier:  # thresholds and knock-outs are the platform's, as on the pages
        raise Forbidden("suppliers do not read scorecards")
    category = _category(category_id)
    current = scorecards.latest_scorecard(db.session, category.id)
    fields = scorecards.fields_of(current) if current else scorecards.default_fields(category)
    return jsonify({"version": current.version if current else None, **fields})


@bp.put("/v1/categories/<int:category_id>/scorecard")
@token_required
def save_category_scorecard(category_id: int):
    _category(category_id)  # 404 before the body is judged
    card = scorecards.save_scorecard(g.api_user, category_id, json_body())
    return jsonify({"version": card.version, **scorecards.fields_of(card)})


SCORE_ENTRY = {"type": "object", "required": ["score"], "properties": {
    "score": {"type": "integer", "minimum": 1, "maximum": 5},
    "comment": {"type": ["string", "null"], "maxLength": 4000}}}


def review_paths(ref, json_body, errors, int_param) -> dict:
    """OpenAPI path items for the endpoints above."""
    product_id = int_param("product_id", "path", True)
    category_id = int_param("category_id", "path", True)
    bearer = [{"bearer": []}]
    scorecard = {"type": "object", "properties": {
        "version": {"type": ["integer", "null"]}, "pass_threshold": {"type": "number"},
        "min_reviewers": {"type": "integer"}, "disagreement_spread": {"type": "number"},
        "share_shortfalls": {"type": "boolean"},
        "criteria": {"type": "array", "items": {"type": "object", "properties": {
            "key": {"type": "string"}, "label": {"type": "string"},
            "label_zh": {"type": ["string", "null"]}, "weight": {"type": "number"},
            "minimum": {"type": ["integer", "null"]}, "knockout": {"type": "boolean"},
            "anchors": {"type": "array", "items": {"type": "string"}}}}}}}
    panel = {"type": "object", "description": (
        "Independence: reviews and aggregate are empty until the caller has submitted its own "
        "review or the review cycle has ended. Suppliers get only counts and shortfalls.")}
    return {
        "/api/v1/products/{product_id}/reviews": {
            "get": {"summary": "The current review cycle, as far as the caller may see it",
                    "security": bearer, "parameters": [product_id],
                    "responses": {"200": {"description": "Review panel", **json_body(panel)},
                                  **errors(401, 404)}},
            "post": {"summary": "Submit the caller's review (final)", "security": bearer,
                     "parameters": [product_id],
                     "requestBody": {"required": True, **json_body({
                         "type": "object", "required": ["scores"], "properties": {
                             "scores": {"type": "object", "additionalProperties": SCORE_ENTRY},
                             "comment": {"type": ["string", "null"]}}})},
                     "responses": {"201": {"description": "Review panel", **json_body(panel)},
                                   **errors(401, 403, 404, 409, 422)}}},
        "/api/v1/categories/{category_id}/scorecard": {
            "get": {"summary": "The category's current scorecard (house defaults if none)",
                    "security": bearer, "parameters": [category_id],
                    "responses": {"200": {"description": "Scorecard", **json_body(scorecard)},
                                  **errors(401, 403, 404)}},
            "put": {"summary": "Save a new scorecard version", "security": bearer,
                    "parameters": [category_id],
                    "requestBody": {"required": True, **json_body(scorecard)},
                    "responses": {"200": {"description": "The new version",
                                          **json_body(scorecard)},
                                  **errors(401, 403, 404, 422)}}},
    }
