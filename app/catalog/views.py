"""Views of the catalog area."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.catalog import bp
from app.catalog.attachments import attachment_context
from app.catalog.forms import LINE_KEYS, ProductForm, TransitionForm, items_to_lines, lines_to_items
from app.design.views import design_context
from app.extensions import db
from app.forms import select_choices
from app.models import Category, Product, Supplier
from app.models.base import MAX_ID
from app.qc.views import qc_context
from app.review.forms import review_form_class
from app.services import design as design_service
from app.services import lifecycle as lifecycle_service
from app.services import products as product_service
from app.services import qc as qc_service
from app.services import reviews, scorecards
from app.services.audit import decoded_changes
from app.services.errors import NotFound, ServiceError
from app.services.proposal_details import CURRENCIES, cents_to_amount
from app.services.search import product_matches
from app.services.visibility import (
    get_visible_product,
    product_events_for,
    visible_products,
    visible_suppliers,
)
from app.ui import TRANSITION_LABELS, user_message
from workflows.lifecycle import LifecycleError, State

BOARD_CARDS_PER_STATE = 8
#: The products list offers a supplier drop-down up to this many suppliers.
SUPPLIER_CHOICES_MAX = 100


def _user():
    return current_user._get_current_object()


def _product_or_404(product_id: int) -> Product:
    try:
        return get_visible_product(_user(), product_id)
    except NotFound:
        abort(404)


@bp.get("/")
@login_required
def index():
    if _user().is_supplier:
        return redirect(url_for("portal.portal"))
    return redirect(url_for("catalog.board"))


@bp.get("/board")
@login_required
def board():
    base = visible_products(_user()).subquery()
    counts = dict(db.session.execute(select(base.c.state, func.count()).group_by(base.c.state)).all())
    columns = []
    for state in State:
        cards = db.session.scalars(
            visible_products(_user())
            .where(Product.state == state.value)
            .order_by(Product.state_changed_at, Product.id)
            .limit(BOARD_CARDS_PER_STATE)
        ).all()
        columns.append({"state": state.value, "count": counts.get(state.value, 0), "cards": cards})
    in_design = [c.id for col in columns if col["state"] == State.IN_DESIGN for c in col["cards"]]
    shown = [c.id for col in columns for c in col["cards"]]
    return render_template("catalog/board.html", columns=columns, total=sum(counts.values()),
                           stale=design_service.stale_product_ids(db.session, in_design),
                           overdue=qc_service.overdue_product_ids(db.session, shown))


def _filtered_products():
    query = visible_products(_user())
    q = request.args.get("q", "").strip()
    if q:  # names, SKU code and the supplier's names
        query = query.where(product_matches(q))
    state = request.args.get("state", "")
    if state in {s.value for s in State}:
        query = query.where(Product.state == state)
    for arg, column in (("category_id", Product.category_id), ("supplier_id", Product.supplier_id)):
        value = request.args.get(arg, type=int)
        if value and 0 < value <= MAX_ID:
            query = query.where(column == value)
    return query.order_by(Product.id.desc())


@bp.get("/products")
@login_required
def product_list():
    per_page = current_app.config["SIEVE_PAGE_SIZE"]
    number = request.args.get("page", 1, type=int)
    number = number if 1 <= number <= MAX_ID // per_page else 1
    page = db.paginate(_filtered_products(), page=number, per_page=per_page, error_out=False)
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    suppliers, chosen = None, None
    if not _user().is_supplier:
        # A drop-down of every supplier would grow with the registry: past a hundred, the
        # search box (which matches supplier names) replaces it.
        suppliers = db.session.execute(
            select(Supplier.id, Supplier.name).order_by(Supplier.name)
            .limit(SUPPLIER_CHOICES_MAX + 1)).all()
        suppliers = suppliers if len(suppliers) <= SUPPLIER_CHOICES_MAX else None
        chosen_id = request.args.get("supplier_id", type=int)
        if chosen_id and 0 < chosen_id <= MAX_ID:
            chosen = db.session.execute(select(Supplier.id, Supplier.name)
                                        .where(Supplier.id == chosen_id)).first()
    return render_template("catalog/products.html", page=page, categories=categories,
                           suppliers=suppliers, chosen_supplier=chosen, args=request.args)


@bp.get("/products/<int:product_id>")
@login_required
def product_detail(product_id: int):
    product = _product_or_404(product_id)
    transitions = lifecycle_service.available_transitions(db.session, _user(), product)
    events = product_events_for(_user(), product)
    panel = reviews.review_panel(db.session, _user(), product)
    criteria = scorecards.criteria_for_panel(db.session, product, panel)
    return render_template(
        "catalog/product.html", product=product, transitions=transitions,
        panel=panel, criteria=criteria, **attachment_context(product), **design_context(product),
        **qc_context(product),
        review_form=review_form_class(criteria)() if panel.can_submit else None,
        events=[(e, decoded_changes(e)) for e in events],
        form_for=lambda t: TransitionForm(transition=t["name"], version=product.version),
        can_edit=product.state == State.DRAFT and _user().role in ("supplier", "admin", "selection_manager"),
    )


@bp.post("/products/<int:product_id>/transitions")
@login_required
def product_transition(product_id: int):
    _product_or_404(product_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete or expired; please try again."), "danger")
        return redirect(url_for("catalog.product_detail", product_id=product_id))
    try:
        lifecycle_service.apply_transition(
            _user(), product_id, form.transition.data, form.reason.data, form.version.data,
            form.listing_details(),
        )
    except NotFound:
        abort(404)
    except (ServiceError, LifecycleError) as error:
        flash(user_message(error), "danger")
    else:
        label = TRANSITION_LABELS.get(form.transition.data, form.transition.data)
        flash(_("Done: %(transition)s.", transition=label), "success")
    return redirect(url_for("catalog.product_detail", product_id=product_id))


def _fill_choices(form: ProductForm) -> None:
    form.category_id.choices = select_choices([(0, "—")] + [
        (c.id, c.display_name) for c in db.session.scalars(select(Category).order_by(Category.name))
    ])
    form.supplier_id.choices = select_choices(
        (s.id, s.display_name) for s in db.session.scalars(visible_suppliers(_user()))
    )
    form.currency.choices = select_choices((c, c) for c in CURRENCIES)


def _form_fields(form: ProductForm) -> dict:
    fields = {k: getattr(form, k).data for k in ("name_zh", "name_en", "sku_code", "description",
                                                   "target_price", "unit_cost", "currency",
                                                   "monthly_capacity")}
    fields["category_id"] = form.category_id.data or None
    for name in LINE_KEYS:
        fields[name] = lines_to_items(name, getattr(form, name).data)
    return fields


def _fill_from_product(form: ProductForm, product: Product) -> None:
    form.category_id.data = product.category_id or 0
    form.version.data = product.version
    form.target_price.data = cents_to_amount(product.target_price_cents) or ""
    form.unit_cost.data = cents_to_amount(product.unit_cost_cents) or ""
    form.monthly_capacity.data = str(product.monthly_capacity or "")
    for name in LINE_KEYS:
        getattr(form, name).data = items_to_lines(name, getattr(product, name))


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def product_new():
    if _user().role not in ("supplier", "admin", "selection_manager"):
        abort(403)
    form = ProductForm()
    _fill_choices(form)
    if form.validate_on_submit():
        fields = _form_fields(form)
        if not _user().is_supplier:
            fields["supplier_id"] = form.supplier_id.data
        try:
            product = product_service.create_product(_user(), fields)
        except ServiceError as error:
            flash(user_message(error), "danger")
        else:
            flash(_("Draft saved."), "success")
            return redirect(url_for("catalog.product_detail", product_id=product.id))
    return render_template("catalog/product_form.html", form=form, product=None)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def product_edit(product_id: int):
    product = _product_or_404(product_id)
    if _user().role not in ("supplier", "admin", "selection_manager"):
        abort(403)
    if product.state != State.DRAFT:
        flash(_("Only a draft can be edited; this product is past that stage."), "warning")
        return redirect(url_for("catalog.product_detail", product_id=product_id))
    form = ProductForm(obj=product) if request.method == "GET" else ProductForm()
    _fill_choices(form)
    if request.method == "GET":
        _fill_from_product(form, product)
    if form.validate_on_submit():
        try:
            raw = form.version.data or ""
            version = int(raw) if raw.isdigit() and len(raw) < 10 else 0  # tampered: stale
            product_service.update_product(_user(), product_id, _form_fields(form), version)
        except ServiceError as error:
            flash(user_message(error), "danger")
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("catalog.product_detail", product_id=product_id))
    return render_template("catalog/product_form.html", form=form, product=product)
