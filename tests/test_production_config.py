"""Production mode (SIEVE_ENV=production) refuses debug, weak or missing secret keys, insecure
cookies and per-process rate limits, naming every problem at once, from create_app, flask and
gunicorn alike."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from app import create_app
from app.config import ProductionConfigError, secret_key_bits, secret_key_problem
from tests.conftest import REPO_ROOT, TEST_SETTINGS, _created_apps

STRONG = secrets.token_hex(32)
#: The tests' own Redis database index (.ci/run sets SIEVE_TEST_REDIS_URL).
REDIS = os.environ.get("SIEVE_TEST_REDIS_URL") or "redis://127.0.0.1:6379/13"


@pytest.fixture
def production(monkeypatch, tmp_path, database_url):
    """A production environment that passes every check; tests spoil one thing each."""
    for name in ("FLASK_DEBUG", "SIEVE_SECURE_COOKIES", "SIEVE_RATELIMIT_STORAGE_URI",
                 "SIEVE_REDIS_URL", "SIEVE_SECRET_KEY_FILE", "SIEVE_ALLOW_MEMORY_RATELIMIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SIEVE_ENV", "production")
    monkeypatch.setenv("SIEVE_SECRET_KEY", STRONG)
    monkeypatch.setenv("SIEVE_RATELIMIT_STORAGE_URI", REDIS)
    monkeypatch.setenv("SIEVE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SIEVE_DATABASE_URL", database_url)
    return monkeypatch


def start(**overrides):
    app = create_app({"SIEVE_JOBS_INLINE": True, **overrides})
    _created_apps.append(app)  # its connection pool is closed after the test
    return app


def refusal(**overrides) -> list[str]:
    with pytest.raises(ProductionConfigError) as caught:
        start(**overrides)
    assert "refuses to start in production mode" in str(caught.value)
    for problem in caught.value.problems:
        assert problem in str(caught.value)  # the message lists every problem
    return caught.value.problems


def test_a_sound_production_configuration_starts_with_secure_defaults(production):
    app = start()
    assert app.config["SIEVE_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SIEVE_REQUEST_LOG"] is True
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("how", ["env", "config"])
def test_debug_mode_is_refused(production, how):
    if how == "env":
        production.setenv("FLASK_DEBUG", "1")
        problems = refusal()
    else:
        problems = refusal(DEBUG=True)
    assert problems == [p for p in problems if "debug mode is on" in p] and len(problems) == 1


def test_missing_secret_key_is_refused_and_none_is_generated(production, tmp_path):
    production.delenv("SIEVE_SECRET_KEY")
    (problem,) = refusal()
    assert problem.startswith("no secret key")
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_the_generated_instance_key_file_is_not_accepted_in_production(production, tmp_path):
    production.delenv("SIEVE_SECRET_KEY")
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").write_text(secrets.token_hex(32))
    (problem,) = refusal()
    assert "ignores the generated instance/secret_key file" in problem


@pytest.mark.parametrize("key, words", [
    ("short", "weak"),
    (secrets.token_hex(16), "weak: about 128 bits"),  # 16 random bytes are not enough
    ("a" * 200, "weak"),
    ("ab" * 100, "weak"),
    ("changeme-" + secrets.token_hex(32), "placeholder"),
    ("…", "placeholder"),
    ("my-super-secret-key-for-sieve-production-use", "placeholder"),
    ("correct horse battery staple sieve", "weak"),
])
def test_weak_or_placeholder_secret_keys_are_refused(production, key, words):
    production.setenv("SIEVE_SECRET_KEY", key)
    (problem,) = refusal()
    assert words in problem


def test_secret_key_from_a_file(production, tmp_path):
    production.delenv("SIEVE_SECRET_KEY")
    key_file = tmp_path / "key"
    key_file.write_text(STRONG + "\n")
    production.setenv("SIEVE_SECRET_KEY_FILE", str(key_file))
    assert start().config["SECRET_KEY"] == STRONG
    production.setenv("SIEVE_SECRET_KEY_FILE", str(tmp_path / "absent"))
    (problem,) = refusal()
    assert "cannot be read" in problem


def test_random_keys_of_32_bytes_pass_the_entropy_estimate():
    for _ in range(50):
        assert secret_key_bits(secrets.token_hex(32)) >= 256
        assert secret_key_bits(secrets.token_urlsafe(32)) >= 256
        assert secret_key_problem(secrets.token_urlsafe(32), "env") is None


def test_insecure_cookies_are_refused(production):
    production.setenv("SIEVE_SECURE_COOKIES", "0")
    problems = refusal()
    assert [p.split(" ")[0] for p in problems] == ["SESSION_COOKIE_SECURE",
                                                   "REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("overrides, expected", [
    ({"SESSION_COOKIE_SAMESITE": "None"}, "SESSION_COOKIE_SAMESITE is None"),
    ({"SESSION_COOKIE_SAMESITE": None}, "SESSION_COOKIE_SAMESITE is None"),
    ({"REMEMBER_COOKIE_SAMESITE": "none"}, "REMEMBER_COOKIE_SAMESITE is None"),
    ({"REMEMBER_COOKIE_SECURE": False}, "REMEMBER_COOKIE_SECURE is off"),
    ({"SESSION_COOKIE_HTTPONLY": False}, "SESSION_COOKIE_HTTPONLY is off"),
    ({"TESTING": True}, "TESTING is on"),
])
def test_each_insecure_cookie_setting_is_named(production, overrides, expected):
    (problem,) = refusal(**overrides)
    assert problem.startswith(expected)


def test_per_process_rate_limits_are_refused_unless_declared_single_process(production):
    production.delenv("SIEVE_RATELIMIT_STORAGE_URI")
    (problem,) = refusal()
    assert "per-process memory" in problem
    production.setenv("SIEVE_ALLOW_MEMORY_RATELIMIT", "1")
    assert start().config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_rate_limits_default_to_the_job_redis_in_production(production):
    production.delenv("SIEVE_RATELIMIT_STORAGE_URI")
    production.setenv("SIEVE_REDIS_URL", REDIS)
    assert start().config["RATELIMIT_STORAGE_URI"] == REDIS


def test_every_problem_is_listed_in_one_message(production):
    production.setenv("FLASK_DEBUG", "1")
    production.setenv("SIEVE_SECRET_KEY", "dev")
    production.setenv("SIEVE_SECURE_COOKIES", "0")
    production.delenv("SIEVE_RATELIMIT_STORAGE_URI")
    problems = refusal(SESSION_COOKIE_SAMESITE="None")
    assert len(problems) == 6, problems


def test_unknown_environment_name_is_refused(production):
    production.setenv("SIEVE_ENV", "prod")  # a typo must not fall back to development
    problems = refusal()
    assert "SIEVE_ENV='prod'" in problems[0]


def test_development_mode_starts_with_the_same_settings(production):
    production.setenv("SIEVE_ENV", "development")
    production.setenv("SIEVE_SECRET_KEY", "dev")
    production.setenv("SIEVE_SECURE_COOKIES", "0")
    app = start(**TEST_SETTINGS)
    assert app.config["SIEVE_ENV"] == "development" and not app.config["SESSION_COOKIE_SECURE"]


def _bad_production_env(tmp_path, database_url) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIEVE_", "FLASK_"))}
    env.update({"SIEVE_ENV": "production", "SIEVE_SECRET_KEY": "changeme",
                "SIEVE_INSTANCE_PATH": str(tmp_path / "instance"),
                "SIEVE_DATABASE_URL": database_url, "FLASK_DEBUG": "1",
                "SIEVE_SECURE_COOKIES": "0"})
    return env


def test_flask_cli_exits_non_zero_and_says_why(tmp_path, database_url):
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"],
                          cwd=REPO_ROOT, env=_bad_production_env(tmp_path, database_url),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    for words in ("refuses to start in production mode", "debug mode is on", "placeholder",
                  "SESSION_COOKIE_SECURE is off", "per-process memory"):
        assert words in done.stderr


def test_gunicorn_stops_instead_of_serving(tmp_path, database_url):
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", "127.0.0.1:0",
         "app:create_app()"],
        cwd=REPO_ROOT, env=_bad_production_env(tmp_path, database_url),
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "refuses to start in production mode" in done.stderr
    assert "Worker failed to boot" in done.stderr
