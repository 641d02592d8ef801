"""``flask elimination``: run (now, --if-due, --json), scheduler --once, candidates, rules."""

from __future__ import annotations

import json

from app.extensions import db
from app.models import Product
from app.models.elimination import EliminationRun
from app.services import elimination
from tests import factories
from tests.services.test_elimination import UNHAPPY, add_metrics


def unhappy_product(world):
    product = factories.make_product(world, "listed")
    add_metrics(world, product.id, UNHAPPY)
    elimination.set_category_rules(world.manager, world.category.id, {"min_positive_rate": 90})
    return product


def test_run_prints_each_candidate_with_explanations_and_score(runner, world):
    product = unhappy_product(world)
    result = runner.invoke(args=["elimination", "run", "--as", world.manager.email,
                                 "--as-of", "2026-11-05"])
    assert result.exit_code == 0, result.output
    assert f"product {product.id} {product.display_name} (category {world.category.id};" \
           " under_watch, put on watch;" in result.output
    assert ("  - [positive_rate] positive-review rate 87.5 % over the last 3 periods"
            " (2026-08..2026-10: 350 of 400 reviews) is below 90 %") in result.output
    assert "  score = 0.40 × 0.875 positive + 0.25 × 1 returns" in result.output
    assert "1 candidate(s) of 1 product(s) evaluated; 1 put on watch" in result.output
    assert db.session.get(Product, product.id, populate_existing=True).state == "under_watch"
    assert db.session.get(EliminationRun, 1).trigger == "cli"


def test_run_as_json(runner, world):
    product = unhappy_product(world)
    result = runner.invoke(args=["elimination", "run", "--as", world.admin.email,
                                 "--as-of", "2026-11-05", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["run"]["candidates_count"] == 1
    assert data["candidates"][0]["product_id"] == product.id
    assert data["candidates"][0]["findings"][0]["numbers"]["reviews"] == 400


def test_run_refuses_without_a_manager_actor_or_with_bad_input(runner, world, monkeypatch):
    monkeypatch.delenv("SIEVE_SCHEDULE_ACTOR", raising=False)
    result = runner.invoke(args=["elimination", "run"])
    assert result.exit_code == 1 and "SIEVE_SCHEDULE_ACTOR" in result.output
    result = runner.invoke(args=["elimination", "run", "--as", world.qc.email])
    assert result.exit_code == 1 and "qc_inspector" in result.output
    result = runner.invoke(args=["elimination", "run", "--as", world.manager.email,
                                 "--as-of", "05/11/2026"])
    assert result.exit_code == 1 and "as_of: a date as YYYY-MM-DD" in result.output
    assert db.session.query(EliminationRun).count() == 0


def test_if_due_runs_only_when_the_last_run_is_older_than_the_schedule(app, runner, world):
    unhappy_product(world)
    app.config["SIEVE_ELIMINATION_SCHEDULE"] = "daily"
    app.config["SIEVE_SCHEDULE_ACTOR"] = world.manager.email
    first = runner.invoke(args=["elimination", "run", "--if-due", "--as-of", "2026-11-05"])
    assert first.exit_code == 0 and "1 candidate(s)" in first.output
    second = runner.invoke(args=["elimination", "run", "--if-due"])
    assert second.exit_code == 0 and second.output.startswith("not due: schedule daily")
    assert db.session.query(EliminationRun).count() == 1
    assert db.session.get(EliminationRun, 1).trigger == "schedule"
    app.config["SIEVE_ELIMINATION_SCHEDULE"] = "off"
    assert "not due: schedule off" in runner.invoke(
        args=["elimination", "run", "--if-due"]).output


def test_scheduler_once(app, runner, world):
    app.config["SIEVE_SCHEDULE_ACTOR"] = world.admin.email
    app.config["SIEVE_ELIMINATION_SCHEDULE"] = "off"
    off = runner.invoke(args=["elimination", "scheduler", "--once"])
    assert off.exit_code == 1 and "SIEVE_ELIMINATION_SCHEDULE is off" in off.output
    app.config["SIEVE_ELIMINATION_SCHEDULE"] = "weekly"
    ran = runner.invoke(args=["elimination", "scheduler", "--once"])
    assert ran.exit_code == 0 and ran.output.startswith("run 1:")
    idle = runner.invoke(args=["elimination", "scheduler", "--once"])
    assert idle.exit_code == 0 and idle.output == "not due\n"


def test_candidates_lists_the_open_ones(runner, world):
    product = unhappy_product(world)
    elimination.run_sweep(world.manager, "manual", as_of="2026-11-05")
    result = runner.invoke(args=["elimination", "candidates"])
    assert result.exit_code == 0
    assert f"product {product.id}" in result.output and "1 open candidate(s)" in result.output
    assert "0 dismissed candidate(s)" in runner.invoke(
        args=["elimination", "candidates", "--status", "dismissed"]).output


def test_rules_show_set_and_refuse(runner, world):
    cid = str(world.category.id)
    shown = runner.invoke(args=["elimination", "rules", cid, "--show"])
    assert shown.exit_code == 0 and "no rules (the sweep skips it)" in shown.output
    assert "composite: score = 0.40 × positive" in shown.output
    result = runner.invoke(args=["elimination", "rules", cid, "--set", "max_return_rate=8",
                                 "--set", "action=decision_list"])
    assert result.exit_code == 0, result.output
    assert "rules on" in result.output and "max_return_rate = 8.0" in result.output
    assert "action = decision_list" in result.output
    bad = runner.invoke(args=["elimination", "rules", cid, "--set", "max_return_rate=120"])
    assert bad.exit_code == 1 and "max_return_rate: must be a percentage" in bad.output
    unknown = runner.invoke(args=["elimination", "rules", cid, "--set", "colour=red"])
    assert unknown.exit_code == 1 and "colour: unknown rule" in unknown.output
    assert db.session.get(type(world.category), world.category.id).elimination_rules[
        "max_return_rate"] == 8.0
    off = runner.invoke(args=["elimination", "rules", cid, "--off"])
    assert off.exit_code == 0 and "no rules" in off.output
    missing = runner.invoke(args=["elimination", "rules", "999"])
    assert missing.exit_code == 1 and "category 999 not found" in missing.output
