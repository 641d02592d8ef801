"""Reports out of the web pages and the CLI: downloads, supplier isolation, the QC job, verify."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.extensions import db
from tests import factories
from tests.reports.helpers import without_triggers

PDF_TYPE = "application/pdf"


def _is_pdf(response) -> bool:
    return response.mimetype == PDF_TYPE and response.data.startswith(b"%PDF")


def fetch(client, url: str, **kwargs):
    """GET ``url``, read it and close it (a file response holds its file open until then)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


@pytest.fixture
def inspected(world):
    """A product of supplier A in sampling with a completed inspection (3 major defects)."""
    product = factories.make_product(world, "sampling")
    inspection = factories.inspect(world, product.id, "pre_listing", defects={"major": 3})
    return product, inspection


# --- pages ---------------------------------------------------------------------------------------

def test_product_page_offers_both_languages_and_the_pdf_downloads(client, auth, world):
    product = factories.make_product(world, "in_review")
    auth.login(world.manager.email)
    page = client.get(f"/products/{product.id}")
    assert b'data-testid="product-report"' in page.data
    assert f"/products/{product.id}/report.pdf?lang=zh_CN".encode() in page.data
    for lang in ("en", "zh_CN"):
        response = fetch(client, f"/products/{product.id}/report.pdf?lang={lang}")
        assert response.status_code == 200 and _is_pdf(response)
        assert response.headers["Content-Disposition"].startswith("attachment")
    assert fetch(client, f"/products/{product.id}/report.pdf?lang=fr").status_code == 404


def test_inspection_and_supplier_pages_offer_their_reports(client, auth, world, inspected):
    _product, inspection = inspected
    auth.login(world.qc.email)
    assert b'data-testid="inspection-report"' in client.get(
        f"/inspections/{inspection.id}").data
    assert _is_pdf(fetch(client, f"/inspections/{inspection.id}/report.pdf"))
    assert b'data-testid="supplier-report"' in client.get(
        f"/suppliers/{world.supplier_a.id}").data
    assert _is_pdf(fetch(client, f"/suppliers/{world.supplier_a.id}/report.pdf?lang=zh_CN"))


def test_an_open_inspection_offers_no_report(client, auth, world):
    product = factories.make_product(world, "sampling")
    inspection = factories.open_inspection(world, product.id, "pre_listing")
    auth.login(world.qc.email)
    assert b'data-testid="inspection-report"' not in client.get(
        f"/inspections/{inspection.id}").data


def test_a_supplier_gets_its_own_reports_and_404_for_anothers(client, auth, world, inspected):
    product, inspection = inspected
    auth.login(world.supplier_user.email)
    assert b'data-testid="product-report"' in client.get(f"/products/{product.id}").data
    assert _is_pdf(fetch(client, f"/products/{product.id}/report.pdf"))
    assert _is_pdf(fetch(client, f"/inspections/{inspection.id}/report.pdf"))
    assert _is_pdf(fetch(client, f"/suppliers/{world.supplier_a.id}/report.pdf"))
    assert b'data-testid="nav-reports"' not in client.get("/").data
    auth.logout()
    auth.login(world.other_supplier_user.email)
    for url in (f"/products/{product.id}/report.pdf", f"/inspections/{inspection.id}/report.pdf",
                f"/suppliers/{world.supplier_a.id}/report.pdf", "/products/999999/report.pdf",
                "/reports/qc"):
        assert client.get(url).status_code == 404, url


def test_report_downloads_need_a_login(client, world):
    product = factories.make_product(world)
    assert fetch(client, f"/products/{product.id}/report.pdf").status_code in (302, 401)


def test_the_qc_form_refuses_a_backwards_period_naming_the_field(client, auth, world):
    auth.login(world.manager.email)
    page = client.get("/reports/qc")
    assert page.status_code == 200 and b'data-testid="qc-report-form"' in page.data
    assert b'data-testid="nav-reports"' in page.data
    today = factories.today()
    response = client.post("/reports/qc", data={
        "date_from": today.isoformat(), "date_to": (today - timedelta(days=3)).isoformat(),
        "category": "", "supplier": "", "inspector": "", "language": "en"})
    assert response.status_code == 422
    assert b"must be on or after from" in response.data


