"""One JSON line per request on stdout: method, path, status, duration, request id."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, g, request

#: An X-Request-ID from a proxy is kept when it looks like an id, else a fresh one is made.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

request_log = logging.getLogger("sieve.request")


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is when a line is emitted (servers and tests swap it)."""

    def __init__(self):
        super().__init__(sys.stdout)
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def register_request_log(app: Flask) -> None:
    @app.before_request
    def request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_clock = time.perf_counter()

    @app.after_request
    def log_request(response):
        rid = g.get("request_id")
        if rid:
            response.headers.setdefault("X-Request-ID", rid)
        if app.config.get("SIEVE_REQUEST_LOG") and "request_clock" in g:
            request_log.info(json.dumps({
                "event": "request", "method": request.method, "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.request_clock) * 1000, 1),
                "request_id": rid, "remote": request.remote_addr, "pid": os.getpid(),
            }, separators=(",", ":")))
        return response

    if app.config.get("SIEVE_REQUEST_LOG") and not request_log.handlers:
        request_log.addHandler(StdoutHandler())
        request_log.setLevel(logging.INFO)
        request_log.propagate = False
