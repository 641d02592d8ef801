"""A realistic catalogue at production scale, built fast with bulk INSERTs (``flask seed-scale``).

Everything a real marketplace accumulates: suppliers with users and certificates, a category
tree with SKU caps and elimination rules, products spread over the whole lifecycle (most of them
listed), reviews, design rounds, sample purchases with inspections, defects and corrective
actions, customer metrics and notifications, and an audit trail of about ten events per product
chained through the real audit hashing (``flask audit verify`` passes). The last step runs the
real elimination sweep (and with it the supplier standing) over the result.

Rows are written with SQLAlchemy Core ``executemany`` in chunks, with explicit ids (the
PostgreSQL sequences are moved past them at the end); the same seed and day give the same data.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import (
    AuditEvent,
    Category,
    Certificate,
    CorrectiveAction,
    CustomerMetric,
    DesignRound,
    FeedbackItem,
    Inspection,
    InspectionDefect,
    MetricImport,
    Notification,
    Product,
    Review,
    ReviewScore,
    SamplePurchase,
    Scorecard,
    ScorecardCriterion,
    Supplier,
    User,
)
from app.services.audit import hashed_fields
from app.services.scorecards import DEFAULT_LABELS_ZH
from workflows import inspection as qc_rules
from workflows.audit import GENESIS_HASH, event_hash
from workflows.lifecycle import OCCUPIES_SKU_SLOT, TRANSITIONS, path_to
from workflows.scoring import default_scorecard

SCALE_PASSWORD = "sieve-scale-2026"
CHUNK = 5000

#: How a real catalogue is spread over the lifecycle (weights, most of it listed).
STATE_WEIGHTS = {"draft": 6, "proposed": 4, "in_review": 5, "rejected": 9, "in_design": 7,
                 "abandoned": 4, "sampling": 4, "listed": 46, "under_watch": 4, "suspended": 2,
                 "delisted": 9}
#: Who performs each transition.
ACTOR_ROLE = {"submit": "supplier", "abandon": "supplier", "approve_design": "designer",
              "fail_sampling": "qc_inspector", "put_on_watch": "qc_inspector",
              "resolve_watch": "qc_inspector", "suspend": "qc_inspector"}
REASONS = {"request_info": "Please add the test report", "reject": "Value for money too low",
           "abandon": "Tooling cost too high", "fail_sampling": "Major defects in the sample",
           "put_on_watch": "Returns rising", "suspend": "Critical defect in a spot check",
           "delist": "customer_metrics", "reinstate": "Fixed", "relist": "Back in stock"}
NOUNS = [("电热水壶", "Kettle"), ("保温杯", "Vacuum flask"), ("台灯", "Desk lamp"),
         ("炒锅", "Wok"), ("毛巾", "Towel"), ("四件套", "Bedding set"), ("折叠椅", "Folding chair"),
         ("收纳盒", "Storage box"), ("料理机", "Blender"), ("枕头", "Pillow"), ("夜灯", "Night light"),
         ("帐篷", "Tent"), ("汤锅", "Stockpot"), ("野餐垫", "Picnic blanket"), ("空气炸锅", "Air fryer")]
ADJECTIVES = [("轻量", "Light"), ("经典", "Classic"), ("智能", "Smart"), ("竹制", "Bamboo"),
              ("不锈钢", "Steel"), ("全棉", "Cotton"), ("便携", "Portable"), ("大号", "Large")]
REGIONS = ["广东 Guangdong", "浙江 Zhejiang", "江苏 Jiangsu", "福建 Fujian", "山东 Shandong"]
STANDARDS = ["GB 4706.1-2005", "GB 4943.1-2022", "GB 18401-2010", "GB 4806.1-2016", "ISO 9001"]


@dataclass(frozen=True)
class ScaleOptions:
    products: int = 50_000
    suppliers: int = 2_000
    categories: int = 60
    events_per_product: int = 10
    #: Inspections in all (each with its sample purchase); None: one per five products.
    inspections: int | None = None
    metric_periods: int = 12
    seed: int = 7
    sweep: bool = True

    @property
    def inspection_count(self) -> int:
        return self.products // 5 if self.inspections is None else self.inspections


@dataclass
class _Plan:
    """One product's generated history: its state path with timestamps."""

    id: int
    supplier_id: int
    category_id: int
    state: str
    path: list[str]
    times: list[datetime]
    launched: datetime | None = None


