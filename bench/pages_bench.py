"""Benchmark of the main pages at two catalogue sizes: server time and SQL statements per page.

    python bench/pages_bench.py [--sizes 5000 50000] [--requests 30] [--keep] [--dir DIR]
                                [--postgres postgresql+psycopg://sieve:sieve@127.0.0.1:5432/]

Builds one database per size with ``flask seed-scale`` (suppliers: products / 25; cached in
``--dir``, reused when present, deleted at the end unless ``--keep``), then, in-process with
the Flask test client, logs in as a selection manager and as the largest supplier
(supplier1@scale.test, whose own catalogue grows with the size too) and requests every main
page ``--requests`` times after two warm-up requests. It prints each page's median and
95th-percentile server time and SQL statement count at both sizes, and the ratio of the medians
(largest size / smallest). Targets: ratio at most 1.2 and p95 under 100 ms on SQLite.

With ``--postgres URL`` (a server URL whose role may CREATE DATABASE) it uses the databases
``sieve_scale_<size>`` there instead of SQLite files.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("SIEVE_SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("SIEVE_PASSWORD_PROFILE", "fast")

RATIO_TARGET, P95_TARGET_MS = 1.2, 100.0
PASSWORD = "sieve-scale-2026"
MANAGER, SUPPLIER = "selection-manager1@scale.test", "supplier1@scale.test"

#: Pages every role sees; "{...}" names an object looked up in the database (see _objects).
MANAGER_PAGES = [
    "/board", "/products", "/products?state=listed", "/products?state=in_review",
    "/products?category_id={category}", "/products?supplier_id={supplier}",
    "/products?q=Kettle", "/products?q=Ltd", "/products?q=Supplier+00017", "/products?q=zzzq",
    "/products?page=40", "/products/{product}", "/products/{designed}",
    "/suppliers", "/suppliers/{supplier}", "/categories", "/qc/", "/corrective-actions",
    "/corrective-actions/{capa}", "/inspections/{inspection}", "/purchases/{purchase}",
    "/notifications", "/dashboards/", "/dashboards/pipeline", "/dashboards/qc",
    "/dashboards/catalogue", "/dashboards/suppliers", "/metrics/", "/metrics/figures",
    "/elimination/", "/elimination/runs/{run}", "/elimination/candidates/{candidate}", "/jobs",
]
SUPPLIER_PAGES = [
    "/portal", "/board", "/products", "/products?state=listed", "/products/{own_product}",
    "/suppliers/{supplier}", "/corrective-actions", "/notifications",
]


def database_url(size: int, folder: Path, postgres: str | None) -> str:
    if postgres:
        return postgres.rstrip("/") + f"/sieve_scale_{size}"
    return f"sqlite:///{folder / f'scale_{size}.db'}"


def _exists(url: str, postgres: str | None) -> bool:
    from sqlalchemy import create_engine, inspect

    if not postgres:
        return Path(url.removeprefix("sqlite:///")).exists()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("elimination_runs")
    except Exception:
        return False
    finally:
        engine.dispose()


def _create_pg_database(postgres: str, size: int) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres.rstrip("/") + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS sieve_scale_{size}"))
        conn.execute(text(f"CREATE DATABASE sieve_scale_{size}"))
    engine.dispose()


def build(size: int, url: str, postgres: str | None) -> None:
    if postgres:
        _create_pg_database(postgres, size)
    env = {**os.environ, "SIEVE_DATABASE_URL": url}
    command = [sys.executable, "-m", "flask", "--app", "app", "seed-scale", "--products",
               str(size), "--suppliers", str(max(size // 25, 1)), "--reset"]
    print(f"building {size:,} products: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=REPO, check=True)
    print(f"built in {time.perf_counter() - started:.1f} s", flush=True)


def _objects(app) -> dict:
    """Ids of comparable objects at every size: the first of each kind, by a stable rule."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import (
        CorrectiveAction,
        EliminationCandidate,
        EliminationRun,
        Inspection,
        Product,
        User,
    )

    with app.app_context():
        first = lambda query: db.session.scalar(query.limit(1))  # noqa: E731
        supplier = db.session.scalar(select(User.supplier_id).where(User.email == SUPPLIER))
        return {
            "supplier": supplier, "category": 1,
            "product": first(select(Inspection.product_id).order_by(Inspection.id)),
            "designed": first(select(Product.id).where(Product.state == "in_design")
                              .order_by(Product.id)),
            "own_product": first(select(Product.id).where(Product.supplier_id == supplier,
                                                          Product.state == "listed")
                                 .order_by(Product.id)),
            "capa": first(select(CorrectiveAction.id).order_by(CorrectiveAction.id)),
            "inspection": first(select(Inspection.id).order_by(Inspection.id)),
            "purchase": first(select(Inspection.purchase_id).order_by(Inspection.id)),
            "run": db.session.scalar(select(func.max(EliminationRun.id))),
            "candidate": first(select(EliminationCandidate.id)
                               .order_by(EliminationCandidate.id)),
        }


