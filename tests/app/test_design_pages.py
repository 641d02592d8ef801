"""Design iteration through the product page, as reviewer and as supplier."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import DesignRound, FeedbackItem, Product
from tests import factories


def test_design_round_through_the_pages(client, auth, world):
    product = factories.make_product(world, "in_design")
    auth.login(world.designer.email)
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'data-testid="open-round-form"' in page
    client.post(f"/products/{product.id}/rounds", data={"due_on": "2027-01-31"})
    client.post(f"/products/{product.id}/feedback", data={
        "area": "packaging", "severity": "blocking", "text": "盒子太大 / box too big"})
    client.post(f"/products/{product.id}/feedback", data={
        "area": "cost", "severity": "major", "text": "secret margin talk", "internal": "y"})
    items = db.session.scalars(select(FeedbackItem).order_by(FeedbackItem.id)).all()
    box, note = items[0].id, items[1].id
    client.post("/logout")

    auth.login(world.supplier_user.email)
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "盒子太大" in page and "secret margin talk" not in page
    assert "Revision due 2027-01-31" in page
    assert client.post(f"/feedback/{note}/response", data={"response": "x"}).status_code == 404
    refused = client.post(f"/products/{product.id}/revision", data={"notes": "early"},
                          follow_redirects=True).get_data(as_text=True)
    assert f"feedback #{box}: answer it before submitting the revision" in refused
    client.post(f"/feedback/{box}/response", data={"response": "缩小 15% / 15% smaller"})
    client.post(f"/products/{product.id}/revision", data={"notes": "rev B"})
    client.post("/logout")

    auth.login(world.designer.email)
    client.post(f"/feedback/{box}/review", data={"resolved": "1"})
    done = client.post(f"/products/{product.id}/decision", data={
        "decision": "approve", "reason": "approved"}, follow_redirects=True)
    assert "The round is closed." in done.get_data(as_text=True)
    client.post(f"/products/{product.id}/transitions", data={
        "transition": "approve_design", "version": db.session.get(Product, product.id).version})
    db.session.rollback()
    assert db.session.get(Product, product.id).state == "sampling"
    rounds = db.session.scalars(select(DesignRound)).all()
    assert [(r.number, r.decision) for r in rounds] == [(1, "approve")]


def test_design_pages_are_404_for_other_suppliers(client, auth, world):
    product = factories.make_product(world, "in_design", supplier=world.supplier_b)
    from app.services import design

    design.open_round(world.manager, product.id)
    item, = design.raise_feedback(world.manager, product.id, [
        {"area": "function", "severity": "minor", "text": "b's business"}])
    auth.login(world.supplier_user.email)
    assert client.post(f"/feedback/{item.id}/response", data={"response": "x"}).status_code == 404
    assert client.post(f"/feedback/{item.id}/review", data={"resolved": "1"}).status_code == 404
    for url in ("rounds", "feedback", "revision", "decision"):
        assert client.post(f"/products/{product.id}/{url}", data={}).status_code == 404


def test_board_flags_stale_design_work(app, client, auth, world):
    from datetime import UTC, datetime, timedelta

    from app.services import design

    product = factories.make_product(world, "in_design")
    design.open_round(world.manager, product.id)
    db.session.scalars(select(DesignRound)).one().opened_at = (
        datetime.now(UTC) - timedelta(days=app.config["SIEVE_STALE_DAYS"] + 2))
    db.session.commit()
    auth.login(world.manager.email)
    html = client.get("/board").get_data(as_text=True)
    assert f'data-testid="stale-{product.id}"' in html


def test_items_of_closed_rounds_can_still_be_resolved_in_the_next(client, auth, world):
    from app.services import design

    product = factories.make_product(world, "in_design")
    design.open_round(world.designer, product.id)
    item, = design.raise_feedback(world.designer, product.id, [
        {"area": "function", "severity": "blocking", "text": "hinge"}])
    design.respond(world.supplier_user, item.id, "fixed")
    design.submit_revision(world.supplier_user, product.id)
    design.review_item(world.designer, item.id, resolved=False)
    design.decide_round(world.designer, product.id, "another_round", "still loose")
    auth.login(world.designer.email)
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    section = html.split(f'data-testid="feedback-{item.id}"')[1].split("</li>")[0]
    assert f"/feedback/{item.id}/review" in section
