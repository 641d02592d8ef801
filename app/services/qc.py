"""Quality control: sample purchases, ISO 2859-1 inspections, corrective actions, listing gates.

Every use case is one write transaction and leaves audit events on the product's trail. The
rules live in ``workflows`` (sampling plans, switching, verdicts, corrective-action moves); this
module validates input, loads and stores records, and applies the lifecycle consequences through
``app.services.lifecycle.transition_in_session`` (actor: the inspector; reason: the inspection).

What a supplier sees: completed inspections of its own products (plans, defects, photos, verdict,
summary; never the purchase, its price or receipt, or internal notes), and its corrective action
requests. Everything else answers 404 to a supplier.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    Category,
    Certificate,
    CorrectiveAction,
    Inspection,
    InspectionDefect,
    Product,
    SamplePurchase,
    User,
)
from app.models.base import MAX_ID, as_utc
from app.models.qc import REIMBURSEMENT_STATUSES
from app.services import attachments as files
from app.services import notifications
from app.services.audit import record_event
from app.services.errors import Forbidden, NotFound, StateConflict, ValidationFailed
from app.services.proposal_details import CURRENCIES, cents_to_amount, parse_money
from app.services.visibility import get_visible_product
from workflows import capa as capa_rules
from workflows import inspection as rules
from workflows import sampling
from workflows.lifecycle import OCCUPIES_SKU_SLOT, Role, State
from workflows.listing import SlotHolder, certificate_problems, rank_weakest
from workflows.switching import SwitchingError, SwitchingState, next_state, resume

INSPECTORS = {Role.ADMIN, Role.QC_INSPECTOR}
MANAGERS = {Role.ADMIN, Role.SELECTION_MANAGER}
#: Staff who verify, return and escalate corrective actions.
CAPA_REVIEWERS = {Role.ADMIN, Role.QC_INSPECTOR, Role.SELECTION_MANAGER}
MAX_TEXT = 4000
MAX_QUANTITY = 100_000
MAX_LOT = 10_000_000
MAX_PHOTOS = 10
EARLIEST_PURCHASE = date(2000, 1, 1)
#: Actions on a product's trail that describe purchases (internal: hidden from suppliers).
INTERNAL_ACTIONS = frozenset({"log_purchase", "reimbursement"})


# --- input helpers ----------------------------------------------------------------------------

def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed("; ".join(f"{k}: {v}" for k, v in errors.items()), errors)


def _text(value: Any, field: str, errors: dict, *, required: bool = False,
          limit: int = MAX_TEXT) -> str | None:
    if value is not None and not isinstance(value, str):
        errors[field] = "must be text"
        return None
    text = (value or "").strip()
    if required and not text:
        errors[field] = "required"
    elif len(text) > limit:
        errors[field] = f"at most {limit} characters"
    return text or None


def _whole(value: Any, field: str, errors: dict, *, minimum: int, maximum: int,
           required: bool = True) -> int | None:
    """A whole number from JSON (int) or a form (digit string); ``field`` names it in errors."""
    if value is None or value == "":
        if required:
            errors[field] = "required"
        return None
    if isinstance(value, bool):
        errors[field] = "must be a whole number"
        return None
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?[0-9]{1,12}", text):
            errors[field] = "must be a whole number"
            return None
        value = int(text)
    if not isinstance(value, int):
        errors[field] = "must be a whole number"
        return None
    if value < minimum:
        errors[field] = f"must be at least {minimum}" if minimum > 0 else "must not be negative"
        return None
    if value > maximum:
        errors[field] = f"must be at most {maximum:,}"
        return None
    return value


def _date(value: Any, field: str, errors: dict, default: date | None = None) -> date | None:
    if value in (None, ""):
        if default is None:
            errors[field] = "required, a date as YYYY-MM-DD"
        return default
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = "a date as YYYY-MM-DD"
        return None


def _choice(value: Any, field: str, options: tuple[str, ...], errors: dict) -> str | None:
    if value not in options:
        errors[field] = f"one of {', '.join(options)}"
        return None
    return value


def _today() -> date:
    return datetime.now(UTC).date()


def _require(actor: User, roles: set, what: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"role {actor.role} may not {what}")


def _order_key(channel: str, store: str, order: str) -> str:
    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()
    return f"{channel}|{norm(store)}|{norm(order)}"


def _get(model, record_id: int, label: str):
    record = db.session.get(model, record_id) if 1 <= record_id <= MAX_ID else None
    if record is None:
        raise NotFound(f"{label} {record_id} not found")
    return record


# --- sample purchases ---------------------------------------------------------------------------

PURCHASE_FIELDS = ("kind", "channel", "store_name", "order_number", "purchased_on", "quantity",
                   "unit_price", "total", "currency", "batch_code", "notes")


def _clean_purchase(data: dict) -> dict:
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(PURCHASE_FIELDS) - {"product_id"})
    if unknown:
        errors["fields"] = f"unknown field(s): {', '.join(unknown)}"
    kind = _choice(data.get("kind"), "kind", rules.KINDS, errors)
    channel = _choice(data.get("channel"), "channel", rules.CHANNELS, errors)
    store = _text(data.get("store_name"), "store_name", errors, required=True, limit=200)
    order = _text(data.get("order_number"), "order_number", errors, required=True, limit=80)
    purchased_on = _date(data.get("purchased_on"), "purchased_on", errors)
    if purchased_on is not None:
        if purchased_on > _today():
            errors["purchased_on"] = f"{purchased_on.isoformat()} is in the future"
        elif purchased_on < EARLIEST_PURCHASE:
            errors["purchased_on"] = f"must be {EARLIEST_PURCHASE.isoformat()} or later"
    quantity = _whole(data.get("quantity"), "quantity", errors, minimum=1, maximum=MAX_QUANTITY)
    unit = parse_money(data.get("unit_price"), "unit_price", errors)
    if unit is None and "unit_price" not in errors:
        errors["unit_price"] = "required"
    total = parse_money(data.get("total"), "total", errors)
    if total is None and "total" not in errors and unit is not None and quantity is not None:
        total = unit * quantity
    currency = str(data.get("currency") or "CNY").strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = f"one of {', '.join(CURRENCIES)}"
    batch = _text(data.get("batch_code"), "batch_code", errors, limit=80)
    notes = _text(data.get("notes"), "notes", errors)
    _raise(errors)
    return {"kind": kind, "channel": channel, "store_name": store, "order_number": order,
            "order_key": _order_key(channel, store, order), "purchased_on": purchased_on,
            "quantity": quantity, "unit_price_cents": unit, "total_cents": total,
            "currency": currency, "batch_code": batch, "notes": notes}


def _purchase_summary(p: SamplePurchase) -> dict:
    return {"id": p.id, "kind": p.kind, "channel": p.channel, "store_name": p.store_name,
            "order_number": p.order_number, "purchased_on": p.purchased_on.isoformat(),
            "quantity": p.quantity, "unit_price": cents_to_amount(p.unit_price_cents),
            "total": cents_to_amount(p.total_cents), "currency": p.currency,
            "batch_code": p.batch_code}


def create_purchase(actor: User, product_id: int, data: dict, receipt=None) -> SamplePurchase:
    """Log a sample purchase (QC inspectors and admins); ``receipt``: optional (data, name) of
    the receipt file (JPEG, PNG, WebP or PDF), stored with the purchase or not at all."""
    _require(actor, INSPECTORS, "log sample purchases")
    if not isinstance(data, dict):
        _raise({"body": "must be an object"})
    cleaned = _clean_purchase(data)
    get_visible_product(actor, product_id)
    with files.staged_files([receipt] if receipt else []) as staged, \
            write_transaction() as session:
        product = get_visible_product(actor, product_id)
        refusal = rules.kind_allowed(cleaned["kind"], product.state)
        if refusal:
            raise StateConflict(refusal, {"kind": refusal.split(": ", 1)[1]})
        duplicate = session.scalar(select(SamplePurchase.id).where(
            SamplePurchase.order_key == cleaned["order_key"]))
        if duplicate is not None:
            _raise({"order_number": f"order {cleaned['order_number']} from"
                                    f" {cleaned['store_name']} is already logged as purchase"
                                    f" #{duplicate}"})
        purchase = SamplePurchase(product_id=product.id, purchaser_id=actor.id, **cleaned)
        session.add(purchase)
        session.flush()
        record_event(session, actor, "product", product.id, "log_purchase",
                     changes={"purchase": {"before": None, "after": _purchase_summary(purchase)}})
        for item in staged:
            files.attach_staged(session, actor, product, item, "receipt", purchase.id,
                                internal=True)
        return purchase


def get_purchase(actor: User, purchase_id: int) -> SamplePurchase:
    """Staff only: purchases are the platform's business (a supplier gets 404)."""
    if actor.is_supplier:
        raise NotFound(f"purchase {purchase_id} not found")
    return _get(SamplePurchase, purchase_id, "purchase")


