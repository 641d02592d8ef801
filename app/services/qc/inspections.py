"""Inspections: ISO 2859-1 plans per defect class, defects, the verdict and its consequences,
and the switching state that sets each lot's severity."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.extensions import db
from app.models import (
    Attachment,
    Category,
    Inspection,
    InspectionDefect,
    Product,
    User,
)
from app.services import attachments as files
from app.services.audit import record_event
from app.services.errors import NotFound, StateConflict, raise_if_errors
from app.services.qc.common import (
    INSPECTORS,
    MANAGERS,
    MAX_LOT,
    MAX_PHOTOS,
    _choice,
    _date,
    _get,
    _require,
    _text,
    _today,
    _whole,
)
from app.services.qc.corrective_actions import _open_capa
from app.services.qc.purchases import get_purchase
from app.services.visibility import get_visible_product
from workflows import capa as capa_rules
from workflows import inspection as rules
from workflows import sampling
from workflows.switching import SwitchingError, SwitchingState, next_state, resume

# --- switching state ------------------------------------------------------------------------------

def switching_state(session: Session, product_id: int) -> SwitchingState:
    """The product's ISO 2859-1 switching state: after its last completed post-listing lot."""
    stored = session.scalar(
        select(Inspection.switching_after)
        .where(Inspection.product_id == product_id, Inspection.status == "completed",
               Inspection.kind.in_(list(rules.SWITCHING_KINDS)))
        .order_by(Inspection.completed_at.desc(), Inspection.id.desc()).limit(1))
    if not stored:
        return SwitchingState()
    data = dict(stored)
    data["recent_normal"] = tuple(data.get("recent_normal") or ())
    return SwitchingState(**data)


def severity_for(session: Session, product: Product, kind: str) -> tuple[str, str]:
    """(severity, why) for a new inspection of ``kind``."""
    if kind == rules.PRE_LISTING:
        return sampling.SEVERITIES[0], "pre-listing inspection: normal inspection"
    state = switching_state(session, product.id)
    if state.discontinued:
        state = resume(state)
    return state.severity, state.reason


def set_reduced_approval(actor: User, product_id: int, approved: Any) -> Product:
    """A selection manager approves (or withdraws) reduced inspection for a product: the
    responsible authority's approval of ISO 2859-1 9.3.3 c)."""
    _require(actor, MANAGERS, "approve reduced inspection")
    if not isinstance(approved, bool):
        raise_if_errors({"approved": "true or false"})
    with write_transaction() as session:
        product = get_visible_product(actor, product_id)
        before = product.reduced_inspection_approved
        product.reduced_inspection_approved = approved
        record_event(session, actor, "product", product.id, "approve_reduced_inspection",
                     changes={"reduced_inspection_approved": {"before": before,
                                                              "after": approved}})
        return product


# --- inspections ------------------------------------------------------------------------------

def category_aqls(category: Category | None) -> dict[str, float]:
    if category is None:
        return dict(rules.DEFAULT_AQLS)
    return {"critical": category.aql_critical, "major": category.aql_major,
            "minor": category.aql_minor}


def preview_plans(category: Category | None, lot_size: Any, level: Any = None,
                  aqls: dict | None = None, severity: str = "normal"):
    """The plans an inspection would use (for the form's live preview); raises ValidationFailed."""
    errors: dict[str, str] = {}
    lot = _whole(lot_size, "lot_size", errors, minimum=2, maximum=MAX_LOT)
    raise_if_errors(errors)
    level = level or (category.inspection_level if category else "II")
    try:
        return rules.class_plans(lot, {**category_aqls(category), **(aqls or {})}, level,
                                 severity)
    except (sampling.SamplingError, rules.InspectionError) as error:
        field = getattr(error, "argument", None) or getattr(error, "field", "plan")
        raise_if_errors({field: str(error).split(": ", 1)[-1]})
    raise AssertionError("unreachable")  # pragma: no cover


