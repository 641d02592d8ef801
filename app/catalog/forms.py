"""Forms of the catalog area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ProductForm(FlaskForm):
    supplier_id = SelectField(_l("Supplier"), coerce=int, validators=[Optional()])
    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    sku_code = StringField(_l("Supplier SKU code"), validators=[Optional(), Length(max=64)])
    category_id = SelectField(_l("Category"), coerce=int, validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class TransitionForm(FlaskForm):
    transition = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField()
