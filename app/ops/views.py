"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database, schema, Redis,
writable folders); both JSON, neither needs a login."""

from __future__ import annotations

from flask import jsonify

from app.ops import bp
from app.ops.checks import readiness


@bp.get("/healthz")
def healthz():
    """Liveness: no database, no Redis; a restart is the cure when this fails."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when every check passes, else 503 naming the failing ones."""
    checks = readiness()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "not ready" if failing else "ready", "failing": failing, "checks": checks}
    response = jsonify(body)
    response.status_code = 503 if failing else 200
    response.headers["Cache-Control"] = "no-store"
    return response
