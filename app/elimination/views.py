"""Views of the elimination area: the sweep button, open candidates with every explanation,
runs, a candidate's delist or dismiss decision, a category's thresholds."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.elimination import bp
from app.elimination.forms import (
    ACTION_LABELS,
    REASON_LABELS,
    DelistForm,
    DismissForm,
    RulesForm,
    RunSweepForm,
)
from app.extensions import db
from app.models import Category, EliminationCandidate
from app.models.base import MAX_ID
from app.qc.common import form_expired, or_404, show_refusal, user
from app.services import elimination
from app.services.elimination.candidates import candidates_query
from app.services.errors import ServiceError, ValidationFailed, raise_if_errors
from app.services.jobs import enqueue
from app.ui import user_message
from workflows.lifecycle import LifecycleError
from workflows.performance import FORMULA

JOB_PAGE = "jobs.job_detail"
CANDIDATES_PER_PAGE = 50
RULE_HELP = {
    "window_periods": _l("The rates below are summed over the last N months or ISO weeks,"
                        " ending with the product's latest period."),
    "min_positive_rate": _l("100 × positive reviews ÷ reviews over the window."),
    "max_return_rate": _l("100 × returns ÷ units sold over the window."),
    "max_complaints_per_1000_orders": _l("1,000 × complaints ÷ orders over the window."),
    "max_failed_inspections_12m": _l("Rejected routine inspections completed in the last 365"
                                    " days."),
    "flag_overdue_capa": _l("An open or returned corrective action past its due date."),
    "bottom_percent": _l("Only while the category is at its SKU cap: the lowest composite"
                        " scores, rounded up, at least one."),
    "action": _l("Put on watch applies the lifecycle's put on watch; decision list only lists"
                " the product. Nothing is ever delisted without a manager."),
}


def _reader():
    """Staff who may read (QC read-only); suppliers 404, designers 403."""
    actor = user()
    if actor.is_supplier:
        abort(404)
    if actor.role not in elimination.READ_ROLES:
        abort(403)
    return actor


def _may_decide(actor) -> bool:
    return actor.role in elimination.SWEEP_ROLES


def _categories() -> dict[int, Category]:
    return {c.id: c for c in db.session.scalars(select(Category).order_by(Category.name))}


def _page(query):
    """One page of candidates (``?page=``): a sweep may propose thousands. The page is chosen
    on the ids alone (the sort reads an index, not the wide rows), then its rows are loaded."""
    number = request.args.get("page", 1, type=int)
    number = number if 1 <= number <= MAX_ID // CANDIDATES_PER_PAGE else 1
    page = db.paginate(query.with_only_columns(EliminationCandidate.id), page=number,
                       per_page=CANDIDATES_PER_PAGE, error_out=False)
    rows = {c.id: c for c in db.session.scalars(
        select(EliminationCandidate).options(selectinload(EliminationCandidate.product))
        .where(EliminationCandidate.id.in_(page.items)))} if page.items else {}
    page.items = [rows[i] for i in page.items if i in rows]
    return page


def _labels() -> dict:
    return {"action_labels": ACTION_LABELS, "reason_labels": REASON_LABELS,
            "formula": FORMULA}


@bp.get("/")
@login_required
def index():
    actor = _reader()
    page = _page(candidates_query(actor, status="open"))
    grouped = defaultdict(list)
    for candidate in page.items:
        grouped[candidate.category_id].append(candidate)
    return render_template("elimination/index.html", grouped=grouped, page=page,
                           categories=_categories(), runs=elimination.list_runs(actor, 10),
                           run_form=RunSweepForm() if _may_decide(actor) else None,
                           may_decide=_may_decide(actor), **_labels())


@bp.post("/runs")
@login_required
def start_run():
    actor = _reader()
    if not _may_decide(actor):
        abort(403)
    form = RunSweepForm()
    if not form.validate_on_submit():
        if not form_expired(form):
            flash(_("Please check the date."), "danger")
        return redirect(url_for("elimination.index"))
    params = {"period_kind": form.period_kind.data, "trigger": "manual"}
    if form.as_of.data:
        params["as_of"] = form.as_of.data.isoformat()
    try:
        job = enqueue(actor, "elimination_sweep", params)
    except ServiceError as error:
        show_refusal(form, error)
        return redirect(url_for("elimination.index"))
    flash(_("The elimination sweep is running; this page shows its progress."), "info")
    return redirect(url_for(JOB_PAGE, job_id=job.id))


@bp.get("/runs/<int:run_id>")
@login_required
def run_detail(run_id: int):
    actor = _reader()
    run = or_404(elimination.get_run, actor, run_id)
    page = _page(candidates_query(actor, run_id=run.id))
    return render_template("elimination/run.html", run=run, candidates=page.items, page=page,
                           categories=_categories(), **_labels())


def _candidate_page(actor, candidate, delist_form=None, dismiss_form=None, status=200):
    may = _may_decide(actor) and candidate.status == "open"
    return render_template(
        "elimination/candidate.html", candidate=candidate, categories=_categories(),
        delist_form=(delist_form or DelistForm()) if may else None,
        dismiss_form=(dismiss_form or DismissForm()) if may else None, **_labels()), status


@bp.get("/candidates/<int:candidate_id>")
@login_required
def candidate_detail(candidate_id: int):
    actor = _reader()
    return _candidate_page(actor, or_404(elimination.get_candidate, actor, candidate_id))


def _decide(candidate_id: int, decision: str):
    actor = _reader()
    candidate = or_404(elimination.get_candidate, actor, candidate_id)
    if not _may_decide(actor):
        abort(403)
    delist_form, dismiss_form = DelistForm(), DismissForm()
    form = delist_form if decision == "delist" else dismiss_form
    if not form.validate_on_submit():
        form_expired(form)
        return _candidate_page(actor, candidate, delist_form, dismiss_form, 422)
    try:
        elimination.decide_candidate(actor, candidate.id, decision,
                                     delist_form.reason_code.data if decision == "delist"
                                     else None, form.note.data)
    except ServiceError as error:
        show_refusal(form, error)
        return _candidate_page(actor, candidate, delist_form, dismiss_form, error.status)
    except LifecycleError as error:  # the product moved meanwhile
        flash(user_message(error), "danger")
        return _candidate_page(actor, candidate, delist_form, dismiss_form, 409)
    flash(_("Delisted.") if decision == "delist" else _("Dismissed: the product stays."),
          "success")
    return redirect(url_for("elimination.candidate_detail", candidate_id=candidate.id))


@bp.post("/candidates/<int:candidate_id>/delist")
@login_required
def candidate_delist(candidate_id: int):
    return _decide(candidate_id, "delist")


@bp.post("/candidates/<int:candidate_id>/dismiss")
@login_required
def candidate_dismiss(candidate_id: int):
    return _decide(candidate_id, "dismiss")


def _rules_from(form: RulesForm) -> dict | None:
    """The form's thresholds (None: the category is not swept); every bad field named."""
    if not form.enabled.data:
        return None
    fields, errors = {}, {}
    for name in RulesForm.TEXT_FIELDS:
        try:
            fields[name] = elimination.parse_rule_value(name, form[name].data)
        except ValidationFailed as error:
            errors.update(error.details)
    raise_if_errors(errors)
    return {**fields, "flag_overdue_capa": bool(form.flag_overdue_capa.data),
            "action": form.action.data}


@bp.route("/categories/<int:category_id>/rules", methods=["GET", "POST"])
@login_required
def category_rules(category_id: int):
    actor = _reader()
    shown = or_404(elimination.get_category_rules, actor, category_id)
    category = db.session.get(Category, category_id)
    may = _may_decide(actor)
    form = RulesForm(data=None)
    if not form.is_submitted():
        for name, value in shown["rules"].items():
            form[name].data = value if name in ("flag_overdue_capa", "action") else (
                "" if value is None else f"{value:g}")
        form.enabled.data = shown["enabled"]
    status = 200
    if form.is_submitted():
        if not may:
            abort(403)
        if form.validate_on_submit():
            try:
                elimination.set_category_rules(actor, category_id, _rules_from(form))
            except ServiceError as error:
                show_refusal(form, error)
                status = 422
            else:
                flash(_("Rules saved."), "success")
                return redirect(url_for("elimination.category_rules", category_id=category_id))
        else:
            form_expired(form)
            status = 422
    return render_template("elimination/rules.html", form=form, category=category,
                           shown=shown, may_edit=may, rule_help=RULE_HELP,
                           **_labels()), status
