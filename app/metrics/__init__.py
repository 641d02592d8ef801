"""Customer metrics: imports (upload, progress, what changed, error report) and the figures."""

from flask import Blueprint

bp = Blueprint("metrics", __name__)

from app.metrics import views  # noqa: E402,F401
