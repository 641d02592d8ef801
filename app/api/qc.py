"""Quality control endpoints of the JSON API: sampling plans, sample purchases, inspections and
their defects, a product's QC status, corrective actions.

Every route that carries an id loads its record through the service's visibility check before
anything else, so a supplier gets 404 (never 403 or 422) for what is not its own; purchases are
never a supplier's. Domain errors become JSON through the blueprint's error handlers
(app/api/views.py). The OpenAPI description is ``app.api.openapi.qc_paths``.
"""

from __future__ import annotations

import re

from flask import g, jsonify, request
from sqlalchemy import func, select

from app.api import bp
from app.api.auth import token_required
from app.api.params import flag, int_arg, json_body
from app.api.serializers import (
    capa_json,
    defect_json,
    inspection_json,
    purchase_json,
    switching_json,
)
from app.extensions import db
from app.models import Inspection, InspectionDefect, SamplePurchase
from app.models.base import MAX_ID
from app.models.qc import REIMBURSEMENT_STATUSES
from app.services import qc
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.visibility import get_visible_product
from workflows import capa as capa_rules
from workflows import sampling

MAX_PER_PAGE = 200
INSPECTION_STATUSES = ("open", "completed")
VERDICTS = ("accepted", "rejected")


# --- request helpers ----------------------------------------------------------------------------

def _fail(field: str, message: str) -> None:
    raise ValidationFailed(f"{field}: {message}", {field: message})


def _is_multipart() -> bool:
    return request.mimetype == "multipart/form-data"


def _files(name: str) -> list[tuple]:
    """The uploaded files of form field ``name`` as (data, file name) pairs for the service."""
    return [(f, f.filename or "") for f in request.files.getlist(name)]


def _only(body: dict, allowed: tuple[str, ...]) -> dict:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        _fail("fields", f"unknown field(s): {', '.join(map(str, unknown))}")
    return body


