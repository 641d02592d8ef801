"""The review panel and scorecard editor in the browser-facing pages."""

from __future__ import annotations

from app.extensions import db
from app.services import lifecycle, reviews
from tests import factories

GOOD = factories.GOOD_SCORES


def form_data(scores, comment=""):
    data = {f"score_{k}": str(v) for k, v in scores.items()}
    data.update({f"comment_{k}": f"note on {k}" for k in scores})
    data["comment"] = comment
    return data


def test_reviewer_scores_through_the_page_and_then_sees_the_panel(client, auth, world):
    product = factories.make_product(world, "in_review")
    reviews.submit_review(world.admin, product.id, GOOD, "the admin's private view")
    auth.login(world.manager.email)
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'data-testid="review-form"' in page
    assert "the admin&#39;s private view" not in page and "note on" not in page
    assert "Scores stay hidden until you submit your own review." in page
    response = client.post(f"/products/{product.id}/reviews",
                           data=form_data({**GOOD, "performance": 5}, "looks right"),
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Your review is recorded." in html
    assert 'data-testid="review-scores"' in html and "note on performance" in html
    assert 'data-testid="aggregate">4.15<' in html  # mean of 4.30 and 4.00
    assert 'data-testid="review-form"' not in html


def test_incomplete_review_form_is_refused(client, auth, world):
    product = factories.make_product(world, "in_review")
    auth.login(world.manager.email)
    partial = {k: v for k, v in GOOD.items() if k != "design"}
    response = client.post(f"/products/{product.id}/reviews", data=form_data(partial),
                           follow_redirects=True)
    assert "Score every criterion from 1 to 5." in response.get_data(as_text=True)
    assert reviews.cycle_reviews(db.session, product.id) == []


def test_supplier_page_shows_no_scores_or_reviewers(client, auth, world):
    product = factories.make_product(world, "in_review")
    for reviewer in (world.manager, world.admin):
        reviews.submit_review(reviewer, product.id, {**GOOD, "compliance": 2}, "internal words")
    auth.login(world.supplier_user.email)
    lifecycle.apply_transition(world.manager, product.id, "reject", "compliance evidence missing")
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "internal words" not in html and 'data-testid="review-scores"' not in html
    assert 'data-testid="review-form"' not in html
    assert 'data-testid="shortfalls"' in html and "Compliance" in html
    assert "compliance evidence missing" in html  # the decision's reason is theirs to see


def test_value_for_money_is_shown(client, auth, world):
    product = factories.make_product(world, "in_review")
    auth.login(world.manager.email)
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'data-testid="value-for-money"' in html and "209.45" in html and "-5.0%" in html


def test_scorecard_editor_saves_versions(client, auth, world):
    auth.login(world.manager.email)
    page = client.get(f"/categories/{world.category.id}/scorecard").get_data(as_text=True)
    assert page.count('data-testid="criterion-row"') == 8  # six defaults and two spare rows
    data = {"pass_threshold": "3.8", "min_reviewers": "1", "disagreement_spread": "1.0",
            "share_shortfalls": "y",
            "criteria-0-key": "performance", "criteria-0-label": "Performance",
            "criteria-0-weight": "2", "criteria-0-anchors": "",
            "criteria-1-key": "safety", "criteria-1-label": "Safety", "criteria-1-weight": "1",
            "criteria-1-minimum": "4", "criteria-1-knockout": "y",
            "criteria-2-key": "", "criteria-2-label": ""}
    response = client.post(f"/categories/{world.category.id}/scorecard", data=data,
                           follow_redirects=True)
    assert "Scorecard version 1 saved." in response.get_data(as_text=True)
    data["criteria-1-minimum"] = ""
    bad = client.post(f"/categories/{world.category.id}/scorecard", data=data,
                      follow_redirects=True)
    assert "safety.knockout" in bad.get_data(as_text=True)
    client.post("/logout")
    auth.login(world.designer.email)
    assert client.get(f"/categories/{world.category.id}/scorecard").status_code == 403
