"""Every route that carries an object id answers 404 to a supplier for another supplier's object,
and no page or endpoint ever shows a supplier an internal note. Routes come from the URL map, so
routes added later are covered without editing this file; a route carrying a new kind of id
fails test_every_id_route_is_covered until _foreign_objects makes one.

The crawler at the end logs in as each of three suppliers (tests/api/isolation_world.py: each with
products in every state, QC records, customer figures, candidates, standing and jobs) and asks for
every id route with every other supplier's ids, then for every page, list, API list and export
(CSV and XLSX, every dataset): no body shows another supplier's names, SKU codes or notes."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from flask import g
from pypdf import PdfReader
from sqlalchemy import select

from app.dashboards.charts import CHARTS
from app.exports.responses import XLSX_MIMETYPE
from app.extensions import db
from app.models import CorrectiveAction
from app.services import attachments, design, elimination, jobs, metrics
from app.services import exports as export_service
from tests import factories
from tests.api.conftest import basic
from tests.api.isolation_world import PopulatedWorld, SupplierData, build_populated_world

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


# --- the crawler: three suppliers, every route, every other supplier's ids -----------------------

#: Argument-free GET routes that carry no supplier data (or no page at all).
NOT_PAGES = frozenset({"/login", "/logout", "/healthz", "/api/openapi.json", "/language"})


@pytest.fixture
def populated(app) -> PopulatedWorld:
    @app.before_request
    def forget_the_last_user():
        # The fixture's app context (and so ``g``) outlives each request; in production every
        # request has its own. Flask-Login caches the user on ``g``: drop it, or one supplier's
        # client would act as whoever sent the previous request.
        g.pop("_login_user", None)

    return build_populated_world()


def _session(app, data: SupplierData):
    client = app.test_client()
    response = client.post("/login", data={"email": data.user.email,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302, response.status_code
    token = client.post("/api/v1/tokens", headers=basic(data.user.email)).json["token"]
    return client, {"Authorization": f"Bearer {token}"}


def readable(response) -> str:
    """The body as text a person would read: JSON decoded, XLSX cells, CSV and HTML as sent."""
    if response.mimetype == XLSX_MIMETYPE:
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        try:
            return "\n".join(" ".join(str(v) for v in row if v is not None)
                             for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
        finally:
            book.close()
    if response.mimetype == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return text_of(response)


def fetch(client, url: str, headers: dict, method: str = "GET", **kwargs) -> tuple[int, str]:
    """Status and readable body of one request (bearer token on API routes); the response is
    closed, as a server closes it, so a sent file is released."""
    if url.startswith("/api/"):
        kwargs["headers"] = headers
    response = client.open(url, method=method, **kwargs)
    try:
        return response.status_code, readable(response)
    finally:
        response.close()


def _foreign(body: str, data: SupplierData, world: PopulatedWorld) -> list[str]:
    """The other suppliers' markers in ``body`` (any case: SKU codes are upper case)."""
    body = body.lower()
    return [m for other in world.others(data) for m in other.markers if m.lower() in body]


def _own(body: str, data: SupplierData) -> bool:
    body = body.lower()
    return any(m.lower() in body for m in data.markers)


def _requests_for(rule, values: dict[str, list[int]]):
    """One URL per value of the route's id argument (every id route carries a single id)."""
    (arg,) = [a for a in rule.arguments if a.endswith("_id")]
    for value in values.get(arg, []):
        yield rule.build({arg: value, **{k: OTHER_ARGS[k] for k in rule.arguments if k != arg}},
                         append_unknown=False)[1]


def test_every_supplier_gets_404_for_every_other_suppliers_ids(app, populated):
    """Each supplier, by session and by token, on every id route and method, with every id of
    every other supplier (and the staff-only import and run): 404, nothing of theirs in the body,
    and nothing stored."""
    sessions = [(data, *_session(app, data)) for data in populated.suppliers]
    before = factories.stored_counts()
    checked = 0
    for data, client, headers in sessions:
        targets = [other.ids for other in populated.others(data)] + [populated.shared_ids]
        for rule, method in _id_routes(app):
            for ids in targets:
                for url in _requests_for(rule, ids):
                    body = {"json": {}} if url.startswith("/api/") else {"data": {}}
                    status, text = fetch(client, url, headers, method, **body)
                    assert status == 404, (data.tag, method, url, status)
                    assert not _foreign(text, data, populated), (method, url)
                    checked += 1
    assert checked > 2000
    assert factories.stored_counts() == before


