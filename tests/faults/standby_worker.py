"""Worker processes on demand for the kill tests: this process boots the app once (handlers
preloaded), then for each line on stdin forks a worker that runs the loop of
``flask --app app jobs worker --burst`` and prints its pid. Booting a fresh Python per kill
would take seconds; a fork takes milliseconds, and the worker is as real as any (it forks its
own work horses, which the tests kill with SIGKILL)."""

from __future__ import annotations

import os
import sys

from app import create_app
from app.services import job_queue


def _reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    app = create_app()
    with app.app_context():
        job_queue._preload_handlers()
    print("ready", flush=True)
    for _line in sys.stdin:
        _reap()
        pid = os.fork()
        if pid == 0:  # the worker: its log (RQ logs to stdout) goes to stderr, not to the test
            os.dup2(2, 1)
            sys.stdout = sys.stderr
            code = 1
            try:
                with app.app_context():
                    job_queue.work(burst=True)
                code = 0
            finally:
                os._exit(code)
        print(pid, flush=True)
    _reap()


if __name__ == "__main__":
    main()
