"""Managers' dashboards: figures for the pipeline, QC, the catalogue and the suppliers.

Read-only. Every figure comes from a fixed number of aggregate queries (GROUP BY in the
database) whatever the size of the catalogue; the time-in-state statistics read the product
transition events in one query and hand them to :mod:`workflows.dashboards`. Suppliers get
NotFound: dashboards do not exist for them. Results are plain JSON-able dicts shared by the
pages, the SVG charts and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    AuditEvent,
    Category,
    CorrectiveAction,
    CustomerMetric,
    Inspection,
    InspectionDefect,
    Product,
    SamplePurchase,
    Supplier,
    User,
)
from app.models.base import MAX_ID, as_utc
from app.services.errors import NotFound, raise_if_errors
from workflows import capa as capa_rules
from workflows import dashboards as stats
from workflows.lifecycle import OCCUPIES_SKU_SLOT, State

#: States a product can wait in: time in state is measured and the longest stays are listed.
WAITING_STATES = (State.DRAFT.value, State.PROPOSED.value, State.IN_REVIEW.value,
                  State.IN_DESIGN.value, State.SAMPLING.value, State.UNDER_WATCH.value,
                  State.SUSPENDED.value)
SLOT_STATES = tuple(sorted(s.value for s in OCCUPIES_SKU_SLOT))
STUCK_PER_STATE = 5
PARETO_TOP = 12
DEFAULT_TOP = 10
MAX_TOP = 50
MAX_MONTHS = 60
DEFAULT_MONTHS = 12
#: Leaderboard figures written by app.services.standing into Supplier.standing_figures.
STANDING_FIGURES = ("inspections", "inspections_passed", "pass_rate", "defects_per_inspection",
                    "capa_on_time_rate", "capas_overdue", "design_response_days_median",
                    "positive_rate", "return_rate", "listed_products")


@dataclass(frozen=True)
class DashboardFilters:
    """What every dashboard can be narrowed to: one category, a date range, top N suppliers."""

    date_from: date
    date_to: date
    category_id: int | None = None
    top: int = DEFAULT_TOP

    def as_dict(self) -> dict:
        data = asdict(self)
        return {**data, "date_from": self.date_from.isoformat(),
                "date_to": self.date_to.isoformat()}

    def query_args(self) -> dict:
        """The filters as query-string arguments (for links and chart URLs)."""
        args = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.category_id is not None:
            args["category"] = self.category_id
        if self.top != DEFAULT_TOP:
            args["top"] = self.top
        return args

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after ``date_to``."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, UTC)


def today() -> date:
    return datetime.now(UTC).date()


def _parse_day(raw: str | None, field: str, errors: dict) -> date | None:
    if raw is None or not str(raw).strip():
        return None
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        errors[field] = "not a date (YYYY-MM-DD)"
        return None


def _parse_int(raw, field: str, low: int, high: int, errors: dict) -> int | None:
    if raw is None or not str(raw).strip():
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[field] = "not a whole number"
        return None
    if not low <= value <= high:
        errors[field] = f"must be between {low} and {high}"
        return None
    return value


def parse_filters(args: Mapping, on: date | None = None) -> DashboardFilters:
    """Filters from query arguments ``category``, ``date_from``, ``date_to`` and ``top``.
    The range defaults to the last 12 months (from the first of the month 11 months back to
    today); bad values raise ValidationFailed naming each field."""
    on = on or today()
    errors: dict[str, str] = {}
    category_id = _parse_int(args.get("category"), "category", 1, MAX_ID, errors)
    top = _parse_int(args.get("top"), "top", 1, MAX_TOP, errors) or DEFAULT_TOP
    date_to = _parse_day(args.get("date_to"), "date_to", errors) or on
    date_from = _parse_day(args.get("date_from"), "date_from", errors)
    if date_from is None:
        month = date_to.year * 12 + date_to.month - 1 - (DEFAULT_MONTHS - 1)
        date_from = date(month // 12, month % 12 + 1, 1)
    if "date_from" not in errors and "date_to" not in errors:
        if date_from > date_to:
            errors["date_from"] = "after date_to"
        elif len(stats.month_keys(date_from, date_to)) > MAX_MONTHS:
            errors["date_to"] = f"the range spans more than {MAX_MONTHS} months"
    if category_id is not None and "category" not in errors:
        if db.session.get(Category, category_id) is None:
            errors["category"] = "no such category"
    raise_if_errors(errors)
    return DashboardFilters(date_from, date_to, category_id, top)


def _staff_only(actor: User) -> None:
    if actor.is_supplier:
        raise NotFound("dashboards not found")


def _month(session: Session, column):
    """``YYYY-MM`` of a date or timestamp column, in SQL (the dialects differ). The format is
    a literal, not a bound parameter: PostgreSQL only matches a GROUP BY expression to the
    selected one when they are the same text."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), column)