@dataclass
class _Build:
    options: ScaleOptions
    rng: random.Random
    now: datetime
    conn: object
    echo: Callable[[str], None]
    counts: dict[str, int] = field(default_factory=dict)
    users: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    supplier_user: dict[int, tuple[int, str]] = field(default_factory=dict)
    head: tuple[int, str] = (0, GENESIS_HASH)
    audit_rows: list[dict] = field(default_factory=list)

    # --- writing -------------------------------------------------------------------------------
    def write(self, table, rows: Iterable[dict]) -> int:
        chunk, written = [], 0
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                self.conn.execute(insert(table), chunk)
                written, chunk = written + len(chunk), []
        if chunk:
            self.conn.execute(insert(table), chunk)
            written += len(chunk)
        self.counts[table.name] = self.counts.get(table.name, 0) + written
        return written

    def event(self, actor: tuple[int, str] | None, subject_type: str, subject_id: int,
              action: str, at: datetime, *, from_state=None, to_state=None, reason=None,
              changes=None) -> None:
        """Chain one audit event exactly as app.services.audit does, and queue its row."""
        event = SimpleNamespace(
            id=self.head[0] + 1, occurred_at=at, actor_id=actor[0] if actor else None,
            actor_label=actor[1] if actor else "system", subject_type=subject_type,
            subject_id=subject_id, action=action, from_state=from_state, to_state=to_state,
            reason=reason or None,
            changes=json.dumps(changes, sort_keys=True, ensure_ascii=False, default=str)
            if changes else None)
        fields = hashed_fields(event)
        digest = event_hash(fields, self.head[1])
        self.audit_rows.append({**fields, "occurred_at": at, "prev_hash": self.head[1],
                                "hash": digest})
        self.head = (event.id, digest)
        if len(self.audit_rows) >= CHUNK:
            self.flush_events()

    def flush_events(self) -> None:
        if self.audit_rows:
            self.conn.execute(insert(AuditEvent.__table__), self.audit_rows)
            self.counts["audit_events"] = self.counts.get("audit_events", 0) + len(
                self.audit_rows)
            self.audit_rows = []

    def staff(self, role: str) -> tuple[int, str]:
        return self.rng.choice(self.users[role])

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)


def build(options: ScaleOptions, echo: Callable[[str], None] = print) -> dict[str, int]:
    """Fill an empty, migrated database; returns rows written per table."""
    if db.session.scalar(select(func.count(User.id))):
        raise RuntimeError("the database already has data; seed-scale needs an empty one"
                           " (use --reset)")
    db.session.close()
    now = datetime.combine(date.today(), dtime(0, 0), tzinfo=UTC)
    clock = time.perf_counter()
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # a throwaway build: trade durability for speed
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA cache_size = -262144")
            raw.execute("PRAGMA synchronous = OFF")
        conn.begin()
        b = _Build(options, random.Random(options.seed), now, conn, echo)
        plans: list[_Plan] = []
        for step in (_accounts, _categories, _suppliers, lambda b: plans.extend(_products(b)),
                     lambda b: _reviews(b, plans), lambda b: _design(b, plans),
                     lambda b: _qc(b, plans), lambda b: _metrics(b, plans),
                     lambda b: _notifications(b, plans), lambda b: _trail(b, plans)):
            _timed(b, step)
        b.flush_events()
        if conn.dialect.name == "postgresql":
            _move_sequences(conn)
        conn.commit()
        if conn.dialect.name == "sqlite":  # the pooled connection goes back as it came
            raw.execute("PRAGMA cache_size = -2000")
            raw.execute("PRAGMA synchronous = NORMAL")
    mark = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        # VACUUM as well as ANALYZE: bulk-loaded tables have no visibility map until autovacuum
        # comes round, and until then every index-only scan (the pages' counts) reads the heap.
        quote = db.engine.dialect.identifier_preparer.quote
        tables = ", ".join(quote(table.name) for table in db.metadata.sorted_tables)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {tables}")
        echo(f"  VACUUM ANALYZE ({time.perf_counter() - mark:.1f} s)")
    else:
        with db.engine.begin() as conn:  # fresh planner statistics, as after any bulk load
            conn.exec_driver_sql("ANALYZE")
        echo(f"  ANALYZE ({time.perf_counter() - mark:.1f} s)")
    if options.sweep:
        _timed_sweep(b)
    echo(f"total: {time.perf_counter() - clock:.1f} s")
    return dict(b.counts)


def _timed(b: _Build, step) -> None:
    before, mark = dict(b.counts), time.perf_counter()
    step(b)
    seconds = time.perf_counter() - mark
    changed = {k: v - before.get(k, 0) for k, v in b.counts.items() if v != before.get(k, 0)}
    for table, rows in changed.items():
        b.echo(f"  {table:<22} {rows:>9,} rows")
    b.echo(f"  ({seconds:.1f} s)")


