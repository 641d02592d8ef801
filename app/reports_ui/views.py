"""Report pages: download a record's PDF, queue a QC period report, verify a report file."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.downloads import send_download
from app.i18n import current_language
from app.qc.common import form_expired, show_refusal, staff_only, user
from app.reports_ui import bp
from app.reports_ui.forms import QcReportForm, VerifyForm
from app.services.errors import NotFound, ServiceError
from app.services.jobs import enqueue
from app.services.reports import LANGUAGES
from app.services.reports.requests import generate_file, verify_upload

#: The page of a background job (app/jobs).
JOB_PAGE = "jobs.job_detail"
#: Service parameter names -> the QC form's fields.
QC_FIELDS = {"from": "date_from", "to": "date_to", "category_id": "category",
             "supplier_id": "supplier", "inspector_id": "inspector"}


def _pdf(kind: str, params: dict):
    """The report as a download, in ``?lang=`` or the UI's language; 404 when not visible."""
    language = request.args.get("lang") or current_language()
    if language not in LANGUAGES:
        abort(404)
    try:
        out, report = generate_file(user(), kind, params, language)
    except NotFound:
        abort(404)
    return send_download(out, "application/pdf", f"{report.report_id}.pdf")


@bp.get("/products/<int:product_id>/report.pdf")
@login_required
def product_report(product_id: int):
    return _pdf("product", {"product_id": product_id})


@bp.get("/inspections/<int:inspection_id>/report.pdf")
@login_required
def inspection_report(inspection_id: int):
    return _pdf("inspection", {"inspection_id": inspection_id})


@bp.get("/suppliers/<int:supplier_id>/report.pdf")
@login_required
def supplier_report(supplier_id: int):
    return _pdf("supplier", {"supplier_id": supplier_id})


@bp.route("/reports/qc", methods=["GET", "POST"])
@login_required
def qc_report():
    staff_only()
    form = QcReportForm(current_app.config["SIEVE_LANGUAGES"], current_language())
    if not form.validate_on_submit():
        if form.is_submitted() and not form_expired(form):
            return render_template("reports/qc.html", form=form), 422
        return render_template("reports/qc.html", form=form)
    try:
        job = enqueue(user(), "report", {"kind": "qc", "params": form.params(),
                                         "language": form.language.data})
    except ServiceError as error:
        show_refusal(form, error, QC_FIELDS)
        return render_template("reports/qc.html", form=form), 422
    flash(_("The QC period report is being generated; this page shows its progress."), "info")
    return redirect(url_for(JOB_PAGE, job_id=job.id))


@bp.route("/reports/verify", methods=["GET", "POST"])
@login_required
def verify():
    form = VerifyForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() and not form_expired(form) else 200
        return render_template("reports/verify.html", form=form), status
    upload = form.file.data
    try:
        manifest, result = verify_upload(user(), upload.stream)
    except NotFound:
        flash(_("No such report."), "danger")
        return render_template("reports/verify.html", form=form), 404
    status = 200 if manifest is not None else 422
    return render_template("reports/verify.html", form=form, manifest=manifest, result=result,
                           file_name=upload.filename), status