def test_the_qc_form_queues_a_job_whose_page_links_the_file(app, client, auth, world, inspected,
                                                              tmp_path):
    app.config["SIEVE_JOBS_INLINE"] = True
    app.config["SIEVE_REPORT_DIR"] = str(tmp_path / "job-files")
    auth.login(world.manager.email)
    today = factories.today()
    response = client.post("/reports/qc", data={
        "date_from": (today - timedelta(days=7)).isoformat(), "date_to": today.isoformat(),
        "category": str(world.category.id), "supplier": "", "inspector": str(world.qc.id),
        "language": "zh_CN"})
    assert response.status_code == 302, response.data
    job_page = response.headers["Location"]
    assert "/jobs/" in job_page
    from app.models.jobs import Job

    job = db.session.scalars(db.select(Job).order_by(Job.id.desc())).first()
    assert job.params["kind"] == "qc" and job.params["language"] == "zh_CN"
    assert job.params["params"]["category_id"] == world.category.id
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "succeeded", job.error
    page = client.get(job_page)
    assert page.status_code == 200
    link = _file_link(page.data.decode(), job.id)
    download = fetch(client, link)
    assert download.status_code == 200 and _is_pdf(download)


def _file_link(html: str, job_id: int) -> str:
    links = re.findall(rf'href="([^"]*/jobs/{job_id}/[^"]*)"', html)
    assert links, html
    return links[0].replace("&amp;", "&")


def test_the_verify_page_says_unchanged_for_a_fresh_report_and_refuses_other_pdfs(
        client, auth, world):
    product = factories.make_product(world, "in_review")
    auth.login(world.manager.email)
    assert client.get("/reports/verify").status_code == 200
    report = fetch(client, f"/products/{product.id}/report.pdf").data
    result = client.post("/reports/verify", data={"file": (io.BytesIO(report), "dossier.pdf")},
                         content_type="multipart/form-data")
    assert result.status_code == 200
    assert b'data-ok="true"' in result.data
    other = client.post("/reports/verify",
                        data={"file": (io.BytesIO(factories.PDF), "other.pdf")},
                        content_type="multipart/form-data")
    assert other.status_code == 422 and b'data-ok="false"' in other.data
    assert b"is not a Sieve report" in other.data


def test_a_supplier_cannot_verify_another_suppliers_report(client, auth, world):
    product = factories.make_product(world, "in_review")
    auth.login(world.manager.email)
    report = fetch(client, f"/products/{product.id}/report.pdf").data
    auth.logout()
    auth.login(world.other_supplier_user.email)
    result = client.post("/reports/verify", data={"file": (io.BytesIO(report), "dossier.pdf")},
                         content_type="multipart/form-data")
    assert result.status_code == 404 and b'data-testid="verification"' not in result.data


# --- CLI -----------------------------------------------------------------------------------------

