"""Every route that carries an object id answers 404 to a supplier for another supplier's object,
and no page or endpoint ever shows a supplier an internal note. Routes come from the URL map, so
routes added later are covered without editing this file; a route carrying a new kind of id
fails test_every_id_route_is_covered until _foreign_objects makes one."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from app.extensions import db
from app.models import CorrectiveAction
from app.services import attachments, design, elimination, jobs, metrics
from tests import factories

INTERNAL = "内部备注 internal-only margin talk"
#: Every id a route may carry; a route with another id fails test_every_id_route_is_covered.
ID_ARGS = frozenset({"product_id", "item_id", "attachment_id", "purchase_id", "inspection_id",
                     "defect_id", "capa_id", "job_id", "supplier_id", "import_id", "run_id",
                     "candidate_id"})
#: Values for the other arguments of those routes (e.g. the review action of a CAPA page).
OTHER_ARGS = {"action": "close"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _foreign_objects(world):
    product = factories.make_product(world, "in_design", supplier=world.supplier_b)
    design.open_round(world.manager, product.id)
    item, _note = design.raise_feedback(world.manager, product.id, [
        {"area": "function", "severity": "major", "text": "b: lid leaks"},
        {"area": "cost", "severity": "minor", "text": INTERNAL, "internal": True}])
    attachment = attachments.store_attachment(world.manager, product.id, io.BytesIO(PNG), "b.png")
    # QC records of another product of B: a completed, failed inspection (which B itself may
    # see), its defect, purchase and corrective action request.
    listed = factories.make_product(world, "listed", supplier=world.supplier_b)
    inspection = factories.inspect(world, listed.id, "routine", defects={"critical": 1})
    request = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.inspection_id == inspection.id)).one()
    # A finished report job of B's user (jobs run inline in tests).
    job = jobs.enqueue(world.other_supplier_user, "report", {
        "kind": "product", "params": {"product_id": listed.id}, "language": "en"})
    # B's customer figures (a manager's import), and a sweep that proposes B's product.
    on_sale = factories.make_product(world, "listed", supplier=world.supplier_b)
    imported = metrics.import_rows(world.manager, [
        {"product_id": on_sale.id, "period": "2026-10", "units_sold": 100, "orders": 90,
         "reviews": 40, "avg_rating": 2.5, "positive_reviews": 10, "returns": 5,
         "complaints": 1}])
    elimination.set_category_rules(world.manager, on_sale.category_id, {"min_positive_rate": 90})
    run = elimination.run_sweep(world.manager, "manual", as_of="2026-11-05")
    candidate = elimination.list_candidates(world.manager, run_id=run.id)[0]
    return {"product_id": product.id, "item_id": item.id, "attachment_id": attachment.id,
            "category_id": None, "purchase_id": inspection.purchase_id,
            "inspection_id": inspection.id, "defect_id": inspection.defects[0].id,
            "capa_id": request.id, "job_id": job.id, "supplier_id": world.supplier_b.id,
            "import_id": imported.id, "run_id": run.id, "candidate_id": candidate.id}


def text_of(response) -> str:
    """The body as a reader sees it: JSON decoded, so escaped non-ASCII text is compared too."""
    if response.is_json:
        return json.dumps(response.json, ensure_ascii=False)
    return response.get_data(as_text=True)


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        ids = {a for a in rule.arguments if a.endswith("_id")}
        if ids and ids <= ID_ARGS:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_id_route_is_404_for_another_supplier(app, client, auth, world, token_for):
    objects = _foreign_objects(world)
    headers = token_for(world.supplier_user)
    auth.login(world.supplier_user.email)
    checked = 0
    for rule, method in _id_routes(app):
        url = rule.build({k: objects.get(k, OTHER_ARGS.get(k)) for k in rule.arguments})[1]
        if rule.rule.startswith("/api/"):
            response = client.open(url, method=method, headers=headers, json={})
        else:
            response = client.open(url, method=method, data={})
        assert response.status_code == 404, (method, url, response.status_code)
        assert "b: lid leaks" not in text_of(response)
        checked += 1
    assert checked >= 35


def test_every_id_route_is_covered(app):
    """A route carrying an id this file does not know would silently escape the crawler."""
    unknown = {(rule.rule, a) for rule in app.url_map.iter_rules() for a in rule.arguments
               if a.endswith("_id") and a not in ID_ARGS | {"category_id"}}
    assert unknown == set()
    other = {(rule.rule, a) for rule, _method in _id_routes(app) for a in rule.arguments
             if not a.endswith("_id") and a not in OTHER_ARGS}
    assert other == set()


def test_internal_notes_never_reach_a_supplier(app, client, auth, world, token_for):
    product = factories.make_product(world, "in_design")
    design.open_round(world.manager, product.id)
    design.raise_feedback(world.manager, product.id, [
        {"area": "cost", "severity": "blocking", "text": INTERNAL, "internal": True},
        {"area": "function", "severity": "minor", "text": "visible to the supplier"}])
    headers = token_for(world.supplier_user)
    auth.login(world.supplier_user.email)
    pages = ["/portal", "/board", "/products", f"/products/{product.id}", "/notifications"]
    api = [f"/api/v1/products/{product.id}", f"/api/v1/products/{product.id}/audit",
           f"/api/v1/products/{product.id}/rounds", f"/api/v1/products/{product.id}/reviews",
           "/api/v1/notifications", "/api/v1/products"]
    seen_visible = False
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        assert INTERNAL not in body, url
        seen_visible |= "visible to the supplier" in body
    for url in api:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert INTERNAL not in text_of(response), url
    assert seen_visible
    staff = client.get(f"/api/v1/products/{product.id}/rounds", headers=token_for(world.manager))
    assert INTERNAL in text_of(staff)
    db.session.rollback()
