"""The whole selection round trip through the real pages (CSRF on): a supplier proposes and
submits, two reviewers score, the proposal is accepted, two design rounds run with feedback,
answers and revisions, and the design is approved; the timeline records every step in order."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveServer, assert_no_csp_violations, login

#: build_world's staff accounts follow "<role>@test.example".
DESIGNER_EMAIL = "designer@test.example"
CATEGORY_LABEL = "Kettles / 电水壶"

NAME_ZH = "往返电水壶"
NAME_EN = "Round-trip kettle"
BLOCKING_TEXT = "把手太烫 / the handle gets too hot"
INTERNAL_TEXT = "internal: margin looks thin, push the unit cost"
ANSWER_1 = "加了隔热层 / added an insulating sleeve"
ANSWER_2 = "换了材料 / switched to PP with a heat break"
ANOTHER_ROUND_REASON = "handle still at 58 °C in the lab"
APPROVE_REASON = "handle at 41 °C, ready for sampling"
PNG = {"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)}

#: The product's audit trail, oldest first, as the timeline labels it in English.
EXPECTED_TRAIL = [
    "Created",
    "File attached",
    "Submit proposal",
    "Start review",
    "Review submitted",
    "Review submitted",
    "Accept",
    "Design round opened",
    "Feedback raised",  # the blocking item
    "Feedback raised",  # the internal note
    "Feedback answered",
    "Revision submitted",
    "Feedback reopened",
    "Design round closed",  # round 1: another round
    "Design round opened",  # round 2, opened by that decision
    "Feedback answered",
    "Revision submitted",
    "Feedback resolved",
    "Design round closed",  # round 2: approve
    "Approve design",
]


# --- helpers -----------------------------------------------------------------------------------


def _header_badge(page: Page) -> Locator:
    return page.locator('[data-testid="product-name"] ~ p [data-state]')


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".alert-success")).to_contain_text(text)


def _switch_user(page: Page, server: LiveServer, email: str) -> None:
    """Log out whoever is logged in (through the navbar), then log in as ``email``."""
    if page.get_by_test_id("whoami").count():
        page.locator("nav.navbar").get_by_role("button", name="Log out", exact=True).click()
        page.wait_for_url(re.compile(r"/login(\?|$)"))
    login(page, server, email)
    expect(page.get_by_test_id("whoami")).to_contain_text(email)


def _open_product(page: Page, product_url: str, state: str) -> None:
    response = page.goto(product_url)
    assert response is not None and response.status == 200
    expect(_header_badge(page)).to_have_attribute("data-state", state)


def _transition(page: Page, name: str, target_state: str) -> None:
    form = page.get_by_test_id(f"transition-{name}")
    button = form.get_by_role("button")
    expect(button).to_be_enabled()
    button.click()
    expect(_header_badge(page)).to_have_attribute("data-state", target_state)
    expect(page.locator(".alert-success")).to_contain_text("Done:")


def _item(page: Page, text: str) -> Locator:
    """The feedback item (an <li data-testid="feedback-N">) whose text is ``text``."""
    return page.get_by_test_id("design-section").locator(
        'li[data-testid^="feedback-"]', has_text=text)


def _item_id(page: Page, text: str) -> str:
    testid = _item(page, text).get_attribute("data-testid")
    assert testid is not None
    return testid.removeprefix("feedback-")


def _item_status(page: Page, text: str) -> Locator:
    return _item(page, text).locator("[data-status]")


def _propose(page: Page, server: LiveServer) -> str:
    """The supplier fills the new-proposal form, attaches a photo and submits; returns the URL."""
    page.get_by_role("link", name="New proposal", exact=True).click()
    expect(page.locator("main h1")).to_have_text("New proposal")
    page.get_by_label("Chinese name", exact=True).fill(NAME_ZH)
    page.get_by_label("English name", exact=True).fill(NAME_EN)
    page.locator('select[name="category_id"]').select_option(label=CATEGORY_LABEL)
    page.get_by_label("Description", exact=True).fill("1.7 L, 2200 W, stainless body.")
    page.get_by_label("Target retail price", exact=True).fill("199.00")
    page.get_by_label("Unit cost", exact=True).fill("86.50")
    page.get_by_label("Expected monthly capacity (units)", exact=True).fill("5000")
    page.get_by_label("Specifications", exact=True).fill("Capacity | 1.7 | L\nPower | 2200 | W")
    page.get_by_label("Competitor products", exact=True).fill(
        "Brand X kettle | Tmall | 229 | https://example.com/x\nBrand Y kettle | JD | 189.90")
    page.get_by_label("Claimed standards", exact=True).fill(
        "GB 4706.1-2005 | Household appliance safety")
    page.get_by_role("button", name="Save", exact=True).click()

    page.wait_for_url(re.compile(r"/products/\d+$"))
    product_url = f"{server.url}{urlsplit(page.url).path}"
    _flash(page, "Draft saved.")
    expect(page.get_by_test_id("product-name")).to_have_text(f"{NAME_ZH} / {NAME_EN}")
    expect(_header_badge(page)).to_have_attribute("data-state", "draft")
    expect(page.get_by_test_id("specifications")).to_contain_text("Capacity")
    expect(page.get_by_test_id("competitors")).to_contain_text("Brand X kettle")
    expect(page.get_by_test_id("target-price")).to_contain_text("199.00")

    upload = page.get_by_test_id("attachment-form")
    upload.locator('input[type="file"]').set_input_files(PNG)
    upload.get_by_role("button", name="Upload", exact=True).click()
    _flash(page, "File attached: photo.png.")
    expect(page.get_by_test_id("attachment")).to_have_count(1)
    expect(page.get_by_test_id("attachment")).to_contain_text("photo.png")

    _transition(page, "submit", "proposed")
    return product_url


def _review(page: Page, comment: str) -> None:
    """Score every criterion of the review form 4 and submit it."""
    form = page.get_by_test_id("review-form")
    selects = form.locator('select[name^="score_"]')
    expect(selects.first).to_be_visible()
    assert selects.count() >= 1
    for select in selects.all():
        select.select_option("4")
    form.get_by_label("Overall comment", exact=True).fill(comment)
    form.get_by_role("button", name="Submit review", exact=True).click()
    _flash(page, "Your review is recorded.")
    expect(page.get_by_test_id("review-form")).to_have_count(0)


def _add_feedback(page: Page, text: str, *, severity: str, internal: bool = False) -> None:
    form = page.get_by_test_id("feedback-form")
    form.get_by_label("Area", exact=True).select_option("function")
    form.get_by_label("Severity", exact=True).select_option(severity)
    form.get_by_label("Internal note (never shown to the supplier)").set_checked(internal)
    form.get_by_label("Feedback", exact=True).fill(text)
    form.get_by_role("button", name="Add feedback", exact=True).click()
    _flash(page, "Feedback added.")
    expect(_item(page, text)).to_have_count(1)


def _answer(page: Page, text: str, answer: str) -> None:
    item = _item(page, text)
    item.get_by_label("Your answer", exact=True).fill(answer)
    item.get_by_role("button", name="Answer", exact=True).click()
    _flash(page, "Answer saved.")
    expect(_item(page, text).locator('[data-testid^="response-"]')).to_contain_text(answer)
    expect(_item_status(page, text)).to_have_attribute("data-status", "answered")


def _submit_revision(page: Page, round_number: int, notes: str) -> None:
    form = page.get_by_test_id("revision-form")
    form.get_by_label("Revision notes", exact=True).fill(notes)
    form.get_by_role("button", name="Submit the revision", exact=True).click()
    _flash(page, "Revision submitted.")
    expect(page.get_by_test_id(f"round-{round_number}").locator(".card-header")).to_contain_text(
        "revision submitted")
    expect(page.get_by_test_id("revision-form")).to_have_count(0)


def _review_item(page: Page, text: str, button: str, status: str) -> None:
    control = _item(page, text).get_by_role("button", name=button, exact=True)
    expect(control, f"the feedback item {text!r} offers no {button!r} button").to_be_visible()
    control.click()
    _flash(page, f"Feedback {status}.")
    expect(_item_status(page, text)).to_have_attribute("data-status", status)


def _close_round(page: Page, round_number: int, decision: str, reason: str) -> None:
    form = page.get_by_test_id("decision-form")
    form.get_by_label("Decision", exact=True).select_option(decision)
    form.get_by_label("Reason", exact=True).fill(reason)
    form.get_by_role("button", name="Close the round", exact=True).click()
    _flash(page, "The round is closed.")
    expect(page.get_by_test_id(f"decision-{round_number}")).to_contain_text(reason)


def _trail(page: Page) -> list[str]:
    """The timeline's action labels, oldest first (the page lists the newest first)."""
    timeline = page.get_by_test_id("timeline")
    labels = timeline.get_by_test_id("event").locator("> div:first-child > strong")
    return list(reversed(labels.all_inner_texts()))


