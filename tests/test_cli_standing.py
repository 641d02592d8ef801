"""The ``flask standing`` commands: recompute (printing the changes) and show."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Supplier
from tests import factories


def test_recompute_prints_changes_then_nothing_new(runner, world):
    result = runner.invoke(args=["standing", "recompute", "--as", world.manager.email])
    assert result.exit_code == 0, result.output
    assert f"supplier {world.supplier_a.id} 深圳测试电器: none -> approved" in result.output
    assert "not enough data yet" in result.output
    assert "2 suppliers (0 preferred, 2 approved, 0 probation, 0 eliminated); 2 changed" \
        in result.output
    db.session.expire_all()
    assert db.session.get(Supplier, world.supplier_b.id).standing == "approved"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "supplier", AuditEvent.action == "standing_changed")).first()
    assert event.actor_label == world.manager.email

    again = runner.invoke(args=["standing", "recompute"])  # as the system
    assert again.exit_code == 0 and "; 0 changed" in again.output


def test_recompute_refuses_unknown_users_and_other_roles(runner, world):
    unknown = runner.invoke(args=["standing", "recompute", "--as", "nobody@example.com"])
    assert unknown.exit_code == 1 and "--as: no user nobody@example.com" in unknown.output
    refused = runner.invoke(args=["standing", "recompute", "--as", world.qc.email])
    assert refused.exit_code == 1 and "may not recompute" in refused.output
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "standing_changed")) == 0


def test_show_prints_standing_reasons_and_figures(runner, world):
    factories.make_product(world, "listed")
    fresh = runner.invoke(args=["standing", "show", str(world.supplier_a.id)])
    assert fresh.exit_code == 0 and "standing not computed yet" in fresh.output
    runner.invoke(args=["standing", "recompute"])
    shown = runner.invoke(args=["standing", "show", str(world.supplier_a.id)])
    assert shown.exit_code == 0, shown.output
    assert "status active, standing approved (since " in shown.output
    assert "[insufficient_data] not enough data yet (1 inspection, 3 needed" in shown.output
    assert "listed_products: 1" in shown.output and "pass_rate: 100.0" in shown.output
    as_json = json.loads(runner.invoke(
        args=["standing", "show", str(world.supplier_a.id), "--json"]).output)
    assert as_json["figures"]["inspections_passed"] == 1
    missing = runner.invoke(args=["standing", "show", "999999"])
    assert missing.exit_code == 1 and "supplier 999999 not found" in missing.output
