"""Benchmark of the large PDF reports against the floor of a bare reportlab document.

    python bench/reports_bench.py [--inspections 20000] [--events 2000] [--keep DIR]

Builds a throwaway SQLite database (migrated like the tests' one), bulk-inserts suppliers,
categories, products, sample purchases, completed inspections with defects and audit events
(fake hashes: the chain need not verify here), then measures, each in a forked child process:

(a) the product dossier of a product with ``--events`` audit events and 50 inspections (when
    ``app/services/reports/dossier.py`` exists);
(b) the QC period report over ``--inspections`` inspections (one year);

each beside its floors measured in the same run: a bare reportlab document with the same tables
and rows (every table of the report, same cells and widths, through ``reports.layout.render``),
without queries, charts or headings; once with ``reports.blocks.data_table`` (every cell made up
front) and once with ``reports.qc_period.lazy_table`` (cells made as each piece is laid out, as
the QC report's inspection list does). The ratio is to the faster floor.

Memory is the growth of the child's peak resident set (``resource.getrusage`` ``ru_maxrss``
at the end minus at the start of the measured step): everything the process really held,
reportlab included, not only Python objects (``--tracemalloc`` adds the Python-heap peak from
``tracemalloc`` in a separate run, which is slower, so its seconds are not used).
The target is the report within 1.5x of its floor's seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import pickle
import random
import resource
import secrets
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("SIEVE_SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("SIEVE_PASSWORD_PROFILE", "fast")

TARGET = 1.5
YEAR = 2025
DEFECTS = [("critical", "漏电 / Leakage current above limit"),
           ("major", "盖子划痕 / Scratched lid"), ("major", "把手松动 / Loose handle"),
           ("major", "温控失灵 / Thermostat fails"), ("minor", "标签模糊 / Smudged label"),
           ("minor", "包装破损 / Torn packaging"), ("minor", "说明书缺页 / Manual page missing")]
KINDS = ["routine", "routine", "routine", "follow_up", "complaint", "pre_listing"]


# --- the database ----------------------------------------------------------------------------

def make_app(folder: Path):
    os.environ.setdefault("SIEVE_INSTANCE_PATH", str(folder / "instance"))
    from app import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                       "SIEVE_UPLOAD_DIR": str(folder / "uploads"),
                       "SIEVE_REPORT_DIR": str(folder / "reports"),
                       "SIEVE_PASSWORD_PROFILE": "fast"})


def _insert(session, model, rows: list[dict]) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), 5000):
        session.execute(insert(model), rows[start:start + 5000])


class Seeder:
    """Bulk rows with consecutive ids, so no id has to be read back."""

    def __init__(self, session, rng: random.Random):
        self.session, self.rng = session, rng
        self.now = datetime(YEAR + 1, 1, 15, tzinfo=UTC)
        self.event_id = 0

    def people(self, suppliers: int, categories: int, inspectors: int) -> None:
        from app.models import Category, Supplier, User

        _insert(self.session, Supplier, [
            {"id": i, "name": f"供应商{i:03d}电器有限公司", "name_en": f"Supplier {i:03d} Ltd",
             "status": "active", "region": "广东", "created_at": self.now}
            for i in range(1, suppliers + 1)])
        _insert(self.session, Category, [
            {"id": i, "name": f"Category {i}", "name_zh": f"品类{i}",
             "qc_monthly_budget_cents": 200_000 + 50_000 * i, "created_at": self.now}
            for i in range(1, categories + 1)])
        _insert(self.session, User, [
            {"id": i, "email": f"inspector{i}@bench.example", "password_hash": "x",
             "role": "admin" if i == 1 else "qc_inspector", "session_token": f"t{i}",
             "active": True, "created_at": self.now} for i in range(1, inspectors + 1)])

    def products(self, count: int, suppliers: int, categories: int) -> None:
        from app.models import Product

        _insert(self.session, Product, [
            {"id": i, "supplier_id": 1 + i % suppliers, "category_id": 1 + i % categories,
             "name_zh": f"测试产品{i:04d}号", "name_en": f"Bench product {i:04d}",
             "sku_code": f"B-{i:05d}", "state": "listed", "version": 1,
             "state_changed_at": self.now, "created_at": self.now, "updated_at": self.now}
            for i in range(1, count + 1)])

    def _defects(self, iid: int, pid: int, plans, done: datetime) -> tuple[dict, list[dict]]:
        """Up to two random defects within each class's sample: (found, defect rows)."""
        found = {"critical": 0, "major": 0, "minor": 0}
        room = {p.defect_class: p.sample_size for p in plans}
        rows = []
        for _ in range(self.rng.choice([0, 0, 0, 1, 1, 2])):
            cls, desc = self.rng.choice(DEFECTS)
            items = min(self.rng.randint(1, 3), room[cls] - found[cls])
            if items >= 1:
                found[cls] += items
                rows.append({"inspection_id": iid, "product_id": pid, "defect_class": cls,
                             "count": items, "description": desc, "created_by_id": 2,
                             "created_at": done})
        return found, rows

    def inspections(self, count: int, product_of, inspectors: int, first_id: int = 1) -> None:
        """``count`` completed inspections (each with its purchase) spread over the year."""
        from app.models import Inspection, InspectionDefect, SamplePurchase
        from workflows import inspection as rules

        purchases, inspections, defects = [], [], []
        plans_by_lot = {lot: rules.class_plans(lot, rules.DEFAULT_AQLS)
                        for lot in (150, 500, 3200)}
        for n in range(count):
            iid, pid, kind = first_id + n, product_of(n), KINDS[n % len(KINDS)]
            done = datetime(YEAR, 1, 1, 8, tzinfo=UTC) + timedelta(
                minutes=self.rng.randrange(365 * 24 * 60 - 600))
            lot = self.rng.choice(list(plans_by_lot))
            plans = plans_by_lot[lot]
            sample = rules.sample_to_draw(plans)
            found, rows = self._defects(iid, pid, plans, done)
            defects += rows
            verdict = rules.evaluate(plans, found)
            purchases.append({
                "id": iid, "product_id": pid, "kind": kind, "channel": "platform",
                "store_name": "Sieve Mall", "order_number": f"SO{iid}",
                "order_key": f"platform|sieve mall|so{iid}", "purchased_on": done.date(),
                "quantity": sample, "unit_price_cents": 1990, "total_cents": 1990 * sample,
                "purchaser_id": 2, "reimbursement_status": "paid", "created_at": done})
            inspections.append({
                "id": iid, "purchase_id": iid, "product_id": pid,
                "inspector_id": 2 + n % (inspectors - 1), "kind": kind, "status": "completed",
                "lot_size": lot, "level": "II", "severity": "normal",
                "severity_reason": "normal inspection at the start",
                "aqls": dict(rules.DEFAULT_AQLS), "plans": [p.as_dict() for p in plans],
                "sample_size": sample, "checklist": [], "production_steady": False,
                "verdict": "accepted" if verdict.accepted else "rejected", "found": found,
                "arithmetic": verdict.arithmetic(), "consequence": None,
                "summary": "Routine sample from the platform's own store.",
                "internal_notes": "Bench note" if n % 7 == 0 else None,
                "started_at": done - timedelta(hours=2), "completed_at": done})
        _insert(self.session, SamplePurchase, purchases)
        _insert(self.session, Inspection, inspections)
        _insert(self.session, InspectionDefect, defects)

    def events(self, subject_id_of, count: int, action_of, when_of) -> None:
        """Audit events with fake (unique) hashes: the chain need not verify here."""
        from app.models import AuditEvent

        rows = []
        for n in range(count):
            self.event_id += 1
            eid = self.event_id
            rows.append({
                "id": eid, "occurred_at": when_of(n), "actor_id": 2, "actor_label":
                "inspector2@bench.example", "subject_type": "product",
                "subject_id": subject_id_of(n), "action": action_of(n), "from_state": None,
                "to_state": None, "reason": None,
                "changes": json.dumps({"description": {"before": f"v{n}", "after": f"v{n + 1}"}}),
                "prev_hash": hashlib.sha256(f"prev{eid}".encode()).hexdigest(),
                "hash": hashlib.sha256(f"event{eid}".encode()).hexdigest()})
        _insert(self.session, AuditEvent, rows)


