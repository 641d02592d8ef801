"""Command-line interface: click groups that parse arguments and call services, nothing more."""

from __future__ import annotations

import functools
import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, inspect, select

from app.extensions import db
from app.models import User
from app.models.base import MAX_ID
from app.services import accounts, lifecycle, registry
from app.services.audit import records_missing_from_trail, verify_audit_chain
from app.services.errors import ServiceError
from workflows.lifecycle import LifecycleError, Role

suppliers_cli = AppGroup("suppliers", help="Manage suppliers.")
categories_cli = AppGroup("categories", help="Manage categories.")
users_cli = AppGroup("users", help="Manage user accounts.")
audit_cli = AppGroup("audit", help="Inspect the audit trail.")
products_cli = AppGroup("products", help="Work with products.")
sampling_cli = AppGroup("sampling", help="ISO 2859-1 sampling plans.")


def _fail(error: Exception) -> None:
    click.echo(f"error: {getattr(error, 'message', None) or error}", err=True)
    sys.exit(1)


def needs_schema(command):
    """Refuse to run against a database the migrations have not created, with one clear line."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        if not inspect(db.engine).has_table("alembic_version"):
            click.echo(f"error: the database {db.engine.url.render_as_string(hide_password=True)}"
                       " has no schema yet; run: flask --app app db upgrade", err=True)
            sys.exit(1)
        return command(*args, **kwargs)

    return wrapper


@suppliers_cli.command("create")
@click.argument("name")
@click.option("--name-en", help="English name when NAME is Chinese.")
@click.option("--region")
@click.option("--status", default="prospective", show_default=True)
@needs_schema
def suppliers_create(name, name_en, region, status):
    """Register a supplier called NAME."""
    try:
        supplier = registry.create_supplier(None, {"name": name, "name_en": name_en,
                                                   "region": region, "status": status})
    except ServiceError as error:
        _fail(error)
    click.echo(f"supplier {supplier.id}: {supplier.name}")


@categories_cli.command("create")
@click.argument("name")
@click.option("--sku-cap", type=int, help="Most products listed at once.")
@click.option("--name-zh", help="Chinese name.")
@click.option("--parent", help="Name of the parent category.")
@click.option("--threshold", type=float, default=3.5, show_default=True,
              help="Selection threshold (weighted score, 1-5).")
@needs_schema
def categories_create(name, sku_cap, name_zh, parent, threshold):
    """Create a category called NAME."""
    from app.models import Category

    parent_id = None
    if parent:
        parent_id = db.session.scalar(select(Category.id).where(Category.name == parent))
        if parent_id is None:
            _fail(ServiceError(f"parent: no category named {parent!r}"))
    try:
        category = registry.create_category(None, {
            "name": name, "name_zh": name_zh, "sku_cap": sku_cap, "parent_id": parent_id,
            "selection_threshold": threshold})
    except ServiceError as error:
        _fail(error)
    click.echo(f"category {category.id}: {category.name} (sku cap {category.sku_cap or 'none'})")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--supplier", "supplier_name", help="Supplier name (supplier users only).")
@click.option("--password", help="Password; generated and printed when omitted.")
@needs_schema
def users_create(email, role, supplier_name, password):
    """Create a user account."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = accounts.create_user(None, email, role, password, supplier_name)
    except ServiceError as error:
        _fail(error)
    click.echo(f"user {user.id}: {user.email} ({user.role})")
    if generated:
        click.echo(f"password: {password}")


@audit_cli.command("verify")
@needs_schema
def audit_verify():
    """Recompute the audit hash chain; name the first event that does not match."""
    count, broken = verify_audit_chain(db.session)
    if broken is not None:
        click.echo(f"audit chain BROKEN at event {broken.event_id}: {broken.problem}", err=True)
        sys.exit(1)
    problems = records_missing_from_trail(db.session)
    if problems:
        click.echo(f"audit chain intact ({count} events) but the records disagree with it:",
                   err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(f"audit chain OK: {count} events verified, every record accounted for")


@products_cli.command("transition")
@click.argument("product_id", type=click.IntRange(1, MAX_ID))
@click.argument("transition")
@click.option("--as", "email", required=True, help="Email of the user acting.")
@click.option("--reason")
@click.option("--version", "expected_version", type=int, help="Fail unless at this version.")
@click.option("--retail-price", help="list: the retail price (default: the target price).")
@click.option("--launch-date", help="list: the launch date, YYYY-MM-DD (default: today).")
@needs_schema
def products_transition(product_id, transition, email, reason, expected_version, retail_price,
                        launch_date):
    """Apply TRANSITION to a product as a given user."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        _fail(ServiceError(f"--as: no user {email}"))
    try:
        details = {k: v for k, v in (("retail_price", retail_price),
                                     ("launch_date", launch_date)) if v is not None}
        product = lifecycle.apply_transition(user, product_id, transition, reason,
                                             expected_version, details or None)
    except (ServiceError, LifecycleError) as error:
        _fail(error)
    click.echo(f"product {product.id}: {product.state} (version {product.version})")


@sampling_cli.command("plan")
@click.option("--lot-size", required=True, type=int, help="Items in the lot.")
@click.option("--aql", required=True, help="An AQL of the ISO 2859-1 series, e.g. 2.5.")
@click.option("--level", default="II", show_default=True, help="S-1 ... S-4, I, II, III.")
@click.option("--severity", default="normal", show_default=True,
              help="normal, tightened or reduced.")
def sampling_plan(lot_size, aql, level, severity):
    """Print the ISO 2859-1:1999 single sampling plan for a lot."""
    from workflows.sampling import SamplingError, plan

    try:
        p = plan(lot_size, aql, level, severity)
    except SamplingError as error:
        _fail(error)
    arrow = "" if p.effective_letter == p.code_letter else f" -> {p.effective_letter} (arrow)"
    click.echo(f"lot {p.lot_size}, level {p.level}, {p.severity}, AQL {p.aql:g}:"
               f" code letter {p.code_letter}{arrow}, sample {p.sample_size}"
               f"{' (whole lot)' if p.inspect_whole_lot else ''}, Ac {p.accept}, Re {p.reject}")


@click.command("seed-demo")
@click.option("--reset", is_flag=True, help="Delete the SQLite database file first.")
def seed_demo(reset):
    """Create the schema (migrations) and load the deterministic bilingual demo data."""
    from app.demo import seed

    seed(reset=reset, echo=click.echo)


def register(app: Flask) -> None:
    for group in (suppliers_cli, categories_cli, users_cli, audit_cli, products_cli,
                  sampling_cli):
        app.cli.add_command(group)
    app.cli.add_command(seed_demo)
    from app.jobs_cli import jobs_cli

    app.cli.add_command(jobs_cli)
    from app.reports_cli import reports_cli

    app.cli.add_command(reports_cli)
    from app.metrics_cli import metrics_cli

    app.cli.add_command(metrics_cli)
    from app.elimination_cli import elimination_cli

    app.cli.add_command(elimination_cli)
    from app.standing_cli import standing_cli

    app.cli.add_command(standing_cli)
    from app.scale_cli import seed_scale
    app.cli.add_command(seed_scale)
    from app.backup_cli import add_backup_commands

    add_backup_commands(app.cli)