_REIMBURSEMENT_NEXT = {"submitted": "approved", "approved": "paid"}


def set_reimbursement(actor: User, purchase_id: int, status: Any) -> SamplePurchase:
    """Move a purchase's reimbursement forward (submitted -> approved -> paid); selection
    managers and admins, never for their own purchase."""
    _require(actor, MANAGERS, "approve reimbursements")
    errors: dict[str, str] = {}
    status = _choice(status, "status", REIMBURSEMENT_STATUSES, errors)
    _raise(errors)
    with write_transaction() as session:
        purchase = get_purchase(actor, purchase_id)
        if purchase.purchaser_id == actor.id:
            raise Forbidden("nobody approves or pays their own purchase")
        if _REIMBURSEMENT_NEXT.get(purchase.reimbursement_status) != status:
            raise StateConflict(f"purchase {purchase.id} is {purchase.reimbursement_status};"
                                f" it cannot become {status}")
        before = purchase.reimbursement_status
        purchase.reimbursement_status = status
        purchase.reimbursement_changed_at = datetime.now(UTC)
        record_event(session, actor, "product", purchase.product_id, "reimbursement",
                     changes={f"purchase #{purchase.id}": {"before": before, "after": status}})
        return purchase


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def budget_status(session: Session, category_id: int | None, day: date | None = None) -> dict:
    """The category's sample-purchase spend in ``day``'s month against its monthly budget.
    Amounts in cents; ``over`` when spend exceeds a set budget. Currencies are not converted:
    the budget is in the platform's currency and so are the purchases it counts (CNY)."""
    day = day or _today()
    start, end = month_bounds(day)
    budget = None
    if category_id is not None:
        budget = session.scalar(select(Category.qc_monthly_budget_cents)
                                .where(Category.id == category_id))
    spent = session.scalar(
        select(func.coalesce(func.sum(SamplePurchase.total_cents), 0))
        .join(Product, Product.id == SamplePurchase.product_id)
        .where(Product.category_id == category_id, SamplePurchase.purchased_on >= start,
               SamplePurchase.purchased_on < end)) or 0
    return {"month": start.strftime("%Y-%m"), "budget_cents": budget, "spent_cents": int(spent),
            "remaining_cents": None if budget is None else budget - int(spent),
            "over": budget is not None and spent > budget}


