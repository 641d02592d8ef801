"""Files attached to products: images and PDFs, checked by content, stored under random names.

Files live outside the web root (``SIEVE_UPLOAD_DIR``, default ``<instance>/uploads``), each
under a random name in a two-character sub-folder, and are only ever served after
:func:`get_attachment_for_download` has checked that the caller may see the product (and, for a
supplier, that the file is not internal). An upload is streamed into a temporary file in its
final folder while its size, type and SHA-256 are checked; the row and its audit event are
written in one transaction, and the file is renamed into place inside it (so a committed row
always has its file). Whatever fails, nothing is left behind: no row, no event, no file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import Attachment, Product, User
from app.models.attachments import ATTACHMENT_PURPOSES
from app.models.base import MAX_ID
from app.services.audit import record_event
from app.services.errors import (
    Forbidden,
    NotFound,
    StateConflict,
    ValidationFailed,
    raise_if_errors,
)
from app.services.visibility import get_visible_product
from workflows.lifecycle import Role, State

log = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
MAX_NAME_CHARS = 255


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str  # short, language-neutral: shown in lists and error messages
    extension: str  # of the stored file
    accepted_extensions: tuple[str, ...]  # of the uploaded file's name


FILE_TYPES = (
    FileType("image/jpeg", "JPEG", ".jpg", (".jpg", ".jpeg")),
    FileType("image/png", "PNG", ".png", (".png",)),
    FileType("image/webp", "WebP", ".webp", (".webp",)),
    FileType("application/pdf", "PDF", ".pdf", (".pdf",)),
)
TYPES_BY_CONTENT_TYPE = {t.content_type: t for t in FILE_TYPES}
#: For the file input's ``accept`` attribute (a hint to the browser; the server checks content).
ACCEPT = ",".join([e for t in FILE_TYPES for e in t.accepted_extensions]
                  + [t.content_type for t in FILE_TYPES])
#: Bytes needed from the start of a file to recognise every allowed type.
_MAGIC_BYTES = 12
#: Purposes whose files belong to a QC record and are only added through the QC service.
RECORD_PURPOSES = frozenset({"receipt", "defect_photo", "capa_evidence"})
#: Roles that may attach files to any product in any state.
STAFF_UPLOADERS = {Role.ADMIN, Role.SELECTION_MANAGER, Role.DESIGNER}
#: Roles that may remove any file.
STAFF_REMOVERS = {Role.ADMIN, Role.SELECTION_MANAGER}
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp|pdf)$")
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class UploadRefused(ValidationFailed):
    """A file refused for its name, size or content (HTTP 422, code ``validation_failed``).

    ``reason`` is one of ``empty``, ``too_large``, ``type_not_allowed``, ``extension_mismatch``,
    ``folder_in_name`` and ``no_name``; ``file_name`` and ``params`` let the web UI say the same
    thing in the user's language.
    """

    def __init__(self, reason: str, file_name: str, message: str, **params):
        super().__init__(f"file: {message}", {"file": reason.replace("_", " ")})
        self.reason = reason
        self.file_name = file_name
        self.params = params


# -- names, types and sizes --------------------------------------------------------------------


def detect_type(head: bytes) -> FileType | None:
    """The allowed type the content's first bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES_BY_CONTENT_TYPE["image/jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES_BY_CONTENT_TYPE["image/png"]
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return TYPES_BY_CONTENT_TYPE["image/webp"]
    if head.startswith(b"%PDF-"):
        return TYPES_BY_CONTENT_TYPE["application/pdf"]
    return None


def _strip_unsafe(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if unicodedata.category(c) not in _UNSAFE_CATEGORIES)


def display_name(raw: str | None) -> str:
    """The name to show for an uploaded file: no folders, no control or format characters
    (bidirectional overrides included), at most 255 characters with the extension kept.
    Returns "" when nothing is left."""
    text = _strip_unsafe(raw or "")
    text = re.split(r"[/\\]", text)[-1].strip().strip(".").strip()
    if len(text) > MAX_NAME_CHARS:
        stem, ext = os.path.splitext(text)
        ext = ext if len(ext) <= 16 else ""
        text = stem[: MAX_NAME_CHARS - len(ext)].rstrip() + ext
    return text


