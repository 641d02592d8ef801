"""Regression tests for problems found in review of the selection and design work."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.services import attachments, design, lifecycle
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def test_internal_files_leave_no_trace_in_the_suppliers_audit(client, world, token_for):
    product = factories.make_product(world, "in_review")
    attachments.store_attachment(world.manager, product.id, io.BytesIO(PNG), "quote.png",
                                 internal=True)
    supplier = client.get(f"/api/v1/products/{product.id}/audit",
                          headers=token_for(world.supplier_user)).json["items"]
    staff = client.get(f"/api/v1/products/{product.id}/audit",
                       headers=token_for(world.manager)).json["items"]
    assert "attach" in [e["action"] for e in staff]
    assert "attach" not in [e["action"] for e in supplier] and "quote.png" not in str(supplier)


def test_a_product_back_from_sampling_needs_a_new_approved_round(world):
    product = factories.make_product(world, "sampling")
    lifecycle.apply_transition(world.qc, product.id, "fail_sampling", "lid leaks in QC")
    from workflows.lifecycle import GuardBlocked

    with pytest.raises(GuardBlocked, match="no design round has been approved"):
        lifecycle.apply_transition(world.designer, product.id, "approve_design")
    factories.approve_design_round(world, product.id)
    assert lifecycle.apply_transition(world.designer, product.id,
                                      "approve_design").state == "sampling"


@pytest.mark.parametrize("url,body,field", [
    ("/api/v1/products", {"name_en": "x", "monthly_capacity": "²"}, "monthly_capacity"),
    ("/api/v1/products", {"name_en": "x", "monthly_capacity": "9" * 5000}, "monthly_capacity"),
])
def test_odd_numbers_in_proposals_are_422(client, world, token_for, url, body, field):
    response = client.post(url, json=body, headers=token_for(world.supplier_user))
    assert response.status_code == 422 and field in response.json["error"]["details"]


@pytest.mark.parametrize("score", ["²", "9" * 5000, [4], None])
def test_odd_scores_are_422(client, world, token_for, score):
    product = factories.make_product(world, "in_review")
    response = client.post(f"/api/v1/products/{product.id}/reviews",
                           headers=token_for(world.manager),
                           json={"scores": {**factories.GOOD_SCORES, "design": score}})
    assert response.status_code == 422 and "scores.design" in response.json["error"]["details"]
    numeric = client.post(f"/api/v1/products/{product.id}/reviews",
                          headers=token_for(world.manager),
                          json={"scores": factories.GOOD_SCORES, "comment": 5})
    assert numeric.status_code == 422 and numeric.json["error"]["details"] == {
        "comment": "must be text"}


@pytest.mark.parametrize("change,field", [
    ({"anchors": 5}, "criteria[1].anchors"),
    ({"label": "x" * 121}, "criteria[1].label"),
])
def test_odd_scorecard_criteria_are_422(client, world, token_for, change, field):
    url = f"/api/v1/categories/{world.category.id}/scorecard"
    card = client.get(url, headers=token_for(world.manager)).json
    card["criteria"][0].update(change)
    response = client.put(url, headers=token_for(world.manager), json=card)
    assert response.status_code == 422 and field in response.json["error"]["details"]


@pytest.mark.parametrize("value", [10**30, float("inf"), 0, 21])
def test_min_reviewers_bounds(client, world, token_for, value):
    url = f"/api/v1/categories/{world.category.id}/scorecard"
    card = client.get(url, headers=token_for(world.manager)).json
    card["min_reviewers"] = value
    response = client.put(url, headers=token_for(world.manager), json=card)
    assert response.status_code == 422


def test_scorecards_are_staff_only_and_404_before_validation(client, world, token_for):
    url = f"/api/v1/categories/{world.category.id}/scorecard"
    assert client.get(url, headers=token_for(world.supplier_user)).status_code == 403
    missing = client.put("/api/v1/categories/9999/scorecard", headers=token_for(world.manager),
                         json={"nonsense": True})
    assert missing.status_code == 404


def test_designers_cannot_abandon_and_are_not_offered_it(client, auth, world, token_for):
    product = factories.make_product(world, "in_design")
    design.open_round(world.designer, product.id)
    refused = client.post(f"/api/v1/products/{product.id}/decision",
                          headers=token_for(world.designer),
                          json={"decision": "abandon", "reason": "no"})
    assert refused.status_code == 403
    assert design.rounds_of(db.session, product.id)[0].status == "open"
    auth.login(world.designer.email)
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    decision_form = page.split('data-testid="decision-form"')[1].split("</form>")[0]
    assert 'value="abandon"' not in decision_form and 'value="approve"' in decision_form


def test_internal_must_be_a_real_boolean(client, world, token_for):
    product = factories.make_product(world, "in_design")
    design.open_round(world.designer, product.id)
    response = client.post(f"/api/v1/products/{product.id}/feedback",
                           headers=token_for(world.designer),
                           json={"items": [{"area": "cost", "severity": "minor", "text": "x",
                                            "internal": "false"}]})
    assert response.status_code == 422 and "items[1].internal" in response.json["error"]["details"]


def test_plain_abandon_closes_the_open_round(world):
    product = factories.make_product(world, "in_design")
    design.open_round(world.manager, product.id)
    lifecycle.apply_transition(world.supplier_user, product.id, "abandon", "no longer viable")
    rnd = design.rounds_of(db.session, product.id)[0]
    assert (rnd.status, rnd.decision, rnd.decision_reason) == ("closed", "abandon",
                                                               "no longer viable")


def test_due_dates_cannot_be_in_the_past(client, world, token_for):
    product = factories.make_product(world, "in_design")
    response = client.post(f"/api/v1/products/{product.id}/rounds",
                           headers=token_for(world.designer), json={"due_on": "2020-01-01"})
    assert response.status_code == 422 and "due_on" in response.json["error"]["details"]
    assert client.post(f"/api/v1/products/{product.id}/rounds", headers=token_for(world.designer),
                       json=[1]).status_code == 422


def test_web_conflicts_say_what_is_wrong(client, auth, world):
    product = factories.make_product(world, "in_design")
    design.open_round(world.manager, product.id)
    auth.login(world.manager.email)
    html = client.post(f"/products/{product.id}/rounds", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "Not possible now: a design round is already in progress" in html
