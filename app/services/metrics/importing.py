"""Applying metric imports: check everything first, then write all of it in one transaction.

Pass 1 streams the rows and checks them (outside the write lock). A refused import stores no
figure: its MetricImport row says why. Pass 2 streams them again and writes inside ONE
``write_transaction()``: straight into ``customer_metrics`` when none of the file's periods holds
figures yet, else through a temporary staging table compared with the stored figures in SQL
(what was added, changed, unchanged, removed). The MetricImport row is written in its own short
transaction before the write, so a process killed mid-write leaves a ``running`` row and no
figures; such a row is reported ``failed`` (see :func:`reconcile`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
from flask import current_app
from sqlalchemy import (
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Connection

from app.db import write_transaction
from app.extensions import db
from app.models import Job, User
from app.models.base import as_utc, utcnow
from app.models.metrics import IMPORT_SOURCES, CustomerMetric, MetricImport
from app.services import job_queue
from app.services.audit import record_event
from app.services.errors import Forbidden, NotFound, ValidationFailed
from app.services.metrics import files
from app.services.metrics.files import Chunk, FileRefused, ProblemLog
from app.services.metrics.validation import (
    COLUMNS,
    COUNT_COLUMNS,
    FIGURES,
    Catalogue,
    RowChecker,
    check_header,
)

IMPORTER_ROLES = ("admin", "selection_manager")
#: The JSON batch endpoint takes at most this many rows per call.
MAX_BATCH_ROWS = 10_000
EXAMPLES = 20
PERIOD_SLICE = 1000  # periods per IN (...) list
#: The file name of a JSON batch's import (a file's always ends in .csv or .xlsx).
BATCH_NAME = "JSON batch"
#: Test-only: seconds to sleep between chunks of the write pass (the crash test kills it then).
PAUSE_ENV = "SIEVE_TEST_METRICS_WRITE_PAUSE"
#: Test-only: rows per chunk (default ``files.CHUNK_ROWS``), so a small file has many chunks.
CHUNK_ENV = "SIEVE_TEST_METRICS_CHUNK_ROWS"
Progress = Callable[[int, str], None]
_STORED = ("product_id", "period", "period_kind", "period_start", *FIGURES)


def _no_progress(_percent: int, _step: str) -> None:
    return None


def may_import(user: User) -> bool:
    return user.role in IMPORTER_ROLES


def require_importer(user: User) -> None:
    """Managers and admins import; suppliers are told nothing exists, other staff are refused."""
    if user.is_supplier:
        raise NotFound("not found")
    if not may_import(user):
        raise Forbidden("only selection managers and admins import customer metrics")


def display_name(filename: str) -> str:
    name = Path(str(filename or "").replace("\\", "/")).name.strip() or "metrics"
    return "".join(ch for ch in name if ch.isprintable())[:255]


# -- the MetricImport row -------------------------------------------------------------------------

def _start(actor: User, source: str, filename: str, checksum: str, job_id: int | None,
           replace_periods: bool) -> int:
    if source not in IMPORT_SOURCES:
        raise ValidationFailed(f"source: one of {', '.join(IMPORT_SOURCES)}",
                               {"source": "unknown"})
    with write_transaction() as session:
        record = MetricImport(source=source, filename=filename, checksum=checksum,
                              status="running", rows=0, error_count=0, errors=[],
                              summary={"holder": job_queue.process_label(),
                                       "replace_periods": replace_periods},
                              job_id=job_id, created_by_id=actor.id)
        session.add(record)
        session.flush()
        return record.id


def _audit(session, actor: User | None, record: MetricImport, action: str) -> None:
    summary = record.summary or {}
    record_event(session, actor, "metric_import", record.id, action, changes={
        "file": record.filename, "source": record.source, "checksum": record.checksum,
        "rows": record.rows, "outcome": record.status, "errors": record.error_count,
        "replace_periods": bool(summary.get("replace_periods")),
        **{key: summary.get(key, 0) for key in ("added", "changed", "unchanged", "removed")}})


def _refuse(actor: User, record_id: int, rows: int, problems: ProblemLog) -> MetricImport:
    with write_transaction() as session:
        record = session.get(MetricImport, record_id)
        record.status, record.rows, record.finished_at = "refused", rows, utcnow()
        record.errors, record.error_count = problems.as_list(), problems.count
        record.summary = {"replace_periods": (record.summary or {}).get("replace_periods")}
        _audit(session, actor, record, "refuse_metric_import")
    return db.session.get(MetricImport, record_id, populate_existing=True)


def mark_failed(record_id: int, reason: str, actor: User | None = None) -> None:
    """A running import that cannot finish: failed, with ``reason``; none of it was stored."""
    with write_transaction() as session:
        record = session.get(MetricImport, record_id, populate_existing=True)
        if record is None or record.status != "running":
            return
        record.status, record.finished_at = "failed", utcnow()
        record.errors = [{"row": None, "column": "", "value": "", "problem": reason[:2000]}]
        record.error_count = 1
        record.summary = {"replace_periods": (record.summary or {}).get("replace_periods")}
        _audit(session, actor, record, "fail_metric_import")


def lost_reason(record: MetricImport) -> str | None:
    """Why a ``running`` import can never finish (its job failed, its process is gone, it ran
    past the job timeout), or None while it still may."""
    if record.status != "running":
        return None
    if record.job_id is not None:
        job = db.session.get(Job, record.job_id)
        if job is not None and job.status in ("failed", "succeeded"):
            return f"its job {job.id} ended ({job.status}) before the import finished"
        if job is not None and job.status == "running" and job_queue.lost_reason(job):
            return "the process running its job stopped before it finished"
    holder = (record.summary or {}).get("holder") or ""
    if holder.startswith("embedded:") and job_queue._embedded_holder_gone(holder):
        return "the process importing it stopped before it finished"
    timeout = timedelta(seconds=int(current_app.config.get("SIEVE_JOB_TIMEOUT", 3600)))
    if as_utc(record.created_at) < utcnow() - timeout:
        return "it did not finish within the job timeout"
    return None


def reconcile(record: MetricImport) -> MetricImport:
    """Mark failed (and audit) a running import that can never finish; the row as it is now."""
    reason = lost_reason(record)
    if reason is None:
        return record
    mark_failed(record.id, f"{reason}; nothing of it was stored")
    return db.session.get(MetricImport, record.id, populate_existing=True)


# -- pass 1: check ------------------------------------------------------------------------------

def _check(read: Callable[[], Iterator[Chunk]], checker: RowChecker, progress: Progress,
           size_hint: float) -> None:
    progress(0, "validate")
    for chunk in read():
        checker.check(chunk)
        progress(int(50 * min(1.0, chunk.done or checker.rows / size_hint)), "validate")
    checker.finish()


# -- pass 2: write --------------------------------------------------------------------------------

def _records(frame: pd.DataFrame, import_id: int, with_row: bool = False) -> list[dict]:
    columns = ["row", *_STORED] if with_row else list(_STORED)
    out = frame[columns].astype({"avg_rating": object})
    out["avg_rating"] = out["avg_rating"].where(out["avg_rating"].notna(), None)
    out["import_id"] = import_id
    if with_row:
        out = out.rename(columns={"row": "row_no"})
    return out.to_dict("records")


def insert_figures(connection: Connection, records: list[dict], table=None) -> None:
    """One executemany of ``records`` (the benchmark's floor uses this very call)."""
    if records:
        connection.execute(insert(table if table is not None else CustomerMetric.__table__),
                           records)


def _staging_table() -> Table:
    metadata = MetaData()
    return Table("metric_import_staging", metadata,
                 Column("row_no", Integer), Column("product_id", Integer),
                 Column("period", String(8)), Column("period_kind", String(5)),
                 Column("period_start", Date),
                 *(Column(c, Integer) for c in COUNT_COLUMNS), Column("avg_rating", Float),
                 Column("import_id", Integer), prefixes=["TEMPORARY"])


def _written(read: Callable[[], Iterator[Chunk]], checker: RowChecker) -> Iterator[pd.DataFrame]:
    """Pass 2's figures, chunk by chunk, checked again: the file must not change in between."""
    again = RowChecker(checker.catalogue, checker.names, checker.row_label)
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    for chunk in read():
        frame = again.check(chunk)
        if again.problems:
            raise RuntimeError("the file changed while it was being imported; nothing was stored")
        yield frame
        if pause:
            time.sleep(pause)
    if again.rows != checker.rows:
        raise RuntimeError("the file changed while it was being imported; nothing was stored")


def _apply(actor: User, record_id: int, read: Callable[[], Iterator[Chunk]],
           checker: RowChecker, replace_periods: bool, progress: Progress) -> MetricImport:
    periods = sorted({v[0] for v in checker.periods.values() if v[0] is not None})
    total = max(checker.rows, 1)
    done = 0
    progress(50, "write")
    with write_transaction() as session:
        connection = session.connection()
        table = CustomerMetric.__table__
        if not _any_stored(connection, table, periods):
            per_period: Counter = Counter()
            for frame in _written(read, checker):
                insert_figures(connection, _records(frame, record_id))
                per_period.update(frame["period"].value_counts().to_dict())
                done += len(frame)
                progress(50 + int(49 * done / total), "write")
            summary = _fresh_summary(per_period, replace_periods)
        else:
            staging = _staging_table()
            staging.create(connection)
            for frame in _written(read, checker):
                insert_figures(connection, _records(frame, record_id, with_row=True), staging)
                done += len(frame)
                progress(50 + int(44 * done / total), "write")
            Index("ix_metric_import_staging_key", staging.c.product_id,
                  staging.c.period).create(connection)
            progress(95, "compare")
            summary = _merge(connection, staging, record_id, replace_periods)
            staging.drop(connection)
        record = session.get(MetricImport, record_id)
        record.status, record.rows, record.finished_at = "applied", checker.rows, utcnow()
        record.summary = summary
        _audit(session, actor, record, "apply_metric_import")
    progress(100, "done")
    return db.session.get(MetricImport, record_id, populate_existing=True)


def _any_stored(connection: Connection, table: Table, periods: list[str]) -> bool:
    """Whether any figures are stored for ``periods``, asked in slices of PERIOD_SLICE: a
    file may name more periods than a statement may carry parameters (65,535 on PostgreSQL)."""
    return any(connection.execute(select(table.c.id).where(
        table.c.period.in_(periods[i:i + PERIOD_SLICE])).limit(1)).first() is not None
        for i in range(0, len(periods), PERIOD_SLICE))


def _fresh_summary(per_period: Counter, replace_periods: bool) -> dict:
    periods = {p: {"added": n, "changed": 0, "unchanged": 0, "removed": 0}
               for p, n in sorted(per_period.items())}
    return {"added": sum(per_period.values()), "changed": 0, "unchanged": 0, "removed": 0,
            "periods": periods, "examples": [], "replace_periods": replace_periods}


def _merge(connection: Connection, staging: Table, import_id: int,
           replace_periods: bool) -> dict:
    """Compare the staged rows with the stored ones, then replace what changed (SQL only)."""
    stored = CustomerMetric.__table__
    match = and_(stored.c.product_id == staging.c.product_id,
                 stored.c.period == staging.c.period)
    differs = or_(*(stored.c[f] != staging.c[f] for f in COUNT_COLUMNS),
                  stored.c.avg_rating.is_distinct_from(staging.c.avg_rating))
    one = literal(1)
    counts = connection.execute(
        select(staging.c.period,
               func.sum(case((stored.c.id.is_(None), one), else_=0)),
               func.sum(case((and_(stored.c.id.is_not(None), differs), one), else_=0)),
               func.count())
        .select_from(staging.outerjoin(stored, match)).group_by(staging.c.period)).all()
    periods_summary = {p: {"added": int(a), "changed": int(c), "unchanged": int(n - a - c),
                           "removed": 0} for p, a, c, n in counts}
    examples = [{"row": r.row_no, "product_id": r.product_id, "period": r.period,
                 "changes": {f: {"before": getattr(r, f"old_{f}"), "after": getattr(r, f)}
                             for f in FIGURES if getattr(r, f"old_{f}") != getattr(r, f)}}
                for r in connection.execute(
                    select(staging.c.row_no, staging.c.product_id, staging.c.period,
                           *(staging.c[f] for f in FIGURES),
                           *(stored.c[f].label(f"old_{f}") for f in FIGURES))
                    .select_from(staging.join(stored, match)).where(differs)
                    .order_by(staging.c.row_no).limit(EXAMPLES))]
    in_file = exists().where(match)
    if replace_periods:
        # The file's periods come from the staged rows themselves: no parameter per period.
        file_period = stored.c.period.in_(select(staging.c.period))
        for period, count in connection.execute(
                select(stored.c.period, func.count()).where(file_period, ~in_file)
                .group_by(stored.c.period)).all():
            periods_summary.setdefault(period, {"added": 0, "changed": 0, "unchanged": 0,
                                                "removed": 0})["removed"] = int(count)
        connection.execute(delete(stored).where(file_period, ~in_file))
    connection.execute(delete(stored).where(exists().where(match, differs)))
    kept = stored.alias("kept")
    columns = list(_STORED)
    connection.execute(insert(stored).from_select(
        [*columns, "import_id"],
        select(*(staging.c[c] for c in columns), literal(import_id))
        .where(~exists().where(kept.c.product_id == staging.c.product_id,
                               kept.c.period == staging.c.period))
        .order_by(staging.c.row_no)))
    totals = {key: sum(p[key] for p in periods_summary.values())
              for key in ("added", "changed", "unchanged", "removed")}
    return {**totals, "periods": dict(sorted(periods_summary.items())), "examples": examples,
            "replace_periods": replace_periods}


# -- the use cases --------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _run(actor: User, record_id: int, read: Callable[[], Iterator[Chunk]], names: list[str],
         replace_periods: bool, progress: Progress, size_hint: float,
         row_label=None) -> MetricImport:
    checker = RowChecker(Catalogue(db.session), names, row_label)
    try:
        _check(read, checker, progress, size_hint)
    except FileRefused as refused:
        checker.problems.add(**refused.problem.as_dict())
    db.session.rollback()  # close pass 1's read transaction before taking the write lock
    if checker.problems:
        return _refuse(actor, record_id, checker.rows, checker.problems)
    try:
        return _apply(actor, record_id, read, checker, replace_periods, progress)
    except BaseException as error:
        db.session.rollback()
        mark_failed(record_id, f"the import failed and stored nothing: {error}", actor)
        raise


