"""The JSON API under /api: bearer-token auth over the same services as the web UI."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import (  # noqa: E402,F401
    attachments,
    dashboards,
    design,
    elimination,
    exports,
    jobs,
    metrics,
    notifications,
    qc,
    reports,
    reviews,
    standing,
    views,
)
