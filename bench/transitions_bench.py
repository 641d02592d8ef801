"""Lifecycle transitions per second under gunicorn, with concurrent API clients racing each other.

    python bench/transitions_bench.py --db sqlite|postgresql [--workers 4] [--clients 16]
                                      [--seconds 60] [--products 64] [--hot 4] [--keep DIR]

Prepares a scratch database (migrations, ``flask --app app seed-demo``, ``--products`` complete
drafts), starts gunicorn with the repository's ``gunicorn.conf.py`` (``--workers`` workers) on
127.0.0.1 and runs ``--clients`` client processes for ``--seconds``. Each client loops: pick a
product (half of the picks among ``--hot`` products, so clients race), ``GET`` it through the
JSON API for its state and version, then ``POST /api/v1/products/<id>/transitions`` with that
``version``: ``submit`` (as the supplier that owns it), ``start_review`` or ``request_info`` (as
the selection manager): draft -> proposed -> in_review -> draft, guards that always pass.

Printed: successful transitions per second, latency p50/p95/p99, 409 conflicts (another client
moved the product first: expected, counted apart), "database is locked" errors, 5xx answers,
other failures; and the check for **lost updates**, read from the database afterwards: for every
product, its version moved by exactly the number of 200 answers it got, its state is where that
many steps of the loop lead, and the audit trail holds exactly one new transition event per 200
answer; ``flask --app app audit verify`` passes. Exit status 1 when any of these fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gunicorn_harness as harness  # noqa: E402

MANAGER = "manager@sieve.demo"
NEXT_STATE = {"draft": "proposed", "proposed": "in_review", "in_review": "draft"}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def _client(args: tuple) -> dict:
    """One client process: GET then POST a transition with the version read, until the deadline."""
    seed, port, deadline, products, hot, tokens = args
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    out = {"ok": Counter(), "status": Counter(), "locked": 0, "errors": [], "latency": [],
           "exceptions": 0}

    def call(method: str, path: str, token: str, body: dict | None = None):
        nonlocal conn
        headers = {"Authorization": f"Bearer {token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, payload, headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            raise
        return resp.status, data

    while time.time() < deadline:
        product_id = rng.choice(hot) if hot and rng.random() < 0.5 else rng.choice(products)
        try:
            status, data = call("GET", f"/api/v1/products/{product_id}", tokens[MANAGER])
            if status != 200:
                out["status"][status] += 1
                if len(out["errors"]) < 5:
                    out["errors"].append(f"GET {status} {data[:300]!r}")
                continue
            product = json.loads(data)
            transition = harness.CYCLE[product["state"]]
            actor = (tokens[f"supplier:{product['supplier_id']}"] if transition == "submit"
                     else tokens[MANAGER])
            body = {"transition": transition, "version": product["version"]}
            if transition == "request_info":
                body["reason"] = harness.CYCLE_REASON
            started = time.perf_counter()
            status, data = call("POST", f"/api/v1/products/{product_id}/transitions", actor, body)
            out["latency"].append(time.perf_counter() - started)
        except (OSError, http.client.HTTPException):
            out["exceptions"] += 1
            continue
        out["status"][status] += 1
        if b"database is locked" in data:
            out["locked"] += 1
        if status == 200:
            out["ok"][product_id] += 1
        elif status != 409 and len(out["errors"]) < 5:
            out["errors"].append(f"{status} {data[:300]!r}")
    conn.close()
    return out


def _snapshot(url: str, ids: list[int]) -> tuple[dict, int]:
    """(product id -> (state, version)), and the audit trail's head id."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, state, version FROM products")).all()
        head = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM audit_events")).scalar()
    engine.dispose()
    wanted = set(ids)
    return {r.id: (r.state, r.version) for r in rows if r.id in wanted}, head


def _audit_since(url: str, head: int) -> Counter:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT subject_id, action FROM audit_events WHERE id > :head AND "
            "subject_type = 'product'"), {"head": head}).all()
    engine.dispose()
    return Counter(r.subject_id for r in rows if r.action in harness.CYCLE.values())


def _bench_setup(base: str, env: dict) -> tuple[list[int], dict]:
    """The bench products' ids, and a token for the manager and for each of their suppliers."""
    tokens = {MANAGER: harness.api_token(base, MANAGER)}
    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=60)
    ids, page = [], 1
    suppliers = set()
    while True:
        conn.request("GET", f"/api/v1/products?state=draft&per_page=200&page={page}",
                     headers={"Authorization": f"Bearer {tokens[MANAGER]}"})
        body = json.loads(conn.getresponse().read())
        for item in body["items"]:
            if (item.get("name_en") or "").startswith(harness.BENCH_PREFIX):
                ids.append(item["id"])
                suppliers.add(item["supplier_id"])
        if page * body["per_page"] >= body["total"]:
            break
        page += 1
    conn.close()
    emails = _supplier_emails(env["SIEVE_DATABASE_URL"])
    for supplier_id in suppliers:
        tokens[f"supplier:{supplier_id}"] = harness.api_token(base, emails[supplier_id])
    return ids, tokens


