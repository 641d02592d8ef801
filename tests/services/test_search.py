"""The product search filter: names in both languages, SKU code and supplier names, case
ignored, wildcards literal; the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Product
from app.services.search import product_matches
from app.services.visibility import visible_products
from tests import factories


def found(text: str, query=None) -> set[str]:
    query = query if query is not None else select(Product)
    return {p.name_en for p in db.session.scalars(query.where(product_matches(text)))}


def test_names_sku_and_supplier_names_match_ignoring_case(world):
    factories.make_product(world, "draft", name_en="Gooseneck kettle", sku_code="GK-7")
    factories.make_product(world, "proposed", name_en="Desk lamp", name_zh="护眼台灯",
                           supplier=world.supplier_b)
    assert found("GOOSENECK") == found("gk-7") == found("Kettle") == {"Gooseneck kettle"}
    assert found("台灯") == found("other supplier LTD") == {"Desk lamp"}
    assert found("深圳测试") == found("test appliances") == {"Gooseneck kettle"}  # supplier a
    assert found("lamp kettle") == set()


@pytest.mark.parametrize("inline_max", [0, 1, 100])
def test_supplier_matches_are_the_same_as_a_list_or_a_subquery(world, monkeypatch, inline_max):
    """PostgreSQL inlines up to SUPPLIER_IDS_INLINE_MAX matching suppliers and subqueries more;
    either way (and with none) the same products match. On SQLite there is one way (a subquery),
    so there this checks only the matches themselves."""
    import app.services.search as search
    monkeypatch.setattr(search, "SUPPLIER_IDS_INLINE_MAX", inline_max)
    factories.make_product(world, "draft", name_en="Kettle A")
    factories.make_product(world, "draft", name_en="Kettle B", supplier=world.supplier_b)
    factories.make_product(world, "draft", name_en="Lamp Ltd edition")
    assert found("PP") == {"Kettle A", "Kettle B", "Lamp Ltd edition"}  # both suppliers
    assert found("other supplier") == {"Kettle B"}  # one supplier
    assert found("edition") == {"Lamp Ltd edition"}  # no supplier


def test_percent_and_underscore_are_literal(world):
    factories.make_product(world, "draft", name_en="100% cotton towel")
    factories.make_product(world, "draft", name_en="A_B widget")
    factories.make_product(world, "draft", name_en="Plain mug")
    assert found("%") == found("0% c") == {"100% cotton towel"}
    assert found("_") == found("a_b") == {"A_B widget"}
    assert found("A%B") == set()


def test_a_nul_character_matches_nothing_and_is_no_error(world, client, auth):
    factories.make_product(world, "draft", name_en="Plain mug")
    assert found("\x00") == found("mug\x00") == set()
    assert found("mug") == {"Plain mug"}
    auth.login(world.manager.email)
    page = client.get("/products?q=mug%00")  # the request guard names the field first
    assert page.status_code == 422
    assert "q: contains a NUL character" in page.get_data(as_text=True)


def test_a_supplier_searching_sees_only_its_own_products(world):
    factories.make_product(world, "draft", name_en="Own kettle")
    factories.make_product(world, "draft", name_en="Their kettle", supplier=world.supplier_b)
    assert found("kettle") == {"Own kettle", "Their kettle"}
    assert found("kettle", visible_products(world.supplier_user)) == {"Own kettle"}


@pytest.mark.parametrize("inline_max", [0, 100])
def test_on_postgresql_a_search_can_read_only_the_trigram_indexes(world, monkeypatch, inline_max):
    """With the matching suppliers as a subquery (0) or as a list (100), nothing is scanned."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no trigram index (its search scans)")
    import app.services.search as search
    monkeypatch.setattr(search, "SUPPLIER_IDS_INLINE_MAX", inline_max)
    query = select(func.count()).select_from(Product).where(product_matches("supplier"))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.execute(text(f"EXPLAIN {compiled}")).scalars())
    db.session.rollback()
    indexes = ["ix_products_name_en_trgm", "ix_products_name_zh_trgm", "ix_products_sku_code_trgm"]
    if inline_max == 0:
        indexes += ["ix_suppliers_name_trgm", "ix_suppliers_name_en_trgm"]
    else:
        assert f"(supplier_id = {world.supplier_b.id})" in plan, plan  # the one supplier, inlined
    for index in indexes:
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan
