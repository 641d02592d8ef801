"""The jobs API (status, progress, result or error; the file) and the job pages of the UI."""

from __future__ import annotations

import jsonschema
import pytest

from app.api.jobs import JOB_SCHEMA
from app.services import job_queue, jobs
from tests.services.test_jobs import _queued_row, files_in, install_fake_handlers, use_report_dir


@pytest.fixture
def handlers(monkeypatch):
    return install_fake_handlers(monkeypatch)


@pytest.fixture
def report_dir(app, tmp_path):
    return use_report_dir(app, tmp_path)


def test_owner_reads_a_succeeded_job_and_downloads_its_file(client, world, token_for,
                                                            handlers, report_dir):
    job = jobs.enqueue(world.manager, "greet", {"n": 5})
    headers = token_for(world.manager)
    response = client.get(f"/api/v1/jobs/{job.id}", headers=headers)
    assert response.status_code == 200
    body = response.json
    jsonschema.validate(body, JOB_SCHEMA)
    assert (body["status"], body["progress"], body["step"]) == ("succeeded", 100, "done")
    assert body["result"] == {"file": "greeting.txt", "pages": 3, "report_id": "R-1"}
    assert body["error"] is None and body["params"] == {"n": 5}
    assert body["download_url"] == f"/api/v1/jobs/{job.id}/download"
    download = client.get(body["download_url"], headers=headers, buffered=True)
    assert download.status_code == 200 and download.data == b"hello 5"
    assert download.headers["Content-Disposition"] == "attachment; filename=greeting.txt"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'"
    assert download.headers["Cache-Control"] == "private, no-store"
    listing = client.get("/api/v1/jobs", headers=headers).json["items"]
    assert [item["id"] for item in listing] == [job.id]


def test_a_failed_job_shows_its_error_and_has_no_download(client, world, token_for, handlers,
                                                          report_dir):
    job = jobs.enqueue(world.manager, "explode")
    headers = token_for(world.manager)
    body = client.get(f"/api/v1/jobs/{job.id}", headers=headers).json
    jsonschema.validate(body, JOB_SCHEMA)
    assert (body["status"], body["error"]) == ("failed", "RuntimeError: the printer caught fire")
    assert body["download_url"] is None and body["result"] is None
    assert client.get(f"/api/v1/jobs/{job.id}/download", headers=headers).status_code == 404
    assert files_in(report_dir) == []


def test_download_is_404_until_the_file_exists(client, world, token_for, report_dir):
    job_id = _queued_row(world.manager, job_queue.process_label(), status="queued")
    headers = token_for(world.manager)
    body = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert (body["status"], body["download_url"]) == ("queued", None)
    response = client.get(f"/api/v1/jobs/{job_id}/download", headers=headers)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_other_users_get_404_on_the_job_and_its_download(client, world, token_for, handlers,
                                                         report_dir):
    job = jobs.enqueue(world.supplier_user, "greet")
    for other in (world.other_supplier_user, world.manager):
        headers = token_for(other)
        assert client.get(f"/api/v1/jobs/{job.id}", headers=headers).status_code == 404
        assert client.get(f"/api/v1/jobs/{job.id}/download", headers=headers).status_code == 404
        assert client.get("/api/v1/jobs", headers=headers).json["items"] == []
    admin = token_for(world.admin)
    assert client.get(f"/api/v1/jobs/{job.id}", headers=admin).status_code == 200
    download = client.get(f"/api/v1/jobs/{job.id}/download", headers=admin, buffered=True)
    assert download.status_code == 200
    assert client.get(f"/api/v1/jobs/{job.id}").status_code == 401
    assert client.get("/api/v1/jobs?status=lost", headers=admin).status_code == 422


# -- the pages -----------------------------------------------------------------------------------

REFRESH = '<meta http-equiv="refresh" content="2">'


def test_the_job_page_refreshes_while_running(client, auth, world):
    job_id = _queued_row(world.manager, job_queue.process_label(), status="running")
    auth.login(world.manager.email)
    html = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert REFRESH in html
    assert 'data-status="running"' in html and 'value="10"' in html
    assert "Writing the PDF" in html and "job-download" not in html


def test_the_job_page_links_the_file_when_done(client, auth, world, handlers,
                                               report_dir):
    job = jobs.enqueue(world.manager, "greet")
    auth.login(world.manager.email)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert REFRESH not in html and 'data-status="succeeded"' in html
    assert f'href="/jobs/{job.id}/download"' in html and "3 pages." in html
    download = client.get(f"/jobs/{job.id}/download", buffered=True)
    assert download.status_code == 200 and download.data == b"hello 0"
    assert f'href="/jobs/{job.id}"' in client.get("/jobs").get_data(as_text=True)


def test_the_job_page_shows_the_error(client, auth, world, handlers, report_dir):
    job = jobs.enqueue(world.manager, "explode")
    auth.login(world.manager.email)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert REFRESH not in html and 'data-testid="job-error"' in html
    assert "RuntimeError: the printer caught fire" in html
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


@pytest.mark.parametrize("path", ["/jobs/{id}", "/jobs/{id}/download"])
def test_job_pages_are_404_for_other_users(client, auth, world, handlers, report_dir,
                                           path):
    job = jobs.enqueue(world.supplier_user, "greet")
    auth.login(world.other_supplier_user.email)
    assert client.get(path.format(id=job.id)).status_code == 404
    assert f"/jobs/{job.id}" not in client.get("/jobs").get_data(as_text=True)
