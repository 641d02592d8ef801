"""/healthz answers without a database; /readyz checks the database, the schema revision,
Redis and the folders, and names what fails; every request logs one JSON line."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.ops.checks import schema_heads
from tests.conftest import _migrate, make_app
from tests.test_rate_limit_shared import REDIS


def test_healthz_needs_no_database(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'sieve.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_when_every_check_passes(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ready" and body["failing"] == []
    assert set(body["checks"]) == {"database", "migrations", "upload_dir", "report_dir"}
    assert body["checks"]["migrations"]["revision"] in schema_heads()
    assert response.headers["Cache-Control"] == "no-store"


def test_unreachable_database_is_named(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'sieve.db'}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert response.json["failing"] == ["database", "migrations"]
    assert response.json["checks"]["database"] == {"ok": False, "problem": "unreachable"}


def test_database_without_schema_is_named(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failing"] == ["migrations"]
    assert "no schema" in response.json["checks"]["migrations"]["problem"]


def test_database_behind_the_code_is_named(tmp_path):
    path = tmp_path / "old.db"  # its own SQLite file, whatever database the suite runs on
    _migrate(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '0006'")
    connection.close()
    response = make_app(f"sqlite:///{path}").test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failing"] == ["migrations"]
    problem = response.json["checks"]["migrations"]["problem"]
    assert "revision 0006" in problem and "db upgrade" in problem


@pytest.mark.parametrize("url, ok", [(REDIS, True),
                                     ("redis://127.0.0.1:1/13", False)])
def test_redis_is_checked_when_configured(database_url, url, ok):
    app = make_app(database_url, SIEVE_REDIS_URL=url, RATELIMIT_STORAGE_URI=url)
    response = app.test_client().get("/readyz")
    assert response.status_code == (200 if ok else 503)
    assert response.json["checks"]["redis_jobs"]["ok"] is ok
    assert "redis_ratelimit" not in response.json["checks"]  # the same server, checked once


def test_a_separate_rate_limit_redis_is_checked_too(database_url):
    app = make_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/13")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failing"] == ["redis_ratelimit"]


def test_unwritable_folders_are_named(database_url, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = make_app(database_url, SIEVE_REPORT_DIR=str(blocker / "reports"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failing"] == ["report_dir"]
    assert response.json["checks"]["report_dir"]["problem"].startswith("not writable")


def test_readyz_leaves_nothing_behind(app, client, tmp_path):
    app.config["SIEVE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    assert client.get("/readyz").status_code == 200
    assert list((tmp_path / "uploads").iterdir()) == []


def test_one_json_log_line_per_request(database_url, capsys):
    app = make_app(database_url, SIEVE_REQUEST_LOG=True)
    client = app.test_client()
    response = client.get("/login", headers={"X-Request-ID": "abc-123"})
    client.get("/nope?secret=1", headers={"X-Request-ID": "bad id;forged"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if line.startswith('{"event":"request"')]
    assert response.headers["X-Request-ID"] == "abc-123"
    first, second = lines[-2:]
    assert (first["method"], first["path"], first["status"], first["request_id"]) == \
        ("GET", "/login", 200, "abc-123")
    assert first["duration_ms"] >= 0
    assert second["path"] == "/nope" and second["status"] == 404  # no query string logged
    assert len(second["request_id"]) == 32 and second["request_id"] != "bad id;forged"


def test_no_request_log_unless_enabled(client, capsys):
    client.get("/login")
    assert '"event":"request"' not in capsys.readouterr().out
