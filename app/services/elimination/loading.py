"""Reading the catalogue for a sweep: a handful of aggregate queries into column arrays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Category, CorrectiveAction, Inspection, Product
from app.models.metrics import CustomerMetric
from app.services.elimination.common import (
    _today,
)
from workflows import capa as capa_rules
from workflows.elimination import (
    EVALUATED_STATES,
    EliminationError,
    EliminationThresholds,
    PeriodFigures,
    part_means,
    score_parts,
    score_value,
    window_totals,
)
from workflows.elimination_frame import COUNT_COLUMNS
from workflows.lifecycle import OCCUPIES_SKU_SLOT
from workflows.periods import parse_period
from workflows.periods import window as window_of


def _category_rules(session: Session) -> tuple[dict, dict, dict]:
    """(thresholds by category, problems by category, SKU cap by category)."""
    thresholds, problems, caps = {}, {}, {}
    for category_id, rules, cap in session.execute(
            select(Category.id, Category.elimination_rules, Category.sku_cap)):
        caps[category_id] = cap
        if not rules:
            continue
        try:
            thresholds[category_id] = EliminationThresholds(**rules)
        except (EliminationError, TypeError) as error:  # stored before a rule changed
            problems[category_id] = str(error)
    return thresholds, problems, caps


PRODUCT_DTYPE = np.dtype([("id", "i8"), ("category_id", "i8"), ("state", "U20"),
                          ("supplier_id", "i8")])
METRIC_DTYPE = np.dtype([("product_id", "i8"), ("period", "U8"),
                         *((name, "i8") for name in COUNT_COLUMNS)])


def _fetch_columns(session: Session, statement, dtype: np.dtype) -> np.ndarray:
    """The rows of ``statement`` as one structured array, read with the driver's own cursor:
    hundreds of thousands of rows skip SQLAlchemy's per-row objects. The statement's values
    are Sieve's own (ids, state names, period keys), rendered as SQL literals."""
    sql = str(statement.compile(dialect=session.get_bind().dialect,
                                compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return np.fromiter(rows, dtype=dtype, count=len(rows))


def _counts(session: Session, statement) -> dict[int, int]:
    return dict(session.execute(statement).all())


def _load_catalogue(session: Session, as_of: date, period_kind: str, thresholds: dict,
                    caps: dict) -> tuple[dict, dict, dict, dict]:
    """(product columns, metric columns, extra product facts, the figures' window)."""
    evaluated = sorted(EVALUATED_STATES)
    table = _fetch_columns(session, select(
        Product.id, Product.category_id, Product.state, Product.supplier_id)
        .where(Product.state.in_(evaluated), Product.category_id.in_(list(thresholds)))
        .order_by(Product.id), PRODUCT_DTYPE)
    ids, categories = table["id"].tolist(), table["category_id"].tolist()
    states = table["state"].tolist()
    used = _counts(session, select(Product.category_id, func.count(Product.id))
                   .where(Product.state.in_([s.value for s in OCCUPIES_SKU_SLOT]))
                   .group_by(Product.category_id))
    at_cap = {c for c, cap in caps.items() if cap is not None and used.get(c, 0) >= cap}
    year_ago = datetime.combine(as_of - timedelta(days=365), datetime.min.time(), UTC)
    until = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), UTC)
    failed = _counts(session, select(Inspection.product_id, func.count(Inspection.id)).where(
        Inspection.kind == "routine", Inspection.status == "completed",
        Inspection.verdict == "rejected", Inspection.completed_at >= year_ago,
        Inspection.completed_at < until).group_by(Inspection.product_id))
    overdue = _counts(session, select(CorrectiveAction.product_id,
                                      func.count(CorrectiveAction.id)).where(
        CorrectiveAction.status.in_(list(capa_rules.WITH_SUPPLIER)),
        CorrectiveAction.due_on < as_of).group_by(CorrectiveAction.product_id))
    products = {
        "product_id": table["id"],
        "category_id": table["category_id"],
        "state": table["state"],
        "failed_inspections_12m": np.array([failed.get(i, 0) for i in ids], dtype=np.int64),
        "overdue_capas": np.array([overdue.get(i, 0) for i in ids], dtype=np.int64),
        "category_at_cap": np.array([c in at_cap for c in categories], dtype=bool),
    }
    metrics, window = _load_metrics(session, as_of, period_kind, thresholds)
    facts = {"state": dict(zip(ids, states, strict=True)),
             "supplier": dict(zip(ids, table["supplier_id"].tolist(), strict=True))}
    return products, metrics, facts, window


