"""Corrective action pages: the list, the supplier's answer, and QC's review."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.extensions import db
from app.forms import select_choices
from app.models import Inspection
from app.models.base import MAX_ID
from app.qc import bp
from app.qc.common import form_expired, or_404, show_refusal, uploads, user
from app.qc.forms import CapaAnswerForm, CapaReviewForm
from app.services import qc
from app.services.errors import NotFound, ServiceError
from app.ui import CAPA_STATUS_LABELS, when
from workflows import capa as capa_rules
from workflows.lifecycle import LifecycleError, Role

ANSWERERS = (Role.SUPPLIER, Role.ADMIN)
REVIEW_ACTIONS = ("close", "return", "escalate")


@bp.get("/corrective-actions")
@login_required
def capa_list():
    status = request.args.get("status")
    status = status if status in capa_rules.STATUSES else None
    overdue = request.args.get("overdue") == "1"
    per_page = current_app.config["SIEVE_PAGE_SIZE"]
    number = request.args.get("page", 1, type=int)
    number = number if 1 <= number <= MAX_ID // per_page else 1
    page = db.paginate(qc.capas_query(user(), status=status, overdue=overdue), page=number,
                       per_page=per_page, error_out=False)
    return render_template("qc/capas.html", page=page, status=status, overdue=overdue)


def _follow_ups(request_) -> list[Inspection]:
    """Follow-up inspections of the product that passed after the answer was submitted."""
    query = qc.inspections_query(request_.product_id, completed_only=True).where(
        Inspection.kind == "follow_up", Inspection.verdict == "accepted")
    if request_.submitted_at is not None:
        query = query.where(Inspection.completed_at > request_.submitted_at)
    return list(db.session.scalars(query))


def _review_forms(request_, posted: CapaReviewForm | None = None) -> dict:
    if user().role not in qc.CAPA_REVIEWERS:
        return {}
    forms = {}
    for action in REVIEW_ACTIONS:
        if request_.status not in capa_rules.MOVES[action][0]:
            continue
        form = posted if posted is not None and posted._prefix == f"{action}-" \
            else CapaReviewForm(prefix=action, formdata=None)
        if action == "close":
            form.inspection_id.choices = select_choices(
                [("", _("The latest that passed"))]
                + [(str(i.id), _("#%(id)s, completed %(time)s UTC", id=i.id,
                                 time=when(i.completed_at)))
                   for i in _follow_ups(request_)])
        forms[action] = form
    return forms


def _render(request_, answer_form=None, review_form=None, status: int = 200):
    me = user()
    may_answer = me.role in ANSWERERS and request_.status in capa_rules.WITH_SUPPLIER
    if may_answer and answer_form is None:
        answer_form = CapaAnswerForm(obj=request_, formdata=None)
    return render_template(
        "qc/capa.html", capa=request_, product=request_.product,
        evidence=qc.record_files(me, "capa_evidence", request_.id),
        answer_form=answer_form if may_answer else None,
        review_forms=_review_forms(request_, review_form),
        follow_up_ok=bool(me.role in qc.INSPECTORS
                          and request_.status == capa_rules.SUBMITTED)), status


@bp.get("/corrective-actions/<int:capa_id>")
@login_required
def capa_detail(capa_id: int):
    return _render(or_404(qc.get_capa, user(), capa_id))


@bp.post("/corrective-actions/<int:capa_id>/answer")
@login_required
def capa_answer(capa_id: int):
    request_ = or_404(qc.get_capa, user(), capa_id)
    form = CapaAnswerForm()
    if not form.validate_on_submit():
        if form_expired(form):
            return redirect(url_for("qc.capa_detail", capa_id=capa_id))
        return _render(request_, answer_form=form, status=422)
    submit = bool(form.submit_answer.data)
    data = {field: form[field].data for field in capa_rules.ANSWER_FIELDS}
    try:
        qc.answer_capa(user(), capa_id, data, submit=submit, evidence=uploads(form.evidence))
    except NotFound:
        abort(404)
    except ServiceError as error:
        show_refusal(form, error, {"file": "evidence"})
        return _render(or_404(qc.get_capa, user(), capa_id), answer_form=form, status=422)
    flash(_("Your answer was submitted to QC.") if submit else _("Your answer was saved."),
          "success")
    return redirect(url_for("qc.capa_detail", capa_id=capa_id))


@bp.post("/corrective-actions/<int:capa_id>/review/<action>")
@login_required
def capa_review(capa_id: int, action: str):
    if action not in REVIEW_ACTIONS:
        abort(404)
    or_404(qc.get_capa, user(), capa_id)
    form = CapaReviewForm(prefix=action)
    if not form.validate_on_submit():
        form_expired(form)
        return redirect(url_for("qc.capa_detail", capa_id=capa_id))
    try:
        qc.review_capa(user(), capa_id, action, form.reason.data,
                       form.inspection_id.data or None)
    except NotFound:
        abort(404)
    except (ServiceError, LifecycleError) as error:
        show_refusal(form, error)
        return _render(or_404(qc.get_capa, user(), capa_id), review_form=form, status=422)
    done = qc.get_capa(user(), capa_id)
    flash(_("Corrective action #%(id)s: %(status)s.", id=capa_id,
            status=CAPA_STATUS_LABELS.get(done.status, done.status)), "success")
    return redirect(url_for("qc.capa_detail", capa_id=capa_id))
