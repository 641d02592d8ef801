"""Exports: the writers (formula-safe, typed, Chinese intact), every dataset's rows against the
database, filters, supplier isolation and a query count that does not grow with the rows."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import (
    CorrectiveAction,
    CustomerMetric,
    EliminationCandidate,
    EliminationRun,
    MetricImport,
    Product,
)
from app.services import exports
from app.services.errors import NotFound
from tests import factories

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1"]
METRIC_HEADER = ["product_id", "sku", "period", "units_sold", "orders", "reviews", "avg_rating",
                 "positive_reviews", "returns", "complaints"]


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, dtype=str)


def read_xlsx(path) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
    return list(sheet.iter_rows(values_only=True))


def export(actor, name: str, fmt: str, tmp_path, **args):
    path = tmp_path / f"{name}.{fmt}"
    exports.export_to_file(actor, name, fmt, {k: str(v) for k, v in args.items()}, path)
    return path


def add_import(world) -> MetricImport:
    batch = MetricImport(source="cli", filename="october.csv", checksum="0" * 64,
                         status="applied", rows=1, created_by_id=world.admin.id,
                         summary={"added": 2, "changed": 0, "unchanged": 0, "removed": 0})
    db.session.add(batch)
    db.session.flush()
    return batch


def add_metric(batch, product_id: int, period: str, **figures) -> None:
    year, month = (int(x) for x in period.split("-"))
    values = {"units_sold": 120, "orders": 100, "reviews": 40, "avg_rating": 4.25,
              "positive_reviews": 30, "returns": 3, "complaints": 1, **figures}
    db.session.add(CustomerMetric(product_id=product_id, period=period, period_kind="month",
                                  period_start=date(year, month, 1), import_id=batch.id,
                                  **values))


# --- writers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", FORMULAS)
def test_neutralise_prefixes_formula_starts(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Kettle", "电水壶", "1+1", "a=b", " =1", "'quoted", ""])
def test_neutralise_leaves_other_text_alone(text):
    assert exports.neutralise(text) == text


COLUMNS = (exports.Column("name", "text"), exports.Column("count", "int"),
           exports.Column("rate", "number"), exports.Column("day", "date"),
           exports.Column("at", "datetime"), exports.Column("flag", "bool"))
ROWS = [[text, -2, -0.5, date(2026, 10, 1), datetime(2026, 10, 1, 8, 30, 5, 123, tzinfo=UTC),
         True] for text in [*FORMULAS, "深圳电水壶 1.7 L"]] + [[None, None, None, None, None, None]]


def test_csv_is_bom_utf8_with_neutralised_text_and_plain_numbers():
    out = io.BytesIO()
    exports.write_csv(COLUMNS, ROWS, out)
    raw = out.getvalue()
    assert raw.startswith(b"\xef\xbb\xbfname,count,rate,day,at,flag\r\n")
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert list(frame["name"]) == ["'" + t for t in FORMULAS] + ["深圳电水壶 1.7 L", ""]
    assert set(frame["count"][:-1]) == {"-2"} and set(frame["rate"][:-1]) == {"-0.5"}
    assert frame["day"][0] == "2026-10-01" and frame["at"][0] == "2026-10-01 08:30:05"
    assert frame["flag"][0] == "true"
    assert list(frame.iloc[-1]) == [""] * 6


def test_csv_is_produced_in_batches():
    rows = [["x", n, 1.0, None, None, False] for n in range(25)]
    chunks = list(exports.iter_csv(COLUMNS, rows, batch=10))
    assert len(chunks) == 4  # header, 10, 10, 5
    assert b"".join(chunks).count(b"\r\n") == 26


def test_xlsx_has_typed_cells_neutralised_text_and_a_bold_frozen_header(tmp_path):
    path = tmp_path / "out.xlsx"
    exports.write_xlsx(COLUMNS, [*ROWS, ["bad\x01\x0bchars", 1, 1.5, None, None, False]], path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and sheet["A1"].value == "name"
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    # (XML reads a bare carriage return back as a line feed: still after the quote)
    assert [v[0] for v in values[:len(FORMULAS)]] == ["'" + t.replace("\r", "\n")
                                                      for t in FORMULAS]
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, len(FORMULAS) + 2))
    assert values[len(FORMULAS)][0] == "深圳电水壶 1.7 L"
    first = values[0]
    assert first[1] == -2 and isinstance(first[1], int)
    assert first[2] == -0.5
    assert first[3].date() == date(2026, 10, 1)  # a date cell (openpyxl reads it as datetime)
    assert first[4] == datetime(2026, 10, 1, 8, 30, 5)
    assert first[5] is True
    assert values[-2] == (None,) * 6
    assert values[-1][0] == "badchars"  # control characters XLSX cannot hold are dropped


# --- datasets against the database ---------------------------------------------------------------

def test_products_round_trip_in_csv_and_xlsx(world, tmp_path):
    kettle = factories.make_product(world, "listed", name_zh="不锈钢电水壶", name_en="=HYPERLINK(1)",
                                    sku_code="-12")
    lamp = factories.make_product(world, "draft", supplier=world.supplier_b,
                                  category=world.other_category, name_en="Desk lamp")
    db.session.expire_all()
    expected = {p.id: p for p in db.session.scalars(select(Product))}
    frame = read_csv(export(world.manager, "products", "csv", tmp_path))
    rows = read_xlsx(export(world.manager, "products", "xlsx", tmp_path))
    header = [c.header for c in exports.PRODUCT_COLUMNS]
    assert list(frame.columns) == header and list(rows[0]) == header
    assert [int(i) for i in frame["id"]] == [lamp.id, kettle.id]  # newest first, as the list
    assert [r[0] for r in rows[1:]] == [lamp.id, kettle.id]
    by_id = {int(r["id"]): r for _, r in frame.iterrows()}
    xlsx = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    for product_id, product in expected.items():
        csv_row, xlsx_row = by_id[product_id], xlsx[product_id]
        assert csv_row["name_zh"] == xlsx_row["name_zh"] == product.name_zh
        assert csv_row["supplier"] == xlsx_row["supplier"] == product.supplier.name
        assert csv_row["state"] == xlsx_row["state"] == product.state
        assert xlsx_row["target_price"] == product.target_price_cents / 100
        assert float(csv_row["target_price"]) == product.target_price_cents / 100
    assert by_id[kettle.id]["name_en"] == xlsx[kettle.id]["name_en"] == "'=HYPERLINK(1)"
    assert by_id[kettle.id]["sku"] == xlsx[kettle.id]["sku"] == "'-12"
    assert by_id[kettle.id]["category"] == "Kettles"
    assert by_id[kettle.id]["supplier"] == "深圳测试电器"
    assert isinstance(xlsx[kettle.id]["launched_on"], datetime)
    assert xlsx[lamp.id]["retail_price"] is None and by_id[lamp.id]["retail_price"] == ""


def test_product_filters_match_the_list_page(world, tmp_path):
    kettle = factories.make_product(world, "draft", name_en="Gooseneck kettle", sku_code="GK-7")
    lamp = factories.make_product(world, "proposed", name_en="Desk lamp", name_zh="护眼台灯",
                                  supplier=world.supplier_b, category=world.other_category)

    def ids(**args):
        return {int(i) for i in read_csv(export(world.manager, "products", "csv", tmp_path,
                                                **args))["id"]}

    assert ids() == {kettle.id, lamp.id}
    assert ids(q="gooseneck") == ids(q="GK-7") == {kettle.id}
    assert ids(q="台灯") == ids(q="Other Supplier") == {lamp.id}
    assert ids(state="proposed") == {lamp.id}
    assert ids(category_id=world.category.id) == {kettle.id}
    assert ids(supplier_id=world.supplier_b.id, page=3) == {lamp.id}
    assert ids(state="", category_id="") == {kettle.id, lamp.id}  # empty means no filter


@pytest.mark.parametrize(("name", "args", "field"), [
    ("products", {"state": "sold"}, "state"),
    ("products", {"category_id": "abc"}, "category_id"),
    ("products", {"supplier_id": "0"}, "supplier_id"),
    ("products", {"q": "x" * 201}, "q"),
    ("metrics", {"period": "2026-13"}, "period"),
    ("corrective_actions", {"overdue": "maybe"}, "overdue"),
    ("candidates", {"status": "closed"}, "status"),
    ("inspections", {"verdict": "pass"}, "verdict"),
])
def test_a_bad_filter_is_refused_naming_it(world, name, args, field):
    with pytest.raises(exports.InvalidFilter) as caught:
        exports.prepare_export(world.manager, name, "csv", args)
    assert caught.value.status == 400
    assert set(caught.value.details) == {field}
    assert caught.value.message.startswith(f"{field}:")


@pytest.mark.parametrize(("name", "fmt"), [("nope", "csv"), ("products", "pdf"),
                                           ("products", "xls"), ("", "csv")])
def test_unknown_dataset_or_format_is_not_found(world, name, fmt):
    with pytest.raises(NotFound):
        exports.prepare_export(world.manager, name, fmt, {})


def test_unknown_ids_in_filters_are_not_found(world):
    for name, arg in (("products", "category_id"), ("inspections", "product_id"),
                      ("candidates", "run_id"), ("metrics", "supplier_id")):
        with pytest.raises(NotFound):
            exports.prepare_export(world.manager, name, "csv", {arg: "999999"})


def test_metrics_export_is_the_import_format(world, tmp_path):
    kettle = factories.make_product(world, "listed", sku_code="KT-1")
    lamp = factories.make_product(world, "listed", supplier=world.supplier_b,
                                  category=world.other_category, sku_code="-LP-1")
    batch = add_import(world)
    add_metric(batch, kettle.id, "2026-10", avg_rating=4.5)
    add_metric(batch, kettle.id, "2026-09", returns=7, avg_rating=None, reviews=0,
               positive_reviews=0)
    add_metric(batch, lamp.id, "2026-10", complaints=4)
    db.session.commit()
    frame = read_csv(export(world.manager, "metrics", "csv", tmp_path))
    assert list(frame.columns) == METRIC_HEADER
    assert list(zip(frame["product_id"], frame["period"], strict=True)) == [
        (str(kettle.id), "2026-09"), (str(kettle.id), "2026-10"), (str(lamp.id), "2026-10")]
    assert list(frame.iloc[0]) == [str(kettle.id), "KT-1", "2026-09", "120", "100", "0", "",
                                   "0", "7", "1"]
    assert frame["avg_rating"][1] == "4.5"
    rows = read_xlsx(export(world.manager, "metrics", "xlsx", tmp_path, period="2026-10",
                            supplier_id=world.supplier_b.id))
    assert list(rows[0]) == METRIC_HEADER
    # a SKU that would need the ' prefix is left out: product_id names the row
    assert rows[1:] == [(lamp.id, None, "2026-10", 120, 100, 40, 4.25, 30, 3, 4)]
    only = read_csv(export(world.manager, "metrics", "csv", tmp_path, product_id=kettle.id,
                           category_id=world.category.id))
    assert set(only["product_id"]) == {str(kettle.id)} and len(only) == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_metrics_export_imports_back_unchanged(world, tmp_path, fmt):
    from app.services import metrics

    kettle = factories.make_product(world, "listed", sku_code="=KT")
    lamp = factories.make_product(world, "listed", supplier=world.supplier_b, sku_code="LP-2")
    batch = add_import(world)
    add_metric(batch, kettle.id, "2026-10")
    add_metric(batch, kettle.id, "2026-09", reviews=0, positive_reviews=0, avg_rating=None)
    add_metric(batch, lamp.id, "2026-10", avg_rating=3.75)
    db.session.commit()
    before = db.session.execute(select(CustomerMetric.product_id, CustomerMetric.period,
                                       CustomerMetric.avg_rating, CustomerMetric.returns)
                                .order_by(CustomerMetric.id)).all()
    path = export(world.manager, "metrics", fmt, tmp_path)
    record = metrics.import_file(world.manager, path, path.name, "cli")
    assert record.status == "applied", record.errors
    assert record.summary["unchanged"] == 3
    assert record.summary["added"] == record.summary["changed"] == 0
    db.session.expire_all()
    after = db.session.execute(select(CustomerMetric.product_id, CustomerMetric.period,
                                      CustomerMetric.avg_rating, CustomerMetric.returns)
                               .order_by(CustomerMetric.id)).all()
    assert sorted(after) == sorted(before)


def make_run(world, *findings_by_product, status="open") -> EliminationRun:
    run = EliminationRun(trigger="manual", status="completed", as_of=date(2026, 10, 31),
                         created_by_id=world.manager.id)
    db.session.add(run)
    db.session.flush()
    for product, findings, score in findings_by_product:
        db.session.add(EliminationCandidate(
            run_id=run.id, product_id=product.id, category_id=product.category_id,
            supplier_id=product.supplier_id, action="decision_list", status=status,
            findings=findings, score=score, state_at_run=product.state))
    db.session.commit()
    return run


def test_candidates_join_their_explanations(world, tmp_path):
    kettle = factories.make_product(world, "listed")
    lamp = factories.make_product(world, "listed", category=world.other_category)
    run = make_run(world, (kettle, [
        {"rule": "positive_rate", "explanation": "positive reviews 52.0 % < 60 % over 3 months"},
        {"rule": "return_rate", "explanation": "=returns 9.1 % > 8 %"}], 31.5),
        (lamp, [{"rule": "capa_overdue", "explanation": "corrective action #4 overdue"}], None))
    later = make_run(world, (kettle, [{"rule": "x", "explanation": "later"}], 10.0),
                     status="dismissed")
    frame = read_csv(export(world.manager, "candidates", "csv", tmp_path, run_id=run.id))
    assert list(frame["product_id"]) == [str(kettle.id), str(lamp.id)]
    assert frame["findings"][0] == ("positive reviews 52.0 % < 60 % over 3 months | "
                                    "=returns 9.1 % > 8 %")
    assert frame["score"][0] == "31.5" and frame["score"][1] == ""
    assert set(frame["run_id"]) == {str(run.id)} and frame["category"][1] == "Lamps"
    rows = read_xlsx(export(world.manager, "candidates", "xlsx", tmp_path, status="dismissed"))
    assert [r[1] for r in rows[1:]] == [later.id]
    assert rows[1][13] == "later"
    lamps = read_csv(export(world.manager, "candidates", "csv", tmp_path,
                            category_id=world.other_category.id))
    assert list(lamps["product_id"]) == [str(lamp.id)]


def test_inspections_count_defects_by_class(world, tmp_path):
    product = factories.make_product(world, "listed")
    failed = factories.inspect(world, product.id, "routine", defects={"major": 2, "minor": 1})
    frame = read_csv(export(world.manager, "inspections", "csv", tmp_path, kind="routine"))
    assert list(frame["id"]) == [str(failed.id)]
    row = frame.iloc[0]
    assert (row["critical_defects"], row["major_defects"], row["minor_defects"]) == ("0", "2", "1")
    assert row["verdict"] == failed.verdict and row["inspector"] == world.qc.email
    everything = read_csv(export(world.manager, "inspections", "csv", tmp_path))
    assert len(everything) == 2  # the pre-listing inspection too


# --- who sees what -------------------------------------------------------------------------------

def test_a_supplier_exports_only_its_own_records(world, tmp_path):
    mine = factories.make_product(world, "listed")
    theirs = factories.make_product(world, "listed", supplier=world.supplier_b)
    for product in (mine, theirs):
        factories.inspect(world, product.id, "routine", defects={"critical": 1})
    batch = add_import(world)
    add_metric(batch, mine.id, "2026-10")
    add_metric(batch, theirs.id, "2026-10")
    db.session.commit()
    me = world.supplier_user

    def ids(name, column="product_id", **args):
        return {int(i) for i in read_csv(export(me, name, "csv", tmp_path, **args))[column]}

    assert ids("products", "id") == {mine.id}
    assert ids("metrics") == {mine.id}
    assert ids("inspections") == {mine.id}
    assert ids("corrective_actions") == {mine.id}
    assert ids("suppliers", "id") == {world.supplier_a.id}
    assert ids("products", "id", supplier_id=world.supplier_a.id) == {mine.id}
    staff = read_csv(export(world.manager, "inspections", "csv", tmp_path))
    assert {"internal_notes", "inspector", "purchase_id"} <= set(staff.columns)
    own = read_csv(export(me, "inspections", "csv", tmp_path))
    assert not {"internal_notes", "inspector", "purchase_id"} & set(own.columns)
    capas = read_csv(export(me, "corrective_actions", "csv", tmp_path))
    assert "internal_notes" not in capas.columns


def test_a_supplier_never_sees_open_inspections(world, tmp_path):
    product = factories.make_product(world, "listed")
    factories.open_inspection(world, product.id, "routine")
    frame = read_csv(export(world.supplier_user, "inspections", "csv", tmp_path))
    assert set(frame["status"]) == {"completed"}  # the pre-listing one only
    staff = read_csv(export(world.manager, "inspections", "csv", tmp_path, status="open"))
    assert len(staff) == 1


@pytest.mark.parametrize("name", ["candidates", "purchases", "metric_imports"])
def test_staff_only_datasets_do_not_exist_for_suppliers(world, name):
    with pytest.raises(NotFound):
        exports.prepare_export(world.supplier_user, name, "csv", {})
    exports.prepare_export(world.designer, name, "csv", {})


def test_foreign_ids_in_filters_are_not_found_for_a_supplier(world):
    theirs = factories.make_product(world, "listed", supplier=world.supplier_b)
    me = world.supplier_user
    for name, arg, value in (("products", "supplier_id", world.supplier_b.id),
                             ("metrics", "product_id", theirs.id),
                             ("metrics", "supplier_id", world.supplier_b.id),
                             ("inspections", "product_id", theirs.id),
                             ("inspections", "supplier_id", world.supplier_b.id),
                             ("corrective_actions", "product_id", theirs.id)):
        with pytest.raises(NotFound):
            exports.prepare_export(me, name, "csv", {arg: str(value)})


def test_purchases_corrective_actions_and_imports_export(world, tmp_path):
    product = factories.make_product(world, "listed")
    failed = factories.inspect(world, product.id, "routine", defects={"critical": 1})
    request = db.session.scalars(select(CorrectiveAction)).one()
    add_import(world)
    db.session.commit()
    purchases = read_csv(export(world.manager, "purchases", "csv", tmp_path,
                                reimbursement="submitted"))
    assert len(purchases) == 2 and str(failed.id) in set(purchases["inspection_id"])
    assert set(purchases["purchaser"]) == {world.qc.email}
    capas = read_xlsx(export(world.manager, "corrective_actions", "xlsx", tmp_path,
                             status="open"))
    assert [r[0] for r in capas[1:]] == [request.id]
    assert capas[1][8] is False  # not overdue: due in the future
    imports = read_csv(export(world.manager, "metric_imports", "csv", tmp_path, source="cli"))
    assert list(imports["filename"]) == ["october.csv"] and imports["added"][0] == "2"


def test_the_query_count_does_not_grow_with_rows(app, world, tmp_path):
    products = [factories.make_product(world, "listed") for _ in range(3)]
    batch = add_import(world)

    def queries(name: str, fmt: str, **args) -> int:
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            export(world.manager, name, fmt, tmp_path, **args)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
        return len(statements)

    add_metric(batch, products[0].id, "2026-01")
    db.session.commit()
    few = {(n, f): queries(n, f) for n in ("metrics", "products", "inspections", "suppliers")
           for f in ("csv", "xlsx")}
    for product in products:
        for month in range(2, 13):
            add_metric(batch, product.id, f"2026-{month:02d}")
        factories.inspect(world, product.id, "routine", defects={"minor": 1})
    db.session.commit()
    many = {(n, f): queries(n, f) for n in ("metrics", "products", "inspections", "suppliers")
            for f in ("csv", "xlsx")}
    assert many == few
    assert 1 <= min(few.values()) and max(few.values()) <= 3


def test_the_export_job_checks_first_and_writes_the_file_with_progress(world, tmp_path):
    from app.services.errors import ValidationFailed
    from app.services.jobs import JobContext

    product = factories.make_product(world, "draft", name_zh="电水壶")
    with pytest.raises(NotFound):
        exports.check_export_job(world.supplier_user, {"dataset": "purchases"})
    with pytest.raises(exports.InvalidFilter):
        exports.check_export_job(world.manager, {"dataset": "products",
                                                 "filters": {"state": "x"}})
    with pytest.raises(ValidationFailed):
        exports.check_export_job(world.manager, {"dataset": 3, "filters": []})
    params = exports.check_export_job(world.manager, {"dataset": "products",
                                                      "filters": {"state": "draft"}})
    assert params == {"dataset": "products", "format": "xlsx", "filters": {"state": "draft"}}
    steps = []
    context = JobContext(job_id=1, actor=world.manager, params=params,
                         temp_path=tmp_path / "job.tmp",
                         progress=lambda percent, step: steps.append((percent, step)))
    result = exports.run_export_job(context)
    assert result["rows"] == 1 and result["file"].startswith("sieve-products-")
    assert steps[0] == (0, "gather") and steps[-1] == (100, "done")
    rows = read_xlsx(context.temp_path)
    assert rows[1][0] == product.id and rows[1][2] == "电水壶"
