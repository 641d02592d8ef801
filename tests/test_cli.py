"""The CLI contract: suppliers, categories, users, products, audit, seed-demo."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Category, Product, Supplier, User
from tests import factories
from tests.conftest import make_app
from workflows.lifecycle import State


def test_suppliers_create(runner):
    result = runner.invoke(args=["suppliers", "create", "杭州竹语生活", "--name-en", "Bamboo"])
    assert result.exit_code == 0, result.output
    supplier = db.session.scalars(select(Supplier)).one()
    assert (supplier.name, supplier.name_en, supplier.status) == ("杭州竹语生活", "Bamboo",
                                                                  "prospective")
    again = runner.invoke(args=["suppliers", "create", "杭州竹语生活"])
    assert again.exit_code == 1 and "exists" in again.output


def test_categories_create_with_sku_cap(runner):
    result = runner.invoke(args=["categories", "create", "Kettles", "--sku-cap", "3"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Category)).one().sku_cap == 3
    child = runner.invoke(args=["categories", "create", "Travel kettles", "--parent", "Kettles"])
    assert child.exit_code == 0
    bad = runner.invoke(args=["categories", "create", "Zero", "--sku-cap", "0"])
    assert bad.exit_code == 1 and "sku_cap" in bad.output
    orphan = runner.invoke(args=["categories", "create", "Orphan", "--parent", "Nope"])
    assert orphan.exit_code == 1 and "parent" in orphan.output


def test_users_create(runner):
    runner.invoke(args=["suppliers", "create", "Acme"])
    ok = runner.invoke(args=["users", "create", "S@Acme.example", "--role", "supplier",
                             "--supplier", "Acme", "--password", "long enough pw"])
    assert ok.exit_code == 0, ok.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.role, user.supplier.name) == ("s@acme.example", "supplier", "Acme")
    assert user.password_hash.startswith("$argon2id$")
    generated = runner.invoke(args=["users", "create", "qc@x.example", "--role", "qc_inspector"])
    assert generated.exit_code == 0 and "password: " in generated.output
    for args, message in (
        (["users", "create", "a@x.example", "--role", "supplier"], "supplier"),
        (["users", "create", "b@x.example", "--role", "admin", "--supplier", "Acme"], "supplier"),
        (["users", "create", "c@x.example", "--role", "designer", "--password", "short"],
         "password"),
        (["users", "create", "s@acme.example", "--role", "designer", "--password", "x" * 12],
         "already registered"),
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    bad_role = runner.invoke(args=["users", "create", "d@x.example", "--role", "boss"])
    assert bad_role.exit_code == 2


def test_products_transition(runner, world):
    product = factories.make_product(world, "proposed")
    ok = runner.invoke(args=["products", "transition", str(product.id), "start_review",
                             "--as", world.manager.email])
    assert ok.exit_code == 0 and "in_review" in ok.output
    refused = runner.invoke(args=["products", "transition", str(product.id), "accept",
                                  "--as", world.qc.email])
    assert refused.exit_code == 1 and "may not accept" in refused.output


def test_audit_verify_ok(runner, world):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit chain OK" in result.output


def _demo_snapshot(database_url):
    app = make_app(database_url)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        rows = db.session.execute(
            select(Product.name_zh, Product.name_en, Product.sku_code, Product.state,
                   Product.version).order_by(Product.id)).all()
        suppliers = db.session.scalars(select(Supplier.name).order_by(Supplier.id)).all()
        users = db.session.scalars(select(User.email).order_by(User.id)).all()
        verify = app.test_cli_runner().invoke(args=["audit", "verify"])
        again = app.test_cli_runner().invoke(args=["seed-demo"])
        count = db.session.scalar(select(func.count(Product.id)))
        db.session.remove()
        db.engine.dispose()
    return rows, suppliers, users, verify, again, count, result.output


def test_seed_demo_is_deterministic_bilingual_and_covers_every_state(database_url, tmp_path):
    from tests.conftest import PG_URL, _truncate_all

    first = _demo_snapshot(database_url)
    if PG_URL:
        _truncate_all(PG_URL)
        second = _demo_snapshot(database_url)
    else:
        second = _demo_snapshot(f"sqlite:///{tmp_path / 'second.db'}")
    rows, suppliers, users, verify, again, count, output = first
    assert rows == second[0] and suppliers == second[1] and users == second[2]
    assert 55 <= len(rows) <= 65
    assert {r.state for r in rows} == {s.value for s in State}
    assert any(r.name_zh for r in rows) and any(r.name_en and not r.name_zh for r in rows)
    assert 8 <= len(suppliers) <= 12
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in suppliers)
    assert any(name.isascii() for name in suppliers)
    roles = {"admin@sieve.demo", "manager@sieve.demo", "designer@sieve.demo", "qc@sieve.demo",
             "supplier1@sieve.demo"}
    assert roles <= set(users)
    assert verify.exit_code == 0
    assert "skipped" in again.output and count == len(rows)
    assert "admin@sieve.demo" in output and "http://127.0.0.1:5000/" in output


def test_commands_on_an_unmigrated_database_say_what_to_do(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    with app.app_context():
        for args in (["suppliers", "create", "Acme"], ["audit", "verify"]):
            result = app.test_cli_runner().invoke(args=args)
            assert result.exit_code == 1
            assert "no schema yet; run: flask --app app db upgrade" in result.output
            assert "Traceback" not in result.output
