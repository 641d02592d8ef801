"""The register_* steps of create_app()."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from app.config import REPO_ROOT
from app.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from app.models.base import MAX_ID


def register_extensions(app: Flask) -> None:
    from app.db import configure_engine
    from app.i18n import select_locale
    from app.services.accounts import load_session_user

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to access this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    with app.app_context():
        configure_engine(db.engine, app.config["SIEVE_SQLITE_BUSY_TIMEOUT_MS"])


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that only matches ids the database can hold: larger numbers are a plain 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.catalog import bp as catalog_bp
    from app.dashboards import bp as dashboards_bp
    from app.design import bp as design_bp
    from app.elimination import bp as elimination_bp
    from app.exports import bp as exports_bp
    from app.jobs import bp as jobs_bp
    from app.metrics import bp as metrics_bp
    from app.notifications import bp as notifications_bp
    from app.portal import bp as portal_bp
    from app.qc import bp as qc_bp
    from app.registry import bp as registry_bp
    from app.reports_ui import bp as reports_bp
    from app.review import bp as review_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(design_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(qc_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(metrics_bp, url_prefix="/metrics")
    app.register_blueprint(elimination_bp, url_prefix="/elimination")
    app.register_blueprint(dashboards_bp, url_prefix="/dashboards")
    app.register_blueprint(exports_bp, url_prefix="/exports")
    app.register_blueprint(api_bp, url_prefix="/api")
    csrf.exempt(api_bp)
    from app.ops import register_ops  # production checks, /healthz, /readyz, request log

    register_ops(app)


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register_security(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: tell browsers to stay there
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if request.path.startswith("/api/") or current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_input_guard(app: Flask) -> None:
    """Before any view runs: a query argument with a NUL character (U+0000), or a web form field
    with one, is refused with 422 naming the field (a JSON error on the API, the error page
    elsewhere), never a database error. The web pages take form posts only: a JSON body there is
    refused (415) unread, since Flask-WTF would otherwise read a form from it. The API's bodies
    are checked after authentication (``token_required`` for form fields, ``json_body`` for
    JSON), so an anonymous client cannot make the server parse one."""
    from werkzeug.exceptions import UnsupportedMediaType

    from app.api.params import FORM_TYPES, nul_field, refuse_nul

    @app.before_request
    def refuse_nul_characters():
        if (field := nul_field(request.args)) is not None:
            refuse_nul(field)
        if request.path.startswith("/api/"):
            return
        if request.is_json and request.method not in ("GET", "HEAD", "OPTIONS"):
            raise UnsupportedMediaType("the web pages take form posts; JSON goes to /api/v1")
        if request.mimetype in FORM_TYPES and (field := nul_field(request.form)) is not None:
            refuse_nul(field)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def register_errors(app: Flask) -> None:
    import errno

    from flask_babel import gettext as _
    from sqlalchemy.exc import DBAPIError

    from app.services.errors import ValidationFailed, error_body, http_status

    #: (what the error says, what the API answers, what the page says), by storage failure.
    storage_failures = {
        "database_read_only": "the database is read-only; nothing was saved",
        "disk_full": "no space left on device; nothing was saved",
        "storage_read_only": "the file storage is read-only; nothing was saved",
    }

    def storage_failure(error: BaseException) -> str | None:
        """Which storage failure ``error`` (or an error it was raised from) is, if any: the
        database refuses writes (read-only, full) or the disk does (full, read-only)."""
        seen = 0
        while error is not None and seen < 8:
            if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
                return "disk_full"
            if isinstance(error, OSError) and error.errno == errno.EROFS:
                return "storage_read_only"
            if isinstance(error, DBAPIError):
                sqlstate = getattr(error.orig, "sqlstate", None)
                text = str(error.orig).lower()
                if sqlstate == "25006" or "readonly database" in text:
                    return "database_read_only"
                if sqlstate == "53100" or "database or disk is full" in text:
                    return "disk_full"
            error, seen = error.__cause__ or error.__context__, seen + 1
        return None

    def storage_page_message(failure: str) -> str:
        return {
            "database_read_only": _("The database is read-only, so nothing was saved. "
                                    "Please try again later; if this goes on, tell an "
                                    "administrator."),
            "disk_full": _("No space left on device, so nothing was saved. Please try again "
                           "later; if this goes on, tell an administrator."),
            "storage_read_only": _("The file storage is read-only, so nothing was saved. "
                                   "Please try again later; if this goes on, tell an "
                                   "administrator."),
        }[failure]

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            code = (error.name or "error").lower().replace(" ", "_")
            body = {"error": {"code": code, "message": error.description, "details": None}}
            return jsonify(body), error.code
        return render_template("error.html", error=error), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        failure = storage_failure(error)
        if failure is not None:  # the service rolled back: say what happened, with a 503
            db.session.rollback()
            app.logger.error("storage failure (%s) on %s %s: %s", failure, request.method,
                             request.path, error)
            headers = {"Retry-After": "60"}
            if _wants_json():
                body = {"code": failure, "message": storage_failures[failure], "details": None}
                return jsonify({"error": body}), 503, headers
            return render_template("error.html", error=None, status=503,
                                   message=storage_page_message(failure)), 503, headers
        status = http_status(error)
        if status == 500:
            db.session.rollback()
            app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify({"error": error_body(error)}), status
        message = error.message if isinstance(error, ValidationFailed) else None
        return render_template("error.html", error=None, status=status, message=message), status


def register_template_helpers(app: Flask) -> None:
    from app import ui

    app.jinja_env.globals.update(ui.template_globals())
    app.jinja_env.filters.update(ui.template_filters())

    @app.before_request
    def request_clock():
        g.request_started = datetime.now(UTC)


def register_cli(app: Flask) -> None:
    from app.cli import register

    register(app)
