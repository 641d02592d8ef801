"""What the QC pages share: the current user, 404s, and refusals shown next to their fields."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from app.catalog.attachments import _refusal_message
from app.models import Product, User
from app.services import attachments as files
from app.services.errors import NotFound, ServiceError
from app.services.visibility import get_visible_product
from app.ui import user_message


def user() -> User:
    return current_user._get_current_object()


def or_404(load, *args):
    """``load(*args)``, with the services' NotFound turned into a plain 404 page."""
    try:
        return load(*args)
    except NotFound:
        abort(404)


def visible_product(product_id: int) -> Product:
    return or_404(get_visible_product, user(), product_id)


def staff_only() -> None:
    """QC records other than inspections and corrective actions do not exist for suppliers."""
    if user().is_supplier:
        abort(404)


def form_expired(form) -> bool:
    """True (and says so) when only the CSRF token failed: a stale page, not bad input."""
    if "csrf_token" in form.errors:
        flash(_("The form was incomplete or expired; please try again."), "danger")
        return True
    return False


def show_refusal(form, error: Exception, aliases: dict[str, str] | None = None,
                 photos_only: bool = False) -> None:
    """Flash a refusal and put each of its details next to the field it is about.

    ``aliases`` maps a service field name to the form's (``file`` to the upload field, say);
    dotted names (``aql.major``) match the form's underscored ones (``aql_major``).
    """
    aliases = aliases or {}
    if isinstance(error, files.UploadRefused):
        message = _refusal_message(error)
        if photos_only and error.reason == "type_not_allowed":
            message = _("“%(name)s” is not a photo (JPEG, PNG or WebP). Nothing was stored.",
                        name=error.file_name)
        flash(message, "danger")
        name = aliases.get("file")
        if name and name in form:
            form[name].errors = [*form[name].errors, message]
        return
    details = getattr(error, "details", None)
    placed = False
    if isinstance(error, ServiceError) and isinstance(details, dict):
        for key, text in details.items():
            name = aliases.get(key, key.replace(".", "_"))
            if name in form:
                form[name].errors = [*form[name].errors, str(text)]
                placed = True
    flash(user_message(error), "danger")
    if placed:
        flash(_("Please check the fields marked below."), "warning")


def uploads(field) -> list:
    """The files of a (Multiple)FileField as the (data, name) pairs the services take."""
    data = field.data
    chosen = data if isinstance(data, list) else [data]
    return [(f, f.filename or "") for f in chosen if f and getattr(f, "filename", None)]
