"""Standing in the web UI: the supplier page (badge, reasons, figures, history, Recompute), the
supplier list (column and filter) and the supplier's own portal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Supplier
from app.services import standing
from tests import factories
from tests.conftest import make_app


def standing_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == standing.ACTION))


def test_supplier_page_shows_standing_and_managers_recompute(client, auth, world):
    factories.make_product(world, "listed")
    auth.login(world.manager.email)
    page = client.get(f"/suppliers/{world.supplier_a.id}").get_data(as_text=True)
    assert 'data-standing="none"' in page and "Recompute standing" in page
    assert "Registration status" in page

    done = client.post(f"/suppliers/{world.supplier_a.id}/standing/recompute",
                       follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Standing recomputed: now Approved." in html
    panel = html.split('data-testid="standing"')[1]
    assert 'data-standing="approved"' in panel
    assert 'data-reason="insufficient_data"' in panel and "Not enough data yet" in panel
    assert "not enough data yet (1 inspection, 3 needed" in panel
    assert '<td data-figure="pass_rate">100 %</td>' in panel
    assert '<td data-figure="listed_products">1</td>' in panel
    history = panel.split('data-testid="standing-history"')[1]
    assert world.manager.email in history and 'data-standing="approved"' in history
    assert standing_events() == 1

    again = client.post(f"/suppliers/{world.supplier_a.id}/standing/recompute",
                        follow_redirects=True).get_data(as_text=True)
    assert "Standing recomputed: unchanged (Approved)." in again and standing_events() == 1


@pytest.mark.parametrize("role", ["designer", "qc_inspector"])
def test_other_staff_see_standing_but_may_not_recompute(client, auth, world, role):
    standing.recompute_all(None)
    auth.login(world.user_for_role(role).email)
    page = client.get(f"/suppliers/{world.supplier_b.id}").get_data(as_text=True)
    assert 'data-standing="approved"' in page and "Recompute standing" not in page
    response = client.post(f"/suppliers/{world.supplier_b.id}/standing/recompute")
    assert response.status_code == 403 and standing_events() == 2


def test_a_supplier_gets_404_for_anothers_standing_and_403_for_its_own_recompute(
        client, auth, world):
    auth.login(world.supplier_user.email)
    assert client.get(f"/suppliers/{world.supplier_b.id}").status_code == 404
    assert client.post(f"/suppliers/{world.supplier_b.id}/standing/recompute").status_code == 404
    assert client.post("/suppliers/999999/standing/recompute").status_code == 404
    assert client.post(f"/suppliers/{world.supplier_a.id}/standing/recompute").status_code == 403
    assert standing_events() == 0


def test_supplier_list_has_a_standing_column_and_filter(client, auth, world):
    standing.recompute_all(None)
    db.session.get(Supplier, world.supplier_b.id).standing = "probation"
    db.session.commit()
    auth.login(world.manager.email)
    everyone = client.get("/suppliers").get_data(as_text=True)
    assert f'data-testid="standing-{world.supplier_a.id}"' in everyone
    assert 'data-standing="probation"' in everyone and 'data-standing="approved"' in everyone
    on_probation = client.get("/suppliers?standing=probation").get_data(as_text=True)
    assert "Other Supplier Ltd" in on_probation and "深圳测试电器" not in on_probation
    none = client.get("/suppliers?standing=none").get_data(as_text=True)
    assert "No suppliers match." in none
    unknown = client.get("/suppliers?standing=bogus").get_data(as_text=True)
    assert "Other Supplier Ltd" in unknown and "深圳测试电器" in unknown


def test_the_portal_shows_the_suppliers_own_standing_only(client, auth, world):
    factories.make_product(world, "listed", supplier=world.supplier_b)
    standing.recompute_all(None)
    db.session.get(Supplier, world.supplier_b.id).standing = "probation"
    db.session.commit()
    auth.login(world.supplier_user.email)
    html = client.get("/portal").get_data(as_text=True)
    panel = html.split('data-testid="standing"')[1]
    assert "My standing" in html and 'data-standing="approved"' in panel
    assert "not enough data yet (0 inspections" in panel
    assert '<td data-figure="inspections">0</td>' in panel
    assert 'data-standing="probation"' not in html and "Other Supplier Ltd" not in html


def test_recompute_needs_the_csrf_token(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = factories.build_world()
        email, supplier_id = world.manager.email, world.supplier_a.id
        db.session.remove()
    # requests outside the app context: Flask-WTF caches the token on ``g``
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": email, "password": factories.PASSWORD,
                                "csrf_token": token})
    url = f"/suppliers/{supplier_id}/standing/recompute"
    assert client.post(url).status_code == 400
    with app.app_context():
        assert standing_events() == 0
        db.session.remove()
    page = client.get(f"/suppliers/{supplier_id}").get_data(as_text=True)
    form = page.split(f'action="{url}"')[1]
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert standing_events() == 1
        db.session.remove()


def test_a_manager_overrides_and_clears_the_standing(client, auth, world):
    auth.login(world.manager.email)
    url = f"/suppliers/{world.supplier_a.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Override standing" in page and "Clear override" not in page
    refused = client.post(f"{url}/standing/override", data={"override-standing": "gold",
                                                             "override-reason": ""},
                          follow_redirects=True).get_data(as_text=True)
    assert "reason" in refused and "standing" in refused
    assert db.session.get(Supplier, world.supplier_a.id).standing_override is None
    done = client.post(f"{url}/standing/override", data={
        "override-standing": "probation", "override-reason": "late samples twice"},
        follow_redirects=True).get_data(as_text=True)
    assert "Standing overridden" in done and "Clear override" in done
    assert 'data-reason="manual_override"' in done and "late samples twice" in done
    cleared = client.post(f"{url}/standing/override/clear", data={"clear-reason": "talked"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Override cleared" in cleared
    db.session.expire_all()
    assert db.session.get(Supplier, world.supplier_a.id).standing == "approved"


def test_override_routes_are_404_for_another_supplier_and_403_for_staff(client, auth, world):
    auth.login(world.supplier_user.email)
    b = f"/suppliers/{world.supplier_b.id}/standing/override"
    assert client.post(b, data={"override-standing": "preferred",
                                "override-reason": "x"}).status_code == 404
    assert client.post(f"{b}/clear").status_code == 404
    auth.logout()
    auth.login(world.qc.email)
    assert client.post(b, data={"override-standing": "preferred",
                                "override-reason": "x"}).status_code == 403
    assert db.session.get(Supplier, world.supplier_b.id).standing_override is None