def _timed_sweep(b: _Build) -> None:
    from app.services.elimination.sweep import run_sweep

    mark = time.perf_counter()
    admin = db.session.get(User, b.users["admin"][0][0])
    run = run_sweep(admin, "cli", as_of=b.now.date())
    b.counts["elimination_candidates"] = run.candidates_count
    b.echo(f"  elimination sweep: {run.products_evaluated:,} products evaluated,"
           f" {run.candidates_count:,} candidates ({time.perf_counter() - mark:.1f} s)")


def _move_sequences(conn) -> None:
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.name != "audit_events":
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


# --- accounts, categories, suppliers ----------------------------------------------------------

def _accounts(b: _Build) -> None:
    from app.services.accounts import hash_password

    password = hash_password(SCALE_PASSWORD)
    staff = [("admin", 1), ("selection_manager", 6), ("designer", 5), ("qc_inspector", 10)]
    rows, at = [], b.ago(800)
    for role, count in staff:
        for n in range(1, count + 1):
            uid = len(rows) + 1
            email = "admin@scale.test" if role == "admin" else f"{role.replace('_', '-')}{n}@scale.test"
            rows.append(_user_row(uid, email, role, None, password, at))
            b.users[role].append((uid, email))
    b.write(User.__table__, rows)
    for row in rows:
        b.event(None if row["role"] == "admin" else b.users["admin"][0], "user", row["id"],
                "create", at, changes={"email": {"before": None, "after": row["email"]},
                                       "role": {"before": None, "after": row["role"]}})
    b.password = password


def _user_row(uid, email, role, supplier_id, password, at) -> dict:
    return {"id": uid, "email": email, "password_hash": password, "role": role,
            "supplier_id": supplier_id, "locale": None, "active": True,
            "session_token": f"{uid:032x}", "created_at": at}


