"""Forms of the elimination area. Values are checked by app.services.elimination."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import select_choices
from workflows.lifecycle import DELIST_REASON_CODES

NOTE = 2000
ACTION_LABELS = {"under_watch": _l("Put on watch"), "decision_list": _l("Decision list")}
REASON_LABELS = {"quality_failure": _l("Quality failure"),
                 "customer_metrics": _l("Customer metrics"), "compliance": _l("Compliance"),
                 "supplier_eliminated": _l("Supplier eliminated"), "sku_cap": _l("SKU cap"),
                 "supplier_request": _l("Supplier request"), "other": _l("Other")}


class RunSweepForm(FlaskForm):
    as_of = DateField(_l("Figures up to"), validators=[Optional()],
                      description=_l("Empty: today"))
    period_kind = SelectField(_l("Periods"), choices=select_choices(
        [("month", _l("Months")), ("week", _l("ISO weeks"))]))
    submit = SubmitField(_l("Run sweep now"))


class DelistForm(FlaskForm):
    reason_code = SelectField(_l("Reason code"), choices=select_choices(
        [("", "—")] + [(code, REASON_LABELS.get(code, code)) for code in DELIST_REASON_CODES]))
    note = TextAreaField(_l("Note"), validators=[Length(max=NOTE)])
    confirm = BooleanField(_l("I confirm: delist this product"),
                           validators=[DataRequired(_l("Tick to confirm."))])
    submit = SubmitField(_l("Delist"))


class DismissForm(FlaskForm):
    note = TextAreaField(_l("Why the product stays"), validators=[Length(max=NOTE)])
    submit = SubmitField(_l("Dismiss"))


class RulesForm(FlaskForm):
    """Every threshold as text: empty turns a rule off (the service names a bad field)."""

    window_periods = StringField(_l("Window N (periods)"), validators=[Length(max=12)])
    min_positive_rate = StringField(_l("Positive-review rate below X %"),
                                    validators=[Length(max=20)])
    max_return_rate = StringField(_l("Return rate above Y %"), validators=[Length(max=20)])
    max_complaints_per_1000_orders = StringField(_l("Complaints per 1,000 orders above Z"),
                                                 validators=[Length(max=20)])
    max_failed_inspections_12m = StringField(_l("K or more failed routine inspections in 12"
                                                " months"), validators=[Length(max=12)])
    flag_overdue_capa = BooleanField(_l("An overdue corrective action triggers"))
    bottom_percent = StringField(_l("At the SKU cap: bottom P % by score"),
                                 validators=[Length(max=20)])
    action = SelectField(_l("What happens to a candidate"), choices=select_choices(
        list(ACTION_LABELS.items())))
    enabled = BooleanField(_l("Sweep this category"))
    submit = SubmitField(_l("Save rules"))

    TEXT_FIELDS = ("window_periods", "min_positive_rate", "max_return_rate",
                   "max_complaints_per_1000_orders", "max_failed_inspections_12m",
                   "bottom_percent")
