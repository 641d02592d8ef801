"""The QC period report: facts in the PDF's text (Chinese included), pass rates by category and
supplier, the defect Pareto, spend against budget, filters, an empty period, bad parameters,
staff only, and verification of a fresh report."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.services import qc, registry
from app.services.errors import NotFound, ValidationFailed
from app.services.reports import generate, verify_pdf
from app.services.reports import qc_period as qc_report
from tests import factories
from tests.factories import today
from tests.reports.helpers import squeezed_text as pdf_text


def report(actor, params, language="en") -> tuple[bytes, object]:
    out = io.BytesIO()
    result = generate(actor, "qc", params, out, language)
    return out.getvalue(), result


def this_month() -> dict:
    day = today()
    return {"from": day.replace(day=1).isoformat(), "to": day.isoformat()}


def gathered(actor, params) -> dict:
    scope = qc_report.scope_for(actor, params)
    scope["as_of"] = f"{today().isoformat()}T12:00:00+00:00"
    return qc_report.gather(db.session, actor, scope, str)


@pytest.fixture
def period(world):
    """Three inspections completed today: supplier A's kettle passed its pre-listing
    inspection and failed a routine one (a Chinese defect); supplier B's lamp passed. The
    kettles' budget is 10.00 a month, far below what QC spent."""
    registry.update_category(world.admin, world.category.id, {"qc_monthly_budget": "10.00"})
    kettle = factories.make_product(world, "listed", name_zh="玻璃电水壶",
                                    name_en="Glass Kettle")
    lamp = factories.make_product(world, "listed", supplier=world.supplier_b,
                                  category=world.other_category, name_zh="护眼台灯",
                                  name_en="Desk Lamp")
    inspection = factories.open_inspection(world, kettle.id, "routine")
    qc.add_defect(world.qc, inspection.id, {"defect_class": "major", "count": 2,
                                            "description": "把手松动"})
    factories.complete(world, inspection, internal_notes="not in this report")
    return kettle, lamp, inspection


def test_the_report_shows_the_facts(world, period):
    data, result = report(world.manager, this_month())
    text = pdf_text(data)
    for fact in ("QCperiodreport", result.report_id, "玻璃电水壶", "GlassKettle", "护眼台灯",
                 "深圳测试电器(TestAppliances)", "OtherSupplierLtd", "Kettles/电水壶",
                 "Lamps/台灯", "66.7%", "50.0%", "100.0%", "把手松动", "DefectPareto",
                 "Overbudget", "10.00", "qc_inspector@test.example",
                 "Inspectionscompletedintheperiod", "0/2/0", "Rejected", "Accepted"):
        assert fact in text, fact
    manifest = result.manifest
    assert f"Coversauditevents#{manifest['first_event']}to#{manifest['last_event']}" in text
    assert manifest["digest"] in text and manifest["checkpoints"][-1][1] in text


def test_pass_rates_pareto_and_spend_are_aggregated(world, period):
    kettle, lamp, inspection = period
    data = gathered(world.manager, this_month())
    assert data["summary"] == {"inspections": 3, "accepted": 2, "rejected": 1,
                               "pass_rate": 66.7}
    categories = {r["id"]: (r["inspections"], r["accepted"], r["pass_rate"])
                  for r in data["by_category"]}
    assert categories == {world.category.id: (2, 1, 50.0),
                          world.other_category.id: (1, 1, 100.0)}
    suppliers = {r["id"]: r["pass_rate"] for r in data["by_supplier"]}
    assert suppliers == {world.supplier_a.id: 50.0, world.supplier_b.id: 100.0}
    assert [(r["defect_class"], r["description"], r["items"]) for r in data["pareto"]["rows"]] \
        == [("major", "把手松动", 2)]
    kettles = [r for r in data["spend"]["rows"] if r["category_id"] == world.category.id]
    assert len(kettles) == 1 and kettles[0]["over"] and kettles[0]["budget_cents"] == 1000
    assert kettles[0]["purchases"] == 2 and kettles[0]["spent_cents"] > 1000
    assert [row[0] for row in data["inspections"]][-1] == inspection.id
    assert len(data["inspections"]) == 3


