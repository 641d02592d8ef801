"""Load test: locust (headless) against gunicorn on 127.0.0.1, bounded in time.

    python bench/load_test.py --db sqlite|postgresql [--db ...] [--users 50] [--minutes 5]
                              [--workers 4] [--spawn-rate 10] [--keep DIR]

For each database: a scratch database (``bench/gunicorn_harness.py``: migrations, the demo data,
64 benchmark drafts), gunicorn with the repository's ``gunicorn.conf.py`` and ``--workers``
workers, then ``locust -f bench/locustfile.py`` with ``--users`` simulated users for ``--minutes``
(the mix is described in the locustfile: pages, dashboards, API reads, transitions, QC
inspections, uploads). Printed per database: requests, requests per second, p50/p95/p99 over all
requests and for the slowest endpoints, failed requests, 5xx answers (counted by locust and in
gunicorn's access log), 409 conflicts on transitions (expected, not failures), "database is
locked" in the server log, and ``flask --app app audit verify`` afterwards.

Exit status 1 on any 5xx, failed request, "database is locked" or broken audit chain
(``scripts/load_smoke.sh`` runs a short version of this for CI).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gunicorn_harness as harness  # noqa: E402

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def _ms(value: str) -> str:
    return f"{float(value):.0f}" if value not in ("", "N/A") else "-"


def run_locust(host: str, users: int, seconds: int, spawn_rate: float, folder: Path) -> dict:
    prefix = folder / "locust"
    counts_path = folder / "locust-counts.json"
    env = {**os.environ, "SIEVE_LOCUST_COUNTS": str(counts_path)}
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", host,
           "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "--stop-timeout", "30",
           "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
           "--exit-code-on-error", "0"]
    with open(folder / "locust.log", "wb") as log:
        proc = subprocess.run(cmd, cwd=harness.REPO, env=env, stdout=log, stderr=log,
                              timeout=seconds + 300)
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", newline="")))
    failures = list(csv.DictReader(open(f"{prefix}_failures.csv", newline="")))
    counts = json.loads(counts_path.read_text()) if counts_path.exists() else {}
    return {"returncode": proc.returncode, "rows": rows, "failures": failures, "counts": counts}


def report(kind: str, workers: int, users: int, seconds: int, result: dict, server: dict,
           verify: subprocess.CompletedProcess) -> bool:
    rows = result["rows"]
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    print(f"== load test on {kind}: {users} users, {seconds} s, gunicorn {workers} workers ==")
    if total is None:
        print("  locust produced no statistics: see locust.log")
        return False
    requests_n, failed = int(total["Request Count"]), int(total["Failure Count"])
    print(f"  requests          {requests_n:>8}  ({float(total['Requests/s']):.1f}/s)")
    print(f"  latency (ms)      p50 {_ms(total['50%'])}, p95 {_ms(total['95%'])}, "
          f"p99 {_ms(total['99%'])}, max {_ms(total['Max Response Time'])}")
    print(f"  failed requests   {failed:>8}")
    fivexx = result["counts"].get("5xx", 0)
    print(f"  5xx               {fivexx:>8}  (gunicorn access log: {server['access_5xx']}, "
          f"tracebacks: {server['tracebacks']})")
    print(f"  database locked   {server['database_is_locked']:>8}")
    counts = result["counts"]
    print(f"  work done         {counts.get('transitions', 0)} transitions "
          f"({counts.get('409', 0)} x 409 conflict, expected), "
          f"{counts.get('inspections', 0)} inspections, {counts.get('uploads', 0)} uploads")
    print(f"  audit verify      {'ok' if verify.returncode == 0 else 'FAILED'}: "
          f"{(verify.stdout or verify.stderr).strip().splitlines()[-1:]}")
    print(f"  {'endpoint':<48} {'reqs':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}")
    endpoints = sorted((r for r in rows if r["Name"] != "Aggregated"),
                       key=lambda r: -float(r["95%"] if r["95%"] not in ("", "N/A") else 0))
    for row in endpoints:
        name = f"{row['Type']} {row['Name']}"[:48]
        print(f"  {name:<48} {row['Request Count']:>6} {row['Failure Count']:>5} "
              f"{_ms(row['50%']):>6} {_ms(row['95%']):>6} {_ms(row['99%']):>6}")
    for failure in result["failures"][:10]:
        print(f"  FAILURE x{failure['Occurrences']}: {failure['Method']} {failure['Name']}: "
              f"{failure['Error'][:200]}")
    return (failed == 0 and fivexx == 0 and server["access_5xx"] == 0 and requests_n > 0
            and server["database_is_locked"] == 0 and verify.returncode == 0)


def run(kind: str, users: int, seconds: int, workers: int, spawn_rate: float,
        folder: Path) -> bool:
    url = harness.scratch_database(kind, folder)
    env = harness.server_env(url, folder)
    prep = harness.prepare(env, 64)
    print(f"[{kind}] prepared in {prep:.1f} s", flush=True)
    port = harness.free_port()
    log_path = folder / f"gunicorn-{kind}.log"
    log_path.unlink(missing_ok=True)
    server = harness.start_gunicorn(env, port, workers, log_path)
    try:
        result = run_locust(f"http://127.0.0.1:{port}", users, seconds, spawn_rate, folder)
    finally:
        harness.stop_gunicorn(server)
    verify = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "audit", "verify"],
                            cwd=harness.REPO, env=env, capture_output=True, text=True)
    return report(kind, workers, users, seconds, result, harness.server_log_counts(log_path),
                  verify)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append",
                        help="repeat for both (default: sqlite)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--seconds", type=int, help="overrides --minutes")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--keep", type=Path, help="keep databases, logs and locust CSVs here")
    args = parser.parse_args(argv)
    seconds = args.seconds or round(args.minutes * 60)
    root = args.keep or Path(tempfile.mkdtemp(prefix="sieve-load-"))
    good = True
    try:
        for kind in args.db or ["sqlite"]:
            folder = root / kind
            folder.mkdir(parents=True, exist_ok=True)
            good &= run(kind, args.users, seconds, args.workers, args.spawn_rate, folder)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("load test:", "passed" if good else "FAILED (5xx, failed requests or audit)")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
