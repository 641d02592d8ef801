"""Views of the auth area."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import LanguageForm, LoginForm
from app.extensions import limiter
from app.services import accounts


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\r\n\\"):
        return default
    return target


def _login_limit() -> str:
    return current_app.config["SIEVE_LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, url_for("catalog.board")))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Unknown email or wrong password."), "danger")
        else:
            session.clear()
            login_user(user)
            home = url_for("portal.portal") if user.is_supplier else url_for("catalog.board")
            return redirect(safe_next(form.next.data, home))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    accounts.end_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    if not form.validate_on_submit() or form.locale.data not in current_app.config["SIEVE_LANGUAGES"]:
        abort(400)
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        accounts.set_locale(current_user._get_current_object(), form.locale.data)
    return redirect(safe_next(form.next.data, url_for("catalog.board")))
