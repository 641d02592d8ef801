"""The ``metrics_import`` background job: the uploaded file, kept privately until the job ends.

Uploads are saved under the job output folder (SIEVE_REPORT_DIR, which every worker shares) in
``metrics-uploads/`` (mode 0700, files 0600) and removed when the job ends, whatever its outcome.
A file whose job never ran (its process died first) is removed by the next upload once it is
older than the job timeout.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from app.models import User
from app.services import jobs
from app.services.errors import ValidationFailed, raise_if_errors
from app.services.metrics.files import FileRefused, file_kind
from app.services.metrics.importing import display_name, import_file, refusal, require_importer

_UPLOAD = re.compile(r"upload-[0-9a-f]{32}\.(csv|xlsx)")
_BLOCK = 1 << 20


def upload_dir() -> Path:
    folder = jobs.output_dir() / "metrics-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    limit = time.time() - 2 * int(current_app.config.get("SIEVE_JOB_TIMEOUT", 3600))
    for path in folder.glob("upload-*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def save_upload(actor: User, stream: BinaryIO, filename: str) -> str:
    """Keep an uploaded file for the job (checked by extension and content); its token."""
    require_importer(actor)
    name = display_name(filename)
    extension = Path(name).suffix.lower().lstrip(".")
    if extension not in ("csv", "xlsx"):
        raise ValidationFailed(f"file: {name}: only .csv and .xlsx files can be imported",
                               {"file": "only .csv and .xlsx files"})
    folder = upload_dir()
    _sweep(folder)
    token = f"upload-{secrets.token_hex(16)}.{extension}"
    path = folder / token
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while block := stream.read(_BLOCK):
                out.write(block)
        file_kind(path, name)
    except FileRefused as refused:
        path.unlink(missing_ok=True)
        raise ValidationFailed(f"file: {refused.problem.problem}",
                               {"file": refused.problem.problem}) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return token


def discard_upload(token: str) -> None:
    if isinstance(token, str) and _UPLOAD.fullmatch(token):
        (upload_dir() / token).unlink(missing_ok=True)


def check_import_job(actor: User, params: dict) -> dict:
    """The job's parameters, checked when it is enqueued (managers and admins only)."""
    require_importer(actor)
    errors: dict = {}
    upload = params.get("upload")
    if not isinstance(upload, str) or not _UPLOAD.fullmatch(upload):
        errors["upload"] = "an uploaded file's token"
    elif not (upload_dir() / upload).is_file():
        errors["upload"] = "no such uploaded file (it was removed)"
    filename = params.get("filename")
    if not isinstance(filename, str) or not filename.strip():
        errors["filename"] = "required"
    source = params.get("source", "upload")
    if source not in ("upload", "api"):
        errors["source"] = "upload or api"
    replace = params.get("replace_periods", False)
    if not isinstance(replace, bool):
        errors["replace_periods"] = "true or false"
    raise_if_errors(errors)
    return {"upload": upload, "filename": display_name(filename), "source": source,
            "replace_periods": replace}


def run_import_job(context: jobs.JobContext) -> dict:
    """Import the uploaded file; the job fails (naming the problems) when the file is refused.
    The uploaded file is removed whatever happens."""
    params = context.params
    try:
        record = import_file(context.actor, upload_dir() / params["upload"], params["filename"],
                             params.get("source", "upload"),
                             bool(params.get("replace_periods")), context.progress,
                             job_id=context.job_id)
    finally:
        discard_upload(params.get("upload"))
    if record.status != "applied":
        raise refusal(record)
    summary = record.summary or {}
    return {"import_id": record.id, "status": record.status, "rows": record.rows,
            **{key: summary.get(key, 0) for key in ("added", "changed", "unchanged",
                                                    "removed")}}
