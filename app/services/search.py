"""The product search box: one filter for the product list, its exports and the API's exports.

PostgreSQL: migration 0009 gives every searched column a trigram (pg_trgm) GIN index, so a
search of three or more characters reads the index, not the table; shorter ones (a two-character
Chinese word) and SQLite scan the products once (about 30 ms over 50,000 on SQLite).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, any_, false, func, or_, select

from app.extensions import db
from app.models import Product, Supplier

#: Name suffix of the PostgreSQL-only trigram indexes (migration 0009). They are not in the
#: models (SQLite has no such index), so the schema comparison leaves them out.
TRIGRAM_INDEX_SUFFIX = "_trgm"


def _contains(column, text: str, dialect: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case; ``%`` and ``_`` in ``text`` are literal.

    SQLite's LIKE already ignores ASCII case, and its lower() folds nothing else, so plain LIKE
    matches exactly what ``lower(a) LIKE lower(b)`` would, several times faster; PostgreSQL
    needs ILIKE (which its trigram indexes serve)."""
    if dialect == "sqlite":
        return column.contains(text, autoescape=True)
    return column.icontains(text, autoescape=True)


#: Up to this many matching suppliers, PostgreSQL is given their ids as a list (see below).
SUPPLIER_IDS_INLINE_MAX = 100


def product_matches(text: str) -> ColumnElement[bool]:
    """Products whose English or Chinese name, SKU code or supplier's name (either language)
    contains ``text``. The suppliers are a subquery, not a join, so counting the matches reads
    products once.

    On PostgreSQL the matching suppliers are looked up first (one trigram-index read). A few of
    them go into the query as a list, so the planner sees how few products they have and does
    not walk the whole id index backwards hoping to fill the first page (a search for one
    supplier's name: 156 -> 23 ms at 50,000 products). Many of them (``ltd``) stay a subquery,
    as ``= ANY(ARRAY(...))``, which unlike IN with a subquery joins the name conditions in one
    bitmap OR of indexes (44 ms, against 102 ms with IN and 255 ms with a list of 2,000)."""
    if "\x00" in text:  # no stored text holds a NUL (PostgreSQL would refuse the parameter)
        return false()
    dialect = db.session.get_bind().dialect.name
    suppliers = select(Supplier.id).where(or_(_contains(Supplier.name, text, dialect),
                                              _contains(Supplier.name_en, text, dialect)))
    names = or_(_contains(Product.name_en, text, dialect), _contains(Product.name_zh, text, dialect),
                _contains(Product.sku_code, text, dialect))
    if dialect == "sqlite":
        return or_(names, Product.supplier_id.in_(suppliers))
    found = db.session.scalars(suppliers.order_by(Supplier.id)
                               .limit(SUPPLIER_IDS_INLINE_MAX + 1)).all()
    if not found:
        return names
    if len(found) <= SUPPLIER_IDS_INLINE_MAX:
        return or_(names, Product.supplier_id.in_(found))
    return or_(names, Product.supplier_id == any_(func.array(suppliers.scalar_subquery())))


def in_models(object_, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's ``include_object``: compare everything but the trigram indexes."""
    return not (type_ == "index" and reflected and (name or "").endswith(TRIGRAM_INDEX_SUFFIX))
