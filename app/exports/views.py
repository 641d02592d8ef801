"""Views of the exports area."""

from __future__ import annotations

from app.exports import bp  # noqa: F401
