"""The report endpoints of the API: PDFs, supplier isolation, report jobs, verification, OpenAPI."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from tests import factories


@pytest.fixture
def inspected(world):
    product = factories.make_product(world, "sampling")
    inspection = factories.inspect(world, product.id, "pre_listing", defects={"major": 3})
    return product, inspection


def fetch(client, url: str, **kwargs):
    """GET ``url``, read it and close it (a file response holds its file open until then)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


def _pdf_ok(response) -> None:
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["X-Report-Id"].startswith("SR-")
    assert int(response.headers["X-Report-Pages"]) >= 1


def test_each_record_report_is_a_pdf_in_either_language(client, world, token_for, inspected):
    product, inspection = inspected
    headers = token_for(world.manager)
    for url in (f"/api/v1/products/{product.id}/report.pdf",
                f"/api/v1/inspections/{inspection.id}/report.pdf?lang=zh_CN",
                f"/api/v1/suppliers/{world.supplier_a.id}/report.pdf?lang=en"):
        _pdf_ok(fetch(client, url, headers=headers))
    bad = fetch(client, f"/api/v1/products/{product.id}/report.pdf?lang=fr", headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["details"] == {"language": "unsupported"}
    assert fetch(client, f"/api/v1/products/{product.id}/report.pdf").status_code == 401


def test_a_supplier_gets_its_own_reports_and_404_for_anothers(client, world, token_for,
                                                               inspected):
    product, inspection = inspected
    urls = (f"/api/v1/products/{product.id}/report.pdf",
            f"/api/v1/inspections/{inspection.id}/report.pdf",
            f"/api/v1/suppliers/{world.supplier_a.id}/report.pdf")
    for url in urls:
        _pdf_ok(fetch(client, url, headers=token_for(world.supplier_user)))
        refused = fetch(client, url, headers=token_for(world.other_supplier_user))
        assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"
    job = client.post("/api/v1/reports", headers=token_for(world.other_supplier_user),
                      json={"kind": "product", "params": {"product_id": product.id}})
    assert job.status_code == 404


def test_the_qc_report_is_only_a_job(app, client, world, token_for, inspected):
    app.config["SIEVE_JOBS_INLINE"] = True
    today = factories.today()
    params = {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    response = client.post("/api/v1/reports", headers=token_for(world.qc),
                           json={"kind": "qc", "params": params, "language": "zh_CN"})
    assert response.status_code == 202, response.json
    assert response.headers["Location"].endswith(f"/api/v1/jobs/{response.json['id']}")
    job = client.get(response.headers["Location"], headers=token_for(world.qc))
    assert job.status_code == 200 and job.json["id"] == response.json["id"]
    assert job.json["status"] == "succeeded", job.json["error"]  # tests run jobs inline
    assert job.json["params"] == {"kind": "qc", "params": params, "language": "zh_CN"}
    download = fetch(client, job.json["download_url"], headers=token_for(world.qc))
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    supplier = client.post("/api/v1/reports", headers=token_for(world.supplier_user),
                           json={"kind": "qc", "params": params})
    assert supplier.status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"kind": "everything"}, "kind"),
    ({"kind": "product", "params": "product 1"}, "params"),
    ({"kind": "product", "params": {"product_id": 1}, "language": "fr"}, "language"),
    ({"kind": "qc", "params": {"from": "2025-02-01", "to": "2025-01-01"}}, "to"),
    ({"kind": "qc", "params": {"from": "yesterday", "to": "2025-01-01"}}, "from"),
])
def test_a_bad_report_request_names_the_field(client, world, token_for, body, field):
    response = client.post("/api/v1/reports", headers=token_for(world.manager), json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]


def test_verify_says_ok_for_a_fresh_report(client, world, token_for, inspected):
    product, _inspection = inspected
    headers = token_for(world.supplier_user)
    report = fetch(client, f"/api/v1/products/{product.id}/report.pdf", headers=headers)
    response = client.post("/api/v1/reports/verify", headers=headers,
                           data={"file": (io.BytesIO(report.data), "dossier.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["ok"] is True and body["event_id"] is None
    assert body["report_id"] == report.headers["X-Report-Id"]
    assert body["newer_events"] == 0 and "unchanged" in body["message"]
    refused = client.post("/api/v1/reports/verify", headers=token_for(world.other_supplier_user),
                          data={"file": (io.BytesIO(report.data), "dossier.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 404


def test_verify_refuses_what_is_no_sieve_report(client, world, token_for):
    headers = token_for(world.manager)
    for content in (factories.PDF, b"not a pdf at all"):
        response = client.post("/api/v1/reports/verify", headers=headers,
                               data={"file": (io.BytesIO(content), "x.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 422, response.json
        assert "not a Sieve report" in response.json["error"]["message"]
    missing = client.post("/api/v1/reports/verify", headers=headers, data={},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.json["error"]["details"] == {
        "file": "required"}


def test_openapi_documents_the_report_routes(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in ("/api/v1/products/{product_id}/report.pdf",
                 "/api/v1/inspections/{inspection_id}/report.pdf",
                 "/api/v1/suppliers/{supplier_id}/report.pdf"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content == {"application/pdf": {"schema": {"type": "string",
                                                          "format": "binary"}}}
    assert "202" in paths["/api/v1/reports"]["post"]["responses"]
    verify = paths["/api/v1/reports/verify"]["post"]
    assert "multipart/form-data" in verify["requestBody"]["content"]