def import_file(actor: User, path: str | Path, filename: str, source: str,
                replace_periods: bool = False, progress: Progress | None = None,
                job_id: int | None = None) -> MetricImport:
    """Import a CSV or XLSX file of metrics, all or nothing; the MetricImport says how it went
    (``applied`` with its summary, or ``refused`` with its errors)."""
    require_importer(actor)
    progress = progress or _no_progress
    path, name = Path(path), display_name(filename)
    try:
        facts = files.scan(path, name)
    except FileRefused as refused:
        record_id = _start(actor, source, name, _sha256(path), job_id, replace_periods)
        problems = ProblemLog()
        problems.add(**refused.problem.as_dict())
        return _refuse(actor, record_id, 0, problems)
    record_id = _start(actor, source, name, facts.checksum, job_id, replace_periods)
    try:
        header = files.read_header(path, facts.kind)
    except FileRefused as refused:
        header, problems = [], ProblemLog()
        problems.add(**refused.problem.as_dict())
        return _refuse(actor, record_id, 0, problems)
    names, header_problems = check_header(header)
    if header_problems:
        problems = ProblemLog()
        for problem in header_problems:
            problems.add(**problem.as_dict())
        return _refuse(actor, record_id, 0, problems)
    reading = names + [f"_unnamed_{i}" for i in range(len(names), len(header))]
    chunk_rows = int(os.environ.get(CHUNK_ENV) or files.CHUNK_ROWS)
    return _run(actor, record_id, lambda: files.chunks(path, facts.kind, reading, chunk_rows),
                names, replace_periods, progress, max(1.0, facts.size / 40))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value)