def _categories(b: _Build) -> None:
    n, rng = max(b.options.categories, 1), b.rng
    parents = max(1, n // 6)
    criteria = default_scorecard().criteria
    rows, cards, lines, at = [], [], [], b.ago(790)
    for cid in range(1, n + 1):
        noun = NOUNS[cid % len(NOUNS)]
        rows.append({
            "id": cid, "name": f"{noun[1]} {cid:03d}", "name_zh": f"{noun[0]} {cid:03d}",
            "parent_id": None if cid <= parents else rng.randint(1, parents),
            "sku_cap": None, "selection_threshold": 3.5, "description": f"{noun[1]} and kin",
            "max_design_rounds": 5, "qc_monthly_budget_cents": rng.choice([None, 800_000, 2_000_000]),
            "aql_critical": 0.0, "aql_major": 2.5, "aql_minor": 4.0, "inspection_level": "II",
            "qc_checklist": list(qc_rules.DEFAULT_CHECKLIST), "prelisting_valid_days": 90,
            "required_certificates": [STANDARDS[cid % 3]] if cid % 4 == 0 else [],
            "capa_due_days": 14, "created_at": at,
            "elimination_rules": {
                "window_periods": 3, "min_positive_rate": 75.0, "max_return_rate": 12.0,
                "max_complaints_per_1000_orders": 15.0, "max_failed_inspections_12m": 2,
                "flag_overdue_capa": cid % 2 == 0, "bottom_percent": 3.0,
                "action": "decision_list" if cid % 3 else "under_watch"}})
        cards.append({"id": cid, "category_id": cid, "version": 1, "pass_threshold": 3.5,
                      "min_reviewers": 2, "disagreement_spread": 2.0, "share_shortfalls": True,
                      "created_at": at, "created_by_id": b.users["admin"][0][0]})
        for position, c in enumerate(criteria):
            lines.append({"id": len(lines) + 1, "scorecard_id": cid, "position": position,
                          "key": c.key, "label": c.label, "label_zh": DEFAULT_LABELS_ZH.get(c.key),
                          "weight": c.weight, "minimum": c.minimum, "knockout": c.knockout,
                          "anchors": list(c.anchors)})
    b.categories = rows
    b.criteria_keys = [c.key for c in criteria]
    b.write(Category.__table__, rows)
    b.write(Scorecard.__table__, cards)
    b.write(ScorecardCriterion.__table__, lines)
    admin = b.users["admin"][0]
    for row in rows:
        b.event(admin, "category", row["id"], "create", at,
                changes={"name": {"before": None, "after": row["name"]}})
        b.event(admin, "category", row["id"], "scorecard_version", at,
                changes={"scorecard": {"before": None, "after": {"version": 1}}})


def _suppliers(b: _Build) -> None:
    rng, n = b.rng, max(b.options.suppliers, 1)
    statuses = rng.choices(["active", "probation", "prospective", "eliminated"],
                           weights=[82, 8, 6, 4], k=n)
    rows, certs, users, at = [], [], [], b.ago(780)
    first_user = sum(len(v) for v in b.users.values()) + 1
    for sid in range(1, n + 1):
        rows.append({"id": sid, "name": f"供应商 {sid:05d} 有限公司", "name_en": f"Supplier {sid:05d} Ltd.",
                     "contact_name": f"Contact {sid}", "contact_email": f"sales{sid}@supplier.example",
                     "contact_phone": None, "region": rng.choice(REGIONS), "status": statuses[sid - 1],
                     "standing": None, "standing_reasons": [], "standing_figures": {},
                     "standing_changed_at": None, "standing_override": None,
                     "standing_override_reason": None, "created_at": at})
        for k in range(rng.randint(1, 3)):
            certs.append({"id": len(certs) + 1, "supplier_id": sid, "standard_code": STANDARDS[(sid + k) % 5],
                          "title": "Test report", "number": f"C{sid:05d}-{k}",
                          "expires_on": (b.now + timedelta(days=rng.randint(-60, 900))).date(),
                          "created_at": at})
        uid = first_user + sid - 1
        email = f"supplier{sid}@scale.test"
        users.append(_user_row(uid, email, "supplier", sid, b.password, at))
        b.supplier_user[sid] = (uid, email)
    b.write(Supplier.__table__, rows)
    b.write(Certificate.__table__, certs)
    b.write(User.__table__, users)
    admin = b.users["admin"][0]
    for row in rows:
        b.event(admin, "supplier", row["id"], "create", at,
                changes={"name": {"before": None, "after": row["name"]}})
    for cert in certs:
        b.event(admin, "supplier", cert["supplier_id"], "add_certificate", at, changes={
            "certificate": {"before": None, "after": {"id": cert["id"],
                                                      "standard_code": cert["standard_code"]}}})
    for user in users:
        b.event(admin, "user", user["id"], "create", at,
                changes={"email": {"before": None, "after": user["email"]}})
    b.supplier_status = {r["id"]: r["status"] for r in rows}


# --- products and their lifecycle -------------------------------------------------------------

def _path_for(rng: random.Random, state: str) -> list[str]:
    path = path_to(state)
    if state == "in_review" and rng.random() < 0.15:
        path = ["submit", "start_review", "request_info", "submit", "start_review"]
    elif state == "listed" and rng.random() < 0.08:
        path = [*path, "put_on_watch", "resolve_watch"]
    elif state == "in_design" and rng.random() < 0.1:
        path = [*path_to("sampling"), "fail_sampling"]
    return path


def _timeline(rng: random.Random, now: datetime, state: str, steps: int) -> list[datetime]:
    """Creation time then one time per transition, increasing, all before ``now``."""
    young = state in ("draft", "proposed", "in_review")
    age = rng.uniform(2, 90) if young else rng.uniform(60, 760)
    start = now - timedelta(days=age)
    end = now - timedelta(days=rng.uniform(0.2, min(age / 3, 30)))
    marks = sorted(rng.uniform(0, 1) for _ in range(steps))
    span = (end - start).total_seconds()
    return [start] + [start + timedelta(seconds=int(span * m) + i + 1)
                      for i, m in enumerate(marks)]


def _products(b: _Build) -> list[_Plan]:
    rng, n, n_sup = b.rng, b.options.products, max(b.options.suppliers, 1)
    n_cat = len(b.categories)
    states = rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()), k=n)
    plans, rows, per_supplier = [], [], defaultdict(int)
    for pid in range(1, n + 1):
        supplier_id = min(n_sup, int(n_sup * rng.random() ** 1.6) + 1)  # a few large suppliers
        state = states[pid - 1]
        path = _path_for(rng, state)
        times = [t.replace(microsecond=0) for t in _timeline(rng, b.now, state, len(path))]
        plan = _Plan(pid, supplier_id, rng.randint(1, n_cat), state, path, times)
        if "list" in path:
            plan.launched = times[path.index("list") + 1]
        plans.append(plan)
        per_supplier[supplier_id] += 1
        adj, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        target = rng.randint(29, 1299) * 100
        rows.append({
            "id": pid, "supplier_id": supplier_id, "category_id": plan.category_id,
            "name_en": f"{adj[1]} {noun[1]} {pid}", "name_zh": f"{adj[0]}{noun[0]} {pid}",
            "sku_code": f"SKU-{supplier_id:05d}-{per_supplier[supplier_id]:05d}",
            "description": f"{adj[1]} {noun[1].lower()}, generated for scale tests.",
            "target_price_cents": target, "unit_cost_cents": target * rng.randint(35, 65) // 100,
            "currency": "CNY", "monthly_capacity": rng.randint(5, 200) * 100,
            "specifications": [{"name": "Weight", "value": str(rng.randint(1, 90) / 10),
                                "unit": "kg"}],
            "competitors": [{"name": f"{noun[1]} rival", "channel": "Tmall",
                             "price_cents": target + rng.randint(-20, 40) * 100, "url": ""}],
            "claimed_standards": [{"code": STANDARDS[pid % 5], "title": "Safety"}],
            "state": state, "version": 1 + len(path),
            "retail_price_cents": target if plan.launched else None,
            "launched_on": plan.launched.date() if plan.launched else None,
            "reduced_inspection_approved": False, "state_changed_at": times[-1],
            "created_at": times[0], "updated_at": times[-1]})
    b.write(Product.__table__, rows)
    _set_caps(b, plans)
    return plans


