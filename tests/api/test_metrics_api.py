"""The metrics API: file imports as jobs, JSON batches (200/422), reading back, isolation."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.extensions import db
from app.models import CustomerMetric
from tests.factories import make_product

HEADER = "product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,returns,complaints"


def row(product_id, **fields):
    return {"product_id": product_id, "period": "2026-10", "units_sold": 10, "orders": 9,
            "reviews": 2, "avg_rating": 4.5, "positive_reviews": 2, "returns": 1,
            "complaints": 0, **fields}


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(CustomerMetric))


def test_batch_applied_and_refused(client, world, token_for):
    a, b = make_product(world, "listed"), make_product(world, "listed")
    headers = token_for(world.manager)
    bad = client.post("/api/v1/metrics", headers=headers, json={"rows": [
        row(a.id), row(b.id, returns=30), row(b.id, period="2026-W43")]})
    assert bad.status_code == 422
    details = bad.json["error"]["details"]
    assert details["rows[1].returns"] == ("return rate 300 % is outside 0-100 % (returns 30, "
                                          "units sold 10)")
    assert details["rows[2].period"].startswith("2026-W43 is an ISO week")
    assert bad.json["import"]["status"] == "refused" and stored() == 0
    ok = client.post("/api/v1/metrics", headers=headers, json={"rows": [row(a.id), row(b.id)]})
    assert ok.status_code == 200, ok.json
    assert ok.json["status"] == "applied" and ok.json["summary"]["added"] == 2
    again = client.post("/api/v1/metrics", headers=headers,
                        json={"rows": [row(a.id)], "replace_periods": True})
    assert (again.json["summary"]["unchanged"], again.json["summary"]["removed"]) == (1, 1)
    assert stored() == 1


def test_batch_limits_and_body(client, world, token_for):
    headers = token_for(world.manager)
    too_many = client.post("/api/v1/metrics", headers=headers,
                           json={"rows": [row(1)] * 10_001})
    assert too_many.status_code == 422
    assert too_many.json["error"]["details"]["rows"].startswith("10001 rows: at most 10000")
    assert client.post("/api/v1/metrics", headers=headers,
                       json={"rows": [], "x": 1}).status_code == 422
    assert client.post("/api/v1/metrics", headers=headers, json={"rows": "no"}).status_code == 422


def test_file_import_as_a_job_and_reading_it_back(client, world, token_for):
    product = make_product(world, "listed")
    headers = token_for(world.manager)
    text = f"{HEADER}\n{product.id},2026-10,10,9,2,4.5,2,1,0\n{product.id},2026-11,1,1,0,,0,+1,0\n"
    response = client.post("/api/v1/metrics/imports", headers=headers, data={
        "file": (io.BytesIO(text.encode()), "m.csv"), "replace_periods": "false"},
        content_type="multipart/form-data")
    assert response.status_code == 202
    job = response.json
    assert job["kind"] == "metrics_import" and job["status"] == "succeeded", job
    listing = client.get(f"/api/v1/metrics/imports?job_id={job['id']}", headers=headers).json
    (record,) = listing["items"]
    assert record["id"] == job["result"]["import_id"] and record["status"] == "applied"
    detail = client.get(record["url"], headers=headers).json
    assert detail["errors"] == [] and detail["rows"] == 2
    figures = client.get(f"/api/v1/metrics?product_id={product.id}", headers=headers).json
    assert [f["period"] for f in figures["items"]] == ["2026-11", "2026-10"]
    assert figures["items"][0]["avg_rating"] is None


def test_refused_file_job_and_its_error_report(client, world, token_for):
    product = make_product(world, "listed")
    headers = token_for(world.admin)
    text = f"{HEADER}\n{product.id},2026-10,10,9,2,9,2,1,0\n"
    job = client.post("/api/v1/metrics/imports", headers=headers, data={
        "file": (io.BytesIO(text.encode()), "m.csv")}, content_type="multipart/form-data").json
    assert job["status"] == "failed" and "m.csv:2:avg_rating" in job["error"]
    (record,) = client.get(f"/api/v1/metrics/imports?job_id={job['id']}",
                           headers=headers).json["items"]
    assert record["status"] == "refused" and record["error_count"] == 1
    report = client.get(record["errors_url"], headers=headers)
    assert report.status_code == 200
    assert "m.csv,2,avg_rating,9,average rating 9 is outside 1-5" in report.data.decode()


def test_figures_list_newest_period_then_newest_product_first(client, world, token_for):
    a, b = make_product(world, "listed"), make_product(world, "listed")
    headers = token_for(world.manager)
    assert client.post("/api/v1/metrics", headers=headers, json={"rows": [
        row(a.id, period="2026-09"), row(b.id, period="2026-09"), row(a.id), row(b.id),
        row(a.id, period="2026-11")]}).status_code == 200
    items = client.get("/api/v1/metrics", headers=headers).json["items"]
    assert [(f["period"], f["product_id"]) for f in items] == [
        ("2026-11", a.id), ("2026-10", b.id), ("2026-10", a.id), ("2026-09", b.id),
        ("2026-09", a.id)]


def test_an_api_metrics_file_may_be_larger_than_other_uploads(client, world, token_for, app):
    """token_required reads the form before the view: the metrics limit is set before that."""
    app.config.update(MAX_CONTENT_LENGTH=2000, SIEVE_METRICS_MAX_BYTES=100_000)
    headers = token_for(world.manager)
    body = HEADER + "\n" + "1,2026-10,1,1,0,,0,0,0\n" * 200  # about 4.6 KB
    response = client.post("/api/v1/metrics/imports", headers=headers, data={
        "file": (io.BytesIO(body.encode()), "m.csv")}, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_data(as_text=True)
    app.config["SIEVE_METRICS_MAX_BYTES"] = 3000
    response = client.post("/api/v1/metrics/imports", headers=headers, data={
        "file": (io.BytesIO(body.encode()), "m.csv")}, content_type="multipart/form-data")
    assert response.status_code == 413


def test_suppliers_see_only_their_own_figures(client, world, token_for):
    mine = make_product(world, "listed")
    theirs = make_product(world, "listed", supplier=world.supplier_b)
    client.post("/api/v1/metrics", headers=token_for(world.manager),
                json={"rows": [row(mine.id), row(theirs.id)]})
    headers = token_for(world.supplier_user)
    figures = client.get("/api/v1/metrics", headers=headers).json
    assert [f["product_id"] for f in figures["items"]] == [mine.id]
    assert client.get(f"/api/v1/metrics?product_id={theirs.id}",
                      headers=headers).status_code == 404
    assert client.get("/api/v1/metrics/imports", headers=headers).status_code == 404
    assert client.get("/api/v1/metrics/imports/1", headers=headers).status_code == 404
    assert client.get("/api/v1/metrics/imports/1/errors.csv", headers=headers).status_code == 404
    assert client.post("/api/v1/metrics", headers=headers,
                       json={"rows": [row(mine.id)]}).status_code == 404
    assert client.post("/api/v1/metrics/imports", headers=headers, data={
        "file": (io.BytesIO(b"x"), "m.csv")}, content_type="multipart/form-data").status_code == 404


def test_other_staff_may_not_import(client, world, token_for):
    headers = token_for(world.qc)
    assert client.post("/api/v1/metrics", headers=headers, json={"rows": []}).status_code == 403
    assert client.get("/api/v1/metrics/imports", headers=headers).status_code == 200
    assert client.get("/api/v1/metrics?period=2026-13", headers=headers).status_code == 422
