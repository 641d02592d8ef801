"""Views of the jobs area: one job's progress, error or file; the user's recent jobs."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import abort, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.downloads import send_download
from app.jobs import bp
from app.models import Job
from app.services import jobs as job_service
from app.services.errors import NotFound

#: The file response's own policy: nothing in a served file may load or run anything.

STATUS_LABELS = {"queued": _l("Queued"), "running": _l("Running"),
                 "succeeded": _l("Finished"), "failed": _l("Failed")}
STATUS_COLOURS = {"queued": "secondary", "running": "primary", "succeeded": "success",
                  "failed": "danger"}
KIND_LABELS = {"report": _l("PDF report"), "metrics_import": _l("Customer metrics import"),
               "elimination_sweep": _l("Elimination sweep"), "export": _l("Export")}
#: Progress steps the handlers report (English keys), as the user reads them.
STEP_LABELS = {"queued": _l("Waiting for a worker"), "started": _l("Starting"),
               "gather": _l("Gathering the records"), "render": _l("Writing the PDF"),
               "done": _l("Done"), "validate": _l("Checking every row"),
               "write": _l("Writing the figures"), "compare": _l("Comparing with the stored figures"),
               "load": _l("Loading the catalogue"), "evaluate": _l("Applying the rules"),
               "store": _l("Storing the candidates"), "standing": _l("Recomputing supplier standing")}
REPORT_KIND_LABELS = {"product": _l("Product dossier"), "supplier": _l("Supplier audit"),
                      "qc": _l("QC period report"), "inspection": _l("Inspection report")}
RECENT = 50


def job_title(job: Job) -> str:
    if job.kind == "report":
        kind = (job.params or {}).get("kind")
        return str(REPORT_KIND_LABELS.get(kind, KIND_LABELS["report"]))
    return str(KIND_LABELS.get(job.kind, job.kind))


def result_link(job: Job) -> tuple[str, str] | None:
    """Where a finished job's outcome lives, when it is a page rather than a file: the import
    (applied or refused: the import record keeps the errors) or the sweep's run."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import MetricImport

    result = job.result or {}
    if job.kind == "metrics_import":
        import_id = result.get("import_id") or db.session.scalar(
            select(MetricImport.id).where(MetricImport.job_id == job.id))
        if import_id:
            return str(_l("Open the import")), url_for("metrics.import_detail", import_id=import_id)
    if job.kind == "elimination_sweep" and result.get("run_id"):
        return str(_l("Open the sweep's candidates")), url_for("elimination.run_detail",
                                                                run_id=result["run_id"])
    return None


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "status_colours": STATUS_COLOURS,
            "step_labels": STEP_LABELS, "job_title": job_title, "result_link": result_link}


def send_job_file(path: Path):
    """A job's file as a download, shared with the API: never sniffed, never cached."""
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return send_download(path, mimetype, path.name)


@bp.get("/jobs")
@login_required
def job_list():
    jobs = job_service.list_jobs(current_user._get_current_object(), limit=RECENT)
    return render_template("jobs/list.html", jobs=jobs, **_labels())


@bp.get("/jobs/<int:job_id>")
@login_required
def job_detail(job_id: int):
    try:
        job = job_service.get_job(current_user._get_current_object(), job_id)
    except NotFound:
        abort(404)
    return render_template("jobs/job.html", job=job, **_labels())


@bp.get("/jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int):
    try:
        path = job_service.job_file(current_user._get_current_object(), job_id)
    except NotFound:
        abort(404)
    return send_job_file(path)
