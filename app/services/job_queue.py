"""Where jobs run: inline (tests), threads of this process (the embedded default), or RQ workers
fed through Redis when SIEVE_REDIS_URL is set (``flask --app app jobs worker``, on any machine
that reaches the same database, Redis and SIEVE_REPORT_DIR).

Also how to tell that the process holding an unfinished job is gone, so that job can be
reported failed instead of running forever.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context

from app.extensions import db
from app.models import Job
from app.models.base import as_utc, utcnow

log = logging.getLogger(__name__)

#: The RQ queue Sieve's jobs go to.
QUEUE_NAME = "sieve"
#: A queued row younger than this may not have reached Redis yet.
ENQUEUE_GRACE = timedelta(minutes=1)

_PROCESS_TOKEN = secrets.token_hex(4)
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_forked = False
_worker_app: Flask | None = None


def _after_fork_in_child() -> None:
    """A forked process (an RQ work horse, a gunicorn worker) owns none of the parent's threads,
    connections or identity."""
    global _executor, _forked, _PROCESS_TOKEN
    _executor, _forked, _PROCESS_TOKEN = None, True, secrets.token_hex(4)


os.register_at_fork(after_in_child=_after_fork_in_child)


def backend() -> str:
    config = current_app.config
    if config.get("SIEVE_JOBS_INLINE"):
        return "inline"
    return "redis" if config.get("SIEVE_REDIS_URL") else "thread"


def process_label() -> str:
    """This process, as stored in ``jobs.worker``: ``embedded:host:pid:token``."""
    return f"embedded:{socket.gethostname()}:{os.getpid()}:{_PROCESS_TOKEN}"


def enqueuer_label() -> str | None:
    """Who holds a job from the moment it is queued: this process, unless a worker takes it."""
    return None if backend() == "redis" else process_label()


def dispatch(job_id: int) -> None:
    """Hand a committed, queued job to the backend."""
    from app.services.jobs import run_job

    mode = backend()
    if mode == "inline":
        run_job(job_id)
    elif mode == "redis":
        _enqueue_rq(job_id)
    else:
        _thread_pool().submit(_run_in_thread, current_app._get_current_object(), job_id)


# -- threads of this process ---------------------------------------------------------------------

def _thread_pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=max(1, int(current_app.config.get("SIEVE_JOBS_THREADS", 2))),
                thread_name_prefix="sieve-job")
        return _executor


def _run_in_thread(app: Flask, job_id: int) -> None:
    from app.services.jobs import run_job

    with app.app_context():  # its own session, removed when the context ends
        try:
            run_job(job_id)
        except BaseException:
            log.exception("job %s: the job runner itself failed", job_id)


def _embedded_holder_gone(label: str) -> bool:
    """Whether the process named by ``label`` (``embedded:`` or ``rq:host:pid:token``, same
    host only) no longer exists."""
    parts = label.split(":")
    if len(parts) != 4 or parts[1] != socket.gethostname() or not parts[2].isdigit():
        return False  # another machine's process: it cannot be checked from here
    pid, token = int(parts[2]), parts[3]
    if pid == os.getpid():
        return token != _PROCESS_TOKEN  # this pid, but an earlier process that had it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(pid)


def _zombie(pid: int) -> bool:
    """A dead process nobody has reaped yet (an orphaned RQ work horse in a container whose
    init does not reap) still answers ``kill(pid, 0)``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # not Linux, or gone since
    return stat.rsplit(")", 1)[-1].split()[:1] in (["Z"], ["X"])


# -- Redis (RQ) ----------------------------------------------------------------------------------

def redis_connection(url: str | None = None):
    from redis import Redis

    return Redis.from_url(url or current_app.config["SIEVE_REDIS_URL"])


def rq_job_id(job_id: int) -> str:
    return f"sieve-job-{job_id}"