@pytest.mark.parametrize("filter_, expected", [
    ("supplier", 1), ("category", 2), ("inspector_admin", 0), ("inspector_qc", 3)])
def test_filters_narrow_the_inspections(world, period, filter_, expected):
    params = this_month()
    params.update({"supplier": {"supplier_id": world.supplier_b.id},
                   "category": {"category_id": str(world.category.id)},
                   "inspector_admin": {"inspector_id": world.admin.id},
                   "inspector_qc": {"inspector_id": world.qc.id}}[filter_])
    data = gathered(world.manager, params)
    assert data["summary"]["inspections"] == expected
    assert len(data["inspections"]) == expected


def test_a_filter_is_named_in_the_scope_and_on_the_cover(world, period):
    data, result = report(world.qc, {**this_month(), "supplier_id": world.supplier_b.id})
    text = pdf_text(data)
    assert result.manifest["scope"]["supplier_id"] == world.supplier_b.id
    assert "OtherSupplierLtd" in text and "护眼台灯" in text and "玻璃电水壶" not in text


def test_an_empty_period_is_a_valid_pdf_that_says_so(world, period):
    data, result = report(world.manager, {"from": "2020-01-01", "to": "2020-01-31"})
    text = pdf_text(data)
    assert "Noinspectionsinthisperiod." in text
    assert result.pages >= 1 and result.manifest["event_count"] == 0
    assert "Coversnoauditevents" in text
    assert verify_pdf(io.BytesIO(data))[1].ok


def test_the_report_in_chinese_is_a_valid_pdf(world, period):
    data, result = report(world.manager, this_month(), "zh_CN")
    assert "玻璃电水壶" in pdf_text(data) and result.manifest["language"] == "zh_CN"


def test_a_fresh_report_verifies(world, period):
    data, result = report(world.manager, this_month())
    manifest, verification = verify_pdf(io.BytesIO(data))
    assert verification.ok, verification.message
    assert manifest["report_id"] == result.report_id and manifest["scope"]["kind"] == "qc"


def test_a_supplier_gets_not_found(world, period):
    with pytest.raises(NotFound):
        report(world.supplier_user, this_month())
    with pytest.raises(NotFound):
        report(world.supplier_user, {**this_month(), "supplier_id": world.supplier_a.id})


@pytest.mark.parametrize("params, field", [
    ({"to": "2026-01-31"}, "from"),
    ({"from": "2026-01-01"}, "to"),
    ({"from": "yesterday", "to": "2026-01-31"}, "from"),
    ({"from": "2026-01-01", "to": "2026-02-30"}, "to"),
    ({"from": "20260101", "to": "2026-01-31"}, "from"),
    ({"from": "2026-02-01", "to": "2026-01-31"}, "to"),
    ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),
    ({"from": "2026-01-01", "to": "2026-01-31", "category_id": "abc"}, "category_id"),
    ({"from": "2026-01-01", "to": "2026-01-31", "category_id": 999_999}, "category_id"),
    ({"from": "2026-01-01", "to": "2026-01-31", "supplier_id": 0}, "supplier_id"),
    ({"from": "2026-01-01", "to": "2026-01-31", "inspector_id": 999_999}, "inspector_id"),
    ({"from": "2026-01-01", "to": "2026-01-31", "categori_id": 1}, "params"),
])
def test_bad_parameters_are_refused_naming_the_field(world, params, field):
    with pytest.raises(ValidationFailed) as error:
        report(world.manager, params)
    assert field in error.value.details


def test_a_year_including_a_leap_day_is_allowed(world):
    scope = qc_report.scope_for(world.manager, {"from": "2024-01-01", "to": "2024-12-31"})
    assert scope == {"kind": "qc", "from": "2024-01-01", "to": "2024-12-31"}
