"""The ``flask standing`` commands."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.cli import _fail, needs_schema
from app.extensions import db
from app.models import User
from app.models.base import MAX_ID
from app.services import standing
from app.services.errors import ServiceError

standing_cli = AppGroup("standing", help="Compute and show supplier standing.")


@standing_cli.command("recompute")
@click.option("--as", "email", help="Email of the manager or admin acting (default: system).")
@needs_schema
def standing_recompute(email):
    """Recompute every supplier's standing and print what changed."""
    user = None
    if email:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if user is None:
            _fail(ServiceError(f"--as: no user {email}"))
    try:
        result = standing.recompute_all(user)
    except ServiceError as error:
        _fail(error)
    for change in result["changes"]:
        click.echo(f"supplier {change['supplier_id']} {change['name']}:"
                   f" {change['before'] or 'none'} -> {change['after']}")
        for reason in change["reasons"]:
            click.echo(f"  - {reason}")
    counts = ", ".join(f"{n} {name}" for name, n in result["counts"].items())
    click.echo(f"{result['suppliers']} suppliers ({counts});"
               f" {len(result['changes'])} changed")


@standing_cli.command("show")
@click.argument("supplier_id", type=click.IntRange(1, MAX_ID))
@click.option("--json", "as_json", is_flag=True, help="Print the standing as JSON.")
@needs_schema
def standing_show(supplier_id, as_json):
    """Print a supplier's standing, its reasons and the figures behind them."""
    try:
        data = standing.get_standing(None, supplier_id)
    except ServiceError as error:
        _fail(error)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        return
    click.echo(f"supplier {data['supplier_id']} {data['name']}: status {data['status']},"
               f" standing {data['standing'] or 'not computed yet'}"
               + (f" (since {data['changed_at']})" if data["changed_at"] else ""))
    for reason in data["reasons"]:
        click.echo(f"  - [{reason.get('code')}] {reason.get('text')}")
    for key, value in data["figures"].items():
        click.echo(f"  {key}: {'—' if value is None else value}")
