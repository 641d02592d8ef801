"""QC pages: the overview, sample purchases, and the QC section of the product page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from app.extensions import db
from app.models import CorrectiveAction, Product
from app.qc import bp
from app.qc.common import (
    form_expired,
    or_404,
    show_refusal,
    staff_only,
    uploads,
    user,
    visible_product,
)
from app.qc.forms import (
    InspectionStartForm,
    PurchaseForm,
    ReducedApprovalForm,
    ReimbursementForm,
    utc_today,
)
from app.registry.forms import aql_text
from app.services import qc
from app.services.errors import NotFound, ServiceError
from app.ui import INSPECTION_SEVERITY_LABELS, REIMBURSEMENT_LABELS
from workflows import capa as capa_rules
from workflows.inspection import DEFECT_CLASSES, KINDS, POST_LISTING_STATES, kind_allowed
from workflows.lifecycle import LifecycleError

RECENT = 20
#: Purchase form fields the service takes as they are.
PURCHASE_FIELDS = ("kind", "channel", "store_name", "order_number", "quantity", "unit_price",
                   "total", "currency", "batch_code", "notes")


@bp.app_template_global()
def capa_overdue(request_: CorrectiveAction) -> bool:
    return qc.is_overdue(request_)


# --- overview ------------------------------------------------------------------------------------

@bp.get("/qc/")
@login_required
def overview():
    staff_only()
    reimbursement = request.args.get("reimbursement")
    if reimbursement not in REIMBURSEMENT_LABELS:
        reimbursement = None
    purchases = db.session.scalars(
        qc.purchases_query(reimbursement=reimbursement).limit(RECENT)).all()
    inspections = db.session.scalars(qc.inspections_query().limit(RECENT)).all()
    unresolved = qc.capas_query(user()).where(
        CorrectiveAction.status.in_(sorted(capa_rules.UNRESOLVED)))
    capas = db.session.scalars(unresolved.limit(RECENT)).all()
    capa_total = db.session.scalar(select(func.count()).select_from(
        unresolved.order_by(None).subquery()))
    return render_template("qc/overview.html", purchases=purchases, inspections=inspections,
                           capas=capas, capa_total=capa_total,
                           budgets=qc.budget_overview(db.session),
                           reimbursement=reimbursement)


# --- purchases -----------------------------------------------------------------------------------

def _may_buy(product: Product) -> bool:
    return user().role in qc.INSPECTORS and any(
        kind_allowed(kind, product.state) is None for kind in KINDS)


@bp.route("/products/<int:product_id>/purchases/new", methods=["GET", "POST"])
@login_required
def purchase_new(product_id: int):
    staff_only()
    product = visible_product(product_id)
    if user().role not in qc.INSPECTORS:
        abort(403)
    form = PurchaseForm()
    if request.method == "GET":
        wanted = request.args.get("kind")
        form.kind.data = wanted if wanted in KINDS else (
            "pre_listing" if product.state == "sampling" else "routine")
    status = 200
    if form.validate_on_submit():
        data = {key: form[key].data for key in PURCHASE_FIELDS}
        data["purchased_on"] = form.purchased_on.data
        receipts = uploads(form.receipt)
        try:
            purchase = qc.create_purchase(user(), product_id, data,
                                          receipt=receipts[0] if receipts else None)
        except NotFound:
            abort(404)
        except ServiceError as error:
            show_refusal(form, error, {"file": "receipt"})
            status = 422
        else:
            flash(_("Purchase #%(id)s logged.", id=purchase.id), "success")
            return redirect(url_for("qc.purchase_detail", purchase_id=purchase.id))
    elif request.method == "POST" and not form_expired(form):
        status = 422
    return render_template("qc/purchase_form.html", form=form, product=product), status


def _start_form(purchase) -> InspectionStartForm:
    """The form prefilled with the category's level and AQLs."""
    category = purchase.product.category
    aqls = qc.category_aqls(category)
    defaults = {"level": category.inspection_level if category else "II",
                **{f"aql_{c}": aql_text(aqls[c]) for c in DEFECT_CLASSES}}
    return InspectionStartForm(formdata=None, data=defaults)


