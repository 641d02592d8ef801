"""The supplier portal: own products only, what is open, deadlines, decisions, next steps."""

from __future__ import annotations

from datetime import date

from app.services import design, lifecycle
from tests import factories


def test_portal_shows_next_steps_deadlines_and_decisions(client, auth, world):
    draft = factories.make_product(world, "draft", description="")
    working = factories.make_product(world, "in_design")
    rejected = factories.make_product(world, "in_review")
    lifecycle.apply_transition(world.manager, rejected.id, "reject", "价格缺乏竞争力 / price")
    foreign = factories.make_product(world, "in_design", supplier=world.supplier_b,
                                     name_en="Foreign secret")
    from sqlalchemy import select

    from app.extensions import db
    from app.models import DesignRound

    design.open_round(world.designer, working.id, "2099-01-31")
    db.session.scalars(select(DesignRound)).one().due_on = date(2020, 1, 31)
    db.session.commit()
    design.raise_feedback(world.designer, working.id, [
        {"area": "function", "severity": "major", "text": "lid leaks"},
        {"area": "cost", "severity": "minor", "text": "internal margin note", "internal": True}])
    login = auth.login(world.supplier_user.email)
    assert login.headers["Location"] == "/portal"
    html = client.get("/portal").get_data(as_text=True)
    assert "Foreign secret" not in html and "internal margin note" not in html
    row = html.split(f'data-testid="portal-row-{draft.id}"')[1].split("</tr>")[0]
    assert "Complete the proposal" in row and "description: a description is required" in row
    row = html.split(f'data-testid="portal-row-{working.id}"')[1].split("</tr>")[0]
    assert "Round 1: 1 open item(s)." in row and "Due 2020-01-31" in row and "overdue" in row
    row = html.split(f'data-testid="portal-row-{rejected.id}"')[1].split("</tr>")[0]
    assert "价格缺乏竞争力 / price" in row
    assert f"portal-row-{foreign.id}" not in html


def test_portal_is_for_suppliers_only(client, auth, world):
    auth.login(world.manager.email)
    assert client.get("/portal").status_code == 404
    assert client.get("/").headers["Location"].endswith("/board")
