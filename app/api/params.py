"""Reading request bodies and query arguments for the API, with field-named errors."""

from __future__ import annotations

from flask import request

from app.models.base import MAX_ID
from app.services.errors import ValidationFailed

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", ""})


MAX_JSON_DEPTH = 64


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul(field: str) -> None:
    """Raise the 422 naming ``field`` whose name or text holds a NUL character (U+0000), which
    no Sieve text can hold: PostgreSQL refuses it in any text value."""
    raise ValidationFailed(f"{field}: contains a NUL character (U+0000), which text cannot hold",
                           {field: "contains a NUL character"})


def nul_field(fields) -> str | None:
    """The first query argument or form field (a MultiDict) whose name or text holds a NUL
    (a NUL in the name is shown as ``\\0``)."""
    for key, value in fields.items(multi=True):
        key, value = key or "", value or ""  # a malformed multipart part may have no name
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "\\0")
    return None


def nul_path(value) -> str | None:
    """The path (``rows[3].name_en``) of the first key or string, in document order, of a parsed
    JSON value that holds a NUL character (a NUL in a key is shown as ``\\0``). Walks with its
    own stack, so depth costs no recursion."""
    stack = [(value, "", False)]
    while stack:
        item, path, bad_key = stack.pop()
        if bad_key:
            return path.replace("\x00", "\\0")
        if isinstance(item, str):
            if "\x00" in item:
                return path
        elif isinstance(item, dict):
            stack.extend(reversed([(child, f"{path}.{key}" if path else str(key),
                                    "\x00" in str(key)) for key, child in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([(child, f"{path}[{index}]", False)
                                   for index, child in enumerate(item)]))
    return None


def _depth_exceeds(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def json_body(optional: bool = False) -> dict:
    """The JSON object sent; with ``optional``, an empty body reads as ``{}``. Called by the views
    after authentication. Refused with 422 naming the problem: a body that is not a JSON object,
    nesting deeper than ``MAX_JSON_DEPTH`` (no Sieve body is deeper than three), and text holding
    a NUL character, which PostgreSQL cannot store."""
    if optional and not request.get_data(cache=True):
        return {}
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested past what the parser can follow
        body = None
        deep = True
    else:
        deep = body is not None and _depth_exceeds(body, MAX_JSON_DEPTH)
    if deep:
        raise ValidationFailed(f"the request body is nested deeper than {MAX_JSON_DEPTH} levels",
                               {"body": "nested too deeply"})
    if not isinstance(body, dict):
        raise ValidationFailed("the request body must be a JSON object",
                               {"body": "not a JSON object"})
    if (field := nul_path(body)) is not None:
        refuse_nul(field)
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
