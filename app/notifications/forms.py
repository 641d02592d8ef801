"""Forms of the notifications area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class MarkReadForm(FlaskForm):
    """CSRF-protected "mark read"; the ids (none: all) come as repeated ``ids`` fields."""

    submit = SubmitField(_l("Mark all as read"))
