"""Template globals and filters: translated labels for states, roles and transitions."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.i18n import current_language
from app.models.base import as_utc
from workflows.lifecycle import State

STATE_LABELS = {
    "draft": _l("Draft"),
    "proposed": _l("Proposed"),
    "in_review": _l("In review"),
    "rejected": _l("Rejected"),
    "in_design": _l("In design"),
    "abandoned": _l("Abandoned"),
    "sampling": _l("Sampling"),
    "listed": _l("Listed"),
    "under_watch": _l("Under watch"),
    "suspended": _l("Suspended"),
    "delisted": _l("Delisted"),
}

TRANSITION_LABELS = {
    "submit": _l("Submit proposal"),
    "start_review": _l("Start review"),
    "request_info": _l("Request information"),
    "reject": _l("Reject"),
    "accept": _l("Accept"),
    "approve_design": _l("Approve design"),
    "abandon": _l("Abandon"),
    "fail_sampling": _l("Fail sampling"),
    "list": _l("List"),
    "put_on_watch": _l("Put on watch"),
    "resolve_watch": _l("Resolve watch"),
    "suspend": _l("Suspend"),
    "reinstate": _l("Reinstate"),
    "delist": _l("Delist"),
    "relist": _l("Relist"),
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "selection_manager": _l("Selection manager"),
    "designer": _l("Designer"),
    "qc_inspector": _l("QC inspector"),
    "supplier": _l("Supplier"),
}

SUPPLIER_STATUS_LABELS = {
    "prospective": _l("Prospective"),
    "active": _l("Active"),
    "probation": _l("Probation"),
    "eliminated": _l("Eliminated"),
}

ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Edited"),
    "add_certificate": _l("Certificate added"),
    "logout": _l("Logged out"),
    "issue_api_token": _l("API token issued"),
    "review": _l("Review submitted"),
    "scorecard_version": _l("Scorecard saved"),
    "open_round": _l("Design round opened"),
    "feedback": _l("Feedback raised"),
    "respond": _l("Feedback answered"),
    "submit_revision": _l("Revision submitted"),
    "resolve_feedback": _l("Feedback resolved"),
    "reopen_feedback": _l("Feedback reopened"),
    "decide_round": _l("Design round closed"),
    "attach": _l("File attached"),
    "detach": _l("File removed"),
    "log_purchase": _l("Sample purchase logged"),
    "reimbursement": _l("Reimbursement updated"),
    "approve_reduced_inspection": _l("Reduced inspection approval changed"),
    "open_inspection": _l("Inspection started"),
    "log_defect": _l("Defect logged"),
    "remove_defect": _l("Defect removed"),
    "complete_inspection": _l("Inspection completed"),
    "open_corrective_action": _l("Corrective action opened"),
    "answer_corrective_action": _l("Corrective action answered"),
    "submit_corrective_action": _l("Corrective action submitted"),
    "close_corrective_action": _l("Corrective action closed"),
    "return_corrective_action": _l("Corrective action returned"),
    "escalate_corrective_action": _l("Corrective action escalated"),
    "apply_metric_import": _l("Customer metrics imported"),
    "refuse_metric_import": _l("Customer metrics file refused"),
    "fail_metric_import": _l("Customer metrics import failed"),
    "elimination_sweep": _l("Elimination sweep run"),
    "elimination_sweep_failed": _l("Elimination sweep failed"),
    "set_elimination_rules": _l("Elimination rules changed"),
    "dismiss": _l("Candidate dismissed"),
    "standing_changed": _l("Standing changed"),
    "standing_override": _l("Standing overridden"),
    "standing_override_cleared": _l("Standing override cleared"),
    **TRANSITION_LABELS,
}

DELIST_REASON_LABELS = {
    "quality_failure": _l("Quality failure"),
    "customer_metrics": _l("Customer metrics"),
    "compliance": _l("Compliance"),
    "supplier_eliminated": _l("Supplier eliminated"),
    "sku_cap": _l("SKU cap"),
    "supplier_request": _l("Supplier request"),
    "other": _l("Other"),
}

CRITERION_LABELS = {
    "performance": _l("Performance"),
    "configuration": _l("Configuration / specification"),
    "design": _l("Design"),
    "value_for_money": _l("Value for money"),
    "compliance": _l("Compliance"),
    "supplier_capability": _l("Supplier capability"),
}

AREA_LABELS = {"industrial_design": _l("Industrial design"), "function": _l("Function"),
               "packaging": _l("Packaging"), "compliance": _l("Compliance"), "cost": _l("Cost")}
SEVERITY_LABELS = {"blocking": _l("Blocking"), "major": _l("Major"), "minor": _l("Minor")}
DECISION_LABELS = {"another_round": _l("Another round"), "approve": _l("Approve the design"),
                   "abandon": _l("Abandon")}
ITEM_STATUS_LABELS = {"open": _l("Open"), "answered": _l("Answered"),
                      "resolved": _l("Resolved"), "reopened": _l("Reopened")}


ROUND_STATUS_LABELS = {
    "open": _l("open: waiting for the supplier"),
    "revision_submitted": _l("revision submitted: waiting for the reviewers"),
    "closed": _l("closed"),
}

# --- quality control ---------------------------------------------------------------------------

PURCHASE_KIND_LABELS = {
    "pre_listing": _l("Pre-listing"),
    "routine": _l("Routine"),
    "follow_up": _l("Follow-up"),
    "complaint": _l("Complaint-triggered"),
}
CHANNEL_LABELS = {
    "platform": _l("This platform"),
    "other_marketplace": _l("Another marketplace"),
    "offline_store": _l("Offline store"),
}
DEFECT_CLASS_LABELS = {"critical": _l("Critical defect"), "major": _l("Major defect"),
                       "minor": _l("Minor defect")}
DEFECT_CLASS_COLOURS = {"critical": "danger", "major": "warning", "minor": "secondary"}
CAPA_STATUS_LABELS = {
    "open": _l("Open: waiting for the supplier"),
    "submitted": _l("Submitted: waiting for QC"),
    "returned": _l("Returned to the supplier"),
    "closed": _l("Closed"),
    "escalated": _l("Escalated"),
}
CAPA_STATUS_COLOURS = {"open": "warning", "submitted": "info", "returned": "warning",
                       "closed": "success", "escalated": "danger"}
#: ISO 2859-1 inspection severities (not the design feedback severities above).
INSPECTION_SEVERITY_LABELS = {
    "normal": _l("Normal inspection"),
    "tightened": _l("Tightened inspection"),
    "reduced": _l("Reduced inspection"),
}
INSPECTION_SEVERITY_COLOURS = {"normal": "secondary", "tightened": "warning",
                               "reduced": "success"}
CHECK_RESULT_LABELS = {"pass": _l("Pass"), "fail": _l("Fail"), "na": _l("Not applicable")}
#: The default checklist's items; a category's own items are shown as written.
CHECKLIST_LABELS = {
    "appearance": _l("Appearance"),
    "function": _l("Function"),
    "safety": _l("Safety"),
    "packaging": _l("Packaging"),
    "labelling": _l("Labelling"),
}
REIMBURSEMENT_LABELS = {"submitted": _l("Submitted"), "approved": _l("Approved"),
                        "paid": _l("Paid")}
VERDICT_LABELS = {"accepted": _l("Lot accepted"), "rejected": _l("Lot rejected")}
VERDICT_COLOURS = {"accepted": "success", "rejected": "danger"}
INSPECTION_STATUS_LABELS = {"open": _l("In progress"), "completed": _l("Completed")}


def checklist_label(item: str) -> str:
    return str(CHECKLIST_LABELS.get(item, item))


STATE_COLOURS = {
    "draft": "secondary", "proposed": "info", "in_review": "primary", "rejected": "dark",
    "in_design": "primary", "abandoned": "dark", "sampling": "warning", "listed": "success",
    "under_watch": "warning", "suspended": "danger", "delisted": "dark",
}


def user_message(error: Exception) -> str:
    """A translated sentence for a domain error, for flash messages (the API keeps the English)."""
    from app.services.errors import ServiceError, StaleVersion
    from workflows import lifecycle

    if isinstance(error, lifecycle.RoleNotAllowed):
        return gettext("Your role may not do this.")
    if isinstance(error, lifecycle.InvalidSourceState):
        return gettext("This action is not possible from the product's current state.")
    if isinstance(error, lifecycle.ReasonRequired):
        if "reason code" in str(error):
            return gettext("Please choose a reason code.")
        return gettext("Please give a reason.")
    if isinstance(error, lifecycle.GuardBlocked):
        return gettext("Not yet possible: %(reasons)s", reasons="; ".join(error.reasons))
    if isinstance(error, StaleVersion):
        return gettext("Someone else changed this product since you opened it. "
                       "Please check the page and try again.")
    if isinstance(error, ServiceError) and error.status in (403, 409):
        return gettext("Not possible now: %(problem)s", problem=error.message)
    if isinstance(error, ServiceError):
        return gettext("Please correct: %(problem)s", problem=error.message)
    return str(error)


def age(value: datetime | None) -> str:
    """A compact, translated duration since ``value``: 3d 4h, 5h 10m, 12m."""
    if value is None:
        return ""
    seconds = int((datetime.now(UTC) - as_utc(value)).total_seconds())
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return gettext("%(days)sd %(hours)sh", days=days, hours=hours)
    if hours:
        return gettext("%(hours)sh %(minutes)sm", hours=hours, minutes=minutes)
    return gettext("%(minutes)sm", minutes=minutes)


def when(value: datetime | None) -> str:
    return format_datetime(as_utc(value), "yyyy-MM-dd HH:mm") if value else ""


def unread_notifications() -> int:
    """The logged-in user's unread notification count for the navbar (one COUNT query)."""
    if not current_user.is_authenticated:
        return 0
    from app.services.notifications import unread_count

    return unread_count(current_user)


