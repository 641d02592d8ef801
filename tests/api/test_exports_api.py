"""GET /api/v1/exports/<dataset>.<fmt>: bearer tokens, JSON errors, isolation, OpenAPI."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from app.services import exports
from tests import factories


def fetch(client, url: str, headers=None):
    with client.get(url, headers=headers or {}) as response:
        response.get_data()
    return response


def frame(response) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(response.get_data()), encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)


def test_export_needs_a_bearer_token(client, world):
    response = fetch(client, "/api/v1/exports/products.csv")
    assert response.status_code == 401 and response.is_json


def test_csv_and_xlsx_over_the_api(client, world, token_for):
    product = factories.make_product(world, "draft", name_zh="护眼台灯", name_en="+1")
    headers = token_for(world.manager)
    response = fetch(client, "/api/v1/exports/products.csv?state=draft", headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = frame(response)
    assert list(rows["id"]) == [str(product.id)]
    assert (rows["name_zh"][0], rows["name_en"][0]) == ("护眼台灯", "'+1")
    response = fetch(client, "/api/v1/exports/suppliers.xlsx", headers)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    names = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == sorted([world.supplier_a.name, world.supplier_b.name])


def test_errors_are_json_naming_the_filter(client, world, token_for):
    headers = token_for(world.manager)
    response = fetch(client, "/api/v1/exports/metrics.csv?period=2026-W60", headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_filter"
    assert set(response.json["error"]["details"]) == {"period"}
    response = fetch(client, "/api/v1/exports/inspections.csv?product_id=x", headers)
    assert response.status_code == 400
    assert response.json["error"]["details"] == {"product_id": "not an integer"}
    for url in ("/api/v1/exports/nope.csv", "/api/v1/exports/products.pdf",
                "/api/v1/exports/candidates.csv?run_id=424242"):
        response = fetch(client, url, headers)
        assert response.status_code == 404 and response.is_json, url


@pytest.mark.parametrize("name", ["candidates", "purchases", "metric_imports"])
def test_staff_only_exports_are_404_for_a_supplier(client, world, token_for, name):
    headers = token_for(world.supplier_user)
    for fmt in exports.FORMATS:
        response = fetch(client, f"/api/v1/exports/{name}.{fmt}", headers)
        assert response.status_code == 404 and response.is_json
    assert fetch(client, f"/api/v1/exports/{name}.csv",
                 token_for(world.qc)).status_code == 200


def test_a_supplier_gets_its_own_rows_and_404_for_foreign_ids(client, world, token_for):
    mine = factories.make_product(world, "listed")
    theirs = factories.make_product(world, "listed", supplier=world.supplier_b)
    factories.inspect(world, theirs.id, "routine", defects={"critical": 1})
    headers = token_for(world.supplier_user)
    for name in ("products", "inspections", "corrective_actions", "metrics"):
        response = fetch(client, f"/api/v1/exports/{name}.csv", headers)
        assert response.status_code == 200, name
        column = "id" if name == "products" else "product_id"
        assert set(frame(response)[column]) <= {str(mine.id)}, name
    assert set(frame(fetch(client, "/api/v1/exports/inspections.csv", headers))["product_id"]) \
        == {str(mine.id)}
    for url in (f"/api/v1/exports/inspections.csv?product_id={theirs.id}",
                f"/api/v1/exports/corrective_actions.xlsx?product_id={theirs.id}",
                f"/api/v1/exports/products.csv?supplier_id={world.supplier_b.id}",
                f"/api/v1/exports/metrics.csv?supplier_id={world.supplier_b.id}"):
        assert fetch(client, url, headers).status_code == 404, url


def test_openapi_documents_every_export_with_its_filters(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for name, dataset in exports.DATASETS.items():
        for fmt in exports.FORMATS:
            operation = paths[f"/api/v1/exports/{name}.{fmt}"]["get"]
            assert {p["name"] for p in operation["parameters"]} == \
                {f.name for f in dataset.filters}
            assert {"200", "400", "401", "404"} <= set(operation["responses"])
    metrics = paths["/api/v1/exports/metrics.csv"]["get"]
    assert "product_id, sku, period, units_sold" in metrics["description"]
