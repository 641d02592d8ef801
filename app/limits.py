"""Per-view request body limits. Every request may carry up to ``MAX_CONTENT_LENGTH``; a view
marked with ``larger_body`` takes up to its own configured size. The limit is set in a URL value
preprocessor, which runs before every ``before_request`` hook, so it holds whoever reads the
body first (CSRFProtect on the pages, the input guard, ``token_required`` on the API)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request

_ATTRIBUTE = "sieve_body_limit_config"


def larger_body(config_key: str) -> Callable:
    """Mark a view: its request body may be as large as ``app.config[config_key]`` bytes."""
    def mark(view: Callable) -> Callable:
        setattr(view, _ATTRIBUTE, config_key)
        return view
    return mark


def register_body_limits(app: Flask) -> None:
    @app.url_value_preprocessor
    def apply_view_body_limit(endpoint: str | None, _values: dict | None) -> None:
        view = current_app.view_functions.get(endpoint) if endpoint else None
        key = getattr(view, _ATTRIBUTE, None)
        if key is not None:
            request.max_content_length = current_app.config[key]
