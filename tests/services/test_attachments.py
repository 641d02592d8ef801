"""Attachments: checked by content, stored under random names, all or nothing, audited, and
visible only to those who may see the product (suppliers never see internal files)."""

from __future__ import annotations

import hashlib
import io
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, AuditEvent
from app.services import attachments as service
from app.services.audit import decoded_changes, events_for
from app.services.errors import Forbidden, NotFound, StateConflict, ValidationFailed
from tests import factories

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(200) + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
WEBP = b"RIFF\xd4\x00\x00\x00WEBPVP8 " + bytes(200)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf)$")


def files_in(folder: Path) -> list[Path]:
    """Every file under the upload folder, temporary ones included."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def attach_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action.in_(["attach", "detach"])))


def assert_nothing_stored(folder: Path) -> None:
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert files_in(folder) == []
    assert attach_events() == 0


class Endless(io.RawIOBase):
    """A JPEG that never ends, counting what was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = 65536 if size is None or size < 0 else size
        chunk = (JPEG[:size] if self.read_bytes == 0 else bytes(size))
        self.read_bytes += len(chunk)
        return chunk


def test_store_records_file_row_and_event(app, world, upload_dir):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.supplier_user, product.id, JPEG, "kettle.jpg")

    assert STORED_NAME.match(attachment.stored_name)
    assert attachment.stored_name != "kettle.jpg"
    path = upload_dir / attachment.stored_name[:2] / attachment.stored_name
    assert files_in(upload_dir) == [path]
    assert path.read_bytes() == JPEG
    assert attachment.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert (attachment.original_name, attachment.content_type, attachment.size_bytes) == (
        "kettle.jpg", "image/jpeg", len(JPEG))
    assert (attachment.purpose, attachment.internal) == ("proposal", False)
    assert attachment.uploaded_by_id == world.supplier_user.id
    for folder in (upload_dir, path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0

    event = events_for(db.session, "product", product.id)[-1]
    assert (event.action, event.actor_id) == ("attach", world.supplier_user.id)
    assert decoded_changes(event) == {"attachment": {"before": None, "after": {
        "id": attachment.id, "name": "kettle.jpg", "sha256": attachment.sha256,
        "size": len(JPEG)}}}

    found, found_path = service.get_attachment_for_download(world.supplier_user, attachment.id)
    assert (found.id, found_path) == (attachment.id, path)


@pytest.mark.parametrize("data,name,content_type", [
    (JPEG, "photo.JPEG", "image/jpeg"), (JPEG, "photo.jpg", "image/jpeg"),
    (PNG, "drawing.Png", "image/png"), (WEBP, "render.webp", "image/webp"),
    (PDF, "spec sheet.PDF", "application/pdf"),
])
def test_allowed_types_are_recognised_by_content(app, world, upload_dir, data, name,
                                                 content_type):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.supplier_user, product.id, io.BytesIO(data), name)
    assert attachment.content_type == content_type
    assert Path(attachment.stored_name).suffix == service.TYPES_BY_CONTENT_TYPE[
        content_type].extension


