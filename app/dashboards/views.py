"""Views of the dashboards area: the overview, four dashboards and their SVG charts.

Staff only (suppliers get 404). Every page and chart reads the same filters from the query
string (``category``, ``date_from``, ``date_to``, ``top``) and the same service figures, so a
chart and the data table under it always show the same numbers.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, abort, flash, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app.charts import SVG_CSP, SVG_MIMETYPE
from app.dashboards import bp
from app.dashboards.charts import (
    AGE_BUCKET_LABELS,
    CHARTS,
    STANDING_LABELS,
    category_name,
    defect_label,
)
from app.extensions import db
from app.models import Category
from app.services import dashboards as service
from app.services.errors import ValidationFailed
from app.ui import user_message
from workflows.dashboards import AGE_BUCKETS

LOADERS = {
    "pipeline": service.pipeline_dashboard,
    "qc": service.qc_dashboard,
    "catalogue": service.catalogue_dashboard,
    "suppliers": service.supplier_leaderboard,
}


def staff_only(view):
    """Signed-in staff only; for a supplier the dashboards do not exist."""
    @login_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_supplier:
            abort(404)
        return view(*args, **kwargs)
    return wrapper


def _user():
    return current_user._get_current_object()


def _filters(show_errors: bool = True) -> service.DashboardFilters:
    """The query string's filters; bad ones are reported and the defaults used instead."""
    try:
        return service.parse_filters(request.args)
    except ValidationFailed as error:
        if show_errors:
            flash(user_message(error), "danger")
        return service.parse_filters({})


def _page(name: str, template: str):
    filters = _filters()
    data = LOADERS[name](_user(), filters)
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    return render_template(
        template, data=data, filters=filters, args=filters.query_args(), dashboard=name,
        categories=categories, category_name=category_name, defect_label=defect_label,
        AGE_BUCKETS=AGE_BUCKETS, AGE_BUCKET_LABELS=AGE_BUCKET_LABELS,
        STANDING_LABELS=STANDING_LABELS)


@bp.get("/")
@staff_only
def index():
    return render_template("dashboards/index.html", data=service.overview(_user()),
                           dashboard="index", STANDING_LABELS=STANDING_LABELS)


@bp.get("/pipeline")
@staff_only
def pipeline():
    return _page("pipeline", "dashboards/pipeline.html")


@bp.get("/qc")
@staff_only
def qc():
    return _page("qc", "dashboards/qc.html")


@bp.get("/catalogue")
@staff_only
def catalogue():
    return _page("catalogue", "dashboards/catalogue.html")


@bp.get("/suppliers")
@staff_only
def suppliers():
    return _page("suppliers", "dashboards/suppliers.html")


@bp.get("/charts/<chart>.svg")
@staff_only
def chart(chart: str):
    if chart not in CHARTS:
        abort(404)
    try:
        filters = service.parse_filters(request.args)
    except ValidationFailed as error:
        return Response(error.message, status=400, mimetype="text/plain")
    dashboard, draw = CHARTS[chart]
    response = Response(draw(LOADERS[dashboard](_user(), filters)), mimetype=SVG_MIMETYPE)
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
