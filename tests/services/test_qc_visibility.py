"""What a supplier sees of QC: completed inspections of its own products, nothing internal."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment
from app.services import attachments, qc
from app.services.errors import NotFound
from app.services.visibility import product_events_for
from tests import factories
from tests.factories import PNG, purchase_data

SECRET = "Supplier rep tried to swap the samples"


@pytest.fixture
def inspected(world):
    """A listed product of supplier A with a purchase (receipt), reimbursement, and a failed
    routine inspection with a photo and internal notes."""
    product = factories.make_product(world, "listed")
    purchase = qc.create_purchase(world.qc, product.id, purchase_data(
        "routine", quantity=13, store_name="Secret Shop", order_number="SECRET-ORDER-1",
        notes=SECRET), receipt=(PNG, "receipt.png"))
    qc.set_reimbursement(world.manager, purchase.id, "approved")
    inspection = qc.open_inspection(world.qc, purchase.id, {"lot_size": 50})
    defect = qc.add_defect(world.qc, inspection.id, {
        "defect_class": "major", "count": 1, "description": "Lid does not close"},
        photos=[(PNG, "lid.png")])
    return product, purchase, inspection, defect


def complete(world, inspection):
    return factories.complete(world, inspection, summary="Lid fails", internal_notes=SECRET)


def trail_text(user, product) -> str:
    db.session.expire_all()
    return " ".join(f"{e.action} {e.reason or ''} {e.changes or ''}"
                    for e in product_events_for(user, product))


def actions(user, product) -> list[str]:
    db.session.expire_all()
    return [e.action for e in product_events_for(user, product)]


def visible_ids(user, product_id=None) -> set[int]:
    return {i.id for i in db.session.scalars(qc.visible_inspections(user, product_id))}


def about(user, product, inspection) -> list[str]:
    """The actions on the product's trail, as ``user`` sees it, about ``inspection``."""
    db.session.expire_all()
    return [e.action for e in product_events_for(user, product)
            if f"inspection #{inspection.id}" in (e.changes or "")]


def test_an_open_inspection_is_invisible_to_the_supplier(world, inspected):
    product, _purchase, inspection, defect = inspected
    for supplier in (world.supplier_user, world.other_supplier_user):
        with pytest.raises(NotFound):
            qc.get_inspection(supplier, inspection.id)
        assert inspection.id not in visible_ids(supplier)
        assert inspection.id not in visible_ids(supplier, product.id)
    assert inspection.id in visible_ids(world.designer, product.id)
    # Nor its events, its photos or any trace of the purchase.
    assert about(world.supplier_user, product, inspection) == []
    assert about(world.manager, product, inspection) == ["open_inspection", "log_defect"]
    seen = actions(world.supplier_user, product)
    assert "log_purchase" not in seen and "reimbursement" not in seen
    assert "lid.png" not in trail_text(world.supplier_user, product)
    assert "lid.png" in trail_text(world.manager, product)
    assert qc.defect_photos(world.supplier_user, [defect.id]) == {}
    photo = qc.defect_photos(world.qc, [defect.id])[defect.id][0]
    with pytest.raises(NotFound):
        attachments.get_visible_attachment(world.supplier_user, photo.id)
    assert photo.id not in {a.id for a in attachments.list_attachments(world.supplier_user,
                                                                       product.id)}
    staff = actions(world.manager, product)
    assert "log_purchase" in staff and "reimbursement" in staff


