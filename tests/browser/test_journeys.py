"""End-to-end journeys through the real forms (CSRF on), asserting what the browser's DOM shows."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_csp_violations, login

REASON = "性价比不足 / poor value"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _path(url: str) -> str:
    return urlsplit(url).path


def test_manager_rejects_a_product_in_review(page, live_server, console_messages):
    login(page, live_server, live_server.manager_email)
    product_url = f"{live_server.url}/products/{live_server.in_review_product_id}"
    page.goto(product_url)
    header_badge = page.locator('[data-testid="product-name"] ~ p [data-state]')
    expect(header_badge).to_have_attribute("data-state", "in_review")

    reject = page.get_by_test_id("transition-reject")
    reject.locator('textarea[name="reason"]').fill(REASON)
    reject.get_by_role("button").click()

    page.wait_for_url(product_url)
    expect(page.locator(".alert-success")).to_contain_text("Done: Reject")
    expect(header_badge).to_have_attribute("data-state", "rejected")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(REASON)
    expect(timeline.get_by_test_id("event-reason").first).to_contain_text(REASON)

    response = page.goto(product_url)
    assert response is not None and response.status == 200
    expect(header_badge).to_have_attribute("data-state", "rejected")
    expect(page.get_by_test_id("transition-reject")).to_have_count(0)
    assert_no_csp_violations(console_messages)


def test_supplier_gets_404_for_another_suppliers_product(page, live_server, console_messages):
    login(page, live_server, live_server.supplier_email)

    own = page.goto(f"{live_server.url}/products/{live_server.own_product_id}")
    assert own is not None and own.status == 200

    response = page.goto(f"{live_server.url}/products/{live_server.other_supplier_product_id}")
    assert response is not None and response.status == 404
    expect(page.locator("main h1")).to_have_text("404")
    expect(page.locator("main")).to_contain_text("Not found.")
    expect(page.get_by_test_id("product-name")).to_have_count(0)
    assert_no_csp_violations(console_messages)


def test_language_switch_to_simplified_chinese(page, live_server, console_messages):
    login(page, live_server, live_server.manager_email)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    navbar = page.locator("nav.navbar")
    expect(navbar.get_by_role("link", name="Pipeline", exact=True)).to_be_visible()

    navbar.get_by_role("button", name="简体中文", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert _path(page.url) == "/board"  # the switch returns to the page it was clicked on
    expect(navbar.get_by_role("button", name="简体中文", exact=True)).to_have_class(
        re.compile(r"\bbtn-light\b")
    )
    # The navbar's own words are Chinese now, not only the attribute.
    expect(navbar.locator(".nav-link").first).to_have_text(CJK)
    expect(navbar.get_by_role("link", name="Pipeline", exact=True)).to_have_count(0)

    # The choice sticks across pages.
    page.goto(f"{live_server.url}/products")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert_no_csp_violations(console_messages)


def test_logout_returns_to_login_and_board_needs_login_again(page, live_server, console_messages):
    login(page, live_server, live_server.manager_email)
    assert _path(page.url) == "/board"
    expect(page.get_by_test_id("whoami")).to_contain_text(live_server.manager_email)

    page.locator("nav.navbar").get_by_role("button", name="Log out", exact=True).click()

    page.wait_for_url(re.compile(r"/login(\?|$)"))
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    expect(page.locator(".alert-info")).to_contain_text("You have been logged out.")
    expect(page.get_by_test_id("whoami")).to_have_count(0)

    response = page.goto(f"{live_server.url}/board")
    assert response is not None and response.status == 200
    assert _path(page.url) == "/login"
    expect(page.get_by_label("Email")).to_be_visible()
    assert_no_csp_violations(console_messages)
