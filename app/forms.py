"""Helpers shared by the areas' forms."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def select_choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """``(value, label)`` pairs as the SelectChoice objects WTForms 3.3+ expects."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
