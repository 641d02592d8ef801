"""The monitoring journey through the real pages (CSRF on): a manager sets a category's
elimination rules, imports a month's customer metrics, runs the sweep, reads why the candidate
was picked, delists it with a reason code, and finds it all on the dashboards."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, EliminationCandidate, Product
from tests.browser.conftest import LiveServer, assert_no_csp_violations, login
from tests.browser.test_qc_journey import _world
from tests.conftest import make_app

HEADER = "product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,returns,complaints"


@pytest.fixture
def on_sale(live_server, database_url) -> tuple[int, int]:
    """A listed product of supplier A (product id, category id)."""
    from tests import factories

    app = make_app(database_url)
    with app.app_context():
        product = factories.make_product(_world(), "listed")
        ids = product.id, product.category_id
        db.session.remove()
    return ids


def _csv(product_id: int) -> bytes:
    rows = [f"{product_id},2026-{month:02d},400,380,120,3.1,66,6,2" for month in (8, 9, 10)]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _finished_job(page: Page) -> None:
    """The job page (jobs run inline in tests) says the job finished."""
    expect(page.get_by_test_id("job-status")).to_have_text("Finished")


def test_import_sweep_delist_and_dashboards(page: Page, live_server: LiveServer, on_sale,
                                            console_messages, database_url):
    product_id, category_id = on_sale
    login(page, live_server, live_server.manager_email)

    # The category's rules: positive reviews below 90 % over 3 months; decided by hand.
    page.goto(f"{live_server.url}/elimination/categories/{category_id}/rules")
    page.get_by_label("Positive-review rate below X %").fill("90")
    page.get_by_label("Window N (periods)").fill("3")
    page.get_by_label("What happens to a candidate").select_option("decision_list")
    enabled = page.get_by_label("Sweep this category")
    if not enabled.is_checked():
        enabled.check()
    page.get_by_role("button", name="Save rules").click()
    expect(page.locator(".alert-success")).to_be_visible()

    # Three months of figures for the product: 66 of 120 reviews positive each month.
    page.goto(f"{live_server.url}/metrics/")
    page.get_by_label("File (.csv in UTF-8, or .xlsx)").set_input_files(
        {"name": "autumn.csv", "mimeType": "text/csv", "buffer": _csv(product_id)})
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"/(jobs|metrics)/"))
    if "/jobs/" in page.url:
        _finished_job(page)
        page.get_by_test_id("job-result-link").click()
    expect(page.locator("body")).to_contain_text("autumn.csv")
    expect(page.locator("body")).to_contain_text("3")

    # The sweep, from the button.
    page.goto(f"{live_server.url}/elimination/")
    page.get_by_label("Figures up to").fill("2026-11-05")
    page.get_by_role("button", name="Run sweep now").click()
    page.wait_for_url(re.compile(r"/jobs/\d+"))
    _finished_job(page)
    page.get_by_test_id("job-result-link").click()
    candidates = page.get_by_test_id("run-candidates")
    expect(candidates).to_contain_text("positive-review rate 55 %")
    expect(candidates).to_contain_text("below 90 %")

    # Why it was picked, then delist it with a reason code.
    candidates.get_by_role("link").filter(has_text=re.compile(r"#|\w")).first.click()
    page.wait_for_url(re.compile(r"/elimination/candidates/\d+"))
    expect(page.locator("body")).to_contain_text("198 of 360 reviews")
    expect(page.locator("body")).to_contain_text("0.40 ×")  # the score's formula, shown
    form = page.get_by_test_id("delist-form")
    form.get_by_label("Reason code").select_option("customer_metrics")
    form.get_by_label("Note").fill("好评率连续三个月低于 90% / three months under 90 %")
    form.get_by_label("I confirm: delist this product").check()
    form.get_by_role("button", name="Delist").click()
    expect(page.get_by_test_id("candidate-status")).to_have_text("delisted")

    # Every chart of every dashboard is an image the browser could draw.
    for name in ("pipeline", "qc", "catalogue", "suppliers"):
        page.goto(f"{live_server.url}/dashboards/{name}")
        images = page.locator("img[src*='/dashboards/charts/']")
        assert images.count() >= 1, name
        for i in range(images.count()):
            image = images.nth(i)
            image.scroll_into_view_if_needed()
            expect(image).to_have_js_property("complete", True)
            assert image.evaluate("img => img.naturalWidth") > 0, (name, image.get_attribute("src"))
    page.goto(f"{live_server.url}/dashboards/catalogue")
    expect(page.locator("body")).to_contain_text("Corrective actions")
    assert_no_csp_violations(console_messages)

    app = make_app(database_url)
    with app.app_context():
        product = db.session.get(Product, product_id)
        candidate = db.session.scalars(select(EliminationCandidate)).one()
        trail = [e.action for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "product",
                                     AuditEvent.subject_id == product_id)
            .order_by(AuditEvent.id))]
        assert (product.state, candidate.status, candidate.decision_reason_code) == (
            "delisted", "delisted", "customer_metrics")
        assert trail[-1] == "delist"
        db.session.remove()
