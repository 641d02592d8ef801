"""Fixtures of the fault tests: a real Redis (db index from SIEVE_TEST_REDIS_URL), worker
processes pointed at the test's database and file folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.extensions import db
from tests.api.conftest import token_for  # noqa: F401 - the API tests' bearer tokens
from tests.conftest import REDIS_URL, real_redis
from tests.faults.killing import Workers


@pytest.fixture
def redis_queue(app, tmp_path):
    """Jobs go to a real Redis; the test's files go to folders it can list."""
    with real_redis(app, "the kill tests", SIEVE_REPORT_DIR=str(tmp_path / "reports"),
                    SIEVE_UPLOAD_DIR=str(tmp_path / "uploads")) as connection:
        yield connection


@pytest.fixture
def report_dir(app, redis_queue) -> Path:
    return Path(app.config["SIEVE_REPORT_DIR"])


@pytest.fixture
def worker_env(app, database_url, redis_queue) -> dict:
    return {**os.environ, "SIEVE_DATABASE_URL": database_url, "SIEVE_REDIS_URL": REDIS_URL,
            "SIEVE_JOBS_INLINE": "0", "SIEVE_REPORT_DIR": app.config["SIEVE_REPORT_DIR"],
            "SIEVE_UPLOAD_DIR": app.config["SIEVE_UPLOAD_DIR"], "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def workers(worker_env, tmp_path):
    db.session.rollback()  # the workers write; this process only reads between kills
    (tmp_path / "logs").mkdir()
    pool = Workers(worker_env, tmp_path / "logs")
    yield pool
    pool.close()