def _checked_name(raw: str | None) -> str:
    shown = _strip_unsafe(raw or "").strip()
    parts = re.split(r"[/\\]", shown)
    if len(parts) > 1 and any(p.strip() in ("..", ".") for p in parts):
        raise UploadRefused("folder_in_name", shown[:MAX_NAME_CHARS],
                            f"the name {shown[:MAX_NAME_CHARS]!r} contains a folder path; "
                            "send the plain file name")
    name = display_name(raw)
    if not name:
        raise UploadRefused("no_name", "", "the file has no name")
    return name


def human_size(size: int) -> str:
    """1536 -> '1.5 KB', 10485760 -> '10 MB' (binary units, short and language-neutral)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            digits = 0 if value >= 10 or value.is_integer() else 1
            return f"{value:.{digits}f} {unit}"
    return f"{size} B"


def max_upload_bytes() -> int:
    return int(current_app.config.get("SIEVE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def upload_root() -> Path:
    """The upload folder (created on first use, mode 0700); never under the static folder."""
    configured = current_app.config.get("SIEVE_UPLOAD_DIR")
    root = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def stored_path(attachment: Attachment) -> Path:
    name = attachment.stored_name
    if not _STORED_NAME.match(name or ""):  # never a name we did not make
        raise NotFound(f"attachment {attachment.id} not found")
    return upload_root() / name[:2] / name


# -- permissions --------------------------------------------------------------------------------


def _attach_refusal(actor: User, product: Product, purpose: str, internal: bool):
    """Why ``actor`` may not attach such a file to ``product`` (an error to raise), or None."""
    if purpose in RECORD_PURPOSES:
        return ValidationFailed(f"purpose: {purpose} files are added with their record"
                                " (purchase, defect or corrective action), not on their own",
                                {"purpose": "added with its record"})
    if actor.role in STAFF_UPLOADERS:
        return None
    if actor.role != Role.SUPPLIER:
        return Forbidden(f"role {actor.role} may not attach files")
    if internal:
        return Forbidden("suppliers may not add internal files")
    if purpose == "revision":
        # Revision files (photos of the changed sample, drawings) go with an open design round.
        if product.state != State.IN_DESIGN or _open_round_id(product) is None:
            return StateConflict(f"revision files need an open design round on product "
                                 f"{product.id}")
        return None
    if purpose != "proposal":
        return Forbidden(f"suppliers may add only proposal or revision files, not {purpose}")
    if product.state != State.DRAFT:
        return StateConflict(f"files can be added to product {product.id} only while it is a "
                             f"draft; it is {product.state}")
    return None


def _open_round_id(product: Product) -> int | None:
    from app.models import DesignRound

    return db.session.scalar(select(DesignRound.id).where(
        DesignRound.product_id == product.id, DesignRound.status == "open"))


def default_purpose(actor: User, product: Product) -> tuple[str, int | None]:
    """What an upload from the product page is: proposal material, or (while in design) the
    supplier's revision files or the reviewers' feedback files for the current round."""
    if product.state == State.IN_DESIGN:
        round_id = _open_round_id(product)
        if round_id is not None:
            return ("revision" if actor.role == Role.SUPPLIER else "feedback"), round_id
    return "proposal", None


def may_attach(actor: User, product: Product) -> bool:
    """Whether to offer ``actor`` the upload form on ``product``'s page."""
    purpose, _ref = default_purpose(actor, product)
    return _attach_refusal(actor, product, purpose, False) is None


def _uploader_suppliers(attachments: list[Attachment]) -> dict[int, int | None]:
    """{uploader user id: that user's supplier id}, in one query."""
    ids = {a.uploaded_by_id for a in attachments if a.uploaded_by_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.supplier_id).where(User.id.in_(ids))).all())


def _delete_refusal(actor: User, attachment: Attachment, product: Product,
                    uploader_suppliers: dict[int, int | None] | None = None):
    if attachment.purpose in RECORD_PURPOSES:
        return Forbidden(f"{attachment.purpose} files are evidence of their QC record and are"
                         " never removed")
    if actor.role in STAFF_REMOVERS:
        return None
    if actor.role != Role.SUPPLIER:
        return Forbidden(f"role {actor.role} may not remove files")
    if uploader_suppliers is None:
        uploader_suppliers = _uploader_suppliers([attachment])
    company = uploader_suppliers.get(attachment.uploaded_by_id)
    if attachment.purpose != "proposal" or attachment.internal or company != actor.supplier_id:
        return Forbidden("suppliers may remove only the proposal files their company uploaded")
    if product.state != State.DRAFT:
        return StateConflict(f"files of product {product.id} can be removed only while it is a "
                             f"draft; it is {product.state}")
    return None


