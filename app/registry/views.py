"""Views of the registry area: suppliers for everyone (suppliers see only themselves), categories."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.extensions import db
from app.forms import select_choices
from app.models import Category, Product, Supplier
from app.models.base import MAX_ID
from app.models.suppliers import STANDINGS, SUPPLIER_STATUSES
from app.registry import bp
from app.registry.forms import (
    CategoryForm,
    CertificateForm,
    ClearOverrideForm,
    RecomputeStandingForm,
    StandingOverrideForm,
    SupplierForm,
)
from app.registry.standing import STANDING_COLOURS, STANDING_LABELS, standing_context
from app.services import registry, standing
from app.services.errors import NotFound, ServiceError
from app.services.visibility import get_visible_supplier, visible_suppliers
from app.ui import SUPPLIER_STATUS_LABELS, money, user_message
from workflows.inspection import DEFAULT_CHECKLIST
from workflows.lifecycle import OCCUPIES_SKU_SLOT

EDITORS = ("admin", "selection_manager")


def _user():
    return current_user._get_current_object()


def _require_editor():
    if _user().role not in EDITORS:
        abort(403)


@bp.get("/suppliers")
@login_required
def supplier_list():
    query = visible_suppliers(_user())
    chosen = request.args.get("standing") or ""
    if chosen in STANDINGS:
        query = query.where(Supplier.standing == chosen)
    elif chosen == "none":  # not computed yet
        query = query.where(Supplier.standing.is_(None))
    else:
        chosen = ""
    per_page = current_app.config["SIEVE_PAGE_SIZE"]
    number = request.args.get("page", 1, type=int)
    number = number if 1 <= number <= MAX_ID // per_page else 1
    page = db.paginate(query.order_by(Supplier.id), page=number, per_page=per_page,
                       error_out=False)
    suppliers = page.items
    counts = dict(db.session.execute(
        select(Product.supplier_id, func.count())
        .where(Product.supplier_id.in_([s.id for s in suppliers]))
        .group_by(Product.supplier_id)).all())
    return render_template("registry/suppliers.html", suppliers=suppliers, counts=counts,
                           page=page, args={"standing": chosen} if chosen else {},
                           chosen_standing=chosen, STANDINGS=STANDINGS,
                           STANDING_LABELS=STANDING_LABELS, STANDING_COLOURS=STANDING_COLOURS)


@bp.get("/suppliers/<int:supplier_id>")
@login_required
def supplier_detail(supplier_id: int):
    try:
        supplier = get_visible_supplier(_user(), supplier_id)
    except NotFound:
        abort(404)
    form = CertificateForm() if _user().role in EDITORS else None
    managing = _user().role in standing.RECOMPUTE_ROLES
    from datetime import date

    return render_template("registry/supplier.html", supplier=supplier, cert_form=form,
                           today=date.today(),
                           recompute_form=RecomputeStandingForm() if managing else None,
                           override_form=_override_form() if managing else None,
                           clear_form=ClearOverrideForm(prefix="clear") if managing else None,
                           **standing_context(_user(), supplier.id))


def _override_form() -> StandingOverrideForm:
    form = StandingOverrideForm(prefix="override")
    form.standing.choices = select_choices((s, STANDING_LABELS[s]) for s in STANDINGS)
    return form


def _standing_manager(supplier_id: int) -> None:
    get_visible_supplier(_user(), supplier_id)  # 404 before 403
    if _user().role not in standing.RECOMPUTE_ROLES:
        abort(403)


@bp.post("/suppliers/<int:supplier_id>/standing/override")
@login_required
def standing_override(supplier_id: int):
    _standing_manager(supplier_id)
    form = _override_form()
    if form.validate_on_submit():
        try:
            standing.set_override(_user(), supplier_id, form.standing.data, form.reason.data)
        except ServiceError as error:
            flash(user_message(error), "danger")
        else:
            flash(_("Standing overridden: it holds until the override is cleared."), "success")
    else:
        flash("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in form.errors.items()),
              "danger")
    return redirect(url_for("registry.supplier_detail", supplier_id=supplier_id))


@bp.post("/suppliers/<int:supplier_id>/standing/override/clear")
@login_required
def standing_override_clear(supplier_id: int):
    _standing_manager(supplier_id)
    form = ClearOverrideForm(prefix="clear")
    if form.validate_on_submit():
        try:
            standing.clear_override(_user(), supplier_id, form.reason.data)
        except ServiceError as error:
            flash(user_message(error), "danger")
        else:
            flash(_("Override cleared: the standing follows the figures again."), "success")
    else:
        flash("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in form.errors.items()),
              "danger")
    return redirect(url_for("registry.supplier_detail", supplier_id=supplier_id))


@bp.post("/suppliers/<int:supplier_id>/standing/recompute")
@login_required
def standing_recompute(supplier_id: int):
    _standing_manager(supplier_id)
    form = RecomputeStandingForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete or expired; please try again."), "danger")
    else:
        try:
            result = standing.recompute_supplier(_user(), supplier_id)
        except ServiceError as error:
            flash(user_message(error), "danger")
        else:
            label = STANDING_LABELS.get(result["standing"], result["standing"])
            if result["changed"]:
                flash(_("Standing recomputed: now %(standing)s.", standing=label), "success")
            else:
                flash(_("Standing recomputed: unchanged (%(standing)s).", standing=label), "info")
    return redirect(url_for("registry.supplier_detail", supplier_id=supplier_id))


@bp.route("/suppliers/new", methods=["GET", "POST"])
@bp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@login_required
def supplier_edit(supplier_id: int | None = None):
    supplier = None
    if supplier_id is not None:  # 404 before 403: a supplier learns nothing of another's id
        supplier = get_visible_supplier(_user(), supplier_id)
    _require_editor()
    form = SupplierForm(obj=supplier)
    form.status.choices = select_choices(
        (s, SUPPLIER_STATUS_LABELS[s]) for s in SUPPLIER_STATUSES)
    if form.validate_on_submit():
        fields = {k: getattr(form, k).data for k in registry.SUPPLIER_FIELDS}
        try:
            if supplier is None:
                supplier = registry.create_supplier(_user(), fields)
            else:
                registry.update_supplier(_user(), supplier.id, fields)
        except ServiceError as error:
            flash(user_message(error), "danger")
        else:
            flash(_("Supplier saved."), "success")
            return redirect(url_for("registry.supplier_detail", supplier_id=supplier.id))
    return render_template("registry/supplier_form.html", form=form, supplier=supplier)


@bp.post("/suppliers/<int:supplier_id>/certificates")
@login_required
def certificate_add(supplier_id: int):
    get_visible_supplier(_user(), supplier_id)  # 404 before 403
    _require_editor()
    form = CertificateForm()
    if form.validate_on_submit():
        try:
            registry.add_certificate(_user(), supplier_id, {
                k: getattr(form, k).data for k in ("standard_code", "title", "number", "expires_on")})
        except NotFound:
            abort(404)
        except ServiceError as error:
            flash(user_message(error), "danger")
        else:
            flash(_("Certificate added."), "success")
    else:
        flash("; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()), "danger")
    return redirect(url_for("registry.supplier_detail", supplier_id=supplier_id))


@bp.get("/categories")
@login_required
def category_list():
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    used = {}
    if not _user().is_supplier:  # other suppliers' listings are not a supplier's business
        used = dict(db.session.execute(
            select(Product.category_id, func.count())
            .where(Product.state.in_([s.value for s in OCCUPIES_SKU_SLOT]))
            .group_by(Product.category_id)).all())
    return render_template("registry/categories.html", categories=categories, used=used)


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@login_required
def category_edit(category_id: int | None = None):
    _require_editor()
    category = db.session.get(Category, category_id) if category_id is not None else None
    if category_id is not None and category is None:
        abort(404)
    form = CategoryForm(obj=category, data=_qc_form_data(category))
    form.parent_id.choices = select_choices([(0, "—")] + [
        (c.id, c.display_name) for c in db.session.scalars(select(Category).order_by(Category.name))
        if category is None or c.id != category.id
    ])
    if request.method == "GET" and category is not None:
        form.parent_id.data = category.parent_id or 0
    if form.validate_on_submit():
        fields = _category_fields(form)
        try:
            if category is None:
                category = registry.create_category(_user(), fields)
            else:
                registry.update_category(_user(), category.id, fields)
        except ServiceError as error:
            flash(user_message(error), "danger")
            _show_details(form, error)
        else:
            flash(_("Category saved."), "success")
            return redirect(url_for("registry.category_list"))
    return render_template("registry/category_form.html", form=form, category=category)


#: Service field -> form field, where they differ.
_CATEGORY_FORM_FIELDS = {"qc_checklist": "checklist_text",
                         "required_certificates": "certificates_text"}


def _qc_form_data(category: Category | None) -> dict:
    """What the form shows for the settings not named like their column."""
    if category is None:
        return {"checklist_text": "\n".join(DEFAULT_CHECKLIST)}
    return {"qc_monthly_budget": money(category.qc_monthly_budget_cents),
            "checklist_text": "\n".join(category.qc_checklist or []),
            "certificates_text": "\n".join(category.required_certificates or [])}


def _category_fields(form: CategoryForm) -> dict:
    fields = {k: form[_CATEGORY_FORM_FIELDS.get(k, k)].data for k in registry.CATEGORY_FIELDS}
    fields["parent_id"] = fields["parent_id"] or None
    fields["selection_threshold"] = float(fields["selection_threshold"])
    return fields


def _show_details(form, error: ServiceError) -> None:
    """A refusal's per-field details next to the fields they are about."""
    for key, message in (error.details if isinstance(error.details, dict) else {}).items():
        name = _CATEGORY_FORM_FIELDS.get(key, key)
        if name in form:
            form[name].errors = [*form[name].errors, str(message)]
