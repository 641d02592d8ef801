"""The ``flask elimination`` commands."""

from __future__ import annotations

from flask.cli import AppGroup

elimination_cli = AppGroup("elimination", help="Run the elimination sweep and recompute supplier standing.")
