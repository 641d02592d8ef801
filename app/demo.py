"""Deterministic bilingual demo data, created through the services so the audit trail is real."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import CorrectiveAction, Product, User
from app.services import accounts, design, lifecycle, products, qc, registry, reviews
from workflows.inspection import sample_to_draw

DEMO_PASSWORD = "sieve-demo-2026"

SUPPLIERS = [
    ("深圳市优品电器有限公司", "Shenzhen Youpin Appliances", "广东 Guangdong", "active"),
    ("宁波家居制造有限公司", "Ningbo Home Manufacturing", "浙江 Zhejiang", "active"),
    ("Harbor Textiles Ltd.", None, "Jiangsu", "active"),
    ("佛山陶瓷厨具厂", "Foshan Ceramic Kitchenware", "广东 Guangdong", "probation"),
    ("Northwind Outdoor Co.", None, "Fujian", "active"),
    ("苏州精工电子", "Suzhou Precision Electronics", "江苏 Jiangsu", "active"),
    ("Qingdao Blue Ocean Foods", "青岛蓝海食品", "Shandong", "prospective"),
    ("杭州竹语生活", "Hangzhou Bamboo Living", "浙江 Zhejiang", "active"),
    ("Dongguan Brightway Lighting", None, "Guangdong", "active"),
    ("义乌小商品贸易公司", "Yiwu Small Goods Trading", "浙江 Zhejiang", "eliminated"),
]

#: (name, Chinese name, SKU cap, monthly QC budget in CNY)
CATEGORIES = [
    ("Small kitchen appliances", "厨房小电", 6, "20000.00"),
    ("Bedding", "床品", 6, "12000.00"),
    ("Cookware", "锅具", 5, "8000.00"),
    ("Lighting", "照明", 6, "6000.00"),
    ("Outdoor", "户外", 5, "10000.00"),
    ("Storage", "收纳", 6, "3000.00"),
]

PRODUCT_NAMES = [
    ("电热水壶 1.7L", "Electric kettle 1.7 L"), ("", "Bamboo fibre bath towel"),
    ("全棉四件套", "Cotton bedding set (4 pcs)"), ("不粘炒锅 30cm", "Non-stick wok 30 cm"),
    ("LED 护眼台灯", "LED eye-care desk lamp"), ("露营折叠椅", ""),
    ("真空保温杯 500ml", "Vacuum flask 500 ml"), ("", "Linen duvet cover"),
    ("铸铁珐琅锅", "Enamel cast-iron casserole"), ("智能夜灯", "Motion-sensor night light"),
    ("", "Ultralight tent, 2 person"), ("竹制收纳盒", "Bamboo storage box"),
    ("破壁料理机", "High-speed blender"), ("乳胶枕", "Latex pillow"),
    ("", "Stainless steel stockpot 24 cm"), ("吸顶灯 36W", "Ceiling light 36 W"),
    ("户外野餐垫", "Picnic blanket"), ("", "Stackable pantry jars (set of 6)"),
    ("空气炸锅 4.5L", "Air fryer 4.5 L"), ("羽绒被", "Down duvet"),
]

# (target state, path of transitions from draft, reason per transition)
PATHS = {
    "draft": [],
    "proposed": ["submit"],
    "in_review": ["submit", "start_review"],
    "rejected": ["submit", "start_review", "reject"],
    "in_design": ["submit", "start_review", "accept"],
    "abandoned": ["submit", "abandon"],
    "sampling": ["submit", "start_review", "accept", "approve_design"],
    "listed": ["submit", "start_review", "accept", "approve_design", "list"],
    "under_watch": ["submit", "start_review", "accept", "approve_design", "list", "put_on_watch"],
    "suspended": ["submit", "start_review", "accept", "approve_design", "list", "suspend"],
    "delisted": ["submit", "start_review", "accept", "approve_design", "list", "delist"],
}
#: A few longer histories, so the demo shows loops back through the lifecycle.
DETOURS = {
    "in_review": ["submit", "start_review", "request_info", "submit", "start_review"],
    "in_design": ["submit", "start_review", "accept", "approve_design", "fail_sampling"],
    "listed": ["submit", "start_review", "accept", "approve_design", "list", "put_on_watch",
               "resolve_watch"],
}
REASONS = {
    "request_info": "请补充 GB 4706.1 检测报告 / Please add the GB 4706.1 test report",
    "reject": "Value for money below competitors (京东 / 天猫 comparables 20% cheaper)",
    "abandon": "Supplier withdrew: tooling cost too high",
    "fail_sampling": "抽检不合格: 2 major defects (lid seal), AQL 2.5 Ac=1",
    "put_on_watch": "Positive-review rate fell to 91% over 2 periods",
    "suspend": "Critical defect in routine spot check (plug pins loose)",
    "delist": "customer_metrics",
}

USERS = [
    ("admin@sieve.demo", "admin", None),
    ("manager@sieve.demo", "selection_manager", None),
    ("designer@sieve.demo", "designer", None),
    ("qc@sieve.demo", "qc_inspector", None),
] + [(f"supplier{i}@sieve.demo", "supplier", name) for i, (name, *_r) in enumerate(SUPPLIERS, 1)]
ACTOR_FOR = {"submit": "supplier", "abandon": "supplier", "approve_design": "designer",
             "fail_sampling": "qc_inspector", "put_on_watch": "qc_inspector",
             "resolve_watch": "qc_inspector", "suspend": "qc_inspector"}


def _reset_database() -> None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database:
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
    else:
        downgrade(revision="base")


def seed(reset: bool = False, echo=print) -> None:
    if reset:
        _reset_database()
    upgrade()
    if db.session.scalar(select(func.count(User.id))):
        echo("The database already has data; demo seed skipped (use --reset to start over).")
        _print_logins(echo)
        return
    suppliers = [
        registry.create_supplier(None, {"name": n, "name_en": en, "region": r, "status": "active",
                                        "contact_email": f"sales{i}@supplier{i}.example"})
        for i, (n, en, r, _status) in enumerate(SUPPLIERS, 1)
    ]
    categories = [
        registry.create_category(None, {"name": n, "name_zh": zh, "sku_cap": cap,
                                        "selection_threshold": 3.5,
                                        "qc_monthly_budget": budget})
        for n, zh, cap, budget in CATEGORIES
    ]
    users = {}
    for email, role, supplier_name in USERS:
        users[email] = accounts.create_user(None, email, role, DEMO_PASSWORD, supplier_name)
    admin = users["admin@sieve.demo"]
    for i, supplier in enumerate(suppliers):
        registry.add_certificate(admin, supplier.id, {
            "standard_code": ["GB 4706.1-2005", "GB 18401-2010", "GB 4806.1-2016"][i % 3],
            "title": "CCC / national standard conformity",
            "number": f"2026{i:04d}CCC",
            "expires_on": date(2025 + (i % 3), 6, 30),
        })
    _seed_products(suppliers, categories, users)
    for supplier, (_n, _en, _r, status) in zip(suppliers, SUPPLIERS, strict=True):
        if status != "active":
            registry.update_supplier(admin, supplier.id, {"status": status})
    _seed_metrics_and_sweep(categories, users["manager@sieve.demo"])
    _print_logins(echo)


def _seed_products(suppliers, categories, users) -> None:
    states = list(PATHS)
    supplier_users = {u.supplier_id: u for u in users.values() if u.supplier_id}
    admin_user = users["admin@sieve.demo"]
    managers = {"selection_manager": users["manager@sieve.demo"],
                "designer": users["designer@sieve.demo"], "qc_inspector": users["qc@sieve.demo"]}
    for n in range(60):
        state = states[n % len(states)]
        path = DETOURS.get(state) if n // len(states) == 1 and state in DETOURS else PATHS[state]
        supplier = suppliers[n % 9]  # the eliminated supplier keeps only its history
        zh, en = PRODUCT_NAMES[n % len(PRODUCT_NAMES)]
        category = categories[n % len(categories)]
        owner = supplier_users[supplier.id]
        price = 99 + (n * 37) % 900
        product = products.create_product(owner, {
            "target_price": f"{price}.00", "unit_cost": f"{price * 0.45:.2f}",
            "monthly_capacity": 1000 + (n % 7) * 500,
            "specifications": [{"name": "材质 Material", "value": ["304 不锈钢", "Cotton", "Bamboo"][n % 3]},
                               {"name": "重量 Weight", "value": f"{0.4 + (n % 5) * 0.3:.1f}",
                                "unit": "kg"}],
            "competitors": [{"name": "同类竞品 A", "channel": "天猫 Tmall",
                             "price": f"{price * 1.2:.2f}"},
                            {"name": "Comparable B", "channel": "京东 JD",
                             "price": f"{price * 0.95:.2f}"}],
            "claimed_standards": [{"code": ["GB 4706.1-2005", "GB 18401-2010",
                                            "GB 4806.1-2016"][n % 3]}], "name_zh": zh, "name_en": en,
            "sku_code": f"SKU-{supplier.id:02d}-{n:03d}", "category_id": category.id,
            "description": f"{zh or en}: demo proposal with specifications and target price.",
        })
        for transition in path:
            if transition == "accept":
                for reviewer, delta in ((managers["selection_manager"], 0), (admin_user, 1)):
                    reviews.submit_review(reviewer, product.id, {
                        key: min(5, 3 + (n + i + delta) % 3) for i, key in enumerate(
                            ("performance", "configuration", "design", "value_for_money",
                             "compliance", "supplier_capability"))},
                        "Solid sample; see per-criterion notes")
            if transition == "approve_design":
                design.open_round(managers["designer"], product.id)
                design.raise_feedback(managers["designer"], product.id, [
                    {"area": "packaging", "severity": "minor",
                     "text": "包装盒内衬改用纸浆模塑 / use moulded pulp inserts"}])
                item_id = design.items_of(db.session, product.id)[-1].id
                design.respond(owner, item_id, "已改为纸浆模塑 / switched to moulded pulp")
                design.submit_revision(owner, product.id, "Revised packaging, photos attached")
                design.review_item(managers["designer"], item_id, resolved=True)
                design.decide_round(managers["designer"], product.id, "approve",
                                    "Design approved for sampling")
            if transition in INSPECTED:
                _seed_inspection(product.id, managers, owner, transition, n)
                continue
            if transition == "list":
                _seed_inspection(product.id, managers, owner, "pass_pre_listing", n)
            role = ACTOR_FOR.get(transition, "selection_manager")
            actor = owner if role == "supplier" else managers[role]
            lifecycle.apply_transition(actor, product.id, transition, REASONS.get(transition))
        if state == "listed" and n % 2 == 0:
            _seed_inspection(product.id, managers, owner, "pass_routine", n)
        if state == "in_design":
            _seed_design_round(product.id, owner, managers["designer"], answered=n % 2 == 0)


#: Elimination rules per category (every other category decides by hand instead of watching).
DEMO_RULES = {"window_periods": 3, "min_positive_rate": 85, "max_return_rate": 8,
              "max_complaints_per_1000_orders": 15, "max_failed_inspections_12m": 2,
              "flag_overdue_capa": True, "bottom_percent": 20}
METRIC_MONTHS = 6


def _demo_figures(n: int, month: int) -> dict:
    """Six months of plausible figures; every fifth product sours in the last quarter."""
    units = 300 + (n * 53) % 700 + month * 20
    orders = int(units * 0.9)
    reviews = units // 6
    souring = n % 5 == 0 and month >= METRIC_MONTHS - 3
    positive = int(reviews * (0.78 if souring else 0.9 + (n % 4) * 0.02))
    returns = int(units * (0.11 if souring and n % 2 == 0 else 0.02 + (n % 3) * 0.01))
    complaints = int(orders * (0.02 if souring and n % 2 else 0.004))
    rating = round(1 + 4 * positive / reviews, 2) if reviews else ""
    return {"units_sold": units, "orders": orders, "reviews": reviews, "avg_rating": rating,
            "positive_reviews": positive, "returns": returns, "complaints": complaints}


def _seed_metrics_and_sweep(categories, manager) -> None:
    """Customer figures for the products that reached the shelves, an import through the same
    service the marketplace's push uses, category rules, then one elimination sweep."""
    from app.services import elimination, metrics
    from workflows.periods import parse_period

    shelf = ("listed", "under_watch", "suspended", "delisted")
    on_shelf = db.session.scalars(select(Product).where(Product.state.in_(shelf))
                                  .order_by(Product.id)).all()
    latest = parse_period(f"{date.today().year}-{date.today().month:02d}").shift(-1)
    periods = [str(latest.shift(k - METRIC_MONTHS + 1)) for k in range(METRIC_MONTHS)]
    rows = [{"product_id": product.id, "period": key, **_demo_figures(product.id, month)}
            for product in on_shelf for month, key in enumerate(periods)]
    metrics.import_rows(manager, rows)
    for i, category in enumerate(categories):
        rules = dict(DEMO_RULES, action="decision_list" if i % 2 else "under_watch")
        elimination.set_category_rules(manager, category.id, rules)
    elimination.run_sweep(manager, "manual")


