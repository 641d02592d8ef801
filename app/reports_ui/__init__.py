"""Report pages: PDF downloads of one record, the QC period report form, verifying a report."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from app.reports_ui import views  # noqa: E402,F401
