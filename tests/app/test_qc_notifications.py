"""Corrective-action notifications read as sentences in the reader's language."""

from __future__ import annotations

from tests import factories


def test_supplier_reads_the_opened_corrective_action_in_english_and_chinese(client, auth, world):
    product = factories.make_product(world, "listed")
    inspection = factories.inspect(world, product.id, "routine", {"major": 5})
    assert inspection.verdict == "rejected"
    auth.login(world.supplier_user.email)
    english = client.get("/notifications").get_data(as_text=True)
    assert "Corrective action #" in english and "answer by" in english
    client.post("/language", data={"locale": "zh_CN", "next": "/notifications"})
    chinese = client.get("/notifications").get_data(as_text=True)
    assert "已开立纠正措施 #" in chinese and "请于" in chinese