def _pages(app):
    """Every argument-free GET route (pages, lists, dashboards, API lists and exports), plus
    each dataset's export in each format and each dashboard chart."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.rule not in NOT_PAGES:
            yield rule.rule
    for name in export_service.DATASETS:
        for fmt in export_service.FORMATS:
            yield f"/exports/{name}.{fmt}"
    for chart in CHARTS:
        yield f"/dashboards/charts/{chart}.svg"


def test_no_page_list_or_export_shows_another_suppliers_data(app, populated):
    """What each supplier can open without naming an id shows its own records only; the lists
    and exports that are its business do show them (so the check is not vacuous)."""
    for data in populated.suppliers:
        client, headers = _session(app, data)
        seen_own = set()
        for url in _pages(app):
            status, body = fetch(client, url, headers)
            assert status in (200, 302, 403, 404, 422), (data.tag, url, status)
            assert not _foreign(body, data, populated), (data.tag, url)
            assert INTERNAL not in body, (data.tag, url)
            if _own(body, data):
                seen_own.add(url)
        assert {"/products", "/board", "/api/v1/products", "/api/v1/exports/products.csv",
                "/api/v1/exports/products.xlsx", "/exports/products.csv",
                "/exports/metrics.xlsx", "/api/v1/corrective-actions"} <= seen_own, seen_own


def test_staff_pages_show_every_suppliers_markers(app, populated):
    """The markers do reach pages, lists and exports (for staff): a leak would be seen."""
    client = app.test_client()
    client.post("/login", data={"email": populated.world.manager.email,
                                "password": factories.PASSWORD})
    token = client.post("/api/v1/tokens", headers=basic(populated.world.manager.email)).json
    headers = {"Authorization": f"Bearer {token['token']}"}
    for url in ("/products?per_page=100", "/api/v1/exports/products.csv",
                "/exports/metrics.xlsx", "/api/v1/exports/corrective_actions.xlsx"):
        status, body = fetch(client, url, headers)
        assert status == 200, (url, status)
        for data in populated.suppliers:
            assert _own(body, data), (url, data.tag)


def test_filters_naming_another_supplier_are_refused_or_empty(app, populated):
    """A supplier that names another supplier's id in a filter gets 404 or nothing of theirs."""
    for data in populated.suppliers:
        client, headers = _session(app, data)
        for other in populated.others(data):
            urls = [f"/products?supplier_id={other.supplier.id}",
                    f"/api/v1/products?supplier_id={other.supplier.id}",
                    f"/api/v1/inspections?product_id={other.ids['product_id'][7]}",
                    f"/api/v1/corrective-actions?product_id={other.ids['product_id'][7]}",
                    *(f"{prefix}/exports/{name}.csv?{arg}={other.ids[arg][-1]}"
                      for prefix in ("", "/api/v1") for name in ("products", "inspections",
                                                                 "metrics", "corrective_actions")
                      for arg in ("supplier_id", "product_id"))]
            for url in urls:
                status, body = fetch(client, url, headers)
                assert status in (200, 404, 422), (url, status)
                assert not _foreign(body, data, populated), (data.tag, url)


def test_own_job_files_hold_only_own_data(app, populated):
    """A supplier's own export and report jobs: its file is its business, and only its."""
    for data in populated.suppliers:
        client, headers = _session(app, data)
        for job_id in data.ids["job_id"]:
            for url in (f"/jobs/{job_id}/download", f"/api/v1/jobs/{job_id}/download"):
                status, body = fetch(client, url, headers)
                assert status == 200, (url, status)
                assert _own(body, data), url
                assert not _foreign(body, data, populated), (data.tag, url)
