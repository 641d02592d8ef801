"""The attachments API: multipart upload, listing, download and removal, with JSON errors."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from app.services import attachments as service
from tests import factories
from tests.services.test_attachments import EXE, JPEG, PDF, PNG, assert_nothing_stored, files_in


@pytest.fixture
def upload_dir(app, tmp_path) -> Path:
    path = tmp_path / "uploads"
    app.config["SIEVE_UPLOAD_DIR"] = str(path)
    return path


def post_file(client, headers, product_id, data: bytes, name: str, **fields):
    return client.post(f"/api/v1/products/{product_id}/attachments", headers=headers,
                       data={"file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def test_upload_list_download_delete(client, world, token_for, upload_dir):
    product = factories.make_product(world, "draft")
    headers = token_for(world.supplier_user)
    created = post_file(client, headers, product.id, PDF, "spec.pdf")
    assert created.status_code == 201, created.json
    body = created.json
    assert body["name"] == "spec.pdf" and body["content_type"] == "application/pdf"
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["size_bytes"] == len(PDF)
    assert (body["purpose"], body["internal"], body["product_id"]) == ("proposal", False,
                                                                      product.id)
    assert body["uploaded_by_id"] == world.supplier_user.id
    assert body["download_url"] == f"/api/v1/attachments/{body['id']}"

    listing = client.get(f"/api/v1/products/{product.id}/attachments", headers=headers)
    assert listing.status_code == 200 and listing.json["items"] == [body]

    download = client.get(body["download_url"], headers=headers, buffered=True)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'"
    assert download.headers["Content-Disposition"] == "attachment; filename=spec.pdf"

    removed = client.delete(body["download_url"], headers=headers)
    assert removed.status_code == 204 and removed.data == b""
    assert client.get(body["download_url"], headers=headers).status_code == 404
    assert files_in(upload_dir) == []
    audit = client.get(f"/api/v1/products/{product.id}/audit", headers=headers).json["items"]
    assert [e["action"] for e in audit][-2:] == ["attach", "detach"]


@pytest.mark.parametrize("data,name,word", [
    (EXE, "setup.jpg", "setup.jpg"),
    (PNG, "drawing.pdf", "drawing.pdf"),
    (b"", "empty.png", "empty.png"),
    (JPEG, "../../../etc/cron.d/x.jpg", "folder path"),
    (JPEG + bytes(600), "big.jpg", "larger than the limit"),
])
def test_bad_uploads_are_422_and_nothing_is_stored(app, client, world, token_for, upload_dir,
                                                   data, name, word):
    app.config["SIEVE_MAX_UPLOAD_BYTES"] = 500
    product = factories.make_product(world, "draft")
    response = post_file(client, token_for(world.supplier_user), product.id, data, name)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed" and "file" in error["details"]
    assert word in error["message"]
    assert_nothing_stored(upload_dir)


@pytest.mark.parametrize("form,field", [({}, "file"), ({"internal": "maybe"}, "internal"),
                                        ({"ref_id": "-3"}, "ref_id"),
                                        ({"ref_id": "99999999999999999999"}, "ref_id"),
                                        ({"ref_id": "²"}, "ref_id"),
                                        ({"purpose": "selfie"}, "purpose")])
def test_bad_form_fields_are_422(client, world, token_for, upload_dir, form, field):
    product = factories.make_product(world, "draft")
    data = dict(form) if field == "file" else {"file": (io.BytesIO(JPEG), "a.jpg"), **form}
    response = client.post(f"/api/v1/products/{product.id}/attachments",
                           headers=token_for(world.manager), data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert field in response.json["error"]["details"]
    assert_nothing_stored(upload_dir)


def test_request_over_the_size_limit_is_413(app, client, world, token_for, upload_dir):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    product = factories.make_product(world, "draft")
    response = post_file(client, token_for(world.manager), product.id, JPEG + bytes(5000),
                         "big.jpg")
    assert response.status_code == 413 and response.is_json
    assert_nothing_stored(upload_dir)


def test_other_supplier_gets_404_on_every_attachment_route(client, world, token_for,
                                                           upload_dir):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.supplier_user, product.id, JPEG, "secret.jpg")
    headers = token_for(world.other_supplier_user)
    for response in (
        client.get(f"/api/v1/products/{product.id}/attachments", headers=headers),
        post_file(client, headers, product.id, JPEG, "x.jpg"),
        client.post(f"/api/v1/products/{product.id}/attachments", headers=headers,
                    json={"transition": "abandon"}),
        client.get(f"/api/v1/attachments/{attachment.id}", headers=headers),
        client.delete(f"/api/v1/attachments/{attachment.id}", headers=headers),
    ):
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"
        assert "secret.jpg" not in response.get_data(as_text=True)
    assert len(files_in(upload_dir)) == 1


def test_internal_files_are_invisible_to_suppliers(client, world, token_for, upload_dir):
    product = factories.make_product(world, "draft")
    staff = post_file(client, token_for(world.designer), product.id, PDF, "notes.pdf",
                      purpose="feedback", internal="true")
    assert staff.status_code == 201 and staff.json["internal"] is True
    assert staff.json["purpose"] == "feedback"
    headers = token_for(world.supplier_user)
    assert client.get(f"/api/v1/products/{product.id}/attachments",
                      headers=headers).json["items"] == []
    assert client.get(staff.json["download_url"], headers=headers).status_code == 404
    assert client.delete(staff.json["download_url"], headers=headers).status_code == 404
    manager_list = client.get(f"/api/v1/products/{product.id}/attachments?purpose=feedback",
                              headers=token_for(world.manager)).json["items"]
    assert [a["name"] for a in manager_list] == ["notes.pdf"]
    sneaky = post_file(client, headers, product.id, JPEG, "x.jpg", internal="true")
    assert sneaky.status_code == 403
    assert len(files_in(upload_dir)) == 1


def test_roles_and_states(client, world, token_for, upload_dir):
    draft = factories.make_product(world, "draft")
    proposed = factories.make_product(world, "proposed")
    qc = post_file(client, token_for(world.qc), draft.id, JPEG, "qc.jpg")
    assert qc.status_code == 403 and qc.json["error"]["code"] == "forbidden"
    late = post_file(client, token_for(world.supplier_user), proposed.id, JPEG, "late.jpg")
    assert late.status_code == 409 and late.json["error"]["code"] == "invalid_state"
    assert "draft" in late.json["error"]["message"]
    assert_nothing_stored(upload_dir)
    by_designer = post_file(client, token_for(world.designer), proposed.id, JPEG, "design.jpg",
                            purpose="revision", ref_id="7")
    assert by_designer.status_code == 201
    assert (by_designer.json["purpose"], by_designer.json["ref_id"]) == ("revision", 7)
    by_designer = client.get(f"/api/v1/products/{proposed.id}/attachments",
                             headers=token_for(world.qc)).json["items"][0]
    assert client.delete(by_designer["download_url"],
                         headers=token_for(world.qc)).status_code == 403
    assert client.delete(by_designer["download_url"],
                         headers=token_for(world.supplier_user)).status_code == 403
    assert client.delete(by_designer["download_url"],
                         headers=token_for(world.manager)).status_code == 204


def test_token_required(client, world, upload_dir):
    product = factories.make_product(world, "draft")
    for response in (client.get(f"/api/v1/products/{product.id}/attachments"),
                     client.get("/api/v1/attachments/1"),
                     client.delete("/api/v1/attachments/1")):
        assert response.status_code == 401


def test_openapi_documents_attachment_routes(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert set(paths["/api/v1/products/{product_id}/attachments"]) == {"get", "post"}
    assert set(paths["/api/v1/attachments/{attachment_id}"]) == {"get", "delete"}
    upload = paths["/api/v1/products/{product_id}/attachments"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
