"""Operations: production start-up checks, liveness/readiness endpoints, request logs, backups."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)

from app.ops import views  # noqa: E402,F401


def register_ops(app: Flask) -> None:
    """Refuse unsafe production settings, then add /healthz, /readyz and the request log."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app.config import check_production
    from app.ops.request_log import register_request_log

    check_production(app.config, app.debug)
    proxies = app.config.get("SIEVE_TRUSTED_PROXIES") or 0
    if proxies > 0:  # the client address (rate limits, logs) comes from X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.register_blueprint(bp)
    register_request_log(app)
