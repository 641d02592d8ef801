"""QC evidence (receipts, defect photos, corrective-action evidence) can never be deleted."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Attachment
from app.services import attachments, qc
from app.services.errors import Forbidden
from tests import factories


def test_receipts_and_defect_photos_cannot_be_removed_by_anyone(world, upload_dir):
    product = factories.make_product(world, "sampling")
    purchase = qc.create_purchase(world.qc, product.id, factories.purchase_data("pre_listing"),
                                  receipt=(factories.PDF, "receipt.pdf"))
    inspection = qc.open_inspection(world.qc, purchase.id, {"lot_size": 50})
    qc.add_defect(world.qc, inspection.id, {"defect_class": "minor", "count": 1,
                                            "description": "scuffed lid"},
                  photos=[(factories.PNG, "lid.png")])
    evidence = db.session.query(Attachment).filter(
        Attachment.purpose.in_(["receipt", "defect_photo"])).all()
    assert sorted(a.purpose for a in evidence) == ["defect_photo", "receipt"]
    for attachment in evidence:
        for actor in (world.admin, world.manager):
            with pytest.raises(Forbidden, match="never removed"):
                attachments.delete_attachment(actor, attachment.id)
    assert db.session.query(Attachment).count() == 2
    assert all(attachments.stored_path(a).is_file() for a in evidence)
