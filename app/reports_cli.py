"""The ``flask reports`` commands: generate a PDF report as a user, and verify a report file."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.cli import _fail, needs_schema
from app.extensions import db
from app.models import User
from app.models.base import MAX_ID
from app.services import accounts
from app.services.errors import ServiceError
from app.services.reports import LANGUAGES, generate
from app.services.reports.requests import event_range, verify_upload

reports_cli = AppGroup("reports", help="Generate PDF reports and verify them.")
ID = click.IntRange(1, MAX_ID)


def _actor(email: str | None, token: str | None) -> User:
    """The user the report is generated for: ``--as EMAIL`` or an API ``--token``."""
    if bool(email) == bool(token):
        _fail(ServiceError("give exactly one of --as EMAIL or --token TOKEN"))
    if token:
        user = accounts.user_for_token(token.strip())
        if user is None:
            _fail(ServiceError("--token: token unknown or expired"))
        return user
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None or not user.is_active:
        _fail(ServiceError(f"--as: no active user {email}"))
    return user


def _write(actor: User, kind: str, params: dict, output: str, language: str) -> None:
    """Generate into a temporary file beside ``output`` and rename it: never a partial file."""
    target = Path(output)
    if not target.parent.is_dir():
        _fail(ServiceError(f"-o: no folder {target.parent}"))
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            report = generate(actor, kind, params, out, language)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would surprise whoever reads the report
        os.replace(temporary, target)
    except ServiceError as error:
        Path(temporary).unlink(missing_ok=True)
        _fail(error)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    manifest = report.manifest
    click.echo(f"report {report.report_id}: {report.pages} page"
               f"{'' if report.pages == 1 else 's'} written to {target}")
    click.echo(f"covers {event_range(manifest)}, SHA-256 digest {manifest.get('digest')}")


def report_options(command):
    """The options every generating command takes."""
    for option in reversed((
        click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
                     help="The PDF file to write."),
        click.option("--lang", "language", default="en", show_default=True,
                     type=click.Choice(LANGUAGES), help="The report's language."),
        click.option("--as", "email", help="Email of the user the report is for."),
        click.option("--token", help="An API bearer token of the user the report is for."),
    )):
        command = option(command)
    return command


@reports_cli.command("product")
@click.argument("product_id", type=ID)
@report_options
@needs_schema
def product_report(product_id, output, language, email, token):
    """The dossier of product PRODUCT_ID."""
    _write(_actor(email, token), "product", {"product_id": product_id}, output, language)


@reports_cli.command("supplier")
@click.argument("supplier_id", type=ID)
@report_options
@needs_schema
def supplier_report(supplier_id, output, language, email, token):
    """The audit report of supplier SUPPLIER_ID."""
    _write(_actor(email, token), "supplier", {"supplier_id": supplier_id}, output, language)


@reports_cli.command("inspection")
@click.argument("inspection_id", type=ID)
@report_options
@needs_schema
def inspection_report(inspection_id, output, language, email, token):
    """The report of (completed) inspection INSPECTION_ID."""
    _write(_actor(email, token), "inspection", {"inspection_id": inspection_id}, output,
           language)


def _iso_date(_ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter("a date as YYYY-MM-DD", param=param) from None


@reports_cli.command("qc")
@click.option("--from", "start", required=True, callback=_iso_date,
              help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, callback=_iso_date, help="Last day, YYYY-MM-DD.")
@click.option("--category", "category_id", type=ID, help="Only this category's products.")
@click.option("--supplier", "supplier_id", type=ID, help="Only this supplier's products.")
@click.option("--inspector", "inspector_id", type=ID, help="Only this inspector's work.")
@report_options
@needs_schema
def qc_report(start, end, category_id, supplier_id, inspector_id, output, language, email,
              token):
    """The QC period report: every inspection from --from to --to (both included)."""
    params = {"from": start, "to": end, "category_id": category_id,
              "supplier_id": supplier_id, "inspector_id": inspector_id}
    _write(_actor(email, token), "qc", {k: v for k, v in params.items() if v is not None},
           output, language)


@reports_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@needs_schema
def verify_report(file):
    """Check that the records a report FILE covers are unchanged in the database."""
    staff = _Staff()
    manifest, result = verify_upload(staff, file)
    if manifest is None:
        click.echo(f"error: {file} is not a Sieve report: {result.message}", err=True)
        sys.exit(1)
    name = f"report {manifest.get('report_id', '?')} ({manifest.get('report', '?')})"
    if not result.ok:
        click.echo(f"{name}: CHANGED: {result.message}", err=True)
        sys.exit(1)
    click.echo(f"{name}: OK, {result.message}")
    if result.newer_events:
        click.echo(f"{result.newer_events} newer audit event"
                   f"{'' if result.newer_events == 1 else 's'} in its scope since (not covered)")


class _Staff:
    """The operator at the command line verifies any report."""

    is_supplier = False
    supplier_id = None
