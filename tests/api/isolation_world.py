"""A populated world for the isolation crawler and the API fuzzer: three suppliers, each with a
product in every lifecycle state, design feedback (one item internal), attachments, QC records
(purchase, failed inspection with a defect, corrective action answered), customer figures,
elimination candidates, a standing and finished jobs of its own user.

Every text of a supplier's records carries its tag (``Alder``, ``Birch``, ``Cedar``, also in
Chinese), so a body can be searched for any other supplier's data by the tags alone.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import CorrectiveAction, Supplier, User
from app.services import (
    accounts,
    attachments,
    design,
    elimination,
    jobs,
    metrics,
    qc,
    registry,
    standing,
)
from tests import factories
from workflows.lifecycle import State

#: tag -> (Latin marker, Chinese marker). A body showing either belongs to that supplier.
TAGS = {"alder": ("Alder", "榆木"), "birch": ("Birch", "桦木"), "cedar": ("Cedar", "雪松")}
INTERNAL = "内部备注 internal-only margin talk"
METRIC_STATES = (State.LISTED, State.UNDER_WATCH, State.SUSPENDED)


@dataclass
class SupplierData:
    """One supplier's records: ids by route argument name, and the markers of its data."""

    tag: str
    supplier: Supplier
    user: User
    ids: dict[str, list[int]] = field(default_factory=dict)

    @property
    def markers(self) -> tuple[str, ...]:
        return TAGS[self.tag]

    def add(self, arg: str, value: int) -> None:
        self.ids.setdefault(arg, []).append(value)


@dataclass
class PopulatedWorld:
    world: factories.World
    suppliers: list[SupplierData]
    #: ids of staff-only objects spanning every supplier (metric import, elimination run)
    shared_ids: dict[str, list[int]]

    def others(self, data: SupplierData) -> list[SupplierData]:
        return [d for d in self.suppliers if d is not data]


def _supplier(tag: str) -> tuple[Supplier, User]:
    latin, chinese = TAGS[tag]
    supplier = registry.create_supplier(None, {"name": f"{chinese}{latin} 制造", "status": "active",
                                               "name_en": f"{latin} Manufacturing"})
    user = accounts.create_user(None, f"{tag}@supplier.example", "supplier", factories.PASSWORD,
                                supplier.name)
    return supplier, user


def _products(world: factories.World, data: SupplierData) -> dict[State, int]:
    latin, chinese = data.markers
    by_state = {}
    for n, state in enumerate(State, start=1):
        product = factories.make_product(
            world, state, name_en=f"{latin} kettle {state.value}",
            name_zh=f"{chinese}电水壶 {n}", sku_code=f"{latin.upper()}-{n:02d}",
            description=f"{latin} description of a kettle")
        by_state[state] = product.id
        data.add("product_id", product.id)
    return by_state


def _design(world: factories.World, data: SupplierData, product_id: int, draft_id: int) -> None:
    latin, _ = data.markers
    design.open_round(world.manager, product_id)
    visible, hidden = design.raise_feedback(world.manager, product_id, [
        {"area": "function", "severity": "major", "text": f"{latin}: the lid leaks"},
        {"area": "cost", "severity": "minor", "text": f"{latin} {INTERNAL}", "internal": True}])
    design.respond(data.user, visible.id, f"{latin} answer: a new seal")
    data.add("item_id", visible.id)
    data.add("item_id", hidden.id)
    upload = attachments.store_attachment(data.user, draft_id, io.BytesIO(factories.PNG),
                                          f"{latin.lower()}-drawing.png")
    data.add("attachment_id", upload.id)


def _quality(world: factories.World, data: SupplierData, product_id: int) -> None:
    latin, _ = data.markers
    inspection = factories.open_inspection(world, product_id, "routine")
    qc.add_defect(world.qc, inspection.id, {"defect_class": "critical", "count": 1,
                                            "description": f"{latin} cracked handle"})
    inspection = factories.complete(world, inspection)
    request = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.inspection_id == inspection.id)).one()
    qc.answer_capa(data.user, request.id, {"containment": f"{latin} stock quarantined"})
    data.add("inspection_id", inspection.id)
    data.add("purchase_id", inspection.purchase_id)
    data.add("defect_id", inspection.defects[0].id)
    data.add("capa_id", request.id)


def _jobs(data: SupplierData, listed_id: int) -> None:
    report = jobs.enqueue(data.user, "report", {
        "kind": "product", "params": {"product_id": listed_id}, "language": "en"})
    export = jobs.enqueue(data.user, "export", {"dataset": "products", "format": "csv"})
    for job in (report, export):
        assert job.status == "succeeded", (job.kind, job.error)
        data.add("job_id", job.id)


def _figures(products: dict[str, dict[State, int]]) -> list[dict]:
    rows = []
    for by_state in products.values():
        for state in METRIC_STATES:
            rows.append({"product_id": by_state[state], "period": "2026-10", "units_sold": 100,
                         "orders": 90, "reviews": 40, "avg_rating": 2.5,
                         "positive_reviews": 10, "returns": 5, "complaints": 1})
    return rows


def build_populated_world() -> PopulatedWorld:
    """Build it through the services (audit events, notifications and jobs are real)."""
    world = factories.build_world()
    suppliers, products = [], {}
    for tag in TAGS:
        supplier, user = _supplier(tag)
        data = SupplierData(tag, supplier, user, {"supplier_id": [supplier.id]})
        own = dataclasses.replace(world, supplier_a=supplier, supplier_user=user)
        products[tag] = _products(own, data)
        _design(world, data, products[tag][State.IN_DESIGN], products[tag][State.DRAFT])
        _quality(world, data, products[tag][State.LISTED])
        _jobs(data, products[tag][State.LISTED])
        suppliers.append(data)
    imported = metrics.import_rows(world.manager, _figures(products))
    elimination.set_category_rules(world.manager, world.category.id, {"min_positive_rate": 90})
    run = elimination.run_sweep(world.manager, "manual", as_of="2026-11-05")
    for candidate in elimination.list_candidates(world.manager, run_id=run.id):
        owner = next(d for d in suppliers if candidate.product_id in d.ids["product_id"])
        owner.add("candidate_id", candidate.id)
    standing.recompute_all(world.manager)
    for data in suppliers:
        assert set(data.ids) >= {"product_id", "item_id", "attachment_id", "purchase_id",
                                 "inspection_id", "defect_id", "capa_id", "job_id",
                                 "supplier_id", "candidate_id"}, data.ids.keys()
    return PopulatedWorld(world, suppliers, {"import_id": [imported.id], "run_id": [run.id]})