def open_inspection(actor: User, purchase_id: int, data: dict) -> Inspection:
    """Start the inspection of a purchase's lot: the plan per defect class is computed from the
    lot size, level and AQLs (category defaults unless given) at the product's severity."""
    _require(actor, INSPECTORS, "inspect samples")
    if not isinstance(data, dict):
        raise_if_errors({"body": "must be an object"})
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - {"lot_size", "level", "aql"})
    if unknown:
        errors["fields"] = f"unknown field(s): {', '.join(unknown)}"
    aqls = data.get("aql") or {}
    if not isinstance(aqls, dict) or set(aqls) - set(rules.DEFECT_CLASSES):
        errors["aql"] = "an object with critical, major and/or minor"
    raise_if_errors(errors)
    with write_transaction() as session:
        purchase = get_purchase(actor, purchase_id)
        if purchase.inspection is not None:
            raise StateConflict(f"purchase {purchase.id} already has inspection"
                                f" #{purchase.inspection.id}")
        product = get_visible_product(actor, purchase.product_id)
        refusal = rules.kind_allowed(purchase.kind, product.state)
        if refusal:
            raise StateConflict(refusal, {"kind": refusal.split(": ", 1)[1]})
        severity, why = severity_for(session, product, purchase.kind)
        plans = preview_plans(product.category, data.get("lot_size"), data.get("level"), aqls,
                              severity)
        lot = plans[0] and _whole(data.get("lot_size"), "lot_size", {}, minimum=2,
                                  maximum=MAX_LOT)
        draw = rules.sample_to_draw(plans)
        if draw > purchase.quantity:
            raise_if_errors({"lot_size": f"the plan needs a sample of {draw} items but purchase"
                                f" #{purchase.id} bought {purchase.quantity}; buy more, or use"
                                " a special inspection level (S-1 to S-4)"})
        if lot < purchase.quantity:
            raise_if_errors({"lot_size": f"the lot ({lot}) cannot be smaller than the"
                                f" {purchase.quantity} items bought"})
        checklist = [{"item": item, "result": None, "note": None}
                     for item in (product.category.qc_checklist if product.category
                                  else rules.DEFAULT_CHECKLIST)]
        inspection = Inspection(
            purchase_id=purchase.id, product_id=product.id, inspector_id=actor.id,
            kind=purchase.kind, status="open", lot_size=lot,
            level=sampling._check_level(data.get("level") or (
                product.category.inspection_level if product.category else "II")),
            severity=severity, severity_reason=why,
            aqls={p.defect_class: p.aql for p in plans},
            plans=[p.as_dict() for p in plans], sample_size=draw, checklist=checklist)
        session.add(inspection)
        session.flush()
        record_event(session, actor, "product", product.id, "open_inspection", changes={
            f"inspection #{inspection.id}": {"before": None, "after": {
                "purchase": purchase.id, "kind": inspection.kind, "lot_size": lot,
                "level": inspection.level, "severity": severity, "sample_size": draw,
                "plans": inspection.plans}}})
        return inspection


def get_inspection(actor: User, inspection_id: int) -> Inspection:
    """Staff see every inspection; a supplier only the completed ones of its own products."""
    inspection = _get(Inspection, inspection_id, "inspection")
    if actor.is_supplier:
        if inspection.status != "completed":
            raise NotFound(f"inspection {inspection_id} not found")
        try:
            get_visible_product(actor, inspection.product_id)
        except NotFound:
            raise NotFound(f"inspection {inspection_id} not found") from None
    return inspection


def _open(inspection: Inspection) -> None:
    if inspection.status != "open":
        raise StateConflict(f"inspection {inspection.id} is already completed")


def plans_of(inspection: Inspection) -> tuple[rules.ClassPlan, ...]:
    return tuple(rules.ClassPlan.from_dict(p) for p in inspection.plans)


def _found(inspection: Inspection, extra: tuple[str, int] | None = None) -> dict[str, int]:
    found = dict.fromkeys(rules.DEFECT_CLASSES, 0)
    for d in inspection.defects:
        found[d.defect_class] += d.count
    if extra:
        found[extra[0]] += extra[1]
    return found


