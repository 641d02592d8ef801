"""Views of the jobs area: one job's progress, error or file; the user's recent jobs."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import abort, render_template
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
KIND_LABELS = {"report": _l("PDF report")}
#: Progress steps the handlers report (English keys), as the user reads them.
STEP_LABELS = {"queued": _l("Waiting for a worker"), "started": _l("Starting"),
               "gather": _l("Gathering the records"), "render": _l("Writing the PDF"),
               "done": _l("Done")}
REPORT_KIND_LABELS = {"product": _l("Product dossier"), "supplier": _l("Supplier audit"),
                      "qc": _l("QC period report"), "inspection": _l("Inspection report")}
RECENT = 50


def job_title(job: Job) -> str:
    if job.kind == "report":
        kind = (job.params or {}).get("kind")
        return str(REPORT_KIND_LABELS.get(kind, KIND_LABELS["report"]))
    return str(KIND_LABELS.get(job.kind, job.kind))


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "status_colours": STATUS_COLOURS,
            "step_labels": STEP_LABELS, "job_title": job_title}


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
