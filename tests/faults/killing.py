"""Helpers of the kill tests: pre-booted RQ worker processes, waiting on a job, SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, inspect, select

from app.extensions import db
from app.models import Job
from tests.conftest import REPO_ROOT

#: How many kills (20 in CI; raise it for a longer run, see tests/faults/README.md).
KILLS = int(os.environ.get("SIEVE_FAULT_KILLS", "20"))
SEED = int(os.environ.get("SIEVE_FAULT_SEED", "20261126"))


def rng(salt: str) -> random.Random:
    return random.Random(f"{SEED}:{salt}")


class Workers:
    """Worker processes forked on demand from one booted process (tests/faults/standby_worker.py)."""

    def __init__(self, env: dict, log_dir: Path):
        self.env, self.log = env, log_dir / "workers.log"
        self._zygote: subprocess.Popen | None = None
        self._log_file = None
        self._ready = False

    def start(self) -> None:
        """Boot the process the workers are forked from (with ``env`` as it is now)."""
        if self._zygote is None:
            self._log_file = open(self.log, "wb")  # noqa: SIM115 - closed in close()
            self._zygote = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.standby_worker"], cwd=REPO_ROOT,
                env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._log_file, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def go(self) -> int:
        """A new worker process on the queue (burst); its pid."""
        self.start()
        zygote = self._zygote
        if not self._ready:
            assert zygote.stdout.readline() == b"ready\n", self.output()
            self._ready = True
        zygote.stdin.write(b"go\n")
        zygote.stdin.flush()
        line = zygote.stdout.readline()
        assert line.strip().isdigit(), self.output()
        return int(line)

    def close(self) -> None:
        if self._zygote is not None:
            self._zygote.stdin.close()
            try:
                self._zygote.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._zygote.kill()
                self._zygote.wait()
            self._zygote.stdout.close()
            self._log_file.close()


def job_state(job_id: int):
    db.session.rollback()  # a fresh snapshot: the worker writes the row
    return db.session.execute(select(Job.status, Job.worker).where(Job.id == job_id)).one()


def wait_until_running(job_id: int, worker: int, workers: Workers,
                       timeout: float = 60) -> int:
    """Wait for the worker to claim the job; the pid of the work horse running it."""
    deadline = time.monotonic() + timeout
    while True:
        status, label = job_state(job_id)
        if status != "queued":
            assert label and label.startswith("rq:"), (status, label)
            return int(label.split(":")[2])
        assert not dead(worker), workers.output()
        assert time.monotonic() < deadline, f"job {job_id} never started"
        time.sleep(0.01)


def wait_until_finished(job_id: int, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status, _label = job_state(job_id)
        if status in ("succeeded", "failed"):
            return status
        assert time.monotonic() < deadline, f"job {job_id} still {status}"
        time.sleep(0.01)


def kill(worker: int, horse_pid: int, whole_worker: bool) -> None:
    """SIGKILL the work horse, and with ``whole_worker`` its worker first (nobody is left to
    report the death: Sieve must notice it by itself). Returns once both are dead (the worker
    of a killed horse reports it, then ends: its queue is empty)."""
    if whole_worker:
        os.kill(worker, signal.SIGKILL)
    try:
        os.kill(horse_pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the job had finished and its horse exited
    deadline = time.monotonic() + 60
    while not (dead(horse_pid) and dead(worker)):  # SIGKILL is delivered, not instantaneous
        assert time.monotonic() < deadline, f"worker {worker} or horse {horse_pid} still alive"
        time.sleep(0.002)


def dead(pid: int) -> bool:
    """Gone, or a zombie nobody reaped (an orphan in a container whose init does not reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")


def calibrate(start_job, workers_env: dict, log: Path) -> float:
    """Run one job to its end with the real ``flask --app app jobs worker --burst``; seconds
    from its claim to its end."""
    job_id = start_job()
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs",
                                    "worker", "--burst"], cwd=REPO_ROOT, env=workers_env,
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while job_state(job_id)[0] == "queued":
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.002)
            began = time.monotonic()
            assert wait_until_finished(job_id) == "succeeded", log.read_text()
            span = time.monotonic() - began
            assert process.wait(timeout=60) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return span


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def row_counts(skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows per table (the whole database's picture, but for ``skip``)."""
    db.session.rollback()
    tables = [t for t in db.metadata.sorted_tables if t.name not in skip]
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    assert set(inspect(db.engine).get_table_names()) >= set(counts)
    return counts
