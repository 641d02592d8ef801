"""Background jobs: enqueue long work, run it with progress, keep its result, error and file.

The ``jobs`` row is what the UI and the API show, whichever backend runs the work
(:mod:`app.services.job_queue`: inline, a thread of the web process, or an RQ worker). A job
writes its output to a temporary file beside the final one, renamed into place only when the
handler succeeded; a job that raises is marked failed with the error, and its partial file is
removed. A job whose process died (a killed worker, a restarted web process) is found and marked
failed as well: by the RQ worker that watched it, or when someone next looks at it.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from app.db import in_write_transaction, write_transaction
from app.extensions import db
from app.models import Job, User
from app.models.base import utcnow
from app.models.jobs import FINISHED_STATUSES
from app.services import job_queue
from app.services.errors import NotFound, ServiceError, ValidationFailed, raise_if_errors

log = logging.getLogger(__name__)

#: Progress is written at most this often (seconds), unless the step changes or it reaches 100.
PROGRESS_INTERVAL = 0.5
#: SQLite: how long a progress write waits for the database before it is skipped (ms).
PROGRESS_BUSY_MS = 2000
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
_MAX_ERROR = 2000


@dataclass
class JobContext:
    """What a handler gets: who asked, the parameters, where to write, how to report progress."""

    job_id: int
    actor: User
    params: dict
    #: Write the output here; it is renamed into place only when the handler returns.
    temp_path: Path
    #: ``progress(percent, step)``: 0-100 and a short English key (translated for display).
    progress: Callable[[int, str], None]


@dataclass(frozen=True)
class JobHandler:
    """``run(context) -> result``: a JSON-able dict; ``{"file": name, ...}`` when it wrote
    ``context.temp_path``. ``check(actor, params) -> params`` runs at enqueue time, so a job
    the actor may not have is refused then (NotFound, ValidationFailed), not later."""

    run: Callable[[JobContext], dict]
    check: Callable[[User, dict], dict] | None = None
    #: ``discard(params)``: remove what the job kept outside its own files (an upload it was
    #: to read) when it fails, even when its process died before its own cleanup ran.
    discard: Callable[[dict], None] | None = None


# -- the report handler --------------------------------------------------------------------------

def _check_report(actor: User, params: dict) -> dict:
    from importlib import import_module

    from app.services import reports

    kind = params.get("kind")
    language = params.get("language") or "en"
    report_params = params.get("params")
    report_params = {} if report_params is None else report_params
    errors = {}
    if not isinstance(kind, str) or kind not in reports.KINDS:
        errors["kind"] = f"one of {', '.join(reports.KINDS)}"
    if not isinstance(language, str) or language not in reports.LANGUAGES:
        errors["language"] = f"one of {', '.join(reports.LANGUAGES)}"
    if not isinstance(report_params, dict):
        errors["params"] = "an object"
    raise_if_errors(errors)
    module = import_module(f"app.services.reports.{reports.KINDS[kind]}")
    module.scope_for(actor, dict(report_params))  # NotFound / ValidationFailed now, not later
    return {"kind": kind, "params": report_params, "language": language}


def _run_report(context: JobContext) -> dict:
    from app.services import reports

    p = context.params
    # Our own handle, closed whatever happens (reportlab leaks the one it opens when the
    # write fails, e.g. on a full disk).
    with open(context.temp_path, "wb") as out:
        generated = reports.generate(context.actor, p["kind"], dict(p.get("params") or {}),
                                     out, p.get("language"), context.progress)
    return {"file": f"{generated.report_id}.pdf", "pages": generated.pages,
            "report_id": generated.report_id, "kind": p["kind"]}


#: job kind -> handler. Imports and elimination sweeps add theirs here.
def _lazy(module: str, name: str) -> Callable:
    """A handler function from another service module, imported when first called (those
    modules import this one)."""
    def call(*args):
        from importlib import import_module

        return getattr(import_module(module), name)(*args)

    call.__name__ = name
    return call


def _discard_metrics_upload(params: dict) -> None:
    from app.services.metrics import discard_upload

    discard_upload(params.get("upload"))


HANDLERS: dict[str, JobHandler] = {
    "report": JobHandler(run=_run_report, check=_check_report),
    "metrics_import": JobHandler(run=_lazy("app.services.metrics", "run_import_job"),
                                 check=_lazy("app.services.metrics", "check_import_job"),
                                 discard=_discard_metrics_upload),
    "elimination_sweep": JobHandler(run=_lazy("app.services.elimination", "run_sweep_job"),
                                    check=_lazy("app.services.elimination", "check_sweep_job")),
    "export": JobHandler(run=_lazy("app.services.exports", "run_export_job"),
                         check=_lazy("app.services.exports", "check_export_job")),
}


# -- files ---------------------------------------------------------------------------------------

def output_dir() -> Path:
    """Where job files live (SIEVE_REPORT_DIR, by default ``<instance>/reports``; mode 0700)."""
    configured = current_app.config.get("SIEVE_REPORT_DIR")
    root = Path(configured) if configured else Path(current_app.instance_path) / "reports"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def temp_path(job_id: int) -> Path:
    """The job's file while it is being written: hidden, beside the final one (same disk)."""
    return output_dir() / f".job-{job_id}.part"


