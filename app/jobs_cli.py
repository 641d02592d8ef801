"""``flask --app app jobs``: run an RQ worker, list jobs."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app.models.base import as_utc
from app.models.jobs import JOB_STATUSES

jobs_cli = AppGroup("jobs", help="Background jobs (reports, imports, sweeps).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def jobs_worker(burst):
    """Run jobs from the Redis queue named by SIEVE_REDIS_URL (start as many as you like, on
    any machine that reaches the same database, Redis and SIEVE_REPORT_DIR)."""
    from redis.exceptions import RedisError

    from app.services import job_queue

    if not current_app.config.get("SIEVE_REDIS_URL"):
        click.echo("error: SIEVE_REDIS_URL is not set; without it jobs run inside the web"
                   " process and need no worker", err=True)
        sys.exit(1)
    try:
        job_queue.work(burst=burst)
    except RedisError as error:
        click.echo(f"error: Redis: {error}", err=True)
        sys.exit(1)


@jobs_cli.command("list")
@click.option("--status", type=click.Choice(JOB_STATUSES), help="Only jobs in this status.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def jobs_list(status, limit):
    """The newest jobs: id, kind, status, progress, step, who, when, result or error."""
    from app.services import jobs

    rows = jobs.list_jobs(None, limit=limit, status=status)
    if not rows:
        click.echo("no jobs")
        return
    for job in rows:
        outcome = job.error if job.status == "failed" else (job.result or "")
        click.echo(f"{job.id}\t{job.kind}\t{job.status}\t{job.progress}%\t{job.step or ''}\t"
                   f"{job.created_by.email}\t{as_utc(job.created_at):%Y-%m-%d %H:%M:%S}\t"
                   f"{outcome}")
