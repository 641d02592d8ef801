"""Listing gates against the real database: each gate blocks on its own, with its own message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.db import write_transaction
from app.extensions import db
from app.models import AuditEvent, Category, Inspection, Product
from app.services import lifecycle, qc, registry
from app.services.errors import ValidationFailed
from tests import factories
from tests.factories import today
from workflows.lifecycle import GuardBlocked

SELECTION = "selection_review: the product has not passed the selection review"
DESIGN = "design: the design has not been approved"
NO_INSPECTION = ("inspection: no pre-listing inspection has passed since the product entered"
                 " sampling")


def set_product(product_id: int, **values) -> None:
    """Craft a situation the lifecycle would not produce on its own (tests only)."""
    with write_transaction() as session:
        session.execute(update(Product).where(Product.id == product_id).values(**values))


def set_category(category: Category, **values) -> None:
    with write_transaction() as session:
        session.execute(update(Category).where(Category.id == category.id).values(**values))


def list_blockers(world, product_id: int, on=None) -> list[str]:
    """What ``list`` is blocked by, as the manager's buttons and the service both say."""
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    offered = {t["name"]: t for t in lifecycle.available_transitions(db.session, world.manager,
                                                                     product)}
    details = {"launch_date": on.isoformat()} if on else None
    try:
        lifecycle.apply_transition(world.manager, product_id, "list", details=details)
    except GuardBlocked as blocked:
        if on is None:
            assert offered["list"]["blocked_by"] == blocked.reasons
        return blocked.reasons
    pytest.fail("list was not blocked")


