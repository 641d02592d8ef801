"""The ``flask metrics`` commands: import a file of customer metrics, write the template."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.cli import _fail, needs_schema
from app.extensions import db
from app.models import User
from app.services import metrics
from app.services.errors import ServiceError

metrics_cli = AppGroup("metrics", help="Import customer metrics from CSV or XLSX files.")
#: Problems printed before "... and N more" (the import keeps the first 1000).
SHOWN = 50
STEPS = {"validate": "Checking", "write": "Writing", "compare": "Comparing", "done": "Done"}


def _actor(email: str | None) -> User:
    """``--as EMAIL``, else the first active admin."""
    if email:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if user is None or not user.is_active:
            _fail(ServiceError(f"--as: no active user {email}"))
        return user
    user = db.session.scalar(select(User).where(User.role == "admin", User.active.is_(True))
                             .order_by(User.id).limit(1))
    if user is None:
        _fail(ServiceError("no active admin to import as; give --as EMAIL"))
    return user


class _Bar:
    """The job-style ``progress(percent, step)`` drawn as one click progress bar per step."""

    #: The part of 0-100 % each step of import_file reports.
    RANGES = {"validate": (0, 50), "write": (50, 95), "compare": (95, 100)}

    def __init__(self):
        self.bar = None
        self.step = None
        self.shown = 0

    def __call__(self, percent: int, step: str) -> None:
        if step != self.step:
            self.close()
            self.step, self.shown = step, 0
            if step not in self.RANGES:
                return
            click.echo(f"{STEPS.get(step, step)}…", err=True)
            self.bar = click.progressbar(length=100, label=STEPS.get(step, step),
                                         file=sys.stderr)
            self.bar.__enter__()
        if self.bar is None:
            return
        low, high = self.RANGES[step]
        scaled = max(0, min(100, (percent - low) * 100 // (high - low)))
        if scaled > self.shown:
            self.bar.update(scaled - self.shown)
            self.shown = scaled

    def close(self, finished: bool = True) -> None:
        if self.bar is not None:
            if finished:
                self.bar.update(100 - self.shown)
            self.bar.__exit__(None, None, None)
            self.bar = None


@metrics_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "email", help="Email of the manager or admin importing (default: the "
                                    "first admin).")
@click.option("--replace-periods", is_flag=True,
              help="Also remove the figures of the file's periods for products not in it.")
@needs_schema
def import_command(file: Path, email: str | None, replace_periods: bool):
    """Import FILE (.csv in UTF-8, or .xlsx): all of it, or nothing when any row is refused."""
    actor = _actor(email)
    bar = _Bar()
    try:
        record = metrics.import_file(actor, file, file.name, "cli", replace_periods, bar)
    except ServiceError as error:
        _fail(error)
    finally:
        bar.close(finished=False)
    if record.status != "applied":
        for line in metrics.problem_lines(record, SHOWN, str(file)):
            click.echo(line, err=True)
        if record.error_count > SHOWN:
            click.echo(f"... and {record.error_count - SHOWN} more", err=True)
        click.echo(f"error: import {record.id} refused ({record.error_count} problem"
                   f"{'' if record.error_count == 1 else 's'}); nothing was stored", err=True)
        sys.exit(1)
    summary = record.summary or {}
    click.echo(f"import {record.id}: {record.rows} rows from {file.name} applied as "
               f"{actor.email}: {summary.get('added', 0)} added, {summary.get('changed', 0)} "
               f"changed, {summary.get('unchanged', 0)} unchanged, "
               f"{summary.get('removed', 0)} removed")
    for period, counts in (summary.get("periods") or {}).items():
        click.echo(f"  {period}: " + ", ".join(f"{counts[k]} {k}" for k in
                                               ("added", "changed", "unchanged", "removed")))


@metrics_cli.command("template")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write: .csv or .xlsx.")
def template_command(output: Path):
    """Write the import template (the header and two example rows) to a CSV or XLSX file."""
    suffix = output.suffix.lower()
    if suffix == ".csv":
        output.write_text(metrics.template_csv(), encoding="utf-8")
    elif suffix == ".xlsx":
        output.write_bytes(metrics.template_xlsx())
    else:
        _fail(ServiceError("-o: the file name must end in .csv or .xlsx"))
    click.echo(f"template written to {output}")
