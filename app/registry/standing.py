"""What the standing panels show (supplier page and portal): labels, colours and figure rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services import standing

STANDING_LABELS = {
    "preferred": _l("Preferred"),
    "approved": _l("Approved"),
    "probation": _l("Probation"),
    "eliminated": _l("Eliminated"),
}
STANDING_COLOURS = {"preferred": "success", "approved": "primary", "probation": "warning",
                    "eliminated": "danger"}

#: A short title per reason code (the reason's sentence with its numbers follows, in English).
REASON_LABELS = {
    "pass_rate_very_low": _l("Inspection pass rate far too low"),
    "capas_overdue_many": _l("Many corrective actions overdue"),
    "delisted_many": _l("Many products delisted for quality"),
    "pass_rate_low": _l("Inspection pass rate low"),
    "critical_defects": _l("Critical defects found"),
    "capa_overdue": _l("Corrective action overdue"),
    "capa_late": _l("Corrective actions often late"),
    "positive_rate_low": _l("Few positive reviews"),
    "return_rate_high": _l("High return rate"),
    "delisted": _l("Product delisted for quality"),
    "design_slow": _l("Slow design revisions"),
    "preferred": _l("Meets every preferred condition"),
    "insufficient_data": _l("Not enough data yet"),
    "approved": _l("No problem found"),
    "not_preferred": _l("Not yet preferred"),
}

#: (key of standing_figures, label, unit) in the order the figures table shows them.
FIGURE_ROWS = (
    ("inspections", _l("Inspections with a verdict (12 months)"), ""),
    ("inspections_passed", _l("Inspections passed"), ""),
    ("pass_rate", _l("Inspection pass rate"), "%"),
    ("defects_per_inspection", _l("Nonconforming items per inspection"), "by_class"),
    ("capas_due", _l("Corrective actions due (12 months)"), ""),
    ("capas_closed_on_time", _l("Corrective actions closed on time"), ""),
    ("capa_on_time_rate", _l("Corrective actions on time"), "%"),
    ("capas_overdue", _l("Corrective actions overdue now"), ""),
    ("design_rounds", _l("Design rounds (12 months)"), ""),
    ("design_rounds_answered", _l("Design rounds answered"), ""),
    ("design_response_days_median", _l("Median days to a design revision"), "days"),
    ("reviews", _l("Customer reviews (6 months)"), ""),
    ("positive_rate", _l("Positive-review rate"), "%"),
    ("units_sold", _l("Units sold (6 months)"), ""),
    ("return_rate", _l("Return rate"), "%"),
    ("listed_products", _l("Products on sale"), ""),
    ("delisted_12m", _l("Delisted for quality or customer reasons (12 months)"), ""),
)


def standing_context(user, supplier_id: int) -> dict:
    """Template variables of the standing panel for ``supplier_id`` as ``user`` may see it."""
    return {"standing": standing.get_standing(user, supplier_id),
            "standing_history": standing.standing_history(user, supplier_id),
            "STANDING_LABELS": STANDING_LABELS, "STANDING_COLOURS": STANDING_COLOURS,
            "FIGURE_ROWS": FIGURE_ROWS, "REASON_LABELS": REASON_LABELS}
