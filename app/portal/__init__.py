"""The supplier portal: a supplier's own products, what is open and what to do next."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from app.portal import views  # noqa: E402,F401
