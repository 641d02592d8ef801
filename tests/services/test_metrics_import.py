"""Customer metrics import: validation (each problem named, nothing stored), re-import, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, CustomerMetric, MetricImport
from app.services import metrics
from app.services.errors import Forbidden, NotFound
from tests.factories import make_product

HEADER = "product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,returns,complaints"


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(CustomerMetric))


def write(tmp_path: Path, text: str, name: str = "m.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(world, path: Path, **kwargs) -> MetricImport:
    return metrics.import_file(world.manager, path, path.name, "cli", **kwargs)


def problems(record: MetricImport) -> list[str]:
    return list(metrics.problem_lines(record))


@pytest.fixture
def products(world):
    return [make_product(world, "listed"), make_product(world, "listed")]


def csv_rows(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def test_a_good_file_is_applied_and_audited(world, products, tmp_path):
    a, b = products
    path = write(tmp_path, csv_rows(f"{a.id},2026-10,100,90,10,4.5,9,5,1",
                                    f"{b.id},2026-10,50,50,0,,0,0,0"))
    record = run(world, path)
    assert record.status == "applied", problems(record)
    assert record.rows == 2 and record.summary["added"] == 2
    assert record.summary["periods"] == {"2026-10": {"added": 2, "changed": 0, "unchanged": 0,
                                                     "removed": 0}}
    rows = db.session.scalars(select(CustomerMetric).order_by(CustomerMetric.product_id)).all()
    assert [(r.product_id, r.period, r.period_kind, r.units_sold, r.avg_rating) for r in rows] == [
        (a.id, "2026-10", "month", 100, 4.5), (b.id, "2026-10", "month", 50, None)]
    assert len(record.checksum) == 64
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "metric_import", AuditEvent.subject_id == record.id)).one()
    assert event.action == "apply_metric_import" and event.actor_id == world.manager.id
    assert '"file": "m.csv"' in event.changes and record.checksum in event.changes
    assert '"rows": 2' in event.changes and '"added": 2' in event.changes


def test_sku_column_and_weeks(world, products, tmp_path):
    a, _b = products
    header = HEADER.replace("product_id", "sku")
    path = write(tmp_path, csv_rows(f"{a.sku_code},2026-w43,10,10,1,5,1,0,0", header=header))
    record = run(world, path)
    assert record.status == "applied", problems(record)
    row = db.session.scalars(select(CustomerMetric)).one()
    assert (row.product_id, row.period, row.period_kind) == (a.id, "2026-W43", "week")


@pytest.mark.parametrize(("line", "expected"), [
    ("{a},2026-10,100,90,10,4.5,9,-5,1", "m.csv:2:returns: negative"),
    ("{a},2026-10,100,90,10,4.5,9,1.5,1", "m.csv:2:returns: not a whole number"),
    ("{a},2026-10,100,90,10,4.5,9,abc,1", "m.csv:2:returns: not a whole number"),
    ("{a},2026-10,25,20,10,4.5,9,28,1", "m.csv:2:returns: return rate 112 % is outside 0-100 %"),
    ("{a},2026-10,0,0,0,,0,3,0", "m.csv:2:returns: return rate is outside 0-100 %"),
    ("{a},2026-10,100,10,10,4.5,9,1,11", "m.csv:2:complaints: complaint rate 110 %"),
    ("{a},2026-10,100,90,10,4.5,12,1,1", "m.csv:2:positive_reviews: positive reviews (12) above"),
    ("{a},2026-10,100,90,10,5.2,9,1,1", "m.csv:2:avg_rating: average rating 5.2 is outside 1-5"),
    ("{a},2026-10,100,90,10,,9,1,1", "m.csv:2:avg_rating: required when there are reviews"),
    ("{a},2026-13,100,90,10,4,9,1,1", "m.csv:2:period: 2026-13: month must be 01 to 12"),
    ("{a},2026-W54,100,90,10,4,9,1,1", "m.csv:2:period: 2026-W54: 2026 has 53 ISO weeks"),
    ("{a},Oct 2026,100,90,10,4,9,1,1", "m.csv:2:period: Oct 2026: not a period"),
    ("999999,2026-10,100,90,10,4,9,1,1", "m.csv:2:product_id: unknown product 999999"),
    ("x1,2026-10,100,90,10,4,9,1,1", "m.csv:2:product_id: not a whole number"),
    ("{a},2026-10,,90,10,4,9,1,1", "m.csv:2:units_sold: required"),
])
def test_each_bad_value_is_named_and_nothing_is_stored(world, products, tmp_path, line, expected):
    a, b = products
    good = f"{b.id},2026-10,1,1,0,,0,0,0"
    path = write(tmp_path, csv_rows(good, line.format(a=a.id)).replace(
        f"{good}\n", "", 0))
    path = write(tmp_path, csv_rows(line.format(a=a.id), good))
    record = run(world, path)
    assert record.status == "refused"
    lines = problems(record)
    assert any(found.startswith(expected) for found in lines), lines
    assert stored() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "refuse_metric_import", AuditEvent.subject_id == record.id)) == 1


def test_every_error_is_collected_with_its_row(world, products, tmp_path):
    a, b = products
    path = write(tmp_path, csv_rows(f"{a.id},2026-10,1,1,0,,0,0,0",
                                    f"{a.id},2026-10,-1,1,0,,0,0,0",
                                    f"{b.id},2026-1,1,1,0,,0,0,0"))
    record = run(world, path)
    lines = problems(record)
    assert "m.csv:3:units_sold: negative: a count is 0 or more" in lines
    assert any(x.startswith("m.csv:4:period: 2026-1: the month needs two digits") for x in lines)
    assert record.error_count == len(lines) == 2
    assert record.rows == 3


def test_duplicate_rows_name_both_rows(world, products, tmp_path):
    a, b = products
    path = write(tmp_path, csv_rows(f"{a.id},2026-10,1,1,0,,0,0,0", f"{b.id},2026-10,1,1,0,,0,0,0",
                                    f"{a.id},2026-10,2,2,0,,0,0,0"))
    record = run(world, path)
    assert problems(record) == [
        f"m.csv:4:period: the same product ({a.id}) and period (2026-10) as row 2: one row per "
        "product and period"]
    assert stored() == 0


def test_duplicates_across_chunks(world, products, tmp_path, monkeypatch):
    from app.services.metrics import files

    monkeypatch.setattr(files, "CHUNK_ROWS", 2)
    a, b = products
    rows = [f"{a.id},2026-0{m},1,1,0,,0,0,0" for m in range(1, 6)] + [f"{a.id},2026-02,1,1,0,,0,0,0"]
    record = run(world, write(tmp_path, csv_rows(*rows)))
    assert [x.split(": ", 1)[0] for x in problems(record)] == ["m.csv:7:period"]
    assert "as row 3" in problems(record)[0]


def test_missing_and_unknown_columns_are_named_at_once(world, products, tmp_path):
    path = write(tmp_path, "product_id,period,units_sold,colour\n1,2026-10,3,red\n")
    record = run(world, path)
    lines = problems(record)
    assert "m.csv:1:colour: unknown column “colour”; the columns are " + ", ".join(
        metrics.COLUMNS) in lines
    assert ("m.csv:1:orders, reviews, avg_rating, positive_reviews, returns, complaints: missing "
            "columns: orders, reviews, avg_rating, positive_reviews, returns, complaints") in lines
    assert stored() == 0


def test_empty_file_and_header_only(world, tmp_path):
    assert problems(run(world, write(tmp_path, ""))) == [
        "m.csv:1:: the file is empty; its first row must name the columns"]
    assert problems(run(world, write(tmp_path, HEADER + "\n", "h.csv"))) == [
        "h.csv:2:: no data rows: the file has a header and nothing else"]


def test_wrong_encoding_names_line_and_byte(world, products, tmp_path):
    a, _b = products
    text = csv_rows(f"{a.id},2026-10,1,1,0,,0,0,0", f"{a.id},2026-11,1,1,0,,0,0,0") + "# café\n"
    record = run(world, write(tmp_path, text, encoding="latin-1"))
    assert record.status == "refused"
    (line,) = problems(record)
    assert line.startswith("m.csv:4:: line 4, byte 6 (0xE9): wrong encoding")
    assert "CSV UTF-8" in line
    assert stored() == 0


def test_utf8_with_bom_is_read(world, products, tmp_path):
    a, _b = products
    record = run(world, write(tmp_path, "\ufeff" + csv_rows(f"{a.id},2026-10,1,1,0,,0,0,0")))
    assert record.status == "applied", problems(record)


def test_ragged_row_is_refused(world, products, tmp_path):
    a, _b = products
    record = run(world, write(tmp_path, csv_rows(f"{a.id},2026-10,1,1,0,,0,0,0,9")))
    assert problems(record) == ["m.csv:2:: line 2: 10 cells where the header has 9; every row "
                                "must have the header's columns"]


def test_other_file_types_are_refused(world, tmp_path):
    assert problems(run(world, write(tmp_path, "x", "m.txt"))) == [
        "m.txt::: m.txt: only .csv and .xlsx files can be imported"]
    fake = tmp_path / "fake.xlsx"
    fake.write_text(HEADER)
    assert "not an XLSX workbook" in problems(run(world, fake))[0]
    png = tmp_path / "p.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    assert "is not a CSV file (it is a PNG image)" in problems(run(world, png))[0]


def xlsx(tmp_path: Path, rows: list[list], name: str = "m.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_xlsx_is_imported(world, products, tmp_path):
    a, b = products
    record = run(world, xlsx(tmp_path, [[a.id, "2026-10", 100, 90, 10, 4.5, 9, 5, 1],
                                        [b.id, "2026-10", 5, 5, 0, None, 0, 0, 0]]))
    assert record.status == "applied", problems(record)
    assert stored() == 2


def test_xlsx_formula_cell_is_named(world, products, tmp_path):
    a, b = products
    record = run(world, xlsx(tmp_path, [[a.id, "2026-10", 100, 90, 10, 4.5, 9, 5, 1],
                                        [b.id, "2026-10", 5, 5, 0, None, 0, "=D2-C2", 0]]))
    assert record.status == "refused"
    assert problems(record) == ["m.xlsx:3:returns: cell H3 holds a formula (=D2-C2); paste the "
                                "values only"]
    assert stored() == 0


def test_xlsx_errors_name_rows(world, products, tmp_path):
    a, _b = products
    record = run(world, xlsx(tmp_path, [[a.id, "2026-10", 100, 90, 10, 4.5, 9, 5, 1],
                                        [a.id, "2026-11", 100, 90, 10, 7, 9, 5, 1]]))
    assert problems(record) == ["m.xlsx:3:avg_rating: average rating 7 is outside 1-5"]


def test_sku_of_several_suppliers_asks_for_product_id(world, tmp_path):
    a = make_product(world, "listed", sku_code="SAME-1")
    make_product(world, "listed", supplier=world.supplier_b, sku_code="SAME-1")
    header = HEADER.replace("product_id", "sku")
    record = run(world, write(tmp_path, csv_rows("SAME-1,2026-10,1,1,0,,0,0,0", "NOPE,2026-10,1,1,0,,0,0,0",
                                                 header=header)))
    lines = problems(record)
    assert lines[0].startswith("m.csv:2:sku: SKU SAME-1 belongs to products of several suppliers")
    assert "give product_id instead" in lines[0] and str(a.id) in lines[0]
    assert lines[1] == "m.csv:3:sku: unknown SKU NOPE"


def test_months_and_weeks_are_not_mixed(world, products, tmp_path):
    a, b = products
    record = run(world, write(tmp_path, csv_rows(f"{a.id},2026-10,1,1,0,,0,0,0",
                                                 f"{b.id},2026-W43,1,1,0,,0,0,0")))
    assert problems(record) == ["m.csv:3:period: 2026-W43 is an ISO week but this file's periods "
                                "are months (e.g. 2026-10); a file holds months or weeks, not both"]
    assert run(world, write(tmp_path, csv_rows(f"{a.id},2026-W43,1,1,0,,0,0,0"), "w.csv")).status \
        == "applied"
    record = run(world, write(tmp_path, csv_rows(f"{a.id},2026-10,1,1,0,,0,0,0"), "m2.csv"))
    assert problems(record) == [f"m2.csv:2:period: product {a.id} already has weekly figures "
                                "(e.g. 2026-W43); a product's figures are all months or all weeks"]


def test_reimport_is_idempotent_and_says_what_changed(world, products, tmp_path):
    a, b = products
    first = csv_rows(f"{a.id},2026-10,100,90,10,4.5,9,5,1", f"{b.id},2026-10,50,50,0,,0,0,0")
    assert run(world, write(tmp_path, first)).status == "applied"
    again = run(world, write(tmp_path, first, "again.csv"))
    assert again.status == "applied"
    assert (again.summary["added"], again.summary["changed"], again.summary["unchanged"]) == (0, 0, 2)
    changed = run(world, write(tmp_path, csv_rows(f"{a.id},2026-10,100,90,10,4.5,9,7,1",
                                                  f"{a.id},2026-11,1,1,0,,0,0,0"), "c.csv"))
    summary = changed.summary
    assert (summary["added"], summary["changed"], summary["unchanged"], summary["removed"]) == \
        (1, 1, 0, 0)
    assert summary["periods"]["2026-10"] == {"added": 0, "changed": 1, "unchanged": 0, "removed": 0}
    assert summary["examples"] == [{"row": 2, "product_id": a.id, "period": "2026-10",
                                    "changes": {"returns": {"before": 5, "after": 7}}}]
    figures = {(r.product_id, r.period): r for r in db.session.scalars(select(CustomerMetric))}
    assert figures[(a.id, "2026-10")].returns == 7
    assert figures[(a.id, "2026-10")].import_id == changed.id
    assert figures[(b.id, "2026-10")].units_sold == 50  # not in the file: left alone
    assert len(figures) == 3


def test_replace_periods_removes_products_missing_from_the_file(world, products, tmp_path):
    a, b = products
    run(world, write(tmp_path, csv_rows(f"{a.id},2026-10,100,90,10,4.5,9,5,1",
                                        f"{b.id},2026-10,50,50,0,,0,0,0",
                                        f"{b.id},2026-09,50,50,0,,0,0,0")))
    record = run(world, write(tmp_path, csv_rows(f"{a.id},2026-10,100,90,10,4.5,9,5,1"), "r.csv"),
                 replace_periods=True)
    assert record.status == "applied"
    assert (record.summary["unchanged"], record.summary["removed"]) == (1, 1)
    assert record.summary["periods"]["2026-10"]["removed"] == 1
    left = sorted((r.product_id, r.period) for r in db.session.scalars(select(CustomerMetric)))
    assert left == [(a.id, "2026-10"), (b.id, "2026-09")]


MANY_MONTHS = [f"{year}-{month:02d}" for year in range(2000, 7834)
               for month in range(1, 13)][:70_000]


def test_a_file_with_more_periods_than_a_statement_has_parameters(world, products, tmp_path):
    """70,000 distinct months, nothing stored (PostgreSQL takes at most 65,535 parameters a
    statement): the check for stored figures asks in slices and the straight write goes ahead."""
    a, _b = products
    lines = [f"{a.id},{month},1,1,0,,0,0,0" for month in MANY_MONTHS]
    record = run(world, write(tmp_path, csv_rows(*lines), "big.csv"))
    assert record.status == "applied", problems(record)
    assert (record.summary["added"], record.summary["changed"]) == (70_000, 0)
    assert len(record.summary["periods"]) == 70_000
    assert stored() == 70_000


def test_a_figure_stored_in_the_last_slice_of_many_periods_is_found(world, products, tmp_path):
    """The one stored figure whose period the big file names sits in the last slice of periods
    asked about: it is found, so replace-periods merges and removes it (asking only the first
    slice would have taken the fresh-write path and left it)."""
    a, b = products
    last = MANY_MONTHS[-1]
    assert last == "7833-04" and last == max(MANY_MONTHS)  # periods are asked in sorted order
    run(world, write(tmp_path, csv_rows(f"{b.id},{last},5,5,0,,0,0,0",
                                        f"{b.id},8500-01,5,5,0,,0,0,0")))
    lines = [f"{a.id},{month},1,1,0,,0,0,0" for month in MANY_MONTHS]
    record = run(world, write(tmp_path, csv_rows(*lines), "big.csv"), replace_periods=True)
    assert record.status == "applied", problems(record)
    assert (record.summary["added"], record.summary["removed"]) == (70_000, 1)
    assert record.summary["periods"][last] == {"added": 1, "changed": 0, "unchanged": 0,
                                               "removed": 1}
    left = db.session.scalars(select(CustomerMetric.period).where(
        CustomerMetric.product_id == b.id)).all()
    assert left == ["8500-01"]
    assert stored() == 70_001


def test_batch_rows_are_checked_and_named(world, products):
    a, b = products
    record = metrics.import_rows(world.manager, [
        {"product_id": a.id, "period": "2026-10", "units_sold": 10, "orders": 10, "reviews": 0,
         "avg_rating": None, "positive_reviews": 0, "returns": 1, "complaints": 0},
        {"product_id": b.id, "period": "2026-10", "units_sold": 10, "orders": 10, "reviews": 0,
         "avg_rating": None, "positive_reviews": 0, "returns": 12, "complaints": 0, "x": 1},
    ])
    assert record.status == "refused"
    assert problems(record) == ["rows[1].x: unknown field “x”; the fields are "
                                + ", ".join(metrics.COLUMNS)]
    record = metrics.import_rows(world.manager, [
        {"product_id": a.id, "period": "2026-10", "units_sold": 10, "orders": 10, "reviews": 0,
         "avg_rating": None, "positive_reviews": 0, "returns": 1, "complaints": 0},
        {"product_id": b.id, "period": "2026-10", "units_sold": 10, "orders": 10, "reviews": 0,
         "positive_reviews": 0, "returns": 12, "complaints": 0}])
    assert problems(record) == ["rows[1].returns: return rate 120 % is outside 0-100 % "
                                "(returns 12, units sold 10)"]
    assert metrics.refusal(record).details == {"rows[1].returns": problems(record)[0].split(
        ": ", 1)[1]}
    assert stored() == 0
    ok = metrics.import_rows(world.manager, [{"sku": a.sku_code, "period": "2026-10",
                                              "units_sold": "3", "orders": 3, "reviews": 1,
                                              "avg_rating": 4, "positive_reviews": 1,
                                              "returns": 0, "complaints": 0}])
    assert ok.status == "applied" and ok.source == "api" and stored() == 1
    twice = metrics.import_rows(world.manager, [
        {"product_id": b.id, "period": "2026-11", "units_sold": 1, "orders": 1, "reviews": 0,
         "positive_reviews": 0, "returns": 0, "complaints": 0}] * 2)
    assert problems(twice) == [f"rows[1].period: the same product ({b.id}) and period (2026-11) "
                               "as rows[0]: one row per product and period"]


def test_only_managers_and_admins_import(world, tmp_path):
    path = write(tmp_path, HEADER + "\n")
    with pytest.raises(NotFound):
        metrics.import_file(world.supplier_user, path, "m.csv", "cli")
    with pytest.raises(Forbidden):
        metrics.import_file(world.qc, path, "m.csv", "cli")
    assert db.session.scalar(select(func.count()).select_from(MetricImport)) == 0


def test_a_running_import_whose_process_is_gone_reads_as_failed(world, app):
    from app.db import write_transaction

    with write_transaction() as session:
        record = MetricImport(source="cli", filename="big.csv", checksum="0" * 64,
                              status="running", summary={"holder": "embedded:" + __import__(
                                  "socket").gethostname() + ":999999999:abcd"},
                              created_by_id=world.manager.id)
        session.add(record)
    found = metrics.get_import(world.manager, record.id)
    assert found.status == "failed"
    assert "stopped before it finished" in found.errors[0]["problem"]


def test_error_report_neutralises_formulas(world, products, tmp_path):
    header = HEADER.replace("product_id", "sku")
    record = run(world, write(tmp_path, csv_rows("=HYPERLINK(1),2026-10,1,1,0,,0,0,0",
                                                 header=header)))
    report = metrics.errors_csv(record)
    assert report.splitlines()[0] == "file,row,column,value,problem"
    assert "'=HYPERLINK(1)" in report and ",=HYPERLINK" not in report
