"""Sample purchases: logging them, reimbursement, spend against the monthly QC budget."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.models import (
    Category,
    Product,
    SamplePurchase,
    User,
)
from app.models.qc import REIMBURSEMENT_STATUSES
from app.services import attachments as files
from app.services.audit import record_event
from app.services.errors import Forbidden, NotFound, StateConflict, raise_if_errors
from app.services.proposal_details import CURRENCIES, cents_to_amount
from app.services.qc.common import (
    EARLIEST_PURCHASE,
    INSPECTORS,
    MANAGERS,
    MAX_AMOUNT_CENTS,
    MAX_QUANTITY,
    _amount,
    _choice,
    _date,
    _get,
    _order_key,
    _require,
    _text,
    _today,
    _whole,
)
from app.services.visibility import get_visible_product
from workflows import inspection as rules

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
    unit = _amount(data.get("unit_price"), "unit_price", errors)
    if unit is None and "unit_price" not in errors:
        errors["unit_price"] = "required"
    total = _amount(data.get("total"), "total", errors)
    if total is None and "total" not in errors and unit is not None and quantity is not None:
        total = unit * quantity
        if total > MAX_AMOUNT_CENTS:
            errors["total"] = f"must be at most {cents_to_amount(MAX_AMOUNT_CENTS)}"
    currency = str(data.get("currency") or "CNY").strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = f"one of {', '.join(CURRENCIES)}"
    batch = _text(data.get("batch_code"), "batch_code", errors, limit=80)
    notes = _text(data.get("notes"), "notes", errors)
    raise_if_errors(errors)
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
        raise_if_errors({"body": "must be an object"})
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
            raise_if_errors({"order_number": f"order {cleaned['order_number']} from"
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
    raise_if_errors(errors)
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



def budget_overview(session: Session, day: date | None = None) -> list[dict]:
    """Every category's sample-purchase spend in ``day``'s month against its monthly budget:
    :func:`budget_status`'s fields plus ``category``, for all categories in two queries."""
    day = day or _today()
    start, end = month_bounds(day)
    spent = dict(session.execute(
        select(Product.category_id, func.coalesce(func.sum(SamplePurchase.total_cents), 0))
        .join(Product, Product.id == SamplePurchase.product_id)
        .where(SamplePurchase.purchased_on >= start, SamplePurchase.purchased_on < end)
        .group_by(Product.category_id)).all())
    rows = []
    for category in session.scalars(select(Category).order_by(Category.name)):
        budget, used = category.qc_monthly_budget_cents, int(spent.get(category.id) or 0)
        rows.append({"category": category, "month": start.strftime("%Y-%m"),
                     "budget_cents": budget, "spent_cents": used,
                     "remaining_cents": None if budget is None else budget - used,
                     "over": budget is not None and used > budget})
    return rows
