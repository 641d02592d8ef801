"""Forms of the design area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import select_choices
from app.ui import AREA_LABELS, DECISION_LABELS, SEVERITY_LABELS
from workflows.design import AREAS, DECISIONS, SEVERITIES


class OpenRoundForm(FlaskForm):
    due_on = DateField(_l("Revision due on"), validators=[Optional()])
    submit = SubmitField(_l("Open the next round"))


class FeedbackForm(FlaskForm):
    area = SelectField(_l("Area"), choices=[], validators=[DataRequired()])
    severity = SelectField(_l("Severity"), choices=[], validators=[DataRequired()])
    text = TextAreaField(_l("Feedback"), validators=[DataRequired(), Length(max=4000)])
    internal = BooleanField(_l("Internal note (never shown to the supplier)"))
    submit = SubmitField(_l("Add feedback"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = select_choices((a, AREA_LABELS[a]) for a in AREAS)
        self.severity.choices = select_choices((s, SEVERITY_LABELS[s]) for s in SEVERITIES)


class ResponseForm(FlaskForm):
    response = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Answer"))


class RevisionForm(FlaskForm):
    notes = TextAreaField(_l("Revision notes"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Submit the revision"))


class ItemReviewForm(FlaskForm):
    resolved = HiddenField(validators=[DataRequired()])


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[], validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)])
    due_on = DateField(_l("Next revision due on"), validators=[Optional()])
    submit = SubmitField(_l("Close the round"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = select_choices((d, DECISION_LABELS[d]) for d in DECISIONS)