@pytest.mark.parametrize("data,name,reason,words", [
    (EXE, "setup.jpg", "type_not_allowed", ["setup.jpg", "JPEG, PNG, WebP or PDF"]),
    (b"GIF89a" + bytes(50), "anim.gif", "type_not_allowed", ["anim.gif"]),
    (PNG, "drawing.pdf", "extension_mismatch", ["drawing.pdf", "PNG", ".png"]),
    (JPEG, "photo", "extension_mismatch", ["photo", "JPEG"]),
    (b"", "empty.pdf", "empty", ["empty.pdf", "is empty"]),
    (JPEG, "../../etc/passwd.jpg", "folder_in_name", ["../../etc/passwd.jpg", "folder"]),
    (JPEG, "..\\..\\windows\\win.jpg", "folder_in_name", ["win.jpg", "folder"]),
    (JPEG, "\x00\x07", "no_name", ["no name"]),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(app, world, upload_dir, data, name,
                                                       reason, words):
    product = factories.make_product(world, "draft")
    with pytest.raises(service.UploadRefused) as refused:
        service.store_attachment(world.supplier_user, product.id, data, name)
    assert refused.value.reason == reason
    assert refused.value.status == 422 and "file" in refused.value.details
    for word in words:
        assert word in refused.value.message
    assert_nothing_stored(upload_dir)


def test_oversize_is_refused_as_soon_as_the_limit_is_passed(app, world, upload_dir):
    app.config["SIEVE_MAX_UPLOAD_BYTES"] = 1000
    product = factories.make_product(world, "draft")
    stream = Endless()
    with pytest.raises(service.UploadRefused) as refused:
        service.store_attachment(world.supplier_user, product.id, stream, "huge.jpg")
    assert refused.value.reason == "too_large"
    assert "huge.jpg" in refused.value.message and "1000 B" in refused.value.message
    assert stream.read_bytes <= 1000 + service.CHUNK_BYTES
    assert_nothing_stored(upload_dir)

    with pytest.raises(service.UploadRefused):
        service.store_attachment(world.supplier_user, product.id, JPEG + bytes(1000), "big.jpg")
    assert_nothing_stored(upload_dir)
    exactly = JPEG + bytes(1000 - len(JPEG))
    assert service.store_attachment(world.supplier_user, product.id, exactly, "ok.jpg").size_bytes \
        == 1000


def test_default_limit_and_folder(app, world, tmp_path):
    app.config.pop("SIEVE_UPLOAD_DIR", None)
    app.instance_path = str(tmp_path / "instance")
    assert service.max_upload_bytes() == 10 * 1024 * 1024
    assert service.upload_root() == tmp_path / "instance" / "uploads"


@pytest.mark.parametrize("raw,shown", [
    ("C:\\fakepath\\photo.JPG", "photo.JPG"),
    ("/home/me/photo.jpg", "photo.jpg"),
    ("bad\x07na\nme\u202e.jpg", "badname.jpg"),
    ("  产品照片.jpg  ", "产品照片.jpg"),
    ("x" * 400 + ".jpg", "x" * 251 + ".jpg"),
])
def test_names_are_sanitised_for_display(app, world, upload_dir, raw, shown):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.manager, product.id, JPEG, raw)
    assert attachment.original_name == shown
    assert len(attachment.original_name) <= 255


def test_a_failing_transaction_leaves_no_file(app, world, upload_dir, monkeypatch):
    product = factories.make_product(world, "draft")

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "record_event", broken)
    with pytest.raises(RuntimeError):
        service.store_attachment(world.supplier_user, product.id, JPEG, "kettle.jpg")
    assert_nothing_stored(upload_dir)


def test_a_failing_rename_leaves_no_row(app, world, upload_dir, monkeypatch):
    product = factories.make_product(world, "draft")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(service.os, "replace", broken)
    with pytest.raises(OSError):
        service.store_attachment(world.supplier_user, product.id, JPEG, "kettle.jpg")
    assert_nothing_stored(upload_dir)


def test_another_supplier_sees_nothing(app, world, upload_dir):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.supplier_user, product.id, PDF, "spec.pdf")
    stranger = world.other_supplier_user
    with pytest.raises(NotFound):
        service.store_attachment(stranger, product.id, JPEG, "x.jpg")
    with pytest.raises(NotFound):
        service.list_attachments(stranger, product.id)
    with pytest.raises(NotFound):
        service.get_attachment_for_download(stranger, attachment.id)
    with pytest.raises(NotFound):
        service.delete_attachment(stranger, attachment.id)
    with pytest.raises(NotFound):
        service.get_attachment_for_download(world.manager, 2**31)
    assert len(files_in(upload_dir)) == 1


def test_internal_files_are_staff_only(app, world, upload_dir):
    product = factories.make_product(world, "draft")
    public = service.store_attachment(world.supplier_user, product.id, JPEG, "public.jpg")
    internal = service.store_attachment(world.designer, product.id, PDF, "notes.pdf",
                                        purpose="feedback", internal=True)
    assert [a.id for a in service.list_attachments(world.supplier_user, product.id)] == [
        public.id]
    assert [a.id for a in service.list_attachments(world.qc, product.id)] == [
        public.id, internal.id]
    assert [a.id for a in service.list_attachments(world.manager, product.id, "feedback")] == [
        internal.id]
    with pytest.raises(NotFound):
        service.get_attachment_for_download(world.supplier_user, internal.id)
    with pytest.raises(NotFound):
        service.delete_attachment(world.supplier_user, internal.id)
    assert service.get_attachment_for_download(world.qc, internal.id)[0].id == internal.id
    with pytest.raises(Forbidden):
        service.store_attachment(world.supplier_user, product.id, JPEG, "sneaky.jpg",
                                 internal=True)
    with pytest.raises(ValidationFailed) as bad:
        service.list_attachments(world.manager, product.id, "bogus")
    assert "purpose" in bad.value.details


