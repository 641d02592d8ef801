"""Corrective action requests (CAPA): opened by failed inspections, answered by the supplier,
closed, returned or escalated by QC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import (
    CorrectiveAction,
    Inspection,
    Product,
    User,
)
from app.models.base import MAX_ID
from app.services import attachments as files
from app.services import notifications
from app.services.audit import record_event
from app.services.errors import Forbidden, NotFound, StateConflict, raise_if_errors
from app.services.qc.common import (
    CAPA_REVIEWERS,
    MAX_PHOTOS,
    _choice,
    _get,
    _require,
    _text,
    _today,
    _whole,
)
from workflows import capa as capa_rules
from workflows import inspection as rules
from workflows.lifecycle import Role

# --- corrective actions -------------------------------------------------------------------------

def _open_capa(session: Session, actor: User, product: Product, inspection: Inspection,
               verdict: rules.Verdict, due: date) -> CorrectiveAction:
    lines = [f"Inspection #{inspection.id} ({inspection.kind}) rejected the lot."]
    lines += verdict.arithmetic()
    lines += [f"- {d.defect_class} x{d.count}: {d.description}" for d in inspection.defects]
    request = CorrectiveAction(product_id=product.id, supplier_id=product.supplier_id,
                               inspection_id=inspection.id, status=capa_rules.OPEN,
                               due_on=due, problem="\n".join(lines), opened_by_id=actor.id)
    session.add(request)
    session.flush()
    record_event(session, actor, "product", product.id, "open_corrective_action", changes={
        f"corrective action #{request.id}": {"before": None, "after": {
            "status": capa_rules.OPEN, "inspection": inspection.id,
            "due_on": due.isoformat()}}})
    notifications.on_corrective_action(session, actor, product, request, "opened")
    return request


def get_capa(actor: User, capa_id: int) -> CorrectiveAction:
    request = _get(CorrectiveAction, capa_id, "corrective action")
    if actor.is_supplier and request.supplier_id != actor.supplier_id:
        raise NotFound(f"corrective action {capa_id} not found")
    return request


def capas_query(actor: User, product_id: int | None = None, status: str | None = None,
                overdue: bool = False):
    query = select(CorrectiveAction)
    if actor.is_supplier:
        query = query.where(CorrectiveAction.supplier_id == actor.supplier_id)
    if product_id is not None:
        query = query.where(CorrectiveAction.product_id == product_id)
    if status is not None:
        query = query.where(CorrectiveAction.status == status)
    if overdue:
        query = query.where(CorrectiveAction.status.in_(list(capa_rules.WITH_SUPPLIER)),
                            CorrectiveAction.due_on < _today())
    return query.order_by(CorrectiveAction.due_on, CorrectiveAction.id)


def is_overdue(request: CorrectiveAction) -> bool:
    return capa_rules.is_overdue(request.status, request.due_on, _today())


def _capa_move(session: Session, actor: User, request: CorrectiveAction, move: str,
               reason: str | None = None, extra: dict | None = None) -> None:
    try:
        target = capa_rules.move_target(move, request.status)
    except capa_rules.CapaError as error:
        raise StateConflict(f"corrective action {request.id}: {error}") from None
    before = request.status
    request.status = target
    record_event(session, actor, "product", request.product_id, f"{move}_corrective_action",
                 reason=reason, changes={f"corrective action #{request.id}": {
                     "before": {"status": before}, "after": {"status": target, **(extra or {})}}})


def answer_capa(actor: User, capa_id: int, data: dict, submit: bool = False,
                evidence=None) -> CorrectiveAction:
    """The supplier fills containment, root cause, corrective and preventive actions (saved as it
    goes), adds evidence files, and submits when all four are there."""
    if actor.role not in (Role.SUPPLIER, Role.ADMIN):
        raise Forbidden("only the supplier answers a corrective action request")
    if not isinstance(data, dict):
        raise_if_errors({"body": "must be an object"})
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(capa_rules.ANSWER_FIELDS))
    if unknown:
        errors["fields"] = f"unknown field(s): {', '.join(unknown)}"
    answers = {f: _text(data[f], f, errors) for f in capa_rules.ANSWER_FIELDS if f in data}
    if evidence and len(evidence) > MAX_PHOTOS:
        errors["evidence"] = f"at most {MAX_PHOTOS} files at a time"
    raise_if_errors(errors)
    with files.staged_files(evidence or []) as staged, write_transaction() as session:
        request = get_capa(actor, capa_id)
        if request.status not in capa_rules.WITH_SUPPLIER:
            raise StateConflict(f"corrective action {request.id} is {request.status}; it cannot"
                                " be changed now")
        changed = {f: v for f, v in answers.items() if getattr(request, f) != v}
        before = {f: getattr(request, f) for f in changed}
        for field, value in changed.items():
            setattr(request, field, value)
        if changed:  # saving the same answer again records nothing
            record_event(session, actor, "product", request.product_id,
                         "answer_corrective_action", changes={
                             f"corrective action #{request.id}": {"before": before,
                                                                  "after": changed}})
        product = session.get(Product, request.product_id)
        for s in staged:
            files.attach_staged(session, actor, product, s, "capa_evidence", request.id)
        if submit:
            missing = capa_rules.answer_blockers(
                {f: getattr(request, f) for f in capa_rules.ANSWER_FIELDS})
            if missing:
                raise_if_errors({m.split(": ")[0]: "required before submitting" for m in missing})
            now = datetime.now(UTC)
            _capa_move(session, actor, request, "submit")
            request.submitted_at = now
            request.first_submitted_at = request.first_submitted_at or now
            notifications.on_corrective_action(session, actor, product, request, "submitted")
        return request


def _passed_follow_up(session: Session, product_id: int, since: datetime | None,
                      inspection_id: int | None = None) -> Inspection | None:
    query = select(Inspection).where(
        Inspection.product_id == product_id, Inspection.status == "completed",
        Inspection.verdict == "accepted", Inspection.kind == "follow_up")
    if since is not None:
        query = query.where(Inspection.completed_at > since)
    if inspection_id is not None:
        query = query.where(Inspection.id == inspection_id)
    return session.scalars(query.order_by(Inspection.completed_at.desc()).limit(1)).first()


def review_capa(actor: User, capa_id: int, action: Any, reason: Any = None,
                inspection_id: Any = None) -> CorrectiveAction:
    """QC (or a manager): ``close`` (needs a follow-up inspection that passed after the answer
    was submitted), ``return`` to the supplier with a reason, or ``escalate`` (a delisting
    proposal to the selection managers) with a reason."""
    _require(actor, CAPA_REVIEWERS, "review corrective actions")
    errors: dict[str, str] = {}
    action = _choice(action, "action", ("close", "return", "escalate"), errors)
    text = _text(reason, "reason", errors, required=action in ("return", "escalate"))
    follow_up_id = None
    if inspection_id not in (None, ""):
        follow_up_id = _whole(inspection_id, "inspection_id", errors, minimum=1, maximum=MAX_ID)
    raise_if_errors(errors)
    with write_transaction() as session:
        request = get_capa(actor, capa_id)
        product = session.get(Product, request.product_id)
        extra: dict[str, Any] = {}
        if action == "close":
            if request.status == capa_rules.SUBMITTED:
                passed = _passed_follow_up(session, product.id, request.submitted_at,
                                           follow_up_id)
                if passed is None:
                    raise_if_errors({"inspection_id": "closing needs a follow-up inspection of this"
                                             " product that passed after the answer was"
                                             " submitted"})
                request.verification_inspection_id = passed.id
                request.closed_at, request.closed_by_id = datetime.now(UTC), actor.id
                extra["verified_by_inspection"] = passed.id
        elif action == "return":
            request.return_reason = text
        else:
            request.escalation_reason, request.escalated_at = text, datetime.now(UTC)
        _capa_move(session, actor, request, action, text, extra)
        notifications.on_corrective_action(session, actor, product, request,
                                           {"close": "closed", "return": "returned",
                                            "escalate": "escalated"}[action])
        return request


def overdue_product_ids(session: Session, product_ids: list[int]) -> set[int]:
    """Products (of ``product_ids``) with a corrective action request past its due date."""
    if not product_ids:
        return set()
    return set(session.scalars(select(CorrectiveAction.product_id).where(
        CorrectiveAction.product_id.in_(product_ids),
        CorrectiveAction.status.in_(list(capa_rules.WITH_SUPPLIER)),
        CorrectiveAction.due_on < _today()).distinct()))