def statements_listener(statements: list[str]):
    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)
    return listener


def _session(url: str):
    """An app on ``url`` with a logged-in client per role, and its objects."""
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SIEVE_ALLOW_MEMORY_RATELIMIT": True})
    clients = {}
    for role, email in (("manager", MANAGER), ("supplier", SUPPLIER)):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code in (302, 303), f"login as {email}: {response.status_code}"
        clients[role] = client
    return app, clients, _objects(app)


def _timed_get(app, client, url: str) -> tuple[float, int, int]:
    from sqlalchemy import event

    from app.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = statements_listener(statements)
    event.listen(engine, "before_cursor_execute", listener)
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    event.remove(engine, "before_cursor_execute", listener)
    return elapsed, response.status_code, len(statements)


def measure(urls: dict[int, str], requests: int) -> dict[int, dict]:
    """Every page at every size, the sizes' requests interleaved so that whatever else the
    machine does weighs on both alike."""
    sessions = {size: _session(url) for size, url in urls.items()}
    results: dict[int, dict] = {size: {} for size in urls}
    for role, pages in (("manager", MANAGER_PAGES), ("supplier", SUPPLIER_PAGES)):
        for page in pages:
            timings: dict[int, list[float]] = {size: [] for size in urls}
            last: dict[int, tuple] = {}
            for n in range(requests + 2):
                for size, (app, clients, objects) in sessions.items():
                    elapsed, status, count = _timed_get(app, clients[role],
                                                        page.format(**objects))
                    if n == 0:
                        results[size][(role, page)] = {"cold": elapsed}
                    if n >= 2:
                        timings[size].append(elapsed)
                    last[size] = (status, count)
            for size, values in timings.items():
                values.sort()
                results[size][(role, page)].update(
                    status=last[size][0], statements=last[size][1],
                    median=statistics.median(values),
                    p95=values[min(len(values) - 1, round(0.95 * (len(values) - 1)))])
    for app, _clients, _objects in sessions.values():
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    return results


def report(sizes: list[int], runs: dict[int, dict], postgres: str | None) -> bool:
    small, large = runs[sizes[0]], runs[sizes[-1]]
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"\nPages at {sizes[0]:,} and {sizes[-1]:,} products ({backend}; times in ms,"
          f" server side, in-process; targets: ratio <= {RATIO_TARGET}, p95 < {P95_TARGET_MS:g})")
    head = (f"{'role':<8} {'page':<36} {'med':>7} {'p95':>7} {'sql':>4} | {'cold':>7} {'med':>7}"
            f" {'p95':>7} {'sql':>4} | {'ratio':>5}  ")
    print(head)
    print("-" * len(head))
    ok = True
    for key, a in small.items():
        z = large[key]
        ratio = z["median"] / a["median"] if a["median"] else float("inf")
        miss = []
        if ratio > RATIO_TARGET:
            miss.append("ratio")
        if z["p95"] >= P95_TARGET_MS and not postgres:
            miss.append("p95")
        if a["statements"] != z["statements"]:
            miss.append("sql")
        if a["status"] != 200 or z["status"] != 200:
            miss.append(f"HTTP {a['status']}/{z['status']}")
        ok = ok and not miss
        print(f"{key[0]:<8} {key[1][:36]:<36} {a['median']:7.1f} {a['p95']:7.1f}"
              f" {a['statements']:4d} | {z['cold']:7.1f} {z['median']:7.1f} {z['p95']:7.1f}"
              f" {z['statements']:4d}"
              f" | {ratio:5.2f}  {' '.join(miss) or 'ok'}")
    print("cold: the first request of the page in the process (the dashboards' figures are then"
          " cached for SIEVE_DASHBOARD_CACHE_SECONDS)")
    print("all targets met" if ok else "some targets missed (see the last column)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "sieve-pages-bench")
    parser.add_argument("--keep", action="store_true",
                        help="Keep the databases for the next run (they are reused when found).")
    parser.add_argument("--rebuild", action="store_true", help="Rebuild even when cached.")
    parser.add_argument("--postgres", help="PostgreSQL server URL (no database name).")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    args.dir.mkdir(parents=True, exist_ok=True)
    try:
        urls = {size: database_url(size, args.dir, args.postgres) for size in sizes}
        for size, url in urls.items():
            if args.rebuild or not _exists(url, args.postgres):
                build(size, url, args.postgres)
            else:
                print(f"reusing {url}", flush=True)
        runs = measure(urls, args.requests)
    finally:
        if not args.keep and not args.postgres:
            shutil.rmtree(args.dir, ignore_errors=True)
    return 0 if report(sizes, runs, args.postgres) else 1


if __name__ == "__main__":
    raise SystemExit(main())
