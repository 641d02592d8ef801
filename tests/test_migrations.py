"""Migrations: empty database to head, down to base, up again; models and schema agree."""

from __future__ import annotations

import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.services.search import in_models
from tests.conftest import PG_URL, make_app


@pytest.fixture
def empty_database_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"sieve_migrations_{secrets.token_hex(4)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def schema_diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": in_models})
        return compare_metadata(context, db.metadata)


def test_upgrade_downgrade_upgrade_and_no_drift(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        engine = db.engine
        assert tables(engine) == set()
        upgrade()
        assert tables(engine) == set(db.metadata.tables)
        assert schema_diff(engine) == []
        downgrade(revision="base")
        assert tables(engine) == set()
        upgrade()
        assert schema_diff(engine) == []
        with engine.begin() as conn:  # the triggers came back with the second upgrade
            conn.execute(text(
                "INSERT INTO audit_events (id, occurred_at, actor_label, subject_type, subject_id,"
                " action, prev_hash, hash) VALUES (1, CURRENT_TIMESTAMP, 'x', 'product', 1, 'x',"
                " 'a', 'b')"))
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_events"))
        engine.dispose()


def test_engine_settings(tmp_path):
    """SQLite: WAL, the configured busy timeout, foreign keys. PostgreSQL: the three triggers."""
    if PG_URL:
        app = make_app(PG_URL)
        with app.app_context(), db.engine.connect() as conn:
            names = set(conn.execute(text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass"
                " AND NOT tgisinternal")).scalars())
            assert names == {"audit_events_no_update", "audit_events_no_delete",
                             "audit_events_no_truncate"}
            trigram = set(conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")).scalars())
            assert trigram == {"ix_products_name_en_trgm", "ix_products_name_zh_trgm",
                               "ix_products_sku_code_trgm", "ix_suppliers_name_trgm",
                               "ix_suppliers_name_en_trgm"}
        return
    app = make_app(f"sqlite:///{tmp_path / 'wal.db'}", SIEVE_SQLITE_BUSY_TIMEOUT_MS=12345)
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 12345
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _trigram_indexes(engine) -> set[str]:
    found = inspect(engine)
    return {index["name"] for table in ("products", "suppliers")
            for index in found.get_indexes(table) if index["name"].endswith("_trgm")}


ALL_TRIGRAM = {"ix_products_name_en_trgm", "ix_products_name_zh_trgm", "ix_products_sku_code_trgm",
               "ix_suppliers_name_trgm", "ix_suppliers_name_en_trgm"}


def _search_count(text_: str) -> int:
    from sqlalchemy import func, select

    from app.models import Product
    from app.services.search import product_matches
    count = db.session.scalar(select(func.count()).select_from(Product)
                              .where(product_matches(text_)))
    db.session.rollback()
    return count


def test_without_pg_trgm_migration_0009_goes_on_and_the_search_scans(empty_database_url):
    """A role that cannot create pg_trgm (here: a function in the way makes CREATE EXTENSION
    fail) still gets to head, without the trigram indexes; the search works by scanning. Once
    the obstacle is gone, down to 0008 and up again builds them."""
    if not PG_URL:
        pytest.skip("PostgreSQL only: migration 0009 does nothing on SQLite")
    app = make_app(empty_database_url)
    with app.app_context():
        engine = db.engine
        upgrade(revision="0008")
        with engine.begin() as conn:
            conn.execute(text("CREATE FUNCTION similarity(text, text) RETURNS real "
                              "LANGUAGE sql AS 'SELECT 0::real'"))
        upgrade()
        assert _trigram_indexes(engine) == set()
        assert schema_diff(engine) == []
        assert _search_count("kettle") == 0
        with engine.begin() as conn:
            conn.execute(text("DROP FUNCTION similarity(text, text)"))
        downgrade(revision="0008")
        upgrade()
        assert _trigram_indexes(engine) == ALL_TRIGRAM
        assert _search_count("kettle") == 0
        engine.dispose()


def test_pg_trgm_in_a_schema_outside_the_search_path_is_used(empty_database_url):
    if not PG_URL:
        pytest.skip("PostgreSQL only: migration 0009 does nothing on SQLite")
    app = make_app(empty_database_url)
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.execute(text('CREATE SCHEMA "Ext"'))
            conn.execute(text('CREATE EXTENSION pg_trgm SCHEMA "Ext"'))
        upgrade()
        assert _trigram_indexes(engine) == ALL_TRIGRAM
        assert schema_diff(engine) == []
        engine.dispose()