def _load_metrics(session: Session, as_of: date, period_kind: str,
                  thresholds: dict) -> tuple[dict, dict]:
    """The figures of evaluated products over the widest window, ending with the latest period
    on file up to ``as_of``: a product's window ends with its own latest period in that span."""
    empty = np.zeros(0, dtype=METRIC_DTYPE)
    empty = {name: empty[name] for name in METRIC_DTYPE.names}
    # Keys of one kind sort as text in time order (2026-09 < 2026-10; 2026-W09 < 2026-W43),
    # so the indexed key, not period_start, finds the latest period up to ``as_of``.
    until = parse_period(f"{as_of.year:04d}-{as_of.month:02d}" if period_kind == "month"
                         else "{:04d}-W{:02d}".format(*as_of.isocalendar()[:2]))
    latest = session.scalar(
        select(CustomerMetric.period).where(CustomerMetric.period_kind == period_kind,
                                            CustomerMetric.period <= str(until))
        .order_by(CustomerMetric.period.desc()).limit(1))
    if latest is None or not thresholds:
        return empty, {}
    widest = max(t.window_periods for t in thresholds.values())
    last = parse_period(latest)
    first = last.shift(1 - widest)
    # By the window's period keys (indexed); rows of products not evaluated are dropped by
    # the evaluation itself, cheaper than a join. Core rows: no ORM bookkeeping per row.
    keys = [str(period) for period in window_of(last, widest)]
    columns = [getattr(CustomerMetric, name) for name in ("product_id", "period",
                                                           *COUNT_COLUMNS)]
    table = _fetch_columns(session, select(*columns).where(
        CustomerMetric.period.in_(keys), CustomerMetric.period_kind == period_kind),
        METRIC_DTYPE)
    window = {"from": str(first), "to": str(latest), "periods": widest}
    return {name: table[name] for name in METRIC_DTYPE.names}, window



def performance_scores(session: Session, category_id: int, product_ids: list[int],
                       as_of: date | None = None, period_kind: str = "month") -> dict[int, float]:
    """Composite performance scores of a few products of one category (the SKU cap's
    weakest-first list): each over the category's window (3 periods without rules) ending with
    its latest period up to ``as_of``, missing parts standing in with these products' means."""
    if not product_ids:
        return {}
    as_of = as_of or _today()
    rules = session.scalar(select(Category.elimination_rules).where(Category.id == category_id))
    try:
        n = EliminationThresholds(**rules).window_periods if rules else 3
    except (EliminationError, TypeError):
        n = 3
    rows = session.execute(select(
        CustomerMetric.product_id, CustomerMetric.period, *(getattr(CustomerMetric, name)
                                                            for name in COUNT_COLUMNS))
        .where(CustomerMetric.product_id.in_(product_ids),
               CustomerMetric.period_kind == period_kind,
               CustomerMetric.period_start <= as_of)
        .order_by(CustomerMetric.product_id, CustomerMetric.period_start.desc()))
    figures: dict[int, list[PeriodFigures]] = {pid: [] for pid in product_ids}
    for pid, period, *counts in rows:
        if len(figures[pid]) < n:  # the latest n periods are all a window of n can hold
            figures[pid].append(PeriodFigures(period, *counts))
    since = datetime.combine(as_of - timedelta(days=365), datetime.min.time(), UTC)
    failed = _counts(session, select(Inspection.product_id, func.count(Inspection.id)).where(
        Inspection.product_id.in_(product_ids), Inspection.kind == "routine",
        Inspection.status == "completed", Inspection.verdict == "rejected",
        Inspection.completed_at >= since).group_by(Inspection.product_id))
    parts = {pid: score_parts(window_totals(figures[pid], n, pid), failed.get(pid, 0))
             for pid in product_ids}
    means = part_means(parts.values())
    return {pid: score_value(value, means) for pid, value in parts.items()}
