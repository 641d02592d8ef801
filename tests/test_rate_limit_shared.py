"""The login rate limit holds across processes (gunicorn workers, machines) when its storage is
Redis, and does not with per-process memory: which is why production refuses memory://."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from redis import Redis

from tests.conftest import REPO_ROOT, make_app

#: The tests' own Redis database index (.ci/run sets SIEVE_TEST_REDIS_URL).
REDIS = os.environ.get("SIEVE_TEST_REDIS_URL") or "redis://127.0.0.1:6379/13"
LIMIT = "3 per minute"

#: A second, separate process: its own create_app(), its own Flask-Limiter, the same settings.
OTHER_PROCESS = """
import json, sys
from app import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
codes = [client.post("/login", data={"email": "x@y.example", "password": "wrong"}).status_code
         for _ in range(int(sys.argv[2]))]
print(json.dumps(codes))
"""


@pytest.fixture
def redis_db():
    client = Redis.from_url(REDIS)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def settings(database_url: str, storage: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage,
            "SIEVE_LOGIN_RATE_LIMIT": LIMIT, "SIEVE_PASSWORD_PROFILE": "fast",
            "SIEVE_JOBS_INLINE": True}


def post_logins(client, count: int) -> list[int]:
    return [client.post("/login", data={"email": "x@y.example", "password": "wrong"}).status_code
            for _ in range(count)]


def in_other_process(config: dict, count: int) -> list[int]:
    done = subprocess.run([sys.executable, "-c", OTHER_PROCESS, json.dumps(config), str(count)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_login_limit_is_shared_between_processes_through_redis(database_url, redis_db):
    config = settings(database_url, REDIS)
    first = make_app(database_url, **config).test_client()
    assert post_logins(first, 2) == [200, 200]
    # The other process has seen no request itself: only the shared count can stop it.
    assert in_other_process(config, 2) == [200, 429]
    assert post_logins(first, 1) == [429]
    assert redis_db.keys("*") == [b"LIMITS:LIMITER/sieve/127.0.0.1/auth.login/3/1/minute"]


def test_per_process_memory_counts_separately(database_url):
    config = settings(database_url, "memory://")
    first = make_app(database_url, **config).test_client()
    assert post_logins(first, 4) == [200, 200, 200, 429]
    assert in_other_process(config, 1) == [200]  # a fresh worker forgets the attempts


def test_an_unreachable_redis_degrades_to_a_per_process_limit_not_to_errors(database_url):
    config = settings(database_url, "redis://127.0.0.1:1/13")
    client = make_app(database_url, **config).test_client()
    assert post_logins(client, 5) == [200, 200, 200, 429, 429]
