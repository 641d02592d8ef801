"""The QC side of the CLI: plan look-up, and listing with its retail price and launch date."""

from __future__ import annotations

from datetime import date, timedelta

from app.extensions import db
from app.models import Product
from tests import factories


def test_sampling_plan_prints_the_plan_with_its_arrow_and_whole_lot(runner):
    ok = runner.invoke(args=["sampling", "plan", "--lot-size", "1000", "--aql", "2.5"])
    assert ok.exit_code == 0, ok.output
    assert "code letter J, sample 80, Ac 5, Re 6" in ok.output
    arrow = runner.invoke(args=["sampling", "plan", "--lot-size", "1000", "--aql", "0.010"])
    assert "J -> Q (arrow), sample 1000 (whole lot), Ac 0, Re 1" in arrow.output
    tightened = runner.invoke(args=["sampling", "plan", "--lot-size", "1000", "--aql", "2.5",
                                    "--severity", "tightened"])
    assert "sample 80, Ac 3, Re 4" in tightened.output


def test_sampling_plan_refuses_bad_arguments_naming_them(runner):
    for args, named in ((["--lot-size", "1", "--aql", "2.5"], "lot_size"),
                        (["--lot-size", "100", "--aql", "2.4"], "aql"),
                        (["--lot-size", "100", "--aql", "2.5", "--level", "IV"], "level")):
        result = runner.invoke(args=["sampling", "plan", *args])
        assert result.exit_code == 1 and named in result.output, result.output


def test_products_transition_list_records_retail_price_and_launch_date(runner, world):
    product = factories.make_product(world, "sampling")
    factories.pass_inspection(world, product.id, "pre_listing")
    launch = date.today() + timedelta(days=7)
    result = runner.invoke(args=["products", "transition", str(product.id), "list", "--as",
                                 world.manager.email, "--retail-price", "219.50",
                                 "--launch-date", launch.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    listed = db.session.get(Product, product.id)
    assert (listed.state, listed.retail_price_cents, listed.launched_on) == (
        "listed", 21950, launch)


def test_products_transition_list_is_refused_without_a_passed_inspection(runner, world):
    product = factories.make_product(world, "sampling")
    result = runner.invoke(args=["products", "transition", str(product.id), "list", "--as",
                                 world.manager.email])
    assert result.exit_code == 1
    assert "no pre-listing inspection has passed" in result.output
