"""A read-only database, a full database, a full disk: pages answer a clear 503 page, the API
a 503 JSON error, each saying what happened; nothing is half-written (no row, no file)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, AuditEvent, CustomerMetric, Job, MetricImport, Product
from app.services import jobs
from tests import factories
from tests.faults.killing import files_in, row_counts
from tests.faults.storage import (
    disk_full_words,
    full_database,
    full_disk_under,
    read_only_database,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
HEADER = "product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,returns,complaints"
READ_ONLY_PAGE = "The database is read-only, so nothing was saved."
FULL_PAGE = "No space left on device, so nothing was saved."


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def page_upload(client, product_id: int):
    return client.post(f"/products/{product_id}/attachments",
                       data={"file": (io.BytesIO(PNG), "photo.png")},
                       content_type="multipart/form-data")


def api_upload(client, headers, product_id: int):
    return client.post(f"/api/v1/products/{product_id}/attachments", headers=headers,
                       data={"file": (io.BytesIO(PNG), "photo.png")},
                       content_type="multipart/form-data")


def assert_page_says(response, text: str) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert text in html and "<h1 class=\"display-5\">503</h1>" in html


def assert_json_says(response, code: str, words: str) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "60"
    error = response.json["error"]
    assert error["code"] == code and words in error["message"], error


def assert_no_attachment(upload_dir: Path) -> None:
    assert count(Attachment) == 0
    assert not upload_dir.exists() or files_in(upload_dir) == []


def test_read_only_database_page_says_so_and_changes_nothing(client, auth, world):
    product = factories.make_product(world, "in_review")
    auth.login(world.manager.email)
    events, version = count(AuditEvent), product.version
    with read_only_database():
        response = client.post(f"/products/{product.id}/transitions", data={
            "transition": "reject", "reason": "poor value", "version": version})
    assert_page_says(response, READ_ONLY_PAGE)
    assert count(AuditEvent) == events
    assert db.session.get(Product, product.id).state == "in_review"


def test_read_only_database_api_says_so_and_stores_no_file(client, world, token_for,
                                                           upload_dir):
    product = factories.make_product(world, "draft")
    headers = token_for(world.supplier_user)
    with read_only_database():
        response = api_upload(client, headers, product.id)
        assert_json_says(response, "database_read_only", "the database is read-only")
        assert client.get("/api/v1/products", headers=headers).status_code == 200  # reads go on
    assert_no_attachment(upload_dir)


def test_full_database_refuses_an_attachment_upload_page_and_api(client, auth, world, token_for,
                                                               upload_dir):
    product = factories.make_product(world, "draft")
    headers = token_for(world.supplier_user)
    auth.login(world.supplier_user.email)
    with full_database():
        assert_page_says(page_upload(client, product.id), FULL_PAGE)
        assert_json_says(api_upload(client, headers, product.id), "disk_full",
                         "no space left on device")
    assert_no_attachment(upload_dir)


def test_full_disk_refuses_an_attachment_upload_page_and_api(client, auth, world, token_for,
                                                           upload_dir, monkeypatch):
    product = factories.make_product(world, "draft")
    headers = token_for(world.supplier_user)
    auth.login(world.supplier_user.email)
    upload_dir.mkdir(parents=True, exist_ok=True)
    events = count(AuditEvent)
    with full_disk_under(upload_dir, monkeypatch):
        assert_page_says(page_upload(client, product.id), FULL_PAGE)
        assert_json_says(api_upload(client, headers, product.id), "disk_full",
                         "no space left on device")
    assert_no_attachment(upload_dir)
    assert count(AuditEvent) == events
    response = page_upload(client, product.id)  # space again: the same upload goes through
    assert response.status_code == 302 and count(Attachment) == 1


def _metrics_csv(product_id: int) -> bytes:
    return f"{HEADER}\n{product_id},2026-10,100,90,10,4.5,9,5,1\n".encode()


def test_full_disk_refuses_a_metrics_upload_page_and_api(app, client, auth, world, token_for,
                                                       monkeypatch):
    product = factories.make_product(world)
    uploads = Path(app.config["SIEVE_REPORT_DIR"]) / "metrics-uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    headers = token_for(world.manager)
    auth.login(world.manager.email)
    with full_disk_under(uploads, monkeypatch):
        response = client.post("/metrics/imports", data={
            "file": (io.BytesIO(_metrics_csv(product.id)), "october.csv")},
            content_type="multipart/form-data")
        assert_page_says(response, FULL_PAGE)
        response = client.post("/api/v1/metrics/imports", headers=headers, data={
            "file": (io.BytesIO(_metrics_csv(product.id)), "october.csv")},
            content_type="multipart/form-data")
        assert_json_says(response, "disk_full", "no space left on device")
    assert files_in(uploads) == []
    assert (count(Job), count(MetricImport), count(CustomerMetric)) == (0, 0, 0)


def test_full_database_refuses_a_metrics_upload_and_keeps_no_file(app, client, world,
                                                                 token_for):
    product = factories.make_product(world)
    headers = token_for(world.manager)
    with full_database():  # the job's row cannot be written: the saved upload goes again
        response = client.post("/api/v1/metrics/imports", headers=headers, data={
            "file": (io.BytesIO(_metrics_csv(product.id)), "october.csv")},
            content_type="multipart/form-data")
    assert_json_says(response, "disk_full", "no space left on device")
    assert files_in(Path(app.config["SIEVE_REPORT_DIR"])) == []
    assert (count(Job), count(MetricImport), count(CustomerMetric)) == (0, 0, 0)


def test_database_filling_up_during_a_metrics_import_stores_no_figure(app, client, world,
                                                                    token_for):
    products = [factories.make_product(world) for _ in range(3)]
    headers = token_for(world.manager)
    rows = "".join(f"{p.id},2026-{m:02d},100,90,10,4.5,9,5,1\n" for p in products
                   for m in range(1, 13))
    with full_database(table="customer_metrics"):
        response = client.post("/api/v1/metrics/imports", headers=headers, data={
            "file": (io.BytesIO(f"{HEADER}\n{rows}".encode()), "year.csv")},
            content_type="multipart/form-data")
    assert response.status_code == 202  # the job was accepted, then failed
    job = response.json
    assert job["status"] == "failed" and disk_full_words() in job["error"], job
    record = db.session.scalars(select(MetricImport)).one()
    assert record.status == "failed"
    assert "stored nothing" in record.errors[0]["problem"]
    assert disk_full_words() in record.errors[0]["problem"]
    assert count(CustomerMetric) == 0
    assert files_in(Path(app.config["SIEVE_REPORT_DIR"])) == []


def test_full_disk_fails_a_report_job_without_a_file(app, client, world, token_for,
                                                    monkeypatch, tmp_path):
    report_dir = tmp_path / "reports"
    app.config["SIEVE_REPORT_DIR"] = str(report_dir)
    headers = token_for(world.manager)
    before = row_counts(skip=("jobs",))

    def temp_path_on_a_full_disk(job_id: int) -> Path:
        link = jobs.output_dir() / f".job-{job_id}.part"
        if not link.is_symlink():
            link.symlink_to("/dev/full")  # writes through it: ENOSPC from the kernel
        return link

    monkeypatch.setattr(jobs, "temp_path", temp_path_on_a_full_disk)
    response = client.post("/api/v1/reports", headers=headers, json={
        "kind": "supplier", "params": {"supplier_id": world.supplier_a.id}})
    assert response.status_code == 202
    job = response.json
    assert job["status"] == "failed" and "No space left on device" in job["error"], job
    assert sorted(os.listdir(report_dir)) == []  # neither the partial file nor a job folder
    assert row_counts(skip=("jobs",)) == before
    assert client.get(f"/api/v1/jobs/{job['id']}/download", headers=headers).status_code == 404


def test_read_only_database_refuses_a_report_job_with_503(app, client, world, token_for):
    headers = token_for(world.manager)
    with read_only_database():
        response = client.post("/api/v1/reports", headers=headers, json={
            "kind": "supplier", "params": {"supplier_id": world.supplier_a.id}})
    assert_json_says(response, "database_read_only", "the database is read-only")
    assert count(Job) == 0
    assert files_in(Path(app.config["SIEVE_REPORT_DIR"])) == []
