"""The product dossier: the facts each section must show, what a supplier never sees, empty
sections, Chinese, and verification against the records."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text, update

from app.extensions import db
from app.models import AuditEvent, CorrectiveAction, SamplePurchase
from app.services import design, lifecycle, qc, reviews
from app.services.errors import NotFound, ValidationFailed
from reports.layout import read_manifest
from tests import factories
from tests.reports.helpers import pdf_text, render, verify, without_triggers

INTERNAL_FEEDBACK = "Margin looks thin, push the unit cost down"
PUBLIC_FEEDBACK = "Box corners crush in transit"
INSPECTION_NOTE = "Inspector suspects the hinge vendor changed"
CAPA_NOTE = "Escalate if the answer is late again"
REVIEW_COMMENT = "Strong heating element, lid feels cheap"


def flat(value: str) -> str:
    """Extracted text without line breaks (long values wrap inside table cells)."""
    return "".join(value.split())


# --- a product with a history -------------------------------------------------------------------

def reviewed_product(world, **fields):
    """A product accepted after two reviews with scores of its own (no factory defaults)."""
    product = factories.make_product(world, "in_review", **fields)
    scores = dict(factories.GOOD_SCORES, performance=5)
    reviews.submit_review(world.manager, product.id, scores, REVIEW_COMMENT)
    reviews.submit_review(world.admin, product.id, dict(factories.GOOD_SCORES, design=3))
    lifecycle.apply_transition(world.manager, product.id, "accept")
    return product


def designed(world, product) -> None:
    """One design round with a public and an internal feedback item, then approve_design."""
    design.open_round(world.manager, product.id)
    public, _internal = design.raise_feedback(world.manager, product.id, [
        {"area": "packaging", "severity": "major", "text": PUBLIC_FEEDBACK},
        {"area": "cost", "severity": "minor", "text": INTERNAL_FEEDBACK, "internal": True}])
    design.respond(world.supplier_user, public.id, "Switched to five-layer board")
    design.submit_revision(world.supplier_user, product.id, "new packaging")
    design.review_item(world.manager, public.id, True)
    design.decide_round(world.manager, product.id, "approve", "packaging fixed")
    lifecycle.apply_transition(world.manager, product.id, "approve_design")


def failed_routine(world, product):
    """A routine inspection that rejects the lot (3 major), with a defect photo and notes."""
    purchase = factories.buy(world, product.id, "routine")
    inspection = qc.open_inspection(world.qc, purchase.id, {"lot_size": 50})
    qc.add_defect(world.qc, inspection.id, {"defect_class": "major", "count": 3,
                                            "description": "Lid hinge cracked"},
                  photos=[(factories.PNG, "hinge.png")])
    return factories.complete(world, inspection, internal_notes=INSPECTION_NOTE,
                              summary="Hinges fail after a few openings")


@pytest.fixture
def history(world, upload_dir):
    """A listed product with review, design, a passed pre-listing and a failed routine
    inspection (a corrective action request with an internal note), now under watch."""
    product = reviewed_product(world, name_zh="智能电水壶", name_en="Smart Kettle")
    designed(world, product)
    factories.pass_inspection(world, product.id, "pre_listing")
    lifecycle.apply_transition(world.manager, product.id, "list",
                               details={"retail_price": "219.00"})
    inspection = failed_routine(world, product)
    db.session.execute(update(CorrectiveAction).where(CorrectiveAction.product_id == product.id)
                       .values(internal_notes=CAPA_NOTE))
    db.session.commit()
    orders = db.session.scalars(select(SamplePurchase.order_number).where(
        SamplePurchase.product_id == product.id)).all()
    return product, inspection, orders


# --- the facts ----------------------------------------------------------------------------------

def test_staff_dossier_shows_every_section(world, history):
    product, inspection, orders = history
    result, pdf = render(world.manager, "product", {"product_id": product.id})
    body = pdf_text(pdf)
    for fact in ("智能电水壶", "Smart Kettle", "深圳测试电器", "Kettles / 电水壶", "Under watch",
                 result.report_id, "selection_manager@test.example",
                 # timeline: transitions, states, reasons
                 "Start review", "Accept", "Approve design", "In review", "Sampling", "Listed",
                 "Put on watch", f"inspection #{inspection.id}:",
                 # selection review: criteria, weights, scores, aggregate, decision
                 "Performance", "0.3", "Weighted total", REVIEW_COMMENT, "Aggregate",
                 # design round
                 "Design round 1", PUBLIC_FEEDBACK, "Switched to five-layer board",
                 INTERNAL_FEEDBACK, "packaging fixed",
                 # inspections: plan, arithmetic, defects, verdict, purchase, notes
                 "n=", "Ac=", "Re=", "Lot accepted", "Lot rejected", "Lid hinge cracked",
                 "Sieve Mall", INSPECTION_NOTE, *orders,
                 # corrective action, listing, metrics, appendix
                 "Corrective action request #", CAPA_NOTE, "219.00 CNY",
                 "No customer metrics recorded yet.", "Appendix: audit events",
                 "Hash-chain head", "Page 1 of"):
        assert fact in body, fact
    manifest = result.manifest
    assert f"Covers audit events #{manifest['first_event']} to #{manifest['last_event']}" in body
    assert flat(manifest["digest"]) in flat(body)
    assert flat(manifest["checkpoints"][-1][1]) in flat(body)
    assert f"Page 1 of {result.pages}" in body


def test_supplier_dossier_leaves_out_internal_matters(world, history):
    product, _inspection, orders = history
    staff = pdf_text(render(world.admin, "product", {"product_id": product.id})[1])
    _result, pdf = render(world.supplier_user, "product", {"product_id": product.id})
    supplier = pdf_text(pdf)
    internal = [INTERNAL_FEEDBACK, INSPECTION_NOTE, CAPA_NOTE, REVIEW_COMMENT, "Weighted total",
                "Sieve Mall", "log_purchase", *orders]
    for secret in internal:
        assert secret in staff, secret
        assert secret not in supplier, secret
    for fact in ("智能电水壶", PUBLIC_FEEDBACK, "Lid hinge cracked", "Lot rejected", "n=",
                 "Accept", "Prepared for the supplier"):
        assert fact in supplier, fact


def test_supplier_sees_only_the_shortfalls_of_a_rejected_review(world):
    product = factories.make_product(world, "in_review")
    low = dict(factories.GOOD_SCORES, compliance=2)
    reviews.submit_review(world.manager, product.id, low, "no valid certificate")
    reviews.submit_review(world.admin, product.id, low)
    lifecycle.apply_transition(world.manager, product.id, "reject", "compliance risk")
    supplier = pdf_text(render(world.supplier_user, "product", {"product_id": product.id})[1])
    assert "Criteria that fell short: Compliance" in supplier
    assert "compliance risk" in supplier
    assert "no valid certificate" not in supplier and "Weighted total" not in supplier
    staff = pdf_text(render(world.manager, "product", {"product_id": product.id})[1])
    assert "no valid certificate" in staff and "Weighted total" in staff


def test_scores_wait_for_the_decision(world):
    """While the cycle is open, a reviewer who has not submitted must not read the scores in a
    dossier either."""
    product = factories.make_product(world, "in_review")
    reviews.submit_review(world.admin, product.id, dict(factories.GOOD_SCORES), REVIEW_COMMENT)
    body = pdf_text(render(world.manager, "product", {"product_id": product.id})[1])
    assert "Reviews submitted so far: 1" in body and "Not decided yet." in body
    assert REVIEW_COMMENT not in body and "Weighted total" not in body


def test_empty_product_still_gives_a_valid_pdf(world):
    product = factories.make_product(world, "draft", name_zh="空白产品", name_en="Blank")
    result, pdf = render(world.supplier_user, "product", {"product_id": product.id})
    assert pdf.startswith(b"%PDF") and len(PdfReader(BytesIO(pdf)).pages) == result.pages
    body = pdf_text(pdf)
    for note in ("空白产品", "Draft", "No selection review yet.", "No design rounds yet.",
                 "No inspections yet.", "No corrective action requests.",
                 "No listing decisions yet.", "No customer metrics recorded yet.",
                 "Page 1 of"):
        assert note in body, note


def test_chinese_version(world, history):
    product, _inspection, _orders = history
    result, pdf = render(world.supplier_user, "product", {"product_id": product.id}, "zh_CN")
    body = pdf_text(pdf)
    assert result.manifest["language"] == "zh_CN"
    for fact in ("智能电水壶", "深圳测试电器", "电水壶", result.report_id):
        assert fact in body, fact


# --- who may have it ----------------------------------------------------------------------------

def test_another_suppliers_product_is_not_found(world):
    product = factories.make_product(world, "draft")
    with pytest.raises(NotFound):
        render(world.other_supplier_user, "product", {"product_id": product.id})
    with pytest.raises(NotFound):
        render(world.supplier_user, "product", {"product_id": 999999})


@pytest.mark.parametrize("params", [{}, {"product_id": "one"}, {"product_id": True}])
def test_bad_parameters_name_the_field(world, params):
    with pytest.raises(ValidationFailed) as error:
        render(world.admin, "product", params)
    assert "product_id" in error.value.details


# --- verification -------------------------------------------------------------------------------

def test_manifest_and_verification_of_a_fresh_report(world, history):
    product, _inspection, _orders = history
    result, pdf = render(world.supplier_user, "product", {"product_id": product.id})
    manifest = read_manifest(PdfReader(BytesIO(pdf)).metadata.subject)
    assert manifest["report_id"] == result.report_id and manifest["report"] == "product"
    assert manifest["scope"]["product_id"] == product.id
    assert manifest["audience"] == "supplier"
    count = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.subject_type == "product", AuditEvent.subject_id == product.id))
    assert manifest["event_count"] == count
    _manifest, outcome = verify(pdf)
    assert outcome.ok, outcome.message


def test_verify_names_the_altered_event(world, history):
    product, _inspection, _orders = history
    _result, pdf = render(world.admin, "product", {"product_id": product.id})
    accept = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_id == product.id, AuditEvent.action == "accept")).one()
    without_triggers("UPDATE audit_events SET reason = 'rewritten' WHERE id = :id",
                     {"id": accept.id})
    _manifest, outcome = verify(pdf)
    assert not outcome.ok
    assert outcome.event_id == accept.id and f"#{accept.id}" in outcome.message


def test_verify_notices_records_changed_outside_the_services(world, history):
    product, inspection, _orders = history
    _result, pdf = render(world.admin, "product", {"product_id": product.id})
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE inspections SET verdict = 'accepted' WHERE id = :id"),
                     {"id": inspection.id})
    _manifest, outcome = verify(pdf)
    assert not outcome.ok and "records the report shows differ" in outcome.message