def _set_caps(b: _Build, plans: list[_Plan]) -> None:
    """SKU caps that hold: every fourth category exactly full, a few without a cap."""
    used = defaultdict(int)
    for plan in plans:
        used[plan.category_id] += plan.state in OCCUPIES_SKU_SLOT
    table = Category.__table__
    for cid in range(1, len(b.categories) + 1):
        cap = None if cid % 7 == 0 else used[cid] if cid % 4 == 0 else used[cid] * 5 // 4 + 2
        b.conn.execute(table.update().where(table.c.id == cid).values(sku_cap=cap))


def _actor(b: _Build, plan: _Plan, name: str) -> tuple[int, str]:
    role = ACTOR_ROLE.get(name, "selection_manager")
    return b.supplier_user[plan.supplier_id] if role == "supplier" else b.staff(role)


def _pending(b: _Build) -> dict[int, list[tuple]]:
    if not hasattr(b, "pending"):
        b.pending = defaultdict(list)
    return b.pending


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max(int((end - start).total_seconds()), 2)
    return start + timedelta(seconds=rng.randint(1, seconds - 1))


# --- reviews and design -----------------------------------------------------------------------

def _reviews(b: _Build, plans: list[_Plan]) -> None:
    card, rng, pending = default_scorecard(), b.rng, _pending(b)
    weights = {c.key: c.weight for c in card.criteria}
    weight_sum = math.fsum(weights.values())
    reviews, scores = [], []
    for plan in plans:
        if "start_review" not in plan.path:
            continue
        last = len(plan.path) - 1 - plan.path[::-1].index("start_review")
        start, after = plan.times[last + 1], plan.path[last + 1:]
        end = plan.times[last + 2] if after else b.now
        low, count = (1, 3) if "reject" in plan.path else (3, 5), 2 if after else rng.randint(0, 1)
        for reviewer in rng.sample(b.users["selection_manager"], count):
            rid = len(reviews) + 1
            marks = {key: rng.randint(low[0], low[1]) for key in b.criteria_keys}
            at = _between(rng, start, end)
            reviews.append({"id": rid, "product_id": plan.id, "reviewer_id": reviewer[0],
                            "scorecard_id": plan.category_id, "submitted_at": at,
                            "weighted_total": round(math.fsum(
                                weights[k] * v for k, v in marks.items()) / weight_sum, 4),
                            "comment": None})
            first = len(scores) + 1
            scores.extend({"id": first + i, "review_id": rid, "criterion_key": key,
                           "score": value, "comment": None}
                          for i, (key, value) in enumerate(marks.items()))
            pending[plan.id].append((at, reviewer, "review", None, None, None, {
                "review": {"before": None, "after": {"id": rid, "scorecard_version": 1}}}))
    b.write(Review.__table__, reviews)
    b.write(ReviewScore.__table__, scores)


