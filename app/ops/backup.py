"""Backups and restores: one ``.tar.gz`` holding the database (SQLite online backup, or a
``pg_dump -Fc`` archive), the uploaded files and a manifest with a SHA-256 per member.

A restore verifies everything before it touches the live database: the checksums, SQLite's
``integrity_check``, the schema revision against this code's migrations, and the audit hash
chain. Nothing is half-written: archives and databases are built beside their target and moved
into place with ``os.replace``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from app.extensions import db
from app.ops.checks import schema_problem, schema_revision

FORMAT = "sieve-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
UPLOADS = "uploads"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Verified:
    """A backup whose checksums and database passed every check, unpacked in ``folder``."""
    folder: Path
    manifest: dict

    @property
    def database(self) -> Path:
        return self.folder / self.manifest["database"]["name"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory: nothing to back up or restore")
    return Path(url.database).resolve()


# -- checking a database file ---------------------------------------------------------------------

def check_sqlite_database(path: Path) -> tuple[dict, list[str]]:
    """({revision, audit_events}, problems) of a SQLite file: integrity, schema, audit chain."""
    from app.services.audit import records_missing_from_trail, verify_audit_chain

    problems: list[str] = []
    connection = sqlite3.connect(path)
    try:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return {}, [f"not a readable SQLite database: {error}"]
    finally:
        connection.close()
    if result != ["ok"]:
        return {}, ["integrity_check: " + "; ".join(result[:5])]
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            revision = schema_revision(conn)
        problem = schema_problem(revision)
        facts = {"revision": revision}
        if problem:
            return facts, [f"schema: {problem}"]
        with Session(engine) as session:
            count, broken = verify_audit_chain(session)
            facts["audit_events"] = count
            if broken is not None:
                problems.append(f"audit chain broken at event {broken.event_id}: {broken.problem}")
            else:
                problems += [f"audit: {p}" for p in records_missing_from_trail(session)]
    finally:
        engine.dispose()
    return facts, problems


def check_live_database() -> tuple[dict, list[str]]:
    """The same checks on the database the app is configured with (PostgreSQL after restore)."""
    from app.services.audit import records_missing_from_trail, verify_audit_chain

    with db.engine.connect() as conn:
        revision = schema_revision(conn)
    problem = schema_problem(revision)
    if problem:
        return {"revision": revision}, [f"schema: {problem}"]
    count, broken = verify_audit_chain(db.session)
    problems = [] if broken is None else [
        f"audit chain broken at event {broken.event_id}: {broken.problem}"]
    if broken is None:
        problems += [f"audit: {p}" for p in records_missing_from_trail(db.session)]
    db.session.rollback()
    return {"revision": revision, "audit_events": count}, problems


# -- backup ---------------------------------------------------------------------------------------

def _sqlite_snapshot(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while the app keeps reading and writing."""
    if not source.exists():
        raise BackupError(f"no database file at {source}")
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one step: a single read transaction, so one point in time
        dst.execute("PRAGMA journal_mode = DELETE")  # self-contained: no -wal file beside it
    finally:
        dst.close()
        src.close()


def pg_command(tool: str, url: URL, *args: str) -> tuple[list[str], dict]:
    """(argv, environment) for a PostgreSQL client tool; the password goes in PGPASSWORD,
    never on the command line."""
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return [tool, *args, "--dbname", plain.render_as_string(hide_password=False)], env


def pg_dump_command(url: URL, output: Path) -> tuple[list[str], dict]:
    return pg_command("pg_dump", url, "--format=custom", "--no-owner", "--no-privileges",
                      "--file", str(output))


