"""Storage failures on demand: a read-only database, a full database, a full disk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from app.extensions import db


def _fresh_connections() -> None:
    db.session.rollback()
    db.engine.dispose()  # pooled connections were opened before the failure began


@contextmanager
def read_only_database() -> Iterator[None]:
    """Every connection opened meanwhile refuses writes, as the server or file would: SQLite's
    ``PRAGMA query_only`` ("attempt to write a readonly database"), PostgreSQL's read-only
    transactions ("cannot execute INSERT in a read-only transaction")."""
    engine = db.engine

    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.close()
        if engine.dialect.name != "sqlite":
            dbapi_connection.commit()

    _fresh_connections()
    event.listen(engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(engine, "connect", on_connect)
        _fresh_connections()


def disk_full_words() -> str:
    """What the driver's error says when the database's disk is full."""
    return ("database or disk is full" if db.engine.dialect.name == "sqlite"
            else "No space left on device")


def _disk_full_error(dialect: str) -> Exception:
    if dialect == "sqlite":
        import sqlite3

        return sqlite3.OperationalError("database or disk is full")
    from psycopg import errors

    return errors.DiskFull('could not extend file "base/16384/16385": No space left on device')


@contextmanager
def full_database(table: str | None = None) -> Iterator[None]:
    """Writes (to ``table`` only, when given) fail as the driver reports a full disk: SQLite's
    SQLITE_FULL, PostgreSQL's disk_full (53100)."""
    engine = db.engine

    def before(_conn, _cursor, statement, _params, _context, _many):
        words = statement.lstrip().split(None, 3)
        if words and words[0].upper() in ("INSERT", "UPDATE", "DELETE") and (
                table is None or table in statement.split("(", 1)[0].replace('"', "")):
            raise _disk_full_error(engine.dialect.name)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def full_disk_under(folder: Path, monkeypatch) -> Iterator[None]:
    """Files opened for writing under ``folder`` (through ``os.fdopen``, as uploads are) write
    to /dev/full: the kernel answers ENOSPC, "No space left on device"."""
    real_fdopen = os.fdopen
    root = os.path.realpath(folder)

    def fdopen(fd, *args, **kwargs):
        if isinstance(fd, int) and os.path.realpath(f"/proc/self/fd/{fd}").startswith(root):
            full = os.open("/dev/full", os.O_WRONLY)
            os.dup2(full, fd)
            os.close(full)
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", fdopen)
    try:
        yield
    finally:
        monkeypatch.setattr(os, "fdopen", real_fdopen)
