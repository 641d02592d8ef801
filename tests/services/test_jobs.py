"""Background jobs: inline, in threads of the app process, and on RQ workers over a real Redis.

The Redis tests need SIEVE_TEST_REDIS_URL (``.ci/run`` starts Redis and sets it); under CI they
fail without it, locally they are skipped with a reason.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.db import write_transaction
from app.extensions import db
from app.models import Job
from app.services import job_queue, jobs
from app.services.errors import NotFound, ValidationFailed
from tests import factories
from tests.conftest import real_redis

# -- fake handlers -------------------------------------------------------------------------------

def _writes_file(context: jobs.JobContext) -> dict:
    context.progress(30, "gather")
    context.temp_path.write_bytes(b"hello " + str(context.params.get("n", 0)).encode())
    context.progress(80, "render")
    return {"file": "greeting.txt", "pages": 3, "report_id": "R-1"}


def _explodes(context: jobs.JobContext) -> dict:
    context.progress(40, "render")
    context.temp_path.write_bytes(b"half a file")
    raise RuntimeError("the printer caught fire")


def _unsafe_name(context: jobs.JobContext) -> dict:
    context.temp_path.write_bytes(b"x")
    return {"file": "../../etc/passwd"}


def _dies(context: jobs.JobContext) -> dict:
    """A crash no exception handler sees: the process is killed mid-write."""
    context.progress(50, "render")
    context.temp_path.write_bytes(b"half a file")
    os.kill(os.getpid(), signal.SIGKILL)
    return {}  # never reached


class Gate:
    """A handler that reports progress, then waits until the test lets it finish."""

    def __init__(self):
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, context: jobs.JobContext) -> dict:
        context.progress(50, "render")
        self.reached.set()
        assert self.release.wait(20), "the test never released the job"
        context.temp_path.write_bytes(b"done")
        return {"file": "gated.txt"}


def install_fake_handlers(monkeypatch) -> dict:
    for kind, run in {"greet": _writes_file, "explode": _explodes, "unsafe": _unsafe_name,
                      "die": _dies}.items():
        monkeypatch.setitem(jobs.HANDLERS, kind, jobs.JobHandler(run=run))
    return jobs.HANDLERS


def use_report_dir(app, tmp_path) -> Path:
    """A fresh folder for job files, so a test can see every file left behind."""
    path = tmp_path / "reports"
    app.config["SIEVE_REPORT_DIR"] = str(path)
    return path


@pytest.fixture
def handlers(monkeypatch):
    return install_fake_handlers(monkeypatch)


@pytest.fixture
def report_dir(app, tmp_path) -> Path:
    return use_report_dir(app, tmp_path)


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def fresh(actor, job_id: int) -> Job:
    db.session.rollback()  # a new snapshot: another thread or process wrote the row
    return jobs.get_job(actor, job_id)


def wait_until_finished(actor, job_id: int, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job = fresh(actor, job_id)
        if job.finished:
            return job
        assert time.monotonic() < deadline, f"job still {job.status} after {timeout}s"
        time.sleep(0.05)


# -- inline --------------------------------------------------------------------------------------

def test_inline_job_succeeds_with_progress_result_and_file(app, world, handlers, report_dir):
    job = jobs.enqueue(world.manager, "greet", {"n": 7})
    assert (job.status, job.progress, job.step) == ("succeeded", 100, "done")
    assert job.result == {"file": "greeting.txt", "pages": 3, "report_id": "R-1"}
    assert job.error is None and job.kind == "greet" and job.params == {"n": 7}
    assert job.created_by_id == world.manager.id
    assert job.started_at and job.finished_at and job.created_at <= job.started_at
    assert job.worker.startswith("embedded:")
    path = jobs.job_file(world.manager, job.id)
    assert path.read_bytes() == b"hello 7" and path.name == "greeting.txt"
    assert files_in(report_dir) == [f"{job.id}/greeting.txt"]  # no temporary file left


def test_a_handler_that_raises_fails_the_job_and_leaves_no_file(app, world, handlers,
                                                                report_dir):
    job = jobs.enqueue(world.manager, "explode")
    assert job.status == "failed"
    assert job.error == "RuntimeError: the printer caught fire"
    assert job.step == "render" and job.progress == 40  # where it was when it failed
    assert job.result is None and job.finished_at is not None
    assert files_in(report_dir) == []
    with pytest.raises(NotFound):
        jobs.job_file(world.manager, job.id)


def test_an_unsafe_file_name_fails_the_job(app, world, handlers, report_dir):
    job = jobs.enqueue(world.manager, "unsafe")
    assert job.status == "failed" and "unsafe file name" in job.error
    assert files_in(report_dir) == []


def test_enqueue_refuses_unknown_kinds_and_bad_params(app, world, handlers):
    with pytest.raises(ValidationFailed) as error:
        jobs.enqueue(world.manager, "nope", {})
    assert error.value.details == {"kind": "unknown job"}
    with pytest.raises(ValidationFailed):
        jobs.enqueue(world.manager, "greet", {"when": object()})
    with pytest.raises(ValidationFailed):
        jobs.enqueue(world.manager, "greet", ["not", "an", "object"])
    assert db.session.query(Job).count() == 0


def test_a_job_runs_once_even_when_delivered_twice(app, world, handlers, report_dir):
    job = jobs.enqueue(world.manager, "greet")
    assert jobs.run_job(job.id) is None  # already succeeded: not run again
    assert fresh(world.manager, job.id).status == "succeeded"


def test_only_the_owner_and_admins_see_a_job_and_its_file(app, world, handlers, report_dir):
    job = jobs.enqueue(world.supplier_user, "greet")
    assert jobs.get_job(world.admin, job.id).id == job.id
    assert jobs.job_file(world.admin, job.id).is_file()
    for other in (world.other_supplier_user, world.manager, world.qc):
        with pytest.raises(NotFound):
            jobs.get_job(other, job.id)
        with pytest.raises(NotFound):
            jobs.job_file(other, job.id)
    with pytest.raises(NotFound):
        jobs.get_job(world.admin, job.id + 1000)
    assert [j.id for j in jobs.list_jobs(world.supplier_user)] == [job.id]
    assert jobs.list_jobs(world.other_supplier_user) == []
    assert [j.id for j in jobs.list_jobs(world.admin)] == [job.id]


def _queued_row(actor, worker: str | None, status: str = "running") -> int:
    with write_transaction() as session:
        job = Job(kind="greet", params={}, status=status, progress=10, step="render",
                  created_by_id=actor.id, worker=worker)
        session.add(job)
        session.flush()
        return job.id


def test_a_job_whose_process_died_is_reported_failed_and_its_partial_file_removed(
        app, world, handlers, report_dir):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead_pid = int(finished.stdout)
    job_id = _queued_row(world.manager, f"embedded:{socket.gethostname()}:{dead_pid}:0000")
    jobs.temp_path(job_id).write_bytes(b"half a file")
    job = jobs.get_job(world.manager, job_id)
    assert job.status == "failed" and job.error == "Sieve stopped before this job finished"
    assert files_in(report_dir) == []
    # this pid, but an earlier process that had it (a restarted container)
    earlier = _queued_row(world.manager, f"embedded:{socket.gethostname()}:{os.getpid()}:x")
    assert jobs.get_job(world.manager, earlier).status == "failed"
    # this very process, or another machine: still running
    alive = _queued_row(world.manager, job_queue.process_label())
    elsewhere = _queued_row(world.manager, "embedded:another-host:1:abcd")
    assert jobs.get_job(world.manager, alive).status == "running"
    assert jobs.get_job(world.manager, elsewhere).status == "running"


def test_an_unreachable_redis_fails_the_job_with_a_clear_error(app, world, handlers):
    app.config.update(SIEVE_JOBS_INLINE=False, SIEVE_REDIS_URL="redis://127.0.0.1:1/0")
    job = jobs.enqueue(world.manager, "greet")
    assert job.status == "failed"
    assert job.error.startswith("the job queue (Redis) could not be reached")


# -- threads of the app process (the embedded default) -----------------------------------------

def test_thread_mode_shows_progress_then_completes(app, world, handlers, report_dir,
                                                   monkeypatch):
    gate = Gate()
    monkeypatch.setitem(jobs.HANDLERS, "gated", jobs.JobHandler(run=gate))
    app.config.update(SIEVE_JOBS_INLINE=False, SIEVE_REDIS_URL=None)
    assert job_queue.backend() == "thread"
    job = jobs.enqueue(world.manager, "gated")
    assert job.status in ("queued", "running")
    assert gate.reached.wait(20)
    running = fresh(world.manager, job.id)
    assert (running.status, running.progress, running.step) == ("running", 50, "render")
    gate.release.set()
    done = wait_until_finished(world.manager, job.id)
    assert (done.status, done.progress, done.result) == ("succeeded", 100, {"file": "gated.txt"})
    assert files_in(report_dir) == [f"{job.id}/gated.txt"]


def test_thread_mode_failure_is_recorded(app, world, handlers, report_dir):
    app.config.update(SIEVE_JOBS_INLINE=False, SIEVE_REDIS_URL=None)
    job = jobs.enqueue(world.manager, "explode")
    done = wait_until_finished(world.manager, job.id)
    assert done.status == "failed" and "printer caught fire" in done.error
    assert files_in(report_dir) == []


# -- the report handler --------------------------------------------------------------------------

def test_the_report_handler_writes_a_pdf_renamed_into_place(app, world, report_dir):
    product = factories.make_product(world)
    job = jobs.enqueue(world.manager, "report",
                       {"kind": "product", "params": {"product_id": product.id}})
    assert job.status == "succeeded", job.error
    assert job.params == {"kind": "product", "params": {"product_id": product.id},
                          "language": "en"}
    result = job.result
    assert result["file"] == f"{result['report_id']}.pdf" and result["kind"] == "product"
    path = jobs.job_file(world.manager, job.id)
    assert len(PdfReader(path).pages) == result["pages"] >= 1
    assert files_in(report_dir) == [f"{job.id}/{result['file']}"]


def test_report_jobs_are_checked_when_asked_for(app, world, report_dir):
    product = factories.make_product(world)  # supplier A's
    with pytest.raises(NotFound):
        jobs.enqueue(world.other_supplier_user, "report",
                     {"kind": "product", "params": {"product_id": product.id}})
    with pytest.raises(ValidationFailed) as error:
        jobs.enqueue(world.manager, "report", {"kind": "horoscope", "language": "fr"})
    assert set(error.value.details) == {"kind", "language"}
    assert db.session.query(Job).count() == 0


# -- Redis (RQ) ----------------------------------------------------------------------------------

@pytest.fixture
def redis_app(app, report_dir):
    with real_redis(app, "the Redis job tests") as connection:
        yield connection


def test_redis_mode_queues_then_a_burst_worker_runs_the_job(app, world, handlers, redis_app,
                                                           report_dir):
    from rq import Queue

    job = jobs.enqueue(world.manager, "greet", {"n": 3})
    assert (job.status, job.worker) == ("queued", None)  # waiting for a worker
    assert Queue(job_queue.QUEUE_NAME, connection=redis_app).job_ids == [
        job_queue.rq_job_id(job.id)]
    assert fresh(world.manager, job.id).status == "queued"  # not lost: Redis has it
    job_queue.work(burst=True)  # forks a work horse per job, like a production worker
    done = fresh(world.manager, job.id)
    assert (done.status, done.progress, done.result["file"]) == ("succeeded", 100,
                                                                 "greeting.txt")
    assert done.worker.startswith("rq:")
    assert jobs.job_file(world.manager, job.id).read_bytes() == b"hello 3"
    assert files_in(report_dir) == [f"{job.id}/greeting.txt"]


def test_redis_mode_a_raising_job_is_failed_in_sieve_and_in_rq(app, world, handlers, redis_app,
                                                              report_dir, runner):
    from rq.job import Job as RqJob

    job = jobs.enqueue(world.manager, "explode")
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    done = fresh(world.manager, job.id)
    assert done.status == "failed" and done.error == "RuntimeError: the printer caught fire"
    assert files_in(report_dir) == []
    rq_job = RqJob.fetch(job_queue.rq_job_id(job.id), connection=redis_app)
    assert rq_job.get_status() == "failed"


def test_redis_mode_a_killed_work_horse_is_reported_failed_without_partial_file(
        app, world, handlers, redis_app, report_dir):
    job = jobs.enqueue(world.manager, "die")
    job_queue.work(burst=True)
    done = fresh(world.manager, job.id)
    assert done.status == "failed"
    assert done.error == f"the worker process stopped unexpectedly (signal {signal.SIGKILL})"
    assert done.progress == 50
    assert files_in(report_dir) == []


def test_redis_mode_a_job_the_queue_lost_is_reported_failed(app, world, handlers, redis_app):
    job_id = _queued_row(world.manager, "rq:gone-worker")
    job = jobs.get_job(world.manager, job_id)
    assert job.status == "failed" and "no longer has this job" in job.error


def test_jobs_list_cli(app, world, handlers, report_dir, runner):
    done = jobs.enqueue(world.manager, "greet")
    failed = jobs.enqueue(world.manager, "explode")
    lines = runner.invoke(args=["jobs", "list"]).output.splitlines()
    assert lines[0].startswith(f"{failed.id}\texplode\tfailed\t40%")
    assert "the printer caught fire" in lines[0]
    assert lines[1].startswith(f"{done.id}\tgreet\tsucceeded\t100%\tdone\tselection_manager@")
    only = runner.invoke(args=["jobs", "list", "--status", "succeeded"]).output
    assert only.startswith(f"{done.id}\t") and len(only.splitlines()) == 1


def test_jobs_worker_cli_needs_redis(app, runner):
    app.config["SIEVE_REDIS_URL"] = None
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 1 and "SIEVE_REDIS_URL is not set" in result.output


@pytest.mark.parametrize("params, field", [
    ({"kind": {"x": 1}, "params": {}}, "kind"),
    ({"kind": ["product"], "params": {}}, "kind"),
    ({"kind": "product", "params": {}, "language": ["en"]}, "language"),
])
def test_a_report_job_with_unhashable_kind_or_language_is_refused(app, world, params, field):
    """Any caller (not only the API, which checks types first) gets a named refusal, not a
    TypeError from looking a list or an object up in a set."""
    with pytest.raises(ValidationFailed) as error:
        jobs.enqueue(world.manager, "report", params)
    assert field in error.value.details
