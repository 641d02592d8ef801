"""Validation of a proposal's commercial and technical details (prices, capacity, lists)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

MAX_PRICE = Decimal("10000000")  # 10 million: above is a typo (and cents must fit 32 bits)
MAX_ITEMS = 50
CURRENCIES = ("CNY", "USD", "EUR", "HKD")

#: Each list field: its item keys, which are required, and the text limit per key.
LIST_FIELDS: dict[str, dict[str, tuple[bool, int]]] = {
    "specifications": {"name": (True, 120), "value": (True, 200), "unit": (False, 40)},
    "competitors": {"name": (True, 200), "channel": (False, 120), "price": (True, 0),
                    "url": (False, 500)},
    "claimed_standards": {"code": (True, 80), "title": (False, 200)},
}
DETAIL_FIELDS = ("target_price", "unit_cost", "currency", "monthly_capacity", *LIST_FIELDS)


def parse_money(value: Any, field: str, errors: dict[str, str]) -> int | None:
    """A positive amount with at most two decimals, as whole cents; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        errors[field] = "must be a number"
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors[field] = "must be a number"
        return None
    if not amount.is_finite():
        errors[field] = "must be a number"
    elif amount <= 0:
        errors[field] = "must be greater than 0"
    elif amount > MAX_PRICE:
        errors[field] = f"must be at most {MAX_PRICE}"
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = "at most two decimals"
    else:
        return int(amount * 100)
    return None


def _whole_number(raw: Any, max_digits: int = 12) -> bool:
    """ASCII digits only (``isdigit`` alone accepts "²"), and short enough to be sane."""
    text = str(raw).strip()
    return text.isascii() and text.isdigit() and len(text) <= max_digits


def cents_to_amount(cents: int | None) -> str | None:
    return None if cents is None else f"{Decimal(cents) / 100:.2f}"


def _clean_list(name: str, value: Any, errors: dict[str, str]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors[name] = "must be a list"
        return []
    if len(value) > MAX_ITEMS:
        errors[name] = f"at most {MAX_ITEMS} entries"
        return []
    spec = LIST_FIELDS[name]
    cleaned = []
    for index, item in enumerate(value):
        where = f"{name}[{index + 1}]"
        if not isinstance(item, dict):
            errors[where] = "must be an object"
            continue
        unknown = set(item) - set(spec) - ({"price_cents"} if name == "competitors" else set())
        if unknown:
            errors[where] = f"unknown keys {', '.join(sorted(unknown))}"
            continue
        entry: dict[str, Any] = {}
        for key, (required, limit) in spec.items():
            raw = item.get(key)
            if key == "price":
                raw = raw if raw is not None else (
                    cents_to_amount(item["price_cents"]) if isinstance(item.get("price_cents"), int)
                    else None)
                cents = parse_money(raw, f"{where}.price", errors)
                if cents is None and f"{where}.price" not in errors:
                    errors[f"{where}.price"] = "required"
                entry["price_cents"] = cents
                continue
            if raw is not None and not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
                errors[f"{where}.{key}"] = "must be text"
                continue
            text = str(raw).strip() if raw is not None else ""
            if required and not text:
                errors[f"{where}.{key}"] = "required"
            elif len(text) > limit:
                errors[f"{where}.{key}"] = f"at most {limit} characters"
            entry[key] = text
        if name == "competitors" and entry.get("url"):
            parts = urlsplit(entry["url"])
            if parts.scheme not in ("http", "https") or not parts.netloc:
                errors[f"{where}.url"] = "must be an http(s) address"
        cleaned.append(entry)
    return cleaned


def clean_details(fields: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The detail fields present in ``fields``, as column values; problems go into ``errors``."""
    cleaned: dict[str, Any] = {}
    for key, column in (("target_price", "target_price_cents"), ("unit_cost", "unit_cost_cents")):
        if key in fields:
            cleaned[column] = parse_money(fields[key], key, errors)
    if "currency" in fields:
        currency = str(fields["currency"] or "CNY").strip().upper()
        if currency not in CURRENCIES:
            errors["currency"] = f"one of {', '.join(CURRENCIES)}"
        cleaned["currency"] = currency
    if "monthly_capacity" in fields:
        raw = fields["monthly_capacity"]
        if raw in (None, ""):
            cleaned["monthly_capacity"] = None
        elif isinstance(raw, bool) or not _whole_number(raw):
            errors["monthly_capacity"] = "must be a whole number of units"
        elif not 1 <= int(str(raw).strip()) <= 100_000_000:
            errors["monthly_capacity"] = "between 1 and 100,000,000 units"
        else:
            cleaned["monthly_capacity"] = int(str(raw).strip())
    for name in LIST_FIELDS:
        if name in fields:
            cleaned[name] = _clean_list(name, fields[name], errors)
    return cleaned
