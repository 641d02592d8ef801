"""Elimination: sweeps, candidates with every rule's explanation, decisions, category rules."""

from flask import Blueprint

bp = Blueprint("elimination", __name__)

from app.elimination import views  # noqa: E402,F401
