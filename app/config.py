"""Settings, read from the environment (SIEVE_*) with safe defaults for the embedded setup."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """SIEVE_SECRET_KEY, or a random key generated once and kept in the instance folder."""
    from_env = os.environ.get("SIEVE_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def load_settings(instance_path: Path) -> dict:
    db_url = os.environ.get("SIEVE_DATABASE_URL") or f"sqlite:///{instance_path / 'sieve.db'}"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SIEVE_SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SIEVE_SQLITE_BUSY_TIMEOUT_MS", "30000")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("SIEVE_MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SIEVE_SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SIEVE_LANGUAGES": {"en": "English", "zh_CN": "简体中文"},
        "BOOTSTRAP_SERVE_LOCAL": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("SIEVE_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIEVE_LOGIN_RATE_LIMIT": os.environ.get("SIEVE_LOGIN_RATE_LIMIT", "10 per minute"),
        "SIEVE_API_TOKEN_HOURS": int(os.environ.get("SIEVE_API_TOKEN_HOURS", "12")),
        # "fast" lowers Argon2id's cost for test suites; production keeps the RFC 9106 profile.
        "SIEVE_PASSWORD_PROFILE": os.environ.get("SIEVE_PASSWORD_PROFILE", "rfc9106_low_memory"),
        "SIEVE_PAGE_SIZE": 25,
        "SIEVE_STALE_DAYS": int(os.environ.get("SIEVE_STALE_DAYS", "14")),
        "SIEVE_UPLOAD_DIR": os.environ.get("SIEVE_UPLOAD_DIR") or str(instance_path / "uploads"),
        "SIEVE_MAX_UPLOAD_BYTES": int(os.environ.get("SIEVE_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        # An XLSX export of more rows than this is written by a background job.
        "SIEVE_EXPORT_INLINE_ROWS": int(os.environ.get("SIEVE_EXPORT_INLINE_ROWS", "5000")),
        # Customer metrics files (CSV/XLSX) may be far larger than attachments: 256 MB.
        "SIEVE_METRICS_MAX_BYTES": int(os.environ.get("SIEVE_METRICS_MAX_BYTES",
                                                      str(256 * 1024 * 1024))),
        # Background jobs: a Redis queue (RQ workers, `flask --app app jobs worker`) when
        # SIEVE_REDIS_URL is set, else threads of the web process; inline (synchronous) in tests.
        "SIEVE_REDIS_URL": os.environ.get("SIEVE_REDIS_URL") or None,
        "SIEVE_JOBS_INLINE": os.environ.get("SIEVE_JOBS_INLINE", "0") == "1",
        "SIEVE_JOBS_THREADS": int(os.environ.get("SIEVE_JOBS_THREADS", "2")),
        "SIEVE_JOB_TIMEOUT": int(os.environ.get("SIEVE_JOB_TIMEOUT", "3600")),
        "SIEVE_REPORT_DIR": os.environ.get("SIEVE_REPORT_DIR") or str(instance_path / "reports"),
    }
