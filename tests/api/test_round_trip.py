"""Draft to sampling entirely through the API: proposal, two reviews, two design rounds."""

from __future__ import annotations

import io

from app.services import accounts
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_draft_to_sampling_through_the_api(client, world, token_for):
    second = accounts.create_user(None, "m2@test.example", "selection_manager", factories.PASSWORD)
    supplier, manager, designer = (token_for(world.supplier_user), token_for(world.manager),
                                   token_for(world.designer))
    reviewer2 = token_for(second)

    created = client.post("/api/v1/products", headers=supplier, json={
        "name_zh": "保温杯", "name_en": "Vacuum flask", "category_id": world.category.id,
        "description": "500 ml, 316 stainless", "target_price": "129", "unit_cost": "48",
        "monthly_capacity": 8000, "specifications": [{"name": "Volume", "value": "500",
                                                      "unit": "ml"}],
        "competitors": [{"name": "Thermos JNL", "channel": "Tmall", "price": "169"}],
        "claimed_standards": [{"code": "GB/T 29606-2013"}]})
    assert created.status_code == 201, created.json
    pid = created.json["id"]
    upload = client.post(f"/api/v1/products/{pid}/attachments", headers=supplier,
                         data={"file": (io.BytesIO(PNG), "flask.png")},
                         content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json

    def move(headers, name, reason=None):
        response = client.post(f"/api/v1/products/{pid}/transitions", headers=headers,
                               json={"transition": name, "reason": reason})
        assert response.status_code == 200, (name, response.json)
        return response.json

    move(supplier, "submit")
    move(manager, "start_review")
    for headers in (manager, reviewer2):
        scores = {key: {"score": 4, "comment": "fine"} for key in factories.GOOD_SCORES}
        assert client.post(f"/api/v1/products/{pid}/reviews", headers=headers,
                           json={"scores": scores}).status_code == 201
    move(manager, "accept")

    assert client.post(f"/api/v1/products/{pid}/rounds", headers=designer,
                       json={"due_on": "2027-01-15"}).status_code == 201
    items = client.post(f"/api/v1/products/{pid}/feedback", headers=designer, json={"items": [
        {"area": "industrial_design", "severity": "blocking", "text": "lid hinge feels loose"},
        {"area": "cost", "severity": "major", "text": "we could push them 8%", "internal": True},
    ]}).json["items"]
    hinge, note = items[0]["id"], items[1]["id"]
    seen = client.get(f"/api/v1/products/{pid}/rounds", headers=supplier).json
    assert [i["id"] for i in seen["rounds"][0]["items"]] == [hinge]
    assert client.post(f"/api/v1/feedback/{note}/response", headers=supplier,
                       json={"response": "x"}).status_code == 404
    client.post(f"/api/v1/feedback/{hinge}/response", headers=supplier,
                json={"response": "new hinge pin"})
    assert client.post(f"/api/v1/products/{pid}/revision", headers=supplier,
                       json={"notes": "rev B"}).status_code == 200
    client.post(f"/api/v1/feedback/{hinge}/review", headers=designer, json={"resolved": False})
    blocked = client.post(f"/api/v1/products/{pid}/decision", headers=designer,
                          json={"decision": "approve"})
    assert blocked.status_code == 422
    client.post(f"/api/v1/products/{pid}/decision", headers=designer,
                json={"decision": "another_round", "reason": "hinge still loose"})
    client.post(f"/api/v1/feedback/{hinge}/response", headers=supplier,
                json={"response": "steel pin, 20k cycles tested"})
    client.post(f"/api/v1/products/{pid}/revision", headers=supplier, json={"notes": "rev C"})
    client.post(f"/api/v1/feedback/{hinge}/review", headers=designer, json={"resolved": True})
    decided = client.post(f"/api/v1/products/{pid}/decision", headers=designer,
                          json={"decision": "approve", "reason": "ready"})
    assert [r["decision"] for r in decided.json["rounds"]] == ["another_round", "approve"]
    final = move(designer, "approve_design")
    assert final["state"] == "sampling"

    trail = client.get(f"/api/v1/products/{pid}/audit", headers=manager).json["items"]
    assert [e["action"] for e in trail] == [
        "create", "attach", "submit", "start_review", "review", "review", "accept",
        "open_round", "feedback", "feedback", "respond", "submit_revision", "reopen_feedback",
        "decide_round", "open_round", "respond", "submit_revision", "resolve_feedback",
        "decide_round", "approve_design"]
    supplier_trail = client.get(f"/api/v1/products/{pid}/audit", headers=supplier).json["items"]
    assert len(supplier_trail) == len(trail) - 1  # the internal note's event is hidden
    assert "push them" not in str(supplier_trail)
    other = token_for(world.other_supplier_user)
    for url in (f"/api/v1/products/{pid}/rounds", f"/api/v1/products/{pid}/reviews"):
        assert client.get(url, headers=other).status_code == 404
    assert client.post(f"/api/v1/feedback/{hinge}/response", headers=other,
                       json={"response": "x"}).status_code == 404