def _design(b: _Build, plans: list[_Plan]) -> None:
    rng, pending = b.rng, _pending(b)
    rounds, items = [], []
    for plan in plans:
        if "accept" not in plan.path:
            continue
        opened = plan.times[plan.path.index("accept") + 1] + timedelta(hours=2)
        approved = "approve_design" in plan.path and plan.state != "in_design"
        closes = plan.times[plan.path.index("approve_design") + 1] if approved else b.now
        opened = min(opened, closes - timedelta(hours=1))
        designer = b.staff("designer")
        rid = len(rounds) + 1
        decided = closes - timedelta(minutes=30) if approved else None
        rounds.append({"id": rid, "product_id": plan.id, "number": 1,
                       "status": "closed" if approved else "open", "opened_at": opened,
                       "opened_by_id": designer[0], "due_on": (opened + timedelta(days=14)).date(),
                       "revision_notes": "Revised as asked" if approved else None,
                       "revision_submitted_at": decided, "last_supplier_activity_at": decided,
                       "decision": "approve" if approved else None, "decision_reason": None,
                       "decided_at": decided, "decided_by_id": designer[0] if approved else None})
        pending[plan.id].append((opened, designer, "open_round", None, None, None, {
            "round": {"before": None, "after": {"number": 1}}}))
        for area, severity in (("function", "major"), ("packaging", "minor")):
            iid = len(items) + 1
            status = "resolved" if approved else rng.choice(["open", "answered", "open"])
            items.append({"id": iid, "round_id": rid, "product_id": plan.id, "area": area,
                          "severity": severity, "text": f"Improve the {area}",
                          "internal": False, "status": status,
                          "response": "Done" if status != "open" else None,
                          "responded_at": decided if status != "open" else None,
                          "created_by_id": designer[0], "created_at": opened,
                          "resolved_at": decided if status == "resolved" else None})
            pending[plan.id].append((opened, designer, "feedback", None, None, None, {
                "feedback": {"before": None, "after": {"id": iid, "round": 1, "area": area}}}))
        if approved:
            pending[plan.id].append((decided, designer, "decide_round", None, None, None, {
                "round": {"before": {"number": 1}, "after": {"number": 1,
                                                             "decision": "approve"}}}))
    b.write(DesignRound.__table__, rounds)
    b.write(FeedbackItem.__table__, items)


# --- quality control --------------------------------------------------------------------------

LOT_SIZE = 90


class _Verdicts:
    """The plans of the default AQLs for one lot size, and verdicts by defects found."""

    def __init__(self) -> None:
        self.plans = qc_rules.class_plans(LOT_SIZE, qc_rules.DEFAULT_AQLS, "II", "normal")
        self.draw = qc_rules.sample_to_draw(self.plans)
        self.by_class = {p.defect_class: p for p in self.plans}
        self._cache: dict[tuple, object] = {}

    def evaluate(self, found: dict[str, int]):
        key = tuple(sorted(found.items()))
        if key not in self._cache:
            self._cache[key] = qc_rules.evaluate(self.plans, found)
        return self._cache[key]


def _qc(b: _Build, plans: list[_Plan]) -> None:
    rng, total = b.rng, b.options.inspection_count
    prelisted = [p for p in plans if "list" in p.path]
    routine_pool = [p for p in plans if p.launched is not None]
    n_pre = min(len(prelisted), int(total * 0.4))
    picks = [(p, "pre_listing") for p in rng.sample(prelisted, n_pre)]
    if routine_pool:
        picks += [(rng.choice(routine_pool), "routine") for _ in range(total - n_pre)]
    verdicts, out = _Verdicts(), defaultdict(list)
    for number, (plan, kind) in enumerate(picks, 1):
        _inspection(b, verdicts, out, number, plan, kind)
    for model in (SamplePurchase, Inspection, InspectionDefect, CorrectiveAction):
        b.write(model.__table__, out[model.__tablename__])


