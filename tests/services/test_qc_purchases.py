"""Sample purchases against the real database: logging, bad input, budget, reimbursement."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.db import write_transaction
from app.extensions import db
from app.models import Attachment, AuditEvent, Category, SamplePurchase
from app.services import attachments, qc
from app.services.errors import Forbidden, NotFound, StateConflict, ValidationFailed
from tests import factories
from tests.factories import PDF, PNG, purchase_data, stored_counts, today


@pytest.fixture
def listed(world):
    return factories.make_product(world, "listed")


def last_event(product_id: int) -> AuditEvent:
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "product", AuditEvent.subject_id == product_id)
        .order_by(AuditEvent.id.desc())).first()


# --- logging a purchase -------------------------------------------------------------------------

def test_a_purchase_is_stored_with_its_receipt_and_audited(world, listed):
    data = purchase_data("routine", channel="other_marketplace", store_name="Tmall flagship",
                         order_number="TM-778812", quantity=13, unit_price="12.50",
                         batch_code="LOT 2024-05", notes="bought at full price")
    purchase = qc.create_purchase(world.qc, listed.id, data, receipt=(PNG, "receipt.png"))
    db.session.expire_all()
    stored = db.session.get(SamplePurchase, purchase.id)
    assert (stored.kind, stored.channel, stored.store_name, stored.order_number) == (
        "routine", "other_marketplace", "Tmall flagship", "TM-778812")
    assert (stored.quantity, stored.unit_price_cents, stored.total_cents, stored.currency) == (
        13, 1250, 16250, "CNY")
    assert stored.purchased_on == today() and stored.batch_code == "LOT 2024-05"
    assert stored.purchaser_id == world.qc.id and stored.reimbursement_status == "submitted"
    [receipt] = qc.record_files(world.qc, "receipt", purchase.id)
    assert (receipt.product_id, receipt.internal, receipt.content_type) == (
        listed.id, True, "image/png")
    assert attachments.stored_path(receipt).read_bytes() == PNG
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_id == listed.id, AuditEvent.subject_type == "product")
        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events[-2:]] == ["log_purchase", "attach"]
    logged = json.loads(events[-2].changes)["purchase"]
    assert logged["before"] is None
    assert logged["after"] == {
        "id": purchase.id, "kind": "routine", "channel": "other_marketplace",
        "store_name": "Tmall flagship", "order_number": "TM-778812",
        "purchased_on": today().isoformat(), "quantity": 13, "unit_price": "12.50",
        "total": "162.50", "currency": "CNY", "batch_code": "LOT 2024-05"}
    assert events[-2].actor_id == world.qc.id


def test_a_pdf_receipt_and_an_explicit_total_are_kept(world, listed):
    purchase = qc.create_purchase(world.admin, listed.id, purchase_data(
        "complaint", quantity=3, unit_price="10", total="25.00", currency="usd",
        purchased_on=(today() - timedelta(days=3)).isoformat()), receipt=(PDF, "order.pdf"))
    assert (purchase.total_cents, purchase.currency) == (2500, "USD")
    assert purchase.purchased_on == today() - timedelta(days=3)
    [receipt] = qc.record_files(world.admin, "receipt", purchase.id)
    assert receipt.content_type == "application/pdf"


def test_a_purchase_without_receipt(world, listed):
    purchase = qc.create_purchase(world.qc, listed.id, purchase_data("routine"))
    assert qc.record_files(world.qc, "receipt", purchase.id) == []
    assert last_event(listed.id).action == "log_purchase"


BAD_INPUT = [
    ({"quantity": 0}, "quantity"),
    ({"quantity": -3}, "quantity"),
    ({"quantity": "-3"}, "quantity"),
    ({"quantity": 2.5}, "quantity"),
    ({"quantity": None}, "quantity"),
    ({"quantity": qc.MAX_QUANTITY + 1}, "quantity"),
    ({"purchased_on": "TOMORROW"}, "purchased_on"),
    ({"purchased_on": "2024-02-30"}, "purchased_on"),
    ({"purchased_on": "1999-12-31"}, "purchased_on"),
    ({"purchased_on": None}, "purchased_on"),
    ({"kind": "gift"}, "kind"),
    ({"kind": None}, "kind"),
    ({"channel": "street"}, "channel"),
    ({"store_name": ""}, "store_name"),
    ({"store_name": "   "}, "store_name"),
    ({"store_name": None}, "store_name"),
    ({"store_name": 12}, "store_name"),
    ({"store_name": "x" * 201}, "store_name"),
    ({"order_number": ""}, "order_number"),
    ({"unit_price": "0"}, "unit_price"),
    ({"unit_price": "-1.00"}, "unit_price"),
    ({"unit_price": None}, "unit_price"),
    ({"unit_price": "ten"}, "unit_price"),
    ({"unit_price": "1.005"}, "unit_price"),
    ({"unit_price": "20000000"}, "unit_price"),
    ({"unit_price": "100000", "quantity": 1000}, "total"),
    ({"total": "0"}, "total"),
    ({"currency": "XBT"}, "currency"),
    ({"colour": "red"}, "fields"),
    ({"notes": "n" * (qc.MAX_TEXT + 1)}, "notes"),
]


@pytest.mark.parametrize("changes,field", BAD_INPUT)
def test_bad_input_names_the_field_and_stores_nothing(world, listed, changes, field):
    data = purchase_data("routine")
    data.update({k: v for k, v in changes.items()})
    if changes.get("purchased_on") == "TOMORROW":
        data["purchased_on"] = (today() + timedelta(days=1)).isoformat()
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.create_purchase(world.qc, listed.id, data, receipt=(PNG, "receipt.png"))
    assert field in caught.value.details, caught.value.details
    assert stored_counts() == before


def test_a_future_purchase_date_says_so(world, listed):
    tomorrow = today() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as caught:
        qc.create_purchase(world.qc, listed.id, purchase_data("routine",
                                                              purchased_on=tomorrow.isoformat()))
    assert caught.value.details == {"purchased_on": f"{tomorrow.isoformat()} is in the future"}


def test_every_bad_field_is_named_at_once(world, listed):
    with pytest.raises(ValidationFailed) as caught:
        qc.create_purchase(world.qc, listed.id, {"kind": "routine", "quantity": -1})
    assert set(caught.value.details) == {"channel", "store_name", "order_number", "purchased_on",
                                         "quantity", "unit_price"}


@pytest.mark.parametrize("store,order", [
    ("Sieve Mall", "SO-1"), ("sieve mall", "so-1"), ("  Sieve   Mall ", " SO-1 "),
    ("ＳＩＥＶＥ Mall", "ＳＯ-1"),  # full-width forms, as an input method may type them
])
def test_a_duplicate_order_is_caught_whatever_its_case_or_spacing(world, listed, store, order):
    first = qc.create_purchase(world.qc, listed.id, purchase_data(
        "routine", store_name="Sieve Mall", order_number="SO-1"))
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.create_purchase(world.admin, listed.id, purchase_data(
            "routine", store_name=store, order_number=order), receipt=(PNG, "r.png"))
    assert f"already logged as purchase #{first.id}" in caught.value.details["order_number"]
    assert stored_counts() == before


def test_the_same_order_number_at_another_store_or_channel_is_another_order(world, listed):
    qc.create_purchase(world.qc, listed.id, purchase_data("routine", order_number="SO-1"))
    qc.create_purchase(world.qc, listed.id, purchase_data("routine", order_number="SO-1",
                                                          store_name="Other Mall"))
    qc.create_purchase(world.qc, listed.id, purchase_data("routine", order_number="SO-1",
                                                          channel="offline_store"))
    assert len(db.session.scalars(select(SamplePurchase).where(
        SamplePurchase.order_number == "SO-1")).all()) == 3


@pytest.mark.parametrize("state,kind", [
    ("listed", "pre_listing"), ("under_watch", "pre_listing"), ("sampling", "routine"),
    ("sampling", "follow_up"), ("sampling", "complaint"), ("in_design", "pre_listing"),
    ("delisted", "routine"), ("draft", "complaint"),
])
def test_a_kind_the_products_state_does_not_allow_is_a_state_conflict(world, state, kind):
    product = factories.make_product(world, state)
    before = stored_counts()
    with pytest.raises(StateConflict) as caught:
        qc.create_purchase(world.qc, product.id, purchase_data(kind), receipt=(PNG, "r.png"))
    assert caught.value.details["kind"].startswith(f"a {kind.replace('_', '-')}") or \
        state in caught.value.details["kind"]
    assert stored_counts() == before


@pytest.mark.parametrize("state,kind", [("sampling", "pre_listing"), ("listed", "routine"),
                                        ("under_watch", "follow_up"), ("suspended", "complaint")])
def test_each_kind_in_a_state_that_allows_it(world, state, kind):
    product = factories.make_product(world, state)
    assert qc.create_purchase(world.qc, product.id, purchase_data(kind)).kind == kind


@pytest.mark.parametrize("role", ["supplier", "designer", "selection_manager"])
def test_only_qc_staff_log_purchases(world, listed, role):
    before = stored_counts()
    with pytest.raises(Forbidden):
        qc.create_purchase(world.user_for_role(role), listed.id, purchase_data("routine"),
                           receipt=(PNG, "r.png"))
    assert stored_counts() == before


def test_an_unknown_product_is_not_found(world):
    before = stored_counts()
    for product_id in (999_999, 0, -1, 2**40):
        with pytest.raises(NotFound):
            qc.create_purchase(world.qc, product_id, purchase_data("routine"),
                               receipt=(PNG, "r.png"))
    assert stored_counts() == before


@pytest.mark.parametrize("data,name", [(b"hello", "receipt.txt"), (PNG, "receipt.pdf"),
                                       (b"", "receipt.png")])
def test_a_bad_receipt_stores_nothing(world, listed, data, name):
    before = stored_counts()
    with pytest.raises(ValidationFailed) as caught:
        qc.create_purchase(world.qc, listed.id, purchase_data("routine"), receipt=(data, name))
    assert "file" in caught.value.details
    assert stored_counts() == before


def test_a_receipt_cannot_be_added_through_the_attachment_service(world, listed):
    with pytest.raises(ValidationFailed, match="added with their record"):
        attachments.store_attachment(world.admin, listed.id, PNG, "r.png", purpose="receipt",
                                     ref_id=1)


def test_the_body_must_be_an_object(world, listed):
    with pytest.raises(ValidationFailed):
        qc.create_purchase(world.qc, listed.id, ["routine"])


# --- who may read a purchase --------------------------------------------------------------------

def test_a_supplier_never_reads_a_purchase(world, listed):
    purchase = factories.buy(world, listed.id, "routine")
    for supplier in (world.supplier_user, world.other_supplier_user):
        with pytest.raises(NotFound):
            qc.get_purchase(supplier, purchase.id)
        with pytest.raises(NotFound):
            qc.get_purchase(supplier, purchase.id + 1000)
    for role in ("admin", "selection_manager", "designer", "qc_inspector"):
        assert qc.get_purchase(world.user_for_role(role), purchase.id).id == purchase.id
    with pytest.raises(NotFound):
        qc.get_purchase(world.admin, purchase.id + 1000)


def test_a_supplier_never_sees_the_receipt(world, listed):
    purchase = qc.create_purchase(world.qc, listed.id, purchase_data("routine"),
                                  receipt=(PNG, "receipt.png"))
    [receipt] = qc.record_files(world.qc, "receipt", purchase.id)
    assert qc.record_files(world.supplier_user, "receipt", purchase.id) == []
    with pytest.raises(NotFound):
        attachments.get_visible_attachment(world.supplier_user, receipt.id)
    assert receipt.id not in {a.id for a in attachments.list_attachments(world.supplier_user,
                                                                         listed.id)}


def test_purchases_query_filters(world, listed):
    lamp = factories.make_product(world, "listed", category=world.other_category)
    a = factories.buy(world, listed.id, "routine")
    b = factories.buy(world, lamp.id, "routine")
    ids = lambda query: [p.id for p in db.session.scalars(query)]  # noqa: E731
    everything = ids(qc.purchases_query())
    assert {a.id, b.id} <= set(everything) and len(everything) == 4  # and 2 pre-listing
    kettles = ids(qc.purchases_query(category_id=world.category.id))
    assert a.id in kettles and b.id not in kettles
    lamps = ids(qc.purchases_query(product_id=lamp.id))
    assert lamps[0] == b.id and len(lamps) == 2  # newest first
    assert ids(qc.purchases_query(product_id=lamp.id, reimbursement="paid")) == []
    qc.set_reimbursement(world.manager, b.id, "approved")
    assert ids(qc.purchases_query(reimbursement="approved")) == [b.id]


# --- budget -------------------------------------------------------------------------------------

def set_budget(category: Category, cents: int | None) -> None:
    with write_transaction() as session:
        session.execute(update(Category).where(Category.id == category.id)
                        .values(qc_monthly_budget_cents=cents))


def test_budget_sums_the_categorys_month_only(world):
    kettle = factories.make_product(world, "sampling")
    lamp = factories.make_product(world, "sampling", category=world.other_category)
    set_budget(world.category, 10_000)  # 100.00
    month_start = today().replace(day=1)
    last_month = month_start - timedelta(days=1)
    qc.create_purchase(world.qc, kettle.id, purchase_data("pre_listing", quantity=4,
                                                          unit_price="15.00"))  # 60.00
    qc.create_purchase(world.qc, kettle.id, purchase_data(
        "pre_listing", quantity=1, unit_price="500.00", purchased_on=last_month.isoformat()))
    qc.create_purchase(world.qc, lamp.id, purchase_data("pre_listing", quantity=1,
                                                        unit_price="999.00"))
    status = qc.budget_status(db.session, world.category.id)
    assert status == {"month": month_start.strftime("%Y-%m"), "budget_cents": 10_000,
                      "spent_cents": 6000, "remaining_cents": 4000, "over": False}
    previous = qc.budget_status(db.session, world.category.id, last_month)
    assert (previous["month"], previous["spent_cents"], previous["over"]) == (
        last_month.strftime("%Y-%m"), 50_000, True)
    # Exactly on budget is not over; one cent more is.
    qc.create_purchase(world.qc, kettle.id, purchase_data("pre_listing", quantity=1,
                                                          unit_price="40.00"))
    assert qc.budget_status(db.session, world.category.id)["over"] is False
    qc.create_purchase(world.qc, kettle.id, purchase_data("pre_listing", quantity=1,
                                                          unit_price="0.01"))
    status = qc.budget_status(db.session, world.category.id)
    assert (status["spent_cents"], status["remaining_cents"], status["over"]) == (10_001, -1, True)


def test_without_a_budget_spend_is_still_counted(world):
    kettle = factories.make_product(world, "sampling")
    qc.create_purchase(world.qc, kettle.id, purchase_data("pre_listing", quantity=2,
                                                          unit_price="3.00"))
    status = qc.budget_status(db.session, world.category.id)
    assert (status["budget_cents"], status["spent_cents"], status["remaining_cents"],
            status["over"]) == (None, 600, None, False)
    assert qc.budget_status(db.session, world.other_category.id)["spent_cents"] == 0


# --- reimbursement ------------------------------------------------------------------------------

def test_reimbursement_moves_forward_one_step_at_a_time(world, listed):
    purchase = factories.buy(world, listed.id, "routine")
    with pytest.raises(StateConflict, match="is submitted; it cannot become paid"):
        qc.set_reimbursement(world.manager, purchase.id, "paid")
    with pytest.raises(StateConflict):
        qc.set_reimbursement(world.manager, purchase.id, "submitted")
    assert qc.set_reimbursement(world.manager, purchase.id, "approved") \
        .reimbursement_status == "approved"
    event = last_event(listed.id)
    assert (event.action, event.actor_id) == ("reimbursement", world.manager.id)
    assert json.loads(event.changes) == {
        f"purchase #{purchase.id}": {"before": "submitted", "after": "approved"}}
    for back in ("submitted", "approved"):
        with pytest.raises(StateConflict):
            qc.set_reimbursement(world.manager, purchase.id, back)
    paid = qc.set_reimbursement(world.admin, purchase.id, "paid")
    assert paid.reimbursement_status == "paid" and paid.reimbursement_changed_at is not None
    for status in ("submitted", "approved", "paid"):
        with pytest.raises(StateConflict):
            qc.set_reimbursement(world.manager, purchase.id, status)


@pytest.mark.parametrize("status", ["refunded", None, "", 1, "APPROVED"])
def test_an_unknown_reimbursement_status_is_refused(world, listed, status):
    purchase = factories.buy(world, listed.id, "routine")
    with pytest.raises(ValidationFailed) as caught:
        qc.set_reimbursement(world.manager, purchase.id, status)
    assert "status" in caught.value.details


def test_nobody_approves_their_own_purchase(world, listed):
    purchase = qc.create_purchase(world.admin, listed.id, purchase_data("routine"))
    before = stored_counts()
    with pytest.raises(Forbidden, match="own purchase"):
        qc.set_reimbursement(world.admin, purchase.id, "approved")
    assert stored_counts() == before
    assert qc.set_reimbursement(world.manager, purchase.id, "approved") \
        .reimbursement_status == "approved"


@pytest.mark.parametrize("role", ["qc_inspector", "designer", "supplier"])
def test_only_managers_move_reimbursements(world, listed, role):
    purchase = factories.buy(world, listed.id, "routine")
    with pytest.raises(Forbidden):
        qc.set_reimbursement(world.user_for_role(role), purchase.id, "approved")
    db.session.expire_all()
    assert db.session.get(SamplePurchase, purchase.id).reimbursement_status == "submitted"


def test_reimbursing_an_unknown_purchase_is_not_found(world):
    with pytest.raises(NotFound):
        qc.set_reimbursement(world.manager, 424242, "approved")


def test_receipts_are_internal_files(world, listed):
    purchase = qc.create_purchase(world.qc, listed.id, purchase_data("routine"),
                                  receipt=(PNG, "receipt.png"))
    receipt = db.session.scalars(select(Attachment).where(
        Attachment.purpose == "receipt", Attachment.ref_id == purchase.id)).one()
    assert receipt.internal is True