def add_defect(actor: User, inspection_id: int, data: dict, photos=None) -> InspectionDefect:
    """Log nonconforming items of one kind (class, count, description, checklist item) with
    optional photos ((data, name) pairs). A class's counts together cannot exceed its sample."""
    _require(actor, INSPECTORS, "log defects")
    if not isinstance(data, dict):
        raise_if_errors({"body": "must be an object"})
    errors: dict[str, str] = {}
    defect_class = _choice(data.get("defect_class"), "defect_class", rules.DEFECT_CLASSES,
                           errors)
    count = _whole(data.get("count"), "count", errors, minimum=1, maximum=MAX_LOT)
    description = _text(data.get("description"), "description", errors, required=True)
    item = _text(data.get("checklist_item"), "checklist_item", errors, limit=60)
    if photos and len(photos) > MAX_PHOTOS:
        errors["photos"] = f"at most {MAX_PHOTOS} photos"
    raise_if_errors(errors)
    with files.staged_files(photos or []) as staged, write_transaction() as session:
        inspection = get_inspection(actor, inspection_id)
        _open(inspection)
        product = get_visible_product(actor, inspection.product_id)
        if item and item not in [c["item"] for c in inspection.checklist]:
            raise_if_errors({"checklist_item": f"{item!r} is not on this inspection's checklist"})
        plan = next(p for p in plans_of(inspection) if p.defect_class == defect_class)
        total = _found(inspection, (defect_class, count))[defect_class]
        if total > plan.sample_size:
            raise_if_errors({"count": f"{total} nonconforming {defect_class} items in all is more than"
                             f" the {defect_class} sample of {plan.sample_size}"})
        for s in staged:
            if not s.kind.content_type.startswith("image/"):
                raise files.UploadRefused("type_not_allowed", s.name,
                                          f"{s.name!r} is not a photo (JPEG, PNG or WebP)")
        defect = InspectionDefect(inspection_id=inspection.id, product_id=product.id,
                                  defect_class=defect_class, count=count,
                                  description=description, checklist_item=item,
                                  created_by_id=actor.id)
        session.add(defect)
        session.flush()
        record_event(session, actor, "product", product.id, "log_defect", changes={
            f"inspection #{inspection.id}": {"before": None, "after": {
                "defect": defect.id, "class": defect_class, "count": count,
                "description": description, "checklist_item": item}}})
        # Internal while the inspection is open (a supplier sees completed inspections only);
        # complete_inspection shares them with the supplier together with the verdict.
        for s in staged:
            files.attach_staged(session, actor, product, s, "defect_photo", defect.id,
                                internal=True)
        session.expire(inspection, ["defects"])
        return defect


def remove_defect(actor: User, defect_id: int) -> int:
    """Remove a defect logged by mistake (and its photos) while its inspection is open; returns
    the inspection's id. Audited: the defect and each photo leave an event."""
    _require(actor, INSPECTORS, "remove defects")
    with write_transaction() as session:
        defect = _get(InspectionDefect, defect_id, "defect")
        inspection = get_inspection(actor, defect.inspection_id)
        _open(inspection)
        photos = list(session.scalars(select(Attachment).where(
            Attachment.purpose == "defect_photo", Attachment.ref_id == defect.id)))
        paths = [files.stored_path(p) for p in photos]
        for photo in photos:
            # Named after the inspection too: a supplier sees neither while it is open.
            record_event(session, actor, "product", defect.product_id, "detach",
                         changes={"attachment": {"before": files._summary(photo),
                                                 "after": None},
                                  f"inspection #{inspection.id}": {
                                      "before": {"defect_photo": photo.id}, "after": None}})
            session.delete(photo)
        record_event(session, actor, "product", defect.product_id, "remove_defect", changes={
            f"inspection #{inspection.id}": {"before": {
                "defect": defect.id, "class": defect.defect_class, "count": defect.count,
                "description": defect.description}, "after": None}})
        session.delete(defect)
        inspection_id = inspection.id
    for path in paths:
        path.unlink(missing_ok=True)
    return inspection_id


