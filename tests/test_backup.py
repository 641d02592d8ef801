"""``flask --app app backup`` / ``restore``: backup -> change -> restore gives the data as at the
backup; a damaged, tampered or outdated backup is refused before the live database is touched."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, AuditEvent, Supplier
from app.ops import backup as ops_backup
from app.services import attachments, registry
from app.services.audit import verify_audit_chain
from tests import factories
from tests.conftest import PG_URL, _migrate, make_app

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(200) + b"\xff\xd9"


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file: the SQLite tests run on SQLite even when the suite runs on
    PostgreSQL (SIEVE_TEST_DATABASE_URL)."""
    path = tmp_path_factory.mktemp("backup-template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def on_postgresql() -> bool:
    """Requested by the PostgreSQL test: its app uses the suite's database instead."""
    return True


@pytest.fixture
def app(request, sqlite_template, tmp_path):
    if "on_postgresql" in request.fixturenames:
        url = request.getfixturevalue("database_url")
    else:
        target = tmp_path / "live" / "sieve.db"
        target.parent.mkdir()
        shutil.copy(sqlite_template, target)
        url = f"sqlite:///{target}"
    app = make_app(url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def counts() -> dict[str, int]:
    db.session.rollback()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Supplier, AuditEvent, Attachment)}


@pytest.fixture
def stored(app, world, upload_dir):
    """World plus a product with one attachment stored on disk."""
    product = factories.make_product(world)
    attachment = attachments.store_attachment(world.supplier_user, product.id, JPEG, "k.jpg")
    return attachments.stored_path(attachment)


def run(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


def make_backup(runner, path: Path) -> dict:
    result = run(runner, "backup", "-o", str(path))
    assert result.exit_code == 0, result.output
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


def test_backup_change_restore_gives_the_data_as_at_backup(app, runner, stored, tmp_path):
    before = counts()
    archive = tmp_path / "out" / "sieve.tar.gz"
    manifest = make_backup(runner, archive)
    assert manifest["verified"] and manifest["audit_events"] == before["AuditEvent"]
    assert [f["name"] for f in manifest["files"]] == [
        f"uploads/{stored.parent.name}/{stored.name}"]
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (tmp_path / "out" / "sieve.tar.gz.sha256").read_text() == f"{digest}  sieve.tar.gz\n"

    registry.create_supplier(None, {"name": "Added After Backup", "status": "active"})
    stored.unlink()
    assert counts()["Supplier"] == before["Supplier"] + 1

    refused = run(runner, "restore", str(archive))
    assert refused.exit_code == 1 and "pass --force" in refused.output
    assert counts()["Supplier"] == before["Supplier"] + 1  # refused: nothing changed

    result = run(runner, "restore", "--force", str(archive))
    assert result.exit_code == 0, result.output
    assert "files: 1 restored" in result.output
    assert counts() == before
    assert db.session.scalar(select(Supplier).where(Supplier.name == "Added After Backup")) is None
    assert verify_audit_chain(db.session)[1] is None
    assert stored.read_bytes() == JPEG
    live = Path(db.engine.url.database)
    kept = [p for p in live.parent.iterdir() if ".pre-restore-" in p.name and
            not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1  # the replaced database is kept, with the supplier added after backup
    with sqlite3.connect(kept[0]) as old:
        assert old.execute("SELECT count(*) FROM suppliers").fetchone()[0] == \
            before["Supplier"] + 1
    assert run(runner, "audit", "verify").exit_code == 0


def test_backup_is_a_consistent_snapshot_while_a_writer_holds_a_transaction(app, runner, world,
                                                                             tmp_path):
    live = db.engine.url.database
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE suppliers SET name = 'uncommitted' WHERE id = ?",
                   (world.supplier_b.id,))
    try:
        manifest = make_backup(runner, tmp_path / "b.tar.gz")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert manifest["verified"]
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        tar.extract("database.sqlite3", tmp_path, filter="data")
    with sqlite3.connect(tmp_path / "database.sqlite3") as snap:
        names = {row[0] for row in snap.execute("SELECT name FROM suppliers")}
        assert "uncommitted" not in names and world.supplier_b.name in names
        assert snap.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def _rewrite(archive: Path, target: Path, change_db=None, change_manifest=None) -> None:
    """Copy ``archive`` to ``target`` after editing its database and/or manifest; the manifest's
    checksum is recomputed so only the deeper checks can notice."""
    work = target.parent / "rewrite"
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    manifest = json.loads((work / "manifest.json").read_text())
    database = work / manifest["database"]["name"]
    if change_db:
        with sqlite3.connect(database) as conn:
            change_db(conn)
        conn.close()
        manifest["database"]["sha256"] = hashlib.sha256(database.read_bytes()).hexdigest()
    if change_manifest:
        change_manifest(manifest)
    with tarfile.open(target, "w:gz") as tar:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for path in sorted(work.rglob("*")):
            if path.is_file() and path.name != "manifest.json":
                tar.add(path, arcname=path.relative_to(work).as_posix())
    shutil.rmtree(work)


def _forge_audit(conn):
    conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                "AND tbl_name = 'audit_events'").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE audit_events SET subject_id = subject_id + 1000 WHERE id = 2")


