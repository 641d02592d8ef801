"""Selection review: reviewers' scorecards on the product page, and category scorecard editing."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from app.review import views  # noqa: E402,F401
