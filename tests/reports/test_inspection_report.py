"""The inspection report: one inspection for the supplier, its facts, what stays internal, who
may have it, and verification against the records."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from app.extensions import db
from app.models import AuditEvent, SamplePurchase
from app.services import qc
from app.services.errors import NotFound, ValidationFailed
from reports.layout import read_manifest
from tests import factories
from tests.reports.helpers import pdf_text, render, verify, without_triggers
from tests.reports.test_dossier import INSPECTION_NOTE, failed_routine, flat


@pytest.fixture
def failed(world, upload_dir):
    """A listed product whose routine inspection rejected the lot: (product, inspection,
    order number of its purchase)."""
    product = factories.make_product(world, "listed", name_zh="不锈钢电水壶",
                                     name_en="Steel Kettle")
    inspection = failed_routine(world, product)
    order = db.session.scalar(select(SamplePurchase.order_number).where(
        SamplePurchase.id == inspection.purchase_id))
    return product, inspection, order


def test_the_facts_of_one_inspection(world, failed):
    product, inspection, _order = failed
    result, pdf = render(world.supplier_user, "inspection", {"inspection_id": inspection.id})
    body = pdf_text(pdf)
    for fact in ("不锈钢电水壶", "Steel Kettle", "深圳测试电器", f"Inspection report #{inspection.id}",
                 "Routine", "Lot size", "50", "Normal inspection", "normal inspection at the start",
                 "n=5", "Ac=0", "Re=1", "3 nonconforming >= Re 1: reject", "lot rejected by major",
                 "Appearance", "Pass", "Lid hinge cracked", "Lot rejected",
                 "Consequence: Put on watch", "Hinges fail after a few openings",
                 result.report_id, "Page 1 of", "Hash-chain head"):
        assert fact in body, fact
    assert "Corrective action request #" in body and "due 20" in body
    manifest = result.manifest
    assert f"Covers audit events #{manifest['first_event']} to #{manifest['last_event']}" in body
    assert flat(manifest["digest"]) in flat(body)
    assert 1 <= result.pages <= 2


def test_defect_photos_appear_as_thumbnails(world, failed):
    _product, inspection, _order = failed
    _result, pdf = render(world.supplier_user, "inspection", {"inspection_id": inspection.id})
    assert sum(len(page.images) for page in PdfReader(BytesIO(pdf)).pages) == 1


def test_internal_notes_and_the_purchase_are_for_staff_only(world, failed):
    _product, inspection, order = failed
    staff = pdf_text(render(world.qc, "inspection", {"inspection_id": inspection.id})[1])
    supplier = pdf_text(render(world.supplier_user, "inspection",
                               {"inspection_id": inspection.id})[1])
    for secret in (INSPECTION_NOTE, order, "Sieve Mall", "qc_inspector@test.example"):
        assert secret in staff, secret
        assert secret not in supplier, secret


def test_chinese_version(world, failed):
    _product, inspection, _order = failed
    result, pdf = render(world.supplier_user, "inspection", {"inspection_id": inspection.id},
                         "zh_CN")
    body = pdf_text(pdf)
    assert result.manifest["language"] == "zh_CN"
    for fact in ("不锈钢电水壶", "深圳测试电器", "电水壶", "n=5", result.report_id):
        assert fact in body, fact


def test_an_open_inspection_is_staff_only(world):
    product = factories.make_product(world, "listed")
    inspection = factories.open_inspection(world, product.id, "routine")
    body = pdf_text(render(world.qc, "inspection", {"inspection_id": inspection.id})[1])
    assert "The inspection is not completed yet." in body and "n=" in body
    with pytest.raises(NotFound):
        render(world.supplier_user, "inspection", {"inspection_id": inspection.id})


def test_another_suppliers_inspection_is_not_found(world, failed):
    _product, inspection, _order = failed
    with pytest.raises(NotFound):
        render(world.other_supplier_user, "inspection", {"inspection_id": inspection.id})
    with pytest.raises(NotFound):
        render(world.admin, "inspection", {"inspection_id": 424242})
    with pytest.raises(ValidationFailed) as error:
        render(world.admin, "inspection", {"inspection_id": "#1"})
    assert "inspection_id" in error.value.details


def test_scope_starts_at_the_purchase(world, failed):
    product, inspection, _order = failed
    result, pdf = render(world.supplier_user, "inspection", {"inspection_id": inspection.id})
    logged = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.subject_id == product.id, AuditEvent.action == "log_purchase")
        .order_by(AuditEvent.id.desc()).limit(1))
    scope = read_manifest(PdfReader(BytesIO(pdf)).metadata.subject)["scope"]
    assert scope == result.manifest["scope"] and scope["kind"] == "inspection"
    assert scope["from_event"] == logged and scope["product_id"] == product.id
    assert scope["inspection_id"] == inspection.id
    _manifest, outcome = verify(pdf)
    assert outcome.ok, outcome.message


def test_verify_names_the_altered_event(world, failed):
    product, inspection, _order = failed
    _result, pdf = render(world.supplier_user, "inspection", {"inspection_id": inspection.id})
    completed = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_id == product.id, AuditEvent.action == "complete_inspection")
        .order_by(AuditEvent.id.desc())).first()
    without_triggers("UPDATE audit_events SET actor_label = 'someone else' WHERE id = :id",
                     {"id": completed.id})
    _manifest, outcome = verify(pdf)
    assert not outcome.ok and outcome.event_id == completed.id
    assert f"event #{completed.id}" in outcome.message


def test_verify_notices_the_inspection_row_changed(world, failed):
    _product, inspection, _order = failed
    _result, pdf = render(world.supplier_user, "inspection", {"inspection_id": inspection.id})
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE inspections SET verdict = 'accepted' WHERE id = :id"),
                     {"id": inspection.id})
    _manifest, outcome = verify(pdf)
    assert not outcome.ok and "records the report shows differ" in outcome.message


def test_report_after_more_work_is_still_verified(world, failed):
    """Events recorded after the report are not covered and do not fail it."""
    product, inspection, _order = failed
    _result, pdf = render(world.qc, "inspection", {"inspection_id": inspection.id})
    qc.create_purchase(world.qc, product.id, factories.purchase_data("follow_up"))
    _manifest, outcome = verify(pdf)
    assert outcome.ok and outcome.newer_events == 1
