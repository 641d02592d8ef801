"""Reviews and scorecards through the API: independence, isolation, validation."""

from __future__ import annotations

from app.services import accounts
from tests import factories

GOOD = factories.GOOD_SCORES


def test_review_round_trip_and_independence(client, world, token_for):
    second = accounts.create_user(None, "m2@test.example", "selection_manager", factories.PASSWORD)
    product = factories.make_product(world, "in_review")
    url = f"/api/v1/products/{product.id}/reviews"
    first = client.post(url, headers=token_for(world.manager),
                        json={"scores": {k: {"score": v, "comment": "ok"} for k, v in GOOD.items()},
                              "comment": "first opinion"})
    assert first.status_code == 201, first.json
    assert first.json["scores_visible"] and len(first.json["reviews"]) == 1
    hidden = client.get(url, headers=token_for(second)).json
    assert hidden["submitted"] == 1 and hidden["reviews"] == [] and hidden["aggregate"] is None
    assert "first opinion" not in str(hidden)
    assert hidden["blockers"] == [
        "reviewers: 1 of 2 required reviews submitted",
        "review: submit your own review to see the panel's result and decide"]
    client.post(url, headers=token_for(second), json={"scores": GOOD})
    shown = client.get(url, headers=token_for(second)).json
    assert len(shown["reviews"]) == 2 and shown["aggregate"]["mean"] == 4.0
    assert shown["blockers"] == []
    again = client.post(url, headers=token_for(second), json={"scores": GOOD})
    assert again.status_code == 409
    accepted = client.post(f"/api/v1/products/{product.id}/transitions",
                           headers=token_for(world.manager), json={"transition": "accept"})
    assert accepted.status_code == 200 and accepted.json["state"] == "in_design"


def test_guard_messages_do_not_leak_scores_to_a_reviewer_who_has_not_reviewed(
        client, world, token_for):
    third = accounts.create_user(None, "m3@test.example", "selection_manager", factories.PASSWORD)
    product = factories.make_product(world, "in_review")
    low = {**GOOD, "compliance": 1, "performance": 1}
    from app.services import reviews

    for reviewer in (world.manager, world.admin):
        reviews.submit_review(reviewer, product.id, low)
    headers = token_for(third)
    body = client.get(f"/api/v1/products/{product.id}", headers=headers).json
    assert body["blocked_transitions"]["accept"] == [
        "review: submit your own review to see the panel's result and decide"]
    refused = client.post(f"/api/v1/products/{product.id}/transitions", headers=headers,
                          json={"transition": "accept"})
    assert refused.status_code == 422
    text = str(refused.json) + str(client.get(f"/api/v1/products/{product.id}/reviews",
                                              headers=headers).json)
    assert "aggregate" not in text.replace("'aggregate': None", "") and "averages" not in text
    manager_view = client.get(f"/api/v1/products/{product.id}", headers=token_for(world.manager))
    assert any("knock-out" in b for b in manager_view.json["blocked_transitions"]["accept"])


def test_supplier_view_has_no_scores(client, world, token_for):
    product = factories.make_product(world, "in_review")
    factories.pass_review(world, product.id)
    body = client.get(f"/api/v1/products/{product.id}/reviews",
                      headers=token_for(world.supplier_user)).json
    assert set(body) == {"submitted", "required", "scorecard_version", "can_submit",
                         "value_for_money", "shortfalls"}
    assert body["value_for_money"]["median"] == 209.45  # (229 + 189.90) / 2


def test_review_endpoints_404_for_other_suppliers(client, world, token_for):
    product = factories.make_product(world, "in_review", supplier=world.supplier_b)
    headers = token_for(world.supplier_user)
    assert client.get(f"/api/v1/products/{product.id}/reviews", headers=headers).status_code == 404
    assert client.post(f"/api/v1/products/{product.id}/reviews", headers=headers,
                       json={"scores": GOOD}).status_code == 404


def test_review_errors(client, world, token_for):
    product = factories.make_product(world, "in_review")
    url = f"/api/v1/products/{product.id}/reviews"
    assert client.post(url, headers=token_for(world.qc), json={"scores": GOOD}).status_code == 403
    bad = client.post(url, headers=token_for(world.manager), json={"scores": {**GOOD, "design": 9}})
    assert bad.status_code == 422 and "scores.design" in bad.json["error"]["details"]
    assert client.post(url, headers=token_for(world.manager), data="x").status_code == 422


def test_scorecard_get_and_put(client, world, token_for):
    url = f"/api/v1/categories/{world.category.id}/scorecard"
    card = client.get(url, headers=token_for(world.qc)).json
    assert card["version"] is None and len(card["criteria"]) == 6
    card["pass_threshold"] = 4.0
    card["criteria"] = card["criteria"][:3]
    assert client.put(url, headers=token_for(world.qc), json=card).status_code == 403
    saved = client.put(url, headers=token_for(world.manager), json=card)
    assert saved.status_code == 200 and saved.json["version"] == 1
    assert [c["key"] for c in saved.json["criteria"]] == ["performance", "configuration", "design"]
    card["criteria"][0]["weight"] = 0
    bad = client.put(url, headers=token_for(world.manager), json=card)
    assert bad.status_code == 422 and "performance.weight" in bad.json["error"]["message"]
    categories = client.get("/api/v1/categories", headers=token_for(world.qc)).json["items"]
    assert {c["id"]: c["selection_threshold"] for c in categories}[world.category.id] == 4.0
    assert client.get("/api/v1/categories/999/scorecard",
                      headers=token_for(world.qc)).status_code == 404
