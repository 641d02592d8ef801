"""Locust scenario: Sieve's staff, suppliers and integrators at work at once (see load_test.py).

    locust -f bench/locustfile.py --headless --host http://127.0.0.1:8000 -u 50 -r 10 -t 5m

Expects the demo data (``flask --app app seed-demo``, password ``sieve-demo-2026``) plus the
benchmark drafts of ``bench/gunicorn_harness.py`` (products named "Bench cycle product ...").
The mix, by number of simulated users:

- staff in the browser (manager, designer, QC; logged in through the login form with its CSRF
  token): the board, product lists with filters, product pages, dashboards and their SVG charts,
  suppliers, QC overview, corrective actions, metrics, elimination, notifications;
- suppliers in their portal: the portal, their products' pages;
- API readers (bearer token): product lists and pages, inspections, corrective actions,
  dashboard JSON;
- API writers moving the benchmark drafts around draft -> proposed -> in_review -> draft with
  ``version`` (a 409 means another user moved the product first: expected, counted apart);
- QC inspectors through the API: a routine sample purchase of a listed product, its inspection,
  completed with every checklist item passed;
- uploaders: a PNG attachment to a product, then its download.

Every answer other than 2xx/3xx (and 409 on a transition) is a failure. At the end the counts of
409s and of 5xx answers are written as JSON to ``$SIEVE_LOCUST_COUNTS`` when it is set.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import struct
import threading
import uuid
import zlib
from base64 import b64encode
from collections import Counter
from datetime import UTC, datetime, timedelta

import requests
from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("SIEVE_DEMO_PASSWORD", "sieve-demo-2026")
MANAGER = "manager@sieve.demo"
STAFF = ("manager@sieve.demo", "designer@sieve.demo", "qc@sieve.demo", "admin@sieve.demo")
CYCLE = {"draft": "submit", "proposed": "start_review", "in_review": "request_info"}
BENCH_PREFIX = "Bench cycle product"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

#: Filled once at test start from the API (ids the simulated users pick from).
WORLD: dict = {}
COUNTS: Counter = Counter()
_supplier_cycle = itertools.count()
_lock = threading.Lock()


def _png(size: int = 8) -> bytes:
    """A small valid PNG (a grey square), so the upload passes the content check."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\x80" * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = _png()


def _token(host: str, email: str) -> str:
    resp = requests.post(f"{host}/api/v1/tokens", timeout=60, headers={
        "Authorization": "Basic " + b64encode(f"{email}:{PASSWORD}".encode()).decode()})
    resp.raise_for_status()
    return resp.json()["token"]


def _all(host: str, token: str, path: str) -> list[dict]:
    items, page = [], 1
    while True:
        resp = requests.get(f"{host}{path}{'&' if '?' in path else '?'}per_page=200&page={page}",
                            headers={"Authorization": f"Bearer {token}"}, timeout=60)
        resp.raise_for_status()
        body = resp.json()
        items += body["items"]
        if "total" not in body or page * body["per_page"] >= body["total"]:
            return items
        page += 1


@events.test_start.add_listener
def discover(environment, **_kwargs) -> None:
    host = environment.host.rstrip("/")
    token = _token(host, MANAGER)
    products = _all(host, token, "/api/v1/products")
    suppliers = _all(host, token, "/api/v1/suppliers")
    WORLD.update({
        "products": [p["id"] for p in products],
        "listed": [p["id"] for p in products if p["state"] == "listed"],
        "bench": [p["id"] for p in products if (p.get("name_en") or "").startswith(BENCH_PREFIX)],
        "suppliers": [s["id"] for s in suppliers],
        "categories": [c["id"] for c in _all(host, token, "/api/v1/categories")],
        "inspections": [i["id"] for i in _all(host, token, "/api/v1/inspections")][:200],
        "supplier_emails": [f"supplier{n}@sieve.demo" for n in range(1, 10)],
        "supplier_tokens": {},
    })
    WORLD["own"] = {}
    for email in WORLD["supplier_emails"]:
        supplier_token = _token(host, email)
        own = _all(host, supplier_token, "/api/v1/products")
        if own:
            WORLD["supplier_tokens"][own[0]["supplier_id"]] = supplier_token
        WORLD["own"][email] = [p["id"] for p in own]


