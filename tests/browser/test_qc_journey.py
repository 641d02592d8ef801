"""The QC journey through the real pages (CSRF on): a routine sample of a listed product fails
on a critical defect and the product is suspended; the supplier answers the corrective action
in the portal; a follow-up sample passes, QC closes the request, the manager reinstates the
product; the audit trail holds every step."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Category, Supplier, User
from tests import factories
from tests.browser.conftest import LiveServer, assert_no_csp_violations, login
from tests.conftest import make_app

QC_EMAIL = "qc_inspector@test.example"
#: A 1x1 PNG, so the thumbnail really renders.
PNG = {"name": "pins.png", "mimeType": "image/png", "buffer": (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
    b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u"
    b"\xaa\x00\x00\x00\x00IEND\xaeB`\x82")}
RECEIPT = {"name": "receipt.png", "mimeType": "image/png",
           "buffer": b"\x89PNG\r\n\x1a\n" + bytes(32)}
DEFECT = "插头插脚松动 / plug pins loose (shock hazard)"
INTERNAL = "内部：上次整改拖延 / internal: slow to act last time"
CHECKLIST = ("appearance", "function", "safety", "packaging", "labelling")
ANSWER = {
    "Containment": "冻结库存 2,000 件并全检 / 2,000 units held and sorted",
    "Root cause": "插脚铆接模具磨损 / worn riveting die on the pins",
    "Corrective action": "更换模具并全检 / new die, 100% pull test",
    "Preventive action": "模具寿命纳入保养计划 / die life in the maintenance plan",
}
#: The product's audit actions the journey must leave, in this order.
EXPECTED_ACTIONS = ["log_purchase", "complete_inspection", "suspend",
                    "submit_corrective_action", "log_purchase", "complete_inspection",
                    "close_corrective_action", "reinstate"]


def _world() -> factories.World:
    """build_world's records, loaded again in this test's own app context."""
    users = {u.email: u for u in db.session.scalars(select(User))}
    suppliers = {s.name: s for s in db.session.scalars(select(Supplier))}
    categories = {c.name: c for c in db.session.scalars(select(Category))}
    return factories.World(
        suppliers["深圳测试电器"], suppliers["Other Supplier Ltd"], categories["Kettles"],
        categories["Lamps"], users["admin@test.example"],
        users["selection_manager@test.example"], users["designer@test.example"],
        users[QC_EMAIL], users["a@supplier.example"], users["b@supplier.example"])


@pytest.fixture
def listed_product(live_server, database_url) -> int:
    """A listed product of supplier A (selection, design, pre-listing inspection passed)."""
    app = make_app(database_url)
    with app.app_context():
        product_id = factories.make_product(_world(), "listed").id
        db.session.remove()
    return product_id


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".alert-success")).to_contain_text(text)


def _badge(page: Page):
    return page.locator('[data-testid="product-name"] ~ p [data-state]')


def _switch_user(page: Page, server: LiveServer, email: str) -> None:
    if page.get_by_test_id("whoami").count():
        page.locator("nav.navbar").get_by_role("button", name="Log out", exact=True).click()
        page.wait_for_url(re.compile(r"/login(\?|$)"))
    login(page, server, email)
    expect(page.get_by_test_id("whoami")).to_contain_text(email)


def _log_purchase(page: Page, order_number: str, *, receipt: bool) -> None:
    """Fill the purchase form (the kind is preselected by the page that linked to it)."""
    form = page.get_by_test_id("purchase-form")
    form.get_by_label("Channel", exact=True).select_option("other_marketplace")
    form.get_by_label("Store name", exact=True).fill("天猫 Tmall 旗舰店")
    form.get_by_label("Order number", exact=True).fill(order_number)
    form.get_by_label("Quantity bought", exact=True).fill("13")
    form.get_by_label("Unit price paid", exact=True).fill("199.00")
    form.get_by_label("Batch or lot code", exact=True).fill("LOT-2407")
    if receipt:
        form.get_by_label("Receipt", exact=True).set_input_files(RECEIPT)
    form.get_by_role("button", name="Log the purchase", exact=True).click()
    page.wait_for_url(re.compile(r"/purchases/\d+$"))
    _flash(page, "logged.")
    expect(page.get_by_test_id("purchase-total")).to_contain_text("2587.00")


def _start_inspection(page: Page) -> None:
    form = page.get_by_test_id("start-inspection-form")
    form.get_by_label("Lot size represented", exact=True).fill("50")
    form.get_by_role("button", name="Show the plan", exact=True).click()
    plan = page.get_by_test_id("plan")
    expect(plan.get_by_test_id("plan-critical")).to_contain_text("8")
    expect(page.get_by_test_id("sample-to-draw")).to_contain_text("13 items")
    page.get_by_test_id("start-inspection-form").get_by_role(
        "button", name="Start the inspection", exact=True).click()
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    _flash(page, "started.")
    expect(page.get_by_test_id("sample-size")).to_have_text("13")


def _complete(page: Page, failed_item: str | None = None) -> None:
    form = page.get_by_test_id("complete-form")
    for item in CHECKLIST:
        result = "Fail" if item == failed_item else "Pass"
        form.get_by_test_id(f"check-{item}").get_by_label(result, exact=True).check()
    form.get_by_label("Summary for the supplier", exact=True).fill(
        "见缺陷记录 / see the defects" if failed_item else "all checks passed")
    form.get_by_label("Internal notes (never shown to the supplier)").fill(INTERNAL)
    form.get_by_label("Production is steady", exact=True).check()
    form.get_by_role("button", name="Complete the inspection", exact=True).click()
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    _flash(page, "Inspection completed")


def test_qc_journey_from_failed_sample_to_reinstatement(page, live_server, listed_product,
                                                       database_url, console_messages):
    product_url = f"{live_server.url}/products/{listed_product}"

    # 1. QC buys a routine sample of the listed product and inspects it: a critical defect.
    _switch_user(page, live_server, QC_EMAIL)
    page.goto(product_url)
    expect(_badge(page)).to_have_attribute("data-state", "listed")
    expect(page.get_by_test_id("qc-severity")).to_contain_text("Normal inspection")
    page.get_by_test_id("log-purchase").click()
    expect(page.get_by_label("Why it was bought", exact=True)).to_have_value("routine")
    _log_purchase(page, "TM-2024-0001", receipt=True)
    expect(page.get_by_test_id("receipt")).to_have_text("receipt.png")
    _start_inspection(page)

    defect_form = page.get_by_test_id("defect-form")
    defect_form.get_by_label("Defect class", exact=True).select_option("critical")
    defect_form.get_by_label("Nonconforming items", exact=True).fill("1")
    defect_form.get_by_label("Checklist item", exact=True).select_option("safety")
    defect_form.get_by_label("What is wrong", exact=True).fill(DEFECT)
    defect_form.get_by_label("Photos", exact=True).set_input_files(PNG)
    defect_form.get_by_role("button", name="Log the defect", exact=True).click()
    _flash(page, "logged.")
    expect(page.get_by_test_id("defects")).to_contain_text(DEFECT)
    expect(page.get_by_test_id("defect-photo")).to_have_count(1)
    page.wait_for_function("() => { const img = document.querySelector("
                           "'[data-testid=defect-photo] img');"
                           " return img && img.complete && img.naturalWidth === 1; }")

    _complete(page, failed_item="safety")
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_contain_text("Lot rejected")
    expect(page.get_by_test_id("arithmetic")).to_contain_text(
        "critical: AQL 0 (zero tolerance), n=8, Ac=0, Re=1; 1 nonconforming >= Re 1: reject")
    expect(page.get_by_test_id("consequence")).to_contain_text("Suspend")
    expect(page.get_by_test_id("internal-notes")).to_contain_text(INTERNAL)
    inspection_url = page.url
    page.goto(product_url)
    expect(_badge(page)).to_have_attribute("data-state", "suspended")
    expect(page.get_by_test_id("qc-capas").locator("[data-capa-status]")).to_have_attribute(
        "data-capa-status", "open")

    # 2. The supplier sees the request in the portal, answers it and submits it.
    _switch_user(page, live_server, live_server.supplier_email)
    assert urlsplit(page.url).path == "/portal"
    capas = page.get_by_test_id("portal-capas")
    expect(capas.locator('tr[data-testid^="portal-capa-"]')).to_have_count(1)
    expect(capas).to_contain_text("Open: waiting for the supplier")
    page.goto(inspection_url)
    expect(page.get_by_test_id("verdict")).to_contain_text("Lot rejected")
    expect(page.locator("body")).not_to_contain_text(INTERNAL)
    expect(page.locator("body")).not_to_contain_text("TM-2024-0001")
    page.goto(f"{live_server.url}/portal")
    page.get_by_test_id("portal-capas").locator("a").first.click()
    page.wait_for_url(re.compile(r"/corrective-actions/\d+$"))
    capa_url = page.url
    expect(page.get_by_test_id("capa-problem")).to_contain_text(DEFECT)
    answer = page.get_by_test_id("capa-answer-form")
    for label, text in ANSWER.items():
        answer.get_by_label(label, exact=True).fill(text)
    answer.get_by_role("button", name="Submit to QC", exact=True).click()
    _flash(page, "Your answer was submitted to QC.")
    expect(page.locator("[data-capa-status]").first).to_have_attribute(
        "data-capa-status", "submitted")
    expect(page.get_by_test_id("capa-answer")).to_contain_text(ANSWER["Root cause"])

    # 3. QC buys a follow-up sample; it passes; QC closes the request.
    _switch_user(page, live_server, QC_EMAIL)
    page.goto(capa_url)
    page.get_by_test_id("log-follow-up").click()
    expect(page.get_by_label("Why it was bought", exact=True)).to_have_value("follow_up")
    _log_purchase(page, "TM-2024-0002", receipt=False)
    _start_inspection(page)
    _complete(page)
    expect(page.get_by_test_id("verdict")).to_contain_text("Lot accepted")
    page.goto(capa_url)
    close = page.get_by_test_id("review-close")
    close.get_by_role("button", name="Close: the follow-up inspection passed").click()
    _flash(page, "Closed.")
    expect(page.locator("[data-capa-status]").first).to_have_attribute(
        "data-capa-status", "closed")

    # 4. The manager reinstates the product.
    _switch_user(page, live_server, live_server.manager_email)
    page.goto(product_url)
    reinstate = page.get_by_test_id("transition-reinstate")
    reinstate.locator('textarea[name="reason"]').fill("整改已验证 / corrective action verified")
    button = reinstate.get_by_role("button")
    expect(button).to_be_enabled()
    button.click()
    _flash(page, "Done: Reinstate")
    expect(_badge(page)).to_have_attribute("data-state", "listed")

    # 5. The audit trail holds every step, on the page and in the database.
    timeline = page.get_by_test_id("timeline")
    for label in ("Sample purchase logged", "Inspection completed", "Suspend",
                  "Corrective action submitted", "Corrective action closed", "Reinstate"):
        expect(timeline).to_contain_text(label)
    app = make_app(database_url)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.subject_type == "product", AuditEvent.subject_id == listed_product,
            AuditEvent.action.in_(set(EXPECTED_ACTIONS))).order_by(AuditEvent.id)).all()
        db.session.remove()
    assert actions[-len(EXPECTED_ACTIONS):] == EXPECTED_ACTIONS
    assert_no_csp_violations(console_messages)
