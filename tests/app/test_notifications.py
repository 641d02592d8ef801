"""The notification page and the navbar's unread badge."""

from __future__ import annotations

import re
from types import SimpleNamespace

from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from app.services import lifecycle, notifications
from tests import factories
from tests.app.test_query_counts import counting_statements
from tests.conftest import make_app


def badge(html: str) -> int | None:
    match = re.search(r'data-testid="unread-count">(\d+)<', html)
    return int(match.group(1)) if match else None


def shown_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="notification" data-id="(\d+)"', html)]


def ids_of(user) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification.id).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc())))


def test_the_page_needs_a_login(client, world):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/notifications/read").status_code == 302


def test_a_supplier_sees_its_own_notifications_newest_first(client, auth, world):
    rejected = factories.make_product(world, "rejected")
    listed = factories.make_product(world, "listed")
    factories.make_product(world, "rejected", supplier=world.supplier_b)
    auth.login(world.supplier_user.email)
    html = client.get("/notifications").get_data(as_text=True)
    mine = ids_of(world.supplier_user)
    assert mine and shown_ids(html) == mine
    assert f'href="/products/{rejected.id}"' in html
    assert f'href="/products/{listed.id}"' in html
    assert f"{rejected.display_name}: Reject (now Rejected)." in html
    assert "Reason: test reason for reject" in html
    assert html.count('data-unread="1"') == len(mine)
    assert "list-group-item-info" in html  # unread rows are highlighted
    assert badge(html) == len(mine)
    assert not set(shown_ids(html)) & set(ids_of(world.other_supplier_user))


def test_managers_see_submissions_and_the_badge_counts_them(client, auth, world):
    products = [factories.make_product(world, "proposed") for _ in range(3)]
    auth.login(world.manager.email)
    html = client.get("/board").get_data(as_text=True)
    assert badge(html) == 3
    assert 'data-testid="nav-notifications"' in html
    page = client.get("/notifications").get_data(as_text=True)
    assert f"{products[0].display_name} was submitted for review." in page


def test_no_badge_without_unread_notifications(client, auth, world):
    factories.make_product(world, "proposed")
    auth.login(world.qc.email)
    html = client.get("/board").get_data(as_text=True)
    assert 'data-testid="nav-notifications"' in html and badge(html) is None
    page = client.get("/notifications").get_data(as_text=True)
    assert 'data-testid="no-notifications"' in page


def test_mark_all_and_one_as_read(client, auth, world):
    for _ in range(3):
        factories.make_product(world, "proposed")
    auth.login(world.manager.email)
    first, *rest = ids_of(world.manager)
    response = client.post("/notifications/read", data={"ids": [str(first)]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    html = client.get("/notifications").get_data(as_text=True)
    assert badge(html) == 2
    assert f'data-id="{first}" data-kind="submission" data-unread="0"' in html
    assert "1 notification marked as read." in html
    client.post("/notifications/read")
    html = client.get("/notifications?unread=1").get_data(as_text=True)
    assert badge(html) is None and shown_ids(html) == []
    assert shown_ids(client.get("/notifications").get_data(as_text=True)) == [first, *rest]


def test_nobody_marks_another_users_notifications_read(client, auth, world):
    factories.make_product(world, "rejected")
    factories.make_product(world, "rejected", supplier=world.supplier_b)
    before = notifications.unread_count(world.supplier_user)
    theirs = ids_of(world.supplier_user)
    auth.login(world.other_supplier_user.email)
    client.post("/notifications/read", data={"ids": [str(i) for i in theirs]})
    assert notifications.unread_count(world.supplier_user) == before
    assert notifications.unread_count(world.other_supplier_user) > 0
    client.post("/notifications/read", data={"ids": ["nonsense"]})
    assert notifications.unread_count(world.other_supplier_user) > 0
    client.post("/notifications/read")
    assert notifications.unread_count(world.other_supplier_user) == 0
    assert notifications.unread_count(world.supplier_user) == before


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_mark_read_needs_a_csrf_token(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = factories.build_world()
        factories.make_product(world, "proposed")
        manager_email, manager = world.manager.email, SimpleNamespace(id=world.manager.id)

    def unread() -> int:
        with app.app_context():
            return notifications.unread_count(manager)

    # Requests outside the setup's app context: each gets its own ``g`` (and CSRF token cache).
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": manager_email, "password": factories.PASSWORD,
                                "csrf_token": token})
    assert client.post("/notifications/read").status_code == 400
    assert unread() == 1
    page = client.get("/notifications").get_data(as_text=True)
    assert badge(page) == 1
    response = client.post("/notifications/read", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert unread() == 0


def test_names_are_escaped_and_the_page_has_no_inline_script_or_style(client, auth, world):
    factories.make_product(world, "rejected", name_en="<script>alert(1)</script>")
    auth.login(world.supplier_user.email)
    html = client.get("/notifications").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<script" not in html and "style=" not in html


def test_older_notifications_are_paged(app, client, auth, world):
    from app.notifications import views

    views.PAGE_SIZE, saved = 2, views.PAGE_SIZE
    try:
        for _ in range(3):
            factories.make_product(world, "proposed")
        auth.login(world.manager.email)
        newest = ids_of(world.manager)
        html = client.get("/notifications").get_data(as_text=True)
        assert shown_ids(html) == newest[:2]
        older = re.search(r'href="(/notifications\?before=\d+)" data-testid="older"', html)
        assert older
        assert shown_ids(client.get(older.group(1)).get_data(as_text=True)) == newest[2:]
    finally:
        views.PAGE_SIZE = saved


def test_the_page_and_badge_cost_a_flat_number_of_statements(client, auth, world):
    auth.login(world.manager.email)
    product = factories.make_product(world, "draft")
    lifecycle.apply_transition(world.supplier_user, product.id, "submit")

    def statements() -> int:
        with counting_statements() as seen:
            assert client.get("/notifications").status_code == 200
        return len(seen)

    small = statements()
    for _ in range(6):
        factories.make_product(world, "proposed")
        factories.make_product(world, "proposed", supplier=world.supplier_b)
    assert statements() == small
    with counting_statements() as seen:
        client.get("/board")
    assert sum("notifications" in s for s in seen) == 1  # the badge: one COUNT


def test_design_round_notifications_read_as_sentences(client, auth, world):
    from app.db import write_transaction
    from app.models import DesignRound, FeedbackItem

    product = factories.make_product(world, "in_design")
    with write_transaction() as session:
        design_round = DesignRound(product_id=product.id, number=3, status="closed",
                                   decision="another_round", decision_reason="Lid still loose")
        session.add(design_round)
        session.flush()
        items = [FeedbackItem(round_id=design_round.id, product_id=product.id, area="function",
                              severity="major", text=text, internal=internal)
                 for text, internal in (("Lid", False), ("Hinge", False), ("Cost", True))]
        session.add_all(items)
        session.flush()
        notifications.on_feedback(session, world.manager, design_round, items)
        notifications.on_round_decision(session, world.manager, design_round)
        notifications.on_revision(session, world.supplier_user, design_round)
    auth.login(world.supplier_user.email)
    html = client.get("/notifications").get_data(as_text=True)
    name = product.display_name
    assert f"2 new feedback items on {name} (design round 3)." in html
    assert f"Design round 3 of {name}: decision Another round." in html
    assert "Reason: Lid still loose" in html
    assert "Cost" not in html.split('data-testid="notifications"')[1]
    client.post("/logout")
    auth.login(world.designer.email)
    html = client.get("/notifications").get_data(as_text=True)
    assert f"Revision submitted for design round 3 of {name}." in html
