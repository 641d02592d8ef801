"""Engine tuning and the one way services open a write transaction.

Every write appends to the one global audit hash chain, so writes are serialised anyway; Sieve
makes that explicit and takes the write lock first, for the whole transaction:

- SQLite: WAL, a busy timeout, foreign keys, and write transactions that start with
  ``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of failing with
  "database is locked" when a deferred read transaction tries to upgrade.
- PostgreSQL: a transaction-level advisory lock as the first statement. Guards that read other
  rows (the SKU cap counts a category's listed products) then see a stable picture, and every
  writer takes its locks in the same order (this lock, then rows), so writers cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.extensions import db

_write_intent: ContextVar[bool] = ContextVar("sieve_write_intent", default=False)

#: Key of the PostgreSQL advisory lock that serialises Sieve's write transactions.
WRITE_LOCK_KEY = 0x5137E_A0D17


def in_write_transaction() -> bool:
    """Whether this context is inside :func:`write_transaction` (SQLite: holding the lock)."""
    return _write_intent.get()


def take_write_lock(session: Session) -> None:
    """On PostgreSQL, wait for the write lock (re-entrant; released at commit or rollback)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The driver must not open transactions itself: _on_begin does, with the right mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[Session]:
    """One database transaction for one user action: commit on success, roll back on any error.

    Whatever read transaction the request had open is closed first, so the write starts fresh
    and takes the write lock up front.
    """
    session = db.session()  # the request-scoped Session behind the scoped_session proxy
    if session.in_transaction():
        session.rollback()
    token = _write_intent.set(True)
    try:
        take_write_lock(session)  # PostgreSQL; on SQLite the first statement runs BEGIN IMMEDIATE
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_intent.reset(token)
