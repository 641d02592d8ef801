"""File responses for every download (attachments, job files, reports): one set of headers."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from flask import Response, send_file

#: Nothing a downloaded file contains may run or load anything in the browser.
FILE_CSP = "default-src 'none'"


def send_download(source: Path | BinaryIO, mimetype: str, download_name: str, *,
                  as_attachment: bool = True, etag: str | None = None) -> Response:
    """The file as a response that is never sniffed, never able to run anything and never
    kept by a shared cache."""
    response = send_file(source, mimetype=mimetype, as_attachment=as_attachment,
                         download_name=download_name, etag=etag if etag else True,
                         conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-store"
    return response