def _render_purchase(purchase, start_form=None, status: int = 200):
    product = purchase.product
    preview = severity = None
    if purchase.inspection is None and user().role in qc.INSPECTORS:
        start_form = start_form or _start_form(purchase)
        severity = qc.severity_for(db.session, product, purchase.kind)
        if start_form.lot_size.data and not any(start_form.errors.values()):
            try:
                preview = qc.preview_plans(product.category, start_form.lot_size.data,
                                           start_form.level.data, _aqls(start_form), severity[0])
            except ServiceError as error:
                show_refusal(start_form, error)
    next_status = {"submitted": "approved", "approved": "paid"}.get(purchase.reimbursement_status)
    may_reimburse = (user().role in qc.MANAGERS and purchase.purchaser_id != user().id
                     and next_status is not None)
    return render_template(
        "qc/purchase.html", purchase=purchase, product=product,
        receipts=qc.record_files(user(), "receipt", purchase.id),
        budget=qc.budget_status(db.session, product.category_id, purchase.purchased_on),
        start_form=start_form if purchase.inspection is None else None,
        severity=severity, preview=preview,
        draw=max(p.sample_size for p in preview) if preview else None,
        reimbursement_form=ReimbursementForm() if may_reimburse else None,
        next_reimbursement=next_status), status


def _aqls(form: InspectionStartForm) -> dict[str, str]:
    return {c: form[f"aql_{c}"].data for c in DEFECT_CLASSES}


@bp.get("/purchases/<int:purchase_id>")
@login_required
def purchase_detail(purchase_id: int):
    return _render_purchase(or_404(qc.get_purchase, user(), purchase_id))


@bp.post("/purchases/<int:purchase_id>/reimbursement")
@login_required
def purchase_reimbursement(purchase_id: int):
    purchase = or_404(qc.get_purchase, user(), purchase_id)
    form = ReimbursementForm()
    if form.validate_on_submit():
        try:
            qc.set_reimbursement(user(), purchase.id, form.status.data)
        except ServiceError as error:
            show_refusal(form, error)
        else:
            flash(_("Reimbursement: %(status)s.",
                    status=REIMBURSEMENT_LABELS.get(form.status.data, form.status.data)),
                  "success")
    else:
        form_expired(form)
    return redirect(url_for("qc.purchase_detail", purchase_id=purchase_id))


@bp.post("/purchases/<int:purchase_id>/inspection")
@login_required
def inspection_start(purchase_id: int):
    purchase = or_404(qc.get_purchase, user(), purchase_id)
    form = InspectionStartForm()
    if not form.validate_on_submit():
        if form_expired(form):
            return redirect(url_for("qc.purchase_detail", purchase_id=purchase_id))
        return _render_purchase(purchase, form, 422)
    if form.preview.data:  # "Show the plan": nothing is stored
        return _render_purchase(purchase, form)
    try:
        inspection = qc.open_inspection(user(), purchase.id, {
            "lot_size": form.lot_size.data, "level": form.level.data, "aql": _aqls(form)})
    except NotFound:
        abort(404)
    except ServiceError as error:
        show_refusal(form, error)
        return _render_purchase(purchase, form, 422)
    flash(_("Inspection #%(id)s started.", id=inspection.id), "success")
    return redirect(url_for("qc.inspection_detail", inspection_id=inspection.id))


# --- the product page ---------------------------------------------------------------------------

@bp.post("/products/<int:product_id>/reduced-inspection")
@login_required
def reduced_approval(product_id: int):
    visible_product(product_id)
    form = ReducedApprovalForm()
    if form.validate_on_submit():
        approved = form.approved.data == "1"
        try:
            qc.set_reduced_approval(user(), product_id, approved)
        except NotFound:
            abort(404)
        except (ServiceError, LifecycleError) as error:
            show_refusal(form, error)
        else:
            flash(_("Reduced inspection approved.") if approved
                  else _("Approval of reduced inspection withdrawn."), "success")
    else:
        form_expired(form)
    return redirect(url_for("catalog.product_detail", product_id=product_id, _anchor="qc"))


def qc_context(product: Product) -> dict:
    """What the product page's QC section needs (templates/qc/_product_section.html): the
    current severity and why, inspections with verdicts, corrective actions; for a supplier
    only its completed inspections and its own requests, never purchases."""
    me = user()
    inspections = db.session.scalars(qc.visible_inspections(me, product.id)).all()
    capas = db.session.scalars(qc.capas_query(me, product.id)).all()
    post_listing = product.state in POST_LISTING_STATES
    shown = bool(inspections or capas or post_listing or product.state == "sampling")
    if not shown:
        return {"qc_shown": False}
    state = qc.switching_state(db.session, product.id) if post_listing else None
    pending = []
    if not me.is_supplier:
        pending = [p for p in db.session.scalars(qc.purchases_query(product_id=product.id))
                   if p.inspection is None]
    managers = me.role in qc.MANAGERS and post_listing
    return {
        "qc_shown": True,
        "qc_state": state,
        "qc_severity_label": INSPECTION_SEVERITY_LABELS.get(state.severity) if state else None,
        "qc_inspections": inspections,
        "qc_capas": capas,
        "qc_pending": pending,
        "qc_may_buy": _may_buy(product),
        "qc_reduced_form": ReducedApprovalForm() if managers else None,
    }


@bp.app_template_global()
def utc_date_today():
    return utc_today()
