"""A worker killed with SIGKILL at a random moment of a PDF report job, KILLS times: the job is
reported failed (succeeded, with its whole file, when the kill came after the end), no partial
or orphan file is left, and nothing else in the database changed.

Same harness as the metrics import kills: RQ workers on the real Redis against this test's
database, killed (the whole worker or only its work horse) at seeded random delays after the
job is claimed, across gathering the data and rendering the PDF.
"""

from __future__ import annotations

import time
from collections import Counter

from pypdf import PdfReader

from app.extensions import db
from app.models import User
from app.services import jobs
from app.services.audit import records_missing_from_trail, verify_audit_chain
from tests.factories import make_product
from tests.faults.killing import (
    KILLS,
    calibrate,
    files_in,
    kill,
    rng,
    row_counts,
    wait_until_running,
)

STATES = ("draft", "proposed", "in_review", "in_design", "rejected", "listed")


def test_report_jobs_killed_at_random_moments_leave_no_file_and_change_nothing(
        app, world, redis_queue, report_dir, worker_env, workers, tmp_path):
    manager_id, supplier_id = world.manager.id, world.supplier_a.id
    for state in STATES:
        make_product(world, state)

    def start(language: str = "en") -> int:
        manager = db.session.get(User, manager_id)
        job = jobs.enqueue(manager, "report", {"kind": "supplier", "language": language,
                                               "params": {"supplier_id": supplier_id}})
        assert job.status == "queued"
        return job.id

    began = time.monotonic()
    workers.start()  # boots while the calibration runs
    span = calibrate(start, worker_env, tmp_path / "calibration.log")
    before = row_counts(skip=("jobs",))
    kept = files_in(report_dir)
    assert len(kept) == 1 and kept[0].endswith(".pdf"), kept

    chance = rng("report")
    outcomes: Counter = Counter()
    for kill_no in range(1, KILLS + 1):
        job_id = start(chance.choice(("en", "zh_CN")))
        worker = workers.go()
        horse = wait_until_running(job_id, worker, workers)
        time.sleep(chance.uniform(0, span * 1.2))
        whole = chance.random() < 0.5
        kill(worker, horse, whole_worker=whole)

        db.session.rollback()
        job = jobs.get_job(db.session.get(User, manager_id), job_id)
        assert job.status in ("failed", "succeeded"), (kill_no, job.status, job.error)
        if job.status == "succeeded":
            path = jobs.job_file(db.session.get(User, manager_id), job_id)
            assert len(PdfReader(path).pages) == job.result["pages"] >= 1
            kept.append(f"{job_id}/{job.result['file']}")
        else:
            assert "stopped" in job.error, job.error
        assert files_in(report_dir) == sorted(kept), (kill_no, job.status)
        outcomes[(job.status, "worker" if whole else "horse", job.step)] += 1

    assert row_counts(skip=("jobs",)) == before
    count, broken = verify_audit_chain(db.session)
    assert broken is None, broken
    assert records_missing_from_trail(db.session) == []
    print(f"\n{KILLS} kills of report jobs in {time.monotonic() - began:.1f}s "
          f"(a whole report takes {span:.2f}s): {dict(sorted(outcomes.items()))}")
    failed = sum(n for (status, *_rest), n in outcomes.items() if status == "failed")
    assert failed >= KILLS // 4, outcomes