#: Transitions the demo reaches through an inspection's verdict instead of a manual decision.
INSPECTED = {"fail_sampling", "put_on_watch", "suspend", "resolve_watch"}
_purchases = iter(range(1, 10_000))


def _buy_and_inspect(product_id, qc_user, kind, n, defects=(), level="S-3", lot_size=500):
    """A sample purchase sized to the plan, inspected with ``defects`` ((class, count, text))."""
    product = db.session.get(Product, product_id)
    severity, _why = qc.severity_for(db.session, product, kind)
    plans = qc.preview_plans(product.category, lot_size, level, severity=severity)
    k = next(_purchases)
    channel = ("platform", "other_marketplace", "offline_store")[k % 3]
    store = {"platform": "Sieve 自营", "other_marketplace": "天猫 Tmall",
             "offline_store": "永辉超市 Yonghui"}[channel]
    purchase = qc.create_purchase(qc_user, product_id, {
        "kind": kind, "channel": channel, "store_name": store, "order_number": f"DEMO-{k:05d}",
        "purchased_on": (date.today() - timedelta(days=k % 20)).isoformat(),
        "quantity": sample_to_draw(plans),
        "unit_price": f"{(product.target_price_cents or 9900) / 100:.2f}",
        "batch_code": f"LOT-{n:03d}-{k % 7}", "notes": "Bought as a regular customer"})
    inspection = qc.open_inspection(qc_user, purchase.id, {"lot_size": lot_size, "level": level})
    for defect_class, count, text in defects:
        qc.add_defect(qc_user, inspection.id, {"defect_class": defect_class, "count": count,
                                               "description": text})
    checklist = {c["item"]: ("fail" if defects and c["item"] == "function" else "pass")
                 for c in inspection.checklist}
    return qc.complete_inspection(qc_user, inspection.id, {
        "checklist": checklist, "production_steady": True,
        "summary": "抽检结论见各缺陷记录 / see the defects logged",
        "internal_notes": "内部：供应商上次整改拖延 / internal: supplier was slow last time"})