def purchases_query(category_id: int | None = None, product_id: int | None = None,
                    reimbursement: str | None = None):
    query = select(SamplePurchase).join(Product, Product.id == SamplePurchase.product_id)
    if category_id is not None:
        query = query.where(Product.category_id == category_id)
    if product_id is not None:
        query = query.where(SamplePurchase.product_id == product_id)
    if reimbursement is not None:
        query = query.where(SamplePurchase.reimbursement_status == reimbursement)
    return query.order_by(SamplePurchase.purchased_on.desc(), SamplePurchase.id.desc())


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
        _raise({"approved": "true or false"})
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
    _raise(errors)
    level = level or (category.inspection_level if category else "II")
    try:
        return rules.class_plans(lot, {**category_aqls(category), **(aqls or {})}, level,
                                 severity)
    except (sampling.SamplingError, rules.InspectionError) as error:
        field = getattr(error, "argument", None) or getattr(error, "field", "plan")
        _raise({field: str(error).split(": ", 1)[-1]})
    raise AssertionError("unreachable")  # pragma: no cover


def open_inspection(actor: User, purchase_id: int, data: dict) -> Inspection:
    """Start the inspection of a purchase's lot: the plan per defect class is computed from the
    lot size, level and AQLs (category defaults unless given) at the product's severity."""
    _require(actor, INSPECTORS, "inspect samples")
    if not isinstance(data, dict):
        _raise({"body": "must be an object"})
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - {"lot_size", "level", "aql"})
    if unknown:
        errors["fields"] = f"unknown field(s): {', '.join(unknown)}"
    aqls = data.get("aql") or {}
    if not isinstance(aqls, dict) or set(aqls) - set(rules.DEFECT_CLASSES):
        errors["aql"] = "an object with critical, major and/or minor"
    _raise(errors)
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
            _raise({"lot_size": f"the plan needs a sample of {draw} items but purchase"
                                f" #{purchase.id} bought {purchase.quantity}; buy more, or use"
                                " a special inspection level (S-1 to S-4)"})
        if lot < purchase.quantity:
            _raise({"lot_size": f"the lot ({lot}) cannot be smaller than the"
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
        _raise({"body": "must be an object"})
    errors: dict[str, str] = {}
    defect_class = _choice(data.get("defect_class"), "defect_class", rules.DEFECT_CLASSES,
                           errors)
    count = _whole(data.get("count"), "count", errors, minimum=1, maximum=MAX_LOT)
    description = _text(data.get("description"), "description", errors, required=True)
    item = _text(data.get("checklist_item"), "checklist_item", errors, limit=60)
    if photos and len(photos) > MAX_PHOTOS:
        errors["photos"] = f"at most {MAX_PHOTOS} photos"
    _raise(errors)
    with files.staged_files(photos or []) as staged, write_transaction() as session:
        inspection = get_inspection(actor, inspection_id)
        _open(inspection)
        product = get_visible_product(actor, inspection.product_id)
        if item and item not in [c["item"] for c in inspection.checklist]:
            _raise({"checklist_item": f"{item!r} is not on this inspection's checklist"})
        plan = next(p for p in plans_of(inspection) if p.defect_class == defect_class)
        total = _found(inspection, (defect_class, count))[defect_class]
        if total > plan.sample_size:
            _raise({"count": f"{total} nonconforming {defect_class} items in all is more than"
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
        for s in staged:
            files.attach_staged(session, actor, product, s, "defect_photo", defect.id)
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
            record_event(session, actor, "product", defect.product_id, "detach",
                         changes={"attachment": {"before": files._summary(photo),
                                                 "after": None}})
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
        _raise({"body": "must be an object"})
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
        steady = data.get("production_steady", False)
        if not isinstance(steady, bool):
            errors["production_steady"] = "true or false"
        due = _date(data.get("capa_due_on"), "capa_due_on", errors,
                    default=_today() + timedelta(days=product.category.capa_due_days
                                                 if product.category else
                                                 capa_rules.DEFAULT_DUE_DAYS))
        if due is not None and due < _today():
            errors["capa_due_on"] = "must be today or later"
        _raise(errors)
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
        _raise({"body": "must be an object"})
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(capa_rules.ANSWER_FIELDS))
    if unknown:
        errors["fields"] = f"unknown field(s): {', '.join(unknown)}"
    answers = {f: _text(data[f], f, errors) for f in capa_rules.ANSWER_FIELDS if f in data}
    if evidence and len(evidence) > MAX_PHOTOS:
        errors["evidence"] = f"at most {MAX_PHOTOS} files at a time"
    _raise(errors)
    with files.staged_files(evidence or []) as staged, write_transaction() as session:
        request = get_capa(actor, capa_id)
        if request.status not in capa_rules.WITH_SUPPLIER:
            raise StateConflict(f"corrective action {request.id} is {request.status}; it cannot"
                                " be changed now")
        before = {f: getattr(request, f) for f in answers}
        for field, value in answers.items():
            setattr(request, field, value)
        if answers:
            record_event(session, actor, "product", request.product_id,
                         "answer_corrective_action", changes={
                             f"corrective action #{request.id}": {"before": before,
                                                                  "after": answers}})
        product = session.get(Product, request.product_id)
        for s in staged:
            files.attach_staged(session, actor, product, s, "capa_evidence", request.id)
        if submit:
            missing = capa_rules.answer_blockers(
                {f: getattr(request, f) for f in capa_rules.ANSWER_FIELDS})
            if missing:
                _raise({m.split(": ")[0]: "required before submitting" for m in missing})
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
    _raise(errors)
    with write_transaction() as session:
        request = get_capa(actor, capa_id)
        product = session.get(Product, request.product_id)
        extra: dict[str, Any] = {}
        if action == "close":
            if request.status == capa_rules.SUBMITTED:
                passed = _passed_follow_up(session, product.id, request.submitted_at,
                                           follow_up_id)
                if passed is None:
                    _raise({"inspection_id": "closing needs a follow-up inspection of this"
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


# --- listing gates ------------------------------------------------------------------------------

def _state_entered(session: Session, product_id: int, actions: tuple[str, ...]) -> int | None:
    return session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.subject_type == "product", AuditEvent.subject_id == product_id,
        AuditEvent.action.in_(actions)))


def listing_facts(session: Session, product: Product, on: date | None = None) -> dict:
    """Snapshot fields for the ``list`` guards (ProductSnapshot keyword arguments)."""
    if product.state != State.SAMPLING:
        return {}
    on = on or _today()
    last = dict(session.execute(
        select(AuditEvent.action, func.max(AuditEvent.id))
        .where(AuditEvent.subject_type == "product", AuditEvent.subject_id == product.id,
               AuditEvent.action.in_(["accept", "approve_design", "fail_sampling"]))
        .group_by(AuditEvent.action)).all())
    design_ok = "approve_design" in last and last["approve_design"] > last.get("fail_sampling", 0)
    passed_at = session.scalar(select(func.max(Inspection.completed_at)).where(
        Inspection.product_id == product.id, Inspection.kind == rules.PRE_LISTING,
        Inspection.verdict == "accepted"))
    category = product.category
    required = list(category.required_certificates or []) if category else []
    held = session.execute(select(Certificate.standard_code, Certificate.expires_on).where(
        Certificate.supplier_id == product.supplier_id)).all() if required else []
    return {
        "selection_passed": "accept" in last,
        "design_approved": design_ok,
        "prelisting_passed_days_ago": None if passed_at is None
        else (_today() - as_utc(passed_at).date()).days,
        "prelisting_valid_days": category.prelisting_valid_days if category else 90,
        "certificate_problems": tuple(certificate_problems(required, held, on)),
    }


def weakest_listed(session: Session, category_id: int, limit: int = 5) -> tuple[str, ...]:
    """The category's slot holders, weakest first, described for the SKU-cap guard message."""
    since = datetime.now(UTC) - timedelta(days=365)
    inspected = (select(Inspection.product_id,
                        func.count(Inspection.id).label("n"),
                        func.sum(case((Inspection.verdict == "rejected", 1), else_=0))
                        .label("failed"))
                 .where(Inspection.status == "completed", Inspection.completed_at >= since)
                 .group_by(Inspection.product_id).subquery())
    unresolved = (select(CorrectiveAction.product_id, func.count(CorrectiveAction.id).label("n"))
                  .where(CorrectiveAction.status.in_(list(capa_rules.UNRESOLVED)))
                  .group_by(CorrectiveAction.product_id).subquery())
    rows = session.execute(
        select(Product.id, Product.name_zh, Product.name_en, Product.state, inspected.c.n,
               inspected.c.failed, unresolved.c.n)
        .outerjoin(inspected, inspected.c.product_id == Product.id)
        .outerjoin(unresolved, unresolved.c.product_id == Product.id)
        .where(Product.category_id == category_id,
               Product.state.in_([s.value for s in OCCUPIES_SKU_SLOT])))
    holders = [SlotHolder(pid, zh or en or f"#{pid}", state, int(n or 0), int(failed or 0),
                          int(open_n or 0))
               for pid, zh, en, state, n, failed, open_n in rows]
    return tuple(h.describe() for h in rank_weakest(holders)[:limit])


def watch_exit_blockers(session: Session, product: Product) -> tuple[str, ...]:
    """Why a watched or suspended product may not go back to listed (resolve_watch, reinstate)."""
    if product.state not in (State.UNDER_WATCH, State.SUSPENDED):
        return ()
    capas = [capa_rules.CapaView(i, s) for i, s in session.execute(
        select(CorrectiveAction.id, CorrectiveAction.status)
        .where(CorrectiveAction.product_id == product.id,
               CorrectiveAction.status.in_(list(capa_rules.UNRESOLVED)))
        .order_by(CorrectiveAction.id))]
    passed = _passed_follow_up(session, product.id, as_utc(product.state_changed_at))
    return tuple(capa_rules.watch_exit_blockers(capas, passed is not None))


def clean_listing(product: Product, details: Any) -> dict:
    """``list`` details: retail price (default: the target price) and launch date (default:
    today; today or later, within a year). Column values for the product."""
    details = details or {}
    if not isinstance(details, dict):
        _raise({"details": "must be an object"})
    errors: dict[str, str] = {}
    unknown = sorted(set(details) - {"retail_price", "launch_date"})
    if unknown:
        errors["fields"] = f"unknown field(s): {', '.join(unknown)}"
    price = parse_money(details.get("retail_price"), "retail_price", errors)
    if price is None and "retail_price" not in errors:
        price = product.target_price_cents
        if price is None:
            errors["retail_price"] = "required"
    launch = _date(details.get("launch_date"), "launch_date", errors, default=_today())
    if launch is not None and "launch_date" not in errors:
        if launch < _today():
            errors["launch_date"] = "must be today or later"
        elif launch > _today() + timedelta(days=366):
            errors["launch_date"] = "must be within a year"
    _raise(errors)
    return {"retail_price_cents": price, "launched_on": launch}
