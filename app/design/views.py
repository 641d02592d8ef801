"""Views of the design area: each form posts, calls one service, and returns to the product."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.design import bp
from app.design.forms import (
    DecisionForm,
    FeedbackForm,
    ItemReviewForm,
    OpenRoundForm,
    ResponseForm,
    RevisionForm,
)
from app.extensions import db
from app.models import FeedbackItem
from app.services import design
from app.services.errors import NotFound, ServiceError
from app.services.visibility import get_visible_product
from app.ui import user_message
from workflows.lifecycle import LifecycleError


def _user():
    return current_user._get_current_object()


def _back(product_id: int):
    return redirect(url_for("catalog.product_detail", product_id=product_id) + "#design")


def _run(product_id: int, action, done: str):
    try:
        action()
    except NotFound:
        abort(404)
    except (ServiceError, LifecycleError) as error:
        flash(user_message(error), "danger")
    else:
        flash(done, "success")
    return _back(product_id)


def _visible(product_id: int) -> None:
    try:
        get_visible_product(_user(), product_id)
    except NotFound:
        abort(404)


def _item_product(item_id: int) -> int:
    item = db.session.get(FeedbackItem, item_id)
    if item is None:
        abort(404)
    _visible(item.product_id)
    if item.internal and _user().is_supplier:
        abort(404)
    return item.product_id


def _invalid(form, product_id: int):
    flash("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in form.errors.items())
          or _("The form was incomplete or expired; please try again."), "danger")
    return _back(product_id)


@bp.post("/products/<int:product_id>/rounds")
@login_required
def round_open(product_id: int):
    _visible(product_id)
    form = OpenRoundForm()
    if not form.validate_on_submit():
        return _invalid(form, product_id)
    return _run(product_id, lambda: design.open_round(_user(), product_id, form.due_on.data),
                _("A new design round is open."))


@bp.post("/products/<int:product_id>/feedback")
@login_required
def feedback_add(product_id: int):
    _visible(product_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _invalid(form, product_id)
    item = {"area": form.area.data, "severity": form.severity.data, "text": form.text.data,
            "internal": form.internal.data}
    return _run(product_id, lambda: design.raise_feedback(_user(), product_id, [item]),
                _("Feedback added."))


@bp.post("/feedback/<int:item_id>/response")
@login_required
def feedback_respond(item_id: int):
    product_id = _item_product(item_id)
    form = ResponseForm()
    if not form.validate_on_submit():
        return _invalid(form, product_id)
    return _run(product_id, lambda: design.respond(_user(), item_id, form.response.data),
                _("Answer saved."))


@bp.post("/feedback/<int:item_id>/review")
@login_required
def feedback_review(item_id: int):
    product_id = _item_product(item_id)
    form = ItemReviewForm()
    if not form.validate_on_submit():
        return _invalid(form, product_id)
    resolved = form.resolved.data == "1"
    return _run(product_id, lambda: design.review_item(_user(), item_id, resolved),
                _("Feedback resolved.") if resolved else _("Feedback reopened."))


@bp.post("/products/<int:product_id>/revision")
@login_required
def revision_submit(product_id: int):
    _visible(product_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        return _invalid(form, product_id)
    return _run(product_id, lambda: design.submit_revision(_user(), product_id, form.notes.data),
                _("Revision submitted."))


@bp.post("/products/<int:product_id>/decision")
@login_required
def round_decide(product_id: int):
    _visible(product_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _invalid(form, product_id)
    return _run(product_id, lambda: design.decide_round(
        _user(), product_id, form.decision.data, form.reason.data, form.due_on.data),
        _("The round is closed."))


def _decision_form(user) -> DecisionForm:
    from app.forms import select_choices
    from app.ui import DECISION_LABELS
    from workflows.lifecycle import TRANSITIONS

    form = DecisionForm()
    allowed = [d for d in DECISION_LABELS
               if d != "abandon" or TRANSITIONS["abandon"].allows_role(user.role)]
    form.decision.choices = select_choices((d, DECISION_LABELS[d]) for d in allowed)
    return form


def design_context(product) -> dict:
    """What the product page's design section needs, with internal notes removed for suppliers."""
    user = _user()
    rounds = design.rounds_of(db.session, product.id)
    if not rounds and product.state != "in_design":
        return {"design_rounds": []}
    hide_internal = user.is_supplier
    shown = [(r, [i for i in r.items if not (hide_internal and i.internal)]) for r in rounds]
    current = rounds[-1] if rounds and rounds[-1].status != "closed" else None
    reviewer = user.role in design.DESIGN_REVIEWERS
    supplier = user.role in ("supplier", "admin")
    in_design = product.state == "in_design"
    return {
        "design_rounds": shown,
        "design_current": current,
        "design_reviewer": reviewer and in_design,
        "design_supplier": supplier and in_design and current is not None
        and current.status == "open",
        "open_round_form": OpenRoundForm() if reviewer and in_design and current is None else None,
        "feedback_form": FeedbackForm() if reviewer and in_design and current is not None
        and current.status == "open" else None,
        "response_form": ResponseForm(),
        "revision_form": RevisionForm(),
        "item_review_form": ItemReviewForm(),
        "decision_form": _decision_form(user) if reviewer and in_design and current is not None
        else None,
    }
