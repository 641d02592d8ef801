"""The JSON API under /api: bearer-token auth over the same services as the web UI."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import attachments, design, jobs, notifications, qc, reports, reviews, views  # noqa: E402,F401
