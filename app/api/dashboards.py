"""Dashboards endpoints of the JSON API."""

from __future__ import annotations

from app.api import bp  # noqa: F401

#: OpenAPI path items of this module (merged by app.api.openapi).
DASHBOARD_PATHS: dict = {}
#: OpenAPI component schemas of this module.
DASHBOARD_SCHEMAS: dict = {}
