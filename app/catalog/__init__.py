"""The product pipeline: board, product list, product page, proposals and transitions."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from app.catalog import attachments, views  # noqa: E402,F401