@pytest.mark.parametrize("damage, words", [
    ("checksum_file", "does not match its checksum file"),
    ("member_bytes", "checksum does not match the manifest"),
    ("audit_chain", "audit chain broken at event 2"),
    ("old_schema", "schema: database at revision 0006"),
    ("not_an_archive", "not a readable backup archive"),
    ("missing_member", "missing from the archive"),
])
def test_a_damaged_backup_is_refused_and_the_live_database_untouched(app, runner, stored,
                                                                     tmp_path, damage, words):
    good = tmp_path / "good.tar.gz"
    make_backup(runner, good)
    bad = tmp_path / "bad.tar.gz"
    if damage == "checksum_file":
        shutil.copy(good, bad)
        bad.with_name("bad.tar.gz.sha256").write_text("0" * 64 + "  bad.tar.gz\n")
    elif damage == "member_bytes":
        _rewrite(good, bad, change_manifest=lambda m: m["files"][0].update(sha256="f" * 64))
    elif damage == "audit_chain":
        _rewrite(good, bad, change_db=_forge_audit)
    elif damage == "old_schema":
        _rewrite(good, bad, change_db=lambda c: c.execute(
            "UPDATE alembic_version SET version_num = '0006'"))
    elif damage == "not_an_archive":
        bad.write_bytes(good.read_bytes()[:500])
    else:
        _rewrite(good, bad, change_manifest=lambda m: m["files"].append(
            {"name": "uploads/zz/zzzz", "sha256": "0" * 64, "bytes": 1}))
    registry.create_supplier(None, {"name": "Live Only", "status": "active"})
    before = counts()
    live = Path(db.engine.url.database)
    result = run(runner, "restore", "--force", str(bad))
    assert result.exit_code == 1 and words in result.output, result.output
    assert counts() == before
    assert not [p for p in live.parent.iterdir() if ".pre-restore-" in p.name
                or p.name.startswith(".sieve-restore-")]


def test_restore_refuses_while_another_process_has_the_database_open(app, runner, world,
                                                                    tmp_path):
    archive = tmp_path / "b.tar.gz"
    make_backup(runner, archive)
    live = db.engine.url.database
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
         " c.execute('SELECT 1 FROM suppliers').fetchall(); print('open', flush=True);"
         " sys.stdin.read()", live], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        result = run(runner, "restore", "--force", str(archive))
    finally:
        holder.communicate("", timeout=30)
    assert result.exit_code == 1
    assert f"is open in process(es) {holder.pid}" in result.output
    assert run(runner, "restore", "--force", str(archive)).exit_code == 0


def test_restore_into_an_empty_location_needs_no_force(app, runner, world, tmp_path):
    archive = tmp_path / "b.tar.gz"
    make_backup(runner, archive)
    fresh = tmp_path / "new-home" / "sieve.db"
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{fresh}"
    manifest = ops_backup.restore_backup(archive, echo=lambda _line: None)
    with sqlite3.connect(fresh) as conn:
        assert conn.execute("SELECT count(*) FROM audit_events").fetchone()[0] == \
            manifest["audit_events"]
    conn.close()


def test_backup_without_files_and_default_location(app, runner, stored, tmp_path):
    app.config["SIEVE_BACKUP_DIR"] = str(tmp_path / "backups")
    result = run(runner, "backup", "--no-files")
    assert result.exit_code == 0, result.output
    (archive,) = (tmp_path / "backups").glob("sieve-*.tar.gz")
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["database.sqlite3", "manifest.json"]
    assert oct(archive.stat().st_mode & 0o777) == "0o600"


@pytest.mark.skipif(not (PG_URL and shutil.which("pg_dump") and shutil.which("pg_restore")),
                    reason="PostgreSQL variant: needs SIEVE_TEST_DATABASE_URL and pg_dump")
def test_postgresql_backup_change_restore(on_postgresql, app, runner, stored, tmp_path):
    before = counts()
    archive = tmp_path / "pg.tar.gz"
    manifest = make_backup(runner, archive)
    assert manifest["dialect"] == "postgresql" and manifest["database"]["name"] == "database.pgdump"
    registry.create_supplier(None, {"name": "Added After Backup", "status": "active"})
    assert run(runner, "restore", str(archive)).exit_code == 1  # has a schema: needs --force
    result = run(runner, "restore", "--force", str(archive))
    assert result.exit_code == 0, result.output
    assert counts() == before
    assert run(runner, "audit", "verify").exit_code == 0


def test_postgresql_backup_command_keeps_the_password_off_the_command_line():
    from sqlalchemy.engine import make_url

    argv, env = ops_backup.pg_dump_command(
        make_url("postgresql+psycopg://sieve:s3cret@db-host:5432/sieve"), Path("/x/out.pgdump"))
    assert argv == ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file",
                    "/x/out.pgdump", "--dbname", "postgresql://sieve@db-host:5432/sieve"]
    assert env["PGPASSWORD"] == "s3cret"