def _day(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM-DD'"))
    return func.strftime(literal_column("'%Y-%m-%d'"), column)


def _in_category(query, filters: DashboardFilters):
    if filters.category_id is not None:
        query = query.where(Product.category_id == filters.category_id)
    return query


def _categories(session: Session, filters: DashboardFilters) -> list[Category]:
    query = select(Category).order_by(Category.name)
    if filters.category_id is not None:
        query = query.where(Category.id == filters.category_id)
    return list(session.scalars(query))


def _category_row(category: Category) -> dict:
    return {"category_id": category.id, "name": category.name, "name_zh": category.name_zh}


# --- pipeline -------------------------------------------------------------------------------

def pipeline_dashboard(actor: User, filters: DashboardFilters,
                       now: datetime | None = None) -> dict:
    """The funnel and time in state of the products first proposed within the date range, and
    the products longest in their current waiting state (whenever they were proposed)."""
    _staff_only(actor)
    session = db.session
    now = now or datetime.now(UTC)
    first_proposed = (
        select(AuditEvent.subject_id.label("product_id"))
        .join(Product, Product.id == AuditEvent.subject_id)
        .where(AuditEvent.subject_type == "product", AuditEvent.to_state == State.PROPOSED.value)
        .group_by(AuditEvent.subject_id)
        .having(and_(func.min(AuditEvent.occurred_at) >= filters.start,
                     func.min(AuditEvent.occurred_at) < filters.end)))
    cohort = _in_category(first_proposed, filters).subquery()
    events = session.execute(
        select(AuditEvent.subject_id, AuditEvent.occurred_at, AuditEvent.to_state)
        .join(cohort, cohort.c.product_id == AuditEvent.subject_id)
        .where(AuditEvent.subject_type == "product", AuditEvent.to_state.is_not(None))
        .order_by(AuditEvent.subject_id, AuditEvent.id)).all()
    timeline = [(pid, as_utc(at), state) for pid, at, state in events]
    entered: dict[int, set[str]] = {}
    for pid, _at, state in timeline:
        entered.setdefault(pid, set()).add(state)
    return {
        "filters": filters.as_dict(),
        "products": len(entered),
        "funnel": stats.funnel(stats.stages_reached(entered)),
        "durations": stats.duration_stats(stats.state_intervals(timeline, now), WAITING_STATES),
        "stuck": _stuck(session, filters, now),
    }


def _stuck(session: Session, filters: DashboardFilters, now: datetime) -> list[dict]:
    """Per waiting state, the products that have been in it longest (one windowed query)."""
    ranked = _in_category(
        select(Product.id, Product.state, Product.state_changed_at,
               func.row_number().over(partition_by=Product.state,
                                      order_by=(Product.state_changed_at, Product.id))
               .label("position"))
        .where(Product.state.in_(WAITING_STATES)), filters).subquery()
    rows = session.execute(
        select(ranked.c.id, ranked.c.state, ranked.c.state_changed_at, Product.name_en,
               Product.name_zh, Supplier.name, Category.name, Category.name_zh)
        .join(Product, Product.id == ranked.c.id)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .where(ranked.c.position <= STUCK_PER_STATE)
        .order_by(ranked.c.state, ranked.c.position)).all()
    by_state: dict[str, list[dict]] = {state: [] for state in WAITING_STATES}
    for pid, state, since, name_en, name_zh, supplier, category, category_zh in rows:
        since = as_utc(since)
        by_state[state].append({
            "product_id": pid, "name_en": name_en or "", "name_zh": name_zh or "",
            "supplier": supplier, "category": category, "category_zh": category_zh,
            "since": since.isoformat(),
            "days": round(max((now - since).total_seconds(), 0) / stats.SECONDS_PER_DAY, 1)})
    return [{"state": state, "products": by_state[state]} for state in WAITING_STATES]


# --- quality control ------------------------------------------------------------------------

def qc_dashboard(actor: User, filters: DashboardFilters) -> dict:
    """Pass rate by month per category and per top-N supplier, the defect Pareto, and
    sample-purchase spend per category and month against the monthly budget."""
    _staff_only(actor)
    session = db.session
    months = stats.month_keys(filters.date_from, filters.date_to)
    categories = _categories(session, filters)
    return {
        "filters": filters.as_dict(),
        "months": months,
        **_pass_rates(session, filters, months, categories),
        "pareto": _pareto(session, filters),
        "spend": _spend(session, filters, months, categories),
    }


def _completed_in_range(query, filters: DashboardFilters):
    query = query.where(Inspection.status == "completed", Inspection.completed_at >= filters.start,
                        Inspection.completed_at < filters.end)
    return _in_category(query, filters)


def _rate_rows(grouped: dict, months: list[str]) -> tuple[list[dict], int, int]:
    cells, total, passed = [], 0, 0
    for month in months:
        n, ok = grouped.get(month, (0, 0))
        total, passed = total + n, passed + ok
        cells.append({"month": month, "inspections": n, "passed": ok,
                      "pass_rate": stats.share(ok, n)})
    return cells, total, passed


def _pass_rates(session: Session, filters: DashboardFilters, months: list[str],
                categories: list[Category]) -> dict:
    month = _month(session, Inspection.completed_at)
    passed = func.sum(case((Inspection.verdict == "accepted", 1), else_=0))
    by_group: dict[str, dict] = {"category": {}, "supplier": {}}
    for name, column in (("category", Product.category_id), ("supplier", Product.supplier_id)):
        query = (select(column, month, func.count(Inspection.id), passed)
                 .join(Product, Product.id == Inspection.product_id).group_by(column, month))
        for key, period, n, ok in session.execute(_completed_in_range(query, filters)):
            by_group[name].setdefault(key, {})[period] = (int(n), int(ok or 0))
    overall: dict[str, tuple[int, int]] = {}
    for grouped in by_group["category"].values():
        for period, (n, ok) in grouped.items():
            before = overall.get(period, (0, 0))
            overall[period] = (before[0] + n, before[1] + ok)
    by_category = []
    for category in categories:
        cells, total, ok = _rate_rows(by_group["category"].get(category.id, {}), months)
        by_category.append({**_category_row(category), "inspections": total, "passed": ok,
                            "pass_rate": stats.share(ok, total), "months": cells})
    totals = sorted(((sum(n for n, _ok in g.values()), sid)
                     for sid, g in by_group["supplier"].items()), key=lambda t: (-t[0], t[1]))
    top_ids = [sid for _n, sid in totals[:filters.top]]
    names = dict(session.execute(select(Supplier.id, Supplier.name)
                                 .where(Supplier.id.in_(top_ids))).all()) if top_ids else {}
    by_supplier = []
    for sid in top_ids:
        cells, total, ok = _rate_rows(by_group["supplier"][sid], months)
        by_supplier.append({"supplier_id": sid, "name": names.get(sid, f"#{sid}"),
                            "inspections": total, "passed": ok,
                            "pass_rate": stats.share(ok, total), "months": cells})
    overall_cells, total, ok = _rate_rows(overall, months)
    return {"pass_rate": {"inspections": total, "passed": ok,
                          "pass_rate": stats.share(ok, total), "months": overall_cells},
            "pass_rate_by_category": by_category, "pass_rate_by_supplier": by_supplier}


def _pareto(session: Session, filters: DashboardFilters) -> list[dict]:
    """Nonconforming items by defect (description and class), the top causes and the rest."""
    description = func.trim(InspectionDefect.description)
    items = func.sum(InspectionDefect.count)

    def scope(query):
        return _completed_in_range(
            query.join(Inspection, Inspection.id == InspectionDefect.inspection_id)
            .join(Product, Product.id == InspectionDefect.product_id), filters)

    top = session.execute(scope(select(description, InspectionDefect.defect_class, items))
                          .group_by(description, InspectionDefect.defect_class)
                          .order_by(items.desc(), description).limit(PARETO_TOP)).all()
    total = int(session.scalar(scope(select(func.coalesce(items, 0)))) or 0)
    counts = [((text, defect_class), int(n)) for text, defect_class, n in top]
    rows = stats.pareto(counts, other=total - sum(n for _key, n in counts))
    for row in rows:
        key = row.pop("key")
        row["description"], row["defect_class"] = key if key is not None else (None, None)
    return rows


def _spend(session: Session, filters: DashboardFilters, months: list[str],
           categories: list[Category]) -> dict:
    month = _month(session, SamplePurchase.purchased_on)
    query = (select(Product.category_id, month, func.sum(SamplePurchase.total_cents))
             .join(Product, Product.id == SamplePurchase.product_id)
             .where(SamplePurchase.purchased_on >= filters.date_from,
                    SamplePurchase.purchased_on <= filters.date_to)
             .group_by(Product.category_id, month))
    spent: dict[int, dict[str, int]] = {}
    for category_id, period, cents in session.execute(_in_category(query, filters)):
        spent.setdefault(category_id, {})[period] = int(cents or 0)
    rows = []
    for category in categories:
        budget = category.qc_monthly_budget_cents
        cells = [{"month": m, "spent_cents": spent.get(category.id, {}).get(m, 0),
                  "budget_cents": budget,
                  "over": budget is not None and spent.get(category.id, {}).get(m, 0) > budget}
                 for m in months]
        rows.append({**_category_row(category), "budget_cents": budget,
                     "spent_cents": sum(c["spent_cents"] for c in cells), "months": cells})
    budgets = [r["budget_cents"] for r in rows if r["budget_cents"] is not None]
    total = [{"month": m, "spent_cents": sum(r["months"][i]["spent_cents"] for r in rows),
              "budget_cents": sum(budgets) if budgets else None} for i, m in enumerate(months)]
    return {"categories": rows, "months": total}


# --- catalogue ------------------------------------------------------------------------------

def catalogue_dashboard(actor: User, filters: DashboardFilters,
                        on: date | None = None) -> dict:
    """Products in SKU slots against each category's cap, corrective actions by age, and
    the catalogue's customer metrics by month."""
    _staff_only(actor)
    session = db.session
    on = on or today()
    return {"filters": filters.as_dict(), "caps": _caps(session, filters),
            "capa_ages": _capa_ages(session, filters, on),
            "customer": _customer(session, filters)}


def _caps(session: Session, filters: DashboardFilters) -> list[dict]:
    query = (select(Product.category_id, Product.state, func.count(Product.id))
             .where(Product.state.in_(SLOT_STATES)).group_by(Product.category_id, Product.state))
    counts: dict[int, dict[str, int]] = {}
    for category_id, state, n in session.execute(_in_category(query, filters)):
        counts.setdefault(category_id, {})[state] = int(n)
    rows = []
    for category in _categories(session, filters):
        by_state = {state: counts.get(category.id, {}).get(state, 0) for state in SLOT_STATES}
        occupied, cap = sum(by_state.values()), category.sku_cap
        rows.append({**_category_row(category), **by_state, "occupied": occupied, "cap": cap,
                     "free": None if cap is None else max(cap - occupied, 0),
                     "use_pct": None if not cap else stats.share(occupied, cap),
                     "at_cap": cap is not None and occupied >= cap,
                     "over_cap": cap is not None and occupied > cap})
    return rows


def _capa_ages(session: Session, filters: DashboardFilters, on: date) -> dict:
    """Open requests by age today; requests closed within the range by how long they took."""
    opened = _day(session, CorrectiveAction.opened_at)
    closed = _day(session, CorrectiveAction.closed_at)
    is_closed = CorrectiveAction.status == capa_rules.CLOSED
    query = (select(CorrectiveAction.status, opened, closed, CorrectiveAction.due_on,
                    func.count(CorrectiveAction.id))
             .join(Product, Product.id == CorrectiveAction.product_id)
             .where(~is_closed | and_(CorrectiveAction.closed_at >= filters.start,
                                      CorrectiveAction.closed_at < filters.end))
             .group_by(CorrectiveAction.status, opened, closed, CorrectiveAction.due_on))
    rows = []
    for status, opened_on, closed_on, due_on, n in session.execute(_in_category(query, filters)):
        is_open = status in capa_rules.UNRESOLVED
        end = on if is_open or not closed_on else date.fromisoformat(closed_on)
        age = (end - date.fromisoformat(opened_on)).days
        rows.append((is_open, age, capa_rules.is_overdue(status, due_on, on), int(n)))
    return stats.capa_ages(rows)


def _customer(session: Session, filters: DashboardFilters) -> list[dict]:
    """Catalogue positive-review and return rates by month, from monthly rows where a month
    has them and from the weeks starting in it otherwise (never both)."""
    month = _month(session, CustomerMetric.period_start)
    sums = [func.sum(getattr(CustomerMetric, name)) for name in
            ("reviews", "positive_reviews", "units_sold", "returns", "orders", "complaints")]
    query = (select(CustomerMetric.period_kind, month, *sums)
             .join(Product, Product.id == CustomerMetric.product_id)
             .where(CustomerMetric.period_start >= filters.date_from,
                    CustomerMetric.period_start <= filters.date_to)
             .group_by(CustomerMetric.period_kind, month))
    found: dict[str, dict[str, tuple]] = {}
    for kind, period, *values in session.execute(_in_category(query, filters)):
        found.setdefault(period, {})[kind] = tuple(int(v or 0) for v in values)
    rows = []
    for period in sorted(found):
        reviews, positive, units, returns, orders, complaints = (
            found[period].get("month") or found[period]["week"])
        rows.append({"month": period, "reviews": reviews, "positive_reviews": positive,
                     "units_sold": units, "returns": returns, "orders": orders,
                     "complaints": complaints, "positive_rate": stats.share(positive, reviews),
                     "return_rate": stats.share(returns, units)})
    return rows


# --- suppliers ------------------------------------------------------------------------------

def supplier_leaderboard(actor: User, filters: DashboardFilters) -> dict:
    """Suppliers ranked by standing, then by their standing figures; with the products each
    has in SKU slots (in the filtered category, if any)."""
    _staff_only(actor)
    session = db.session
    listed = dict(session.execute(_in_category(
        select(Product.supplier_id, func.count(Product.id))
        .where(Product.state.in_(SLOT_STATES)).group_by(Product.supplier_id), filters)).all())
    rows = []
    for supplier in session.execute(select(
            Supplier.id, Supplier.name, Supplier.name_en, Supplier.status, Supplier.standing,
            Supplier.standing_figures, Supplier.standing_changed_at)):
        raw = supplier.standing_figures if isinstance(supplier.standing_figures, dict) else {}
        figures = {key: raw.get(key) for key in STANDING_FIGURES}
        figures["listed_products"] = int(listed.get(supplier.id, 0))
        changed = as_utc(supplier.standing_changed_at)
        rows.append({"supplier_id": supplier.id, "name": supplier.name,
                     "name_en": supplier.name_en, "status": supplier.status,
                     "standing": supplier.standing if supplier.standing in stats.STANDING_ORDER
                     else None,
                     "standing_changed_at": changed.isoformat() if changed else None,
                     "figures": figures})
    rows.sort(key=lambda r: stats.leaderboard_key(r["standing"], r["figures"], r["name"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"filters": filters.as_dict(), "suppliers": rows}


# --- overview -------------------------------------------------------------------------------

def overview(actor: User, on: date | None = None) -> dict:
    """The tiles of the dashboards' front page: products per state, open and overdue
    corrective actions, the last 30 days' pass rate, suppliers per standing."""
    _staff_only(actor)
    session = db.session
    on = on or today()
    states = {state: int(n) for state, n in session.execute(
        select(Product.state, func.count(Product.id)).group_by(Product.state))}
    open_capas, overdue = session.execute(
        select(func.count(CorrectiveAction.id),
               func.sum(case((and_(CorrectiveAction.status.in_(capa_rules.WITH_SUPPLIER),
                                   CorrectiveAction.due_on < on), 1), else_=0)))
        .where(CorrectiveAction.status.in_(capa_rules.UNRESOLVED))).one()
    since = datetime.combine(on - timedelta(days=30), time.min, UTC)
    inspections, passed = session.execute(
        select(func.count(Inspection.id),
               func.sum(case((Inspection.verdict == "accepted", 1), else_=0)))
        .where(Inspection.status == "completed", Inspection.completed_at >= since)).one()
    standings = {standing: int(n) for standing, n in session.execute(
        select(Supplier.standing, func.count(Supplier.id)).group_by(Supplier.standing))}
    return {
        "states": states,
        "in_pipeline": sum(states.get(s, 0) for s in stats.FUNNEL_STAGES[:-1]),
        "in_slots": sum(states.get(s, 0) for s in SLOT_STATES),
        "open_capas": int(open_capas or 0), "overdue_capas": int(overdue or 0),
        "inspections_30d": int(inspections or 0), "passed_30d": int(passed or 0),
        "pass_rate_30d": stats.share(int(passed or 0), int(inspections or 0)),
        "standings": {key: standings.get(key, 0) for key in stats.STANDING_ORDER},
        "not_assessed": sum(n for key, n in standings.items()
                            if key not in stats.STANDING_ORDER),
    }
