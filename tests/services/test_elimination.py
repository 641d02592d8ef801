"""The elimination sweep against the database: rules with their explanations, actions, decisions,
superseded and cleared candidates, category rules, the schedule and the job."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Product
from app.models.elimination import EliminationCandidate, EliminationRun
from app.models.metrics import CustomerMetric, MetricImport
from app.services import elimination, jobs, lifecycle
from app.services.elimination import sweep as sweep_module
from app.services.errors import Forbidden, NotFound, StateConflict, ValidationFailed
from tests import factories
from workflows.periods import parse_period

AS_OF = date(2026, 11, 5)


def add_metrics(world, product_id, rows):
    """rows: {period: (units, orders, reviews, positive, returns, complaints)}"""
    batch = MetricImport(source="cli", filename="test.csv", checksum="0" * 64,
                         status="applied", created_by_id=world.admin.id)
    db.session.add(batch)
    db.session.flush()
    for period, (units, orders, reviews, positive, returns, complaints) in rows.items():
        parsed = parse_period(period)
        db.session.add(CustomerMetric(
            product_id=product_id, period=period, period_kind=parsed.kind,
            period_start=parsed.start, units_sold=units, orders=orders, reviews=reviews,
            positive_reviews=positive, returns=returns, complaints=complaints,
            import_id=batch.id, avg_rating=4.0))
    db.session.commit()


GOOD = {m: (100, 100, 100, 100, 0, 0) for m in ("2026-08", "2026-09", "2026-10")}
UNHAPPY = {"2026-08": (100, 100, 100, 90, 0, 0), "2026-09": (150, 150, 150, 130, 0, 0),
           "2026-10": (150, 150, 150, 130, 0, 0)}


def candidates(status=None):
    query = select(EliminationCandidate).order_by(EliminationCandidate.id)
    if status:
        query = query.where(EliminationCandidate.status == status)
    return list(db.session.scalars(query))


def state_of(product_id):
    return db.session.get(Product, product_id, populate_existing=True).state


@pytest.fixture
def unhappy(world):
    product = factories.make_product(world, "listed")
    add_metrics(world, product.id, UNHAPPY)
    return product


def test_a_rule_through_the_database_explains_with_its_numbers_and_puts_on_watch(world, unhappy):
    happy = factories.make_product(world, "listed")
    add_metrics(world, happy.id, GOOD)
    elimination.set_category_rules(world.manager, world.category.id, {"min_positive_rate": 90})
    run = elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    assert (run.status, run.products_evaluated, run.candidates_count) == ("completed", 2, 1)
    [candidate] = candidates()
    assert candidate.product_id == unhappy.id and candidate.action == "under_watch"
    assert candidate.findings[0]["explanation"] == (
        "positive-review rate 87.5 % over the last 3 periods (2026-08..2026-10: 350 of 400"
        " reviews) is below 90 %")
    assert candidate.findings[0]["numbers"]["rate"] == 87.5
    assert candidate.score_detail["formula"].startswith("0.40 × 0.875 positive")
    assert candidate.put_on_watch and candidate.state_at_run == "listed"
    assert state_of(unhappy.id) == "under_watch" and state_of(happy.id) == "listed"
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_id == unhappy.id, AuditEvent.action == "put_on_watch"))
    assert event.to_state == "under_watch" and "350 of 400 reviews" in event.reason
    assert run.summary["by_rule"] == {"positive_rate": 1} and run.summary["put_on_watch"] == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.subject_type == "elimination_run", AuditEvent.subject_id == run.id)) == 1


def test_decision_list_action_leaves_the_product_listed(world, unhappy):
    elimination.set_category_rules(world.manager, world.category.id,
                                   {"min_positive_rate": 90, "action": "decision_list"})
    elimination.run_sweep(world.manager, "cli", as_of=AS_OF)
    [candidate] = candidates()
    assert candidate.action == "decision_list" and not candidate.put_on_watch
    assert state_of(unhappy.id) == "listed"


def test_a_product_already_under_watch_is_skipped_and_said_so(world, unhappy):
    lifecycle.apply_transition(world.manager, unhappy.id, "put_on_watch", "earlier concern")
    elimination.set_category_rules(world.manager, world.category.id, {"min_positive_rate": 90})
    run = elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    [candidate] = candidates()
    assert candidate.state_at_run == "under_watch" and not candidate.put_on_watch
    assert run.summary["already_under_watch"] == 1 and run.summary["put_on_watch"] == 0


@pytest.mark.parametrize(("rules", "rule", "words"), [
    ({"max_return_rate": 5}, "return_rate",
     "return rate 10 % over the last 3 periods (2026-08..2026-10: 40 returns of 400 units sold)"
     " is above 5 %"),
    ({"max_complaints_per_1000_orders": 10}, "complaints",
     "complaint rate 20 per 1,000 orders over the last 3 periods (2026-08..2026-10: 8 complaints"
     " in 400 orders) is above 10 per 1,000 orders"),
    ({"min_positive_rate": 90, "window_periods": 1}, "positive_rate",
     "positive-review rate 86.6667 % over the last period (2026-10: 130 of 150 reviews) is"
     " below 90 %"),
])
def test_each_customer_rule_through_the_database(world, rules, rule, words):
    product = factories.make_product(world, "listed")
    add_metrics(world, product.id, {"2026-08": (100, 100, 100, 90, 10, 2),
                                    "2026-09": (150, 150, 150, 130, 15, 3),
                                    "2026-10": (150, 150, 150, 130, 15, 3)})
    elimination.set_category_rules(world.manager, world.category.id, rules)
    elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    [candidate] = candidates()
    assert [(f["rule"], f["explanation"]) for f in candidate.findings] == [(rule, words)]


def test_failed_routine_inspections_and_overdue_corrective_actions(world):
    product = factories.make_product(world, "listed")
    factories.inspect(world, product.id, "routine", {"major": 3})  # rejected: watch, CAPA
    elimination.set_category_rules(world.manager, world.category.id,
                                   {"max_failed_inspections_12m": 1, "flag_overdue_capa": True})
    today = factories.today()
    elimination.run_sweep(world.manager, "manual", as_of=today)
    [first] = candidates()
    assert [f["explanation"] for f in first.findings] == [
        "1 failed routine inspection in the last 12 months: 1 or more trigger the rule"]
    elimination.run_sweep(world.manager, "manual", as_of=today + timedelta(days=400))
    [_old, second] = candidates()
    assert [f["explanation"] for f in second.findings] == ["1 corrective action is overdue"]


def test_bottom_percent_of_a_category_at_its_cap(world):
    weak = factories.make_product(world, "listed", category=world.other_category)
    strong = factories.make_product(world, "listed", category=world.other_category)
    add_metrics(world, weak.id, UNHAPPY)
    add_metrics(world, strong.id, GOOD)
    elimination.set_category_rules(world.manager, world.other_category.id,
                                   {"bottom_percent": 50, "action": "decision_list"})
    elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    [candidate] = candidates()
    assert candidate.product_id == weak.id
    assert candidate.findings[0]["explanation"].startswith(
        "performance score 0.95 ranks 1st from the bottom of 2 products in a category at its"
        " SKU cap, within the bottom 50 % (1 product); score = 0.40 × 0.875 positive")


def test_the_sweep_never_delists(world, unhappy):
    elimination.set_category_rules(world.manager, world.category.id, {
        "min_positive_rate": 100, "max_return_rate": 0, "bottom_percent": 100,
        "flag_overdue_capa": True})
    for _ in range(2):
        elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    assert db.session.scalar(select(func.count()).select_from(Product).where(
        Product.state == "delisted")) == 0


def test_delist_needs_a_valid_reason_code_and_records_it(world, unhappy):
    elimination.set_category_rules(world.manager, world.category.id, {"min_positive_rate": 90})
    elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    [candidate] = candidates()
    for code in (None, "bored"):
        with pytest.raises(ValidationFailed) as refused:
            elimination.decide_candidate(world.manager, candidate.id, "delist", code, "x")
        assert "reason_code" in refused.value.details
    assert state_of(unhappy.id) == "under_watch" and candidates()[0].status == "open"
    decided = elimination.decide_candidate(world.manager, candidate.id, "delist",
                                           "customer_metrics", "reviews keep falling")
    assert (decided.status, decided.decision_reason_code, decided.decision_note) == (
        "delisted", "customer_metrics", "reviews keep falling")
    assert decided.decided_by_id == world.manager.id
    assert state_of(unhappy.id) == "delisted"
    delist = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_id == unhappy.id, AuditEvent.action == "delist"))
    assert delist.reason == "customer_metrics"
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "elimination_candidate",
        AuditEvent.subject_id == candidate.id)).reason == "reviews keep falling"
    with pytest.raises(StateConflict):
        elimination.decide_candidate(world.manager, candidate.id, "dismiss", None, "again")


def test_dismiss_needs_a_note_and_keeps_the_product(world, unhappy):
    elimination.set_category_rules(world.manager, world.category.id,
                                   {"min_positive_rate": 90, "action": "decision_list"})
    elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    [candidate] = candidates()
    with pytest.raises(ValidationFailed) as refused:
        elimination.decide_candidate(world.manager, candidate.id, "dismiss", None, "  ")
    assert refused.value.details == {"note": "required"}
    decided = elimination.decide_candidate(world.admin, candidate.id, "dismiss", None,
                                           "seasonal dip")
    assert decided.status == "dismissed" and state_of(unhappy.id) == "listed"
    with pytest.raises(Forbidden):
        elimination.decide_candidate(world.qc, candidate.id, "dismiss", None, "qc may not")


def test_a_new_run_supersedes_and_a_product_gone_clears(world, unhappy):
    other = factories.make_product(world, "listed")
    add_metrics(world, other.id, UNHAPPY)
    elimination.set_category_rules(world.manager, world.category.id,
                                   {"min_positive_rate": 90, "action": "decision_list"})
    first = elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    lifecycle.apply_transition(world.manager, other.id, "suspend", "recall")
    second = elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    by_run = {(c.run_id, c.product_id): c.status for c in candidates()}
    assert by_run == {(first.id, unhappy.id): "superseded", (first.id, other.id): "cleared",
                      (second.id, unhappy.id): "open"}
    assert second.summary["superseded"] == 1 and second.summary["cleared"] == 1


def test_a_sweep_that_crashes_midway_stores_a_failed_run_and_nothing_else(
        world, unhappy, monkeypatch):
    other = factories.make_product(world, "listed")
    add_metrics(world, other.id, UNHAPPY)
    elimination.set_category_rules(world.manager, world.category.id, {"min_positive_rate": 90})
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    original = sweep_module._append_watch_events

    def crash(session, actor, run_id, reasons):
        original(session, actor, run_id, reasons)  # states moved, events appended...
        raise RuntimeError("disk full")  # ...then the process fails

    monkeypatch.setattr(sweep_module, "_append_watch_events", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    run = db.session.scalar(select(EliminationRun))
    assert run.status == "failed" and run.error == "RuntimeError: disk full"
    assert candidates() == []
    assert state_of(unhappy.id) == "listed" and state_of(other.id) == "listed"
    # only the failed run's own event was added
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before + 1


def test_who_may_run_read_and_decide(world, unhappy):
    for supplier in (world.supplier_user, world.other_supplier_user):
        for call in (lambda u: elimination.run_sweep(u, "manual"),
                     lambda u: elimination.list_candidates(u),
                     lambda u: elimination.list_runs(u),
                     lambda u: elimination.get_category_rules(u, world.category.id)):
            with pytest.raises(NotFound):
                call(supplier)
    with pytest.raises(Forbidden):
        elimination.run_sweep(world.qc, "manual")
    with pytest.raises(Forbidden):
        elimination.set_category_rules(world.designer, world.category.id, {})
    assert elimination.list_candidates(world.qc) == []
    with pytest.raises(NotFound):
        elimination.get_candidate(world.manager, 999)


def test_bad_sweep_arguments_name_the_field(world):
    with pytest.raises(ValidationFailed) as refused:
        elimination.run_sweep(world.manager, "button", as_of="2026-02-30", period_kind="day")
    assert set(refused.value.details) == {"trigger", "as_of", "period_kind"}


def test_category_rules_are_validated_field_by_field_and_audited(world):
    with pytest.raises(ValidationFailed) as refused:
        elimination.set_category_rules(world.manager, world.category.id, {
            "min_positive_rate": 120, "window_periods": 0, "action": "delist"})
    assert set(refused.value.details) == {"min_positive_rate", "window_periods", "action"}
    assert "percentage from 0 to 100" in refused.value.details["min_positive_rate"]
    with pytest.raises(ValidationFailed) as refused:
        elimination.set_category_rules(world.manager, world.category.id, {"max_price": 3})
    assert refused.value.details == {"max_price": "unknown rule"}
    assert db.session.get(type(world.category), world.category.id).elimination_rules == {}
    shown = elimination.set_category_rules(world.manager, world.category.id,
                                           {"max_return_rate": 8})
    assert shown["enabled"] and shown["rules"]["max_return_rate"] == 8.0
    assert shown["rules"]["window_periods"] == 3 and shown["rules"]["action"] == "under_watch"
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "set_elimination_rules"))
    assert event.subject_type == "category" and event.subject_id == world.category.id
    assert elimination.set_category_rules(world.manager, world.category.id, None)["enabled"] \
        is False
    with pytest.raises(ValidationFailed):
        elimination.parse_rule_value("max_return_rate", "eight")
    assert elimination.parse_rule_value("flag_overdue_capa", "yes") is True
    assert elimination.parse_rule_value("bottom_percent", "off") is None


def test_schedule_and_is_due(app, world, monkeypatch):
    monkeypatch.delenv("SIEVE_ELIMINATION_SCHEDULE", raising=False)
    assert elimination.schedule() == "off" and not elimination.is_due()
    app.config["SIEVE_ELIMINATION_SCHEDULE"] = "weekly"
    assert elimination.is_due()  # never ran
    elimination.run_sweep(world.manager, "schedule", as_of=AS_OF)
    now = datetime.now(UTC)
    assert not elimination.is_due(now)
    assert elimination.is_due(now + timedelta(days=7, seconds=1))
    app.config["SIEVE_ELIMINATION_SCHEDULE"] = None
    monkeypatch.setenv("SIEVE_ELIMINATION_SCHEDULE", "hourly")
    with pytest.raises(ValidationFailed, match="SIEVE_ELIMINATION_SCHEDULE"):
        elimination.schedule()


def test_the_schedule_actor_must_be_a_manager_or_admin(app, world, monkeypatch):
    monkeypatch.delenv("SIEVE_SCHEDULE_ACTOR", raising=False)
    with pytest.raises(ValidationFailed, match="SIEVE_SCHEDULE_ACTOR"):
        elimination.schedule_actor()
    with pytest.raises(ValidationFailed, match="qc_inspector"):
        elimination.schedule_actor(world.qc.email)
    app.config["SIEVE_SCHEDULE_ACTOR"] = world.manager.email.upper()
    assert elimination.schedule_actor() == world.manager


def test_the_job_runs_the_sweep(world, unhappy):
    elimination.set_category_rules(world.manager, world.category.id, {"min_positive_rate": 90})
    job = jobs.enqueue(world.manager, "elimination_sweep", {"as_of": "2026-11-05"})
    assert job.status == "succeeded", job.error
    run = db.session.get(EliminationRun, job.result["run_id"])
    assert run.job_id == job.id and run.trigger == "manual"
    assert job.result["candidates"] == 1 and job.result["put_on_watch"] == 1
    with pytest.raises(ValidationFailed):
        jobs.enqueue(world.manager, "elimination_sweep", {"period_kind": "year"})
    with pytest.raises(NotFound):
        jobs.enqueue(world.supplier_user, "elimination_sweep", {})


def test_watch_events_keep_the_audit_chain_whole_and_notify_the_supplier(world, unhappy):
    from app.models import Notification
    from app.services.audit import records_missing_from_trail, verify_audit_chain

    second = factories.make_product(world, "listed", supplier=world.supplier_b)
    add_metrics(world, second.id, UNHAPPY)
    elimination.set_category_rules(world.manager, world.category.id, {"min_positive_rate": 90})
    elimination.run_sweep(world.manager, "manual", as_of=AS_OF)
    count, broken = verify_audit_chain(db.session)
    assert broken is None and count > 2
    assert records_missing_from_trail(db.session) == []
    notes = {n.user_id: n for n in db.session.scalars(select(Notification).where(
        Notification.kind == "decision", Notification.params["transition"].as_string()
        == "put_on_watch"))}
    assert set(notes) == {world.supplier_user.id, world.other_supplier_user.id}
    assert "350 of 400 reviews" in notes[world.supplier_user.id].message
    assert notes[world.supplier_user.id].product_id == unhappy.id


def test_the_sku_cap_weakest_first_list_ranks_by_composite_score(world):
    from app.services import qc

    strong = factories.make_product(world, "listed", category=world.other_category)
    weak = factories.make_product(world, "listed", category=world.other_category)  # higher id
    add_metrics(world, strong.id, GOOD)
    add_metrics(world, weak.id, UNHAPPY)
    scores = elimination.performance_scores(db.session, world.other_category.id,
                                            [weak.id, strong.id], as_of=AS_OF)
    assert scores == {weak.id: 0.95, strong.id: 1.0}
    ranked = qc.weakest_listed(db.session, world.other_category.id)
    assert [label.split(" ", 1)[0] for label in ranked] == [f"#{weak.id}", f"#{strong.id}"]
