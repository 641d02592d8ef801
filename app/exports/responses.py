"""Export responses shared by the web UI and the API: a streamed CSV, a sent-then-removed XLSX."""

from __future__ import annotations

import os
import tempfile

from flask import Response, stream_with_context

from app.downloads import FILE_CSP, send_download
from app.services import exports as export_service

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(export: export_service.Export) -> Response:
    """The prepared export as a download with the headers of every other download
    (``app.downloads``): nosniff, a no-script CSP, no-store, an attachment named by date."""
    if export.fmt == "csv":
        return _csv(export)
    return _xlsx(export)


def _csv(export: export_service.Export) -> Response:
    """Streamed: rows are read from the database and sent batch by batch, never all held."""
    body = stream_with_context(export_service.iter_csv(export.columns, export.rows()))
    response = Response(body, mimetype=CSV_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _xlsx(export: export_service.Export) -> Response:
    """Written to a temporary file, opened, and the name removed at once: the open handle is
    what is sent, so nothing is left on disk whatever happens to the response."""
    fd, path = tempfile.mkstemp(prefix="sieve-export-", suffix=".xlsx")
    os.close(fd)
    try:
        export_service.write_xlsx(export.columns, export.rows(), path, title=export.dataset)
        handle = open(path, "rb")  # noqa: SIM115 - closed by the response
    finally:
        os.unlink(path)
    return send_download(handle, XLSX_MIMETYPE, export.filename)