def _job_folder(job_id: int) -> Path:
    return output_dir() / str(job_id)


def _discard_output(job_id: int, kind: str | None = None, params: dict | None = None) -> None:
    """Remove whatever a job that did not succeed left behind."""
    temp_path(job_id).unlink(missing_ok=True)
    shutil.rmtree(_job_folder(job_id), ignore_errors=True)
    handler = HANDLERS.get(kind) if kind else None
    if handler is not None and handler.discard is not None:
        try:
            handler.discard(dict(params or {}))
        except OSError:
            log.warning("job %s: could not remove what it kept", job_id, exc_info=True)


def _place_output(job_id: int, result: dict) -> dict:
    """Rename the handler's temporary file into place, when the result names one."""
    name = result.get("file")
    temp = temp_path(job_id)
    if name is None:
        temp.unlink(missing_ok=True)
        return result
    if not isinstance(name, str) or not _FILE_NAME.fullmatch(name):
        raise ValueError(f"the job named an unsafe file name: {name!r}")
    if not temp.is_file():
        raise FileNotFoundError("the job reported a file it did not write")
    folder = _job_folder(job_id)
    folder.mkdir(mode=0o700, exist_ok=True)
    temp.replace(folder / name)  # atomic: the file is whole or absent
    return result


# -- reading -------------------------------------------------------------------------------------

def _visible(actor: User, job: Job | None) -> bool:
    return job is not None and (job.created_by_id == actor.id or actor.role == "admin")


def get_job(actor: User, job_id: int) -> Job:
    """The job, to its owner or an admin; NotFound for anyone else (never Forbidden)."""
    job = db.session.get(Job, job_id, populate_existing=True)
    if not _visible(actor, job):
        raise NotFound(f"job {job_id} not found")
    return _reconcile(job)


