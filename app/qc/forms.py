"""Forms of the QC area. Values are checked by app.services.qc; these only carry them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.forms import select_choices
from app.registry.forms import aql_choices, aql_text, level_choices
from app.services.proposal_details import CURRENCIES
from app.ui import (
    CHANNEL_LABELS,
    CHECK_RESULT_LABELS,
    DEFECT_CLASS_LABELS,
    PURCHASE_KIND_LABELS,
)
from workflows.inspection import CHANNELS, CHECK_RESULTS, DEFECT_CLASSES, KINDS

TEXT = 4000


def utc_today():
    """The services judge dates in UTC: so does every default here."""
    return datetime.now(UTC).date()


class PurchaseForm(FlaskForm):
    kind = SelectField(_l("Why it was bought"), choices=[])
    channel = SelectField(_l("Channel"), choices=[])
    store_name = StringField(_l("Store name"), validators=[Length(max=200)])
    order_number = StringField(_l("Order number"), validators=[Length(max=80)])
    purchased_on = DateField(_l("Purchase date"), default=utc_today, validators=[Optional()])
    quantity = StringField(_l("Quantity bought"), validators=[Length(max=12)])
    unit_price = StringField(_l("Unit price paid"), validators=[Length(max=20)])
    total = StringField(_l("Total paid"), description=_l("Empty: quantity × unit price"),
                        validators=[Length(max=20)])
    currency = SelectField(_l("Currency"), choices=[])
    batch_code = StringField(_l("Batch or lot code"), description=_l("If known"),
                             validators=[Length(max=80)])
    notes = TextAreaField(_l("Notes (staff only)"), validators=[Length(max=TEXT)])
    receipt = FileField(_l("Receipt"), description=_l("Optional: a photo or PDF"))
    submit = SubmitField(_l("Log the purchase"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = select_choices((k, PURCHASE_KIND_LABELS[k]) for k in KINDS)
        self.channel.choices = select_choices((c, CHANNEL_LABELS[c]) for c in CHANNELS)
        self.currency.choices = select_choices((c, c) for c in CURRENCIES)


class ReimbursementForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class InspectionStartForm(FlaskForm):
    lot_size = StringField(_l("Lot size represented"),
                           description=_l("Items in the batch this sample stands for"),
                           validators=[Length(max=12)])
    level = SelectField(_l("Inspection level"), choices=[])
    aql_critical = SelectField(_l("AQL, critical defects"), coerce=aql_text, choices=[])
    aql_major = SelectField(_l("AQL, major defects"), coerce=aql_text, choices=[])
    aql_minor = SelectField(_l("AQL, minor defects"), coerce=aql_text, choices=[])
    preview = SubmitField(_l("Show the plan"))
    submit = SubmitField(_l("Start the inspection"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("aql_critical", "aql_major", "aql_minor"):
            self[name].choices = aql_choices()
        self.level.choices = level_choices()


class DefectForm(FlaskForm):
    defect_class = SelectField(_l("Defect class"), choices=[])
    count = StringField(_l("Nonconforming items"), default="1", validators=[Length(max=12)])
    description = TextAreaField(_l("What is wrong"), validators=[Length(max=TEXT)])
    checklist_item = SelectField(_l("Checklist item"), choices=[], validate_choice=False)
    photos = MultipleFileField(_l("Photos"), description=_l("JPEG, PNG or WebP"))
    submit = SubmitField(_l("Log the defect"))

    def __init__(self, *args, checklist=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.defect_class.choices = select_choices(
            (c, DEFECT_CLASS_LABELS[c]) for c in DEFECT_CLASSES)
        from app.ui import checklist_label

        self.checklist_item.choices = select_choices(
            [("", "—")] + [(item, checklist_label(item)) for item in checklist])


class CsrfOnlyForm(FlaskForm):
    """Buttons that post nothing but their CSRF token (remove a defect)."""


class CheckForm(Form):
    """One checklist item's result (no CSRF of its own: it sits inside CompleteForm)."""

    result = RadioField(_l("Result"), choices=[], validate_choice=False)
    note = StringField(_l("Note"), validators=[Length(max=1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result.choices = select_choices((r, CHECK_RESULT_LABELS[r]) for r in CHECK_RESULTS)


class CompleteForm(FlaskForm):
    checks = FieldList(FormField(CheckForm))
    summary = TextAreaField(_l("Summary for the supplier"), validators=[Length(max=TEXT)])
    internal_notes = TextAreaField(_l("Internal notes (never shown to the supplier)"),
                                   validators=[Length(max=TEXT)])
    production_steady = BooleanField(_l("Production is steady"),
                                     description=_l("Needed for a switch to reduced inspection"))
    capa_due_on = DateField(_l("Corrective action due on, if the lot is rejected"),
                            validators=[Optional()],
                            description=_l("Empty: the category's default"))
    submit = SubmitField(_l("Complete the inspection"))


class ReducedApprovalForm(FlaskForm):
    approved = HiddenField(validators=[DataRequired()])


class CapaAnswerForm(FlaskForm):
    containment = TextAreaField(_l("Containment"),
                                description=_l("What was done at once: stock held, sorted, recalled"),
                                validators=[Length(max=TEXT)])
    root_cause = TextAreaField(_l("Root cause"), validators=[Length(max=TEXT)])
    corrective_action = TextAreaField(_l("Corrective action"), validators=[Length(max=TEXT)])
    preventive_action = TextAreaField(_l("Preventive action"), validators=[Length(max=TEXT)])
    evidence = MultipleFileField(_l("Evidence"), description=_l("Photos or PDFs (optional)"))
    save = SubmitField(_l("Save"))
    submit_answer = SubmitField(_l("Submit to QC"))


class CapaReviewForm(FlaskForm):
    """One of close / return / escalate: the page renders one per action, prefixed by it."""

    reason = TextAreaField(_l("Reason"), validators=[Length(max=TEXT)])
    inspection_id = SelectField(_l("Verified by follow-up inspection"), choices=[],
                                validate_choice=False)
