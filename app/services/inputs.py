"""Input checks shared by the services: each names the field at fault in an errors dict."""

from __future__ import annotations

from typing import Any

MAX_TEXT = 4000


def clean_text(value: Any, field: str, errors: dict, *, required: bool = False,
               limit: int = MAX_TEXT) -> str | None:
    """Stripped text (None when empty); a non-string, a missing required value or one longer
    than ``limit`` adds ``errors[field]``."""
    if value is not None and not isinstance(value, str):
        errors[field] = "must be text"
        return None
    text = (value or "").strip()
    if required and not text:
        errors[field] = "required"
    elif len(text) > limit:
        errors[field] = f"at most {limit} characters"
    return text or None
