"""Settings, read from the environment (SIEVE_*) with safe defaults for the embedded setup,
and the checks production mode (SIEVE_ENV=production) makes before Sieve agrees to start."""

from __future__ import annotations

import math
import os
import secrets
import string
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: SIEVE_ENV values; "production" turns the start-up checks below into refusals.
ENVIRONMENTS = ("development", "production")
#: Bits of entropy a production secret key must carry (32 random bytes).
SECRET_KEY_MIN_BITS = 256
#: Fragments of keys copied from examples; a key containing one is refused in production.
PLACEHOLDER_FRAGMENTS = ("changeme", "change-me", "change_me", "replace", "placeholder",
                         "example", "secret", "password", "insecure", "default", "…", "...")


class ProductionConfigError(RuntimeError):
    """Production mode found settings it will not run with; the message lists every one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Sieve refuses to start in production mode (SIEVE_ENV=production):\n"
                         + "\n".join(f"  - {p}" for p in problems))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def sieve_env() -> str:
    """SIEVE_ENV, lower-cased; an unknown value is reported by the production check."""
    return (os.environ.get("SIEVE_ENV") or "development").strip().lower()


def _secret_key(instance_path: Path, production: bool) -> tuple[str | None, str]:
    """(key, source): SIEVE_SECRET_KEY, the file SIEVE_SECRET_KEY_FILE names, or (outside
    production) a random key generated once and kept in the instance folder."""
    from_env = os.environ.get("SIEVE_SECRET_KEY")
    if from_env:
        return from_env, "env"
    key_path = os.environ.get("SIEVE_SECRET_KEY_FILE")
    if key_path:
        try:
            return Path(key_path).read_text().strip(), "file"
        except OSError:
            return None, "unreadable-file"
    key_file = instance_path / "secret_key"
    if production:  # never a key each machine would invent differently
        return None, "instance-file-ignored" if key_file.exists() else "missing"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip(), "generated"


def _ratelimit_storage(production: bool) -> str:
    explicit = os.environ.get("SIEVE_RATELIMIT_STORAGE_URI")
    if explicit:
        return explicit
    redis_url = os.environ.get("SIEVE_REDIS_URL")
    return redis_url if production and redis_url else "memory://"


def load_settings(instance_path: Path) -> dict:
    env = sieve_env()
    production = env == "production"
    db_url = os.environ.get("SIEVE_DATABASE_URL") or f"sqlite:///{instance_path / 'sieve.db'}"
    secret_key, secret_source = _secret_key(instance_path, production)
    secure_cookies = _truthy(os.environ.get("SIEVE_SECURE_COOKIES", "1" if production else "0"))
    return {
        "SIEVE_ENV": env,
        "SECRET_KEY": secret_key,
        "SIEVE_SECRET_KEY_SOURCE": secret_source,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SIEVE_SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SIEVE_SQLITE_BUSY_TIMEOUT_MS", "30000")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("SIEVE_MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SIEVE_LANGUAGES": {"en": "English", "zh_CN": "简体中文"},
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Shared storage (Redis) makes the login limit hold across gunicorn workers and
        # machines; production defaults to SIEVE_REDIS_URL and refuses per-process memory.
        "RATELIMIT_STORAGE_URI": _ratelimit_storage(production),
        "RATELIMIT_KEY_PREFIX": os.environ.get("SIEVE_RATELIMIT_KEY_PREFIX", "sieve"),
        # Redis down: count in this process's memory meanwhile, rather than fail every login.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIEVE_ALLOW_MEMORY_RATELIMIT": _truthy(os.environ.get("SIEVE_ALLOW_MEMORY_RATELIMIT")),
        "SIEVE_LOGIN_RATE_LIMIT": os.environ.get("SIEVE_LOGIN_RATE_LIMIT", "10 per minute"),
        # Reverse proxies in front of Sieve whose X-Forwarded-* headers are trusted (0: none).
        "SIEVE_TRUSTED_PROXIES": int(os.environ.get("SIEVE_TRUSTED_PROXIES", "0")),
        # One JSON line per request on stdout (method, path, status, duration, request id).
        "SIEVE_REQUEST_LOG": _truthy(os.environ.get("SIEVE_REQUEST_LOG",
                                                    "1" if production else "0")),
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
        "SIEVE_BACKUP_DIR": os.environ.get("SIEVE_BACKUP_DIR") or str(instance_path / "backups"),
    }


# -- production checks ---------------------------------------------------------------------------

def secret_key_bits(key: str) -> float:
    """A generous estimate of a key's entropy: its length times log2 of the alphabet its
    character classes span (hex digits count as 16 symbols, not 36)."""
    if not key:
        return 0.0
    chars = set(key)
    if chars <= set(string.hexdigits.lower()) or chars <= set(string.hexdigits.upper()):
        alphabet = 16 if chars - set(string.digits) else 10
    else:
        alphabet = 0
        for group, size in ((string.ascii_lowercase, 26), (string.ascii_uppercase, 26),
                            (string.digits, 10)):
            if chars & set(group):
                alphabet += size
        if chars - set(string.ascii_letters + string.digits):
            alphabet += 32
    bits = len(key) * math.log2(alphabet)
    # A key made of a few repeated symbols carries far less than its alphabet suggests.
    return bits if len(chars) >= min(12, len(key)) else min(bits, len(chars) * 8.0)


def secret_key_problem(key: str | None, source: str) -> str | None:
    if source == "unreadable-file":
        return "SIEVE_SECRET_KEY_FILE names a file that cannot be read"
    if source == "instance-file-ignored":
        return ("no secret key: production ignores the generated instance/secret_key file; set "
                "SIEVE_SECRET_KEY (or SIEVE_SECRET_KEY_FILE) explicitly so every worker and "
                "machine shares one key")
    if not key or source == "missing":
        return ("no secret key: set SIEVE_SECRET_KEY (or SIEVE_SECRET_KEY_FILE) to the same "
                "32+ random bytes on every instance, e.g. python -c 'import secrets; "
                "print(secrets.token_hex(32))'; production never generates one")
    lowered = key.lower()
    fragment = next((f for f in PLACEHOLDER_FRAGMENTS if f in lowered), None)
    if fragment:
        return f"the secret key looks like a placeholder (contains {fragment!r}); generate one"
    bits = secret_key_bits(key)
    if bits < SECRET_KEY_MIN_BITS:
        return (f"the secret key is weak: about {bits:.0f} bits of entropy, at least "
                f"{SECRET_KEY_MIN_BITS} needed (64 hex digits, e.g. secrets.token_hex(32))")
    return None


def production_problems(config: dict, debug: bool) -> list[str]:
    """Every reason the settings are unfit for production ([] when none)."""
    problems = []
    if config.get("SIEVE_ENV") not in ENVIRONMENTS:
        problems.append(f"SIEVE_ENV={config.get('SIEVE_ENV')!r}: use one of "
                        f"{', '.join(ENVIRONMENTS)}")
    if debug or _truthy(os.environ.get("FLASK_DEBUG")):
        problems.append("debug mode is on (FLASK_DEBUG / --debug): the debugger runs code "
                        "for anyone who can reach it; unset FLASK_DEBUG")
    if config.get("TESTING"):
        problems.append("TESTING is on")
    secret = secret_key_problem(config.get("SECRET_KEY"),
                                config.get("SIEVE_SECRET_KEY_SOURCE", "env"))
    if secret:
        problems.append(secret)
    for prefix in ("SESSION", "REMEMBER"):
        if not config.get(f"{prefix}_COOKIE_SECURE"):
            problems.append(f"{prefix}_COOKIE_SECURE is off: serve over HTTPS and leave "
                            "SIEVE_SECURE_COOKIES at 1 (its production default)")
        if not config.get(f"{prefix}_COOKIE_HTTPONLY"):
            problems.append(f"{prefix}_COOKIE_HTTPONLY is off")
        samesite = str(config.get(f"{prefix}_COOKIE_SAMESITE") or "None").capitalize()
        if samesite not in ("Lax", "Strict"):
            problems.append(f"{prefix}_COOKIE_SAMESITE is {samesite}: use Lax or Strict")
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and not config.get("SIEVE_ALLOW_MEMORY_RATELIMIT"):
        problems.append("login rate limits are kept in per-process memory, so each gunicorn "
                        "worker counts separately: set SIEVE_RATELIMIT_STORAGE_URI (or "
                        "SIEVE_REDIS_URL) to redis://..., or SIEVE_ALLOW_MEMORY_RATELIMIT=1 "
                        "for a single-process deployment")
    return problems


def check_production(config: dict, debug: bool) -> None:
    """Raise ProductionConfigError listing every problem, when SIEVE_ENV=production."""
    if config.get("SIEVE_ENV", "development") == "development":
        return
    problems = production_problems(config, debug)
    if problems:
        raise ProductionConfigError(problems)
