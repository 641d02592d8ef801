"""The readiness checks, and the schema head the migrations folder declares (also used to
verify a backup before it is restored)."""

from __future__ import annotations

import functools
import logging
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.config import REPO_ROOT
from app.extensions import db

log = logging.getLogger(__name__)


@functools.cache
def schema_heads() -> frozenset[str]:
    """The head revision(s) of ``migrations/``: what this code expects the database to be at."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def schema_revision(connection: Connection) -> str | None:
    """The revision recorded in ``alembic_version`` (None: no schema yet)."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def schema_problem(revision: str | None) -> str | None:
    heads = schema_heads()
    if revision is None:
        return "no schema: run flask --app app db upgrade"
    if revision not in heads:
        return (f"database at revision {revision}, this code expects {', '.join(sorted(heads))}:"
                " run flask --app app db upgrade")
    return None


def _ok(**extra) -> dict:
    return {"ok": True, **extra}


def _fail(problem: str) -> dict:
    return {"ok": False, "problem": problem}


def _check_database() -> tuple[dict, dict]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = schema_revision(connection)
    except Exception as error:  # any driver error means "not reachable"
        log.warning("readiness: database unreachable: %s", error)
        return _fail("unreachable"), _fail("unknown: database unreachable")
    problem = schema_problem(revision)
    return _ok(), (_fail(problem) if problem else _ok(revision=revision))


def _check_redis(url: str) -> dict:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except (RedisError, OSError, ValueError) as error:
        log.warning("readiness: redis unreachable: %s", error)
        return _fail("unreachable")
    return _ok()


def _check_writable(folder: str) -> dict:
    path = Path(folder)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path, prefix=".readyz-")
        os.close(fd)
        os.unlink(name)
    except OSError as error:
        log.warning("readiness: %s not writable: %s", folder, error)
        return _fail(f"not writable ({error.strerror or 'error'})")
    return _ok()


def readiness() -> dict[str, dict]:
    """{check name: {"ok": bool, "problem"?: str}}; Redis checks only when Redis is configured."""
    config = current_app.config
    checks: dict[str, dict] = {}
    checks["database"], checks["migrations"] = _check_database()
    if config.get("SIEVE_REDIS_URL"):
        checks["redis_jobs"] = _check_redis(config["SIEVE_REDIS_URL"])
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if storage.startswith(("redis://", "rediss://")) and storage != config.get("SIEVE_REDIS_URL"):
        checks["redis_ratelimit"] = _check_redis(storage)
    checks["upload_dir"] = _check_writable(config["SIEVE_UPLOAD_DIR"])
    checks["report_dir"] = _check_writable(config["SIEVE_REPORT_DIR"])
    return checks