def _run(argv: list[str], env: dict) -> None:
    if shutil.which(argv[0]) is None:
        raise BackupError(f"{argv[0]} is not on PATH; install the PostgreSQL client tools "
                          f"(apt-get install postgresql-client) or run: {' '.join(argv)}")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _upload_files(root: Path) -> list[Path]:
    """Stored attachment files (not half-received ``.upload-*.part`` temporaries)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def default_backup_path() -> Path:
    folder = Path(current_app.config["SIEVE_BACKUP_DIR"])
    return folder / f"sieve-{_now():%Y%m%d-%H%M%S}.tar.gz"


def create_backup(output: Path | None = None, with_files: bool = True,
                  echo: Callable[[str], None] = print) -> tuple[Path, dict]:
    """Write the backup archive (and ``<archive>.sha256``); return (path, manifest)."""
    output = (output or default_backup_path()).resolve()
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = database_url()
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".sieve-backup-") as tmp:
        work = Path(tmp)
        if url.get_backend_name() == "sqlite":
            member = SQLITE_MEMBER
            _sqlite_snapshot(_sqlite_path(url), work / member)
            facts, problems = check_sqlite_database(work / member)
        elif url.get_backend_name() == "postgresql":
            member = PG_MEMBER
            facts, problems = check_live_database()
            argv, env = pg_dump_command(url, work / member)
            echo("running: " + " ".join(argv))  # the password is in PGPASSWORD, not argv
            _run(argv, env)
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        for problem in problems:
            echo(f"warning: {problem}")
        root = Path(current_app.config["SIEVE_UPLOAD_DIR"])
        uploads = _upload_files(root) if with_files else []
        manifest = {
            "format": FORMAT, "created_at": _now().isoformat(timespec="seconds"),
            "dialect": url.get_backend_name(),
            "source": url.render_as_string(hide_password=True),
            "schema_revision": facts.get("revision"),
            "audit_events": facts.get("audit_events"),
            "verified": not problems, "problems": problems,
            "database": {"name": member, "sha256": _sha256(work / member),
                         "bytes": (work / member).stat().st_size},
            "files": [{"name": f"{UPLOADS}/{p.relative_to(root).as_posix()}",
                       "sha256": _sha256(p), "bytes": p.stat().st_size} for p in uploads],
        }
        partial = work / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(_now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(work / member, arcname=member)
            for path, entry in zip(uploads, manifest["files"], strict=True):
                archive.add(path, arcname=entry["name"])
        os.chmod(partial, 0o600)
        os.replace(partial, output)
    output.with_name(output.name + ".sha256").write_text(f"{_sha256(output)}  {output.name}\n")
    return output, manifest


# -- restore --------------------------------------------------------------------------------------

def _safe_member(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def unpack_and_verify(archive: Path, folder: Path) -> Verified:
    """Unpack ``archive`` into ``folder`` and check it against its manifest and checksum file;
    for SQLite also check the database itself. Raise BackupError naming every problem."""
    if not archive.is_file():
        raise BackupError(f"no backup file at {archive}")
    sums = archive.with_name(archive.name + ".sha256")
    if sums.exists() and sums.read_text().split()[:1] != [_sha256(archive)]:
        raise BackupError(f"{archive.name} does not match its checksum file {sums.name}: "
                          "the copy is damaged")
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            if not all(_safe_member(m.name) for m in members):
                raise BackupError(f"{archive.name}: a member's path leaves the archive")
            tar.extractall(folder, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive.name} is not a readable backup archive: {error}") from error
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{archive.name} has no readable {MANIFEST}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive.name}: unknown backup format {manifest.get('format')!r}")
    problems = []
    for entry in [manifest["database"], *manifest.get("files", [])]:
        path = folder / entry["name"]
        if not _safe_member(entry["name"]) or not path.is_file():
            problems.append(f"{entry['name']}: missing from the archive")
        elif _sha256(path) != entry["sha256"]:
            problems.append(f"{entry['name']}: checksum does not match the manifest")
    verified = Verified(folder, manifest)
    if not problems and manifest["dialect"] == "sqlite":
        _facts, db_problems = check_sqlite_database(verified.database)
        problems += db_problems
    if problems:
        raise BackupError(f"{archive.name} failed verification:\n" +
                          "\n".join(f"  - {p}" for p in problems))
    return verified


def processes_using(path: Path) -> list[int]:
    """Other processes with ``path`` (or its -wal/-shm) open, from /proc (Linux)."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    found = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fd_dir.parent.name)
        if pid == os.getpid():
            continue
        try:
            if any(os.readlink(fd) in names for fd in fd_dir.iterdir()):
                found.append(pid)
        except OSError:  # gone, or not ours to look at
            continue
    return sorted(found)


