"""The ``flask metrics`` commands."""

from __future__ import annotations

from flask.cli import AppGroup

metrics_cli = AppGroup("metrics", help="Import customer metrics from CSV or XLSX files.")