def seed(app, inspections: int, events: int) -> dict:
    from app.extensions import db

    with app.app_context():
        session = db.session
        seeder = Seeder(session, random.Random(6))
        seeder.people(suppliers=40, categories=12, inspectors=9)
        seeder.products(600, suppliers=40, categories=12)
        seeder.inspections(inspections, lambda n: 2 + n % 599, inspectors=9)
        start = datetime(YEAR, 1, 1, 9, tzinfo=UTC)
        seeder.events(lambda n: 2 + n % 599, inspections, lambda n: "complete_inspection",
                      lambda n: start + timedelta(minutes=26 * n % (364 * 24 * 60)))
        # the dossier's product: #1, with 50 inspections and ``events`` audit events
        seeder.inspections(50, lambda n: 1, inspectors=9, first_id=inspections + 1)
        seeder.events(lambda n: 1, events,
                      lambda n: ["update", "log_defect", "complete_inspection"][n % 3],
                      lambda n: start + timedelta(hours=3 * n))
        session.commit()
    return {"qc_params": {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"},
            "dossier_params": {"product_id": 1}}


# --- the measurements ------------------------------------------------------------------------

def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _in_child(target, *args) -> dict:
    """Run ``target(*args)`` in a forked process (its own peak RSS); returns its dict."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)

    def run():
        try:
            child.send(target(*args))
        except BaseException as error:  # noqa: BLE001 - report it to the parent
            child.send({"error": f"{type(error).__name__}: {error}"})

    process = context.Process(target=run)
    process.start()
    result = parent.recv()
    process.join()
    return result


def _measured(step, use_tracemalloc: bool = False) -> dict:
    if use_tracemalloc:
        tracemalloc.start()
    before, started = _maxrss_mb(), time.perf_counter()
    pages = step()
    seconds = time.perf_counter() - started
    out = {"seconds": seconds, "pages": pages, "rss_mb": _maxrss_mb() - before}
    if use_tracemalloc:
        out["py_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def _staff(app):
    from app.extensions import db
    from app.models import User

    return db.session.get(User, 1)


def report_run(app, kind: str, params: dict, folder: Path, use_tracemalloc: bool) -> dict:
    from app.services.reports import generate

    with app.app_context():
        actor = _staff(app)
        target = folder / f"{kind}.pdf"
        return _measured(lambda: generate(actor, kind, params, str(target)).pages,
                         use_tracemalloc)


def _cells(table) -> tuple[list[list[str]], list[float]]:
    """A table's cell texts (markup unescaped) and its column widths as fractions."""
    from xml.sax.saxutils import unescape

    from reportlab.platypus import Paragraph

    from reports.layout import CONTENT_WIDTH

    def cell(value) -> str:
        if isinstance(value, Paragraph):
            return unescape(value.text.replace("<br/>", "\n"))
        return "" if isinstance(value, list | tuple) or hasattr(value, "wrap") else str(value)

    rows = [[cell(v) for v in row] for row in table._cellvalues]
    return rows, [w / CONTENT_WIDTH for w in table._colWidths]


def _tables_in(flowables):
    from reportlab.platypus import Table

    from reports.qc_period import LazyTable

    for f in flowables:
        if isinstance(f, Table):
            yield f
        elif isinstance(f, LazyTable):  # a piece made on demand: make it now
            yield f._real()
            f._table = None
        elif getattr(f, "_content", None):  # KeepTogether and friends
            yield from _tables_in(f._content)


def floor_tables(app, kind: str, params: dict, folder: Path) -> dict:
    """Gather the report's data, build its story and keep every table's cells and widths in a
    file for :func:`floor_run` (in a child of its own: the floor's memory is measured from a
    process that never held the report)."""
    from importlib import import_module

    from app.extensions import db
    from app.services.reports import KINDS, translator
    from app.services.reports.manifest import build_manifest
    from reports.layout import ReportMeta

    with app.app_context():
        actor, t = _staff(app), translator("en")
        module = import_module(f"app.services.reports.{KINDS[kind]}")
        scope = module.scope_for(actor, params)
        scope["as_of"] = datetime.now(UTC).isoformat(timespec="seconds")
        data = module.gather(db.session, actor, scope, t)
        manifest = build_manifest(db.session, "SR-BENCH-FLOOR", kind, scope, "en")
        meta = ReportMeta(report_id="SR-BENCH-FLOOR", title="floor", generated="floor",
                          manifest=manifest)
        story = import_module(f"reports.{KINDS[kind]}").story(data, t, meta, manifest)
        tables = [_cells(table) for table in _tables_in(story)]
        db.session.rollback()
    with open(folder / f"{kind}-floor.pickle", "wb") as out:
        pickle.dump((tables, manifest), out)
    return {"tables": len(tables)}


def floor_run(app, kind: str, folder: Path, use_tracemalloc: bool, lazy: bool) -> dict:
    """The floor: every table of the report (same cells, same widths) as a bare document
    through ``reports.blocks.data_table`` (``lazy``: ``reports.qc_period.lazy_table``, whose
    pieces make their cells only when laid out) and ``reports.layout.render``: no queries,
    no charts, no headings."""
    from reports.blocks import data_table
    from reports.layout import ReportMeta, render
    from reports.qc_period import lazy_table

    def pieces(rows, widths):
        if lazy:
            return lazy_table(rows[0], rows[1:], widths, list)
        return data_table(rows[0], rows[1:], widths)

    with open(folder / f"{kind}-floor.pickle", "rb") as source:
        tables, manifest = pickle.load(source)
    meta = ReportMeta(report_id="SR-BENCH-FLOOR", title="floor", generated="floor",
                      manifest=manifest)

    def step():
        bare = [piece for rows, widths in tables for piece in pieces(rows, widths)]
        return render(bare, meta, str(folder / f"{kind}-floor.pdf"))

    return _measured(step, use_tracemalloc)


def floors(app, kind: str, params: dict, folder: Path,
           use_tracemalloc: bool = False) -> dict[str, dict]:
    prepared = _in_child(floor_tables, app, kind, params, folder)
    if "error" in prepared:
        return {"floor": prepared}
    return {"floor: data_table": _in_child(floor_run, app, kind, folder, use_tracemalloc,
                                           False),
            "floor: lazy pieces": _in_child(floor_run, app, kind, folder, use_tracemalloc,
                                            True)}


def _line(name: str, m: dict) -> str:
    if "error" in m:
        return f"  {name:<24} FAILED: {m['error']}"
    extra = f", Python heap peak {m['py_peak_mb']:.0f} MB" if "py_peak_mb" in m else ""
    return (f"  {name:<24} {m['seconds']:7.1f} s  {m['pages']:5} pages  "
            f"peak RSS +{m['rss_mb']:.0f} MB{extra}")


def compare(title: str, report: dict, bare: dict[str, dict]) -> None:
    """The report beside its floors; the ratio is to the fastest floor."""
    print(title)
    print(_line("report", report))
    for name, measured in bare.items():
        print(_line(name, measured))
    timed = [m["seconds"] for m in bare.values() if "error" not in m]
    if "error" not in report and timed:
        ratio = report["seconds"] / min(timed)
        verdict = "within" if ratio <= TARGET else "ABOVE"
        print(f"  ratio {ratio:.2f}x the fastest floor (target: within {TARGET}x):"
              f" {verdict} target")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inspections", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--keep", help="keep the database and PDFs in this folder")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure the Python-heap peak (a separate, slower run)")
    args = parser.parse_args(argv)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="sieve-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def run(args, folder: Path) -> int:
    from flask_migrate import upgrade

    from app.extensions import db

    app = make_app(folder)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
    params = seed(app, args.inspections, args.events)
    with app.app_context():
        db.engine.dispose()  # children open their own connections
    from reports.styles import fonts, styles

    fonts(), styles()  # the CJK font is parsed once, before the children fork
    print(f"database: {args.inspections} inspections + 50 for the dossier's product, "
          f"{args.inspections + args.events} audit events "
          f"(seeded in {time.perf_counter() - started:.1f} s)"
          + (f" in {folder}" if args.keep else ""))
    print("memory: growth of the peak resident set (resource.getrusage ru_maxrss) during the"
          " step, in a forked child")
    if (REPO / "app/services/reports/dossier.py").exists():
        compare(f"(a) product dossier: {args.events} audit events, 50 inspections",
                _in_child(report_run, app, "product", params["dossier_params"], folder, False),
                floors(app, "product", params["dossier_params"], folder))
    else:
        print("(a) product dossier: skipped (app/services/reports/dossier.py does not exist)")
    compare(f"(b) QC period report: {args.inspections} inspections in {YEAR}",
            _in_child(report_run, app, "qc", params["qc_params"], folder, False),
            floors(app, "qc", params["qc_params"], folder))
    if args.tracemalloc:
        print("Python-heap peaks (tracemalloc; seconds not comparable):")
        print(_line("QC report", _in_child(report_run, app, "qc", params["qc_params"], folder,
                                           True)))
        for name, measured in floors(app, "qc", params["qc_params"], folder, True).items():
            print(_line(f"QC {name}", measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