def _supplier_emails(url: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT supplier_id, email FROM users WHERE role = 'supplier' "
                                 "AND supplier_id IS NOT NULL ORDER BY id")).all()
    engine.dispose()
    emails = {}
    for supplier_id, email in rows:
        emails.setdefault(supplier_id, email)
    return emails


def check_lost_updates(before: dict, after: dict, ok: Counter, audited: Counter) -> list[str]:
    """Every 200 answer moved its product by one version, one loop step and one audit event."""
    order = list(NEXT_STATE)
    problems = []
    for product_id, (state, version) in before.items():
        done = ok.get(product_id, 0)
        new_state, new_version = after[product_id]
        expected_state = order[(order.index(state) + done) % len(order)]
        if new_version - version != done:
            problems.append(f"product {product_id}: {done} successes, version +{new_version - version}")
        if new_state != expected_state:
            problems.append(f"product {product_id}: {done} successes from {state}, now {new_state}")
        if audited.get(product_id, 0) != done:
            problems.append(f"product {product_id}: {done} successes, "
                            f"{audited.get(product_id, 0)} audit events")
    return problems


def run(kind: str, workers: int, clients: int, seconds: float, products: int, hot: int,
        folder: Path, threads: int | None = None) -> bool:
    url = harness.scratch_database(kind, folder)
    env = harness.server_env(url, folder)
    prep = harness.prepare(env, products)
    port = harness.free_port()
    log_path = folder / f"gunicorn-{kind}.log"
    log_path.unlink(missing_ok=True)
    server = harness.start_gunicorn(env, port, workers, log_path, threads=threads)
    try:
        base = f"http://127.0.0.1:{port}"
        ids, tokens = _bench_setup(base, env)
        hot_ids = ids[:hot]
        before, head = _snapshot(url, ids)
        deadline = time.time() + seconds
        jobs = [(n, port, deadline, ids, hot_ids, tokens) for n in range(clients)]
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            results = pool.map(_client, jobs)
        elapsed = time.perf_counter() - started
    finally:
        harness.stop_gunicorn(server)
    after, _head = _snapshot(url, ids)
    audited = _audit_since(url, head)
    ok, status, latency, errors = Counter(), Counter(), [], []
    locked = exceptions = 0
    for result in results:
        ok.update(result["ok"])
        status.update(result["status"])
        latency.extend(result["latency"])
        errors.extend(result["errors"])
        locked += result["locked"]
        exceptions += result["exceptions"]
    verify = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "audit", "verify"],
                            cwd=harness.REPO, env=env, capture_output=True, text=True)
    server_log = harness.server_log_counts(log_path)
    lost = check_lost_updates(before, after, ok, audited)
    successes = sum(ok.values())
    fivexx = sum(n for code, n in status.items() if isinstance(code, int) and code >= 500)
    other = sum(n for code, n in status.items() if code not in (200, 409)) - fivexx

    print(f"== transitions on {kind} (gunicorn {workers} workers x "
          f"{threads or 'default'} threads, {clients} client processes, {seconds:.0f} s, "
          f"{len(ids)} products, {len(hot_ids)} hot) ==")
    print(f"  prepared in {prep:.1f} s (seed-demo + {products} drafts)")
    print(f"  attempts            {sum(status.values()):>8}  ({sum(status.values()) / elapsed:.1f}/s)")
    print(f"  transitions (200)   {successes:>8}  ({successes / elapsed:.1f}/s)")
    print(f"  latency of POST     p50 {percentile(latency, 50) * 1000:.0f} ms, "
          f"p95 {percentile(latency, 95) * 1000:.0f} ms, p99 {percentile(latency, 99) * 1000:.0f} ms")
    print(f"  conflicts (409)     {status.get(409, 0):>8}  (two clients raced the same version)")
    print(f"  5xx                 {fivexx:>8}  (server log: {server_log['access_5xx']}, "
          f"tracebacks: {server_log['tracebacks']})")
    print(f"  database is locked  {locked + server_log['database_is_locked']:>8}")
    print(f"  other failures      {other + exceptions:>8}  {dict(status)}"
          + (f", {exceptions} connection errors" if exceptions else ""))
    for line in errors[:5]:
        print(f"    {line}")
    print(f"  audit events added  {sum(audited.values()):>8}")
    print(f"  lost updates        {len(lost):>8}" + "".join(f"\n    {p}" for p in lost[:10]))
    print(f"  audit verify        {'ok' if verify.returncode == 0 else 'FAILED'}: "
          f"{(verify.stdout or verify.stderr).strip().splitlines()[-1:]}")
    return not (lost or fivexx or locked or server_log["database_is_locked"] or other
                or exceptions or verify.returncode or successes == 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append",
                        help="repeat for both (default: sqlite)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: gunicorn.conf.py's)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--products", type=int, default=64)
    parser.add_argument("--hot", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="keep databases and logs in this folder")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="sieve-transitions-"))
    good = True
    try:
        for kind in args.db or ["sqlite"]:
            folder = root / kind
            folder.mkdir(parents=True, exist_ok=True)
            good &= run(kind, args.workers, args.clients, args.seconds, args.products,
                        args.hot, folder, args.threads)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
