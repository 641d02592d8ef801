"""Forms of the review area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import select_choices


def review_form_class(criteria):
    """A form with a 1-5 score and a comment per criterion of the cycle's scorecard."""

    class ReviewForm(FlaskForm):
        comment = TextAreaField(_l("Overall comment"), validators=[Optional(), Length(max=4000)])
        submit = SubmitField(_l("Submit review"))

    scale = select_choices([("", "—")] + [(str(n), str(n)) for n in range(1, 6)])
    for criterion in criteria:
        setattr(ReviewForm, f"score_{criterion.key}",
                SelectField(criterion.label, choices=scale, validators=[DataRequired()]))
        setattr(ReviewForm, f"comment_{criterion.key}",
                StringField(_l("Comment"), validators=[Optional(), Length(max=4000)]))
    return ReviewForm


class CriterionForm(Form):
    key = StringField(_l("Key"), validators=[Optional(), Length(max=40)])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=120)])
    label_zh = StringField(_l("Chinese label"), validators=[Optional(), Length(max=120)])
    weight = DecimalField(_l("Weight"), places=3, validators=[Optional()])
    minimum = IntegerField(_l("Minimum"), validators=[Optional(), NumberRange(1, 5)])
    knockout = BooleanField(_l("Knock-out"))
    anchors = TextAreaField(_l("Anchors (5 lines: score 1 to 5)"),
                            validators=[Optional(), Length(max=5000)])


class ScorecardForm(FlaskForm):
    pass_threshold = DecimalField(_l("Pass threshold (1-5)"), places=2,
                                  validators=[DataRequired(), NumberRange(1, 5)])
    min_reviewers = IntegerField(_l("Minimum reviewers"),
                                 validators=[DataRequired(), NumberRange(1, 20)])
    disagreement_spread = DecimalField(_l("Disagreement flag above a spread of"), places=2,
                                       validators=[Optional(), NumberRange(0, 4)])
    share_shortfalls = BooleanField(_l("Show suppliers the criteria where they fell short"))
    criteria = FieldList(FormField(CriterionForm), min_entries=1, max_entries=20)
    submit = SubmitField(_l("Save as a new version"))
