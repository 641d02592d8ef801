"""Standing endpoints of the JSON API."""

from __future__ import annotations

from app.api import bp  # noqa: F401

#: OpenAPI path items of this module (merged by app.api.openapi).
STANDING_PATHS: dict = {}
#: OpenAPI component schemas of this module.
STANDING_SCHEMAS: dict = {}