def _clean_checklist(inspection: Inspection, results: Any, errors: dict) -> list[dict]:
    items = [c["item"] for c in inspection.checklist]
    if results is None:
        results = {}
    if isinstance(results, list):
        try:
            results = {r["item"]: r for r in results}
        except (TypeError, KeyError):
            errors["checklist"] = "a list of {item, result, note}"
            return []
    if not isinstance(results, dict):
        errors["checklist"] = "a list of {item, result, note}"
        return []
    unknown = sorted(set(results) - set(items))
    if unknown:
        errors["checklist"] = f"not on the checklist: {', '.join(map(str, unknown))}"
    cleaned = []
    for item in items:
        entry = results.get(item)
        if isinstance(entry, str):
            entry = {"result": entry}
        if not isinstance(entry, dict) or entry.get("result") not in rules.CHECK_RESULTS:
            errors[f"checklist.{item}"] = f"one of {', '.join(rules.CHECK_RESULTS)}"
            continue
        note = _text(entry.get("note"), f"checklist.{item}.note", errors, limit=1000)
        cleaned.append({"item": item, "result": entry["result"], "note": note})
    return cleaned


def complete_inspection(actor: User, inspection_id: int, data: dict) -> Inspection:
    """Compute the verdict from the defects logged, record the checklist, feed the switching
    rules and apply the consequences: a lifecycle transition and, on failure, a corrective
    action request to the supplier. One transaction."""
    _require(actor, INSPECTORS, "complete inspections")
    if not isinstance(data, dict):
        raise_if_errors({"body": "must be an object"})
    from app.services.lifecycle import transition_in_session

    with write_transaction() as session:
        inspection = get_inspection(actor, inspection_id)
        _open(inspection)
        product = get_visible_product(actor, inspection.product_id)
        errors: dict[str, str] = {}
        unknown = sorted(set(data) - {"checklist", "summary", "internal_notes",
                                      "production_steady", "capa_due_on"})
        if unknown:
            errors["fields"] = f"unknown field(s): {', '.join(unknown)}"
        checklist = _clean_checklist(inspection, data.get("checklist"), errors)
        summary = _text(data.get("summary"), "summary", errors)
        notes = _text(data.get("internal_notes"), "internal_notes", errors)
        steady = data.get("production_steady")
        steady = False if steady is None else steady
        if not isinstance(steady, bool):
            errors["production_steady"] = "true or false"
        due = _date(data.get("capa_due_on"), "capa_due_on", errors,
                    default=_today() + timedelta(days=product.category.capa_due_days
                                                 if product.category else
                                                 capa_rules.DEFAULT_DUE_DAYS))
        if due is not None and due < _today():
            errors["capa_due_on"] = "must be today or later"
        raise_if_errors(errors)
        verdict = rules.evaluate(plans_of(inspection), _found(inspection))
        state_after = None
        discontinued = False
        if inspection.kind in rules.SWITCHING_KINDS:
            before = switching_state(session, product.id)
            if before.discontinued:
                before = resume(before)
            lot = rules.lot_result(verdict, inspection.lot_size, inspection.level,
                                   inspection.severity)
            try:
                after = next_state(before, lot, production_steady=steady,
                                   reduced_approved=product.reduced_inspection_approved)
            except SwitchingError as error:  # pragma: no cover - resumed above
                raise StateConflict(str(error)) from None
            discontinued = after.discontinued
            state_after = asdict(after)
        now = datetime.now(UTC)
        inspection.status, inspection.completed_at = "completed", now
        inspection.checklist, inspection.summary, inspection.internal_notes = (
            checklist, summary, notes)
        inspection.production_steady = steady
        inspection.verdict = "accepted" if verdict.accepted else "rejected"
        inspection.found = {r.plan.defect_class: r.found for r in verdict.results}
        inspection.arithmetic = verdict.arithmetic()
        inspection.switching_after = state_after
        defect_ids = [d.id for d in inspection.defects]
        if defect_ids:
            session.execute(update(Attachment).where(
                Attachment.purpose == "defect_photo", Attachment.ref_id.in_(defect_ids))
                .values(internal=False).execution_options(synchronize_session=False))
        transition = rules.consequence(inspection.kind, product.state, verdict, discontinued)
        inspection.consequence = transition
        session.flush()
        record_event(session, actor, "product", product.id, "complete_inspection", changes={
            f"inspection #{inspection.id}": {"before": {"status": "open"}, "after": {
                "status": "completed", "verdict": inspection.verdict, "found": inspection.found,
                "arithmetic": inspection.arithmetic, "consequence": transition,
                "switching": state_after and {"severity": state_after["severity"],
                                              "reason": state_after["reason"]}}}})
        if not verdict.accepted:
            _open_capa(session, actor, product, inspection, verdict, due)
        if transition is not None:
            reason = (f"inspection #{inspection.id}: " + "; ".join(verdict.arithmetic()))[:2000]
            transition_in_session(session, actor, product.id, transition, reason)
        return inspection


