"""The QC API: sampling plan look-up, sample purchases, inspections and defects, a product's QC
status. Corrective actions, isolation and listing details: tests/api/test_qc_capa_api.py."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Inspection, InspectionDefect, SamplePurchase
from tests import factories
from tests.services.test_attachments import PDF, PNG, files_in

TODAY = date.today().isoformat()


def purchase_body(**overrides) -> dict:
    return {"kind": "pre_listing", "channel": "other_marketplace", "store_name": "Tmall flagship",
            "order_number": "TM-20240001", "purchased_on": TODAY, "quantity": 13,
            "unit_price": "19.90", **overrides}


def log_purchase(client, headers, product_id, **overrides):
    return client.post(f"/api/v1/products/{product_id}/purchases", headers=headers,
                       json=purchase_body(**overrides))


def counts() -> tuple[int, int, int, int]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (SamplePurchase, Inspection, InspectionDefect, Attachment))


# --- sampling plans -----------------------------------------------------------------------------

# Expected values read off workflows/sampling.py: Table 1 (lot 501-1200, level II -> J;
# lot 26-50, S-2 -> B) and the rows of Tables 2-A/2-B/2-C.
@pytest.mark.parametrize("query,expected", [
    # 2-A row J (n=80), AQL 2.5: Ac 5.
    ("lot_size=1000&aql=2.5", ("J", "J", 80, 5, 6, False, "normal", "II")),
    # 2-A row J, AQL 0.010: down arrow to Q (n=1250) >= lot: the whole lot, Ac 0.
    ("lot_size=1000&aql=0.010&level=II&severity=normal", ("J", "Q", 1000, 0, 1, True, "normal",
                                                          "II")),
    # 2-A row J, AQL 0.25: up arrow to H (n=50), Ac 0.
    ("lot_size=1000&aql=0.25", ("J", "H", 50, 0, 1, False, "normal", "II")),
    # 2-B row J (n=80), AQL 2.5: Ac 3.
    ("lot_size=1000&aql=2.5&severity=tightened", ("J", "J", 80, 3, 4, False, "tightened", "II")),
    # 2-C row J (n=32), AQL 2.5: Ac 3.
    ("lot_size=1000&aql=2.5&severity=reduced", ("J", "J", 32, 3, 4, False, "reduced", "II")),
    # 2-C row J, AQL 0.25: up arrow to H (n=20), Ac 0.
    ("lot_size=1000&aql=0.25&severity=reduced", ("J", "H", 20, 0, 1, False, "reduced", "II")),
    # Table 1 lot 26-50, S-2: B; 2-A row B (n=3), AQL 4.0: Ac 0.
    ("lot_size=50&aql=4.0&level=S-2", ("B", "B", 3, 0, 1, False, "normal", "S-2")),
    # 2-B row A at AQL 10: down arrow to D (n=8) > lot of 2: whole lot, Ac 1.
    ("lot_size=2&aql=10&severity=tightened", ("A", "D", 2, 1, 2, True, "tightened", "II")),
])
def test_sampling_plan_known_cells(client, world, token_for, query, expected):
    response = client.get(f"/api/v1/sampling/plan?{query}", headers=token_for(world.supplier_user))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["code_letter"], body["effective_letter"], body["sample_size"], body["accept"],
            body["reject"], body["inspect_whole_lot"], body["severity"],
            body["level"]) == expected
    assert body["lot_size"] == int(query.split("&")[0].split("=")[1])
    assert set(body) >= {"code_letter", "effective_letter", "sample_size", "accept", "reject",
                         "level", "severity", "aql", "lot_size", "inspect_whole_lot"}


@pytest.mark.parametrize("query,field", [
    ("aql=2.5", "lot_size"),
    ("lot_size=1&aql=2.5", "lot_size"),
    ("lot_size=-5&aql=2.5", "lot_size"),
    ("lot_size=12.5&aql=2.5", "lot_size"),
    ("lot_size=--5&aql=2.5", "lot_size"),
    ("lot_size=%C2%B2&aql=2.5", "lot_size"),
    ("lot_size=" + "9" * 5000 + "&aql=2.5", "lot_size"),
    ("lot_size=100", "aql"),
    ("lot_size=100&aql=3", "aql"),
    ("lot_size=100&aql=nan", "aql"),
    ("lot_size=100&aql=2.5&level=IV", "level"),
    ("lot_size=100&aql=2.5&severity=strict", "severity"),
])
def test_sampling_plan_bad_arguments_name_the_argument(client, world, token_for, query, field):
    response = client.get(f"/api/v1/sampling/plan?{query}", headers=token_for(world.qc))
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert list(error["details"]) == [field]


def test_sampling_plan_needs_a_token(client):
    assert client.get("/api/v1/sampling/plan?lot_size=100&aql=2.5").status_code == 401


# --- sample purchases ---------------------------------------------------------------------------

def test_purchase_json_round_trip_and_list(client, world, token_for):
    product = factories.make_product(world, "sampling")
    qc_headers = token_for(world.qc)
    created = log_purchase(client, qc_headers, product.id, batch_code="LOT-7", notes="staff note")
    assert created.status_code == 201, created.json
    body = created.json
    assert body["product_id"] == product.id and body["kind"] == "pre_listing"
    assert (body["quantity"], body["unit_price"], body["total"]) == (13, "19.90", "258.70")
    assert body["purchased_on"] == TODAY and body["purchaser"] == world.qc.email
    assert body["reimbursement_status"] == "submitted" and body["inspection_id"] is None
    assert body["receipts"] == []
    assert body["budget_status"]["month"] == TODAY[:7]
    assert body["budget_status"]["spent"] == "258.70"

    one = client.get(f"/api/v1/purchases/{body['id']}", headers=token_for(world.manager))
    assert one.status_code == 200 and one.json == body

    listing = client.get(f"/api/v1/purchases?product_id={product.id}&reimbursement=submitted",
                         headers=qc_headers)
    assert listing.status_code == 200
    assert listing.json["total"] == 1 and listing.json["items"][0]["id"] == body["id"]
    assert "budget_status" not in listing.json["items"][0]
    other = client.get(f"/api/v1/purchases?category_id={world.other_category.id}",
                       headers=qc_headers)
    assert other.json["items"] == [] and other.json["total"] == 0
    paid = client.get("/api/v1/purchases?reimbursement=paid", headers=qc_headers)
    assert paid.json["total"] == 0
    bad = client.get("/api/v1/purchases?reimbursement=lost", headers=qc_headers)
    assert bad.status_code == 422 and list(bad.json["error"]["details"]) == ["reimbursement"]
    audit = client.get(f"/api/v1/products/{product.id}/audit", headers=qc_headers).json["items"]
    assert audit[-1]["action"] == "log_purchase"


def test_purchase_multipart_with_receipt(client, world, token_for, upload_dir):
    product = factories.make_product(world, "sampling")
    fields = {k: str(v) for k, v in purchase_body().items()}
    response = client.post(f"/api/v1/products/{product.id}/purchases",
                           headers=token_for(world.qc), content_type="multipart/form-data",
                           data={**fields, "receipt": (io.BytesIO(PDF), "receipt.pdf")})
    assert response.status_code == 201, response.json
    [receipt] = response.json["receipts"]
    assert receipt["name"] == "receipt.pdf" and receipt["content_type"] == "application/pdf"
    download = client.get(receipt["download_url"], headers=token_for(world.qc), buffered=True)
    assert download.status_code == 200 and download.data == PDF
    # Receipts are the platform's business: hidden from the product's own supplier.
    hidden = client.get(receipt["download_url"], headers=token_for(world.supplier_user))
    assert hidden.status_code == 404


def test_purchase_multipart_refused_receipt_stores_nothing(client, world, token_for, upload_dir):
    product = factories.make_product(world, "sampling")
    before = counts()
    fields = {k: str(v) for k, v in purchase_body().items()}
    response = client.post(f"/api/v1/products/{product.id}/purchases",
                           headers=token_for(world.qc), content_type="multipart/form-data",
                           data={**fields, "receipt": (io.BytesIO(b"MZ" + bytes(80)), "r.pdf")})
    assert response.status_code == 422
    assert counts() == before and files_in(upload_dir) == []


@pytest.mark.parametrize("overrides,field", [
    ({"quantity": -3}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"unit_price": "-1.00"}, "unit_price"),
    ({"purchased_on": (date.today() + timedelta(days=1)).isoformat()}, "purchased_on"),
    ({"purchased_on": "yesterday"}, "purchased_on"),
    ({"kind": "whim"}, "kind"),
    ({"channel": "street"}, "channel"),
    ({"store_name": ""}, "store_name"),
    ({"surprise": 1}, "fields"),
])
def test_purchase_bad_input_names_the_field_and_stores_nothing(client, world, token_for,
                                                               overrides, field):
    product = factories.make_product(world, "sampling")
    before = counts()
    response = log_purchase(client, token_for(world.qc), product.id, **overrides)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]
    assert counts() == before


def test_duplicate_order_number_is_refused(client, world, token_for):
    product = factories.make_product(world, "sampling")
    headers = token_for(world.qc)
    assert log_purchase(client, headers, product.id).status_code == 201
    before = counts()
    again = log_purchase(client, headers, product.id, order_number=" tm-20240001 ")
    assert again.status_code == 422
    assert list(again.json["error"]["details"]) == ["order_number"]
    assert counts() == before


def test_purchase_kind_must_fit_the_state(client, world, token_for):
    product = factories.make_product(world, "sampling")
    response = log_purchase(client, token_for(world.qc), product.id, kind="routine")
    assert response.status_code == 409 and "kind" in response.json["error"]["details"]


def test_purchase_roles(client, world, token_for):
    own = factories.make_product(world, "sampling")
    for user in (world.designer, world.manager):
        assert log_purchase(client, token_for(user), own.id).status_code == 403
    # The product's own supplier may not log one (403); purchases are never its business.
    supplier = token_for(world.supplier_user)
    assert log_purchase(client, supplier, own.id).status_code == 403
    assert client.get("/api/v1/purchases", headers=supplier).status_code == 403
    purchase_id = log_purchase(client, token_for(world.qc), own.id).json["id"]
    for method, url in (("GET", f"/api/v1/purchases/{purchase_id}"),
                        ("POST", f"/api/v1/purchases/{purchase_id}/reimbursement"),
                        ("POST", f"/api/v1/purchases/{purchase_id}/inspection")):
        response = client.open(url, method=method, headers=supplier, json={"status": "approved"})
        assert response.status_code == 404, (method, url)
    assert client.get("/api/v1/purchases/999999", headers=token_for(world.qc)).status_code == 404


def test_reimbursement_moves_forward_by_someone_else(client, world, token_for):
    product = factories.make_product(world, "sampling")
    purchase_id = log_purchase(client, token_for(world.qc), product.id).json["id"]
    url = f"/api/v1/purchases/{purchase_id}/reimbursement"
    manager = token_for(world.manager)
    assert client.post(url, headers=token_for(world.qc),
                       json={"status": "approved"}).status_code == 403
    skipped = client.post(url, headers=manager, json={"status": "paid"})
    assert skipped.status_code == 409
    unknown = client.post(url, headers=manager, json={"status": "lost"})
    assert unknown.status_code == 422 and "status" in unknown.json["error"]["details"]
    approved = client.post(url, headers=manager, json={"status": "approved"})
    assert approved.status_code == 200 and approved.json["reimbursement_status"] == "approved"
    paid = client.post(url, headers=manager, json={"status": "paid"})
    assert paid.status_code == 200 and paid.json["reimbursement_status"] == "paid"
    assert paid.json["reimbursement_changed_at"]
    # Nobody approves their own purchase.
    own = log_purchase(client, token_for(world.admin), product.id, order_number="A-1").json
    refused = client.post(f"/api/v1/purchases/{own['id']}/reimbursement",
                          headers=token_for(world.admin), json={"status": "approved"})
    assert refused.status_code == 403


# --- inspections --------------------------------------------------------------------------------

def test_pre_listing_inspection_flow(client, world, token_for, upload_dir):
    product = factories.make_product(world, "sampling")
    qc_headers = token_for(world.qc)
    purchase = log_purchase(client, qc_headers, product.id).json
    opened = client.post(f"/api/v1/purchases/{purchase['id']}/inspection", headers=qc_headers,
                         json={"lot_size": 50})
    assert opened.status_code == 201, opened.json
    inspection = opened.json
    assert inspection["status"] == "open" and inspection["severity"] == "normal"
    assert inspection["severity_reason"].startswith("pre-listing")
    # Lot 50, level II: D. Critical AQL 0: n=8, 0/1; major 2.5: up arrow to C, n=5, 0/1;
    # minor 4.0: down arrow to E, n=13, 1/2. The inspector draws 13.
    plans = {p["defect_class"]: (p["sample_size"], p["accept"], p["reject"])
             for p in inspection["plans"]}
    assert plans == {"critical": (8, 0, 1), "major": (5, 0, 1), "minor": (13, 1, 2)}
    assert inspection["sample_size"] == 13 and inspection["defects"] == []
    assert [c["item"] for c in inspection["checklist"]][:1] == ["appearance"]
    iid = inspection["id"]
    assert client.get(f"/api/v1/purchases/{purchase['id']}",
                      headers=qc_headers).json["inspection_id"] == iid
    again = client.post(f"/api/v1/purchases/{purchase['id']}/inspection", headers=qc_headers,
                        json={"lot_size": 50})
    assert again.status_code == 409

    minor = client.post(f"/api/v1/inspections/{iid}/defects", headers=qc_headers,
                        json={"defect_class": "minor", "count": 1, "description": "scuff",
                              "checklist_item": "appearance"})
    assert minor.status_code == 201, minor.json
    assert minor.json["photos"] == [] and minor.json["checklist_item"] == "appearance"
    critical = client.post(f"/api/v1/inspections/{iid}/defects", headers=qc_headers,
                           content_type="multipart/form-data",
                           data={"defect_class": "critical", "count": "1",
                                 "description": "live part touchable",
                                 "photos": [(io.BytesIO(PNG), "a.png"),
                                            (io.BytesIO(PNG), "b.png")]})
    assert critical.status_code == 201, critical.json
    assert [p["name"] for p in critical.json["photos"]] == ["a.png", "b.png"]
    mistake = client.post(f"/api/v1/inspections/{iid}/defects", headers=qc_headers,
                          json={"defect_class": "major", "count": 2, "description": "oops"})
    assert mistake.status_code == 201
    removed = client.delete(f"/api/v1/defects/{mistake.json['id']}", headers=qc_headers)
    assert removed.status_code == 200
    assert [d["description"] for d in removed.json["defects"]] == ["scuff",
                                                                   "live part touchable"]

    detail = client.get(f"/api/v1/inspections/{iid}", headers=qc_headers).json
    photo = detail["defects"][1]["photos"][0]
    download = client.get(photo["download_url"], headers=qc_headers, buffered=True)
    assert download.status_code == 200 and download.data == PNG

    done = client.post(f"/api/v1/inspections/{iid}/complete", headers=qc_headers, json={
        "checklist": {c["item"]: "pass" for c in inspection["checklist"]},
        "summary": "critical safety defect", "internal_notes": "supplier was warned before"})
    assert done.status_code == 200, done.json
    result = done.json
    assert result["status"] == "completed" and result["verdict"] == "rejected"
    assert result["found"] == {"critical": 1, "major": 0, "minor": 1}
    assert result["consequence"] == "fail_sampling"
    assert result["arithmetic"][-1] == "lot rejected by critical"
    assert result["internal_notes"] == "supplier was warned before"
    assert client.get(f"/api/v1/products/{product.id}",
                      headers=qc_headers).json["state"] == "in_design"
    capas = client.get(f"/api/v1/corrective-actions?product_id={product.id}",
                       headers=qc_headers).json["items"]
    assert [c["inspection_id"] for c in capas] == [iid]

    assert client.post(f"/api/v1/inspections/{iid}/complete", headers=qc_headers,
                       json={}).status_code == 409
    late = client.post(f"/api/v1/inspections/{iid}/defects", headers=qc_headers,
                       json={"defect_class": "minor", "count": 1, "description": "late"})
    assert late.status_code == 409

    listing = client.get(f"/api/v1/inspections?product_id={product.id}&verdict=rejected",
                         headers=qc_headers)
    assert [i["id"] for i in listing.json["items"]] == [iid] and listing.json["total"] == 1
    assert client.get("/api/v1/inspections?status=open",
                      headers=qc_headers).json["items"] == []
    bad = client.get("/api/v1/inspections?verdict=maybe", headers=qc_headers)
    assert bad.status_code == 422 and list(bad.json["error"]["details"]) == ["verdict"]
    actions = [e["action"] for e in client.get(f"/api/v1/products/{product.id}/audit",
                                               headers=qc_headers).json["items"]]
    for action in ("log_purchase", "open_inspection", "log_defect", "remove_defect",
                   "complete_inspection", "open_corrective_action", "fail_sampling"):
        assert action in actions


def test_inspection_with_explicit_level_and_aqls(client, world, token_for):
    product = factories.make_product(world, "sampling")
    headers = token_for(world.qc)
    purchase = log_purchase(client, headers, product.id, quantity=80).json
    opened = client.post(f"/api/v1/purchases/{purchase['id']}/inspection", headers=headers,
                         json={"lot_size": 1000, "level": "S-4",
                               "aql": {"major": 1.0, "minor": "6.5"}})
    assert opened.status_code == 201, opened.json
    # Table 1, lot 501-1200, S-4: F. 2-A row F (n=20): AQL 1.0 is an up arrow to E (n=13),
    # 0/1; AQL 6.5: 3/4; AQL 0 (critical): F's n=20, 0/1. The inspector draws 20.
    assert opened.json["level"] == "S-4" and opened.json["sample_size"] == 20
    assert opened.json["aqls"] == {"critical": 0.0, "major": 1.0, "minor": 6.5}
    assert {p["defect_class"]: (p["code_letter"], p["effective_letter"], p["sample_size"],
                                p["accept"], p["reject"])
            for p in opened.json["plans"]} == {"critical": ("F", "F", 20, 0, 1),
                                               "major": ("F", "E", 13, 0, 1),
                                               "minor": ("F", "F", 20, 3, 4)}


@pytest.mark.parametrize("body,field", [
    ({"lot_size": 1}, "lot_size"),
    ({"lot_size": -10}, "lot_size"),
    ({}, "lot_size"),
    ({"lot_size": 12}, "lot_size"),            # smaller than the 13 items bought
    ({"lot_size": 5000}, "lot_size"),          # the plan needs more than the 13 items bought
    ({"lot_size": 50, "level": "IV"}, "level"),
    ({"lot_size": 50, "aql": {"major": 3}}, "aql.major"),
    ({"lot_size": 50, "aql": {"fatal": 1}}, "aql"),
    ({"lot_size": 50, "colour": "red"}, "fields"),
])
def test_open_inspection_bad_input(client, world, token_for, body, field):
    product = factories.make_product(world, "sampling")
    headers = token_for(world.qc)
    purchase = log_purchase(client, headers, product.id).json
    before = counts()
    response = client.post(f"/api/v1/purchases/{purchase['id']}/inspection", headers=headers,
                           json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]
    assert counts() == before


def _open(client, headers, product_id, **purchase_overrides) -> dict:
    purchase = log_purchase(client, headers, product_id, **purchase_overrides).json
    response = client.post(f"/api/v1/purchases/{purchase['id']}/inspection", headers=headers,
                           json={"lot_size": 50})
    assert response.status_code == 201, response.json
    return response.json


@pytest.mark.parametrize("body,field", [
    ({"defect_class": "minor", "count": 14, "description": "x"}, "count"),
    ({"defect_class": "major", "count": 6, "description": "x"}, "count"),
    ({"defect_class": "minor", "count": 0, "description": "x"}, "count"),
    ({"defect_class": "minor", "count": -1, "description": "x"}, "count"),
    ({"defect_class": "fatal", "count": 1, "description": "x"}, "defect_class"),
    ({"defect_class": "minor", "count": 1, "description": ""}, "description"),
    ({"defect_class": "minor", "count": 1, "description": "x", "checklist_item": "smell"},
     "checklist_item"),
])
def test_defect_bad_input(client, world, token_for, body, field):
    product = factories.make_product(world, "sampling")
    headers = token_for(world.qc)
    inspection = _open(client, headers, product.id)
    before = counts()
    response = client.post(f"/api/v1/inspections/{inspection['id']}/defects", headers=headers,
                           json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]
    assert counts() == before


def test_defect_counts_together_stay_within_the_sample(client, world, token_for):
    product = factories.make_product(world, "sampling")
    headers = token_for(world.qc)
    iid = _open(client, headers, product.id)["id"]
    url = f"/api/v1/inspections/{iid}/defects"
    assert client.post(url, headers=headers, json={
        "defect_class": "minor", "count": 10, "description": "a"}).status_code == 201
    over = client.post(url, headers=headers, json={
        "defect_class": "minor", "count": 4, "description": "b"})
    assert over.status_code == 422 and "count" in over.json["error"]["details"]


def test_complete_bad_input(client, world, token_for):
    product = factories.make_product(world, "sampling")
    headers = token_for(world.qc)
    iid = _open(client, headers, product.id)["id"]
    url = f"/api/v1/inspections/{iid}/complete"
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = client.post(url, headers=headers, json={
        "checklist": {"appearance": "maybe"}, "production_steady": "yes",
        "capa_due_on": yesterday})
    assert response.status_code == 422
    details = response.json["error"]["details"]
    assert {"checklist.appearance", "production_steady", "capa_due_on"} <= set(details)
    assert client.get(f"/api/v1/inspections/{iid}", headers=headers).json["status"] == "open"


def test_inspection_roles(client, world, token_for):
    product = factories.make_product(world, "sampling")
    qc_headers = token_for(world.qc)
    purchase = log_purchase(client, qc_headers, product.id).json
    opened = client.post(f"/api/v1/purchases/{purchase['id']}/inspection",
                         headers=token_for(world.manager), json={"lot_size": 50})
    assert opened.status_code == 403
    iid = client.post(f"/api/v1/purchases/{purchase['id']}/inspection", headers=qc_headers,
                      json={"lot_size": 50}).json["id"]
    for user in (world.manager, world.designer):
        headers = token_for(user)
        assert client.post(f"/api/v1/inspections/{iid}/defects", headers=headers, json={
            "defect_class": "minor", "count": 1, "description": "x"}).status_code == 403
        assert client.post(f"/api/v1/inspections/{iid}/complete", headers=headers,
                           json={}).status_code == 403
        assert client.get(f"/api/v1/inspections/{iid}", headers=headers).status_code == 200
    defect = client.post(f"/api/v1/inspections/{iid}/defects", headers=qc_headers, json={
        "defect_class": "minor", "count": 1, "description": "x"}).json
    assert client.delete(f"/api/v1/defects/{defect['id']}",
                         headers=token_for(world.manager)).status_code == 403
    # The product's own supplier: an open inspection is not visible yet.
    supplier = token_for(world.supplier_user)
    assert client.get(f"/api/v1/inspections/{iid}", headers=supplier).status_code == 404
    assert client.delete(f"/api/v1/defects/{defect['id']}", headers=supplier).status_code == 404
    assert client.post(f"/api/v1/inspections/{iid}/complete", headers=supplier,
                       json={}).status_code == 404
    assert client.get("/api/v1/inspections", headers=supplier).json["items"] == []
    assert client.delete("/api/v1/defects/999999", headers=qc_headers).status_code == 404


def test_supplier_sees_its_completed_inspection_without_internal_details(client, world,
                                                                         token_for):
    product = factories.make_product(world, "sampling")
    inspection = factories.inspect(world, product.id, "pre_listing", defects={"major": 1},
                                   internal_notes="INTERNAL-QC-REMARK", summary="lid scratched")
    supplier = token_for(world.supplier_user)
    detail = client.get(f"/api/v1/inspections/{inspection.id}", headers=supplier)
    assert detail.status_code == 200
    body = detail.json
    assert body["verdict"] == "rejected" and body["summary"] == "lid scratched"
    assert body["purchased_on"] == TODAY and body["kind"] == "pre_listing"
    for key in ("internal_notes", "purchase", "purchase_id", "inspector", "inspector_id"):
        assert key not in body
    text = detail.get_data(as_text=True)
    assert "INTERNAL-QC-REMARK" not in text and "Sieve Mall" not in text
    assert "SO-" not in text and "10.00" not in text
    listing = client.get("/api/v1/inspections", headers=supplier)
    assert [i["id"] for i in listing.json["items"]] == [inspection.id]
    assert "INTERNAL-QC-REMARK" not in listing.get_data(as_text=True)
    # A supplier may read but never log defects, even on its own completed inspection.
    assert client.post(f"/api/v1/inspections/{inspection.id}/defects", headers=supplier,
                       json={"defect_class": "minor", "count": 1,
                             "description": "x"}).status_code == 403
    staff = client.get(f"/api/v1/inspections/{inspection.id}", headers=token_for(world.qc)).json
    assert staff["internal_notes"] == "INTERNAL-QC-REMARK"
    assert staff["purchase"]["store_name"] == "Sieve Mall"


# --- a product's QC status ----------------------------------------------------------------------

def test_product_qc_status_and_reduced_approval(client, world, token_for):
    product = factories.make_product(world, "listed")
    factories.inspect(world, product.id, "routine")
    url = f"/api/v1/products/{product.id}/qc"
    status = client.get(url, headers=token_for(world.qc))
    assert status.status_code == 200, status.json
    body = status.json
    assert body["severity"] == "normal" and body["severity_reason"]
    assert body["discontinued"] is False and body["reduced_inspection_approved"] is False
    assert body["switching"]["severity"] == "normal"
    assert body["inspections"]["completed"] == 2 and body["inspections"]["accepted"] == 2
    assert body["purchases"] == 2 and body["corrective_actions"]["overdue"] == 0

    approve = f"/api/v1/products/{product.id}/reduced-inspection"
    for user in (world.qc, world.designer, world.supplier_user):
        assert client.post(approve, headers=token_for(user),
                           json={"approved": True}).status_code == 403
    bad = client.post(approve, headers=token_for(world.manager), json={"approved": "yes"})
    assert bad.status_code == 422 and "approved" in bad.json["error"]["details"]
    done = client.post(approve, headers=token_for(world.manager), json={"approved": True})
    assert done.status_code == 200 and done.json["reduced_inspection_approved"] is True
    audit = client.get(f"/api/v1/products/{product.id}/audit",
                       headers=token_for(world.manager)).json["items"]
    assert audit[-1]["action"] == "approve_reduced_inspection"

    supplier = client.get(url, headers=token_for(world.supplier_user))
    assert supplier.status_code == 200 and "purchases" not in supplier.json
    assert supplier.json["severity"] == "normal"


def test_product_qc_status_after_rejections_shows_tightened(client, world, token_for):
    product = factories.make_product(world, "listed")
    factories.inspect(world, product.id, "routine", defects={"major": 1})
    factories.inspect(world, product.id, "follow_up", defects={"major": 1})
    body = client.get(f"/api/v1/products/{product.id}/qc", headers=token_for(world.qc)).json
    assert body["severity"] == "tightened"
    assert body["severity_reason"] == ("2 of the last 2 lots were not accepted under normal"
                                       " inspection")
    assert body["inspections"]["rejected"] == 2
    assert body["corrective_actions"]["open"] == 2
    # The next routine inspection is opened at that severity, and says why.
    qc_headers = token_for(world.qc)
    purchase = log_purchase(client, qc_headers, product.id, kind="routine", quantity=32).json
    opened = client.post(f"/api/v1/purchases/{purchase['id']}/inspection", headers=qc_headers,
                         json={"lot_size": 50}).json
    assert (opened["severity"], opened["severity_reason"]) == ("tightened",
                                                               body["severity_reason"])


# --- odd and hostile input: 4xx naming the problem, never a 500 -------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize("method,url", [
    ("GET", f"/api/v1/purchases/{HUGE}"), ("POST", f"/api/v1/purchases/{HUGE}/reimbursement"),
    ("POST", f"/api/v1/purchases/{HUGE}/inspection"), ("GET", f"/api/v1/inspections/{HUGE}"),
    ("POST", f"/api/v1/inspections/{HUGE}/defects"),
    ("POST", f"/api/v1/inspections/{HUGE}/complete"), ("DELETE", f"/api/v1/defects/{HUGE}"),
    ("GET", f"/api/v1/products/{HUGE}/qc"), ("POST", f"/api/v1/products/{HUGE}/purchases"),
    ("POST", f"/api/v1/products/{HUGE}/reduced-inspection"),
    ("GET", f"/api/v1/corrective-actions/{HUGE}"),
    ("POST", f"/api/v1/corrective-actions/{HUGE}/answer"),
    ("POST", f"/api/v1/corrective-actions/{HUGE}/review"),
])
def test_huge_ids_in_qc_paths_are_404(client, world, token_for, method, url):
    response = client.open(url, method=method, headers=token_for(world.admin), json={})
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize("url", ["/api/v1/purchases", "/api/v1/inspections",
                                 "/api/v1/corrective-actions"])
@pytest.mark.parametrize("query,field", [(f"product_id={HUGE}", "product_id"),
                                        (f"page={HUGE}", "page"), ("per_page=0", "per_page")])
def test_hostile_qc_filters(client, world, token_for, url, query, field):
    response = client.get(f"{url}?{query}", headers=token_for(world.qc))
    assert response.status_code == 422 and field in response.json["error"]["details"]


@pytest.mark.parametrize("overrides,field", [
    ({"quantity": 10 ** 20}, "quantity"), ({"quantity": True}, "quantity"),
    ({"quantity": 2.5}, "quantity"), ({"unit_price": "1e400"}, "unit_price"),
    ({"unit_price": [1]}, "unit_price"), ({"purchased_on": "0001-01-01"}, "purchased_on"),
    ({"purchased_on": ["2024-01-01"]}, "purchased_on"), ({"store_name": ["x"]}, "store_name"),
    ({"kind": ["pre_listing"]}, "kind"), ({"currency": 5}, "currency"),
    ({"order_number": "x" * 81}, "order_number"),
])
def test_hostile_purchase_bodies(client, world, token_for, overrides, field):
    product = factories.make_product(world, "sampling")
    response = log_purchase(client, token_for(world.qc), product.id, **overrides)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]


def test_hostile_bodies_on_qc_posts(client, world, token_for):
    product = factories.make_product(world, "sampling")
    headers = token_for(world.qc)
    purchase = log_purchase(client, headers, product.id).json
    url = f"/api/v1/purchases/{purchase['id']}/inspection"
    for body, field in (([1], "body"), ({"lot_size": True}, "lot_size"),
                        ({"lot_size": 10 ** 30}, "lot_size"), ({"lot_size": 50, "aql": [1]}, "aql"),
                        ({"lot_size": 50, "level": 5}, "level"),
                        ({"lot_size": 50, "aql": {"major": None}}, "aql.major"),
                        ({"lot_size": 50, "aql": {"major": True}}, "aql.major")):
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["error"]["details"], body
    iid = client.post(url, headers=headers, json={"lot_size": 50}).json["id"]
    for body, field in (({"defect_class": "minor", "count": 1.5, "description": "x"}, "count"),
                        ({"defect_class": ["minor"], "count": 1, "description": "x"},
                         "defect_class"),
                        ({"defect_class": "minor", "count": 1, "description": {"a": 1}},
                         "description")):
        response = client.post(f"/api/v1/inspections/{iid}/defects", headers=headers, json=body)
        assert response.status_code == 422 and field in response.json["error"]["details"], body
    for body, field in (({"checklist": "all good"}, "checklist"),
                        ({"checklist": [1, 2]}, "checklist"),
                        ({"checklist": [{"item": ["x"]}]}, "checklist"),
                        ({"capa_due_on": 5}, "capa_due_on"), ([], "body")):
        response = client.post(f"/api/v1/inspections/{iid}/complete", headers=headers,
                               json=body)
        assert response.status_code == 422 and field in response.json["error"]["details"], body
    reimburse = client.post(f"/api/v1/purchases/{purchase['id']}/reimbursement",
                            headers=token_for(world.manager), json={"status": {"a": 1}})
    assert reimburse.status_code == 422 and "status" in reimburse.json["error"]["details"]