def template_globals() -> dict:
    return {
        "STATES": [s.value for s in State],
        "STATE_LABELS": STATE_LABELS,
        "STATE_COLOURS": STATE_COLOURS,
        "TRANSITION_LABELS": TRANSITION_LABELS,
        "ROLE_LABELS": ROLE_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "SUPPLIER_STATUS_LABELS": SUPPLIER_STATUS_LABELS,
        "DELIST_REASON_LABELS": DELIST_REASON_LABELS,
        "CRITERION_LABELS": CRITERION_LABELS,
        "AREA_LABELS": AREA_LABELS,
        "SEVERITY_LABELS": SEVERITY_LABELS,
        "DECISION_LABELS": DECISION_LABELS,
        "ITEM_STATUS_LABELS": ITEM_STATUS_LABELS,
        "ROUND_STATUS_LABELS": ROUND_STATUS_LABELS,
        "PURCHASE_KIND_LABELS": PURCHASE_KIND_LABELS,
        "CHANNEL_LABELS": CHANNEL_LABELS,
        "DEFECT_CLASS_LABELS": DEFECT_CLASS_LABELS,
        "DEFECT_CLASS_COLOURS": DEFECT_CLASS_COLOURS,
        "CAPA_STATUS_LABELS": CAPA_STATUS_LABELS,
        "CAPA_STATUS_COLOURS": CAPA_STATUS_COLOURS,
        "INSPECTION_SEVERITY_LABELS": INSPECTION_SEVERITY_LABELS,
        "INSPECTION_SEVERITY_COLOURS": INSPECTION_SEVERITY_COLOURS,
        "CHECK_RESULT_LABELS": CHECK_RESULT_LABELS,
        "REIMBURSEMENT_LABELS": REIMBURSEMENT_LABELS,
        "VERDICT_LABELS": VERDICT_LABELS,
        "VERDICT_COLOURS": VERDICT_COLOURS,
        "INSPECTION_STATUS_LABELS": INSPECTION_STATUS_LABELS,
        "checklist_label": checklist_label,
        "is_qc_staff": lambda: current_user.is_authenticated
        and current_user.role in ("admin", "qc_inspector", "selection_manager"),
        "money": money,
        "current_language": current_language,
        "languages": lambda: current_app.config["SIEVE_LANGUAGES"],
        "unread_notifications": unread_notifications,
        "can_edit_registry": lambda: current_user.is_authenticated
        and current_user.role in ("admin", "selection_manager"),
    }


def money(cents: int | None) -> str:
    from app.services.proposal_details import cents_to_amount

    return cents_to_amount(cents) or ""


def template_filters() -> dict:
    return {"age": age, "when": when}
