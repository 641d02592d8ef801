"""In-app notifications: the hooks other services call inside their transactions, and reading.

Who hears of what:

- ``submission``: a product was submitted; every active selection manager.
- ``decision``: a staff decision on a product (lifecycle transition) or on a design round; every
  active user of the product's supplier, with the reason (a decision with its reason is the
  supplier's to see).
- ``feedback``: reviewers raised feedback in a design round; the supplier's users, counting only
  the items that are not internal (internal notes never reach a supplier, not even as a count).
- ``revision``: the supplier submitted a round's revision; selection managers and designers.

Nobody is notified of their own action. The hooks only add rows to the caller's session: the
caller's transaction commits them together with the change they describe (or rolls them back).
Each row stores a short English ``message`` and ``params`` (kind, transition, product name,
round number, counts...) so pages can render a sentence in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.extensions import db
from app.models import Notification, Product, User
from app.models.base import MAX_ID
from app.services.errors import ValidationFailed
from workflows.lifecycle import TRANSITIONS

KINDS = ("submission", "decision", "feedback", "revision", "corrective_action")

#: Lifecycle transitions that are a staff decision the product's supplier hears of.
#: ``abandon`` only counts when staff apply it (a supplier abandoning knows it did).
DECISION_TRANSITIONS = frozenset({
    "accept", "reject", "request_info", "approve_design", "abandon", "fail_sampling", "list",
    "put_on_watch", "suspend", "reinstate", "delist", "relist",
})

#: The longest page ``list_notifications`` returns.
MAX_LIMIT = 200


# --- recipients -------------------------------------------------------------------------------

def _staff_ids(session: Session, roles: Iterable[str]) -> list[int]:
    return list(session.scalars(
        select(User.id).where(User.role.in_(list(roles)), User.active.is_(True)).order_by(User.id)))


def _supplier_user_ids(session: Session, supplier_id: int | None) -> list[int]:
    if supplier_id is None:
        return []
    return list(session.scalars(
        select(User.id)
        .where(User.role == "supplier", User.supplier_id == supplier_id, User.active.is_(True))
        .order_by(User.id)))


def _actor_id(actor) -> int | None:
    return getattr(actor, "id", None)


def _is_supplier(actor) -> bool:
    return bool(getattr(actor, "is_supplier", False))


def _notify(session: Session, user_ids: Iterable[int], kind: str, product_id: int | None,
            message: str, params: dict, *, actor=None) -> list[Notification]:
    """Add one notification per recipient to ``session`` (the caller's transaction commits).

    The acting user never gets a notification about their own action; duplicates are dropped.
    """
    actor_id = _actor_id(actor)
    recipients = list(dict.fromkeys(uid for uid in user_ids if uid != actor_id))
    now = datetime.now(UTC)
    rows = [
        Notification(user_id=uid, kind=kind, product_id=product_id, message=message,
                     params=dict(params, kind=kind), created_at=now)
        for uid in recipients
    ]
    session.add_all(rows)
    return rows


def _product_params(product: Product) -> dict:
    return {"product_id": product.id, "product_name": product.display_name}


# --- hooks ------------------------------------------------------------------------------------

def on_transition(session: Session, actor, product, transition: str, reason: str | None,
                  recipients: dict[int, list[int]] | None = None) -> None:
    """After a lifecycle transition, inside its transaction.

    ``product.state`` is stale here (the state was written with a bulk UPDATE), so the new state
    comes from the lifecycle table. ``recipients`` caches each supplier's users when one action
    moves many products (the elimination sweep).
    """
    rule = TRANSITIONS.get(transition)
    if rule is None:
        return
    params = {**_product_params(product), "transition": transition,
              "target": rule.target.value, "reason": reason}
    name = product.display_name
    if transition == "submit":
        _notify(session, _staff_ids(session, ["selection_manager"]), "submission", product.id,
                f"{name} was submitted for review.", params, actor=actor)
        return
    if transition not in DECISION_TRANSITIONS:
        return
    if transition == "abandon" and _is_supplier(actor):
        return  # the supplier abandoned its own proposal
    message = f"{name}: {rule.label} (now {rule.target.value})."
    if reason:
        message += f" Reason: {reason}"
    if recipients is None:
        users = _supplier_user_ids(session, product.supplier_id)
    else:
        if product.supplier_id not in recipients:
            recipients[product.supplier_id] = _supplier_user_ids(session, product.supplier_id)
        users = recipients[product.supplier_id]
    _notify(session, users, "decision", product.id, message, params, actor=actor)


def _round_product(session: Session, design_round) -> Product | None:
    return session.get(Product, design_round.product_id)


def _round_params(product: Product, design_round) -> dict:
    return {**_product_params(product), "round": design_round.number,
            "round_id": design_round.id}


def on_feedback(session: Session, actor, design_round, items: list) -> None:
    """After reviewers raise feedback items in a round (suppliers never hear of internal ones)."""
    shared = [item for item in items if not item.internal]
    if not shared:
        return
    product = _round_product(session, design_round)
    if product is None:
        return
    params = {**_round_params(product, design_round), "count": len(shared)}
    _notify(session, _supplier_user_ids(session, product.supplier_id), "feedback", product.id,
            f"{len(shared)} new feedback item(s) on {product.display_name}"
            f" (design round {design_round.number}).", params, actor=actor)


def on_revision(session: Session, actor, design_round) -> None:
    """After the supplier submits a round's revision."""
    product = _round_product(session, design_round)
    if product is None:
        return
    _notify(session, _staff_ids(session, ["selection_manager", "designer"]), "revision",
            product.id,
            f"Revision submitted for design round {design_round.number} of"
            f" {product.display_name}.", _round_params(product, design_round), actor=actor)


def on_round_decision(session: Session, actor, design_round) -> None:
    """After a reviewer closes a round with a decision."""
    product = _round_product(session, design_round)
    if product is None:
        return
    decision, reason = design_round.decision, design_round.decision_reason
    params = {**_round_params(product, design_round), "decision": decision, "reason": reason}
    message = (f"Design round {design_round.number} of {product.display_name}:"
               f" decision {decision}.")
    if reason:
        message += f" Reason: {reason}"
    _notify(session, _supplier_user_ids(session, product.supplier_id), "decision", product.id,
            message, params, actor=actor)


def on_corrective_action(session: Session, actor, product, request, event: str) -> None:
    """A corrective action request was opened, submitted, returned, closed or escalated.

    The supplier hears of every staff move; QC inspectors and selection managers of the
    supplier's submission; selection managers of an escalation (a delisting proposal).
    """
    params = {**_product_params(product), "capa_id": request.id, "event": event,
              "due_on": request.due_on.isoformat()}
    name = product.display_name
    if event == "submitted":
        _notify(session, _staff_ids(session, ["qc_inspector", "selection_manager"]),
                "corrective_action", product.id,
                f"Corrective action #{request.id} on {name} was answered by the supplier.",
                params, actor=actor)
        return
    message = {
        "opened": f"Corrective action #{request.id} opened on {name}: answer by"
                  f" {request.due_on.isoformat()}.",
        "returned": f"Corrective action #{request.id} on {name} was returned to you:"
                    f" {request.return_reason or ''}",
        "closed": f"Corrective action #{request.id} on {name} was closed.",
        "escalated": f"Corrective action #{request.id} on {name} was escalated to the"
                     " selection managers.",
    }[event]
    _notify(session, _supplier_user_ids(session, product.supplier_id), "corrective_action",
            product.id, message, params, actor=actor)
    if event == "escalated":
        _notify(session, _staff_ids(session, ["selection_manager"]), "corrective_action",
                product.id, f"Corrective action #{request.id} on {name} was escalated:"
                f" {request.escalation_reason or ''} (a delisting proposal).", params,
                actor=actor)


# --- reading ----------------------------------------------------------------------------------

def list_notifications(user: User, unread_only: bool = False, limit: int = 50,
                       before_id: int | None = None) -> list[Notification]:
    """The user's own notifications, newest first; ``before_id`` pages to older ones."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (one COUNT query)."""
    return db.session.scalar(
        select(func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def _clean_ids(ids) -> list[int]:
    if not isinstance(ids, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationFailed("ids: must be a list of notification ids",
                               {"ids": "not a list of integers"})
    if len(ids) > 1000:
        raise ValidationFailed("ids: at most 1000 at a time", {"ids": "too many"})
    return sorted({i for i in ids if 1 <= i <= MAX_ID})


def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (``ids`` None: all of them); how many changed.

    Ids of other users' notifications (or unknown ids) are silently ignored: they match nothing.
    Not audited: reading a notification is not an edit of any record the audit trail covers.
    """
    wanted = None if ids is None else _clean_ids(ids)
    if wanted == []:
        return 0
    query = (update(Notification)
             .where(Notification.user_id == user.id, Notification.read_at.is_(None))
             .values(read_at=datetime.now(UTC))
             .execution_options(synchronize_session=False))
    if wanted is not None:
        query = query.where(Notification.id.in_(wanted))
    with write_transaction() as session:
        return session.execute(query).rowcount
