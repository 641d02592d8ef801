"""Views of the exports area: ``/exports/<dataset>.<fmt>`` with the list page's query arguments."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.exports import bp
from app.exports.responses import export_response
from app.extensions import db
from app.services import exports as export_service
from app.services import jobs
from app.services.errors import NotFound, ServiceError
from app.ui import user_message


@bp.get("/<dataset>.<fmt>")
@login_required
def export(dataset: str, fmt: str):
    """Every signed-in role may export what it may list; the service applies visibility (a
    supplier gets 404 for staff-only datasets and for another supplier's ids)."""
    try:
        prepared = export_service.prepare_export(current_user._get_current_object(), dataset,
                                                 fmt, request.args)
    except NotFound:
        abort(404)
    except ServiceError as error:
        return render_template("exports/refused.html", message=user_message(error),
                               details=error.details or {}), error.status
    if fmt == "xlsx" and _rows(prepared) > current_app.config["SIEVE_EXPORT_INLINE_ROWS"]:
        # A workbook of tens of thousands of rows takes openpyxl many seconds: a job writes it
        # (with a progress bar) instead of holding the request open.
        filters = {key: value for key, value in request.args.items() if value != ""}
        job = jobs.enqueue(current_user._get_current_object(), "export",
                           {"dataset": dataset, "format": fmt, "filters": filters})
        return redirect(url_for("jobs.job_detail", job_id=job.id))
    return export_response(prepared)


def _rows(prepared) -> int:
    return db.session.scalar(select(func.count()).select_from(prepared.query.subquery())) or 0
