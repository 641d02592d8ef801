"""Fixtures: app -> client -> runner -> auth (as in flaskr), a real database per test, factories.

The database is SQLite by default (a migrated template file copied per test) or the PostgreSQL
database named by SIEVE_TEST_DATABASE_URL (migrated once, truncated per test).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import flask_babel
import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("SIEVE_SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("SIEVE_PASSWORD_PROFILE", "fast")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from tests import factories  # noqa: E402

PG_URL = os.environ.get("SIEVE_TEST_DATABASE_URL")
#: The tests' own Redis database index (``.ci/run`` starts Redis and sets it).
REDIS_URL = os.environ.get("SIEVE_TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_SETTINGS = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "SIEVE_PASSWORD_PROFILE": "fast",
    "SIEVE_JOBS_INLINE": True,  # background jobs run synchronously unless a test says otherwise
}


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        # The append-only triggers refuse TRUNCATE too; the table owner may lift them meanwhile.
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """A migrated database: a SQLite file to copy, or the PostgreSQL URL itself."""
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:  # start from nothing, whatever an earlier run left
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    if PG_URL:
        _truncate_all(PG_URL)
        return PG_URL
    target = tmp_path / "sieve.db"
    shutil.copy(database_template, target)
    return f"sqlite:///{target}"


_created_apps: list = []


@pytest.fixture(autouse=True)
def _dispose_engines():
    """Close every connection pool a test's apps opened (unclosed psycopg connections warn)."""
    yield
    while _created_apps:
        app = _created_apps.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def make_app(database_url: str, **settings):
    uploads = tempfile.mkdtemp(prefix="sieve-uploads-")  # never the repository's instance folder
    reports = tempfile.mkdtemp(prefix="sieve-reports-")
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SIEVE_UPLOAD_DIR": uploads, "SIEVE_REPORT_DIR": reports, **settings})

    @app.before_request
    def fresh_locale():
        # The fixture's app context outlives each test request (in production every request has
        # its own), so drop the locale Flask-Babel cached on ``g`` by an earlier request.
        flask_babel.refresh()

    _created_apps.append(app)
    return app


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def upload_dir(app, tmp_path) -> Path:
    """A fresh upload folder for the test, so it can count the files left behind."""
    path = tmp_path / "uploads"
    app.config["SIEVE_UPLOAD_DIR"] = str(path)
    return path


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """Two suppliers, two categories and a user per role (see tests/factories.py)."""
    return factories.build_world()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=factories.PASSWORD, **kwargs):
        return self._client.post("/login", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def pytest_report_header(config):
    return f"sieve test database: {'PostgreSQL ' + PG_URL.rsplit('@', 1)[-1] if PG_URL else 'SQLite'}"


REPO_ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def real_redis(app, needed_by: str, **settings):
    """The app's jobs on a real Redis (the tests' own database index, flushed before and after),
    with ``settings``; the SIGINT/SIGTERM handlers an RQ worker installs are put back after.
    Without SIEVE_TEST_REDIS_URL the test is skipped, and fails under CI."""
    if not REDIS_URL:
        message = (f"SIEVE_TEST_REDIS_URL is not set: {needed_by} need a real Redis "
                   "(.ci/run starts one at 127.0.0.1:6379 and sets it)")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from app.services import job_queue

    connection = job_queue.redis_connection(REDIS_URL)
    connection.flushdb()
    app.config.update(SIEVE_REDIS_URL=REDIS_URL, SIEVE_JOBS_INLINE=False, **settings)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield connection
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        connection.flushdb()
        connection.close()
