"""Forms of the catalog area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional


class ProductForm(FlaskForm):
    supplier_id = SelectField(_l("Supplier"), coerce=int, validators=[Optional()])
    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    sku_code = StringField(_l("Supplier SKU code"), validators=[Optional(), Length(max=64)])
    category_id = SelectField(_l("Category"), coerce=int, validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    target_price = StringField(_l("Target retail price"), validators=[Optional(), Length(max=20)])
    unit_cost = StringField(_l("Unit cost"), validators=[Optional(), Length(max=20)])
    currency = SelectField(_l("Currency"), choices=[], validators=[Optional()])
    monthly_capacity = StringField(_l("Expected monthly capacity (units)"),
                                   validators=[Optional(), Length(max=12)])
    specifications = TextAreaField(
        _l("Specifications"), description=_l("One per line: name | value | unit"),
        validators=[Optional(), Length(max=20000)])
    competitors = TextAreaField(
        _l("Competitor products"), description=_l("One per line: name | channel | price | link"),
        validators=[Optional(), Length(max=20000)])
    claimed_standards = TextAreaField(
        _l("Claimed standards"), description=_l("One per line: code | title, e.g. GB 4706.1-2005"),
        validators=[Optional(), Length(max=20000)])
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class TransitionForm(FlaskForm):
    transition = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    # ``list`` only: the retail price (default: the target price) and the launch date.
    retail_price = StringField(_l("Retail price"), validators=[Optional(), Length(max=20)])
    launch_date = DateField(_l("Launch date"), validators=[Optional()])
    submit = SubmitField()

    def listing_details(self) -> dict | None:
        """The ``details`` of apply_transition: only ``list`` takes them."""
        if self.transition.data != "list":
            return None
        return {"retail_price": self.retail_price.data or None,
                "launch_date": self.launch_date.data}


#: The keys each line of a list textarea fills, in order ("|" separates them).
LINE_KEYS = {
    "specifications": ("name", "value", "unit"),
    "competitors": ("name", "channel", "price", "url"),
    "claimed_standards": ("code", "title"),
}


def lines_to_items(name: str, text: str | None) -> list[dict]:
    """``a | b | c`` lines into dicts; the service validates the values and names bad lines."""
    keys = LINE_KEYS[name]
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", len(keys) - 1)]
        items.append(dict(zip(keys, parts + [""] * (len(keys) - len(parts)), strict=True)))
    return items


def items_to_lines(name: str, items: list[dict]) -> str:
    keys = LINE_KEYS[name]
    rows = []
    for item in items or []:
        values = [str(item.get(k) or "") for k in keys]
        if name == "competitors":
            from app.services.proposal_details import cents_to_amount

            values[2] = cents_to_amount(item.get("price_cents")) or ""
        rows.append(" | ".join(values).rstrip(" |"))
    return "\n".join(rows)
