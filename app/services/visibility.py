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
    """The product's audit events as ``user`` may see them: a supplier never sees the events
    about internal feedback notes (not even that one exists)."""
    from app.models import Attachment, FeedbackItem
    from app.services.audit import decoded_changes, events_for

    events = events_for(db.session, "product", product.id)
    if not user.is_supplier:
        return events
    internal = set(db.session.scalars(select(FeedbackItem.id).where(
        FeedbackItem.product_id == product.id, FeedbackItem.internal.is_(True))))
    internal_files = set(db.session.scalars(select(Attachment.id).where(
        Attachment.product_id == product.id, Attachment.internal.is_(True))))
    if not internal and not internal_files:
        return events

    def about_internal(event) -> bool:
        changes = decoded_changes(event)
        ids = {int(key.split("#", 1)[1]) for key in changes if key.startswith("feedback #")}
        after = (changes.get("feedback") or {}).get("after") or {}
        if isinstance(after, dict) and "id" in after:
            ids.add(after["id"])
        attachment = changes.get("attachment") or {}
        files = {side.get("id") for side in (attachment.get("before"), attachment.get("after"))
                 if isinstance(side, dict)}
        return bool(ids & internal) or bool(files & internal_files)

    return [e for e in events if not about_internal(e)]
