"""The ``flask metrics`` commands, and a worker killed in the middle of an import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from app.models import CustomerMetric, MetricImport, User
from app.services import metrics
from tests.conftest import REPO_ROOT
from tests.factories import make_product

HEADER = "product_id,period,units_sold,orders,reviews,avg_rating,positive_reviews,returns,complaints"


def test_import_prints_a_summary_and_exits_zero(runner, world, tmp_path):
    product = make_product(world, "listed")
    path = tmp_path / "october.csv"
    path.write_text(f"{HEADER}\n{product.id},2026-10,10,9,2,4.5,2,1,0\n")
    result = runner.invoke(args=["metrics", "import", str(path), "--as", world.manager.email])
    assert result.exit_code == 0, result.output
    assert "1 rows from october.csv applied as selection_manager@test.example: 1 added" in \
        result.output
    assert "2026-10: 1 added, 0 changed, 0 unchanged, 0 removed" in result.output
    record = db.session.scalars(select(MetricImport)).one()
    assert (record.source, record.status) == ("cli", "applied")


def test_refused_file_exits_non_zero_and_prints_each_error(runner, world, tmp_path):
    product = make_product(world, "listed")
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\n{product.id},2026-10,10,9,2,4.5,2,1,0\n"
                    f"{product.id},2026-13,10,9,2,4.5,3,1,0\n")
    result = runner.invoke(args=["metrics", "import", str(path)])  # the first admin by default
    assert result.exit_code == 1
    assert f"{path}:3:period: 2026-13: month must be 01 to 12" in result.output
    assert f"{path}:3:positive_reviews: positive reviews (3) above reviews (2)" in result.output
    assert "refused (2 problems); nothing was stored" in result.output
    assert db.session.scalar(select(func.count()).select_from(CustomerMetric)) == 0


def test_staff_who_may_not_import_are_refused(runner, world, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "\n")
    result = runner.invoke(args=["metrics", "import", str(path), "--as", world.qc.email])
    assert result.exit_code == 1
    assert "only selection managers and admins" in result.output


def test_template_files(runner, app, tmp_path):
    result = runner.invoke(args=["metrics", "template", "-o", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == ",".join(metrics.COLUMNS) and len(lines) == 3
    result = runner.invoke(args=["metrics", "template", "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(tmp_path / "t.xlsx")
    assert workbook.sheetnames == ["metrics", "columns"]
    assert [c.value for c in workbook["metrics"][1]] == list(metrics.COLUMNS)
    assert runner.invoke(args=["metrics", "template", "-o", str(tmp_path / "t.txt")]).exit_code == 1


def _big_file(path, product_ids, years: int) -> int:
    rows = 0
    with open(path, "w") as out:
        out.write(HEADER + "\n")
        for pid in product_ids:
            for year in range(2000, 2000 + years):
                out.writelines(f"{pid},{year}-{month:02d},10,9,2,4.5,2,1,0\n"
                               for month in range(1, 13))
                rows += 12
    return rows


def test_a_worker_killed_during_the_write_leaves_no_rows(app, world, database_url, tmp_path):
    ids = [make_product(world).id for _ in range(3)]
    rows = _big_file(tmp_path / "big.csv", ids, 7000)  # 3 x 84,000 = 252,000 rows
    assert rows == 252_000
    manager_id, email = world.manager.id, world.manager.email
    db.session.remove()
    db.engine.dispose()
    env = {**os.environ, "SIEVE_DATABASE_URL": database_url, "SIEVE_JOBS_INLINE": "1",
           "SIEVE_REPORT_DIR": str(tmp_path / "reports"),
           metrics.importing.PAUSE_ENV: "0.5"}
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "metrics", "import",
         str(tmp_path / "big.csv"), "--as", email],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        deadline = time.monotonic() + 120
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Writing") or time.monotonic() > deadline:
                break
        assert any(line.startswith("Writing") for line in seen), "".join(seen)
        time.sleep(1.2)  # a few chunks are written, uncommitted
        assert process.poll() is None, "".join(seen)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM customer_metrics")).scalar() == 0
        assert connection.execute(text("SELECT status FROM metric_imports")).scalar() == \
            "running"
    engine.dispose()
    manager = db.session.get(User, manager_id)
    record = metrics.get_import(manager, db.session.scalar(select(MetricImport.id)))
    assert record.status == "failed"
    assert "stopped before it finished" in record.errors[0]["problem"]
    assert db.session.scalar(select(func.count()).select_from(CustomerMetric)) == 0
