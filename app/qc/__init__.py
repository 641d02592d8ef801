"""Quality control pages: sample purchases, inspections, corrective actions, the QC overview."""

from flask import Blueprint

bp = Blueprint("qc", __name__)

from app.qc import capa, inspections, views  # noqa: E402,F401