def list_jobs(actor: User | None, limit: int = 50, status: str | None = None) -> list[Job]:
    """Newest first: the actor's own jobs, every job for an admin or the CLI (actor None)."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if actor is not None and actor.role != "admin":
        query = query.where(Job.created_by_id == actor.id)
    if status:
        query = query.where(Job.status == status)
    jobs = list(db.session.scalars(query.execution_options(populate_existing=True)))
    return [_reconcile(job) for job in jobs]


def job_file(actor: User, job_id: int) -> Path:
    """The file a succeeded job wrote (its name is ``result["file"]``); NotFound until then."""
    job = get_job(actor, job_id)
    name = (job.result or {}).get("file") if job.status == "succeeded" else None
    if not isinstance(name, str) or not _FILE_NAME.fullmatch(name):
        raise NotFound(f"job {job_id} has no file")
    path = _job_folder(job.id) / name
    if not path.is_file():
        raise NotFound(f"job {job_id} has no file")
    return path


def _reconcile(job: Job) -> Job:
    """Mark failed a job whose process is known to be gone (the row would say running forever)."""
    if job.status in FINISHED_STATUSES:
        return job
    reason = job_queue.lost_reason(job)
    if reason is None:
        return job
    fail_job(job.id, reason)
    return db.session.get(Job, job.id, populate_existing=True)


# -- writing -------------------------------------------------------------------------------------

def enqueue(actor: User, kind: str, params: dict | None = None) -> Job:
    """Record a job and hand it to the backend; returns the row (finished when inline)."""
    handler = HANDLERS.get(kind)
    if handler is None:
        raise ValidationFailed(f"kind: one of {', '.join(HANDLERS)}", {"kind": "unknown job"})
    if params is not None and not isinstance(params, dict):
        raise ValidationFailed("params: an object", {"params": "an object"})
    params = dict(params or {})
    if handler.check is not None:
        params = handler.check(actor, params)
    try:
        json.dumps(params)
    except (TypeError, ValueError) as error:
        raise ValidationFailed("params: JSON values only", {"params": str(error)}) from error
    with write_transaction() as session:
        job = Job(kind=kind, params=params, status="queued", progress=0, step="queued",
                  created_by_id=actor.id, worker=job_queue.enqueuer_label())
        session.add(job)
        session.flush()
        job_id = job.id
    job_queue.dispatch(job_id)
    return db.session.get(Job, job_id, populate_existing=True)


def _claim(job_id: int, worker: str) -> Job | None:
    """queued -> running, atomically: a job delivered twice still runs once."""
    with write_transaction() as session:
        claimed = session.execute(
            update(Job).where(Job.id == job_id, Job.status == "queued")
            .values(status="running", started_at=utcnow(), step="started", worker=worker[:200])
        ).rowcount
    if not claimed:
        return None
    return db.session.get(Job, job_id, populate_existing=True)


def fail_job(job_id: int, error: str) -> None:
    """Mark an unfinished job failed with ``error`` and remove its partial output."""
    with write_transaction() as session:
        session.execute(
            update(Job).where(Job.id == job_id, Job.status.in_(("queued", "running")))
            .values(status="failed", error=error[:_MAX_ERROR], finished_at=utcnow()))
        row = session.execute(
            select(Job.kind, Job.params, Job.status).where(Job.id == job_id)).first()
    if row is None or row.status != "succeeded":  # a late report of a death keeps its file
        _discard_output(job_id, *(row[:2] if row else (None, None)))


def _succeed(job_id: int, result: dict) -> None:
    with write_transaction() as session:
        session.execute(
            update(Job).where(Job.id == job_id, Job.status == "running")
            .values(status="succeeded", progress=100, step="done", result=result,
                    finished_at=utcnow()))


def error_text(error: BaseException) -> str:
    if isinstance(error, ServiceError):
        return error.message
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def run_job(job_id: int, worker: str | None = None) -> Job | None:
    """Run a queued job's handler (in whatever process picked it up) and record the outcome.

    Returns the finished row, or None when the job was not queued (already taken or gone).
    """
    job = _claim(job_id, worker or job_queue.process_label())
    if job is None:
        return None
    kind, params, actor_id = job.kind, dict(job.params or {}), job.created_by_id
    try:
        handler = HANDLERS.get(kind)
        if handler is None:
            raise LookupError(f"no handler for job kind {kind!r}")
        actor = db.session.get(User, actor_id)
        context = JobContext(job_id, actor, params, temp_path(job_id), ProgressWriter(job_id))
        result = dict(handler.run(context) or {})
        json.dumps(result)
        result = _place_output(job_id, result)
        db.session.rollback()  # whatever the handler left open; the outcome is written next
        _succeed(job_id, result)
    except BaseException as error:  # the job failed, whatever it was; record it, then go on
        db.session.rollback()
        if isinstance(error, Exception):
            log.warning("job %s (%s) failed", job_id, kind, exc_info=True)
        fail_job(job_id, error_text(error))
        if not isinstance(error, Exception):
            raise  # KeyboardInterrupt, SystemExit: the process is stopping
    return db.session.get(Job, job_id, populate_existing=True)


class ProgressWriter:
    """``progress(percent, step)`` for a running job: each update is its own short transaction
    on a connection of its own, so it never commits or rolls back the handler's session.

    It does not take Sieve's write lock (the jobs row is not audited): a handler holding that
    lock on PostgreSQL would otherwise wait for itself. On SQLite, where one writer holds the
    whole database, an update that cannot get it in time is skipped: progress is advisory.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._last: tuple[int, str | None] | None = None
        self._last_at = 0.0

    def __call__(self, percent: int, step: str | None = None) -> None:
        percent = max(0, min(100, int(percent)))
        step = None if step is None else str(step)[:200]
        now = time.monotonic()
        if self._last == (percent, step):
            return
        if (self._last and step == self._last[1] and percent < 100
                and now - self._last_at < PROGRESS_INTERVAL):
            return
        self._last, self._last_at = (percent, step), now
        self._write(percent, step)

    def _write(self, percent: int, step: str | None) -> None:
        values = {"progress": percent} if step is None else {"progress": percent, "step": step}
        statement = update(Job).where(Job.id == self.job_id, Job.status == "running")
        engine = db.engine
        sqlite = engine.dialect.name == "sqlite"
        if sqlite and in_write_transaction():
            return  # the handler itself holds SQLite's one write lock
        with engine.connect() as connection:
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {PROGRESS_BUSY_MS}")
            try:
                connection.execute(statement.values(**values))
                connection.commit()
            except OperationalError:
                connection.rollback()
                log.info("job %s: progress %s%% not recorded (database busy)", self.job_id,
                         percent)
            finally:
                if sqlite:
                    busy = int(current_app.config["SIEVE_SQLITE_BUSY_TIMEOUT_MS"])
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy}")
                    connection.commit()
