"""A worker killed with SIGKILL at a random moment of a metrics import, KILLS times: each import
is whole or absent, its job is reported failed (succeeded only when the kill came after the
commit), the audit chain verifies, and no upload or job file is left behind.

Real processes: RQ workers (``flask --app app jobs worker --burst``'s loop) on the real Redis,
against this test's database (SQLite, or PostgreSQL under SIEVE_TEST_DATABASE_URL). The kill
comes at a seeded random delay after the job is claimed, across the validation pass and the
write pass (small chunks and a pause per written chunk spread both over time); half the kills
take the whole worker down (no parent left to report it), half only its work horse.
"""

from __future__ import annotations

import io
import os
import time
from collections import Counter

from sqlalchemy import func, select

from app.extensions import db
from app.models import CustomerMetric, Job, User
from app.services import jobs, metrics
from app.services.audit import records_missing_from_trail, verify_audit_chain
from app.services.metrics import importing
from tests.factories import make_product
from tests.faults.killing import (
    KILLS,
    calibrate,
    files_in,
    kill,
    rng,
    wait_until_running,
)

HEADER = "product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,returns,complaints"
#: Rows per file (a few thousand in CI; raise SIEVE_FAULT_ROWS for a longer run).
ROWS = int(os.environ.get("SIEVE_FAULT_ROWS", "2400"))
MONTHS = 600  # 50 years of months per block of periods
PRODUCTS = max(1, ROWS // MONTHS)
BLOCKS = (9998 - 1900) // 50  # blocks of periods that fit the calendar
CHUNK_ROWS = max(50, ROWS // 12)


def block_years(block: int) -> tuple[int, int]:
    first = 1900 + 50 * block
    return first, first + 49


def csv_file(product_ids: list[int], block: int, units: int) -> bytes:
    first, last = block_years(block)
    lines = [HEADER]
    for pid in product_ids:
        lines.extend(f"{pid},{year}-{month:02d},{units},9,2,4.5,2,1,0"
                     for year in range(first, last + 1) for month in range(1, 13))
    return ("\n".join(lines) + "\n").encode()


def block_figures(block: int) -> tuple[int, set[int]]:
    first, last = block_years(block)
    in_block = CustomerMetric.period.between(f"{first:04d}-01", f"{last:04d}-12")
    db.session.rollback()
    count = db.session.scalar(select(func.count()).select_from(CustomerMetric).where(in_block))
    units = set(db.session.scalars(select(CustomerMetric.units_sold).where(in_block)
                                   .distinct()))
    return count, units


def test_imports_killed_at_random_moments_are_whole_or_absent(
        app, world, redis_queue, report_dir, worker_env, workers, tmp_path):
    for key, value in {importing.PAUSE_ENV: "0.02", importing.CHUNK_ENV: str(CHUNK_ROWS)}.items():
        worker_env[key] = value
    manager_id = world.manager.id
    product_ids = [make_product(world).id for _ in range(PRODUCTS)]
    uploads = report_dir / "metrics-uploads"
    expected: dict[int, int | None] = {}  # block -> units of its applied figures, or absent

    def start(block: int, units: int) -> int:
        manager = db.session.get(User, manager_id)
        token = metrics.save_upload(manager, io.BytesIO(csv_file(product_ids, block, units)),
                                    f"block-{block}.csv")
        job = jobs.enqueue(manager, "metrics_import", {"upload": token,
                                                       "filename": f"block-{block}.csv"})
        assert job.status == "queued"
        return job.id

    began = time.monotonic()
    workers.start()  # boots while the calibration runs
    span = calibrate(lambda: start(0, 1), worker_env, tmp_path / "calibration.log")
    expected[0] = 1
    assert block_figures(0) == (PRODUCTS * MONTHS, {1})

    chance = rng("metrics")
    outcomes: Counter = Counter()
    block = 0
    for kill_no in range(1, KILLS + 1):
        if kill_no % 4 != 3:  # every fourth import replaces the figures of the one before
            block = kill_no % BLOCKS
        units = 10 + kill_no
        job_id = start(block, units)
        worker = workers.go()
        horse = wait_until_running(job_id, worker, workers)
        time.sleep(chance.uniform(0, span * 1.2))
        whole = chance.random() < 0.5
        kill(worker, horse, whole_worker=whole)

        manager = db.session.get(User, manager_id)
        db.session.rollback()
        job = jobs.get_job(manager, job_id)  # looking at it is enough to find a death out
        record = db.session.scalar(metrics.imports_query(manager, job_id=job_id).limit(1))
        record = metrics.get_import(manager, record.id) if record is not None else None
        status = record.status if record is not None else "absent"
        assert job.status in ("failed", "succeeded"), (kill_no, job.status, job.error)
        assert status in ("applied", "failed", "absent"), (kill_no, status)
        if job.status == "succeeded":
            assert status == "applied", (kill_no, job.result)
        if status == "applied":
            expected[block] = units
        assert block_figures(block) == ((PRODUCTS * MONTHS, {expected[block]})
                                        if expected.get(block) is not None else (0, set())), \
            (kill_no, job.status, status)
        if status == "failed":
            assert "nothing of it was stored" in record.errors[0]["problem"] \
                or "stored nothing" in record.errors[0]["problem"], record.errors
        assert files_in(uploads) == [], (kill_no, job.status)
        assert files_in(report_dir) == [], (kill_no, job.status)
        outcomes[(job.status, status, "worker" if whole else "horse", job.step)] += 1

    db.session.rollback()
    count, broken = verify_audit_chain(db.session)
    assert broken is None, broken
    assert records_missing_from_trail(db.session) == []
    assert db.session.scalar(select(func.count()).select_from(Job).where(
        Job.status.in_(("queued", "running")))) == 0
    print(f"\n{KILLS} kills of {ROWS}-row imports in {time.monotonic() - began:.1f}s "
          f"(a whole import takes {span:.2f}s): {dict(sorted(outcomes.items()))}")
    failed = sum(n for (job_status, *_rest), n in outcomes.items() if job_status == "failed")
    assert failed >= KILLS // 4, outcomes  # most kills land before the commit
