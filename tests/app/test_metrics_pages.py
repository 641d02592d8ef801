"""The metrics pages: upload through a job, imports, error report, template, figures, access."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import CustomerMetric, Job, MetricImport
from app.services.metrics.jobs import upload_dir
from tests.factories import make_product

HEADER = "product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,returns,complaints"


def upload(client, text: str, name: str = "oct.csv", replace: bool = False):
    data = {"file": (io.BytesIO(text.encode()), name)}
    if replace:
        data["replace_periods"] = "y"
    return client.post("/metrics/imports", data=data, content_type="multipart/form-data")


def test_a_manager_imports_through_a_job(client, auth, world):
    product = make_product(world, "listed")
    auth.login(world.manager.email)
    response = upload(client, f"{HEADER}\n{product.id},2026-10,10,9,2,4.5,2,1,0\n")
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert response.headers["Location"].endswith(f"/jobs/{job_id}")
    job = db.session.get(Job, job_id)
    assert (job.kind, job.status) == ("metrics_import", "succeeded"), job.error
    record = db.session.scalars(select(MetricImport)).one()
    assert job.result["import_id"] == record.id and job.result["added"] == 1
    assert (record.source, record.status, record.job_id) == ("upload", "applied", job_id)
    assert list(upload_dir().iterdir()) == []  # the uploaded file is gone
    page = client.get(f"/metrics/imports/{record.id}")
    assert page.status_code == 200
    assert b"oct.csv" in page.data and b'data-testid="import-periods"' in page.data
    assert client.get(f"/metrics/jobs/{job_id}").headers["Location"].endswith(
        f"/metrics/imports/{record.id}")
    listing = client.get("/metrics/")
    assert listing.status_code == 200 and f"import-row-{record.id}".encode() in listing.data
    figures = client.get(f"/metrics/figures?product_id={product.id}&period=2026-10")
    assert f"figure-{product.id}-2026-10".encode() in figures.data


def test_a_refused_upload_fails_its_job_and_keeps_no_file(client, auth, world):
    product = make_product(world, "listed")
    auth.login(world.manager.email)
    response = upload(client, f"{HEADER}\n{product.id},2026-10,10,9,2,4.5,2,-1,0\n")
    job = db.session.get(Job, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert job.status == "failed"
    assert "oct.csv:2:returns: negative" in job.error
    record = db.session.scalars(select(MetricImport)).one()
    assert record.status == "refused"
    assert list(upload_dir().iterdir()) == []
    assert db.session.scalar(select(func.count()).select_from(CustomerMetric)) == 0
    page = client.get(f"/metrics/imports/{record.id}")
    assert b"oct.csv:2:returns" in page.data and b'data-testid="error-report"' in page.data
    report = client.get(f"/metrics/imports/{record.id}/errors.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    lines = report.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,value,problem"
    assert lines[1].startswith("oct.csv,2,returns,'-1,negative")


def test_wrong_type_is_refused_before_any_job(client, auth, world):
    auth.login(world.manager.email)
    response = upload(client, "hello", "notes.txt")
    assert response.status_code == 302 and response.headers["Location"].endswith("/metrics/")
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    response = upload(client, "%PDF-1.4 hello", "fake.csv")
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert list(upload_dir().iterdir()) == []
    page = client.get("/metrics/")
    assert "is not a CSV file (it is a PDF document)" in page.data.decode()


def test_upload_size_limit(client, auth, world, app):
    app.config["SIEVE_METRICS_MAX_BYTES"] = 1000
    auth.login(world.manager.email)
    assert upload(client, HEADER + "\n" + "1,2026-10,1,1,0,,0,0,0\n" * 100).status_code == 413


def test_a_metrics_file_may_be_larger_than_other_uploads(client, auth, world, app):
    """SIEVE_METRICS_MAX_BYTES, not MAX_CONTENT_LENGTH, bounds a metrics file, whoever reads the
    body first (CSRFProtect, the input guard)."""
    app.config.update(MAX_CONTENT_LENGTH=2000, SIEVE_METRICS_MAX_BYTES=100_000)
    auth.login(world.manager.email)
    body = HEADER + "\n" + "1,2026-10,1,1,0,,0,0,0\n" * 200  # about 4.6 KB
    assert upload(client, body).status_code != 413
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    assert client.post("/suppliers/new", data={"name": "x" * 3000}).status_code == 413


def test_templates(client, auth, world):
    auth.login(world.qc.email)
    csv = client.get("/metrics/template.csv")
    assert csv.status_code == 200
    assert csv.data.decode("utf-8-sig").splitlines()[0].startswith("product_id,sku,period")
    xlsx = client.get("/metrics/template.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["metrics", "columns"]
    assert workbook["metrics"].max_row == 3


def test_qc_reads_but_does_not_import(client, auth, world):
    auth.login(world.qc.email)
    page = client.get("/metrics/")
    assert page.status_code == 200 and b'data-testid="import-form"' not in page.data
    assert upload(client, HEADER + "\n").status_code == 403


@pytest.mark.parametrize("path", ["/metrics/", "/metrics/figures", "/metrics/template.csv",
                                  "/metrics/template.xlsx", "/metrics/imports/{id}",
                                  "/metrics/imports/{id}/errors.csv", "/metrics/jobs/1"])
def test_suppliers_get_404(client, auth, world, path):
    from app.services import metrics

    product = make_product(world, "listed")
    record = metrics.import_rows(world.manager, [{"product_id": product.id, "period": "2026-10",
                                                  "units_sold": 1, "orders": 1, "reviews": 0,
                                                  "positive_reviews": 0, "returns": 0,
                                                  "complaints": 0}])
    auth.login(world.supplier_user.email)
    assert client.get(path.format(id=record.id)).status_code == 404
    assert upload(client, HEADER + "\n").status_code == 404


def test_figures_filter_problems(client, auth, world):
    auth.login(world.manager.email)
    page = client.get("/metrics/figures?period=2026-13")
    assert b'data-testid="figures-problem"' in page.data and b"month must be 01 to 12" in page.data
    assert b"No product 99999" in client.get("/metrics/figures?product_id=99999").data