# --- the journey -------------------------------------------------------------------------------


def test_selection_round_trip_from_proposal_to_sampling(page, live_server, console_messages):
    # 1. The supplier proposes, attaches a photo and submits.
    login(page, live_server, live_server.supplier_email)
    product_url = _propose(page, live_server)

    # 2. Two reviewers score the proposal; the selection is accepted.
    _switch_user(page, live_server, live_server.manager_email)
    _open_product(page, product_url, "proposed")
    _transition(page, "start_review", "in_review")
    expect(page.get_by_test_id("review-count")).to_contain_text("0 of 2 required reviews")
    _review(page, "Solid proposal, priced below the median.")
    expect(page.get_by_test_id("review-count")).to_contain_text("1 of 2 required reviews")
    expect(page.get_by_test_id("transition-accept").get_by_role("button")).to_be_disabled()

    _switch_user(page, live_server, live_server.admin_email)
    _open_product(page, product_url, "in_review")
    _review(page, "Agreed: worth a design round.")
    expect(page.get_by_test_id("review-count")).to_contain_text("2 of 2 required reviews")
    expect(page.get_by_test_id("aggregate")).to_have_text("4.00")
    _transition(page, "accept", "in_design")

    # 3. The designer opens round 1: one blocking item and one internal note.
    _switch_user(page, live_server, DESIGNER_EMAIL)
    _open_product(page, product_url, "in_design")
    open_round = page.get_by_test_id("open-round-form")
    open_round.get_by_role("button", name="Open the next round", exact=True).click()
    _flash(page, "A new design round is open.")
    expect(page.get_by_test_id("round-1")).to_be_visible()
    expect(page.get_by_test_id("open-round-form")).to_have_count(0)
    _add_feedback(page, BLOCKING_TEXT, severity="blocking")
    _add_feedback(page, INTERNAL_TEXT, severity="minor", internal=True)
    expect(_item(page, INTERNAL_TEXT)).to_contain_text("internal")

    # 4. The supplier sees the blocking item, never the internal note; answers and revises.
    _switch_user(page, live_server, live_server.supplier_email)
    _open_product(page, product_url, "in_design")
    expect(_item(page, BLOCKING_TEXT)).to_be_visible()
    expect(_item_status(page, BLOCKING_TEXT)).to_have_attribute("data-status", "open")
    expect(page.locator("body")).not_to_contain_text(INTERNAL_TEXT)
    assert INTERNAL_TEXT not in page.content()
    # The timeline hides even the fact that an internal note was raised.
    assert _trail(page).count("Feedback raised") == 1
    _answer(page, BLOCKING_TEXT, ANSWER_1)
    _submit_revision(page, 1, "Rev B: insulating sleeve on the handle.")

    # 5. The designer reopens the item and asks for another round.
    _switch_user(page, live_server, DESIGNER_EMAIL)
    _open_product(page, product_url, "in_design")
    expect(page.get_by_test_id(f"response-{_item_id(page, BLOCKING_TEXT)}")).to_contain_text(
        ANSWER_1)
    _review_item(page, BLOCKING_TEXT, "Reopen", "reopened")
    _close_round(page, 1, "another_round", ANOTHER_ROUND_REASON)
    expect(page.get_by_test_id("decision-1")).to_contain_text("Another round")
    expect(page.get_by_test_id("round-2")).to_be_visible()

    # 6. The supplier answers again and submits the revision of round 2.
    _switch_user(page, live_server, live_server.supplier_email)
    _open_product(page, product_url, "in_design")
    expect(_item_status(page, BLOCKING_TEXT)).to_have_attribute("data-status", "reopened")
    _answer(page, BLOCKING_TEXT, ANSWER_2)
    _submit_revision(page, 2, "Rev C: PP handle with a heat break.")

    # 7. The designer resolves the item, approves round 2 and approves the design.
    _switch_user(page, live_server, DESIGNER_EMAIL)
    _open_product(page, product_url, "in_design")
    _review_item(page, BLOCKING_TEXT, "Resolve", "resolved")
    _close_round(page, 2, "approve", APPROVE_REASON)
    expect(page.get_by_test_id("decision-2")).to_contain_text("Approve the design")
    _transition(page, "approve_design", "sampling")

    # 8. Every step is in the audit trail, in order, and the browser saw no CSP violation.
    page.reload()
    expect(_header_badge(page)).to_have_attribute("data-state", "sampling")
    expect(page.get_by_test_id("timeline").get_by_test_id("event")).to_have_count(
        len(EXPECTED_TRAIL))
    assert _trail(page) == EXPECTED_TRAIL
    assert_no_csp_violations(console_messages)
