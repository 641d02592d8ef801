"""Forms of the registry area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from app.forms import select_choices
from workflows.inspection import DEFAULT_AQLS
from workflows.sampling import AQL_SERIES, LEVELS


def aql_text(value) -> str:
    """An AQL as the select's option value: 2.5 -> "2.5", 0.0 -> "0", 1.0 -> "1"."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def aql_choices() -> list:
    """0 (zero tolerance) and the ISO 2859-1 AQL series."""
    return select_choices([("0", _l("0 (zero tolerance: any defect rejects)"))]
                          + [(aql_text(a), aql_text(a)) for a in AQL_SERIES])


def level_choices() -> list:
    return select_choices((level, level) for level in LEVELS)


class SupplierForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=120)])
    contact_email = StringField(_l("Contact email"), validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=120)])
    status = SelectField(_l("Status"), choices=[])
    submit = SubmitField(_l("Save"))


class CertificateForm(FlaskForm):
    standard_code = StringField(_l("Standard code"), validators=[DataRequired(), Length(max=80)])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    number = StringField(_l("Certificate number"), validators=[Optional(), Length(max=80)])
    expires_on = DateField(_l("Expires on"), validators=[DataRequired()])
    submit = SubmitField(_l("Add certificate"))


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=120)])
    parent_id = SelectField(_l("Parent category"), coerce=int, validators=[Optional()])
    sku_cap = IntegerField(_l("SKU cap"), validators=[Optional(), NumberRange(min=1)])
    selection_threshold = DecimalField(
        _l("Selection threshold (1-5)"), places=2, validators=[DataRequired(), NumberRange(1, 5)]
    )
    max_design_rounds = IntegerField(_l("Maximum design rounds"),
                                     validators=[DataRequired(), NumberRange(1, 50)], default=5)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    # QC settings. The list fields are not named like the columns, so that ``obj=category``
    # leaves them to the view, which fills them one item per line.
    qc_monthly_budget = StringField(_l("Monthly QC budget (CNY)"),
                                    description=_l("Sample purchases per month; empty: no budget"),
                                    validators=[Optional(), Length(max=20)])
    aql_critical = SelectField(_l("AQL, critical defects"), coerce=aql_text,
                               default=aql_text(DEFAULT_AQLS["critical"]))
    aql_major = SelectField(_l("AQL, major defects"), coerce=aql_text,
                            default=aql_text(DEFAULT_AQLS["major"]))
    aql_minor = SelectField(_l("AQL, minor defects"), coerce=aql_text,
                            default=aql_text(DEFAULT_AQLS["minor"]))
    inspection_level = SelectField(_l("Inspection level"), default="II")
    checklist_text = TextAreaField(
        _l("Inspection checklist"), description=_l("One item per line, e.g. appearance"),
        validators=[Optional(), Length(max=5000)])
    prelisting_valid_days = IntegerField(
        _l("Pre-listing inspection valid for (days)"), default=90,
        validators=[Optional(), NumberRange(1, 3650)])
    certificates_text = TextAreaField(
        _l("Required certificates"),
        description=_l("Standard codes, one per line, e.g. GB 4706.1-2005"),
        validators=[Optional(), Length(max=5000)])
    capa_due_days = IntegerField(_l("Corrective actions due after (days)"), default=14,
                                 validators=[Optional(), NumberRange(1, 365)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("aql_critical", "aql_major", "aql_minor"):
            self[name].choices = aql_choices()
        self.inspection_level.choices = level_choices()


class RecomputeStandingForm(FlaskForm):
    """The supplier page's "Recompute" button: posts only its CSRF token."""

    submit = SubmitField(_l("Recompute standing"))


class StandingOverrideForm(FlaskForm):
    """A manager's override of the computed standing (choices set by the view)."""

    standing = SelectField(_l("Standing"), choices=[])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Override standing"))


class ClearOverrideForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Clear override"))
