"""Reading runs and candidates, and a manager's decision on a candidate."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db import write_transaction
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.models.elimination import (
    CANDIDATE_STATUSES,
    EliminationCandidate,
    EliminationRun,
)
from app.services.audit import record_event
from app.services.elimination.common import (
    DECISIONS,
    MAX_NOTE,
    READ_ROLES,
    SWEEP_ROLES,
    _get,
    _require,
)
from app.services.errors import (
    StateConflict,
    ValidationFailed,
    raise_if_errors,
)
from app.services.inputs import clean_text
from app.services.lifecycle import transition_in_session
from workflows.lifecycle import DELIST_REASON_CODES

# --- deciding --------------------------------------------------------------------------------------

def decide_candidate(actor: User, candidate_id: int, decision: str,
                     reason_code: str | None = None, note: str | None = None
                     ) -> EliminationCandidate:
    """``delist`` (with a reason code from DELIST_REASON_CODES and an optional note: applies
    the lifecycle's ``delist``) or ``dismiss`` (with a note: the product stays)."""
    _require(actor, SWEEP_ROLES, "decide elimination candidates")
    get_candidate(actor, candidate_id)
    errors: dict = {}
    if decision not in DECISIONS:
        errors["decision"] = f"one of {', '.join(DECISIONS)}"
    note = clean_text(note, "note", errors, required=decision == "dismiss", limit=MAX_NOTE)
    if decision == "delist" and reason_code not in DELIST_REASON_CODES:
        errors["reason_code"] = f"one of {', '.join(DELIST_REASON_CODES)}"
    raise_if_errors(errors)
    with write_transaction() as session:
        candidate = session.get(EliminationCandidate, candidate_id, populate_existing=True)
        if candidate.status != "open":
            raise StateConflict(f"candidate {candidate_id} is already {candidate.status}",
                                {"status": candidate.status})
        before = candidate.status
        if decision == "delist":
            transition_in_session(session, actor, candidate.product_id, "delist", reason_code)
            candidate.status, candidate.decision_reason_code = "delisted", reason_code
        else:
            candidate.status = "dismissed"
        candidate.decided_by_id, candidate.decided_at = actor.id, utcnow()
        candidate.decision_note = note
        record_event(session, actor, "elimination_candidate", candidate.id, decision,
                     reason=note, changes={
                         "status": {"before": before, "after": candidate.status},
                         "product": {"before": None, "after": candidate.product_id},
                         **({"reason_code": {"before": None, "after": reason_code}}
                            if decision == "delist" else {})})
    return db.session.get(EliminationCandidate, candidate_id, populate_existing=True)


# --- reading ---------------------------------------------------------------------------------------
def get_candidate(actor: User, candidate_id: int) -> EliminationCandidate:
    _require(actor, READ_ROLES, "see elimination candidates", True)
    return _get(EliminationCandidate, candidate_id, "candidate")


def get_run(actor: User, run_id: int) -> EliminationRun:
    _require(actor, READ_ROLES, "see elimination runs", True)
    return _get(EliminationRun, run_id, "run")


def list_runs(actor: User, limit: int = 50) -> list[EliminationRun]:
    _require(actor, READ_ROLES, "see elimination runs", True)
    return list(db.session.scalars(select(EliminationRun).order_by(EliminationRun.id.desc())
                                   .limit(limit)))


def list_candidates(actor: User, status: str | None = None, category_id: int | None = None,
                    run_id: int | None = None, product_id: int | None = None,
                    limit: int = 500) -> list[EliminationCandidate]:
    """Newest run first, then category and score (weakest first)."""
    query = candidates_query(actor, status, category_id, run_id, product_id)
    return list(db.session.scalars(
        query.options(selectinload(EliminationCandidate.product)).limit(limit)))


def candidates_query(actor: User, status: str | None = None, category_id: int | None = None,
                     run_id: int | None = None, product_id: int | None = None):
    """The SELECT behind :func:`list_candidates` (in its order), for pages."""
    _require(actor, READ_ROLES, "see elimination candidates", True)
    if status is not None and status not in CANDIDATE_STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(CANDIDATE_STATUSES)}",
                               {"status": "unknown status"})
    query = select(EliminationCandidate)
    for column, value in ((EliminationCandidate.status, status),
                          (EliminationCandidate.category_id, category_id),
                          (EliminationCandidate.run_id, run_id),
                          (EliminationCandidate.product_id, product_id)):
        if value is not None:
            query = query.where(column == value)
    return query.order_by(EliminationCandidate.run_id.desc(), EliminationCandidate.category_id,
                          EliminationCandidate.score, EliminationCandidate.product_id)


# --- plain data for the adapters ----------------------------------------------------------------

def _time(value) -> str | None:
    from app.models.base import as_utc

    return as_utc(value).isoformat() if value else None


def run_json(run: EliminationRun) -> dict:
    return {"id": run.id, "trigger": run.trigger, "status": run.status,
            "period_kind": run.period_kind, "as_of": run.as_of.isoformat(),
            "products_evaluated": run.products_evaluated,
            "candidates_count": run.candidates_count, "summary": run.summary or {},
            "error": run.error, "job_id": run.job_id, "created_by_id": run.created_by_id,
            "started_at": _time(run.started_at), "finished_at": _time(run.finished_at)}


def candidate_json(candidate: EliminationCandidate) -> dict:
    product = candidate.product
    return {"id": candidate.id, "run_id": candidate.run_id, "product_id": candidate.product_id,
            "product_name": product.display_name if product is not None else None,
            "category_id": candidate.category_id, "supplier_id": candidate.supplier_id,
            "action": candidate.action, "status": candidate.status,
            "findings": candidate.findings or [], "score": candidate.score,
            "score_detail": candidate.score_detail or {},
            "state_at_run": candidate.state_at_run, "put_on_watch": candidate.put_on_watch,
            "decided_by_id": candidate.decided_by_id, "decided_at": _time(candidate.decided_at),
            "decision_reason_code": candidate.decision_reason_code,
            "decision_note": candidate.decision_note}