def import_rows(actor: User, rows: object, replace_periods: bool = False) -> MetricImport:
    """Import the JSON batch ``rows`` (dicts with the file's columns), all or nothing.

    Problems name ``rows[i]``: their ``row`` is the index ``i``. Refused when there are more
    than MAX_BATCH_ROWS rows.
    """
    require_importer(actor)
    if not isinstance(rows, list):
        raise ValidationFailed("rows: a list of objects", {"rows": "not a list"})
    canonical = json.dumps({"rows": rows, "replace_periods": bool(replace_periods)},
                           sort_keys=True, separators=(",", ":"), default=str)
    record_id = _start(actor, "api", BATCH_NAME, hashlib.sha256(canonical.encode()).hexdigest(),
                       None, bool(replace_periods))
    problems = ProblemLog()
    if not rows:
        problems.add(None, "rows", "", "no rows: send at least one")
    elif len(rows) > MAX_BATCH_ROWS:
        problems.add(None, "rows", len(rows), f"{len(rows)} rows: at most {MAX_BATCH_ROWS} "
                     "per call (send a file, or several batches)")
    table: list[list[str]] = []
    for index, row in enumerate(rows if not problems else []):
        if not isinstance(row, dict):
            problems.add(index, "", _cell(row), "not an object")
            table.append([""] * len(COLUMNS))
            continue
        for key in row:
            if key not in COLUMNS:
                problems.add(index, str(key), _cell(row[key]), f"unknown field “{key}”; the "
                             "fields are " + ", ".join(COLUMNS))
        table.append([_cell(row.get(column)) for column in COLUMNS])
    if problems:
        return _refuse(actor, record_id, len(rows), problems)
    frame = pd.DataFrame(table, columns=list(COLUMNS), dtype=str)
    chunk = Chunk(frame, pd.Series(range(len(frame)), index=frame.index), [], 1.0)
    return _run(actor, record_id, lambda: iter([chunk]), list(COLUMNS),
                bool(replace_periods), _no_progress, len(frame), lambda i: f"rows[{i}]")