def test_a_completed_inspection_is_shared_without_internal_notes(world, inspected):
    product, purchase, inspection, defect = inspected
    complete(world, inspection)
    seen = qc.get_inspection(world.supplier_user, inspection.id)
    assert (seen.verdict, seen.summary) == ("rejected", "Lid fails")
    assert inspection.id in visible_ids(world.supplier_user, product.id)
    assert about(world.supplier_user, product, inspection) == [
        "open_inspection", "log_defect", "complete_inspection"]
    [photo] = qc.defect_photos(world.supplier_user, [defect.id])[defect.id]
    assert attachments.get_visible_attachment(world.supplier_user, photo.id).id == photo.id
    text = trail_text(world.supplier_user, product)
    assert SECRET not in text
    assert "SECRET-ORDER-1" not in text and "Secret Shop" not in text
    assert "receipt.png" not in text
    seen_actions = actions(world.supplier_user, product)
    assert "log_purchase" not in seen_actions and "reimbursement" not in seen_actions
    for shared in ("open_inspection", "log_defect", "complete_inspection",
                   "open_corrective_action", "put_on_watch"):
        assert shared in seen_actions, seen_actions
    assert "lid.png" in text  # the photo's attach event, now the photo is shared
    # The receipt stays internal.
    with pytest.raises(NotFound):
        qc.get_purchase(world.supplier_user, purchase.id)
    receipt = db.session.scalars(select(Attachment).where(
        Attachment.purpose == "receipt", Attachment.ref_id == purchase.id)).one()
    with pytest.raises(NotFound):
        attachments.get_visible_attachment(world.supplier_user, receipt.id)


def test_another_suppliers_inspection_is_not_found(world, inspected):
    _product, _purchase, inspection, _defect = inspected
    complete(world, inspection)
    with pytest.raises(NotFound):
        qc.get_inspection(world.other_supplier_user, inspection.id)
    assert db.session.scalars(qc.visible_inspections(world.other_supplier_user)).all() == []
    with pytest.raises(NotFound):
        qc.get_inspection(world.supplier_user, inspection.id + 1000)


def test_staff_see_internal_notes_and_every_inspection(world, inspected):
    product, _purchase, inspection, _defect = inspected
    for role in ("admin", "selection_manager", "designer", "qc_inspector"):
        assert qc.get_inspection(world.user_for_role(role), inspection.id).status == "open"
    complete(world, inspection)
    assert qc.get_inspection(world.designer, inspection.id).internal_notes == SECRET


def test_a_removed_defect_of_an_open_inspection_stays_hidden(world, inspected):
    product, _purchase, inspection, defect = inspected
    qc.remove_defect(world.qc, defect.id)
    assert about(world.supplier_user, product, inspection) == []
    assert about(world.manager, product, inspection) == [
        "open_inspection", "log_defect", "detach", "remove_defect"]
    # The photo's row is gone, yet neither its attach nor its detach event shows.
    assert "lid.png" not in trail_text(world.supplier_user, product)
    assert trail_text(world.manager, product).count("lid.png") == 2
    # Once the inspection is completed, its whole story is the supplier's to see.
    complete(world, inspection)
    assert about(world.supplier_user, product, inspection) == [
        "open_inspection", "log_defect", "detach", "remove_defect", "complete_inspection"]
    assert trail_text(world.supplier_user, product).count("lid.png") == 2


def test_a_supplier_sees_its_own_corrective_action_only(world, inspected):
    product, _purchase, inspection, _defect = inspected
    complete(world, inspection)
    [request] = db.session.scalars(qc.capas_query(world.supplier_user, product.id)).all()
    assert qc.get_capa(world.supplier_user, request.id).problem.startswith(
        f"Inspection #{inspection.id}")
    assert SECRET not in request.problem
    with pytest.raises(NotFound):
        qc.get_capa(world.other_supplier_user, request.id)


def test_feedback_and_file_filters_still_apply(world):
    """The older rules of product_events_for still hold next to the QC ones."""
    product = factories.make_product(world, "draft")
    internal = attachments.store_attachment(world.admin, product.id, PNG, "margin.png",
                                            internal=True)
    shared = attachments.store_attachment(world.admin, product.id, PNG, "front.png")
    changes = [json.loads(e.changes or "{}") for e in product_events_for(world.supplier_user,
                                                                         product)]
    ids = {c["attachment"]["after"]["id"] for c in changes if "attachment" in c}
    assert ids == {shared.id} and internal.id not in ids
