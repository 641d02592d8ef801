"""Reading request bodies and query arguments for the API, with field-named errors."""

from __future__ import annotations

from flask import request

from app.models.base import MAX_ID
from app.services.errors import ValidationFailed

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", ""})


def json_body(optional: bool = False) -> dict:
    """The JSON object sent; with ``optional``, an empty body reads as ``{}``."""
    if optional and not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed("the request body must be a JSON object",
                               {"body": "not a JSON object"})
    return body


def int_arg(name: str, default: int | None = None, minimum: int = 1,
            maximum: int = MAX_ID) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"{name}: must be a whole number", {name: "not an integer"}) from None
    if value < minimum:
        raise ValidationFailed(f"{name}: must be at least {minimum}", {name: "too small"})
    if value > maximum:
        raise ValidationFailed(f"{name}: must be at most {maximum}", {name: "too large"})
    return value


def flag(raw: str | None, name: str) -> bool:
    """A form or query flag: true/1/yes/on or false/0/no/off/empty; anything else is an error."""
    word = (raw or "").strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ValidationFailed(f"{name}: must be true or false", {name: "not a boolean"})
    return word in TRUE_WORDS
