"""Managers' dashboards: pipeline funnel, QC, SKU caps, corrective actions, suppliers; server-rendered SVG charts."""

from flask import Blueprint

bp = Blueprint("dashboards", __name__)

from app.dashboards import views  # noqa: E402,F401
