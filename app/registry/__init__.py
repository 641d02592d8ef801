"""Suppliers (with certificates) and categories."""

from flask import Blueprint

bp = Blueprint("registry", __name__)

from app.registry import views  # noqa: E402,F401
