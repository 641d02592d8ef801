"""The inspection page: the plan per defect class, defects with photos, the verdict."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.extensions import db
from app.models import CorrectiveAction, InspectionDefect
from app.qc import bp
from app.qc.common import form_expired, or_404, show_refusal, uploads, user
from app.qc.forms import CompleteForm, CsrfOnlyForm, DefectForm
from app.services import qc
from app.services.errors import NotFound, ServiceError
from app.ui import TRANSITION_LABELS, VERDICT_LABELS
from workflows.inspection import DEFECT_CLASSES
from workflows.lifecycle import LifecycleError


def _items(inspection) -> list[str]:
    return [c["item"] for c in inspection.checklist]


def _complete_form(inspection) -> CompleteForm:
    return CompleteForm(data={"checks": [{"result": c.get("result"), "note": c.get("note")}
                                         for c in inspection.checklist]})


def _render(inspection, defect_form=None, complete_form=None, status: int = 200):
    me = user()
    is_open = inspection.status == "open"
    inspector = me.role in qc.INSPECTORS and is_open
    found = dict.fromkeys(DEFECT_CLASSES, 0)
    for d in inspection.defects:
        found[d.defect_class] += d.count
    capa = None
    if inspection.verdict == "rejected":
        capa = db.session.scalars(qc.capas_query(me, inspection.product_id).where(
            CorrectiveAction.inspection_id == inspection.id)).first()
    return render_template(
        "qc/inspection.html", inspection=inspection, product=inspection.purchase.product,
        plans=qc.plans_of(inspection), found=found, capa=capa,
        photos=qc.defect_photos(me, [d.id for d in inspection.defects]),
        defect_form=(defect_form or DefectForm(checklist=_items(inspection))) if inspector
        else None,
        complete_form=(complete_form or _complete_form(inspection)) if inspector else None,
        remove_form=CsrfOnlyForm() if inspector else None), status


@bp.get("/inspections/<int:inspection_id>")
@login_required
def inspection_detail(inspection_id: int):
    return _render(or_404(qc.get_inspection, user(), inspection_id))


def _back(inspection_id: int, anchor: str | None = None):
    return redirect(url_for("qc.inspection_detail", inspection_id=inspection_id,
                            _anchor=anchor))


@bp.post("/inspections/<int:inspection_id>/defects")
@login_required
def defect_add(inspection_id: int):
    inspection = or_404(qc.get_inspection, user(), inspection_id)
    form = DefectForm(checklist=_items(inspection))
    if not form.validate_on_submit():
        if form_expired(form):
            return _back(inspection_id)
        return _render(inspection, defect_form=form, status=422)
    data = {"defect_class": form.defect_class.data, "count": form.count.data,
            "description": form.description.data,
            "checklist_item": form.checklist_item.data or None}
    try:
        defect = qc.add_defect(user(), inspection_id, data, photos=uploads(form.photos))
    except NotFound:
        abort(404)
    except ServiceError as error:
        show_refusal(form, error, {"file": "photos"}, photos_only=True)
        return _render(or_404(qc.get_inspection, user(), inspection_id), defect_form=form,
                       status=422)
    flash(_("Defect #%(id)s logged.", id=defect.id), "success")
    return _back(inspection_id, "defects")


@bp.post("/defects/<int:defect_id>/delete")
@login_required
def defect_remove(defect_id: int):
    defect = db.session.get(InspectionDefect, defect_id)
    if defect is None:
        abort(404)
    inspection_id = or_404(qc.get_inspection, user(), defect.inspection_id).id
    form = CsrfOnlyForm()
    if form.validate_on_submit():
        try:
            qc.remove_defect(user(), defect_id)
        except NotFound:
            abort(404)
        except ServiceError as error:
            show_refusal(form, error)
        else:
            flash(_("Defect #%(id)s removed.", id=defect_id), "success")
    else:
        form_expired(form)
    return _back(inspection_id, "defects")


def _checklist(form: CompleteForm, items: list[str]) -> dict:
    entries = list(form.checks)
    return {item: {"result": entries[i].result.data if i < len(entries) else None,
                   "note": entries[i].note.data if i < len(entries) else None}
            for i, item in enumerate(items)}


def _checklist_errors(form: CompleteForm, items: list[str], error: ServiceError) -> None:
    """``checklist.<item>`` and ``checklist.<item>.note`` next to that item's row."""
    details = error.details if isinstance(error.details, dict) else {}
    entries = list(form.checks)
    for key, text in details.items():
        if not key.startswith("checklist."):
            continue
        item = key[len("checklist."):]
        name = "result"
        if item.endswith(".note"):
            item, name = item[:-len(".note")], "note"
        if item in items and items.index(item) < len(entries):
            field = entries[items.index(item)][name]
            field.errors = [*field.errors, str(text)]


@bp.post("/inspections/<int:inspection_id>/complete")
@login_required
def inspection_complete(inspection_id: int):
    inspection = or_404(qc.get_inspection, user(), inspection_id)
    items = _items(inspection)
    form = CompleteForm()
    if not form.validate_on_submit():
        if form_expired(form):
            return _back(inspection_id)
        return _render(inspection, complete_form=form, status=422)
    data = {"checklist": _checklist(form, items), "summary": form.summary.data,
            "internal_notes": form.internal_notes.data,
            "production_steady": bool(form.production_steady.data),
            "capa_due_on": form.capa_due_on.data}
    try:
        done = qc.complete_inspection(user(), inspection_id, data)
    except NotFound:
        abort(404)
    except (ServiceError, LifecycleError) as error:
        show_refusal(form, error)
        if isinstance(error, ServiceError):
            _checklist_errors(form, items, error)
        return _render(or_404(qc.get_inspection, user(), inspection_id), complete_form=form,
                       status=422)
    flash(_("Inspection completed: %(verdict)s.", verdict=VERDICT_LABELS[done.verdict]),
          "success")
    if done.consequence:
        flash(_("The product moved on: %(transition)s.",
                transition=TRANSITION_LABELS.get(done.consequence, done.consequence)),
              "warning")
    return _back(inspection_id)
