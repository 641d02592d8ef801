"""Dashboard figures from a small database built through the services."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.extensions import db
from app.models import (
    CorrectiveAction,
    CustomerMetric,
    InspectionDefect,
    MetricImport,
    Product,
    SamplePurchase,
    Supplier,
)
from app.services import dashboards as service
from app.services.errors import NotFound, ValidationFailed
from tests import factories


def filters(**args):
    return service.parse_filters({key: str(value) for key, value in args.items()})


def test_filters_default_to_the_last_twelve_months():
    parsed = service.parse_filters({}, on=date(2026, 3, 15))
    assert (parsed.date_from, parsed.date_to) == (date(2025, 4, 1), date(2026, 3, 15))
    assert parsed.category_id is None and parsed.top == service.DEFAULT_TOP


@pytest.mark.parametrize(("args", "field"), [
    ({"category": "x"}, "category"), ({"category": "999"}, "category"),
    ({"date_from": "2026-13-01"}, "date_from"), ({"date_to": "yesterday"}, "date_to"),
    ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_from"),
    ({"date_from": "2010-01-01", "date_to": "2026-01-01"}, "date_to"),
    ({"top": "0"}, "top"), ({"top": "51"}, "top")])
def test_bad_filters_name_their_field(app, world, args, field):
    with pytest.raises(ValidationFailed) as caught:
        service.parse_filters(args)
    assert field in caught.value.details


def test_suppliers_get_not_found(world):
    for load in (service.pipeline_dashboard, service.qc_dashboard,
                 service.catalogue_dashboard, service.supplier_leaderboard):
        with pytest.raises(NotFound):
            load(world.supplier_user, filters())
    with pytest.raises(NotFound):
        service.overview(world.supplier_user)


def test_pipeline_funnel_durations_and_stuck_products(world):
    factories.make_product(world, "draft")  # never proposed: not in the funnel
    proposed = factories.make_product(world, "proposed")
    factories.make_product(world, "in_review")
    rejected = factories.make_product(world, "rejected")  # rejected straight from proposed
    listed = factories.make_product(world, "listed")
    factories.make_product(world, "sampling", category=world.other_category)

    data = service.pipeline_dashboard(world.manager, filters())
    counts = {row["stage"]: row["count"] for row in data["funnel"]}
    assert data["products"] == 5
    assert counts == {"proposed": 5, "in_review": 3, "in_design": 2, "sampling": 2, "listed": 1}
    conversion = {row["stage"]: row["conversion_pct"] for row in data["funnel"]}
    assert conversion == {"proposed": None, "in_review": 60.0, "in_design": 66.7,
                          "sampling": 100.0, "listed": 50.0}
    durations = {row["state"]: row for row in data["durations"]}
    # every one of the five passed through proposed; one is still there
    assert (durations["proposed"]["stays"], durations["proposed"]["open"]) == (5, 1)
    assert durations["in_review"]["open"] == 1 and durations["sampling"]["open"] == 1

    stuck = {group["state"]: group["products"] for group in data["stuck"]}
    assert [p["product_id"] for p in stuck["proposed"]] == [proposed.id]
    assert rejected.id not in {p["product_id"] for group in stuck.values() for p in group}
    assert listed.id not in {p["product_id"] for group in stuck.values() for p in group}
    assert len(stuck["draft"]) == 1

    # Ten days on, the open stays have grown by ten days; closed ones have not.
    later = service.pipeline_dashboard(world.manager, filters(),
                                       now=datetime.now(UTC) + timedelta(days=10))
    late = {row["state"]: row for row in later["durations"]}
    # four closed stays of ~0 days and one open one of 10: p90 = 0 + 0.6 * 10
    assert late["proposed"]["p90_days"] == pytest.approx(6.0, abs=0.1)
    assert late["proposed"]["median_days"] < 1
    assert {p["days"] for p in
            next(g for g in later["stuck"] if g["state"] == "proposed")["products"]} == {10.0}


def test_pipeline_filters_by_category_and_proposal_date(world):
    factories.make_product(world, "in_review")
    factories.make_product(world, "sampling", category=world.other_category)
    lamps = service.pipeline_dashboard(world.manager, filters(category=world.other_category.id))
    assert lamps["products"] == 1 and lamps["funnel"][3]["count"] == 1
    assert {g["state"]: len(g["products"]) for g in lamps["stuck"]}["in_review"] == 0
    today = factories.today()
    past = service.pipeline_dashboard(world.manager, filters(
        date_from=today - timedelta(days=60), date_to=today - timedelta(days=1)))
    assert past["products"] == 0 and past["funnel"][0]["count"] == 0


def test_qc_pass_rates_pareto_and_spend(world):
    kettle = factories.make_product(world, "listed")  # one passed pre-listing inspection
    factories.inspect(world, kettle.id, "routine", {"critical": 1, "minor": 2})
    lamp = factories.make_product(world, "listed", supplier=world.supplier_b,
                                  category=world.other_category)
    factories.inspect(world, lamp.id, "routine", {"minor": 1})
    world.category.qc_monthly_budget_cents = 100
    db.session.commit()

    data = service.qc_dashboard(world.manager, filters())
    month = factories.today().strftime("%Y-%m")
    assert data["months"][-1] == month and len(data["months"]) == 12
    by_category = {row["category_id"]: row for row in data["pass_rate_by_category"]}
    assert (by_category[world.category.id]["inspections"],
            by_category[world.category.id]["passed"]) == (2, 1)
    assert by_category[world.category.id]["pass_rate"] == 50.0
    assert by_category[world.category.id]["months"][-1] == {
        "month": month, "inspections": 2, "passed": 1, "pass_rate": 50.0}
    assert by_category[world.other_category.id]["pass_rate"] == 100.0
    assert data["pass_rate"]["inspections"] == 4 and data["pass_rate"]["passed"] == 3
    suppliers = data["pass_rate_by_supplier"]
    assert [s["supplier_id"] for s in suppliers] == sorted(
        [world.supplier_a.id, world.supplier_b.id])
    assert service.qc_dashboard(world.manager, filters(top=1))["pass_rate_by_supplier"][0][
        "supplier_id"] == world.supplier_a.id

    pareto = data["pareto"]
    assert [(r["description"], r["defect_class"], r["count"]) for r in pareto] == [
        ("minor defect", "minor", 3), ("critical defect", "critical", 1)]
    assert [r["cumulative_pct"] for r in pareto] == [75.0, 100.0]

    spent = {row["category_id"]: row for row in data["spend"]["categories"]}
    kettle_cents = sum(p.total_cents for p in db.session.query(SamplePurchase).join(Product)
                       .filter(Product.category_id == world.category.id))
    assert spent[world.category.id]["spent_cents"] == kettle_cents > 100
    assert spent[world.category.id]["months"][-1]["over"] is True
    assert spent[world.other_category.id]["budget_cents"] is None
    assert data["spend"]["months"][-1]["budget_cents"] == 100

    only_lamps = service.qc_dashboard(world.manager, filters(category=world.other_category.id))
    assert [r["category_id"] for r in only_lamps["pass_rate_by_category"]] == [
        world.other_category.id]
    assert [r["count"] for r in only_lamps["pareto"]] == [1]


def test_pareto_sums_the_tail_into_other(world, monkeypatch):
    monkeypatch.setattr(service, "PARETO_TOP", 1)
    kettle = factories.make_product(world, "listed")
    factories.inspect(world, kettle.id, "routine", {"minor": 1, "major": 2})
    rows = service.qc_dashboard(world.manager, filters())["pareto"]
    assert [(r["description"], r["count"], r["cumulative_pct"]) for r in rows] == [
        ("major defect", 2, 66.7), (None, 1, 100.0)]
    assert db.session.query(InspectionDefect).count() == 2


def test_catalogue_caps_capa_ages_and_customer_metrics(world):
    lamps = [factories.make_product(world, "listed", category=world.other_category)
             for _ in range(2)]
    factories.make_product(world, "under_watch")
    factories.inspect(world, lamps[0].id, "routine", {"critical": 1})  # opens a CAPA
    capa = db.session.query(CorrectiveAction).one()
    capa.opened_at = datetime.now(UTC) - timedelta(days=20)
    capa.due_on = factories.today() - timedelta(days=6)
    db.session.commit()

    data = service.catalogue_dashboard(world.manager, filters())
    caps = {row["category_id"]: row for row in data["caps"]}
    assert caps[world.other_category.id]["occupied"] == 2
    assert caps[world.other_category.id]["cap"] == 2 and caps[world.other_category.id]["at_cap"]
    assert caps[world.category.id]["under_watch"] == 1 and caps[world.category.id]["cap"] is None
    ages = data["capa_ages"]
    assert {b["bucket"]: b["open"] for b in ages["buckets"]}["14_30"] == 1
    assert (ages["open"], ages["closed"], ages["overdue"]) == (1, 0, 1)

    metric_import = MetricImport(source="cli", filename="m.csv", checksum="0" * 64,
                                 status="applied", rows=3, created_by_id=world.admin.id)
    db.session.add(metric_import)
    db.session.flush()
    this_month = factories.today().replace(day=1)
    rows = [("month", this_month.strftime("%Y-%m"), this_month, 10, 8, 100, 5),
            ("week", "W-dup", this_month, 99, 1, 99, 99)]  # ignored: the month has monthly rows
    for kind, period, start, reviews, positive, units, returns in rows:
        db.session.add(CustomerMetric(
            product_id=lamps[1].id, period=period[:8], period_kind=kind, period_start=start,
            reviews=reviews, positive_reviews=positive, units_sold=units, returns=returns,
            orders=units, complaints=0, import_id=metric_import.id))
    db.session.commit()
    customer = service.catalogue_dashboard(world.manager, filters())["customer"]
    assert customer == [{"month": this_month.strftime("%Y-%m"), "reviews": 10,
                         "positive_reviews": 8, "units_sold": 100, "returns": 5, "orders": 100,
                         "complaints": 0, "positive_rate": 80.0, "return_rate": 5.0}]
    other = service.catalogue_dashboard(world.manager, filters(category=world.category.id))
    assert other["customer"] == [] and other["capa_ages"]["open"] == 0


def test_supplier_leaderboard_ranks_by_standing_then_figures(world):
    factories.make_product(world, "listed")
    factories.make_product(world, "suspended")
    third = Supplier(name="Third", status="active", standing="approved",
                     standing_figures={"pass_rate": 99.0})
    fourth = Supplier(name="Fourth", status="active", standing="preferred",
                      standing_figures={"pass_rate": None, "unexpected": "x"})
    world.supplier_a.standing = "approved"
    world.supplier_a.standing_figures = {"pass_rate": 80.0, "capas_overdue": 0}
    db.session.add_all([third, fourth])
    db.session.commit()

    rows = service.supplier_leaderboard(world.manager, filters())["suppliers"]
    assert [r["name"] for r in rows] == ["Fourth", "Third", world.supplier_a.name,
                                        world.supplier_b.name]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    a = rows[2]
    assert a["figures"]["pass_rate"] == 80.0 and a["figures"]["listed_products"] == 2
    assert a["figures"]["return_rate"] is None and "unexpected" not in rows[0]["figures"]
    assert rows[3]["standing"] is None and rows[3]["figures"]["listed_products"] == 0
    lamps = service.supplier_leaderboard(world.manager, filters(category=world.other_category.id))
    assert {r["name"]: r["figures"]["listed_products"] for r in lamps["suppliers"]}[
        world.supplier_a.name] == 0


def test_overview_tiles(world):
    factories.make_product(world, "proposed")
    listed = factories.make_product(world, "listed")
    factories.inspect(world, listed.id, "routine", {"critical": 1})
    data = service.overview(world.qc)
    assert data["in_pipeline"] == 1 and data["in_slots"] == 1
    assert (data["inspections_30d"], data["passed_30d"], data["pass_rate_30d"]) == (2, 1, 50.0)
    assert data["open_capas"] == 1 and data["overdue_capas"] == 0
    assert data["not_assessed"] == 2 and data["standings"]["preferred"] == 0
