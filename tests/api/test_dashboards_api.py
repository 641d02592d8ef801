"""The dashboards' JSON API: the same figures as the pages, staff only, documented."""

import pytest

from app.services import dashboards as service
from tests import factories

ENDPOINTS = ["pipeline", "qc", "catalogue", "suppliers"]


@pytest.fixture
def small_world(world):
    factories.make_product(world, "proposed")
    listed = factories.make_product(world, "listed")
    factories.inspect(world, listed.id, "routine", {"major": 1, "critical": 1})
    return world


@pytest.mark.parametrize("name", ENDPOINTS)
def test_staff_get_the_figures_the_pages_show(client, small_world, token_for, name):
    response = client.get(f"/api/v1/dashboards/{name}?top=5",
                          headers=token_for(small_world.designer))
    assert response.status_code == 200, response.json
    loader = {"pipeline": service.pipeline_dashboard, "qc": service.qc_dashboard,
              "catalogue": service.catalogue_dashboard,
              "suppliers": service.supplier_leaderboard}[name]
    expected = loader(small_world.designer, service.parse_filters({"top": "5"}))
    body = response.get_json()
    if name == "pipeline":  # "now" moves between the two calls: compare what does not
        for key in ("durations", "stuck"):
            assert len(body.pop(key)) == len(expected.pop(key))
    assert body == expected
    assert body["filters"]["top"] == 5


def test_pipeline_and_qc_numbers(client, small_world, token_for):
    headers = token_for(small_world.manager)
    pipeline = client.get("/api/v1/dashboards/pipeline", headers=headers).json
    assert [r["count"] for r in pipeline["funnel"]] == [2, 1, 1, 1, 1]
    assert pipeline["funnel"][1]["conversion_pct"] == 50.0
    qc = client.get("/api/v1/dashboards/qc", headers=headers).json
    assert qc["pass_rate"] == {**qc["pass_rate"], "inspections": 2, "passed": 1,
                               "pass_rate": 50.0}
    assert {(r["defect_class"], r["count"]) for r in qc["pareto"]} == {("major", 1),
                                                                     ("critical", 1)}


def test_category_filter(client, small_world, token_for):
    lamps = small_world.other_category.id
    data = client.get(f"/api/v1/dashboards/catalogue?category={lamps}",
                      headers=token_for(small_world.manager)).json
    assert [r["category_id"] for r in data["caps"]] == [lamps]
    assert data["capa_ages"]["open"] == 0 and data["filters"]["category_id"] == lamps


@pytest.mark.parametrize("name", ENDPOINTS)
def test_suppliers_get_404(client, small_world, token_for, name):
    response = client.get(f"/api/v1/dashboards/{name}",
                          headers=token_for(small_world.supplier_user))
    assert response.status_code == 404


def test_a_token_is_needed(client, world):
    assert client.get("/api/v1/dashboards/qc").status_code == 401


@pytest.mark.parametrize(("query", "field"), [
    ("category=0", "category"), ("category=12345", "category"), ("date_from=2026-02-30", "date_from"),
    ("date_from=2026-05-02&date_to=2026-05-01", "date_from"), ("top=x", "top")])
def test_bad_filters_are_422_naming_the_field(client, world, token_for, query, field):
    response = client.get(f"/api/v1/dashboards/pipeline?{query}",
                          headers=token_for(world.manager))
    assert response.status_code == 422
    assert field in str(response.json)


def test_every_dashboard_route_is_documented(client):
    doc = client.get("/api/openapi.json").json
    for name in ENDPOINTS:
        operation = doc["paths"][f"/api/v1/dashboards/{name}"]["get"]
        assert {p["name"] for p in operation["parameters"]} == {
            "category", "date_from", "date_to", "top"}
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"]
        assert {"401", "404", "422"} <= set(operation["responses"])
