"""The monitoring jobs (metrics import, elimination sweep) run by the real handlers, on the
embedded default (a thread of the app process) and on RQ workers over a real Redis."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.extensions import db
from app.models import CustomerMetric, EliminationCandidate, MetricImport
from app.services import elimination, jobs
from app.services.metrics import save_upload
from app.services.metrics.jobs import upload_dir
from tests import factories
from tests.services.test_jobs import fresh, redis_app, report_dir, wait_until_finished  # noqa: F401

HEADER = "product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,returns,complaints\n"


def _unhappy_file(product_id: int) -> bytes:
    rows = [f"{product_id},2026-{m:02d},100,100,100,2.5,50,3,0\n" for m in (8, 9, 10)]
    return (HEADER + "".join(rows)).encode()


def _enqueue_import(world, content: bytes, name: str = "october.csv"):
    token = save_upload(world.manager, io.BytesIO(content), name)
    return jobs.enqueue(world.manager, "metrics_import",
                        {"upload": token, "filename": name, "source": "upload"})


def _sweep_setup(world):
    product = factories.make_product(world, "listed")
    elimination.set_category_rules(world.manager, product.category_id, {"min_positive_rate": 90})
    return product


def _metric_rows() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(CustomerMetric.id)))


def test_embedded_threads_run_an_import_then_a_sweep(app, world, report_dir):  # noqa: F811
    app.config.update(SIEVE_JOBS_INLINE=False, SIEVE_REDIS_URL=None)
    product = _sweep_setup(world)
    job = _enqueue_import(world, _unhappy_file(product.id))
    done = wait_until_finished(world.manager, job.id)
    assert done.status == "succeeded", done.error
    assert (done.result["rows"], done.result["added"]) == (3, 3)
    assert _metric_rows() == 3
    assert list(upload_dir().iterdir()) == []  # the upload is gone once the job ended

    sweep = jobs.enqueue(world.manager, "elimination_sweep",
                         {"trigger": "manual", "as_of": "2026-11-05"})
    done = wait_until_finished(world.manager, sweep.id)
    assert done.status == "succeeded", done.error
    candidate = db.session.scalars(select(EliminationCandidate)).one()
    assert candidate.product_id == product.id and done.result["run_id"] == candidate.run_id
    assert "positive-review rate 50 %" in candidate.findings[0]["explanation"]


def test_embedded_refused_import_fails_the_job_and_stores_nothing(app, world, report_dir):  # noqa: F811
    app.config.update(SIEVE_JOBS_INLINE=False, SIEVE_REDIS_URL=None)
    product = _sweep_setup(world)
    bad = _unhappy_file(product.id).replace(b",3,0\n", b",-3,0\n", 1)
    done = wait_until_finished(world.manager, _enqueue_import(world, bad).id)
    assert done.status == "failed"
    assert "october.csv:2:returns: negative" in done.error
    assert _metric_rows() == 0
    record = db.session.scalars(select(MetricImport)).one()
    assert (record.status, record.job_id) == ("refused", done.id)
    assert list(upload_dir().iterdir()) == []


def test_redis_workers_run_an_import_then_a_sweep(app, world, redis_app, report_dir):  # noqa: F811
    from app.services import job_queue

    product = _sweep_setup(world)
    job = _enqueue_import(world, _unhappy_file(product.id))
    assert fresh(world.manager, job.id).status == "queued"  # waiting in Redis for a worker
    assert _metric_rows() == 0
    job_queue.work(burst=True)  # forks a work horse per job, like a production worker
    done = fresh(world.manager, job.id)
    assert done.status == "succeeded", done.error
    assert done.worker.startswith("rq:")
    assert _metric_rows() == 3

    sweep = jobs.enqueue(world.manager, "elimination_sweep",
                         {"trigger": "manual", "as_of": "2026-11-05"})
    job_queue.work(burst=True)
    done = fresh(world.manager, sweep.id)
    assert done.status == "succeeded", done.error
    assert done.result["candidates"] == 1
    db.session.rollback()
    assert db.session.scalars(select(EliminationCandidate.product_id)).all() == [product.id]


def test_redis_refused_import_is_failed_with_its_errors(app, world, redis_app, report_dir):  # noqa: F811
    from app.services import job_queue

    product = _sweep_setup(world)
    bad = _unhappy_file(product.id).replace(b"2026-09", b"2026-13")
    job = _enqueue_import(world, bad)
    job_queue.work(burst=True)
    done = fresh(world.manager, job.id)
    assert done.status == "failed" and "period" in done.error
    assert _metric_rows() == 0

