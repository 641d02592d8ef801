"""The ``flask standing`` commands."""

from __future__ import annotations

from flask.cli import AppGroup

standing_cli = AppGroup("standing", help="Compute and show supplier standing.")