def inspections_query(product_id: int | None = None, supplier_id: int | None = None,
                      completed_only: bool = False):
    query = select(Inspection)
    if product_id is not None:
        query = query.where(Inspection.product_id == product_id)
    if supplier_id is not None:
        query = query.join(Product, Product.id == Inspection.product_id).where(
            Product.supplier_id == supplier_id)
    if completed_only:
        query = query.where(Inspection.status == "completed")
    return query.order_by(Inspection.started_at.desc(), Inspection.id.desc())


def visible_inspections(actor: User, product_id: int | None = None):
    """Inspections the actor may list (a supplier: completed ones of its own products)."""
    if actor.is_supplier:
        return inspections_query(product_id, actor.supplier_id, completed_only=True)
    return inspections_query(product_id)


def defect_photos(actor: User, defect_ids: list[int]) -> dict[int, list[Attachment]]:
    """{defect id: its photos}, in one query."""
    if not defect_ids:
        return {}
    query = select(Attachment).where(Attachment.purpose == "defect_photo",
                                     Attachment.ref_id.in_(defect_ids))
    if actor.is_supplier:
        query = query.where(Attachment.internal.is_(False))
    out: dict[int, list[Attachment]] = {}
    for a in db.session.scalars(query.order_by(Attachment.id)):
        out.setdefault(a.ref_id, []).append(a)
    return out


def record_files(actor: User, purpose: str, ref_id: int) -> list[Attachment]:
    """Files of one QC record (receipt of a purchase, evidence of a corrective action)."""
    query = select(Attachment).where(Attachment.purpose == purpose, Attachment.ref_id == ref_id)
    if actor.is_supplier:
        query = query.where(Attachment.internal.is_(False))
    return list(db.session.scalars(query.order_by(Attachment.id)))


def switching_states(session: Session, product_ids: list[int]) -> dict[int, SwitchingState]:
    """:func:`switching_state` of several products in one query; products without a completed
    post-listing lot are left out (they are at normal inspection)."""
    if not product_ids:
        return {}
    ranked = (select(Inspection.product_id, Inspection.switching_after,
                     func.row_number().over(
                         partition_by=Inspection.product_id,
                         order_by=(Inspection.completed_at.desc(), Inspection.id.desc()))
                     .label("n"))
              .where(Inspection.product_id.in_(product_ids), Inspection.status == "completed",
                     Inspection.kind.in_(list(rules.SWITCHING_KINDS)))
              .subquery())
    states = {}
    for product_id, stored in session.execute(
            select(ranked.c.product_id, ranked.c.switching_after).where(ranked.c.n == 1)):
        if stored:
            data = dict(stored)
            data["recent_normal"] = tuple(data.get("recent_normal") or ())
            states[product_id] = SwitchingState(**data)
    return states