def _restore_files(verified: Verified) -> int:
    """Put the backup's uploaded files back (files added since stay, unreferenced)."""
    root = Path(current_app.config["SIEVE_UPLOAD_DIR"])
    restored = 0
    for entry in verified.manifest.get("files", []):
        relative = Path(entry["name"]).relative_to(UPLOADS)
        target = root / relative
        if target.is_file() and _sha256(target) == entry["sha256"]:
            continue
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        staging = target.with_name(f".restore-{target.name}")
        shutil.copyfile(verified.folder / entry["name"], staging)
        os.replace(staging, target)
        restored += 1
    return restored


def _swap_sqlite(verified: Verified, target: Path, force: bool) -> Path | None:
    """Move the verified database into place; the one it replaces is kept beside it."""
    if target.exists() and not force:
        raise BackupError(f"{target} exists: pass --force to replace it (the current database "
                          "is kept as <name>.pre-restore-<time>)")
    holders = processes_using(target)
    if holders:
        raise BackupError(f"{target} is open in process(es) {', '.join(map(str, holders))}: "
                          "stop the web and job workers first")
    db.session.remove()
    db.engine.dispose()  # our own pooled connections, if any
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(verified.database, staging)
    with open(staging, "rb") as fh:
        os.fsync(fh.fileno())
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.pre-restore-{_now():%Y%m%d-%H%M%S}")
        for suffix in ("", "-wal", "-shm"):  # the WAL belongs to the file it is moved with
            old = Path(f"{target}{suffix}")
            if old.exists():
                os.replace(old, Path(f"{kept}{suffix}"))
    os.replace(staging, target)
    return kept


def _restore_postgresql(verified: Verified, url: URL, force: bool,
                        echo: Callable[[str], None]) -> None:
    # The archive's table of contents must be readable before the database is touched.
    _run(["pg_restore", "--list", str(verified.database)], dict(os.environ))
    with db.engine.connect() as conn:
        has_schema = schema_revision(conn) is not None
    if has_schema and not force:
        raise BackupError("the database already has a Sieve schema: pass --force to replace its"
                          " contents (pg_restore --clean, in one transaction)")
    db.session.remove()
    db.engine.dispose()
    argv, env = pg_command("pg_restore", url, "--clean", "--if-exists", "--no-owner",
                           "--no-privileges", "--single-transaction", "--exit-on-error")
    argv.append(str(verified.database))
    echo("running: " + " ".join(argv))
    _run(argv, env)


def restore_backup(archive: Path, force: bool = False,
                   echo: Callable[[str], None] = print) -> dict:
    """Verify ``archive`` then make it the app's database and files; return its manifest."""
    archive = archive.resolve()
    url = database_url()
    parent = _sqlite_path(url).parent if url.get_backend_name() == "sqlite" else None
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix=".sieve-restore-") as tmp:
        verified = unpack_and_verify(archive, Path(tmp))
        dialect = verified.manifest["dialect"]
        if dialect != url.get_backend_name():
            raise BackupError(f"{archive.name} is a {dialect} backup; the app's database is "
                              f"{url.get_backend_name()}")
        if dialect == "sqlite":
            kept = _swap_sqlite(verified, _sqlite_path(url), force)
            if kept:
                echo(f"the replaced database is kept as {kept}")
        else:
            _restore_postgresql(verified, url, force, echo)
            _facts, problems = check_live_database()
            if problems:
                raise BackupError("restored, but the database fails its checks:\n" +
                                  "\n".join(f"  - {p}" for p in problems))
        restored = _restore_files(verified)
        echo(f"files: {restored} restored, {len(verified.manifest.get('files', [])) - restored}"
             " already in place")
        return verified.manifest
