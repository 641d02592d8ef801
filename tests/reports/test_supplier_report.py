"""The supplier audit report: facts in the PDF's text (Chinese included), expired certificates,
pass rates, the defect Pareto, corrective-action timeliness, the supplier's edition without
internal notes, who may have it, and verification of a fresh report."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.db import write_transaction
from app.extensions import db
from app.models import CorrectiveAction
from app.services import qc, registry
from app.services.errors import NotFound, ValidationFailed
from app.services.reports import generate, verify_pdf
from app.services.reports import supplier as supplier_report
from app.services.reports.supplier import timeliness
from tests import factories
from tests.factories import today
from tests.reports.helpers import squeezed_text as pdf_text

INSPECTION_SECRET = "INSPECTIONSECRET42"
CAPA_SECRET = "CAPASECRET77"


def report(actor, supplier_id, language="en") -> tuple[bytes, object]:
    out = io.BytesIO()
    result = generate(actor, "supplier", {"supplier_id": supplier_id}, out, language)
    return out.getvalue(), result


def gathered(actor, supplier_id) -> dict:
    scope = {"kind": "supplier", "supplier_id": supplier_id,
             "as_of": f"{today().isoformat()}T12:00:00+00:00"}
    return supplier_report.gather(db.session, actor, scope, str)


@pytest.fixture
def audited(world):
    """Supplier A with contact details, an expired and a valid certificate, a listed product
    with a passed pre-listing inspection and a failed routine one (Chinese defect, internal
    notes), its corrective action overdue; supplier B with a product of its own."""
    registry.update_supplier(world.admin, world.supplier_a.id, {
        "region": "广东深圳", "contact_name": "王经理", "contact_email": "wang@example.com",
        "contact_phone": "+86 755 1234 5678"})
    registry.add_certificate(world.admin, world.supplier_a.id, {
        "standard_code": "ISO9001", "number": "OLDCERT1", "expires_on": "2020-01-31"})
    registry.add_certificate(world.admin, world.supplier_a.id, {
        "standard_code": "CCC", "number": "NEWCERT2",
        "expires_on": (today() + timedelta(days=365)).isoformat()})
    product = factories.make_product(world, "listed", name_zh="不锈钢电水壶",
                                     name_en="Steel Kettle")
    inspection = factories.open_inspection(world, product.id, "routine")
    qc.add_defect(world.qc, inspection.id, {"defect_class": "major", "count": 2,
                                            "description": "盖子划痕"})
    qc.add_defect(world.qc, inspection.id, {"defect_class": "minor", "count": 1,
                                            "description": "Label smudged"})
    factories.complete(world, inspection, internal_notes=INSPECTION_SECRET,
                       summary="Scratched lids")
    with write_transaction() as session:
        session.execute(update(CorrectiveAction)
                        .where(CorrectiveAction.inspection_id == inspection.id)
                        .values(internal_notes=CAPA_SECRET,
                                due_on=today() - timedelta(days=3)))
    factories.make_product(world, supplier=world.supplier_b, name_zh="别家产品",
                           name_en="Rival Product")
    return product, inspection


def test_the_staff_edition_shows_the_facts(world, audited):
    data, result = report(world.manager, world.supplier_a.id)
    text = pdf_text(data)
    for fact in ("深圳测试电器", "TestAppliances", "广东深圳", "王经理", "wang@example.com",
                 "不锈钢电水壶", "SteelKettle", "Underwatch",
                 "ISO9001", "OLDCERT1", "2020-01-31", "EXPIRED", "CCC", "NEWCERT2", "Valid",
                 "50.0%", "盖子划痕", "Labelsmudged", "DefectPareto",
                 "Overdue,notanswered", INSPECTION_SECRET, CAPA_SECRET,
                 "Supplierstandingisnotcomputedyet.", result.report_id):
        assert fact in text, fact
    assert "别家产品" not in text and "RivalProduct" not in text
    manifest = result.manifest
    assert f"Coversauditevents#{manifest['first_event']}to#{manifest['last_event']}" in text
    assert manifest["digest"] in text and manifest["checkpoints"][-1][1] in text
    assert result.pages >= 1


def test_pass_rates_and_the_pareto_are_in_the_data(world, audited):
    data = gathered(world.manager, world.supplier_a.id)
    product = next(p for p in data["products"] if p["name_zh"] == "不锈钢电水壶")
    assert (product["inspections"], product["accepted"], product["pass_rate"]) == (2, 1, 50.0)
    assert data["totals"]["pass_rate"] == 50.0
    rows = [(r["defect_class"], r["description"], r["items"], r["cumulative"])
            for r in data["pareto"]["rows"]]
    assert rows == [("major", "盖子划痕", 2, 66.7), ("minor", "Label smudged", 1, 100.0)]
    assert [c["expired"] for c in data["certificates"]] == [True, False]
    assert data["timeliness"]["overdue"] == 1
    assert data["corrective_actions"][0]["internal_notes"] == CAPA_SECRET


def test_the_supplier_edition_has_no_internal_notes(world, audited):
    data, result = report(world.supplier_user, world.supplier_a.id)
    text = pdf_text(data)
    assert "深圳测试电器" in text and "不锈钢电水壶" in text and "盖子划痕" in text
    assert "EXPIRED" in text and "50.0%" in text
    for secret in (INSPECTION_SECRET, CAPA_SECRET, "Internalnotes"):
        assert secret not in text, secret
    assert result.manifest["audience"] == "supplier"


def test_the_report_in_chinese_is_a_valid_pdf(world, audited):
    data, result = report(world.supplier_user, world.supplier_a.id, "zh_CN")
    text = pdf_text(data)
    assert "深圳测试电器" in text and "不锈钢电水壶" in text
    assert result.manifest["language"] == "zh_CN"


def test_a_supplier_cannot_have_another_suppliers_report(world, audited):
    with pytest.raises(NotFound):
        report(world.other_supplier_user, world.supplier_a.id)
    with pytest.raises(NotFound):
        report(world.supplier_user, world.supplier_b.id)
    with pytest.raises(NotFound):
        report(world.manager, 999_999)


@pytest.mark.parametrize("value", [None, "", "abc", 0, -1, True, 2**40])
def test_bad_supplier_ids_are_refused_naming_the_field(world, value):
    with pytest.raises(ValidationFailed) as error:
        report(world.manager, value)
    assert "supplier_id" in error.value.details


def test_a_fresh_report_verifies(world, audited):
    data, result = report(world.supplier_user, world.supplier_a.id)
    manifest, verification = verify_pdf(io.BytesIO(data))
    assert verification.ok, verification.message
    assert manifest["report_id"] == result.report_id
    assert manifest["scope"]["supplier_id"] == world.supplier_a.id


def test_a_supplier_without_records_still_gets_a_valid_report(world):
    data, result = report(world.manager, world.supplier_b.id)
    text = pdf_text(data)
    for fact in ("OtherSupplierLtd", "Nocertificatesonfile.", "Noproductsyet.",
                 "Nodefectsrecorded.", "Nocorrectiveactionrequests."):
        assert fact in text, fact
    assert verify_pdf(io.BytesIO(data))[1].ok


DUE = date(2026, 3, 10)


@pytest.mark.parametrize("status, submitted, today_, expected", [
    ("submitted", "2026-03-10T23:00:00", date(2026, 4, 1), "on_time"),
    ("closed", "2026-03-11T00:30:00", date(2026, 4, 1), "late"),
    ("open", None, date(2026, 3, 11), "overdue"),
    ("returned", None, date(2026, 3, 11), "overdue"),
    ("open", None, date(2026, 3, 10), "pending"),
    ("escalated", None, date(2026, 4, 1), "unanswered"),
])
def test_timeliness_judges_the_first_answer_against_the_due_date(status, submitted, today_,
                                                                  expected):
    from datetime import datetime

    first = datetime.fromisoformat(submitted) if submitted else None
    assert timeliness(status, DUE, first, today_) == expected


def test_an_answer_on_time_is_reported_so(world, audited):
    _product, inspection = audited
    request = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.inspection_id == inspection.id)).one()
    with write_transaction() as session:
        session.execute(update(CorrectiveAction).where(CorrectiveAction.id == request.id)
                        .values(due_on=today()))
    qc.answer_capa(world.supplier_user, request.id, {
        "containment": "Quarantined", "root_cause": "Tooling worn",
        "corrective_action": "New tooling", "preventive_action": "Weekly tooling check"},
        submit=True)
    data, result = report(world.supplier_user, world.supplier_a.id)
    assert "Answeredontime" in pdf_text(data)
    counts = gathered(world.supplier_user, world.supplier_a.id)["timeliness"]
    assert (counts["on_time"], counts["late"], counts["overdue"]) == (1, 0, 0)
