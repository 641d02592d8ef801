"""``flask --app app backup`` and ``flask --app app restore``: parse options, call app.ops.backup."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive to write (default: SIEVE_BACKUP_DIR/sieve-<time>.tar.gz).")
@click.option("--no-files", is_flag=True, help="Leave the uploaded files out.")
def backup(output, no_files):
    """Back up the database (SQLite online backup, or pg_dump -Fc) and the uploaded files into
    one archive with a manifest of SHA-256 checksums, plus <archive>.sha256."""
    from app.ops.backup import BackupError, create_backup

    try:
        path, manifest = create_backup(output, with_files=not no_files, echo=click.echo)
    except BackupError as error:
        _fail(str(error))
    click.echo(f"backup {path}: {manifest['dialect']} at revision {manifest['schema_revision']},"
               f" {manifest['audit_events']} audit events, {len(manifest['files'])} files,"
               f" {'verified' if manifest['verified'] else 'NOT verified (see warnings)'}")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the existing database.")
def restore(archive, force):
    """Verify a backup ARCHIVE (checksums, integrity, schema at head, audit chain) and make it
    the app's database and files. Stop the web and job workers first."""
    from app.ops.backup import BackupError, restore_backup

    try:
        manifest = restore_backup(archive, force=force, echo=click.echo)
    except BackupError as error:
        _fail(str(error))
    click.echo(f"restored {archive.name}: taken {manifest['created_at']}, revision "
               f"{manifest['schema_revision']}, {manifest['audit_events']} audit events")


def add_backup_commands(group: click.Group) -> None:
    group.add_command(backup)
    group.add_command(restore)