def is_batch(record: MetricImport) -> bool:
    """A JSON batch (``import_rows``), as opposed to a file sent through the API."""
    return record.source == "api" and record.filename == BATCH_NAME


def problem_lines(record: MetricImport, limit: int | None = None,
                  name: str | None = None) -> Iterable[str]:
    """``FILE:ROW:COLUMN: problem`` (``rows[i].column: problem`` for a batch); ``name``
    instead of the stored file name (the CLI shows the path as typed)."""
    for error in (record.errors or [])[:limit]:
        yield location(record, error, name) + ": " + error.get("problem", "")


def location(record: MetricImport, error: dict, name: str | None = None) -> str:
    row, column = error.get("row"), error.get("column") or ""
    if is_batch(record):
        if row is None:
            return column or "rows"
        return f"rows[{row}].{column}" if column else f"rows[{row}]"
    return f"{name or record.filename}:{'' if row is None else row}:{column}"


def refusal(record: MetricImport) -> ValidationFailed:
    """The refused import as a ValidationFailed whose details name each field (the first 1000)."""
    details: dict = {}
    for error in record.errors or []:
        details.setdefault(location(record, error), error.get("problem"))
    shown = "; ".join(problem_lines(record, 3))
    more = record.error_count - min(3, len(record.errors or []))
    return ValidationFailed(
        f"metric import {record.id} refused, nothing stored: {shown}"
        + (f" (and {more} more)" if more > 0 else ""), details)