def test_cli_writes_each_record_report_and_prints_its_id_pages_and_events(
        runner, world, inspected, tmp_path):
    product, inspection = inspected
    tmp_path = tmp_path / "out"  # the test's database lives in tmp_path itself
    tmp_path.mkdir()
    for args in (["product", str(product.id)], ["inspection", str(inspection.id)],
                 ["supplier", str(world.supplier_a.id), "--lang", "zh_CN"]):
        target = tmp_path / f"{args[0]}.pdf"
        result = runner.invoke(args=["reports", *args, "--as", world.manager.email,
                                     "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert target.read_bytes().startswith(b"%PDF")
        assert "report SR-" in result.output and " page" in result.output
        assert "covers audit events #" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "inspection.pdf", "product.pdf", "supplier.pdf"]  # no temporary file left behind


def test_cli_qc_report_for_a_period(runner, world, inspected, tmp_path):
    today = factories.today()
    target = tmp_path / "qc.pdf"
    result = runner.invoke(args=["reports", "qc", "--from",
                                 (today - timedelta(days=30)).isoformat(), "--to",
                                 today.isoformat(), "--supplier", str(world.supplier_a.id),
                                 "--as", world.qc.email, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")
    bad = runner.invoke(args=["reports", "qc", "--from", "2025-13-01", "--to", "2025-01-01",
                              "--as", world.qc.email, "-o", str(tmp_path / "bad.pdf")])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_cli_with_a_supplier_token_gets_only_its_own_reports(
        client, runner, world, inspected, tmp_path):
    from tests.api.conftest import basic

    product, inspection = inspected
    tmp_path = tmp_path / "out"  # the test's database lives in tmp_path itself
    tmp_path.mkdir()
    token = client.post("/api/v1/tokens", headers=basic(world.other_supplier_user.email)).json[
        "token"]
    for args in (["product", str(product.id)], ["inspection", str(inspection.id)],
                 ["supplier", str(world.supplier_a.id)]):
        target = tmp_path / "report.pdf"
        result = runner.invoke(args=["reports", *args, "--token", token, "-o", str(target)])
        assert result.exit_code == 1, result.output
        assert "not found" in result.output
        assert list(tmp_path.iterdir()) == []  # neither the file nor a partial one
    own = client.post("/api/v1/tokens", headers=basic(world.supplier_user.email)).json["token"]
    result = runner.invoke(args=["reports", "product", str(product.id), "--token", own,
                                 "-o", str(tmp_path / "own.pdf")])
    assert result.exit_code == 0, result.output
    qc = runner.invoke(args=["reports", "qc", "--from", "2025-01-01", "--to", "2025-01-31",
                             "--token", own, "-o", str(tmp_path / "qc.pdf")])
    assert qc.exit_code == 1 and "not found" in qc.output


def test_cli_needs_exactly_one_way_to_say_who_it_is_for(runner, world, tmp_path):
    product = factories.make_product(world)
    target = str(tmp_path / "r.pdf")
    for extra in ([], ["--as", world.admin.email, "--token", "x"]):
        result = runner.invoke(args=["reports", "product", str(product.id), "-o", target, *extra])
        assert result.exit_code == 1 and "--as EMAIL or --token" in result.output
    unknown = runner.invoke(args=["reports", "product", str(product.id), "-o", target,
                                  "--token", "not-a-token"])
    assert unknown.exit_code == 1 and "token unknown or expired" in unknown.output
    nobody = runner.invoke(args=["reports", "product", str(product.id), "-o", target,
                                 "--as", "nobody@example.com"])
    assert nobody.exit_code == 1 and "no active user" in nobody.output


def test_cli_verify_passes_a_fresh_report_and_fails_a_changed_or_foreign_one(
        runner, world, tmp_path):
    product = factories.make_product(world, "in_review")
    target = tmp_path / "dossier.pdf"
    made = runner.invoke(args=["reports", "product", str(product.id), "--as",
                               world.admin.email, "-o", str(target)])
    assert made.exit_code == 0, made.output
    ok = runner.invoke(args=["reports", "verify", str(target)])
    assert ok.exit_code == 0, ok.output
    assert ": OK, unchanged" in ok.output
    foreign = tmp_path / "other.pdf"
    foreign.write_bytes(factories.PDF)
    refused = runner.invoke(args=["reports", "verify", str(foreign)])
    assert refused.exit_code == 1 and "is not a Sieve report" in refused.output
    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_text("hello")
    assert runner.invoke(args=["reports", "verify", str(not_pdf)]).exit_code == 1
    # A record changed behind the services' back: the events match, the data does not.
    db.session.execute(text("UPDATE products SET name_en = 'Renamed' WHERE id = :id"),
                       {"id": product.id})
    db.session.commit()
    changed = runner.invoke(args=["reports", "verify", str(target)])
    assert changed.exit_code == 1, changed.output
    assert "CHANGED" in changed.output and "differ" in changed.output




def test_cli_verify_names_the_audit_event_that_was_rewritten(runner, world, tmp_path):
    product = factories.make_product(world, "in_review")
    target = tmp_path / "dossier.pdf"
    made = runner.invoke(args=["reports", "product", str(product.id), "--as",
                               world.manager.email, "-o", str(target)])
    assert made.exit_code == 0, made.output
    event_id = int(made.output.split("covers audit events #")[1].split(" ")[0]) + 1
    _rewrite_event_reason(event_id)
    changed = runner.invoke(args=["reports", "verify", str(target)])
    assert changed.exit_code == 1, changed.output
    assert f"CHANGED: event #{event_id} differs" in changed.output


def test_report_downloads_carry_the_same_safe_headers_as_every_file(client, auth, world,
                                                                    inspected):
    from tests.api.conftest import basic

    product, _inspection = inspected
    token = client.post("/api/v1/tokens", headers=basic(world.manager.email)).json["token"]
    api = fetch(client, f"/api/v1/products/{product.id}/report.pdf",
                headers={"Authorization": f"Bearer {token}"})
    auth.login(world.manager.email)
    page = fetch(client, f"/products/{product.id}/report.pdf")
    for response in (page, api):
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'"
        assert response.headers["Cache-Control"] == "private, no-store"


def _rewrite_event_reason(event_id: int) -> None:
    without_triggers("UPDATE audit_events SET reason = 'rewritten' WHERE id = :id",
                     {"id": event_id})
