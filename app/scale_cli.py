"""``flask seed-scale``: a production-sized catalogue for benchmarks and scale tests."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from app.extensions import db


def reset_database() -> None:
    """Start from nothing: delete the SQLite file, or downgrade every migration."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
    else:
        downgrade(revision="base")


@click.command("seed-scale")
@click.option("--products", type=click.IntRange(1, 5_000_000), default=50_000, show_default=True)
@click.option("--suppliers", type=click.IntRange(1, 1_000_000), default=2_000, show_default=True)
@click.option("--categories", type=click.IntRange(1, 10_000), default=60, show_default=True)
@click.option("--events-per-product", type=click.IntRange(1, 100), default=10,
              show_default=True, help="Audit events per product, about.")
@click.option("--inspections", type=click.IntRange(0, 5_000_000), default=None,
              help="Inspections in all, each with its sample purchase [default: products / 5].")
@click.option("--metric-periods", type=click.IntRange(0, 120), default=12, show_default=True,
              help="Months of customer metrics per listed product.")
@click.option("--seed", type=int, default=7, show_default=True,
              help="Random seed: the same seed on the same day gives the same data.")
@click.option("--reset", is_flag=True, help="Drop everything first (SQLite: delete the file).")
@click.option("--no-sweep", is_flag=True, help="Skip the elimination sweep at the end.")
def seed_scale(products, suppliers, categories, events_per_product, inspections,
               metric_periods, seed, reset, no_sweep):
    """Build a realistic catalogue of PRODUCTS products with bulk inserts (an empty database)."""
    from app.scale import ScaleOptions, build

    if reset:
        reset_database()
    upgrade()
    options = ScaleOptions(products=products, suppliers=suppliers, categories=categories,
                           events_per_product=events_per_product, inspections=inspections,
                           metric_periods=metric_periods, seed=seed, sweep=not no_sweep)
    click.echo(f"seed-scale: {products:,} products, {suppliers:,} suppliers on"
               f" {db.engine.url.render_as_string(hide_password=True)}")
    try:
        counts = build(options, echo=click.echo)
    except RuntimeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"done: {sum(counts.values()):,} rows; log in as admin@scale.test,"
               " selection-manager1@scale.test or supplier1@scale.test with the password"
               " sieve-scale-2026")