def _seed_inspection(product_id, managers, owner, what, n) -> None:
    qc_user = managers["qc_inspector"]
    if what == "pass_pre_listing":
        _buy_and_inspect(product_id, qc_user, "pre_listing", n,
                         [("minor", 1, "外箱轻微压痕 / carton slightly dented")])
    elif what == "pass_routine":
        _buy_and_inspect(product_id, qc_user, "routine", n)
    elif what == "fail_sampling":
        _buy_and_inspect(product_id, qc_user, "pre_listing", n,
                         [("major", 2, "壶盖密封圈漏水 / lid seal leaks")])
    elif what == "put_on_watch":
        _buy_and_inspect(product_id, qc_user, "routine", n,
                         [("major", 2, "开关接触不良 / switch contact intermittent")])
    elif what == "suspend":
        _buy_and_inspect(product_id, qc_user, "routine", n,
                         [("critical", 1, "插头插脚松动 / plug pins loose (shock hazard)")])
    elif what == "resolve_watch":
        request = db.session.scalars(select(CorrectiveAction).where(
            CorrectiveAction.product_id == product_id, CorrectiveAction.status == "open")).first()
        qc.answer_capa(owner, request.id, {
            "containment": "冻结库存 2,000 件并全检 / 2,000 units in stock held and sorted",
            "root_cause": "开关供应商更换了弹片材料 / switch vendor changed the spring alloy",
            "corrective_action": "恢复原材料并加严来料检验 / original alloy, tightened incoming QC",
            "preventive_action": "关键件变更须经 Sieve 批准 / key-part changes need approval",
        }, submit=True)
        _buy_and_inspect(product_id, qc_user, "follow_up", n)
        qc.review_capa(qc_user, request.id, "close")
        lifecycle.apply_transition(qc_user, product_id, "resolve_watch",
                                   "Follow-up inspection passed; corrective action closed")


def _seed_design_round(product_id, owner, designer, answered: bool) -> None:
    """An open round with feedback, half of them already answered by the supplier."""
    design.open_round(designer, product_id)
    first, _second, _note = design.raise_feedback(designer, product_id, [
        {"area": "industrial_design", "severity": "blocking",
         "text": "把手握持处过热，需隔热处理 / the handle gets too hot to hold"},
        {"area": "packaging", "severity": "minor", "text": "外箱尺寸可缩小 10% / shrink the carton"},
        {"area": "cost", "severity": "major", "internal": True,
         "text": "内部：目标成本需再降 8% / internal: push unit cost down 8%"},
    ])
    if answered:
        design.respond(owner, first.id, "改用双层隔热结构 / double-wall insulation added")


def _print_logins(echo) -> None:
    echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, role, supplier in USERS[:6]:
        echo(f"  {email:<24} {role}" + (f"  ({supplier})" if supplier else ""))
    echo(f"  ... supplier3@sieve.demo to supplier{len(SUPPLIERS)}@sieve.demo for the other suppliers")
    echo("Open http://127.0.0.1:5000/ after `flask --app app run`.")
