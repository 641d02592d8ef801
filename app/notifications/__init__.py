"""The notification list with unread counts (filled by the notifications work)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.notifications import views  # noqa: E402,F401
