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
    submit = SubmitField(_l("Save"))
