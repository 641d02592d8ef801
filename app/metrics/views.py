"""Views of the metrics area: upload a file (run as a job), the imports, their errors, figures.

Staff read everything here; only selection managers and admins import; suppliers get 404.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.extensions import db
from app.limits import larger_body
from app.metrics import bp
from app.metrics.forms import ImportForm
from app.models import User
from app.services import jobs as job_service
from app.services import metrics
from app.services.errors import NotFound, ServiceError
from app.ui import user_message
from workflows.periods import PeriodError, parse_period

RECENT = 20
FIGURES_PER_PAGE = 50
STATUS_LABELS = {"running": _l("Running"), "applied": _l("Applied"), "refused": _l("Refused"),
                 "failed": _l("Failed")}
STATUS_COLOURS = {"running": "primary", "applied": "success", "refused": "danger",
                  "failed": "danger"}
SOURCE_LABELS = {"upload": _l("Upload"), "cli": _l("Command line"), "api": _l("API")}


def _user() -> User:
    return current_user._get_current_object()


def _staff() -> User:
    user = _user()
    if user.is_supplier:
        abort(404)
    return user


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "status_colours": STATUS_COLOURS,
            "source_labels": SOURCE_LABELS}


@bp.get("/")
@login_required
def index():
    user = _staff()
    form = ImportForm() if metrics.may_import(user) else None
    return render_template("metrics/index.html", form=form, imports=metrics.list_imports(
        user, RECENT), columns=metrics.COLUMNS, column_help=metrics.COLUMN_HELP,
        max_mb=current_app.config["SIEVE_METRICS_MAX_BYTES"] // (1024 * 1024), **_labels())


@bp.post("/imports")
@larger_body("SIEVE_METRICS_MAX_BYTES")
@login_required
def upload():
    user = _staff()
    if not metrics.may_import(user):
        abort(403)
    form = ImportForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(url_for("metrics.index"))
    upload_file = form.file.data
    try:
        token = metrics.save_upload(user, upload_file.stream, upload_file.filename or "")
    except ServiceError as error:
        flash(user_message(error), "danger")
        return redirect(url_for("metrics.index"))
    try:
        job = job_service.enqueue(user, "metrics_import", {
            "upload": token, "filename": upload_file.filename,
            "replace_periods": bool(form.replace_periods.data), "source": "upload"})
    except BaseException:
        metrics.discard_upload(token)
        raise
    flash(_("The file is being imported; this page shows how far it got."), "info")
    return redirect(url_for("jobs.job_detail", job_id=job.id))


def _import_or_404(import_id: int):
    try:
        return metrics.get_import(_staff(), import_id)
    except NotFound:
        abort(404)


@bp.get("/imports/<int:import_id>")
@login_required
def import_detail(import_id: int):
    record = _import_or_404(import_id)
    return render_template("metrics/import.html", record=record,
                           problems=[(metrics.location(record, e), e)
                                     for e in record.errors or []], **_labels())


@bp.get("/imports/<int:import_id>/errors.csv")
@login_required
def import_errors(import_id: int):
    record = _import_or_404(import_id)
    return _csv(metrics.errors_csv(record), f"metric-import-{record.id}-errors.csv")


@bp.get("/jobs/<int:job_id>")
@login_required
def import_of_job(job_id: int):
    """The import a ``metrics_import`` job made (a link for the job page)."""
    user = _staff()
    try:
        job_service.get_job(user, job_id)
    except NotFound:
        abort(404)
    record = db.session.scalar(metrics.imports_query(user, job_id=job_id).limit(1))
    if record is None:
        abort(404)
    return redirect(url_for("metrics.import_detail", import_id=record.id))


def _csv(text: str, name: str) -> Response:
    response = Response("\ufeff" + text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/template.csv")
@login_required
def template_csv():
    _staff()
    return _csv(metrics.template_csv(), "sieve-metrics-template.csv")


@bp.get("/template.xlsx")
@login_required
def template_xlsx():
    _staff()
    response = Response(metrics.template_xlsx(), mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response.headers["Content-Disposition"] = 'attachment; filename="sieve-metrics-template.xlsx"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/figures")
@login_required
def figures():
    user = _staff()
    args = {"product_id": request.args.get("product_id", "").strip(),
            "period": request.args.get("period", "").strip()}
    product_id, period, problem = None, None, None
    if args["product_id"]:
        if args["product_id"].isdigit() and len(args["product_id"]) < 10:
            product_id = int(args["product_id"])
        else:
            problem = _("Product: give a product id (a whole number).")
    if args["period"]:
        try:
            period = str(parse_period(args["period"]))
        except PeriodError as error:
            problem = str(error)
    page = None
    if problem is None:
        try:
            query = metrics.figures_query(user, product_id, period)
        except NotFound:
            problem = _("No product %(id)s.", id=product_id)
        else:
            number = min(max(1, request.args.get("page", 1, type=int)), 100_000)
            page = db.paginate(query, page=number,
                               per_page=FIGURES_PER_PAGE, error_out=False)
    return render_template("metrics/figures.html", page=page, args=args, problem=problem)
