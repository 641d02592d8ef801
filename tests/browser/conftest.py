"""Browser journeys: Debian's chromium driven by Playwright against a live, threaded Sieve server.

`playwright install` cannot download browsers here, so pytest-playwright launches the system
chromium (see /work/shared/docs/environment.md, "Browser tests"). Every test collected under this
directory is marked ``browser`` (``pytest -m "not browser"`` deselects them).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from tests import factories
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Fail fast on a missing element instead of waiting Playwright's default 30 s.
DEFAULT_TIMEOUT_MS = 10_000
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # A conftest's collection hook sees the whole session's items: mark only ours.
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at Debian's chromium."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's chromium "
            "(run `apt-get install -y chromium`; `playwright install` cannot download here)",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": list(CHROMIUM_ARGS)}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """An English browser, whatever the machine's locale, so language negotiation is predictable."""
    return {**browser_context_args, "locale": "en-US"}


@dataclass(frozen=True)
class LiveServer:
    url: str
    manager_email: str
    admin_email: str
    supplier_email: str
    other_supplier_email: str
    in_review_product_id: int
    own_product_id: int
    other_supplier_product_id: int
    password: str = factories.PASSWORD


@pytest.fixture
def live_server(database_url):
    """The real app (CSRF on) with a seeded world, served on 127.0.0.1 from a daemon thread."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = factories.build_world()
        in_review = factories.make_product(world, "in_review")
        other = factories.make_product(world, "proposed", supplier=world.supplier_b)
        # Capture plain values now: the ORM objects are expired once this context ends.
        seeded = dict(
            manager_email=world.manager.email,
            admin_email=world.admin.email,
            supplier_email=world.supplier_user.email,
            other_supplier_email=world.other_supplier_user.email,
            in_review_product_id=in_review.id,
            own_product_id=in_review.id,  # supplier A's product
            other_supplier_product_id=other.id,
        )
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sieve-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", **seeded)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def console_messages(page):
    """Every console message the page logs, as 'type: text' strings, for the CSP check."""
    messages: list[str] = []
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages


def assert_no_csp_violations(messages: list[str]) -> None:
    violations = [m for m in messages if "content security policy" in m.lower()]
    assert not violations, "CSP violations in the browser console:\n" + "\n".join(violations)


def login(page, server: LiveServer, email: str, password: str = factories.PASSWORD) -> None:
    """Log in through the real form and wait for the redirect away from /login."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
