"""Views of the notifications area: the user's own list, newest first, and marking read."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.models import Notification
from app.models.base import MAX_ID
from app.notifications import bp
from app.notifications.forms import MarkReadForm
from app.services import notifications as notification_service
from app.services.errors import ServiceError
from app.ui import DELIST_REASON_LABELS, STATE_LABELS, TRANSITION_LABELS, user_message

PAGE_SIZE = 50

KIND_LABELS = {
    "submission": _l("Submission"),
    "decision": _l("Decision"),
    "feedback": _l("Feedback"),
    "revision": _l("Revision"),
    "corrective_action": _l("Corrective action"),
}


#: Decisions that close a design round (workflows.design.DECISIONS).
ROUND_DECISION_LABELS = {
    "another_round": _l("Another round"),
    "approve": _l("Design approved"),
    "abandon": _l("Abandoned"),
}


def _user():
    return current_user._get_current_object()


def notification_text(notification: Notification) -> str:
    """The notification as a sentence in the reader's language (the stored English otherwise)."""
    p = notification.params or {}
    product = p.get("product_name") or (f"#{notification.product_id}"
                                        if notification.product_id else "")
    kind = notification.kind
    if kind == "submission":
        return _("%(product)s was submitted for review.", product=product)
    if kind == "decision" and p.get("transition"):
        transition, target = p["transition"], p.get("target")
        return _("%(product)s: %(decision)s (now %(state)s).", product=product,
                 decision=TRANSITION_LABELS.get(transition, transition),
                 state=STATE_LABELS.get(target, target))
    if kind == "decision" and p.get("round") is not None:
        decision = p.get("decision")
        return _("Design round %(round)s of %(product)s: decision %(decision)s.",
                 round=p["round"], product=product,
                 decision=ROUND_DECISION_LABELS.get(decision, decision or "—"))
    if kind == "feedback" and p.get("round") is not None:
        return ngettext("%(num)s new feedback item on %(product)s (design round %(round)s).",
                        "%(num)s new feedback items on %(product)s (design round %(round)s).",
                        int(p.get("count") or 0), product=product, round=p["round"])
    if kind == "revision" and p.get("round") is not None:
        return _("Revision submitted for design round %(round)s of %(product)s.",
                 round=p["round"], product=product)
    if kind == "corrective_action" and p.get("capa_id") is not None:
        return _corrective_action_text(p, product)
    return notification.message


def _corrective_action_text(p: dict, product: str) -> str:
    number, event = p["capa_id"], p.get("event")
    if event == "opened":
        return _("Corrective action #%(number)s opened on %(product)s: answer by %(due)s.",
                 number=number, product=product, due=p.get("due_on") or "—")
    if event == "submitted":
        return _("Corrective action #%(number)s on %(product)s was answered by the supplier.",
                 number=number, product=product)
    if event == "returned":
        return _("Corrective action #%(number)s on %(product)s was returned to you.",
                 number=number, product=product)
    if event == "closed":
        return _("Corrective action #%(number)s on %(product)s was closed.", number=number,
                 product=product)
    if event == "escalated":
        return _("Corrective action #%(number)s on %(product)s was escalated to the selection"
                 " managers.", number=number, product=product)
    return _("Corrective action #%(number)s on %(product)s.", number=number, product=product)


def notification_reason(notification: Notification) -> str | None:
    p = notification.params or {}
    reason = p.get("reason")
    if not reason:
        return None
    if p.get("transition") == "delist":
        return str(DELIST_REASON_LABELS.get(reason, reason))
    return reason


def _before_id() -> int | None:
    raw = request.args.get("before", "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= MAX_ID:
        return int(raw)
    return None


@bp.get("/notifications")
@login_required
def notification_list():
    unread_only = request.args.get("unread") == "1"
    before_id = _before_id()
    items = notification_service.list_notifications(
        _user(), unread_only=unread_only, limit=PAGE_SIZE + 1, before_id=before_id)
    older = items[PAGE_SIZE - 1].id if len(items) > PAGE_SIZE else None
    rows = [{"n": n, "text": notification_text(n), "reason": notification_reason(n)}
            for n in items[:PAGE_SIZE]]
    return render_template("notifications/list.html", rows=rows, form=MarkReadForm(),
                           unread_only=unread_only, older=older, first_page=before_id is None,
                           kind_labels=KIND_LABELS)


def _posted_ids() -> list[int] | None:
    """The posted ``ids`` fields; None when there are none (mark all)."""
    raw = [value.strip() for value in request.form.getlist("ids") if value.strip()]
    if not raw:
        return None
    ids = []
    for value in raw:
        if not (value.isascii() and value.isdigit() and len(value) <= 10):
            return []  # garbage marks nothing
        ids.append(int(value))
    return ids


@bp.post("/notifications/read")
@login_required
def notification_read():
    form = MarkReadForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete or expired; please try again."), "danger")
        return redirect(url_for("notifications.notification_list"))
    try:
        count = notification_service.mark_read(_user(), _posted_ids())
    except ServiceError as error:
        flash(user_message(error), "danger")
    else:
        flash(ngettext("%(num)s notification marked as read.",
                       "%(num)s notifications marked as read.", count), "success")
    return redirect(url_for("notifications.notification_list"))
