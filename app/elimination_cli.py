"""The ``flask elimination`` commands: run the sweep (now, when due, or as a scheduler), list
candidates, show or set a category's rules."""

from __future__ import annotations

import json
import time

import click
from flask.cli import AppGroup

from app.cli import _fail, needs_schema
from app.extensions import db
from app.models.base import MAX_ID
from app.services import elimination
from app.services.errors import ServiceError, ValidationFailed
from workflows.performance import FORMULA
from workflows.periods import KINDS

elimination_cli = AppGroup("elimination", help="Run the elimination sweep and recompute supplier standing.")


def _print_candidate(data: dict) -> None:
    watched = ", put on watch" if data["put_on_watch"] else (
        ", already under watch" if data["state_at_run"] == "under_watch" else "")
    click.echo(f"product {data['product_id']} {data['product_name'] or ''}"
               f" (category {data['category_id']}; {data['action']}{watched};"
               f" candidate {data['id']}, {data['status']}):")
    for finding in data["findings"]:
        click.echo(f"  - [{finding['rule']}] {finding['explanation']}")
    click.echo(f"  score = {data['score_detail'].get('formula', data['score'])}")


@elimination_cli.command("run")
@click.option("--as", "email", help="Email of the admin or manager acting (default:"
                                    " SIEVE_SCHEDULE_ACTOR).")
@click.option("--as-of", "as_of", help="Judge the figures up to this date (YYYY-MM-DD;"
                                       " default today).")
@click.option("--period-kind", type=click.Choice(KINDS), default="month", show_default=True)
@click.option("--if-due", is_flag=True, help="Run only when the schedule"
              " (SIEVE_ELIMINATION_SCHEDULE) says the last completed run is too old.")
@click.option("--json", "as_json", is_flag=True, help="Print the run and candidates as JSON.")
@needs_schema
def elimination_run(email, as_of, period_kind, if_due, as_json):
    """Run the sweep and print every candidate with its explanations and score."""
    try:
        actor = elimination.schedule_actor(email)
        if if_due and not elimination.is_due():
            last = elimination.last_completed_run()
            click.echo(f"not due: schedule {elimination.schedule()}, last completed run"
                       f" {last.id if last else 'none'}"
                       + (f" at {last.finished_at:%Y-%m-%d %H:%M}" if last else ""))
            return
        run = elimination.run_sweep(actor, "schedule" if if_due else "cli", as_of, period_kind)
        found = elimination.list_candidates(actor, run_id=run.id, limit=MAX_ID)
    except (ServiceError, ValueError) as error:
        _fail(error)
    data = [elimination.candidate_json(c) for c in found]
    if as_json:
        click.echo(json.dumps({"run": elimination.run_json(run), "candidates": data},
                              ensure_ascii=False, indent=2, sort_keys=True))
        return
    for item in data:
        _print_candidate(item)
    summary = run.summary or {}
    click.echo(f"run {run.id}: {run.candidates_count} candidate(s) of {run.products_evaluated}"
               f" product(s) evaluated; {summary.get('put_on_watch', 0)} put on watch,"
               f" {summary.get('superseded', 0)} earlier superseded,"
               f" {summary.get('cleared', 0)} cleared")


@elimination_cli.command("scheduler")
@click.option("--as", "email", help="Email of the admin or manager acting (default:"
                                    " SIEVE_SCHEDULE_ACTOR).")
@click.option("--once", is_flag=True, help="Check once (run if due) and exit.")
@click.option("--every", type=click.IntRange(10, 86400), default=300, show_default=True,
              help="Seconds between checks.")
@needs_schema
def elimination_scheduler(email, once, every):
    """Keep running: a sweep whenever SIEVE_ELIMINATION_SCHEDULE says one is due."""
    try:
        actor = elimination.schedule_actor(email)
        if elimination.schedule() == "off":
            raise ValidationFailed("SIEVE_ELIMINATION_SCHEDULE is off; set it to daily, weekly"
                                   " or monthly", {"SIEVE_ELIMINATION_SCHEDULE": "off"})
    except ServiceError as error:
        _fail(error)
    while True:
        try:
            if elimination.is_due():
                run = elimination.run_sweep(actor, "schedule")
                click.echo(f"run {run.id}: {run.candidates_count} candidate(s)")
            elif once:
                click.echo("not due")
        except (ServiceError, ValueError) as error:  # keep the loop alive; the run is recorded
            click.echo(f"error: {getattr(error, 'message', None) or error}", err=True)
            if once:
                raise SystemExit(1) from None
        finally:
            db.session.remove()
        if once:
            return
        time.sleep(every)


@elimination_cli.command("candidates")
@click.option("--status", type=click.Choice(["open", "delisted", "dismissed", "superseded",
                                             "cleared"]), default="open", show_default=True)
@click.option("--run", "run_id", type=click.IntRange(1, MAX_ID))
@click.option("--json", "as_json", is_flag=True)
@needs_schema
def elimination_candidates(status, run_id, as_json):
    """List candidates with their explanations."""
    found = elimination.list_candidates(None, status=status, run_id=run_id, limit=MAX_ID)
    data = [elimination.candidate_json(c) for c in found]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        return
    for item in data:
        _print_candidate(item)
    click.echo(f"{len(data)} {status} candidate(s)")


@elimination_cli.command("rules")
@click.argument("category_id", type=click.IntRange(1, MAX_ID))
@click.option("--show", is_flag=True, help="Print the rules (the default).")
@click.option("--set", "settings", multiple=True, metavar="FIELD=VALUE",
              help="Change one threshold (repeatable); 'none' turns a rule off.")
@click.option("--off", is_flag=True, help="Remove every rule: the sweep skips the category.")
@needs_schema
def elimination_rules(category_id, show, settings, off):
    """Show or set a category's elimination thresholds."""
    try:
        if off:
            data = elimination.set_category_rules(None, category_id, None)
        elif settings:
            current = elimination.get_category_rules(None, category_id)
            fields = dict(current["rules"]) if current["enabled"] else {}
            for item in settings:
                name, sep, value = item.partition("=")
                if not sep:
                    raise ValidationFailed(f"--set {item}: expected FIELD=VALUE",
                                           {"set": item})
                fields[name.strip()] = elimination.parse_rule_value(name.strip(), value)
            data = elimination.set_category_rules(None, category_id, fields)
        else:
            data = elimination.get_category_rules(None, category_id)
    except ServiceError as error:
        _fail(error)
    click.echo(f"category {category_id}: "
               + ("rules on" if data["enabled"] else "no rules (the sweep skips it)"))
    for name, value in data["rules"].items():
        click.echo(f"  {name} = {'none' if value is None else value}")
    click.echo(f"composite: {FORMULA}")
