"""Attachment upload, download and removal pages, and what templates/catalog/_attachments.html
needs: :func:`attachment_context` for the product page, and a few template helpers."""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SubmitField

from app.catalog import bp
from app.downloads import send_download
from app.models import Attachment, Product, User
from app.services import attachments as attachment_service
from app.services.errors import Forbidden, NotFound, ServiceError, StateConflict
from app.services.visibility import get_visible_product
from app.ui import user_message

#: The file response's own, stricter policy: nothing in a served file may load or run anything.

PURPOSE_LABELS = {"proposal": _l("Proposal"), "feedback": _l("Feedback"),
                  "revision": _l("Revision"), "receipt": _l("Purchase receipt"),
                  "defect_photo": _l("Defect photo"),
                  "capa_evidence": _l("Corrective action evidence")}


class AttachmentForm(FlaskForm):
    # Own ids: the product page holds other forms.
    file = FileField(_l("File"), validators=[FileRequired()], id="attachment-file")
    internal = BooleanField(_l("Internal: hidden from the supplier"), id="attachment-internal")
    submit = SubmitField(_l("Upload"), id="attachment-submit")


class AttachmentDeleteForm(FlaskForm):
    """Only the CSRF token: the partial renders it with ``csrf_token()``."""


def _user() -> User:
    return current_user._get_current_object()


def upload_form(user: User) -> AttachmentForm:
    form = AttachmentForm()
    if user.is_supplier:
        del form.internal  # suppliers never see nor send it
    return form


def attachment_context(product: Product) -> dict:
    """The partial's context for ``product`` (already checked visible):
    ``attachments`` and ``attachment_form`` (None when the user may not upload)."""
    user = _user()
    return {
        "attachments": attachment_service.list_attachments(user, product.id),
        "attachment_form": upload_form(user) if attachment_service.may_attach(user, product)
        else None,
    }


def send_attachment(attachment: Attachment, path: Path):
    """The file response, shared with the API: images inline, PDFs as downloads; never sniffed,
    never able to run anything, never kept by a shared cache."""
    inline = attachment.content_type.startswith("image/")
    return send_download(path, attachment.content_type, attachment.original_name,
                         as_attachment=not inline, etag=attachment.sha256)


def _refusal_message(error: attachment_service.UploadRefused) -> str:
    name = error.file_name
    messages = {
        "empty": lambda: _("“%(name)s” is empty. Nothing was stored.", name=name),
        "too_large": lambda: _("“%(name)s” is larger than the limit of %(limit)s. "
                               "Nothing was stored.", name=name, limit=error.params["limit"]),
        "type_not_allowed": lambda: _("“%(name)s” is not a JPEG, PNG, WebP or PDF file (its "
                                      "content was checked, not its name). Nothing was stored.",
                                      name=name),
        "extension_mismatch": lambda: _("“%(name)s” contains a %(kind)s file but its name does "
                                        "not say so; rename it to end in %(extension)s. Nothing "
                                        "was stored.", name=name, kind=error.params["kind"],
                                        extension=error.params["expected"]),
        "folder_in_name": lambda: _("The file name “%(name)s” contains a folder path. Nothing "
                                    "was stored.", name=name),
        "no_name": lambda: _("The file has no name. Nothing was stored."),
    }
    return messages[error.reason]() if error.reason in messages else user_message(error)


def _back(product_id: int):
    return redirect(url_for("catalog.product_detail", product_id=product_id,
                            _anchor="attachments"))


@bp.post("/products/<int:product_id>/attachments")
@login_required
def attachment_upload(product_id: int):
    user = _user()
    try:
        get_visible_product(user, product_id)
    except NotFound:
        abort(404)
    form = upload_form(user)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            flash(_("The form was incomplete or expired; please try again."), "danger")
        else:
            flash(_("Choose a file to upload."), "danger")
        return _back(product_id)
    upload = form.file.data
    internal = bool(form.internal.data) if form.internal is not None else False
    purpose, ref_id = attachment_service.default_purpose(user, get_visible_product(user,
                                                                                   product_id))
    try:
        attachment = attachment_service.store_attachment(
            user, product_id, upload, upload.filename or "", purpose=purpose, ref_id=ref_id,
            internal=internal)
    except NotFound:
        abort(404)
    except attachment_service.UploadRefused as error:
        flash(_refusal_message(error), "danger")
    except StateConflict:
        flash(_("Files can be added only while the product is a draft."), "danger")
    except Forbidden:
        flash(_("Your role may not add this file to this product."), "danger")
    except ServiceError as error:
        flash(user_message(error), "danger")
    else:
        flash(_("File attached: %(name)s.", name=attachment.original_name), "success")
    return _back(product_id)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment_download(attachment_id: int):
    try:
        attachment, path = attachment_service.get_attachment_for_download(_user(), attachment_id)
    except NotFound:
        abort(404)
    return send_attachment(attachment, path)


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def attachment_delete(attachment_id: int):
    user = _user()
    try:
        attachment = attachment_service.get_visible_attachment(user, attachment_id)
    except NotFound:
        abort(404)
    product_id, name = attachment.product_id, attachment.original_name
    if not AttachmentDeleteForm().validate_on_submit():
        flash(_("The form was incomplete or expired; please try again."), "danger")
        return _back(product_id)
    try:
        attachment_service.delete_attachment(user, attachment_id)
    except NotFound:
        abort(404)
    except StateConflict:
        flash(_("Files can be removed only while the product is a draft."), "danger")
    except Forbidden:
        flash(_("You may not remove this file."), "danger")
    except ServiceError as error:
        flash(user_message(error), "danger")
    else:
        flash(_("File removed: %(name)s.", name=name), "success")
    return _back(product_id)


# -- template helpers for templates/catalog/_attachments.html -----------------------------------


@bp.app_template_global()
def attachment_deletable(product: Product, attachments: list[Attachment]) -> set[int]:
    """Ids of the attachments the current user may remove (one query at most)."""
    return attachment_service.deletable_ids(_user(), product, attachments)


@bp.app_template_global()
def attachment_accept() -> str:
    return attachment_service.ACCEPT


@bp.app_template_global()
def attachment_max_size() -> str:
    return attachment_service.human_size(attachment_service.max_upload_bytes())


@bp.app_template_global()
def attachment_purpose(purpose: str) -> str:
    return str(PURPOSE_LABELS.get(purpose, purpose))


@bp.app_template_filter()
def attachment_size(size_bytes: int) -> str:
    return attachment_service.human_size(size_bytes)


@bp.app_template_filter()
def attachment_kind(content_type: str) -> str:
    kind = attachment_service.TYPES_BY_CONTENT_TYPE.get(content_type)
    return kind.label if kind else content_type
