"""``flask seed-scale`` on a small size: consistent, audited, deterministic data."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (
    AuditEvent,
    Category,
    CorrectiveAction,
    CustomerMetric,
    DesignRound,
    EliminationRun,
    Inspection,
    Product,
    Review,
    SamplePurchase,
    Supplier,
    User,
)
from workflows.lifecycle import OCCUPIES_SKU_SLOT, State

SMALL = ["seed-scale", "--products", "300", "--suppliers", "12", "--categories", "6",
         "--inspections", "60", "--metric-periods", "6"]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_scale_builds_consistent_audited_data(runner):
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "products" in result.output and "s)" in result.output  # rows and time per table
    if db.engine.dialect.name == "postgresql":  # vacuumed: index-only scans need no heap visits
        assert "VACUUM ANALYZE (" in result.output
        vacuumed = db.session.execute(text(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL "
            "AND relname IN ('products', 'audit_events', 'customer_metrics')")).scalars()
        assert sorted(vacuumed) == ["audit_events", "customer_metrics", "products"]
    else:
        assert "  ANALYZE (" in result.output

    assert _count(Product) == 300
    assert _count(Supplier) == 12
    assert _count(Category) == 6
    assert _count(SamplePurchase) == _count(Inspection) == 60
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(User.role == "supplier")) == 12
    # Every product's supplier and category exist, and every state is a lifecycle state.
    joined = db.session.scalar(select(func.count()).select_from(Product)
                               .join(Supplier, Supplier.id == Product.supplier_id)
                               .join(Category, Category.id == Product.category_id))
    assert joined == 300
    states = Counter(db.session.scalars(select(Product.state)))
    assert set(states) <= {s.value for s in State}
    assert states["listed"] > 60 and len(states) >= 8  # spread over the lifecycle, many listed
    # SKU caps hold; listed products carry their launch.
    for category in db.session.scalars(select(Category)):
        used = db.session.scalar(select(func.count()).select_from(Product).where(
            Product.category_id == category.id,
            Product.state.in_([s.value for s in OCCUPIES_SKU_SLOT])))
        assert category.sku_cap is None or used <= category.sku_cap, category.name
    assert db.session.scalar(select(func.count()).select_from(Product).where(
        Product.state == "listed", Product.launched_on.is_(None))) == 0
    # The rest of a real catalogue.
    assert _count(Review) > 0 and _count(DesignRound) > 0
    assert _count(CustomerMetric) > 0 and _count(CorrectiveAction) > 0
    assert db.session.scalar(select(func.count()).select_from(CustomerMetric)
                             .join(Product, Product.id == CustomerMetric.product_id)
                             .where(Product.launched_on.is_(None))) == 0
    run = db.session.scalar(select(EliminationRun))
    assert run.status == "completed" and run.products_evaluated > 0
    # About ten events per product, and the chain and the records agree.
    product_events = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                       .where(AuditEvent.subject_type == "product"))
    assert 8 * 300 <= product_events <= 14 * 300
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "audit chain OK" in verified.output


def test_seed_scale_refuses_a_database_with_data(runner, world):
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 1
    assert "already has data" in result.output
    assert _count(Product) == 0


def _fingerprint() -> tuple:
    head = db.session.execute(select(AuditEvent.id, AuditEvent.hash)
                              .order_by(AuditEvent.id.desc()).limit(1)).one()
    products = db.session.execute(select(Product.id, Product.supplier_id, Product.state,
                                         Product.sku_code).order_by(Product.id)).all()
    return tuple(head), tuple(map(tuple, products))


def test_seed_scale_is_deterministic_and_resets(runner):
    args = ["seed-scale", "--products", "120", *SMALL[3:], "--no-sweep", "--seed", "3"]
    assert runner.invoke(args=args).exit_code == 0
    first = _fingerprint()
    db.session.remove()
    again = runner.invoke(args=[*args, "--reset"])
    assert again.exit_code == 0, again.output
    assert _fingerprint() == first
    db.session.remove()
    other = runner.invoke(args=[*args[:-1], "4", "--reset"])
    assert other.exit_code == 0, other.output
    assert _fingerprint() != first
