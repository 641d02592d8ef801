"""Forms of the report pages. Values are checked by app.services.reports; these only carry them."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import DataRequired

from app.extensions import db
from app.forms import select_choices
from app.models import Category, Supplier, User
from app.qc.forms import utc_today

#: Whose QC work the period report can be narrowed to.
INSPECTOR_ROLES = ("qc_inspector", "admin")


def _default_from():
    return utc_today() - timedelta(days=30)


class QcReportForm(FlaskForm):
    date_from = DateField(_l("From"), default=_default_from, validators=[DataRequired()])
    date_to = DateField(_l("To"), default=utc_today, validators=[DataRequired()])
    category = SelectField(_l("Category"), choices=[])
    supplier = SelectField(_l("Supplier"), choices=[])
    inspector = SelectField(_l("Inspector"), choices=[])
    language = SelectField(_l("Language"), choices=[])
    submit = SubmitField(_l("Generate the report"))

    def __init__(self, languages: dict[str, str], language: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = ("", _l("All"))
        self.category.choices = select_choices([every, *(
            (str(c.id), c.display_name) for c in db.session.scalars(
                select(Category).order_by(Category.name)))])
        self.supplier.choices = select_choices([every, *(
            (str(s.id), s.display_name) for s in db.session.scalars(
                select(Supplier).order_by(Supplier.name)))])
        self.inspector.choices = select_choices([every, *(
            (str(u.id), u.email) for u in db.session.scalars(
                select(User).where(User.role.in_(INSPECTOR_ROLES)).order_by(User.email)))])
        self.language.choices = select_choices(languages.items())
        if not self.is_submitted():
            self.language.data = language

    def params(self) -> dict:
        """The report's parameters as the service takes them (empty filters left out)."""
        params = {"from": self.date_from.data.isoformat(), "to": self.date_to.data.isoformat()}
        for name, field in (("category_id", self.category), ("supplier_id", self.supplier),
                            ("inspector_id", self.inspector)):
            if field.data:
                params[name] = int(field.data)
        return params


class VerifyForm(FlaskForm):
    file = FileField(_l("Report (PDF)"), validators=[FileRequired(_l("Choose a report file."))])
    submit = SubmitField(_l("Verify"))
