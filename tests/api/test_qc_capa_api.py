"""The QC API, continued: corrective actions (answer, review, overdue), supplier isolation on
every QC route, internal notes, and the retail price and launch date of ``list``."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Attachment, CorrectiveAction
from tests import factories
from tests.api.test_qc_api import log_purchase
from tests.services.test_attachments import PDF, files_in

INTERNAL = "内部备注 QC-INTERNAL-ONLY"


@pytest.fixture
def upload_dir(app, tmp_path):
    path = tmp_path / "uploads"
    app.config["SIEVE_UPLOAD_DIR"] = str(path)
    return path


def failed_listed_product(world, supplier=None, **complete):
    """A listed product whose routine inspection found a critical defect: suspended, with an
    open corrective action request. Returns (product, inspection, request)."""
    product = factories.make_product(world, "listed", supplier=supplier)
    inspection = factories.inspect(world, product.id, "routine", defects={"critical": 1},
                                   **complete)
    request = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.inspection_id == inspection.id)).one()
    return product, inspection, request


ANSWERS = {"containment": "quarantined 300 units", "root_cause": "worn crimping die",
           "corrective_action": "die replaced", "preventive_action": "weekly die check"}


def test_corrective_action_round_trip_and_reinstate(client, world, token_for, upload_dir):
    product, inspection, request = failed_listed_product(world)
    supplier = token_for(world.supplier_user)
    qc_headers = token_for(world.qc)
    url = f"/api/v1/corrective-actions/{request.id}"
    assert client.get(f"/api/v1/products/{product.id}",
                      headers=supplier).json["state"] == "suspended"

    listing = client.get("/api/v1/corrective-actions", headers=supplier)
    assert listing.status_code == 200 and [c["id"] for c in listing.json["items"]] == [request.id]
    detail = client.get(url, headers=supplier).json
    assert detail["status"] == "open" and detail["overdue"] is False
    assert detail["inspection_id"] == inspection.id and detail["evidence"] == []
    assert "critical" in detail["problem"] and "internal_notes" not in detail

    # Saved as it goes; submitting needs all four answers.
    partial = client.post(f"{url}/answer", headers=supplier,
                          json={"containment": ANSWERS["containment"]})
    assert partial.status_code == 200 and partial.json["status"] == "open"
    assert partial.json["containment"] == ANSWERS["containment"]
    early = client.post(f"{url}/answer", headers=supplier, json={"submit": True})
    assert early.status_code == 422
    assert set(early.json["error"]["details"]) == {"root_cause", "corrective_action",
                                                  "preventive_action"}
    bad = client.post(f"{url}/answer", headers=supplier, json={"submit": "yes"})
    assert bad.status_code == 422 and list(bad.json["error"]["details"]) == ["submit"]
    unknown = client.post(f"{url}/answer", headers=supplier, json={"excuse": "holiday"})
    assert unknown.status_code == 422 and "fields" in unknown.json["error"]["details"]
    assert client.post(f"{url}/answer", headers=qc_headers,
                       json={"root_cause": "x"}).status_code == 403

    submitted = client.post(f"{url}/answer", headers=supplier, content_type="multipart/form-data",
                            data={**ANSWERS, "submit": "true",
                                  "evidence": [(io.BytesIO(PDF), "die-invoice.pdf")]})
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted" and submitted.json["submitted_at"]
    [evidence] = submitted.json["evidence"]
    assert evidence["name"] == "die-invoice.pdf"
    download = client.get(evidence["download_url"], headers=qc_headers, buffered=True)
    assert download.status_code == 200 and download.data == PDF

    # Closing needs a follow-up inspection that passed after the submission.
    too_soon = client.post(f"{url}/review", headers=qc_headers, json={"action": "close"})
    assert too_soon.status_code == 422
    assert list(too_soon.json["error"]["details"]) == ["inspection_id"]
    assert client.post(f"{url}/review", headers=supplier,
                       json={"action": "close"}).status_code == 403
    no_reason = client.post(f"{url}/review", headers=qc_headers, json={"action": "return"})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["details"]
    returned = client.post(f"{url}/review", headers=qc_headers,
                           json={"action": "return", "reason": "show the die check record"})
    assert returned.status_code == 200 and returned.json["status"] == "returned"
    assert returned.json["return_reason"] == "show the die check record"
    again = client.post(f"{url}/answer", headers=supplier,
                        json={"preventive_action": "weekly die check, logged", "submit": True})
    assert again.status_code == 200 and again.json["status"] == "submitted"

    follow_up = factories.inspect(world, product.id, "follow_up")
    assert follow_up.verdict == "accepted"
    closed = client.post(f"{url}/review", headers=qc_headers,
                         json={"action": "close", "inspection_id": follow_up.id})
    assert closed.status_code == 200, closed.json
    assert closed.json["status"] == "closed"
    assert closed.json["verification_inspection_id"] == follow_up.id
    assert client.post(f"{url}/answer", headers=supplier,
                       json={"root_cause": "late"}).status_code == 409

    reinstated = client.post(f"/api/v1/products/{product.id}/transitions",
                             headers=token_for(world.manager),
                             json={"transition": "reinstate", "reason": "CAPA closed"})
    assert reinstated.status_code == 200 and reinstated.json["state"] == "listed"
    actions = [e["action"] for e in client.get(f"/api/v1/products/{product.id}/audit",
                                               headers=qc_headers).json["items"]]
    for action in ("suspend", "open_corrective_action", "answer_corrective_action",
                   "submit_corrective_action", "return_corrective_action",
                   "close_corrective_action", "reinstate"):
        assert action in actions


def test_escalate_needs_a_reason(client, world, token_for):
    _product, _inspection, request = failed_listed_product(world)
    url = f"/api/v1/corrective-actions/{request.id}/review"
    manager = token_for(world.manager)
    refused = client.post(url, headers=manager, json={"action": "escalate"})
    assert refused.status_code == 422 and "reason" in refused.json["error"]["details"]
    unknown = client.post(url, headers=manager, json={"action": "forgive"})
    assert unknown.status_code == 422 and "action" in unknown.json["error"]["details"]
    extra = client.post(url, headers=manager, json={"action": "escalate", "reason": "x",
                                                    "urgency": "high"})
    assert extra.status_code == 422 and "fields" in extra.json["error"]["details"]
    done = client.post(url, headers=manager, json={"action": "escalate",
                                                   "reason": "third critical failure"})
    assert done.status_code == 200 and done.json["status"] == "escalated"
    assert done.json["escalation_reason"] == "third critical failure"
    assert client.post(url, headers=manager, json={"action": "escalate",
                                                   "reason": "again"}).status_code == 409
    assert client.get("/api/v1/corrective-actions/999999", headers=manager).status_code == 404


def test_overdue_requests_are_flagged_and_filtered(client, world, token_for):
    product, _inspection, request = failed_listed_product(world)
    other, _i, on_time = failed_listed_product(world)
    db.session.execute(update(CorrectiveAction).where(CorrectiveAction.id == request.id)
                       .values(due_on=date.today() - timedelta(days=1)))
    db.session.commit()
    for user in (world.qc, world.supplier_user):
        headers = token_for(user)
        overdue = client.get("/api/v1/corrective-actions?overdue=true", headers=headers)
        assert overdue.status_code == 200
        assert [(c["id"], c["overdue"]) for c in overdue.json["items"]] == [(request.id, True)]
        everything = client.get("/api/v1/corrective-actions", headers=headers).json
        assert {c["id"]: c["overdue"] for c in everything["items"]} == {request.id: True,
                                                                        on_time.id: False}
        assert everything["total"] == 2
        assert client.get(f"/api/v1/corrective-actions/{request.id}",
                          headers=headers).json["overdue"] is True
        status = client.get(f"/api/v1/products/{product.id}/qc", headers=headers).json
        assert status["corrective_actions"]["overdue"] == 1
        assert status["corrective_actions"]["open"] == 1
    qc_headers = token_for(world.qc)
    by_product = client.get(f"/api/v1/corrective-actions?product_id={other.id}",
                            headers=qc_headers).json["items"]
    assert [c["id"] for c in by_product] == [on_time.id]
    assert client.get("/api/v1/corrective-actions?status=closed",
                      headers=qc_headers).json["items"] == []
    for query, field in (("status=lost", "status"), ("overdue=maybe", "overdue"),
                         ("product_id=x", "product_id")):
        bad = client.get(f"/api/v1/corrective-actions?{query}", headers=qc_headers)
        assert bad.status_code == 422 and list(bad.json["error"]["details"]) == [field]


def test_internal_notes_never_reach_the_supplier(client, world, token_for):
    product, inspection, request = failed_listed_product(world, internal_notes=INTERNAL,
                                                         summary="sharp edge on the lid")
    db.session.execute(update(CorrectiveAction).where(CorrectiveAction.id == request.id)
                       .values(internal_notes=INTERNAL))
    db.session.commit()
    supplier = token_for(world.supplier_user)
    urls = [f"/api/v1/inspections/{inspection.id}", "/api/v1/inspections",
            f"/api/v1/inspections?product_id={product.id}",
            f"/api/v1/corrective-actions/{request.id}", "/api/v1/corrective-actions",
            f"/api/v1/products/{product.id}/qc", f"/api/v1/products/{product.id}/audit",
            f"/api/v1/products/{product.id}", "/api/v1/notifications"]
    for url in urls:
        response = client.get(url, headers=supplier)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert INTERNAL not in text and "QC-INTERNAL-ONLY" not in text, url
        assert "Sieve Mall" not in text, url  # the store the sample came from
    seen = client.get(f"/api/v1/inspections/{inspection.id}", headers=supplier).json
    assert seen["summary"] == "sharp edge on the lid"
    staff = token_for(world.qc)
    assert client.get(f"/api/v1/inspections/{inspection.id}",
                      headers=staff).json["internal_notes"] == INTERNAL
    assert client.get(f"/api/v1/corrective-actions/{request.id}",
                      headers=staff).json["internal_notes"] == INTERNAL


def test_every_qc_route_is_404_for_another_supplier(client, world, token_for, upload_dir):
    product, inspection, request = failed_listed_product(world, supplier=world.supplier_b)
    [defect] = inspection.defects
    open_purchase = log_purchase(client, token_for(world.qc), product.id, kind="follow_up",
                                 order_number="B-OPEN").json
    opened = client.post(f"/api/v1/purchases/{open_purchase['id']}/inspection",
                         headers=token_for(world.qc), json={"lot_size": 50}).json
    headers = token_for(world.supplier_user)
    routes = [
        ("GET", f"/api/v1/purchases/{inspection.purchase_id}"),
        ("POST", f"/api/v1/purchases/{inspection.purchase_id}/reimbursement"),
        ("POST", f"/api/v1/purchases/{open_purchase['id']}/inspection"),
        ("GET", f"/api/v1/inspections/{inspection.id}"),
        ("GET", f"/api/v1/inspections/{opened['id']}"),
        ("POST", f"/api/v1/inspections/{opened['id']}/defects"),
        ("POST", f"/api/v1/inspections/{opened['id']}/complete"),
        ("POST", f"/api/v1/inspections/{inspection.id}/defects"),
        ("POST", f"/api/v1/inspections/{inspection.id}/complete"),
        ("DELETE", f"/api/v1/defects/{defect.id}"),
        ("GET", f"/api/v1/products/{product.id}/qc"),
        ("POST", f"/api/v1/products/{product.id}/purchases"),
        ("POST", f"/api/v1/products/{product.id}/reduced-inspection"),
        ("GET", f"/api/v1/corrective-actions/{request.id}"),
        ("POST", f"/api/v1/corrective-actions/{request.id}/answer"),
        ("POST", f"/api/v1/corrective-actions/{request.id}/review"),
    ]
    for method, url in routes:
        for body in ({}, {"status": "approved", "approved": True, "action": "close",
                          "lot_size": 50, "submit": True, **ANSWERS}):
            response = client.open(url, method=method, headers=headers, json=body)
            assert response.status_code == 404, (method, url, response.status_code)
            assert response.json["error"]["code"] == "not_found"
    attachments_before = db.session.scalar(select(func.count()).select_from(Attachment))
    files_before = files_in(upload_dir)
    sneaky = client.post(f"/api/v1/corrective-actions/{request.id}/answer", headers=headers,
                         content_type="multipart/form-data",
                         data={**ANSWERS, "submit": "true",
                               "evidence": [(io.BytesIO(PDF), "fake.pdf")]})
    assert sneaky.status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == attachments_before
    assert files_in(upload_dir) == files_before
    assert client.get("/api/v1/inspections", headers=headers).json["items"] == []
    assert client.get(f"/api/v1/inspections?product_id={product.id}",
                      headers=headers).json["items"] == []
    assert client.get("/api/v1/corrective-actions", headers=headers).json["items"] == []
    # Supplier B sees its own completed inspection and request.
    own = token_for(world.other_supplier_user)
    assert client.get(f"/api/v1/inspections/{inspection.id}", headers=own).status_code == 200
    assert client.get(f"/api/v1/corrective-actions/{request.id}",
                      headers=own).status_code == 200


# --- list: retail price and launch date ---------------------------------------------------------

def _ready_to_list(world):
    product = factories.make_product(world, "sampling")
    factories.pass_inspection(world, product.id)
    return product


def test_list_records_retail_price_and_launch_date(client, world, token_for):
    product = _ready_to_list(world)
    headers = token_for(world.manager)
    before = client.get(f"/api/v1/products/{product.id}", headers=headers).json
    assert before["retail_price"] is None and before["launched_on"] is None
    launch = (date.today() + timedelta(days=7)).isoformat()
    response = client.post(f"/api/v1/products/{product.id}/transitions", headers=headers, json={
        "transition": "list", "reason": "all gates passed", "version": before["version"],
        "details": {"retail_price": "249.00", "launch_date": launch}})
    assert response.status_code == 200, response.json
    assert response.json["state"] == "listed"
    assert (response.json["retail_price"], response.json["launched_on"]) == ("249.00", launch)
    supplier_view = client.get(f"/api/v1/products/{product.id}",
                               headers=token_for(world.supplier_user)).json
    assert supplier_view["retail_price"] == "249.00"


def test_list_defaults_to_target_price_and_today(client, world, token_for):
    product = _ready_to_list(world)
    response = client.post(f"/api/v1/products/{product.id}/transitions",
                           headers=token_for(world.manager),
                           json={"transition": "list", "reason": "ok"})
    assert response.status_code == 200, response.json
    assert response.json["retail_price"] == "199.00"
    assert response.json["launched_on"] == date.today().isoformat()


@pytest.mark.parametrize("transition,details,field", [
    ("list", "cheap", "details"),
    ("list", ["249.00"], "details"),
    ("list", {"retail_price": "-5"}, "retail_price"),
    ("list", {"retail_price": "12.345"}, "retail_price"),
    ("list", {"launch_date": (date.today() - timedelta(days=1)).isoformat()}, "launch_date"),
    ("list", {"launch_date": (date.today() + timedelta(days=400)).isoformat()}, "launch_date"),
    ("list", {"launch_date": "soon"}, "launch_date"),
    ("list", {"colour": "red"}, "fields"),
    ("fail_sampling", {"retail_price": "249.00"}, "details"),
])
def test_list_details_bad_input(client, world, token_for, transition, details, field):
    product = _ready_to_list(world)
    response = client.post(f"/api/v1/products/{product.id}/transitions",
                           headers=token_for(world.admin),
                           json={"transition": transition, "reason": "x", "details": details})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["details"]
    after = client.get(f"/api/v1/products/{product.id}", headers=token_for(world.admin)).json
    assert after["state"] == "sampling" and after["retail_price"] is None


# --- the OpenAPI description matches what the endpoints send --------------------------------------

def test_qc_responses_match_their_openapi_schemas(client, world, token_for, upload_dir):
    import jsonschema
    doc = client.get("/api/openapi.json").json

    def check(response, schema: str, status: int = 200) -> None:
        assert response.status_code == status, response.json
        jsonschema.validate(response.json, {"$ref": f"#/components/schemas/{schema}",
                                            "components": doc["components"]},
                            cls=jsonschema.Draft202012Validator)

    product, inspection, request = failed_listed_product(world, internal_notes="n")
    qc_headers, supplier = token_for(world.qc), token_for(world.supplier_user)
    check(client.get("/api/v1/sampling/plan?lot_size=1000&aql=0.010", headers=supplier),
          "SamplingPlan")
    check(client.get(f"/api/v1/purchases/{inspection.purchase_id}", headers=qc_headers),
          "Purchase")
    check(client.get("/api/v1/purchases", headers=qc_headers), "PurchasePage")
    for headers in (qc_headers, supplier):
        check(client.get(f"/api/v1/inspections/{inspection.id}", headers=headers), "Inspection")
        check(client.get("/api/v1/inspections", headers=headers), "InspectionPage")
        check(client.get(f"/api/v1/corrective-actions/{request.id}", headers=headers),
              "CorrectiveAction")
        check(client.get("/api/v1/corrective-actions", headers=headers), "CorrectiveActionPage")
        check(client.get(f"/api/v1/products/{product.id}/qc", headers=headers), "QcStatus")
        check(client.get(f"/api/v1/products/{product.id}", headers=headers), "Product")
    purchase = log_purchase(client, qc_headers, product.id, kind="follow_up", order_number="F-1")
    check(purchase, "Purchase", 201)
    opened = client.post(f"/api/v1/purchases/{purchase.json['id']}/inspection",
                         headers=qc_headers, json={"lot_size": 50})
    check(opened, "Inspection", 201)
    check(client.post(f"/api/v1/inspections/{opened.json['id']}/defects", headers=qc_headers,
                      json={"defect_class": "minor", "count": 1, "description": "scuff"}),
          "Defect", 201)
    check(client.post(f"/api/v1/inspections/{opened.json['id']}/complete", headers=qc_headers,
                      json={"checklist": {c["item"]: "pass" for c in opened.json["checklist"]}}),
          "Inspection")
    check(client.post(f"/api/v1/corrective-actions/{request.id}/answer", headers=supplier,
                      json={**ANSWERS, "submit": True}), "CorrectiveAction")
