"""Forms of the metrics area. The file is checked by app.services.metrics; these only carry it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SubmitField


class ImportForm(FlaskForm):
    file = FileField(_l("File (.csv in UTF-8, or .xlsx)"),
                     validators=[FileRequired(_l("Choose a file to import."))])
    replace_periods = BooleanField(
        _l("Replace whole periods"),
        description=_l("Also remove the figures of the file's periods for products that are "
                       "not in the file."))
    submit = SubmitField(_l("Import"))
