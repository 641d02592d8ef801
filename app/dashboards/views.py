"""Views of the dashboards area: the overview, four dashboards and their SVG charts.

Staff only (suppliers get 404). Every page and chart reads the same filters from the query
string (``category``, ``date_from``, ``date_to``, ``top``) and the same service figures, so a
chart and the data table under it always show the same numbers.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import Response, abort, current_app, flash, render_template, request
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
    "index": lambda actor, _filters: service.overview(actor),
    "pipeline": service.pipeline_dashboard,
    "qc": service.qc_dashboard,
    "catalogue": service.catalogue_dashboard,
    "suppliers": service.supplier_leaderboard,
}


#: The leaderboard page shows this many suppliers (the export has them all).
LEADERBOARD_ROWS = 50


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


def _figures(name: str, filters: service.DashboardFilters | None) -> dict:
    """The loader's figures, computed once per filters and ``SIEVE_DASHBOARD_CACHE_SECONDS``
    (default 60; 0 turns it off; off by default under TESTING) in this process: a dashboard
    and the charts it embeds share one computation, and the time-in-state statistics, which
    read every transition of the cohort, are not recomputed on each view."""
    seconds = current_app.config.get("SIEVE_DASHBOARD_CACHE_SECONDS",
                                     0 if current_app.testing else 60)
    if not seconds:
        return LOADERS[name](_user(), filters)
    cache = current_app.extensions.setdefault("sieve_dashboard_cache", {})
    key = (name, repr(sorted(filters.as_dict().items())) if filters else "")
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    data = LOADERS[name](_user(), filters)
    if len(cache) > 256:  # filters are user input: keep the cache bounded
        cache.clear()
    cache[key] = (now, data)
    return data


def _page(name: str, template: str):
    filters = _filters()
    data = _figures(name, filters)
    categories = db.session.scalars(select(Category).order_by(Category.name)).all()
    return render_template(
        template, data=data, filters=filters, args=filters.query_args(), dashboard=name,
        categories=categories, category_name=category_name, defect_label=defect_label,
        AGE_BUCKETS=AGE_BUCKETS, AGE_BUCKET_LABELS=AGE_BUCKET_LABELS,
        STANDING_LABELS=STANDING_LABELS, leaderboard_rows=LEADERBOARD_ROWS)


@bp.get("/")
@staff_only
def index():
    return render_template("dashboards/index.html", data=_figures("index", None),
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
    response = Response(draw(_figures(dashboard, filters)), mimetype=SVG_MIMETYPE)
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
