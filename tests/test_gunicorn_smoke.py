"""gunicorn with the repository's gunicorn.conf.py serves Sieve: health, a login, a page."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from app import create_app
from app.config import REPO_ROOT
from app.extensions import db

EMAIL, PASSWORD = "smoke.manager@example.com", "smoke-test-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A migrated temporary SQLite database (whatever the suite's database) with one manager."""
    from flask_migrate import upgrade

    from app.services import accounts

    url = f"sqlite:///{tmp_path / 'smoke.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SIEVE_PASSWORD_PROFILE": "fast"})
    with app.app_context():
        upgrade()
        accounts.create_user(None, EMAIL, "selection_manager", PASSWORD, None)
        db.session.remove()
        db.engine.dispose()
    return url


@pytest.fixture
def server(sqlite_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "SIEVE_DATABASE_URL": sqlite_url,
           "SIEVE_INSTANCE_PATH": str(tmp_path / "instance"),
           "SIEVE_UPLOAD_DIR": str(tmp_path / "uploads"),
           "SIEVE_REPORT_DIR": str(tmp_path / "reports"),
           "SIEVE_PASSWORD_PROFILE": "fast", "SIEVE_BIND": f"127.0.0.1:{port}",
           "SIEVE_WEB_WORKERS": "2", "SIEVE_WEB_THREADS": "2"}
    for name in ("SIEVE_JOBS_INLINE", "SIEVE_REDIS_URL"):
        env.pop(name, None)
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                 "wsgi:app"], cwd=REPO_ROOT, env=env, stdout=out, stderr=out,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, base, log)
        yield base, log
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_healthy(proc: subprocess.Popen, base: str, log: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:  # not listening yet, or a worker still importing
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz in {seconds} s:\n{log.read_text()[-3000:]}")


def test_gunicorn_serves_health_login_and_a_page(server):
    base, log = server
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as resp:
        assert resp.status == 200
        assert resp.read() == b'{"status":"ok"}\n'

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/board", timeout=5) as resp:  # not logged in: sent to the login form
        assert resp.url.startswith(f"{base}/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', resp.read().decode())
    assert token, "the login form carries a CSRF token"
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "email": EMAIL,
                                   "password": PASSWORD, "next": ""}).encode()
    with opener.open(f"{base}/login", data=form, timeout=10) as resp:
        assert resp.url == f"{base}/board"
        page = resp.read().decode()
    assert EMAIL in page or "Log out" in page
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'self'")

    with pytest.raises(urllib.error.HTTPError) as refused:  # no CSRF token: refused, not a 5xx
        opener.open(f"{base}/logout", data=b"", timeout=5)
    assert refused.value.code == 400
    refused.value.close()

    access = log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in access  # the access log goes to stdout
    assert '"POST /login HTTP/1.1" 302' in access
    assert " 500 " not in access and "Traceback" not in access


def _settings(monkeypatch, **env) -> dict:
    import runpy

    for name in ("SIEVE_WEB_WORKERS", "WEB_CONCURRENCY", "SIEVE_WEB_THREADS", "SIEVE_BIND",
                 "SIEVE_WEB_ACCESS_LOG", "SIEVE_WEB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))


def test_gunicorn_conf_production_defaults(monkeypatch):
    conf = _settings(monkeypatch)
    assert conf["wsgi_app"] == "wsgi:app" and conf["preload_app"] is False
    assert conf["bind"] == ["127.0.0.1:8000"] and conf["worker_class"] == "gthread"
    assert 1 <= conf["workers"] <= 8 and conf["threads"] == 4
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"
    assert conf["timeout"] == 60 and conf["max_requests"] > 0 and conf["max_requests_jitter"] > 0


def test_gunicorn_conf_reads_the_environment(monkeypatch):
    conf = _settings(monkeypatch, SIEVE_WEB_WORKERS="3", SIEVE_WEB_THREADS="8",
                     SIEVE_BIND="0.0.0.0:9000,unix:/run/sieve.sock", SIEVE_WEB_ACCESS_LOG="off",
                     SIEVE_WEB_TIMEOUT="120")
    assert (conf["workers"], conf["threads"], conf["timeout"]) == (3, 8, 120)
    assert conf["bind"] == ["0.0.0.0:9000", "unix:/run/sieve.sock"]
    assert conf["accesslog"] is None
    assert _settings(monkeypatch, WEB_CONCURRENCY="6")["workers"] == 6
