"""Views of the review area."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Category
from app.review import bp
from app.review.forms import ScorecardForm, review_form_class
from app.services import reviews, scorecards
from app.services.errors import NotFound, ServiceError
from app.services.visibility import get_visible_product
from app.ui import user_message


def _user():
    return current_user._get_current_object()


@bp.post("/products/<int:product_id>/reviews")
@login_required
def review_submit(product_id: int):
    try:
        product = get_visible_product(_user(), product_id)
    except NotFound:
        abort(404)
    panel = reviews.review_panel(db.session, _user(), product)
    criteria = scorecards.criteria_for_panel(db.session, product, panel)
    form = review_form_class(criteria)()
    if not form.validate_on_submit():
        flash(_("Score every criterion from 1 to 5."), "danger")
        return redirect(url_for("catalog.product_detail", product_id=product_id) + "#review")
    scores = {c.key: {"score": int(getattr(form, f"score_{c.key}").data),
                      "comment": getattr(form, f"comment_{c.key}").data} for c in criteria}
    try:
        reviews.submit_review(_user(), product_id, scores, form.comment.data)
    except ServiceError as error:
        flash(user_message(error), "danger")
    else:
        flash(_("Your review is recorded."), "success")
    return redirect(url_for("catalog.product_detail", product_id=product_id) + "#review")


def _form_from_fields(fields: dict) -> ScorecardForm:
    form = ScorecardForm(data={
        "pass_threshold": fields["pass_threshold"], "min_reviewers": fields["min_reviewers"],
        "disagreement_spread": fields["disagreement_spread"],
        "share_shortfalls": fields["share_shortfalls"],
        "criteria": [{**c, "anchors": "\n".join(c["anchors"])} for c in fields["criteria"]]
        + [{}, {}],
    })
    return form


def _fields_from_form(form: ScorecardForm) -> dict:
    criteria = []
    for entry in form.criteria.entries:
        data = entry.data
        if not (data["key"] or "").strip() and not (data["label"] or "").strip():
            continue  # an empty spare row
        criteria.append({
            "key": data["key"], "label": data["label"], "label_zh": data["label_zh"],
            "weight": float(data["weight"]) if data["weight"] is not None else None,
            "minimum": data["minimum"], "knockout": data["knockout"],
            "anchors": [line for line in (data["anchors"] or "").splitlines() if line.strip()],
        })
    return {
        "pass_threshold": float(form.pass_threshold.data),
        "min_reviewers": form.min_reviewers.data,
        "disagreement_spread": float(form.disagreement_spread.data or 1.0),
        "share_shortfalls": form.share_shortfalls.data,
        "criteria": criteria,
    }


@bp.route("/categories/<int:category_id>/scorecard", methods=["GET", "POST"])
@login_required
def scorecard_edit(category_id: int):
    if _user().role not in ("admin", "selection_manager"):
        abort(403)
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    current = scorecards.latest_scorecard(db.session, category.id)
    fields = scorecards.fields_of(current) if current else scorecards.default_fields(category)
    form = ScorecardForm() if request.method == "POST" else _form_from_fields(fields)
    if form.validate_on_submit():
        try:
            card = scorecards.save_scorecard(_user(), category.id, _fields_from_form(form))
        except ServiceError as error:
            flash(user_message(error), "danger")
        else:
            flash(_("Scorecard version %(version)s saved.", version=card.version), "success")
            return redirect(url_for("review.scorecard_edit", category_id=category.id))
    elif request.method == "POST":
        flash("; ".join(f"{k}: {v}" for k, v in form.errors.items()), "danger")
    return render_template("review/scorecard.html", form=form, category=category, current=current)
