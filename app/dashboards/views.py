"""Views of the dashboards area (placeholder index; the area's owner replaces it)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required

from app.dashboards import bp


@bp.get("/")
@login_required
def index():
    if current_user.is_supplier:
        abort(404)
    abort(404)
