"""Who may see what: suppliers see only their own supplier's records; staff see everything."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.extensions import db
from app.models import Product, Supplier, User
from app.models.base import MAX_ID
from app.services.errors import NotFound


def visible_products(user: User) -> Select:
    query = select(Product)
    if user.is_supplier:
        query = query.where(Product.supplier_id == user.supplier_id)
    return query


def get_visible_product(user: User, product_id: int) -> Product:
    """The product, or NotFound (never Forbidden) when it does not exist for this user."""
    product = db.session.get(Product, product_id) if 1 <= product_id <= MAX_ID else None
    if product is None or (user.is_supplier and product.supplier_id != user.supplier_id):
        raise NotFound(f"product {product_id} not found")
    return product


def visible_suppliers(user: User) -> Select:
    query = select(Supplier).order_by(Supplier.name)
    if user.is_supplier:
        query = query.where(Supplier.id == user.supplier_id)
    return query


def get_visible_supplier(user: User, supplier_id: int) -> Supplier:
    supplier = db.session.get(Supplier, supplier_id) if 1 <= supplier_id <= MAX_ID else None
    if supplier is None or (user.is_supplier and supplier.id != user.supplier_id):
        raise NotFound(f"supplier {supplier_id} not found")
    return supplier


def product_events_for(user: User, product: Product) -> list:
    """The product's audit events as ``user`` may see them. A supplier never sees the events
    about internal feedback notes or internal files (not even that one exists), the events about
    sample purchases (what QC bought, where, for how much: ``qc.INTERNAL_ACTIONS``), nor the
    events of an inspection that is still open (it sees inspections once they are completed)."""
    from app.models import Attachment, FeedbackItem, Inspection
    from app.services.audit import decoded_changes, events_for
    from app.services.qc import INTERNAL_ACTIONS

    events = events_for(db.session, "product", product.id)
    if not user.is_supplier:
        return events
    internal = set(db.session.scalars(select(FeedbackItem.id).where(
        FeedbackItem.product_id == product.id, FeedbackItem.internal.is_(True))))
    internal_files = set(db.session.scalars(select(Attachment.id).where(
        Attachment.product_id == product.id, Attachment.internal.is_(True))))
    completed = set(db.session.scalars(select(Inspection.id).where(
        Inspection.product_id == product.id, Inspection.status == "completed")))
    decoded = [(e, decoded_changes(e)) for e in events]

    def files_of(changes: dict) -> set:
        attachment = changes.get("attachment") or {}
        return {side.get("id") for side in (attachment.get("before"), attachment.get("after"))
                if isinstance(side, dict)}

    def of_open_inspection(changes: dict) -> bool:
        return bool({_ref(key, "inspection #") for key in changes} - {None} - completed)

    # Photos of a defect removed while its inspection is open: their rows are gone, so only the
    # removal events (named after the inspection) tell that their "attach" events are hidden too.
    open_files = set().union(*(files_of(c) for _e, c in decoded if of_open_inspection(c)))

    def hidden(event, changes: dict) -> bool:
        if event.action in INTERNAL_ACTIONS or of_open_inspection(changes):
            return True
        ids = {_ref(key, "feedback #") for key in changes} - {None}
        after = (changes.get("feedback") or {}).get("after") or {}
        if isinstance(after, dict) and "id" in after:
            ids.add(after["id"])
        return bool(ids & internal) or bool(files_of(changes) & (internal_files | open_files))

    return [e for e, changes in decoded if not hidden(e, changes)]


def _ref(key: str, prefix: str) -> int | None:
    """The record id of a change key such as ``"inspection #12"`` (None for other keys)."""
    if not key.startswith(prefix):
        return None
    try:
        return int(key[len(prefix):])
    except ValueError:
        return None
