"""Attachment pages: upload with a clear message, download with safe headers, removal, and the
product page partial; anything not visible is a 404."""

from __future__ import annotations

import io

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select

from app.catalog.attachments import attachment_context
from app.extensions import db
from app.models import Attachment
from app.services import attachments as service
from app.services.audit import events_for
from tests import factories
from tests.conftest import REPO_ROOT, make_app
from tests.services.test_attachments import EXE, JPEG, PDF, PNG, assert_nothing_stored, files_in

PARTIAL = "catalog/_attachments.html"


def upload(client, product_id, data: bytes, name: str, **fields):
    return client.post(f"/products/{product_id}/attachments",
                       data={"file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_upload_stores_the_file_and_says_so(client, auth, world, upload_dir):
    product = factories.make_product(world, "draft")
    auth.login(world.supplier_user.email)
    response = upload(client, product.id, JPEG, "kettle.jpg")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/products/{product.id}#attachments")
    assert flashes(client) == [("success", "File attached: kettle.jpg.")]
    attachment = db.session.scalars(select(Attachment)).one()
    assert (attachment.product_id, attachment.original_name) == (product.id, "kettle.jpg")
    assert len(files_in(upload_dir)) == 1


@pytest.mark.parametrize("data,name,words", [
    (EXE, "setup.jpg", ["“setup.jpg”", "not a JPEG, PNG, WebP or PDF"]),
    (PNG, "drawing.pdf", ["“drawing.pdf”", "PNG", ".png"]),
    (b"", "empty.pdf", ["“empty.pdf”", "empty"]),
    (JPEG, "../../etc/passwd.jpg", ["“../../etc/passwd.jpg”", "folder"]),
    (JPEG + bytes(2000), "huge.jpg", ["“huge.jpg”", "larger than the limit of 1000 B"]),
])
def test_refused_uploads_flash_the_problem_and_store_nothing(app, client, auth, world,
                                                             upload_dir, data, name, words):
    app.config["SIEVE_MAX_UPLOAD_BYTES"] = 1000
    product = factories.make_product(world, "draft")
    auth.login(world.supplier_user.email)
    assert upload(client, product.id, data, name).status_code == 302
    [(category, message)] = flashes(client)
    assert category == "danger"
    for word in words:
        assert word in message
    assert "Nothing was stored." in message
    assert_nothing_stored(upload_dir)


def test_upload_without_a_csrf_token_is_refused(database_url, tmp_path):
    app = make_app(database_url, WTF_CSRF_ENABLED=True, SIEVE_UPLOAD_DIR=str(tmp_path / "up"))
    with app.app_context():
        world = factories.build_world()
        product = factories.make_product(world, "draft")
        client = app.test_client()
        client.get("/login")
        with client.session_transaction() as session:
            session["_user_id"] = world.supplier_user.get_id()
            session["_fresh"] = True
        response = upload(client, product.id, JPEG, "kettle.jpg")
        assert response.status_code == 400  # CSRFProtect refuses before the view
        assert_nothing_stored(tmp_path / "up")


def test_upload_without_a_file_says_so(client, auth, world, upload_dir):
    product = factories.make_product(world, "draft")
    auth.login(world.supplier_user.email)
    response = client.post(f"/products/{product.id}/attachments", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert flashes(client) == [("danger", "Choose a file to upload.")]


def test_supplier_cannot_upload_after_draft_and_qc_never(client, auth, world, upload_dir):
    proposed = factories.make_product(world, "proposed")
    auth.login(world.supplier_user.email)
    upload(client, proposed.id, JPEG, "late.jpg")
    assert flashes(client) == [
        ("danger", "Files can be added only while the product is a draft.")]
    auth.logout()
    auth.login(world.qc.email)
    upload(client, proposed.id, JPEG, "qc.jpg")
    assert flashes(client)[-1] == ("danger", "Your role may not add this file to this product.")
    assert_nothing_stored(upload_dir)


def test_supplier_internal_flag_is_ignored_and_staff_flag_kept(client, auth, world, upload_dir):
    product = factories.make_product(world, "draft")
    auth.login(world.supplier_user.email)
    upload(client, product.id, JPEG, "mine.jpg", internal="y")
    auth.logout()
    auth.login(world.manager.email)
    upload(client, product.id, PDF, "notes.pdf", internal="y")
    internal = dict(db.session.execute(select(Attachment.original_name, Attachment.internal)).all())
    assert internal == {"mine.jpg": False, "notes.pdf": True}


def test_download_headers(client, auth, world, upload_dir):
    product = factories.make_product(world, "draft")
    image = service.store_attachment(world.supplier_user, product.id, JPEG, "照片.jpg")
    pdf = service.store_attachment(world.supplier_user, product.id, PDF, "spec.pdf")
    auth.login(world.supplier_user.email)

    response = client.get(f"/attachments/{image.id}", buffered=True)
    assert response.status_code == 200 and response.data == JPEG
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert "no-store" in response.headers["Cache-Control"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline") and "%E7%85%A7%E7%89%87.jpg" in disposition

    response = client.get(f"/attachments/{pdf.id}", buffered=True)
    assert response.data == PDF and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=spec.pdf"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"

    auth.logout()
    assert client.get(f"/attachments/{pdf.id}").status_code == 302  # to the login page


def test_other_supplier_gets_404_everywhere(client, auth, world, upload_dir):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.supplier_user, product.id, JPEG, "secret.jpg")
    auth.login(world.other_supplier_user.email)
    for response in (client.get(f"/attachments/{attachment.id}"),
                     client.post(f"/attachments/{attachment.id}/delete"),
                     upload(client, product.id, JPEG, "x.jpg"),
                     client.post(f"/products/{product.id}/attachments",
                                 data={"transition": "abandon", "reason": "x"})):
        assert response.status_code == 404
        assert "secret.jpg" not in response.get_data(as_text=True)
    assert client.get(f"/attachments/{2**31}").status_code == 404
    assert len(files_in(upload_dir)) == 1


def test_internal_files_are_404_and_absent_for_suppliers(client, auth, world, upload_dir):
    product = factories.make_product(world, "draft")
    internal = service.store_attachment(world.designer, product.id, PDF, "internal-notes.pdf",
                                        internal=True)
    auth.login(world.supplier_user.email)
    assert client.get(f"/attachments/{internal.id}").status_code == 404
    assert client.post(f"/attachments/{internal.id}/delete").status_code == 404
    assert "internal-notes.pdf" not in client.get(f"/products/{product.id}").get_data(
        as_text=True)
    auth.logout()
    auth.login(world.qc.email)
    assert client.get(f"/attachments/{internal.id}", buffered=True).status_code == 200


def test_delete_removes_row_and_file(client, auth, world, upload_dir):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.supplier_user, product.id, JPEG, "old.jpg")
    attachment_id = attachment.id
    auth.login(world.supplier_user.email)
    response = client.post(f"/attachments/{attachment_id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/products/{product.id}#attachments")
    assert flashes(client) == [("success", "File removed: old.jpg.")]
    db.session.rollback()
    assert db.session.get(Attachment, attachment_id) is None
    assert files_in(upload_dir) == []
    assert [e.action for e in events_for(db.session, "product", product.id)][-1] == \
        "detach"


def test_delete_refusals_flash_and_keep_the_file(client, auth, world, upload_dir):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.manager, product.id, JPEG, "manager.jpg")
    auth.login(world.supplier_user.email)
    client.post(f"/attachments/{attachment.id}/delete")
    assert flashes(client) == [("danger", "You may not remove this file.")]
    own = service.store_attachment(world.supplier_user, product.id, JPEG, "own.jpg")
    from app.services import lifecycle

    lifecycle.apply_transition(world.supplier_user, product.id, "submit", None)
    client.post(f"/attachments/{own.id}/delete")
    assert flashes(client)[-1] == ("danger",
                                   "Files can be removed only while the product is a draft.")
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 2
    assert len(files_in(upload_dir)) == 2


def render_partial(app, user, product) -> str:
    with app.test_request_context(f"/products/{product.id}"):
        login_user(user)
        return render_template(PARTIAL, product=product, **attachment_context(product))


def test_partial_lists_files_and_offers_what_the_user_may_do(app, world, upload_dir):
    product = factories.make_product(world, "draft")
    own = service.store_attachment(world.supplier_user, product.id, JPEG, "kettle.jpg")
    service.store_attachment(world.manager, product.id, PDF, "review-notes.pdf", internal=True)

    supplier_html = render_partial(app, world.supplier_user, product)
    assert "kettle.jpg" in supplier_html and f"/attachments/{own.id}" in supplier_html
    assert "review-notes.pdf" not in supplier_html
    assert "JPEG" in supplier_html and "UTC" in supplier_html
    assert 'data-testid="attachment-form"' in supplier_html
    assert 'enctype="multipart/form-data"' in supplier_html
    assert 'name="internal"' not in supplier_html
    assert supplier_html.count('data-testid="attachment-delete"') == 1
    assert "JPEG, PNG, WebP or PDF, at most 10 MB." in supplier_html

    manager_html = render_partial(app, world.manager, product)
    assert "review-notes.pdf" in manager_html
    assert 'data-testid="attachment-internal"' in manager_html
    assert 'name="internal"' in manager_html
    assert manager_html.count('data-testid="attachment-delete"') == 2

    qc_html = render_partial(app, world.qc, product)
    assert "review-notes.pdf" in qc_html
    assert "attachment-form" not in qc_html and "attachment-delete" not in qc_html

    from app.services import lifecycle

    lifecycle.apply_transition(world.supplier_user, product.id, "submit", None)
    late_html = render_partial(app, world.supplier_user, product)
    assert "kettle.jpg" in late_html
    assert "attachment-form" not in late_html and "attachment-delete" not in late_html


def test_partial_without_files(app, world, upload_dir):
    product = factories.make_product(world, "proposed")
    html = render_partial(app, world.qc, product)
    assert "No files attached." in html and "<table" not in html


def test_partial_has_no_inline_style_or_script():
    source = (REPO_ROOT / "templates" / PARTIAL).read_text()
    assert "style=" not in source and "<script" not in source and "<style" not in source
