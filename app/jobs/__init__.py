"""Pages of background jobs: progress while they run, then the error or the file."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from app.jobs import views  # noqa: E402,F401