def events(product_id: int, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "product", AuditEvent.subject_id == product_id,
        AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def ready(world):
    """A product in sampling that passes every gate."""
    product = factories.make_product(world, "sampling")
    factories.pass_inspection(world, product.id, "pre_listing")
    return product


# --- each gate on its own -----------------------------------------------------------------------

def test_a_product_that_never_passed_selection_review(world):
    product = factories.make_product(world, "in_review")
    set_product(product.id, state="in_design")  # skipped accept
    factories.approve_design_round(world, product.id)
    lifecycle.apply_transition(world.manager, product.id, "approve_design")
    factories.pass_inspection(world, product.id, "pre_listing")
    assert list_blockers(world, product.id) == [SELECTION]


def test_a_product_whose_design_was_never_approved(world):
    product = factories.make_product(world, "in_design")
    set_product(product.id, state="sampling")  # skipped approve_design
    factories.pass_inspection(world, product.id, "pre_listing")
    assert list_blockers(world, product.id) == [DESIGN]


def test_a_design_approval_from_before_a_failed_sampling_does_not_count(world):
    product = factories.make_product(world, "sampling")
    factories.inspect(world, product.id, "pre_listing", {"critical": 1})  # fail_sampling
    set_product(product.id, state="sampling")  # back without a new approve_design
    factories.pass_inspection(world, product.id, "pre_listing")
    assert list_blockers(world, product.id) == [DESIGN]


def test_no_pre_listing_inspection(world):
    product = factories.make_product(world, "sampling")
    assert list_blockers(world, product.id) == [NO_INSPECTION]


def test_a_failed_or_open_pre_listing_inspection_does_not_count(world):
    product = factories.make_product(world, "sampling")
    factories.open_inspection(world, product.id, "pre_listing")
    assert list_blockers(world, product.id) == [NO_INSPECTION]


def age_inspections(product_id: int, days: int) -> None:
    """Pretend the product entered sampling 400 days ago and its inspections are ``days`` old."""
    then = datetime.now(UTC) - timedelta(days=days)
    set_product(product_id, state_changed_at=datetime.now(UTC) - timedelta(days=400))
    with write_transaction() as session:
        session.execute(update(Inspection).where(Inspection.product_id == product_id)
                        .values(completed_at=then))


def test_a_pre_listing_inspection_older_than_the_category_allows(world, ready):
    age_inspections(ready.id, 91)
    assert list_blockers(world, ready.id) == [
        "inspection: the last passed pre-listing inspection is 91 days old; the category"
        " accepts at most 90 days"]
    age_inspections(ready.id, 90)
    assert lifecycle.apply_transition(world.manager, ready.id, "list").state == "listed"


def test_the_categorys_validity_applies(world, ready):
    set_category(world.category, prelisting_valid_days=30)
    age_inspections(ready.id, 31)
    assert list_blockers(world, ready.id) == [
        "inspection: the last passed pre-listing inspection is 31 days old; the category"
        " accepts at most 30 days"]
    factories.pass_inspection(world, ready.id, "pre_listing")  # a new one: today
    assert lifecycle.apply_transition(world.manager, ready.id, "list").state == "listed"


def test_a_pass_before_a_failed_sampling_and_redesign_does_not_count(world):
    product = factories.make_product(world, "sampling")
    factories.pass_inspection(world, product.id, "pre_listing")
    factories.inspect(world, product.id, "pre_listing", {"major": 1})  # back to in_design
    factories.approve_design_round(world, product.id)
    lifecycle.apply_transition(world.manager, product.id, "approve_design")
    assert list_blockers(world, product.id) == [NO_INSPECTION]
    factories.pass_inspection(world, product.id, "pre_listing")
    assert lifecycle.apply_transition(world.manager, product.id, "list").state == "listed"


def test_a_relisted_product_is_inspected_again(world):
    product = factories.make_product(world, "delisted")
    lifecycle.apply_transition(world.manager, product.id, "relist", "Supplier fixed it")
    assert list_blockers(world, product.id) == [NO_INSPECTION]
    factories.pass_inspection(world, product.id, "pre_listing")
    assert lifecycle.apply_transition(world.manager, product.id, "list").state == "listed"


def test_a_required_certificate_missing(world, ready):
    set_category(world.category, required_certificates=["CCC", "GB 4706.1"])
    registry.add_certificate(world.admin, world.supplier_a.id, {
        "standard_code": "gb 4706.1 ", "expires_on": (today() + timedelta(days=400)).isoformat()})
    registry.add_certificate(world.admin, world.supplier_b.id, {  # another supplier's
        "standard_code": "CCC", "expires_on": (today() + timedelta(days=400)).isoformat()})
    assert list_blockers(world, ready.id) == ["certificates: no CCC certificate on file"]


def test_a_certificate_expiring_before_the_launch_date(world, ready):
    set_category(world.category, required_certificates=["CCC"])
    expires = today() + timedelta(days=10)
    registry.add_certificate(world.admin, world.supplier_a.id, {
        "standard_code": "CCC", "expires_on": (today() - timedelta(days=5)).isoformat()})
    registry.add_certificate(world.admin, world.supplier_a.id, {
        "standard_code": "CCC", "expires_on": expires.isoformat()})
    launch = today() + timedelta(days=30)
    assert list_blockers(world, ready.id, on=launch) == [
        f"certificates: the CCC certificate expired on {expires.isoformat()}, before the"
        f" listing date {launch.isoformat()}"]
    listed = lifecycle.apply_transition(world.manager, ready.id, "list",
                                        details={"launch_date": expires.isoformat()})
    assert (listed.state, listed.launched_on) == ("listed", expires)


def test_the_sku_cap_names_the_listed_products_weakest_first(world):
    lamps = world.other_category  # cap 2
    clean = factories.make_product(world, "listed", category=lamps)
    weak = factories.make_product(world, "listed", category=lamps, supplier=world.supplier_b)
    factories.inspect(world, weak.id, "routine", {"major": 1})  # on watch, request open
    candidate = factories.make_product(world, "sampling", category=lamps)
    factories.pass_inspection(world, candidate.id, "pre_listing")
    db.session.expire_all()
    weak, clean = db.session.get(Product, weak.id), db.session.get(Product, clean.id)
    assert list_blockers(world, candidate.id) == [
        "sku_cap: the category already has 2 of 2 SKUs listed; delist one to make room"
        f" (weakest first: #{weak.id} {weak.name_zh} (under_watch, 1 of 2 inspections failed"
        " in 12 months, 1 corrective action(s) not closed);"
        f" #{clean.id} {clean.name_zh} (listed, 0 of 1 inspections failed in 12 months))"]
    lifecycle.apply_transition(world.manager, weak.id, "delist", "sku_cap")
    assert lifecycle.apply_transition(world.manager, candidate.id, "list").state == "listed"


def test_the_weakest_ranking_is_limited_and_ordered(world):
    set_category(world.category, sku_cap=3)
    holders = [factories.make_product(world, "listed") for _ in range(3)]
    factories.inspect(world, holders[2].id, "routine", {"critical": 1})  # suspended
    factories.inspect(world, holders[1].id, "routine", {"minor": 2})  # on watch
    ranked = qc.weakest_listed(db.session, world.category.id)
    assert [label.split(" ", 1)[0] for label in ranked] == [
        f"#{holders[2].id}", f"#{holders[1].id}", f"#{holders[0].id}"]
    assert len(qc.weakest_listed(db.session, world.category.id, limit=2)) == 2


def test_every_gate_at_once(world):
    set_category(world.category, required_certificates=["CCC"], sku_cap=0)
    product = factories.make_product(world, "in_review")
    set_product(product.id, state="sampling")
    assert [r.split(":")[0] for r in list_blockers(world, product.id)] == [
        "selection_review", "design", "inspection", "certificates", "sku_cap"]


# --- listing details ----------------------------------------------------------------------------

def test_listing_records_the_retail_price_and_launch_date(world, ready):
    launch = today() + timedelta(days=7)
    listed = lifecycle.apply_transition(world.manager, ready.id, "list", details={
        "retail_price": "249.90", "launch_date": launch.isoformat()})
    assert (listed.state, listed.retail_price_cents, listed.launched_on) == (
        "listed", 24990, launch)
    [event] = events(ready.id, "list")
    assert json.loads(event.changes) == {
        "state": {"before": "sampling", "after": "listed"},
        "retail_price_cents": {"before": None, "after": 24990},
        "launched_on": {"before": None, "after": launch.isoformat()}}


def test_listing_defaults_to_the_target_price_and_today(world, ready):
    listed = lifecycle.apply_transition(world.manager, ready.id, "list")
    assert (listed.retail_price_cents, listed.launched_on) == (19900, today())


@pytest.mark.parametrize("details,field", [
    ({"launch_date": "2000-01-01"}, "launch_date"),
    ({"launch_date": "YESTERDAY"}, "launch_date"),
    ({"launch_date": "NEXT_YEAR"}, "launch_date"),
    ({"launch_date": "31/12/2030"}, "launch_date"),
    ({"retail_price": "-5"}, "retail_price"),
    ({"retail_price": "0"}, "retail_price"),
    ({"retail_price": "abc"}, "retail_price"),
    ({"retail_price": "99999999"}, "retail_price"),
    ({"discount": "10%"}, "fields"),
    (["249.00"], "details"),
])
def test_bad_listing_details_are_refused_and_change_nothing(world, ready, details, field):
    if isinstance(details, dict) and details.get("launch_date") == "YESTERDAY":
        details = {"launch_date": (today() - timedelta(days=1)).isoformat()}
    if isinstance(details, dict) and details.get("launch_date") == "NEXT_YEAR":
        details = {"launch_date": (today() + timedelta(days=367)).isoformat()}
    before = factories.stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        lifecycle.apply_transition(world.manager, ready.id, "list", details=details)
    assert field in caught.value.details, caught.value.details
    assert factories.stored_counts() == before
    db.session.expire_all()
    product = db.session.get(Product, ready.id)
    assert (product.state, product.retail_price_cents, product.launched_on) == (
        "sampling", None, None)


def test_a_product_without_target_price_needs_a_retail_price(world, ready):
    set_product(ready.id, target_price_cents=None)
    with pytest.raises(ValidationFailed) as caught:
        lifecycle.apply_transition(world.manager, ready.id, "list")
    assert caught.value.details == {"retail_price": "required"}


def test_only_list_takes_details(world):
    product = factories.make_product(world, "listed")
    with pytest.raises(ValidationFailed):
        lifecycle.apply_transition(world.manager, product.id, "delist", "sku_cap",
                                   details={"retail_price": "1"})