def test_who_may_attach(app, world, upload_dir):
    draft = factories.make_product(world, "draft")
    proposed = factories.make_product(world, "proposed")
    with pytest.raises(Forbidden):
        service.store_attachment(world.qc, draft.id, JPEG, "qc.jpg")
    with pytest.raises(StateConflict) as late:
        service.store_attachment(world.supplier_user, proposed.id, JPEG, "late.jpg")
    assert "draft" in late.value.message and "proposed" in late.value.message
    with pytest.raises(Forbidden):
        service.store_attachment(world.supplier_user, draft.id, JPEG, "x.jpg", purpose="feedback")
    assert_nothing_stored(upload_dir)
    for staff in (world.admin, world.manager, world.designer):
        service.store_attachment(staff, proposed.id, JPEG, f"{staff.role}.jpg", internal=True)
    assert len(service.list_attachments(world.manager, proposed.id)) == 3
    assert service.may_attach(world.supplier_user, draft)
    assert not service.may_attach(world.supplier_user, proposed)
    assert not service.may_attach(world.qc, draft)
    with pytest.raises(ValidationFailed) as bad:
        service.store_attachment(world.manager, draft.id, JPEG, "x.jpg", purpose="bogus",
                                 ref_id=0, internal="yes")
    assert set(bad.value.details) == {"purpose", "ref_id", "internal"}


def test_supplier_cannot_attach_once_the_product_left_draft_meanwhile(app, world, upload_dir,
                                                                      monkeypatch):
    """The check is repeated inside the transaction: a submit in between wins."""
    from app.services import lifecycle

    product = factories.make_product(world, "draft")
    receive = service._receive

    def submit_meanwhile(*args):
        result = receive(*args)
        lifecycle.apply_transition(world.supplier_user, product.id, "submit", None)
        return result

    monkeypatch.setattr(service, "_receive", submit_meanwhile)
    with pytest.raises(StateConflict):
        service.store_attachment(world.supplier_user, product.id, JPEG, "kettle.jpg")
    assert_nothing_stored(upload_dir)


def test_delete_removes_row_and_file_and_is_audited(app, world, upload_dir):
    product = factories.make_product(world, "draft")
    attachment = service.store_attachment(world.supplier_user, product.id, PNG, "drawing.png")
    attachment_id, sha256 = attachment.id, attachment.sha256
    assert service.delete_attachment(world.supplier_user, attachment_id) == product.id
    db.session.rollback()
    assert db.session.get(Attachment, attachment_id) is None
    assert files_in(upload_dir) == []
    event = events_for(db.session, "product", product.id)[-1]
    assert (event.action, event.actor_id) == ("detach", world.supplier_user.id)
    assert decoded_changes(event) == {"attachment": {"before": {
        "id": attachment_id, "name": "drawing.png", "sha256": sha256, "size": len(PNG)},
        "after": None}}
    with pytest.raises(NotFound):
        service.delete_attachment(world.manager, attachment_id)


def test_who_may_delete(app, world, upload_dir):
    product = factories.make_product(world, "draft")
    own = service.store_attachment(world.supplier_user, product.id, JPEG, "own.jpg")
    by_manager = service.store_attachment(world.manager, product.id, JPEG, "manager.jpg")
    assert service.deletable_ids(world.supplier_user, product, [own, by_manager]) == {own.id}
    assert service.deletable_ids(world.manager, product, [own, by_manager]) == {
        own.id, by_manager.id}
    assert service.deletable_ids(world.designer, product, [own, by_manager]) == set()
    with pytest.raises(Forbidden):
        service.delete_attachment(world.supplier_user, by_manager.id)
    with pytest.raises(Forbidden):
        service.delete_attachment(world.designer, own.id)
    with pytest.raises(Forbidden):
        service.delete_attachment(world.qc, own.id)

    from app.services import lifecycle

    lifecycle.apply_transition(world.supplier_user, product.id, "submit", None)
    with pytest.raises(StateConflict):
        service.delete_attachment(world.supplier_user, own.id)
    assert len(files_in(upload_dir)) == 2
    service.delete_attachment(world.admin, own.id)
    service.delete_attachment(world.manager, by_manager.id)
    assert files_in(upload_dir) == []
    assert attach_events() == 4
