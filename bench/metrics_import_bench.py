"""Benchmark of the customer metrics import against its floor, on a throwaway database.

    python bench/metrics_import_bench.py [--rows 1000000] [--products 50000]
                                         [--database-url URL] [--no-reimport] [--keep DIR]

Builds a migrated SQLite database (or uses ``--database-url``, e.g. a scratch PostgreSQL
database, whose tables it empties), bulk-creates ``--products`` listed products and writes a CSV
of ``--rows`` rows (each product over ``rows / products`` consecutive months). Then measures,
each in a separate child process so that its peak resident set is its own
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``), on a fresh copy of the database:

(a) the floor: pandas ``read_csv`` of the file in chunks plus a bare bulk insert of the same
    rows into ``customer_metrics`` (the same executemany call Sieve uses, one transaction);
(b) Sieve's ``import_file``: two passes (check everything, then write all in one transaction);
(c) informational: importing the same file again (every row compared, all unchanged).

Targets: (b) within 2x of (a)'s seconds, peak RSS under 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("SIEVE_SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("SIEVE_PASSWORD_PROFILE", "fast")

TARGET_RATIO = 2.0
TARGET_MB = 500
MANAGER = "bench-manager@sieve.bench"


def _app(url: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SIEVE_JOBS_INLINE": True})


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- setup ----------------------------------------------------------------------------------

def build_database(url: str, products: int) -> list[int]:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from app.extensions import db
    from app.models import Product, User
    from app.services import accounts, registry

    app = _app(url)
    with app.app_context():
        upgrade()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("TRUNCATE customer_metrics, metric_imports CASCADE"))
            db.session.commit()
        supplier = registry.create_supplier(None, {"name": "Bench Supplier", "status": "active"})
        category = registry.create_category(None, {"name": f"Bench {secrets.token_hex(3)}"})
        if db.session.scalar(select(User.id).where(User.email == MANAGER)) is None:
            accounts.create_user(None, MANAGER, "selection_manager", "bench-password-2026")
        rows = [{"supplier_id": supplier.id, "category_id": category.id,
                 "name_en": f"Bench product {n}", "sku_code": f"B-{n:06d}", "state": "listed"}
                for n in range(products)]
        db.session.rollback()  # end the session's read snapshot; the insert is its own
        with db.engine.begin() as connection:
            for start in range(0, len(rows), 10_000):
                connection.execute(insert(Product.__table__), rows[start:start + 10_000])
        ids = list(db.session.scalars(select(Product.id).where(
            Product.supplier_id == supplier.id).order_by(Product.id)))
        db.session.remove()
        db.engine.dispose()
    return ids


def write_csv(path: Path, product_ids: list[int], rows: int) -> int:
    periods = -(-rows // len(product_ids))
    months = [f"{2020 + (m // 12)}-{m % 12 + 1:02d}" for m in range(periods)]
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,"
                  "returns,complaints\n")
        for index, pid in enumerate(product_ids):
            lines = []
            for m, month in enumerate(months):
                if written >= rows:
                    break
                units = 50 + (index * 7 + m * 13) % 900
                reviews = units // 10
                rating = f"{3 + ((index + m) % 20) / 10:.1f}" if reviews else ""
                lines.append(f"{pid},{month},{units},{units - units // 20},{reviews},{rating},"
                             f"{reviews * 4 // 5},{units // 25},{units // 100}\n")
                written += 1
            out.writelines(lines)
    return written


# --- the measured children ----------------------------------------------------------------------

def child_floor(url: str, csv_path: str) -> dict:
    import pandas as pd

    from app.db import write_transaction
    from app.extensions import db
    from app.models import MetricImport, User
    from app.services.metrics.files import CHUNK_ROWS
    from app.services.metrics.importing import insert_figures
    from workflows.periods import parse_period

    app = _app(url)
    with app.app_context():
        actor = db.session.scalar(db.select(User).where(User.email == MANAGER))
        with write_transaction() as session:
            record = MetricImport(source="cli", filename="floor.csv", checksum="0" * 64,
                                  status="running", created_by_id=actor.id)
            session.add(record)
            session.flush()
            import_id = record.id
        start, rss_before = time.perf_counter(), _peak_mb()
        starts: dict[str, object] = {}
        rows = 0
        with write_transaction() as session:
            connection = session.connection()
            for frame in pd.read_csv(csv_path, chunksize=CHUNK_ROWS, dtype=str,
                                     keep_default_na=False):
                for period in frame["period"].unique():
                    if period not in starts:
                        starts[period] = parse_period(period).start
                out = frame.drop(columns=["avg_rating"]).astype(
                    {c: "int64" for c in frame.columns if c not in ("period", "avg_rating")})
                ratings = pd.to_numeric(frame["avg_rating"].replace("", None))
                out["avg_rating"] = ratings.astype(object).where(ratings.notna(), None)
                out["period_kind"] = "month"
                out["period_start"] = frame["period"].map(starts)
                out["import_id"] = import_id
                insert_figures(connection, out.to_dict("records"))
                rows += len(out)
        seconds = time.perf_counter() - start
        db.engine.dispose()
    return {"rows": rows, "seconds": seconds, "peak_mb": _peak_mb(), "rss_before": rss_before}


def child_sieve(url: str, csv_path: str) -> dict:
    from app.extensions import db
    from app.models import User
    from app.services.metrics import import_file

    app = _app(url)
    with app.app_context():
        actor = db.session.scalar(db.select(User).where(User.email == MANAGER))
        start, rss_before = time.perf_counter(), _peak_mb()
        record = import_file(actor, csv_path, Path(csv_path).name, "cli")
        seconds = time.perf_counter() - start
        if record.status != "applied":
            raise SystemExit(f"import refused: {record.errors[:3]}")
        summary = {k: record.summary.get(k) for k in ("added", "changed", "unchanged",
                                                     "removed")}
        db.engine.dispose()
    return {"rows": record.rows, "seconds": seconds, "peak_mb": _peak_mb(),
            "rss_before": rss_before, "summary": summary}


def run_child(kind: str, url: str, csv_path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--database-url", url,
                           "--csv", str(csv_path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fresh(url: str, template: Path | None, folder: Path, name: str) -> str:
    """A fresh database for one measurement: a copy of the template (SQLite), or emptied."""
    if template is not None:
        target = folder / f"{name}.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE customer_metrics, metric_imports CASCADE"))
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--database-url", help="Use this database (its metrics are emptied).")
    parser.add_argument("--no-reimport", action="store_true", help="Skip measurement (c).")
    parser.add_argument("--keep", help="Keep the files in this folder.")
    parser.add_argument("--child", choices=("floor", "sieve"), help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = child_floor if args.child == "floor" else child_sieve
        print(json.dumps(run(args.database_url, args.csv)))
        return

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sieve-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        template = None if args.database_url else folder / "template.db"
        url = args.database_url or f"sqlite:///{template}"
        print(f"database: {'SQLite' if template else url.rsplit('@', 1)[-1]}; building "
              f"{args.products:,} products…", flush=True)
        ids = build_database(url, args.products)
        csv_path = folder / "metrics.csv"
        rows = write_csv(csv_path, ids, args.rows)
        print(f"file: {rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB", flush=True)

        floor = run_child("floor", _fresh(url, template, folder, "floor"), csv_path)
        sieve_url = _fresh(url, template, folder, "sieve")
        sieve = run_child("sieve", sieve_url, csv_path)
        again = None if args.no_reimport else run_child("sieve", sieve_url, csv_path)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    def line(label: str, result: dict, ratio: str) -> str:
        return (f"{label:<34} {result['rows']:>10,} {result['seconds']:>8.2f} "
                f"{result['rows'] / result['seconds']:>12,.0f} {result['peak_mb']:>9.0f} {ratio:>7}")

    print()
    print(f"{'':<34} {'rows':>10} {'seconds':>8} {'rows/s':>12} {'peak MB':>9} {'ratio':>7}")
    print(line("(a) floor: read_csv + bulk insert", floor, "1.00"))
    ratio = sieve["seconds"] / floor["seconds"]
    print(line("(b) Sieve import_file", sieve, f"{ratio:.2f}"))
    if again:
        print(line("(c) same file again (unchanged)", again,
                   f"{again['seconds'] / floor['seconds']:.2f}"))
        print(f"    (c) summary: {again['summary']}")
    print(f"    peak RSS includes the app and pandas loaded before the measured step: "
          f"{floor['rss_before']:.0f} MB (floor child), {sieve['rss_before']:.0f} MB (Sieve child)")
    print()
    ok_time = ratio <= TARGET_RATIO
    ok_memory = sieve["peak_mb"] < TARGET_MB
    print(f"target: within {TARGET_RATIO:.0f}x of the floor: {ratio:.2f}x "
          f"{'OK' if ok_time else 'MISSED'}")
    print(f"target: peak RSS under {TARGET_MB} MB: {sieve['peak_mb']:.0f} MB "
          f"{'OK' if ok_memory else 'MISSED'}")


if __name__ == "__main__":
    main()
