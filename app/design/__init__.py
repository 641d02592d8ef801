"""Design iteration on the product page: rounds, feedback, answers, revisions, decisions."""

from flask import Blueprint

bp = Blueprint("design", __name__)

from app.design import views  # noqa: E402,F401
