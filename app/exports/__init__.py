"""CSV and XLSX exports of every list, with formula-looking cells neutralised."""

from flask import Blueprint

bp = Blueprint("exports", __name__)

from app.exports import views  # noqa: E402,F401