def deletable_ids(actor: User, product: Product, attachments: list[Attachment]) -> set[int]:
    """Ids of those of ``product``'s (visible) ``attachments`` that ``actor`` may remove."""
    if actor.role not in STAFF_REMOVERS and actor.role != Role.SUPPLIER:
        return set()
    companies = _uploader_suppliers(attachments) if actor.is_supplier else {}
    return {a.id for a in attachments if _delete_refusal(actor, a, product, companies) is None}


# -- use cases ------------------------------------------------------------------------------


def _clean_options(purpose, ref_id, internal) -> tuple[str, int | None, bool]:
    errors = {}
    if purpose not in ATTACHMENT_PURPOSES:
        errors["purpose"] = f"one of {', '.join(ATTACHMENT_PURPOSES)}"
    if ref_id is not None and (isinstance(ref_id, bool) or not isinstance(ref_id, int)
                               or not 1 <= ref_id <= MAX_ID):
        errors["ref_id"] = "must be an id"
    if not isinstance(internal, bool):
        errors["internal"] = "must be true or false"
    raise_if_errors(errors)
    return purpose, ref_id, internal


def _chunks(data: bytes | bytearray | memoryview | BinaryIO):
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start:start + CHUNK_BYTES])
        return
    while True:
        chunk = data.read(CHUNK_BYTES)
        if not chunk:
            return
        yield chunk


def _receive(data, name: str, folder: Path) -> tuple[Path, FileType, int, str]:
    """Stream ``data`` into a temporary file in ``folder``, checking it on the way; returns
    (temporary path, type, size, sha256). On refusal the temporary file is already gone."""
    limit = max_upload_bytes()
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        head = b""
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(data):
                size += len(chunk)
                if size > limit:
                    raise UploadRefused("too_large", name,
                                        f"{name!r} is larger than the limit of "
                                        f"{human_size(limit)}", limit=human_size(limit))
                if len(head) < _MAGIC_BYTES:
                    head += chunk[:_MAGIC_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadRefused("empty", name, f"{name!r} is empty")
        kind = detect_type(head)
        if kind is None:
            raise UploadRefused("type_not_allowed", name,
                                f"{name!r} is not a JPEG, PNG, WebP or PDF file "
                                "(its content was checked, not its name)")
        extension = os.path.splitext(name)[1].lower()
        if extension not in kind.accepted_extensions:
            raise UploadRefused("extension_mismatch", name,
                                f"{name!r} contains a {kind.label} file but its name ends in "
                                f"{extension or 'no extension'!r}; name it "
                                f"{' or '.join(kind.accepted_extensions)}",
                                kind=kind.label, expected=kind.extension)
        return tmp, kind, size, digest.hexdigest()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _summary(attachment: Attachment) -> dict:
    return {"id": attachment.id, "name": attachment.original_name,
            "sha256": attachment.sha256, "size": attachment.size_bytes}


@dataclass
class StagedFile:
    """An upload received and checked, waiting in its final folder for its row's transaction."""

    name: str
    tmp: Path
    final: Path
    kind: FileType
    size: int
    sha256: str

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)
        self.final.unlink(missing_ok=True)


def stage_file(data: bytes | bytearray | memoryview | BinaryIO, original_name: str) -> StagedFile:
    """Receive one file (name, size and content checked); nothing is recorded yet."""
    name = _checked_name(original_name)
    token = secrets.token_hex(16)
    folder = upload_root() / token[:2]
    folder.mkdir(mode=0o700, exist_ok=True)
    tmp, kind, size, sha256 = _receive(data, name, folder)
    return StagedFile(name, tmp, folder / f"{token}{kind.extension}", kind, size, sha256)


@contextmanager
def staged_files(files) -> Iterator[list[StagedFile]]:
    """Stage every ``(data, name)`` of ``files``; whatever fails inside the block (the
    transaction that records them included), every staged file is removed again."""
    staged: list[StagedFile] = []
    try:
        for data, name in files or ():
            staged.append(stage_file(data, name))
        yield staged
    except BaseException:
        for item in staged:
            item.discard()
        raise