def _choice_arg(name: str, options: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in options:
        _fail(name, f"one of {', '.join(options)}")
    return value


def _page(query, serialize) -> dict:
    page = int_arg("page", 1, maximum=MAX_ID // MAX_PER_PAGE)
    per_page = min(int_arg("per_page", 50), MAX_PER_PAGE)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return {"items": [serialize(item) for item in result.items], "page": page,
            "per_page": per_page, "total": result.total}


def _staff_only(what: str) -> None:
    if g.api_user.is_supplier:
        raise Forbidden(f"suppliers do not {what}")


# --- sampling plans -----------------------------------------------------------------------------

@bp.get("/v1/sampling/plan")
@token_required
def sampling_plan():
    """ISO 2859-1 single sampling plan look-up (any signed-in user)."""
    raw = (request.args.get("lot_size") or "").strip()
    if not raw:
        _fail("lot_size", "required, a whole number of items (2 or more)")
    if not re.fullmatch(r"-?[0-9]{1,15}", raw):
        _fail("lot_size", "must be a whole number")
    aql = (request.args.get("aql") or "").strip()
    if not aql:
        _fail("aql", "required, a value of the ISO 2859-1 AQL series")
    try:
        plan = sampling.plan(int(raw), aql, request.args.get("level") or "II",
                             request.args.get("severity") or "normal")
    except sampling.SamplingError as error:
        _fail(error.argument, str(error).split(": ", 1)[1])
    return jsonify({
        "code_letter": plan.code_letter, "effective_letter": plan.effective_letter,
        "sample_size": plan.sample_size, "accept": plan.accept, "reject": plan.reject,
        "level": plan.level, "severity": plan.severity, "aql": plan.aql,
        "lot_size": plan.lot_size, "inspect_whole_lot": plan.inspect_whole_lot,
        "table": sampling.TABLE_OF_SEVERITY[plan.severity]})


# --- sample purchases ---------------------------------------------------------------------------

def _purchase_detail(purchase: SamplePurchase) -> dict:
    budget = qc.budget_status(db.session, purchase.product.category_id, purchase.purchased_on)
    receipts = qc.record_files(g.api_user, "receipt", purchase.id)
    return purchase_json(purchase, budget, receipts)


@bp.get("/v1/purchases")
@token_required
def list_purchases():
    _staff_only("see sample purchases")
    query = qc.purchases_query(int_arg("category_id"), int_arg("product_id"),
                               _choice_arg("reimbursement", REIMBURSEMENT_STATUSES))
    return jsonify(_page(query, purchase_json))


@bp.post("/v1/products/<int:product_id>/purchases")
@token_required
def create_purchase(product_id: int):
    get_visible_product(g.api_user, product_id)  # 404 before any role or body check
    receipt = None
    if _is_multipart():
        data = request.form.to_dict()
        uploads = _files("receipt")
        if len(uploads) > 1:
            _fail("receipt", "one file")
        receipt = uploads[0] if uploads else None
    else:
        data = json_body()
    purchase = qc.create_purchase(g.api_user, product_id, data, receipt)
    return jsonify(_purchase_detail(purchase)), 201


@bp.get("/v1/purchases/<int:purchase_id>")
@token_required
def get_purchase(purchase_id: int):
    return jsonify(_purchase_detail(qc.get_purchase(g.api_user, purchase_id)))


@bp.post("/v1/purchases/<int:purchase_id>/reimbursement")
@token_required
def purchase_reimbursement(purchase_id: int):
    qc.get_purchase(g.api_user, purchase_id)  # a supplier: 404
    body = _only(json_body(), ("status",))
    purchase = qc.set_reimbursement(g.api_user, purchase_id, body.get("status"))
    return jsonify(_purchase_detail(purchase))


# --- inspections --------------------------------------------------------------------------------

def _inspection_detail(inspection: Inspection) -> dict:
    photos = qc.defect_photos(g.api_user, [d.id for d in inspection.defects])
    return inspection_json(inspection, g.api_user, photos)


@bp.post("/v1/purchases/<int:purchase_id>/inspection")
@token_required
def open_inspection(purchase_id: int):
    qc.get_purchase(g.api_user, purchase_id)
    inspection = qc.open_inspection(g.api_user, purchase_id, json_body())
    return jsonify(_inspection_detail(inspection)), 201


@bp.get("/v1/inspections")
@token_required
def list_inspections():
    query = qc.visible_inspections(g.api_user, int_arg("product_id"))
    status = _choice_arg("status", INSPECTION_STATUSES)
    if status is not None:
        query = query.where(Inspection.status == status)
    verdict = _choice_arg("verdict", VERDICTS)
    if verdict is not None:
        query = query.where(Inspection.verdict == verdict)
    return jsonify(_page(query, lambda i: inspection_json(i, g.api_user)))


@bp.get("/v1/inspections/<int:inspection_id>")
@token_required
def get_inspection(inspection_id: int):
    return jsonify(_inspection_detail(qc.get_inspection(g.api_user, inspection_id)))


@bp.post("/v1/inspections/<int:inspection_id>/defects")
@token_required
def add_defect(inspection_id: int):
    qc.get_inspection(g.api_user, inspection_id)
    if _is_multipart():
        data, photos = request.form.to_dict(), _files("photos")
    else:
        data, photos = json_body(), []
    defect = qc.add_defect(g.api_user, inspection_id, data, photos)
    return jsonify(defect_json(defect, qc.defect_photos(g.api_user, [defect.id]).get(
        defect.id))), 201


@bp.delete("/v1/defects/<int:defect_id>")
@token_required
def remove_defect(defect_id: int):
    defect = db.session.get(InspectionDefect, defect_id) if defect_id <= MAX_ID else None
    if defect is None:
        raise NotFound(f"defect {defect_id} not found")
    try:
        qc.get_inspection(g.api_user, defect.inspection_id)
    except NotFound:
        raise NotFound(f"defect {defect_id} not found") from None
    inspection_id = qc.remove_defect(g.api_user, defect_id)
    return jsonify(_inspection_detail(qc.get_inspection(g.api_user, inspection_id)))


@bp.post("/v1/inspections/<int:inspection_id>/complete")
@token_required
def complete_inspection(inspection_id: int):
    qc.get_inspection(g.api_user, inspection_id)
    inspection = qc.complete_inspection(g.api_user, inspection_id, json_body(optional=True))
    return jsonify(_inspection_detail(inspection))


# --- a product's QC status ----------------------------------------------------------------------

def _counts(query, *columns) -> list:
    sub = query.order_by(None).subquery()
    cols = [sub.c[c] for c in columns]
    return db.session.execute(select(*cols, func.count()).group_by(*cols)).all()


def qc_status_json(product) -> dict:
    actor = g.api_user
    state = qc.switching_state(db.session, product.id)
    severity, why = qc.severity_for(db.session, product, "routine")
    inspections = {"open": 0, "completed": 0, "accepted": 0, "rejected": 0}
    for status, verdict, n in _counts(qc.visible_inspections(actor, product.id),
                                      "status", "verdict"):
        inspections[status] = inspections.get(status, 0) + n
        if verdict:
            inspections[verdict] = inspections.get(verdict, 0) + n
    capas = dict.fromkeys(capa_rules.STATUSES, 0)
    for status, n in _counts(qc.capas_query(actor, product.id), "status"):
        capas[status] = n
    overdue = db.session.scalar(select(func.count()).select_from(
        qc.capas_query(actor, product.id, overdue=True).order_by(None).subquery()))
    body = {
        "product_id": product.id, "state": product.state,
        "severity": severity, "severity_reason": why,
        "discontinued": state.discontinued,
        "switching": switching_json(state),
        "reduced_inspection_approved": bool(product.reduced_inspection_approved),
        "inspections": inspections,
        "corrective_actions": {**capas, "overdue": overdue or 0},
    }
    if not actor.is_supplier:
        body["purchases"] = db.session.scalar(select(func.count(SamplePurchase.id)).where(
            SamplePurchase.product_id == product.id))
    return body


@bp.get("/v1/products/<int:product_id>/qc")
@token_required
def product_qc(product_id: int):
    return jsonify(qc_status_json(get_visible_product(g.api_user, product_id)))


@bp.post("/v1/products/<int:product_id>/reduced-inspection")
@token_required
def reduced_inspection(product_id: int):
    get_visible_product(g.api_user, product_id)
    body = _only(json_body(), ("approved",))
    product = qc.set_reduced_approval(g.api_user, product_id, body.get("approved"))
    return jsonify(qc_status_json(product))


# --- corrective actions -------------------------------------------------------------------------

def _capa_detail(request_) -> dict:
    evidence = qc.record_files(g.api_user, "capa_evidence", request_.id)
    return capa_json(request_, g.api_user, qc.is_overdue(request_), evidence)


@bp.get("/v1/corrective-actions")
@token_required
def list_capas():
    query = qc.capas_query(g.api_user, int_arg("product_id"),
                           _choice_arg("status", capa_rules.STATUSES),
                           flag(request.args.get("overdue"), "overdue"))
    return jsonify(_page(query, lambda c: capa_json(c, g.api_user, qc.is_overdue(c))))


@bp.get("/v1/corrective-actions/<int:capa_id>")
@token_required
def get_capa(capa_id: int):
    return jsonify(_capa_detail(qc.get_capa(g.api_user, capa_id)))


@bp.post("/v1/corrective-actions/<int:capa_id>/answer")
@token_required
def answer_capa(capa_id: int):
    qc.get_capa(g.api_user, capa_id)
    if _is_multipart():
        data, evidence = request.form.to_dict(), _files("evidence")
        submit = flag(data.pop("submit", None), "submit")
    else:
        data, evidence = dict(json_body()), []
        submit = data.pop("submit", False)
        if not isinstance(submit, bool):
            _fail("submit", "true or false")
    request_ = qc.answer_capa(g.api_user, capa_id, data, submit, evidence)
    return jsonify(_capa_detail(request_))


@bp.post("/v1/corrective-actions/<int:capa_id>/review")
@token_required
def review_capa(capa_id: int):
    qc.get_capa(g.api_user, capa_id)
    body = _only(json_body(), ("action", "reason", "inspection_id"))
    request_ = qc.review_capa(g.api_user, capa_id, body.get("action"), body.get("reason"),
                              body.get("inspection_id"))
    return jsonify(_capa_detail(request_))