@events.request.add_listener
def count_5xx(response=None, **_kwargs) -> None:
    if response is not None and getattr(response, "status_code", 0) >= 500:
        COUNTS["5xx"] += 1


@events.test_stop.add_listener
def write_counts(**_kwargs) -> None:
    path = os.environ.get("SIEVE_LOCUST_COUNTS")
    if path:
        with open(path, "w") as fh:
            json.dump(dict(COUNTS), fh)


class WebUser(HttpUser):
    """Logs in through the form (session cookie, CSRF token), as a person would."""

    abstract = True
    email = MANAGER

    def on_start(self) -> None:
        page = self.client.get("/login", name="/login")
        match = CSRF.search(page.text)
        with self.client.post("/login", name="/login [POST]", catch_response=True, data={
                "csrf_token": match.group(1) if match else "", "email": self.email,
                "password": PASSWORD, "next": ""}) as resp:
            if "/login" in resp.url:  # the form came back: refused
                resp.failure(f"login as {self.email} refused")


class StaffBrowser(WebUser):
    weight = 5
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.email = random.choice(STAFF[:3])
        super().on_start()

    @task(3)
    def board(self):
        self.client.get("/board")

    @task(2)
    def product_list(self):
        params = random.choice([{}, {"state": "listed"}, {"state": "draft"}, {"q": "Bench"},
                                {"category_id": random.choice(WORLD["categories"])}])
        self.client.get("/products", params=params, name="/products?filters")

    @task(4)
    def product_page(self):
        self.client.get(f"/products/{random.choice(WORLD['products'])}", name="/products/[id]")

    @task(2)
    def dashboards(self):
        page = random.choice(["pipeline", "qc", "catalogue", "suppliers"])
        self.client.get(f"/dashboards/{page}", name="/dashboards/[page]")

    @task(1)
    def chart(self):
        name = random.choice(["funnel", "durations", "pass-rate", "pareto", "spend", "caps",
                              "capa-ages", "customer", "leaderboard"])
        self.client.get(f"/dashboards/charts/{name}.svg", name="/dashboards/charts/[name].svg")

    @task(1)
    def suppliers(self):
        self.client.get("/suppliers")
        self.client.get(f"/suppliers/{random.choice(WORLD['suppliers'])}", name="/suppliers/[id]")

    @task(1)
    def quality(self):
        self.client.get(random.choice(["/qc/", "/corrective-actions"]), name="/qc/ or /corrective-actions")

    @task(1)
    def monitoring(self):
        pages = ["/notifications"]
        if self.email == MANAGER:  # metrics and the sweep are the managers' pages
            pages += ["/metrics/figures", "/elimination/"]
        self.client.get(random.choice(pages), name="/metrics|elimination|notifications")


class SupplierBrowser(WebUser):
    weight = 2
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        emails = [e for e in WORLD["supplier_emails"] if WORLD["own"].get(e)]
        with _lock:
            self.email = emails[next(_supplier_cycle) % len(emails)]
        super().on_start()

    @task(2)
    def portal(self):
        self.client.get("/portal")

    @task(3)
    def own_product(self):
        self.client.get(f"/products/{random.choice(WORLD['own'][self.email])}",
                        name="/products/[id] (supplier)")


class ApiUser(HttpUser):
    abstract = True
    email = MANAGER

    def on_start(self) -> None:
        resp = self.client.post("/api/v1/tokens", name="/api/v1/tokens", auth=(self.email, PASSWORD))
        self.headers = {"Authorization": f"Bearer {resp.json()['token']}"}


