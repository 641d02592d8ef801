"""Production defaults for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every setting can be changed from the environment (SIEVE_WEB_*), so one file serves every machine.

- Workers: ``SIEVE_WEB_WORKERS`` (else gunicorn's ``WEB_CONCURRENCY``, else 2 x CPUs + 1, at most 8),
  each with ``SIEVE_WEB_THREADS`` threads (gthread worker, default 4). Threads keep a worker
  answering while one of its requests waits on the database, a slow client or an upload.
- ``preload_app = False``: each worker builds its own app after the fork, so no database
  connection, SQLite handle or job-thread pool is ever shared across processes, and
  ``kill -HUP <master>`` loads new code without a restart. Preloading would save some memory
  per worker (copy-on-write), which Sieve does not need at this size.
- The access log goes to stdout and errors to stderr (collect them with the service manager).
- A worker that does not report for ``SIEVE_WEB_TIMEOUT`` seconds (default 60) is killed and
  replaced; long work belongs in background jobs, not in requests. Each worker is recycled after
  about 5,000 requests, so a slow leak cannot grow without bound.
"""

from __future__ import annotations

import multiprocessing
import os


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _default_workers() -> int:
    from_gunicorn = os.environ.get("WEB_CONCURRENCY", "").strip()
    if from_gunicorn:
        return int(from_gunicorn)
    return min(2 * multiprocessing.cpu_count() + 1, 8)


wsgi_app = "wsgi:app"
bind = os.environ.get("SIEVE_BIND", "127.0.0.1:8000").split(",")
workers = _int_env("SIEVE_WEB_WORKERS", _default_workers())
worker_class = "gthread"
threads = _int_env("SIEVE_WEB_THREADS", 4)
preload_app = False

timeout = _int_env("SIEVE_WEB_TIMEOUT", 60)
graceful_timeout = _int_env("SIEVE_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int_env("SIEVE_WEB_KEEPALIVE", 5)
max_requests = _int_env("SIEVE_WEB_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# Worker heartbeats in memory, not on a disk that may stall (or be full).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = os.environ.get("SIEVE_WEB_ACCESS_LOG", "-")  # a path, "-" (stdout) or "off"
if accesslog == "off":
    accesslog = None
errorlog = "-"
loglevel = os.environ.get("SIEVE_WEB_LOG_LEVEL", "info")
# The usual combined format plus the request's duration in seconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
proc_name = "sieve"
