"""A scratch database, the demo data and a gunicorn server on 127.0.0.1, for the HTTP benchmarks.

Used by ``transitions_bench.py`` and ``load_test.py`` (and, as a command, by
``scripts/load_smoke.sh``)::

    python bench/gunicorn_harness.py prepare --db sqlite|postgresql --folder DIR [--products 64]

The server runs exactly as in production (``gunicorn -c gunicorn.conf.py wsgi:app``, the
production password profile, rate limits on), except that the login limit is raised
(``SIEVE_LOGIN_RATE_LIMIT``): every simulated user logs in from the same address.

PostgreSQL: a scratch database ``sieve_bench`` (dropped and created again; the role needs
CREATEDB), never the test suite's database.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from base64 import b64encode
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("SIEVE_BENCH_PG_ADMIN",
                              "postgresql://sieve:sieve@127.0.0.1:5432/postgres")
PG_BENCH_DB = os.environ.get("SIEVE_BENCH_PG_DB", "sieve_bench")
DEMO_PASSWORD = "sieve-demo-2026"
#: Names of the products the benchmarks move through the lifecycle (made by ``add_products``).
BENCH_PREFIX = "Bench cycle product"
#: draft -> proposed -> in_review -> draft: a loop of transitions whose guards always pass.
CYCLE = {"draft": "submit", "proposed": "start_review", "in_review": "request_info"}
CYCLE_REASON = "Benchmark: please add the test report"


def scratch_database(kind: str, folder: Path) -> str:
    """A fresh, empty database URL of ``kind`` (sqlite or postgresql)."""
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (folder / f"bench.db{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{folder / 'bench.db'}"
    if kind != "postgresql":
        raise SystemExit(f"--db: sqlite or postgresql, not {kind!r}")
    if PG_BENCH_DB == "sieve_test":
        raise SystemExit("refusing to use the test suite's database")
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{PG_BENCH_DB}"


def server_env(url: str, folder: Path, **extra: str) -> dict:
    """The environment of the server and of the preparation commands."""
    env = {**os.environ,
           "SIEVE_DATABASE_URL": url,
           "SIEVE_INSTANCE_PATH": str(folder / "instance"),
           "SIEVE_UPLOAD_DIR": str(folder / "uploads"),
           "SIEVE_REPORT_DIR": str(folder / "reports"),
           "SIEVE_SECRET_KEY": os.environ.get("SIEVE_SECRET_KEY") or secrets.token_hex(32),
           "SIEVE_LOGIN_RATE_LIMIT": "100000 per minute",
           "PYTHONPATH": str(REPO)}
    for name in ("SIEVE_JOBS_INLINE", "SIEVE_REDIS_URL", "SIEVE_TEST_DATABASE_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


def prepare(env: dict, products: int) -> float:
    """Migrate, load the demo data (``flask --app app seed-demo``) and add ``products`` drafts."""
    started = time.perf_counter()
    Path(env["SIEVE_INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo"], cwd=REPO,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, str(Path(__file__)), "add-products", str(products)],
                   cwd=REPO, env=env, check=True)
    return time.perf_counter() - started


def add_products(count: int) -> None:
    """``count`` complete drafts spread over the demo's suppliers and categories (services)."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Category, Supplier, User
    from app.services import products

    app = create_app()
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@sieve.demo"))
        suppliers = [s for s in db.session.scalars(select(Supplier).order_by(Supplier.id))
                     if s.status == "active"]
        categories = list(db.session.scalars(select(Category).order_by(Category.id)))
        for n in range(count):
            products.create_product(admin, {
                "supplier_id": suppliers[n % len(suppliers)].id,
                "category_id": categories[n % len(categories)].id,
                "name_en": f"{BENCH_PREFIX} {n + 1}", "name_zh": f"压测产品 {n + 1}",
                "description": "A proposal the benchmarks move around the review loop.",
                "target_price": "199.00", "unit_cost": "80.00", "monthly_capacity": 1000,
                "sku_code": f"BENCH-{n + 1:05d}",
                "specifications": [{"name": "Weight", "value": "1.2", "unit": "kg"}],
                "competitors": [{"name": "Comparable A", "channel": "Tmall", "price": "219.00"}],
                "claimed_standards": [{"code": "GB 4706.1-2005"}]})
        db.session.remove()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, log_path: Path,
                   threads: int | None = None, wait: float = 60.0) -> subprocess.Popen:
    """gunicorn with the repository's gunicorn.conf.py on 127.0.0.1:``port``; waits for /healthz."""
    env = {**env, "SIEVE_BIND": f"127.0.0.1:{port}", "SIEVE_WEB_WORKERS": str(workers)}
    if threads:
        env["SIEVE_WEB_THREADS"] = str(threads)
    log = open(log_path, "ab")  # noqa: SIM115 - stays open for the server's life
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                             "wsgi:app"], cwd=REPO, env=env, stdout=log, stderr=log,
                            start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(proc)
    raise SystemExit(f"gunicorn did not answer /healthz within {wait:.0f} s; see {log_path}")


def stop_gunicorn(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM to the master (graceful), SIGKILL to its process group if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def api_token(base: str, email: str, password: str = DEMO_PASSWORD) -> str:
    request = urllib.request.Request(f"{base}/api/v1/tokens", method="POST", headers={
        "Authorization": "Basic " + b64encode(f"{email}:{password}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.load(resp)["token"]


def server_log_counts(log_path: Path) -> dict:
    """What the server's own log says: 5xx answers, "database is locked", tracebacks."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    fivexx = 0
    for line in text.splitlines():
        parts = line.split('" ')
        if len(parts) >= 2 and parts[1][:1] == "5" and parts[1][:3].isdigit():
            fivexx += 1
    return {"access_5xx": fivexx, "database_is_locked": text.count("database is locked"),
            "tracebacks": text.count("Traceback (most recent call last)")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="scratch database + demo data + bench drafts")
    prep.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    prep.add_argument("--folder", type=Path, required=True)
    prep.add_argument("--products", type=int, default=64)
    add = sub.add_parser("add-products", help="(internal) add drafts to SIEVE_DATABASE_URL")
    add.add_argument("count", type=int)
    args = parser.parse_args(argv)
    if args.command == "add-products":
        add_products(args.count)
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    url = scratch_database(args.db, args.folder)
    seconds = prepare(server_env(url, args.folder), args.products)
    print(f"prepared {url} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