class ApiReader(ApiUser):
    weight = 2
    wait_time = between(0.5, 2.0)

    @task(3)
    def products(self):
        params = random.choice([{}, {"state": "listed"}, {"state": "in_review"},
                                {"supplier_id": random.choice(WORLD["suppliers"])}])
        self.client.get("/api/v1/products", params=params, headers=self.headers,
                        name="/api/v1/products?filters")

    @task(3)
    def product(self):
        self.client.get(f"/api/v1/products/{random.choice(WORLD['products'])}",
                        headers=self.headers, name="/api/v1/products/[id]")

    @task(1)
    def inspections(self):
        self.client.get("/api/v1/inspections", headers=self.headers)

    @task(1)
    def corrective_actions(self):
        self.client.get("/api/v1/corrective-actions", headers=self.headers)

    @task(1)
    def dashboard(self):
        name = random.choice(["pipeline", "qc", "catalogue", "suppliers"])
        self.client.get(f"/api/v1/dashboards/{name}", headers=self.headers,
                        name="/api/v1/dashboards/[name]")


class Transitioner(ApiUser):
    """Moves the benchmark drafts around the review loop, with the version it read."""

    weight = 2
    wait_time = between(0.5, 2.0)

    @task
    def transition(self):
        product_id = random.choice(WORLD["bench"])
        resp = self.client.get(f"/api/v1/products/{product_id}", headers=self.headers,
                               name="/api/v1/products/[id]")
        if resp.status_code != 200:
            return
        product = resp.json()
        name = CYCLE[product["state"]]
        headers = self.headers
        if name == "submit":
            headers = {"Authorization": f"Bearer {WORLD['supplier_tokens'][product['supplier_id']]}"}
        body = {"transition": name, "version": product["version"]}
        if name == "request_info":
            body["reason"] = "Load test: please add the test report"
        with self.client.post(f"/api/v1/products/{product_id}/transitions", json=body,
                              headers=headers, catch_response=True,
                              name="/api/v1/products/[id]/transitions") as post:
            if post.status_code == 409:
                COUNTS["409"] += 1
                post.success()
            elif post.status_code == 200:
                COUNTS["transitions"] += 1


class Inspector(ApiUser):
    """A routine spot check of a listed product: purchase, inspection, completion (all pass)."""

    email = "qc@sieve.demo"
    weight = 1
    wait_time = between(1.0, 3.0)

    @task
    def spot_check(self):
        product_id = random.choice(WORLD["listed"])
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
        purchase = self.client.post(f"/api/v1/products/{product_id}/purchases", headers=self.headers,
                                    name="/api/v1/products/[id]/purchases", json={
            "kind": "routine", "channel": "platform", "store_name": "Sieve load test",
            "order_number": f"LOAD-{uuid.uuid4().hex[:16]}", "purchased_on": yesterday,
            "quantity": 32, "unit_price": "1.00", "batch_code": "LOT-LOAD"})
        if purchase.status_code != 201:
            return
        opened = self.client.post(f"/api/v1/purchases/{purchase.json()['id']}/inspection",
                                  headers=self.headers, name="/api/v1/purchases/[id]/inspection",
                                  json={"lot_size": 500, "level": "S-1"})
        if opened.status_code not in (200, 201):
            return
        inspection = opened.json()
        checklist = {c["item"]: "pass" for c in inspection.get("checklist", [])}
        self.client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=self.headers,
                         name="/api/v1/inspections/[id]/complete", json={
            "checklist": checklist, "summary": "Load test spot check", "production_steady": True})
        COUNTS["inspections"] += 1


class Uploader(ApiUser):
    """A staff member attaching a photo to a product, then opening it."""

    weight = 1
    wait_time = between(1.0, 3.0)

    @task
    def upload(self):
        product_id = random.choice(WORLD["products"])
        resp = self.client.post(f"/api/v1/products/{product_id}/attachments", headers=self.headers,
                                name="/api/v1/products/[id]/attachments",
                                files={"file": ("photo.png", PNG, "image/png")},
                                data={"internal": "true"})
        if resp.status_code == 201:
            self.client.get(resp.json()["download_url"], headers=self.headers,
                            name="/api/v1/attachments/[id]")
            COUNTS["uploads"] += 1