def _enqueue_rq(job_id: int) -> None:
    from redis.exceptions import RedisError
    from rq import Queue

    from app.services.jobs import fail_job

    try:
        queue = Queue(QUEUE_NAME, connection=redis_connection())
        queue.enqueue("app.services.job_queue.run_queued_job", job_id, job_id=rq_job_id(job_id),
                      job_timeout=int(current_app.config.get("SIEVE_JOB_TIMEOUT", 3600)),
                      result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
                      description=f"Sieve job {job_id}")
    except RedisError as error:
        fail_job(job_id, f"the job queue (Redis) could not be reached: {error}")


class JobFailed(Exception):
    """Raised in the RQ work horse when the job failed, so RQ records the failure too."""


def _app_for_worker() -> Flask:
    """The app of a worker started as ``rq worker`` rather than ``flask jobs worker``."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def run_queued_job(job_id: int) -> dict:
    """The function RQ runs (in the work horse): one app context per job."""
    from app.services.jobs import run_job

    # rq:host:pid:token, like an embedded holder: a work horse killed together with its worker
    # (nobody left to report it) is then found gone by any process on the same machine.
    worker = "rq:" + process_label().split(":", 1)[1]
    with _app_for_worker().app_context():
        if _forked:  # a forked work horse: never use the parent's database connections
            db.engine.dispose(close=False)
        job = run_job(job_id, worker=worker)
        outcome = {"status": job.status if job else "skipped",
                   "error": job.error if job else None}
        db.session.remove()
    if outcome["status"] == "failed":
        raise JobFailed(outcome["error"])
    return outcome


def _work_horse_killed(rq_job, _pid, status, _rusage) -> None:
    """In the worker, when the process running a job died (killed, out of memory...)."""
    from app.services.jobs import fail_job

    job_id = rq_job.args[0] if rq_job.args else None
    if not isinstance(job_id, int):
        return
    signal = f" (signal {os.WTERMSIG(status)})" if status and os.WIFSIGNALED(status) else ""
    with _app_for_worker().app_context():
        fail_job(job_id, f"the worker process stopped unexpectedly{signal}")
        db.session.remove()


def _preload_handlers() -> None:
    """Import the job handlers' modules once, in the worker: every work horse it forks starts
    with them loaded (pandas, reportlab) instead of spending seconds importing them per job."""
    from importlib import import_module

    from app.services import reports

    for module in ("app.services.metrics", "app.services.elimination", "app.services.exports",
                   *(f"app.services.reports.{name}" for name in reports.KINDS.values()),
                   *(f"reports.{name}" for name in reports.KINDS.values())):
        import_module(module)


def work(burst: bool = False) -> bool:
    """Run an RQ worker on Sieve's queue (``burst``: until the queue is empty)."""
    from rq import Queue, Worker

    _preload_handlers()
    connection = redis_connection()
    worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection,
                    work_horse_killed_handler=_work_horse_killed)
    return worker.work(burst=burst, with_scheduler=False)


def _rq_lost_reason(job: Job) -> str | None:
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RqJob
    from rq.job import JobStatus

    try:
        rq_job = RqJob.fetch(rq_job_id(job.id), connection=redis_connection())
        status = rq_job.get_status(refresh=False)
    except NoSuchJobError:
        if job.status == "running" or utcnow() - as_utc(job.created_at) > ENQUEUE_GRACE:
            return "the job queue no longer has this job (Redis was emptied or restarted)"
        return None
    except RedisError:
        return None  # cannot tell now
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        latest = rq_job.latest_result()
        detail = (latest.exc_string or "").strip().splitlines()[-1:] if latest else []
        return "the worker stopped this job" + (f": {detail[0]}" if detail else "")
    return None


def lost_reason(job: Job) -> str | None:
    """Why an unfinished job can never finish, or None while it may still."""
    if job.worker and job.worker.startswith("embedded:"):
        return ("Sieve stopped before this job finished"
                if _embedded_holder_gone(job.worker) else None)
    if job.worker and job.worker.startswith("rq:") and _embedded_holder_gone(job.worker):
        return "the worker process running this job stopped before it finished"
    if current_app.config.get("SIEVE_REDIS_URL"):
        return _rq_lost_reason(job)
    return None
