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


def product_matches(text: str) -> ColumnElement[bool]:
    """Products whose English or Chinese name, SKU code or supplier's name (either language)
    contains ``text``. The suppliers are a subquery, not a join, so counting the matches reads
    products once; on PostgreSQL an ``= ANY(ARRAY(...))`` of them, which (unlike IN with a
    subquery) can join the other conditions in one bitmap OR of indexes."""
    if "\x00" in text:  # no stored text holds a NUL (PostgreSQL would refuse the parameter)
        return false()
    dialect = db.session.get_bind().dialect.name
    suppliers = select(Supplier.id).where(or_(_contains(Supplier.name, text, dialect),
                                              _contains(Supplier.name_en, text, dialect)))
    by_supplier = (Product.supplier_id.in_(suppliers) if dialect == "sqlite"
                   else Product.supplier_id == any_(func.array(suppliers.scalar_subquery())))
    return or_(_contains(Product.name_en, text, dialect), _contains(Product.name_zh, text, dialect),
               _contains(Product.sku_code, text, dialect), by_supplier)


def in_models(object_, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's ``include_object``: compare everything but the trigram indexes."""
    return not (type_ == "index" and reflected and (name or "").endswith(TRIGRAM_INDEX_SUFFIX))
