"""Factories for domain objects, going through the services so audit events are real."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    Category,
    CorrectiveAction,
    Inspection,
    InspectionDefect,
    Notification,
    Product,
    SamplePurchase,
    Supplier,
    User,
)
from app.services import accounts, design, lifecycle, products, qc, registry, reviews
from workflows.inspection import sample_to_draw
from workflows.lifecycle import State, path_to

PASSWORD = "correct horse battery"
_counter = itertools.count(1)

#: A reason that satisfies every transition, reason codes included.
REASON_FOR = {"delist": "quality_failure"}


def reason_for(transition: str) -> str:
    return REASON_FOR.get(transition, f"test reason for {transition}")


@dataclass
class World:
    supplier_a: Supplier
    supplier_b: Supplier
    category: Category
    other_category: Category
    admin: User
    manager: User
    designer: User
    qc: User
    supplier_user: User
    other_supplier_user: User

    def user_for_role(self, role: str) -> User:
        return {
            "admin": self.admin, "selection_manager": self.manager, "designer": self.designer,
            "qc_inspector": self.qc, "supplier": self.supplier_user,
        }[role]


def build_world() -> World:
    supplier_a = registry.create_supplier(None, {"name": "深圳测试电器", "name_en": "Test Appliances",
                                                 "status": "active"})
    supplier_b = registry.create_supplier(None, {"name": "Other Supplier Ltd", "status": "active"})
    category = registry.create_category(None, {"name": "Kettles", "name_zh": "电水壶"})
    other = registry.create_category(None, {"name": "Lamps", "name_zh": "台灯", "sku_cap": 2})
    users = {
        role: accounts.create_user(None, f"{role}@test.example", role, PASSWORD)
        for role in ("admin", "selection_manager", "designer", "qc_inspector")
    }
    supplier_user = accounts.create_user(None, "a@supplier.example", "supplier", PASSWORD,
                                         supplier_a.name)
    other_user = accounts.create_user(None, "b@supplier.example", "supplier", PASSWORD,
                                      supplier_b.name)
    return World(supplier_a, supplier_b, category, other, users["admin"],
                 users["selection_manager"], users["designer"], users["qc_inspector"],
                 supplier_user, other_user)


def make_product(world: World, state: str | State = State.DRAFT, *, supplier=None,
                 category=None, **fields) -> Product:
    """A complete proposal of ``supplier`` (default A), walked by an admin to ``state``."""
    supplier = supplier or world.supplier_a
    n = next(_counter)
    data = {
        "supplier_id": supplier.id,
        "name_zh": f"测试产品 {n}",
        "name_en": f"Test product {n}",
        "sku_code": f"T-{n:05d}",
        "category_id": (category or world.category).id,
        "description": "A kettle with a 1.7 L capacity, 2200 W.",
        "target_price": "199.00",
        "unit_cost": "86.50",
        "monthly_capacity": 5000,
        "specifications": [{"name": "Capacity", "value": "1.7", "unit": "L"},
                           {"name": "Power", "value": "2200", "unit": "W"}],
        "competitors": [{"name": "Brand X kettle", "channel": "Tmall", "price": "229"},
                        {"name": "Brand Y kettle", "channel": "JD", "price": "189.90"}],
        "claimed_standards": [{"code": "GB 4706.1-2005", "title": "Household appliance safety"}],
        **fields,
    }
    product = products.create_product(world.admin, data)
    for transition in path_to(state):
        if transition == "accept":
            pass_review(world, product.id)
        if transition == "approve_design":
            approve_design_round(world, product.id, supplier)
        if transition == "list":
            pass_inspection(world, product.id, "pre_listing")
        product = lifecycle.apply_transition(world.admin, product.id, transition,
                                             reason_for(transition))
    return product


GOOD_SCORES = {"performance": 4, "configuration": 4, "design": 4, "value_for_money": 4,
               "compliance": 4, "supplier_capability": 4}


def approve_design_round(world: World, product_id: int, supplier=None) -> None:
    """One design round with no feedback: opened, revised by the supplier, approved."""
    owner = world.other_supplier_user if supplier is world.supplier_b else world.supplier_user
    design.open_round(world.manager, product_id)
    design.submit_revision(owner, product_id, "no changes needed")
    design.decide_round(world.manager, product_id, "approve", "ready for sampling")


#: The smallest files the upload checks accept: a 1x1 PNG and a one-page PDF.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
       b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u"
       b"\xaa\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def today() -> date:
    """Today as the services see it (UTC)."""
    return datetime.now(UTC).date()


def purchase_data(kind: str, **fields) -> dict:
    """A valid purchase form for ``kind`` (a fresh order number each time)."""
    n = next(_counter)
    return {"kind": kind, "channel": "platform", "store_name": "Sieve Mall",
            "order_number": f"SO-{n:06d}", "purchased_on": today().isoformat(),
            "quantity": 20, "unit_price": "10.00", **fields}


def buy(world: World, product_id: int, kind: str, quantity: int | None = None,
        lot_size: int = 50, **fields):
    """A sample purchase by the QC inspector; ``quantity`` defaults to the sample the plan of
    a ``lot_size`` lot needs at the product's current severity."""
    if quantity is None:
        product = db.session.get(Product, product_id)
        severity, _why = qc.severity_for(db.session, product, kind)
        quantity = sample_to_draw(qc.preview_plans(product.category, lot_size,
                                                   severity=severity))
    return qc.create_purchase(world.qc, product_id,
                              purchase_data(kind, quantity=quantity, **fields))


def open_inspection(world: World, product_id: int, kind: str, lot_size: int = 50) -> Inspection:
    purchase = buy(world, product_id, kind, lot_size=lot_size)
    return qc.open_inspection(world.qc, purchase.id, {"lot_size": lot_size})


def complete(world: World, inspection: Inspection, **fields) -> Inspection:
    """Complete an open inspection with every checklist item passed."""
    checklist = {c["item"]: "pass" for c in inspection.checklist}
    return qc.complete_inspection(world.qc, inspection.id, {"checklist": checklist, **fields})


def inspect(world: World, product_id: int, kind: str, defects: dict | None = None,
            lot_size: int = 50, **fields) -> Inspection:
    """A sample purchase of ``kind`` and its completed inspection by the QC inspector, with
    ``defects`` ({class: count}) logged; the purchase buys exactly the sample the plan needs."""
    inspection = open_inspection(world, product_id, kind, lot_size)
    for defect_class, count in (defects or {}).items():
        qc.add_defect(world.qc, inspection.id, {"defect_class": defect_class, "count": count,
                                                "description": f"{defect_class} defect"})
    return complete(world, inspection, **fields)


def pass_inspection(world: World, product_id: int, kind: str = "pre_listing") -> Inspection:
    return inspect(world, product_id, kind)


def pass_review(world: World, product_id: int, scores: dict | None = None) -> None:
    """Two passing reviews (the default scorecard wants two), by the manager and the admin."""
    for reviewer in (world.manager, world.admin):
        reviews.submit_review(reviewer, product_id, dict(scores or GOOD_SCORES))


def uploaded_files() -> list:
    """Every file under the test app's upload folder, temporary ones included."""
    folder = Path(current_app.config["SIEVE_UPLOAD_DIR"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def stored_counts() -> dict[str, int]:
    """Rows of every QC table, audit events, attachments and uploaded files: to show a refused
    use case stored nothing."""
    db.session.rollback()
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (SamplePurchase, Inspection, InspectionDefect, CorrectiveAction,
                            Attachment, AuditEvent, Notification, Product)}
    counts["files"] = len(uploaded_files())
    return counts