def _inspection(b, verdicts, out, number, plan, kind) -> None:
    rng, pending = b.rng, _pending(b)
    if kind == "pre_listing":
        at = plan.times[plan.path.index("list")] + timedelta(hours=1)  # in sampling
        at = min(at, plan.launched - timedelta(hours=1))
        failing = 0.0
    else:
        at = _between(rng, plan.launched, plan.times[-1] if plan.state == "delisted" else b.now)
        failing = 0.5 if plan.state in ("under_watch", "suspended") else 0.08
    inspector = b.staff("qc_inspector")
    rejected = rng.random() < failing
    found = ({"critical": 1, "major": 0, "minor": 0} if rejected and rng.random() < 0.4 else
             {"critical": 0, "major": verdicts.by_class["major"].reject, "minor": 0} if rejected
             else {"critical": 0, "major": 0, "minor": rng.choice([0, 0, 1])})
    verdict = verdicts.evaluate(found)
    price = rng.randint(20, 600) * 100
    out["sample_purchases"].append({
        "id": number, "product_id": plan.id, "kind": kind, "channel": "platform",
        "store_name": "Sieve store", "order_number": f"SO-{number:07d}",
        "order_key": f"platform|sieve store|so-{number:07d}", "purchased_on": at.date(),
        "quantity": verdicts.draw, "unit_price_cents": price, "total_cents": price * verdicts.draw,
        "currency": "CNY", "batch_code": None, "purchaser_id": inspector[0],
        "reimbursement_status": rng.choice(["submitted", "approved", "paid", "paid"]),
        "reimbursement_changed_at": None, "notes": None, "created_at": at})
    done = at + timedelta(days=2)
    out["inspections"].append({
        "id": number, "purchase_id": number, "product_id": plan.id, "inspector_id": inspector[0],
        "kind": kind, "status": "completed", "lot_size": LOT_SIZE, "level": "II",
        "severity": "normal", "severity_reason": "Normal inspection at the start",
        "aqls": dict(qc_rules.DEFAULT_AQLS), "plans": [p.as_dict() for p in verdicts.plans],
        "sample_size": verdicts.draw,
        "checklist": [{"item": item, "result": "pass", "note": None}
                      for item in qc_rules.DEFAULT_CHECKLIST],
        "production_steady": False, "verdict": "accepted" if verdict.accepted else "rejected",
        "found": {r.plan.defect_class: r.found for r in verdict.results},
        "arithmetic": verdict.arithmetic(), "consequence": None, "switching_after": None,
        "summary": "Checked against the category checklist", "internal_notes": None,
        "started_at": at + timedelta(days=1), "completed_at": done})
    events = pending[plan.id]
    events.append((at, inspector, "log_purchase", None, None, None,
                   {"purchase": {"before": None, "after": {"id": number, "kind": kind}}}))
    events.append((at + timedelta(days=1), inspector, "open_inspection", None, None, None,
                   {f"inspection #{number}": {"before": None, "after": {"purchase": number}}}))
    for defect_class, count in found.items():
        if count:
            did = len(out["inspection_defects"]) + 1
            out["inspection_defects"].append({
                "id": did, "inspection_id": number, "product_id": plan.id,
                "defect_class": defect_class, "count": count,
                "description": f"{defect_class} defect found", "checklist_item": "function",
                "created_by_id": inspector[0], "created_at": done - timedelta(hours=1)})
            events.append((done - timedelta(hours=1), inspector, "log_defect", None, None, None,
                           {f"inspection #{number}": {"before": None, "after": {"defect": did}}}))
    events.append((done, inspector, "complete_inspection", None, None, None,
                   {f"inspection #{number}": {"before": {"status": "open"}, "after": {
                       "status": "completed", "verdict": out["inspections"][-1]["verdict"]}}}))
    if not verdict.accepted:
        _corrective_action(b, out, number, plan, inspector, done)


def _corrective_action(b, out, inspection_id, plan, inspector, opened) -> None:
    rng = b.rng
    cid = len(out["corrective_actions"]) + 1
    due = (opened + timedelta(days=14)).date()
    status = rng.choices(["closed", "open", "submitted", "returned", "escalated"],
                         weights=[50, 20, 15, 5, 10])[0]
    answered = status != "open"
    submitted = opened + timedelta(days=rng.randint(2, 20)) if answered else None
    closed = submitted + timedelta(days=2) if status == "closed" else None
    out["corrective_actions"].append({
        "id": cid, "product_id": plan.id, "supplier_id": plan.supplier_id,
        "inspection_id": inspection_id, "status": status, "due_on": due,
        "problem": "Lot rejected in a routine inspection", "opened_by_id": inspector[0],
        "opened_at": opened, "containment": "Stock held" if answered else None,
        "root_cause": "Tooling wear" if answered else None,
        "corrective_action": "New tooling" if answered else None,
        "preventive_action": "Weekly checks" if answered else None,
        "submitted_at": submitted, "first_submitted_at": submitted, "return_reason":
        "Root cause unclear" if status == "returned" else None,
        "verification_inspection_id": None, "closed_at": closed,
        "closed_by_id": inspector[0] if closed else None,
        "escalation_reason": "Overdue" if status == "escalated" else None,
        "escalated_at": opened + timedelta(days=20) if status == "escalated" else None,
        "internal_notes": None})
    events = _pending(b)[plan.id]
    events.append((opened, inspector, "open_corrective_action", None, None, None, {
        f"corrective action #{cid}": {"before": None, "after": {
            "status": "open", "inspection": inspection_id, "due_on": due.isoformat()}}}))
    if submitted is not None:
        events.append((submitted, b.supplier_user[plan.supplier_id], "submit_corrective_action",
                       None, None, None, {f"corrective action #{cid}": {
                           "before": {"status": "open"}, "after": {"status": "submitted"}}}))
    if closed is not None:
        events.append((closed, inspector, "close_corrective_action", None, None, None, {
            f"corrective action #{cid}": {"before": {"status": "submitted"},
                                          "after": {"status": "closed"}}}))


# --- customer metrics and notifications -------------------------------------------------------