def attach_staged(session, actor: User, product: Product, staged: StagedFile, purpose: str,
                  ref_id: int | None = None, internal: bool = False) -> Attachment:
    """Record a staged file inside the caller's write transaction (row, audit event) and move it
    into place: the last step before the caller commits, so a committed row has its file."""
    attachment = Attachment(
        product_id=product.id, purpose=purpose, ref_id=ref_id, original_name=staged.name,
        stored_name=staged.final.name, content_type=staged.kind.content_type,
        size_bytes=staged.size, sha256=staged.sha256, internal=internal,
        uploaded_by_id=actor.id,
    )
    session.add(attachment)
    session.flush()
    record_event(session, actor, "product", product.id, "attach",
                 changes={"attachment": {"before": None, "after": _summary(attachment)}})
    os.replace(staged.tmp, staged.final)
    return attachment


def store_attachment(
    actor: User,
    product_id: int,
    data: bytes | bytearray | memoryview | BinaryIO,
    original_name: str,
    purpose: str = "proposal",
    ref_id: int | None = None,
    internal: bool = False,
) -> Attachment:
    """Check and store one uploaded file for a product the actor can see; audited ("attach").

    Suppliers add proposal files to their own drafts; admins, selection managers and designers
    add any file in any state. Receipts, defect photos and corrective-action evidence are added
    only with their record, by the QC service (``stage_file``/``attach_staged``). ``data`` is bytes or a binary
    file object (a Werkzeug ``FileStorage`` works), read in chunks up to
    ``SIEVE_MAX_UPLOAD_BYTES``.
    """
    product = get_visible_product(actor, product_id)
    purpose, ref_id, internal = _clean_options(purpose, ref_id, internal)
    refusal = _attach_refusal(actor, product, purpose, internal)
    if refusal:
        raise refusal
    with staged_files([(data, original_name)]) as (staged,), write_transaction() as session:
        product = get_visible_product(actor, product_id)  # again: it may have moved on
        refusal = _attach_refusal(actor, product, purpose, internal)
        if refusal:
            raise refusal
        return attach_staged(session, actor, product, staged, purpose, ref_id, internal)


def list_attachments(actor: User, product_id: int, purpose: str | None = None) -> list[Attachment]:
    """The product's files the actor may see (never internal ones for a supplier), oldest first."""
    product = get_visible_product(actor, product_id)
    if purpose is not None and purpose not in ATTACHMENT_PURPOSES:
        raise ValidationFailed(f"purpose: one of {', '.join(ATTACHMENT_PURPOSES)}",
                               {"purpose": "unknown purpose"})
    query = select(Attachment).where(Attachment.product_id == product.id)
    if purpose is not None:
        query = query.where(Attachment.purpose == purpose)
    if actor.is_supplier:
        query = query.where(Attachment.internal.is_(False))
    return list(db.session.scalars(query.order_by(Attachment.uploaded_at, Attachment.id)))


def get_visible_attachment(actor: User, attachment_id: int) -> Attachment:
    """The attachment, or NotFound (never Forbidden) when the actor may not see it."""
    attachment = db.session.get(Attachment, attachment_id) if 1 <= attachment_id <= MAX_ID else None
    if attachment is None or (actor.is_supplier and attachment.internal):
        raise NotFound(f"attachment {attachment_id} not found")
    try:
        get_visible_product(actor, attachment.product_id)
    except NotFound:
        raise NotFound(f"attachment {attachment_id} not found") from None
    return attachment


def get_attachment_for_download(actor: User, attachment_id: int) -> tuple[Attachment, Path]:
    """The attachment and its file's path, after the same checks as the product page."""
    attachment = get_visible_attachment(actor, attachment_id)
    path = stored_path(attachment)
    if not path.is_file():
        log.error("file of attachment %s is missing: %s", attachment.id, path)
        raise NotFound(f"attachment {attachment_id} not found")
    return attachment, path


def delete_attachment(actor: User, attachment_id: int) -> int:
    """Remove a file (audited, "detach"); returns its product's id. Suppliers remove their own
    proposal files while the product is a draft; admins and selection managers any file."""
    with write_transaction() as session:
        attachment = get_visible_attachment(actor, attachment_id)
        product = session.get(Product, attachment.product_id)
        refusal = _delete_refusal(actor, attachment, product)
        if refusal:
            raise refusal
        path = stored_path(attachment)
        product_id = product.id
        record_event(session, actor, "product", product_id, "detach",
                     changes={"attachment": {"before": _summary(attachment), "after": None}})
        session.delete(attachment)
    try:
        path.unlink(missing_ok=True)
    except OSError:  # the row is gone; a leftover file is unreachable and only wastes space
        log.exception("could not remove the file of attachment %s: %s", attachment_id, path)
    return product_id
