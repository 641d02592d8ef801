"""Sieve's Flask adapter: ``create_app()`` wires settings, extensions, blueprints and the CLI."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from app.config import REPO_ROOT, load_settings


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("SIEVE_INSTANCE_PATH", str(REPO_ROOT / "instance")),
        template_folder=str(REPO_ROOT / "templates"),
    )
    app.config.update(load_settings(Path(app.instance_path)))
    app.config.update(overrides or {})
    from app import setup
    from app.limits import register_body_limits

    setup.register_extensions(app)
    setup.register_blueprints(app)
    setup.register_security(app)
    register_body_limits(app)
    setup.register_input_guard(app)
    setup.register_errors(app)
    setup.register_template_helpers(app)
    setup.register_cli(app)
    return app