def _months(now: datetime, count: int) -> list[date]:
    """The first days of the ``count`` complete months before ``now``, oldest first."""
    first, months = now.date().replace(day=1), []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return months[::-1]


def _metrics(b: _Build, plans: list[_Plan]) -> None:
    rng, months = b.rng, _months(b.now, b.options.metric_periods)
    admin = b.users["admin"][0]
    b.write(MetricImport.__table__, [{
        "id": 1, "source": "cli", "filename": "scale-metrics.csv", "checksum": "0" * 64,
        "status": "applied", "rows": 0, "error_count": 0, "errors": [], "summary": {},
        "job_id": None, "created_by_id": admin[0], "created_at": b.now - timedelta(days=1),
        "finished_at": b.now - timedelta(days=1)}])

    def rows() -> Iterator[dict]:
        for plan in plans:
            if plan.launched is None:
                continue
            weak = rng.random() < (0.5 if plan.state in ("under_watch", "suspended") else 0.05)
            positive = rng.uniform(0.55, 0.8) if weak else rng.uniform(0.8, 0.98)
            returns = rng.uniform(0.1, 0.2) if weak else rng.uniform(0.01, 0.08)
            base = rng.lognormvariate(5, 1)
            end = plan.times[-1].date() if plan.state == "delisted" else b.now.date()
            for start in months:
                if start < plan.launched.date().replace(day=1) or start > end:
                    continue
                units = max(1, int(base * rng.uniform(0.6, 1.4)))
                orders = max(1, int(units * 0.9))
                reviews = int(orders * rng.uniform(0.05, 0.2))
                good = int(reviews * positive)
                yield {"product_id": plan.id, "period": start.strftime("%Y-%m"),
                       "period_kind": "month", "period_start": start, "units_sold": units,
                       "orders": orders, "reviews": reviews,
                       "avg_rating": round(1 + 4 * positive, 2) if reviews else None,
                       "positive_reviews": good, "returns": int(orders * returns),
                       "complaints": int(orders * returns * 0.1), "import_id": 1}

    count = b.write(CustomerMetric.__table__, rows())
    table = MetricImport.__table__
    b.conn.execute(table.update().where(table.c.id == 1).values(rows=count))
    b.event(admin, "metric_import", 1, "metric_import", b.now - timedelta(days=1), changes={
        "file": "scale-metrics.csv", "rows": count, "outcome": "applied"})


def _notifications(b: _Build, plans: list[_Plan]) -> None:
    rng = b.rng

    def rows() -> Iterator[dict]:
        for plan in plans:
            if not plan.path or rng.random() > 0.4:
                continue
            name = TRANSITIONS[plan.path[-1]]
            at = plan.times[-1]
            yield {"user_id": b.supplier_user[plan.supplier_id][0], "kind": "decision",
                   "product_id": plan.id, "message": f"Product {plan.id}: {name.label}"
                   f" (now {name.target.value}).",
                   "params": {"product_id": plan.id, "product_name": f"Product {plan.id}",
                              "transition": name.name, "target": name.target.value,
                              "reason": None, "kind": "decision"},
                   "created_at": at, "read_at": at + timedelta(days=1) if rng.random() < 0.6
                   else None}

    b.write(Notification.__table__, rows())


# --- the audit trail of every product ---------------------------------------------------------

def _trail(b: _Build, plans: list[_Plan]) -> None:
    """Each product's events in time order: creation, edits, transitions and the pending
    review, design and QC events; padded with edits to about ``events_per_product``."""
    rng, pending = b.rng, _pending(b)
    for plan in plans:
        owner = b.supplier_user[plan.supplier_id]
        events = pending.pop(plan.id, [])
        events.append((plan.times[0], owner, "create", None, "draft", None,
                       {"name_en": {"before": None, "after": f"Product {plan.id}"}}))
        state = "draft"
        for name, at in zip(plan.path, plan.times[1:], strict=True):
            target = TRANSITIONS[name].target.value
            events.append((at, _actor(b, plan, name), name, state, target, REASONS.get(name),
                           None))
            state = target
        edit_until = plan.times[1] if len(plan.times) > 1 else b.now
        missing = b.options.events_per_product - len(events)
        for n in range(max(0, missing + rng.randint(-1, 1))):
            events.append((_between(rng, plan.times[0], edit_until), owner, "update", None,
                           None, None, {"description": {"before": f"v{n}", "after": f"v{n + 1}"}}))
        events.sort(key=lambda e: (e[0], e[4] is not None))
        for at, actor, action, from_state, to_state, reason, changes in events:
            b.event(actor, "product", plan.id, action, at, from_state=from_state,
                    to_state=to_state, reason=reason, changes=changes)
    b.flush_events()
