"""Design iteration: open rounds, raise feedback, supplier answers and revisions, decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import DesignRound, FeedbackItem, Product, User
from app.models.base import as_utc
from app.services import notifications
from app.services.audit import record_event
from app.services.errors import (
    Forbidden,
    NotFound,
    StateConflict,
    ValidationFailed,
    raise_if_errors,
)
from app.services.inputs import clean_text
from app.services.visibility import get_visible_product
from workflows import design as rules
from workflows.lifecycle import Role, State

DESIGN_REVIEWERS = {Role.ADMIN, Role.SELECTION_MANAGER, Role.DESIGNER}
MAX_TEXT = 4000
DEFAULT_DUE_DAYS = 14


def rounds_of(session: Session, product_id: int) -> list[DesignRound]:
    return list(session.scalars(select(DesignRound).where(DesignRound.product_id == product_id)
                                .order_by(DesignRound.number)))


def items_of(session: Session, product_id: int) -> list[FeedbackItem]:
    return list(session.scalars(select(FeedbackItem).where(FeedbackItem.product_id == product_id)
                                .order_by(FeedbackItem.id)))


def _round_view(r: DesignRound | None) -> rules.RoundView | None:
    return None if r is None else rules.RoundView(r.number, r.status, r.decision)


def _item_views(items: list[FeedbackItem]) -> list[rules.ItemView]:
    return [rules.ItemView(i.id, i.severity, i.status, i.internal) for i in items]


def approve_design_blockers(session: Session, product: Product) -> tuple[str, ...]:
    if product.state != State.IN_DESIGN:
        return ()
    rounds = rounds_of(session, product.id)
    latest = rounds[-1] if rounds else None
    if latest is not None and latest.decided_at is not None and \
            as_utc(latest.decided_at) < as_utc(product.state_changed_at):
        latest = None  # approved before the product came back (fail_sampling): needs a new round
    return tuple(rules.approve_design_blockers(
        _round_view(latest), _item_views(items_of(session, product.id))))


def _require_reviewer(actor: User) -> None:
    if actor.role not in DESIGN_REVIEWERS:
        raise Forbidden(f"role {actor.role} does not give design feedback")


def _require_own_supplier(actor: User, product: Product) -> None:
    if actor.role not in (Role.SUPPLIER, Role.ADMIN):
        raise Forbidden("only the supplier answers design feedback")


def _in_design(product: Product) -> None:
    if product.state != State.IN_DESIGN:
        raise StateConflict(f"product {product.id} is not in design (it is {product.state})")


def _current_round(session: Session, product: Product) -> DesignRound | None:
    rounds = rounds_of(session, product.id)
    return rounds[-1] if rounds and rounds[-1].status != rules.ROUND_CLOSED else None


def _text(value: Any, field: str, errors: dict, required: bool = True) -> str | None:
    return clean_text(value, field, errors, required=required, limit=MAX_TEXT)


def _due(value: Any, errors: dict) -> date:
    if value in (None, ""):
        return (datetime.now(UTC) + timedelta(days=DEFAULT_DUE_DAYS)).date()
    if isinstance(value, date):
        if value < datetime.now(UTC).date():
            errors["due_on"] = "must be today or later"
        return value
    try:
        due = date.fromisoformat(str(value))
    except ValueError:
        errors["due_on"] = "a date as YYYY-MM-DD"
        return date.today()
    if due < datetime.now(UTC).date():
        errors["due_on"] = "must be today or later"
    return due


def _open_round(session: Session, actor: User, product: Product, due_on: date) -> DesignRound:
    rounds = rounds_of(session, product.id)
    number = rounds[-1].number + 1 if rounds else 1
    limit = product.category.max_design_rounds if product.category else 5
    if number > limit:
        raise StateConflict(f"rounds: the category allows at most {limit} design rounds")
    new = DesignRound(product_id=product.id, number=number, status=rules.ROUND_OPEN,
                      opened_by_id=actor.id, due_on=due_on)
    session.add(new)
    session.flush()
    record_event(session, actor, "product", product.id, "open_round",
                 changes={"round": {"before": None, "after": {"number": number,
                                                              "due_on": due_on.isoformat()}}})
    return new


def open_round(actor: User, product_id: int, due_on: Any = None) -> DesignRound:
    errors: dict[str, str] = {}
    due = _due(due_on, errors)
    raise_if_errors(errors)
    with write_transaction() as session:
        product = get_visible_product(actor, product_id)
        _require_reviewer(actor)
        _in_design(product)
        if _current_round(session, product) is not None:
            raise StateConflict("a design round is already in progress")
        return _open_round(session, actor, product, due)


def raise_feedback(actor: User, product_id: int, items: Any) -> list[FeedbackItem]:
    """Reviewers add feedback items to the open round (area, severity, text, internal)."""
    errors: dict[str, str] = {}
    if not isinstance(items, list) or not items:
        raise_if_errors({"items": "a non-empty list of feedback items"})
    cleaned = []
    for n, raw in enumerate(items, 1):
        if not isinstance(raw, dict):
            errors[f"items[{n}]"] = "must be an object"
            continue
        area, severity = raw.get("area"), raw.get("severity")
        if area not in rules.AREAS:
            errors[f"items[{n}].area"] = f"one of {', '.join(rules.AREAS)}"
        if severity not in rules.SEVERITIES:
            errors[f"items[{n}].severity"] = f"one of {', '.join(rules.SEVERITIES)}"
        text = _text(raw.get("text"), f"items[{n}].text", errors)
        internal = raw.get("internal", False)
        if not isinstance(internal, bool):
            errors[f"items[{n}].internal"] = "true or false"
        cleaned.append({"area": area, "severity": severity, "text": text,
                        "internal": internal is True})
    raise_if_errors(errors)
    with write_transaction() as session:
        product = get_visible_product(actor, product_id)
        _require_reviewer(actor)
        _in_design(product)
        current = _current_round(session, product)
        if current is None or current.status != rules.ROUND_OPEN:
            raise StateConflict("feedback goes into an open round; open the next round first")
        created = []
        for entry in cleaned:
            item = FeedbackItem(round_id=current.id, product_id=product.id,
                                created_by_id=actor.id, status=rules.ITEM_OPEN, **entry)
            session.add(item)
            created.append(item)
        session.flush()
        for item in created:
            record_event(session, actor, "product", product.id, "feedback", changes={
                "feedback": {"before": None, "after": {
                    "id": item.id, "round": current.number, "area": item.area,
                    "severity": item.severity, "internal": item.internal}}})
        notifications.on_feedback(session, actor, current, created)
        return created


def _visible_item(session: Session, actor: User, item_id: int) -> tuple[FeedbackItem, Product]:
    item = session.get(FeedbackItem, item_id)
    if item is None:
        raise NotFound(f"feedback item {item_id} not found")
    product = get_visible_product(actor, item.product_id)
    if item.internal and actor.is_supplier:
        raise NotFound(f"feedback item {item_id} not found")
    return item, product


def respond(actor: User, item_id: int, response: Any) -> FeedbackItem:
    errors: dict[str, str] = {}
    text = _text(response, "response", errors)
    raise_if_errors(errors)
    with write_transaction() as session:
        item, product = _visible_item(session, actor, item_id)
        _require_own_supplier(actor, product)
        _in_design(product)
        current = _current_round(session, product)
        if current is None or current.status != rules.ROUND_OPEN:
            raise StateConflict("answers go into an open round")
        if item.status == rules.ITEM_RESOLVED:
            raise StateConflict(f"feedback #{item.id} is already resolved")
        before = {"status": item.status, "response": item.response}
        now = datetime.now(UTC)
        item.response, item.status, item.responded_at = text, rules.ITEM_ANSWERED, now
        current.last_supplier_activity_at = now
        record_event(session, actor, "product", product.id, "respond", changes={
            f"feedback #{item.id}": {"before": before,
                                     "after": {"status": item.status, "response": text}}})
        return item


def submit_revision(actor: User, product_id: int, notes: Any = None) -> DesignRound:
    errors: dict[str, str] = {}
    text = _text(notes, "notes", errors, required=False)
    raise_if_errors(errors)
    with write_transaction() as session:
        product = get_visible_product(actor, product_id)
        _require_own_supplier(actor, product)
        _in_design(product)
        current = _current_round(session, product)
        blockers = rules.revision_blockers(_round_view(current),
                                           _item_views(items_of(session, product.id)))
        if blockers:
            raise ValidationFailed("; ".join(blockers), {"blockers": blockers})
        now = datetime.now(UTC)
        current.status, current.revision_notes = rules.ROUND_REVISION_SUBMITTED, text
        current.revision_submitted_at = current.last_supplier_activity_at = now
        record_event(session, actor, "product", product.id, "submit_revision",
                     changes={"round": {"before": {"number": current.number, "status": "open"},
                                        "after": {"number": current.number,
                                                  "status": current.status, "notes": text}}})
        notifications.on_revision(session, actor, current)
        return current


def review_item(actor: User, item_id: int, resolved: bool) -> FeedbackItem:
    with write_transaction() as session:
        item, product = _visible_item(session, actor, item_id)
        _require_reviewer(actor)
        _in_design(product)
        try:
            target = rules.item_review_target(item.status, bool(resolved))
        except rules.DesignError as error:
            raise StateConflict(f"feedback #{item.id}: {error}") from None
        before = item.status
        item.status = target
        item.resolved_at = datetime.now(UTC) if target == rules.ITEM_RESOLVED else None
        record_event(session, actor, "product", product.id,
                     "resolve_feedback" if resolved else "reopen_feedback",
                     changes={f"feedback #{item.id}": {"before": before, "after": target}})
        return item


def decide_round(actor: User, product_id: int, decision: Any, reason: Any = None,
                 due_on: Any = None) -> DesignRound:
    """Close the round: another round (opens the next), approve the design, or abandon."""
    errors: dict[str, str] = {}
    text = _text(reason, "reason", errors, required=decision in ("abandon", "another_round"))
    due = _due(due_on if decision == "another_round" else None, errors)
    raise_if_errors(errors)
    from app.services.lifecycle import transition_in_session
    from workflows.lifecycle import TRANSITIONS

    with write_transaction() as session:
        product = get_visible_product(actor, product_id)
        _require_reviewer(actor)
        if decision == "abandon" and not TRANSITIONS["abandon"].allows_role(actor.role):
            raise Forbidden(f"role {actor.role} may not abandon a product")
        _in_design(product)
        current = _current_round(session, product)
        limit = product.category.max_design_rounds if product.category else 5
        blockers = rules.decision_blockers(decision, _round_view(current),
                                           _item_views(items_of(session, product.id)), limit)
        if blockers:
            raise ValidationFailed("; ".join(blockers), {"blockers": blockers})
        current.status, current.decision, current.decision_reason = (
            rules.ROUND_CLOSED, decision, text)
        current.decided_at, current.decided_by_id = datetime.now(UTC), actor.id
        record_event(session, actor, "product", product.id, "decide_round", reason=text,
                     changes={"round": {"before": {"number": current.number},
                                        "after": {"number": current.number,
                                                  "decision": decision}}})
        if decision != "abandon":  # abandoning notifies once, through the transition
            notifications.on_round_decision(session, actor, current)
        if decision == "another_round":
            _open_round(session, actor, product, due)
        elif decision == "abandon":
            transition_in_session(session, actor, product.id, "abandon", text)
        return current


def close_round_on_exit(session: Session, actor: User, product: Product, transition: str,
                        reason: str | None) -> None:
    """A product leaving ``in_design`` by a plain transition (abandon) closes its open round,
    so the supplier is not left with a round that waits for an answer."""
    current = _current_round(session, product)
    if current is None:
        return
    current.status, current.decision, current.decision_reason = (
        rules.ROUND_CLOSED, "abandon", reason)
    current.decided_at, current.decided_by_id = datetime.now(UTC), actor.id
    record_event(session, actor, "product", product.id, "decide_round", reason=reason,
                 changes={"round": {"before": {"number": current.number},
                                    "after": {"number": current.number, "decision": "abandon",
                                              "by": transition}}})


def stale_product_ids(session: Session, product_ids: list[int]) -> set[int]:
    """Products whose open round has waited on the supplier longer than SIEVE_STALE_DAYS."""
    if not product_ids:
        return set()
    days = current_app.config.get("SIEVE_STALE_DAYS", 14)
    now = datetime.now(UTC)
    open_rounds = session.execute(
        select(DesignRound.product_id, DesignRound.opened_at, DesignRound.last_supplier_activity_at)
        .where(DesignRound.product_id.in_(product_ids), DesignRound.status == rules.ROUND_OPEN))
    return {pid for pid, opened, activity in open_rounds
            if rules.is_stale(as_utc(activity or opened), now, days)}
