"""The web UI as each role: pages render, forms call the services, the timeline shows the result."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Category, Product, Supplier
from tests import factories

ROLES = ["admin", "selection_manager", "designer", "qc_inspector", "supplier"]


def login_as(auth, world, role):
    auth.login(world.user_for_role(role).email)


@pytest.mark.parametrize("role", ROLES)
def test_main_pages_render_for_every_role(client, auth, world, role):
    product = factories.make_product(world, "in_review")
    login_as(auth, world, role)
    for url in ("/board", "/products", f"/products/{product.id}", "/suppliers",
                f"/suppliers/{world.supplier_a.id}", "/categories",
                "/products?q=Test&state=in_review", f"/products?category_id={world.category.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert product.name_en in client.get("/products").get_data(as_text=True)


def test_board_counts_products_by_state(client, auth, world):
    for state in ("draft", "draft", "listed"):
        factories.make_product(world, state)
    login_as(auth, world, "selection_manager")
    html = client.get("/board").get_data(as_text=True)
    assert 'data-testid="count-draft">2<' in html
    assert 'data-testid="count-listed">1<' in html
    assert 'data-testid="count-rejected">0<' in html


def test_product_list_search_and_filters(client, auth, world):
    kettle = factories.make_product(world, "draft", name_en="Gooseneck kettle", sku_code="GK-7")
    lamp = factories.make_product(world, "proposed", name_en="Desk lamp", name_zh="护眼台灯",
                                  supplier=world.supplier_b, category=world.other_category)
    login_as(auth, world, "selection_manager")

    def names(query):
        html = client.get(f"/products?{query}").get_data(as_text=True)
        return {p.name_en for p in (kettle, lamp) if p.name_en in html}

    assert names("q=gooseneck") == {"Gooseneck kettle"}
    assert names("q=GK-7") == {"Gooseneck kettle"}
    assert names("q=台灯") == {"Desk lamp"}
    assert names("q=Other+Supplier") == {"Desk lamp"}
    assert names("state=proposed") == {"Desk lamp"}
    assert names(f"category_id={world.category.id}") == {"Gooseneck kettle"}
    assert names(f"supplier_id={world.supplier_b.id}") == {"Desk lamp"}


def test_product_list_paginates(app, client, auth, world):
    app.config["SIEVE_PAGE_SIZE"] = 5
    for _ in range(7):
        factories.make_product(world, "draft")
    login_as(auth, world, "selection_manager")
    first = client.get("/products").get_data(as_text=True)
    second = client.get("/products?page=2").get_data(as_text=True)
    assert first.count("/products/") - first.count("/products/new") >= 5
    assert "page=2" in first
    assert second.count('<tr>') - 1 == 2  # header row + two products


def test_transition_buttons_follow_role(client, auth, world):
    product = factories.make_product(world, "in_review")
    login_as(auth, world, "selection_manager")
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    for name in ("accept", "reject", "request_info"):
        assert f'data-testid="transition-{name}"' in html
    client.post("/logout")
    login_as(auth, world, "qc_inspector")
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'data-testid="transition-' not in html


def test_web_transition_with_reason_appears_in_timeline(client, auth, world):
    product = factories.make_product(world, "in_review")
    login_as(auth, world, "selection_manager")
    response = client.post(f"/products/{product.id}/transitions", data={
        "transition": "reject", "reason": "性价比不足 / poor value", "version": product.version},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert 'data-state="rejected"' in html
    assert "性价比不足 / poor value" in html
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.reason, event.actor_id) == ("reject", "性价比不足 / poor value",
                                                            world.manager.id)


def test_web_transition_refusals_are_messages_not_errors(client, auth, world):
    product = factories.make_product(world, "in_review")
    version = product.version
    login_as(auth, world, "selection_manager")
    no_reason = client.post(f"/products/{product.id}/transitions",
                            data={"transition": "reject", "reason": "", "version": version},
                            follow_redirects=True)
    assert "Please give a reason." in no_reason.get_data(as_text=True)
    stale = client.post(f"/products/{product.id}/transitions",
                        data={"transition": "accept", "version": version - 1},
                        follow_redirects=True)
    assert "Someone else changed this product" in stale.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Product, product.id).state == "in_review"


def test_supplier_creates_edits_and_submits_a_proposal(client, auth, world):
    login_as(auth, world, "supplier")
    response = client.post("/products/new", data={
        "name_zh": "电热水壶", "name_en": "", "sku_code": "YP-1", "category_id": "0",
        "description": ""})
    assert response.status_code == 302
    product = db.session.scalars(select(Product).where(Product.sku_code == "YP-1")).one()
    assert (product.supplier_id, product.state) == (world.supplier_a.id, "draft")
    blocked = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "category: a category is required" in blocked
    edit = client.post(f"/products/{product.id}/edit", data={
        "name_zh": "电热水壶", "name_en": "Kettle", "sku_code": "YP-1",
        "category_id": str(world.category.id), "description": "1.7 L, 2200 W",
        "target_price": "199", "unit_cost": "86.50", "currency": "CNY",
        "monthly_capacity": "3000",
        "specifications": "容量 | 1.7 | L\n功率 | 2200 | W\n\n",
        "competitors": "美的 MK-1 | 京东 | 229.90 | https://item.jd.com/1.html",
        "claimed_standards": "GB 4706.1-2005 | 家用电器安全",
        "version": product.version})
    assert edit.status_code == 302
    db.session.rollback()
    product = db.session.get(Product, product.id)
    assert product.name_en == "Kettle" and product.category_id == world.category.id
    assert (product.target_price_cents, product.unit_cost_cents) == (19900, 8650)
    assert product.specifications == [{"name": "容量", "value": "1.7", "unit": "L"},
                                      {"name": "功率", "value": "2200", "unit": "W"}]
    assert product.competitors == [{"name": "美的 MK-1", "channel": "京东", "price_cents": 22990,
                                    "url": "https://item.jd.com/1.html"}]
    form_again = client.get(f"/products/{product.id}/edit").get_data(as_text=True)
    assert "美的 MK-1 | 京东 | 229.90 | https://item.jd.com/1.html" in form_again
    update = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert '"name_en": {"after": "Kettle", "before": ""}' in update.changes
    client.post(f"/products/{product.id}/transitions",
                data={"transition": "submit", "version": product.version})
    db.session.rollback()
    assert db.session.get(Product, product.id).state == "proposed"
    assert client.get(f"/products/{product.id}/edit").status_code == 302  # no longer a draft
    late = client.post(f"/products/{product.id}/edit", data={"name_en": "Late change",
                                                              "category_id": "0"},
                       follow_redirects=True)
    assert "Someone else changed this product" not in late.get_data(as_text=True)
    assert "Only a draft can be edited" in late.get_data(as_text=True)


def test_roles_without_rights_get_403(client, auth, world):
    login_as(auth, world, "designer")
    assert client.get("/products/new").status_code == 403
    assert client.get("/suppliers/new").status_code == 403
    assert client.post("/categories/new", data={"name": "X"}).status_code == 403
    assert client.get(f"/suppliers/{world.supplier_a.id}/edit").status_code == 403


def test_manager_edits_supplier_and_adds_certificate(client, auth, world):
    login_as(auth, world, "selection_manager")
    response = client.post(f"/suppliers/{world.supplier_a.id}/edit", data={
        "name": world.supplier_a.name, "status": "probation", "region": "广东"})
    assert response.status_code == 302
    client.post(f"/suppliers/{world.supplier_a.id}/certificates", data={
        "standard_code": "GB 4706.1-2005", "number": "CCC-1", "expires_on": "2020-01-31"})
    html = client.get(f"/suppliers/{world.supplier_a.id}").get_data(as_text=True)
    assert "GB 4706.1-2005" in html and "table-danger" in html  # expired certificate flagged
    db.session.rollback()
    supplier = db.session.get(Supplier, world.supplier_a.id)
    assert supplier.status == "probation"
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "supplier", AuditEvent.subject_id == supplier.id)).all()
    assert actions == ["create", "update", "add_certificate"]


def test_manager_creates_and_edits_category(client, auth, world):
    login_as(auth, world, "selection_manager")
    client.post("/categories/new", data={"name": "Pillows", "name_zh": "枕头", "sku_cap": "3",
                                         "selection_threshold": "3.8", "parent_id": "0",
                                         "max_design_rounds": "3"})
    category = db.session.scalars(select(Category).where(Category.name == "Pillows")).one()
    assert (category.sku_cap, category.selection_threshold, category.max_design_rounds) == (
        3, 3.8, 3)
    client.post(f"/categories/{category.id}/edit", data={
        "name": "Pillows", "sku_cap": "", "selection_threshold": "4", "max_design_rounds": "3",
        "parent_id": str(world.category.id)})
    db.session.rollback()
    category = db.session.get(Category, category.id)
    assert (category.sku_cap, category.parent_id) == (None, world.category.id)
    html = client.get("/categories").get_data(as_text=True)
    assert "枕头" in html


def test_user_text_is_escaped_everywhere(client, auth, world):
    evil = '<script>alert("x")</script>'
    product = factories.make_product(world, "in_review", name_en=evil, description=evil)
    login_as(auth, world, "selection_manager")
    client.post(f"/products/{product.id}/transitions", data={
        "transition": "reject", "reason": f"{evil} 理由", "version": product.version})
    for url in (f"/products/{product.id}", "/products", "/board"):
        html = client.get(url).get_data(as_text=True)
        assert evil not in html, url
        assert "&lt;script&gt;" in html, url


def test_time_in_state_is_translated(client, auth, world):
    factories.make_product(world, "draft")
    login_as(auth, world, "selection_manager")
    client.post("/language", data={"locale": "zh_CN"})
    html = client.get("/products").get_data(as_text=True)
    assert "0分钟" in html


def test_bad_detail_lines_are_named_and_nothing_changes(client, auth, world):
    product = factories.make_product(world, "draft")
    auth.login(world.supplier_user.email)
    response = client.post(f"/products/{product.id}/edit", data={
        "name_en": "Kettle", "category_id": "0", "version": product.version,
        "target_price": "-3", "competitors": "Good one | JD | 10\nBad one | JD | cheap"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "target_price: must be greater than 0" in html
    assert "competitors[2].price: must be a number" in html
    db.session.rollback()
    assert db.session.get(Product, product.id).target_price_cents == 19900


def test_edit_page_of_a_submitted_product_redirects(client, auth, world):
    product = factories.make_product(world, "proposed")
    auth.login(world.supplier_user.email)
    response = client.get(f"/products/{product.id}/edit", follow_redirects=True)
    assert response.request.path == f"/products/{product.id}"
    assert "Only a draft can be edited" in response.get_data(as_text=True)
