"""The QC pages as each role: purchases, inspections, corrective actions, the product page's QC
section, the board's overdue flag, the listing form, category QC settings and the portal."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    Category,
    CorrectiveAction,
    Inspection,
    InspectionDefect,
    Product,
    SamplePurchase,
)
from app.services import qc
from tests import factories

#: A 1x1 PNG (the upload checks read the content).
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
       b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u"
       b"\xaa\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
STAFF = ["admin", "selection_manager", "designer", "qc_inspector"]
INTERNAL_NOTE = "内部：供应商上次整改拖延 / internal: slow last time"


def today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture
def upload_dir(app, tmp_path):
    app.config["SIEVE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def login(auth, world, role):
    auth.login(world.user_for_role(role).email)


def html_of(response) -> str:
    return response.get_data(as_text=True)


def purchase_form(kind="routine", **fields) -> dict:
    return {"kind": kind, "channel": "other_marketplace", "store_name": "天猫 Tmall",
            "order_number": "TM-0001", "purchased_on": today().isoformat(), "quantity": "13",
            "unit_price": "199.00", "total": "", "currency": "CNY", "batch_code": "LOT-7",
            "notes": "bought as a regular customer", **fields}


def failed_routine(world, product=None, critical=1):
    """A listed product whose routine inspection found a critical defect (now suspended)."""
    product = product or factories.make_product(world, "listed")
    inspection = factories.inspect(world, product.id, "routine", {"critical": critical},
                                   internal_notes=INTERNAL_NOTE, summary="plug pins loose")
    return product, inspection


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in
                 (SamplePurchase, Inspection, InspectionDefect, CorrectiveAction, Attachment))


# --- pages render ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", STAFF)
def test_qc_pages_render_for_staff(client, auth, world, role):
    product, inspection = failed_routine(world)
    capa = db.session.scalars(select(CorrectiveAction)).one()
    login(auth, world, role)
    for url in ("/qc/", f"/purchases/{inspection.purchase_id}", f"/inspections/{inspection.id}",
                "/corrective-actions", "/corrective-actions?status=open&overdue=1",
                f"/corrective-actions/{capa.id}", f"/products/{product.id}", "/board",
                f"/categories/{world.category.id}/edit" if role in ("admin", "selection_manager")
                else "/categories"):
        response = client.get(url)
        assert response.status_code == 200, url
    html = html_of(client.get(f"/inspections/{inspection.id}"))
    assert INTERNAL_NOTE in html and "plug pins loose" in html
    assert 'data-verdict="rejected"' in html


def test_overview_shows_spend_against_budget_and_open_requests(client, auth, world):
    db.session.get(Category, world.category.id).qc_monthly_budget_cents = 10_000
    db.session.commit()
    product, inspection = failed_routine(world)
    login(auth, world, "qc_inspector")
    html = html_of(client.get("/qc/"))
    row = html.split(f'data-testid="budget-{world.category.id}"')[1].split("</tr>")[0]
    spent = db.session.scalar(select(func.sum(SamplePurchase.total_cents)))
    assert spent == 2 * 13_000  # the pre-listing and the routine sample
    assert "260.00" in row and "100.00" in row and "-160.00" in row and "over budget" in row
    capa = db.session.scalars(select(CorrectiveAction)).one()
    assert f'data-testid="capa-row-{capa.id}"' in html
    assert f'data-testid="purchase-row-{inspection.purchase_id}"' in html
    assert f'data-testid="inspection-row-{inspection.id}"' in html
    html = html_of(client.get("/qc/?reimbursement=paid"))
    assert "purchase-row-" not in html


# --- suppliers ---------------------------------------------------------------------------------

def test_suppliers_see_only_their_own_results_and_never_purchases(client, auth, world):
    product, inspection = failed_routine(world)
    capa = db.session.scalars(select(CorrectiveAction)).one()
    foreign, foreign_inspection = failed_routine(
        world, factories.make_product(world, "listed", supplier=world.supplier_b))
    foreign_capa = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.product_id == foreign.id)).one()
    open_purchase = qc.create_purchase(world.qc, product.id, {
        "kind": "routine", "channel": "platform", "store_name": "Sieve Mall",
        "order_number": "OPEN-1", "purchased_on": today().isoformat(), "quantity": 13,
        "unit_price": "10"})
    still_open = qc.open_inspection(world.qc, open_purchase.id, {"lot_size": 50})

    login(auth, world, "supplier")
    for url in ("/qc/", f"/purchases/{inspection.purchase_id}",
                f"/products/{product.id}/purchases/new", f"/inspections/{still_open.id}",
                f"/inspections/{foreign_inspection.id}", f"/corrective-actions/{foreign_capa.id}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/purchases/{inspection.purchase_id}/reimbursement",
                f"/purchases/{open_purchase.id}/inspection",
                f"/inspections/{still_open.id}/defects",
                f"/inspections/{still_open.id}/complete",
                f"/corrective-actions/{foreign_capa.id}/answer",
                f"/corrective-actions/{foreign_capa.id}/review/close"):
        assert client.post(url, data={}).status_code == 404, url

    html = html_of(client.get(f"/inspections/{inspection.id}"))
    assert "plug pins loose" in html and 'data-verdict="rejected"' in html
    assert INTERNAL_NOTE not in html and "internal-notes" not in html
    assert "TM-" not in html and "Sieve Mall" not in html and "/purchases/" not in html
    html = html_of(client.get(f"/products/{product.id}"))
    assert INTERNAL_NOTE not in html and "/purchases/" not in html
    assert f'data-testid="qc-capa-{capa.id}"' in html
    assert f"qc-inspection-{still_open.id}" not in html
    html = html_of(client.get("/corrective-actions"))
    assert f"capa-row-{capa.id}" in html and f"capa-row-{foreign_capa.id}" not in html
    assert foreign.name_en not in html


def test_portal_shows_results_deadlines_and_severity(client, auth, world):
    product, inspection = failed_routine(world)
    capa = db.session.scalars(select(CorrectiveAction)).one()
    capa.due_on = today() - timedelta(days=2)
    db.session.commit()
    foreign, _ = failed_routine(world, factories.make_product(world, "listed",
                                                              supplier=world.supplier_b))
    login(auth, world, "supplier")
    html = html_of(client.get("/portal"))
    row = html.split(f'data-testid="portal-capa-{capa.id}"')[1].split("</tr>")[0]
    assert capa.due_on.isoformat() in row and "overdue" in row
    assert f'data-testid="portal-inspection-{inspection.id}"' in html
    assert INTERNAL_NOTE not in html and foreign.name_en not in html
    row = html.split(f'data-testid="portal-row-{product.id}"')[1].split("</tr>")[0]
    assert 'data-severity="normal"' in row and "Normal inspection" in row
    assert "switching score 0" in row  # the rejected lot reset the score


# --- the flow through the forms ------------------------------------------------------------------

def test_inspector_runs_purchase_to_verdict_through_the_pages(client, auth, world, upload_dir):
    product = factories.make_product(world, "listed")
    login(auth, world, "qc_inspector")
    page = html_of(client.get(f"/products/{product.id}"))
    assert 'data-testid="log-purchase"' in page and 'data-testid="qc-severity"' in page
    form = html_of(client.get(f"/products/{product.id}/purchases/new"))
    assert 'selected value="routine"' in form

    response = client.post(f"/products/{product.id}/purchases/new",
                           data={**purchase_form(), "receipt": (io.BytesIO(PDF), "receipt.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    purchase = db.session.scalars(select(SamplePurchase).where(
        SamplePurchase.order_number == "TM-0001")).one()
    assert (purchase.total_cents, purchase.quantity, purchase.kind) == (13 * 19900, 13, "routine")
    html = html_of(client.get(response.headers["Location"]))
    assert "receipt.pdf" in html and "2587.00" in html
    assert 'data-testid="start-inspection-form"' in html
    assert 'selected value="2.5"' in html  # the category's major AQL, prefilled

    preview = client.post(f"/purchases/{purchase.id}/inspection", data={
        "lot_size": "50", "level": "II", "aql_critical": "0", "aql_major": "2.5",
        "aql_minor": "4", "preview": "Show the plan"})
    html = html_of(preview)
    assert preview.status_code == 200 and 'data-testid="plan-minor"' in html
    assert "Draw a sample of 13 items" in html
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1  # pre-listing

    started = client.post(f"/purchases/{purchase.id}/inspection", data={
        "lot_size": "50", "level": "II", "aql_critical": "0", "aql_major": "2.5",
        "aql_minor": "4"})
    inspection = db.session.scalars(select(Inspection).where(
        Inspection.purchase_id == purchase.id)).one()
    assert started.headers["Location"].endswith(f"/inspections/{inspection.id}")
    html = html_of(client.get(f"/inspections/{inspection.id}"))
    assert 'data-testid="defect-form"' in html and 'data-testid="complete-form"' in html

    client.post(f"/inspections/{inspection.id}/defects", data={
        "defect_class": "minor", "count": "1", "description": "scratch",
        "checklist_item": "appearance"})
    mistake = db.session.scalars(select(InspectionDefect)).one()
    assert client.post(f"/defects/{mistake.id}/delete").status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(InspectionDefect)) == 0

    response = client.post(f"/inspections/{inspection.id}/defects", data={
        "defect_class": "critical", "count": "1", "description": "插脚松动 / plug pins loose",
        "checklist_item": "safety", "photos": [(io.BytesIO(PNG), "pins.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    html = html_of(client.get(f"/inspections/{inspection.id}"))
    photo = db.session.scalars(select(Attachment).where(
        Attachment.purpose == "defect_photo")).one()
    assert f'src="/attachments/{photo.id}"' in html and 'class="qc-thumb"' in html

    checks = {f"checks-{i}-result": "pass" for i in range(5)}
    checks["checks-2-result"] = "fail"
    response = client.post(f"/inspections/{inspection.id}/complete", data={
        **checks, "checks-2-note": "pins move", "summary": "critical: loose pins",
        "internal_notes": INTERNAL_NOTE, "capa_due_on": ""}, follow_redirects=True)
    html = html_of(response)
    assert "Inspection completed: Lot rejected." in html
    assert "critical: AQL 0 (zero tolerance), n=8, Ac=0, Re=1; 1 nonconforming &gt;= Re 1" in html
    assert 'data-testid="consequence"' in html and "Suspend" in html
    db.session.rollback()
    assert db.session.get(Product, product.id).state == "suspended"
    assert db.session.scalars(select(CorrectiveAction)).one().status == "open"


def test_purchase_refusals_are_shown_next_to_the_fields_and_store_nothing(client, auth, world):
    product = factories.make_product(world, "listed")
    login(auth, world, "qc_inspector")
    before = counts()
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = client.post(f"/products/{product.id}/purchases/new", data=purchase_form(
        quantity="-3", purchased_on=tomorrow, store_name=""))
    html = html_of(response)
    assert response.status_code == 422
    assert "must be at least 1" in html and "is in the future" in html
    assert html.count("invalid-feedback") >= 3
    assert counts() == before

    client.post(f"/products/{product.id}/purchases/new", data=purchase_form())
    before = counts()
    response = client.post(f"/products/{product.id}/purchases/new",
                           data=purchase_form(order_number=" tm-0001 "))
    assert response.status_code == 422 and "is already logged as purchase" in html_of(response)
    assert counts() == before

    response = client.post(f"/products/{product.id}/purchases/new",
                           data=purchase_form(kind="pre_listing", order_number="X-2"))
    assert response.status_code == 422 and "a pre-listing sample needs" in html_of(response)
    assert counts() == before


def test_inspection_refusals(client, auth, world):
    product = factories.make_product(world, "listed")
    purchase = qc.create_purchase(world.qc, product.id, {
        "kind": "routine", "channel": "platform", "store_name": "Sieve Mall",
        "order_number": "R-1", "purchased_on": today().isoformat(), "quantity": 13,
        "unit_price": "10"})
    login(auth, world, "qc_inspector")
    aqls = {"level": "II", "aql_critical": "0", "aql_major": "2.5", "aql_minor": "4"}
    response = client.post(f"/purchases/{purchase.id}/inspection", data={"lot_size": "1", **aqls})
    assert response.status_code == 422 and "must be at least 2" in html_of(response)
    response = client.post(f"/purchases/{purchase.id}/inspection",
                           data={"lot_size": "5000", **aqls})
    assert response.status_code == 422 and "the plan needs a sample of" in html_of(response)
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1  # pre-listing

    client.post(f"/purchases/{purchase.id}/inspection", data={"lot_size": "50", **aqls})
    inspection = db.session.scalars(select(Inspection).where(
        Inspection.purchase_id == purchase.id)).one()
    response = client.post(f"/inspections/{inspection.id}/defects", data={
        "defect_class": "major", "count": "9", "description": "too many"})
    assert response.status_code == 422
    assert "is more than the major sample of 5" in html_of(response)
    response = client.post(f"/inspections/{inspection.id}/complete",
                           data={"checks-0-result": "pass"})
    html = html_of(response)
    assert response.status_code == 422 and "one of pass, fail, na" in html
    assert db.session.get(Inspection, inspection.id).status == "open"


def test_managers_reimburse_but_not_their_own_purchases(client, auth, world):
    product = factories.make_product(world, "listed")
    purchase = qc.create_purchase(world.qc, product.id, {
        "kind": "routine", "channel": "platform", "store_name": "Sieve Mall",
        "order_number": "R-9", "purchased_on": today().isoformat(), "quantity": 13,
        "unit_price": "10"})
    login(auth, world, "qc_inspector")
    assert 'data-testid="reimbursement-form"' not in html_of(
        client.get(f"/purchases/{purchase.id}"))
    auth.logout()
    login(auth, world, "selection_manager")
    assert 'data-testid="reimbursement-form"' in html_of(client.get(f"/purchases/{purchase.id}"))
    for status in ("approved", "paid"):
        client.post(f"/purchases/{purchase.id}/reimbursement", data={"status": status})
        db.session.rollback()
        assert db.session.get(SamplePurchase, purchase.id).reimbursement_status == status
    html = html_of(client.post(f"/purchases/{purchase.id}/reimbursement",
                               data={"status": "paid"}, follow_redirects=True))
    assert "Not possible now" in html


def test_capa_answer_and_review_through_the_pages(client, auth, world, upload_dir):
    product, _inspection = failed_routine(world)
    capa = db.session.scalars(select(CorrectiveAction)).one()
    login(auth, world, "supplier")
    html = html_of(client.get(f"/corrective-actions/{capa.id}"))
    assert 'data-testid="capa-answer-form"' in html and "review-close" not in html
    answer = {"containment": "held 2,000 units", "root_cause": "", "corrective_action": "",
              "preventive_action": ""}
    response = client.post(f"/corrective-actions/{capa.id}/answer",
                           data={**answer, "submit_answer": "Submit to QC"})
    assert response.status_code == 422 and "required before submitting" in html_of(response)
    db.session.rollback()
    assert db.session.get(CorrectiveAction, capa.id).status == "open"
    client.post(f"/corrective-actions/{capa.id}/answer", data={**answer, "save": "Save"})
    db.session.rollback()
    assert db.session.get(CorrectiveAction, capa.id).containment == "held 2,000 units"
    full = {**answer, "root_cause": "spring alloy changed", "corrective_action": "old alloy",
            "preventive_action": "key parts need approval", "submit_answer": "Submit to QC",
            "evidence": [(io.BytesIO(PDF), "8d-report.pdf")]}
    response = client.post(f"/corrective-actions/{capa.id}/answer", data=full,
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Your answer was submitted to QC." in html_of(response)
    assert "8d-report.pdf" in html_of(response)
    auth.logout()

    login(auth, world, "qc_inspector")
    html = html_of(client.get(f"/corrective-actions/{capa.id}"))
    assert 'data-testid="review-close"' in html and 'data-testid="log-follow-up"' in html
    response = client.post(f"/corrective-actions/{capa.id}/review/close", data={})
    assert response.status_code == 422 and "closing needs a follow-up inspection" in html_of(
        response)
    response = client.post(f"/corrective-actions/{capa.id}/review/return",
                           data={"return-reason": ""})
    assert response.status_code == 422 and "required" in html_of(response)
    follow_up = factories.inspect(world, product.id, "follow_up")
    html = html_of(client.get(f"/corrective-actions/{capa.id}"))
    assert f'value="{follow_up.id}"' in html
    response = client.post(f"/corrective-actions/{capa.id}/review/close",
                           data={"close-inspection_id": str(follow_up.id)},
                           follow_redirects=True)
    assert f"Corrective action #{capa.id}: Closed." in html_of(response)
    db.session.rollback()
    closed = db.session.get(CorrectiveAction, capa.id)
    assert (closed.status, closed.verification_inspection_id) == ("closed", follow_up.id)
    assert client.post(f"/corrective-actions/{capa.id}/review/reopen").status_code == 404


def test_board_flags_overdue_corrective_actions(client, auth, world):
    product, _ = failed_routine(world)
    fine, _ = failed_routine(world)
    for capa in db.session.scalars(select(CorrectiveAction).where(
            CorrectiveAction.product_id == product.id)):
        capa.due_on = today() - timedelta(days=1)
    db.session.commit()
    login(auth, world, "selection_manager")
    html = html_of(client.get("/board"))
    assert f'data-testid="overdue-{product.id}"' in html
    assert f'data-testid="overdue-{fine.id}"' not in html
    html = html_of(client.get("/corrective-actions?overdue=1"))
    assert "capa-row-" in html and html.count("capa-row-") == 1


def test_list_form_records_retail_price_and_launch_date(client, auth, world):
    product = factories.make_product(world, "sampling")
    factories.pass_inspection(world, product.id)
    login(auth, world, "selection_manager")
    html = html_of(client.get(f"/products/{product.id}"))
    form = html.split('data-testid="transition-list"')[1].split("</form>")[0]
    assert 'value="199.00"' in form and f'value="{today().isoformat()}"' in form
    launch = today() + timedelta(days=7)
    response = client.post(f"/products/{product.id}/transitions", data={
        "transition": "list", "version": product.version, "retail_price": "189.90",
        "launch_date": launch.isoformat()}, follow_redirects=True)
    assert 'data-testid="retail-price"' in html_of(response)
    db.session.rollback()
    listed = db.session.get(Product, product.id)
    assert (listed.state, listed.retail_price_cents, listed.launched_on) == (
        "listed", 18990, launch)


def test_listing_refusal_is_a_message(client, auth, world):
    product = factories.make_product(world, "sampling")
    factories.pass_inspection(world, product.id)
    login(auth, world, "selection_manager")
    html = html_of(client.post(f"/products/{product.id}/transitions", data={
        "transition": "list", "version": product.version, "retail_price": "-5",
        "launch_date": ""}, follow_redirects=True))
    assert "retail_price: must be greater than 0" in html
    db.session.rollback()
    assert db.session.get(Product, product.id).state == "sampling"


def test_product_page_shows_severity_and_manager_approves_reduced(client, auth, world):
    product = factories.make_product(world, "listed")
    factories.inspect(world, product.id, "routine")
    login(auth, world, "selection_manager")
    html = html_of(client.get(f"/products/{product.id}"))
    assert 'data-severity="normal"' in html and "switching score 2" in html
    assert 'data-testid="log-purchase"' not in html  # managers do not buy samples
    client.post(f"/products/{product.id}/reduced-inspection", data={"approved": "1"})
    db.session.rollback()
    assert db.session.get(Product, product.id).reduced_inspection_approved is True
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_id == product.id)).all()
    assert "approve_reduced_inspection" in actions
    auth.logout()
    login(auth, world, "qc_inspector")
    html = html_of(client.get(f"/products/{product.id}"))
    assert 'data-testid="reduced-form"' not in html
    assert client.post(f"/products/{product.id}/reduced-inspection",
                       data={"approved": "0"}).status_code == 302
    db.session.rollback()
    assert db.session.get(Product, product.id).reduced_inspection_approved is True


def test_category_qc_settings(client, auth, world):
    login(auth, world, "selection_manager")
    base = {"name": "Kettles", "name_zh": "电水壶", "parent_id": "0", "sku_cap": "",
            "selection_threshold": "3.5", "max_design_rounds": "5"}
    qc_fields = {"qc_monthly_budget": "5000", "aql_critical": "0", "aql_major": "1.5",
                 "aql_minor": "6.5", "inspection_level": "S-4",
                 "checklist_text": "appearance\nfunction\n漏电 / leakage current\n",
                 "prelisting_valid_days": "60", "certificates_text": "GB 4706.1-2005\nCCC",
                 "capa_due_days": "10"}
    response = client.post(f"/categories/{world.category.id}/edit", data={**base, **qc_fields})
    assert response.status_code == 302
    db.session.rollback()
    category = db.session.get(Category, world.category.id)
    assert (category.qc_monthly_budget_cents, category.aql_major, category.aql_minor,
            category.inspection_level, category.prelisting_valid_days,
            category.capa_due_days) == (500000, 1.5, 6.5, "S-4", 60, 10)
    assert category.qc_checklist == ["appearance", "function", "漏电 / leakage current"]
    assert category.required_certificates == ["GB 4706.1-2005", "CCC"]
    html = html_of(client.get(f"/categories/{world.category.id}/edit"))
    assert "5000.00" in html and "漏电 / leakage current" in html and 'selected value="6.5"' in html

    html = html_of(client.post(f"/categories/{world.category.id}/edit", data={
        **base, **qc_fields, "qc_monthly_budget": "-1", "checklist_text": "x" * 61}))
    feedback = html.split('id="qc_monthly_budget"')[1].split("</div>\n</div>")[0]
    assert "must be greater than 0" in feedback
    assert "at most 60 characters per line" in html
    html = html_of(client.post(f"/categories/{world.category.id}/edit", data={
        **base, **qc_fields, "aql_major": "0.3"}))
    assert "Not a valid choice" in html  # 0.3 is off the ISO series
    db.session.rollback()
    assert db.session.get(Category, world.category.id).qc_monthly_budget_cents == 500000


def test_qc_pages_follow_the_language(client, auth, world):
    product, inspection = failed_routine(world)
    login(auth, world, "qc_inspector")
    client.post("/language", data={"locale": "zh_CN", "next": "/qc/"})
    html = html_of(client.get(f"/inspections/{inspection.id}"))
    assert "Lot rejected" not in html and "Sampling plan" not in html
    assert "批次拒收" in html and "抽样方案（ISO 2859-1）" in html and "致命缺陷" in html
    html = html_of(client.get(f"/products/{product.id}"))
    assert "质量控制" in html and "正常检验" in html


def test_every_qc_form_carries_a_csrf_token_and_needs_it(database_url, tmp_path):
    import re

    from tests.conftest import make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True, SIEVE_UPLOAD_DIR=str(tmp_path))
    with app.app_context():
        world = factories.build_world()
        product, inspection = failed_routine(world)
        capa_id = db.session.scalars(select(CorrectiveAction.id)).one()
        purchase = qc.create_purchase(world.qc, product.id, {
            "kind": "follow_up", "channel": "platform", "store_name": "Sieve Mall",
            "order_number": "CSRF-1", "purchased_on": today().isoformat(), "quantity": 13,
            "unit_price": "10"})
        purchase_id = purchase.id
        open_id = qc.open_inspection(world.qc, purchase.id, {"lot_size": 50}).id
        qc.add_defect(world.qc, open_id, {"defect_class": "minor", "count": 1,
                                          "description": "scratch"})
        emails = {role: world.user_for_role(role).email
                  for role in ("qc_inspector", "selection_manager", "supplier")}
        product_id = product.id
        db.session.remove()
    pages = {
        "qc_inspector": [f"/products/{product_id}/purchases/new", f"/purchases/{purchase_id}",
                         f"/inspections/{open_id}", f"/corrective-actions/{capa_id}"],
        "selection_manager": [f"/products/{product_id}", f"/purchases/{purchase_id}",
                              f"/corrective-actions/{capa_id}"],
        "supplier": [f"/corrective-actions/{capa_id}", "/portal"],
    }
    seen = 0
    for role, urls in pages.items():
        client = app.test_client()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          html_of(client.get("/login"))).group(1)
        client.post("/login", data={"email": emails[role], "password": factories.PASSWORD,
                                    "csrf_token": token})
        for url in urls:
            page = html_of(client.get(url))
            for form in re.findall(r'<form method="post".*?</form>', page, re.S):
                assert re.search(r'name="([a-z]+-)?csrf_token"[^>]*value="[^"]+"', form), (
                    url, form[:200])
                seen += 1
        if role == "selection_manager":
            for url in (f"/purchases/{purchase_id}/reimbursement",
                        f"/products/{product_id}/reduced-inspection",
                        f"/corrective-actions/{capa_id}/review/escalate"):
                assert client.post(url, data={"status": "approved", "approved": "1",
                                              "escalate-reason": "x"}).status_code == 400
            with app.app_context():
                assert db.session.get(SamplePurchase, purchase_id).reimbursement_status == \
                    "submitted"
                assert db.session.get(CorrectiveAction, capa_id).status == "open"
                assert db.session.get(Product, product_id).reduced_inspection_approved is False
                db.session.remove()
    assert seen >= 12
