"""Export downloads in the web UI: headers, streaming, buttons keeping the list's filters, and
what each role may export."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests import factories


def login(auth, user):
    auth.login(user.email)


def get(client, url: str):
    """The response, read and closed (as a WSGI server closes it)."""
    with client.get(url) as response:
        response.get_data()
    return response


def frame(response) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(response.get_data()), encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)


def test_csv_download_is_streamed_with_the_download_headers(client, auth, world):
    product = factories.make_product(world, "draft", name_en="@SUM(A1)", name_zh="电水壶")
    login(auth, world.manager)
    response = client.get("/exports/products.csv?state=draft&page=2")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="sieve-products-20')
    assert disposition.endswith('.csv"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbfid,sku,")
    rows = frame(response)
    assert list(rows["id"]) == [str(product.id)]
    assert rows["name_en"][0] == "'@SUM(A1)" and rows["name_zh"][0] == "电水壶"


def test_xlsx_download_is_a_workbook_with_typed_cells(client, auth, world, tmp_path):
    product = factories.make_product(world, "listed", name_en="-2+3")
    login(auth, world.manager)
    with client.get(f"/exports/products.xlsx?category_id={world.category.id}") as response:
        assert response.status_code == 200
        assert response.mimetype == ("application/vnd.openxmlformats-officedocument"
                                     ".spreadsheetml.sheet")
        assert response.headers["Content-Disposition"].endswith(".xlsx")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        body = response.get_data()
    assert not list(Path(tempfile.gettempdir()).glob("sieve-export-*.xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == product.id and rows[1][3] == "'-2+3"
    assert rows[1][9] == 199.0  # target price, a number


def test_unknown_dataset_or_format_is_404(client, auth, world):
    login(auth, world.manager)
    for url in ("/exports/nope.csv", "/exports/products.pdf", "/exports/products"):
        assert client.get(url).status_code == 404, url


def test_a_bad_filter_is_400_naming_it(client, auth, world):
    login(auth, world.manager)
    response = client.get("/exports/products.csv?state=sold")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-testid="export-refused"' in html and "state" in html


def test_exports_need_a_login(client, world):
    response = client.get("/exports/products.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("name", ["candidates", "purchases", "metric_imports"])
def test_staff_only_exports_are_404_for_a_supplier(client, auth, world, name):
    login(auth, world.supplier_user)
    assert client.get(f"/exports/{name}.csv").status_code == 404
    assert client.get(f"/exports/{name}.xlsx").status_code == 404


def test_a_supplier_exports_its_own_rows_and_gets_404_for_a_foreign_id(client, auth, world):
    mine = factories.make_product(world, "draft")
    theirs = factories.make_product(world, "draft", supplier=world.supplier_b)
    login(auth, world.supplier_user)
    assert list(frame(client.get("/exports/products.csv"))["id"]) == [str(mine.id)]
    assert list(frame(client.get("/exports/suppliers.csv"))["id"]) == [str(world.supplier_a.id)]
    assert client.get(f"/exports/products.csv?supplier_id={world.supplier_b.id}") \
        .status_code == 404
    assert client.get(f"/exports/metrics.csv?product_id={theirs.id}").status_code == 404


def test_list_pages_offer_export_buttons_that_keep_their_filters(client, auth, world):
    product = factories.make_product(world, "listed")
    factories.inspect(world, product.id, "routine", defects={"critical": 1})
    login(auth, world.manager)
    html = client.get(f"/products?state=listed&category_id={world.category.id}&q=&page=1") \
        .get_data(as_text=True)
    assert 'data-testid="export-products-csv"' in html
    assert (f'href="/exports/products.csv?state=listed&amp;category_id={world.category.id}"'
            in html)
    assert (f'href="/exports/products.xlsx?state=listed&amp;category_id={world.category.id}"'
            in html)
    overview = client.get("/qc/?reimbursement=approved").get_data(as_text=True)
    assert 'href="/exports/purchases.csv?reimbursement=approved"' in overview
    assert 'href="/exports/inspections.xlsx"' in overview
    capas = client.get("/corrective-actions?status=open&overdue=1").get_data(as_text=True)
    assert 'href="/exports/corrective_actions.csv?status=open&amp;overdue=1"' in capas
    for url in ("/exports/purchases.csv?reimbursement=approved", "/exports/inspections.xlsx",
                "/exports/corrective_actions.csv?status=open&overdue=1"):
        assert get(client, url).status_code == 200, url


def test_a_supplier_sees_export_buttons_for_its_corrective_actions(client, auth, world):
    login(auth, world.supplier_user)
    html = client.get("/corrective-actions").get_data(as_text=True)
    assert 'href="/exports/corrective_actions.csv"' in html
    assert get(client, "/exports/corrective_actions.xlsx").status_code == 200


def test_a_large_xlsx_export_becomes_a_job_with_the_same_rows(app, client, auth, world):
    """Above SIEVE_EXPORT_INLINE_ROWS rows an Excel export is written by a job (jobs run inline
    in tests): the page redirects to its progress page, whose download holds every row."""
    import io as _io

    from openpyxl import load_workbook

    for _ in range(3):
        factories.make_product(world, "draft")
    app.config["SIEVE_EXPORT_INLINE_ROWS"] = 2
    auth.login(world.manager.email)
    response = client.get("/exports/products.xlsx?state=draft")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    sheet = load_workbook(_io.BytesIO(download.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    download.close()
    assert len(rows) == 1 + 3  # the header and the three drafts
    app.config["SIEVE_EXPORT_INLINE_ROWS"] = 5000
    inline = client.get("/exports/products.xlsx?state=draft")
    body = inline.data
    inline.close()
    assert inline.status_code == 200 and body[:2] == b"PK"
