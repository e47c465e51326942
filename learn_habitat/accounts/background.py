"""Work done after the response, off the request path: a queue and one worker thread per process.

Mail goes out from here, so how long a request takes never depends on the SMTP server, nor on whether
the address it names has an account (the lookup happens here too).
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from flask import current_app

log = logging.getLogger(__name__)

_jobs: queue.Queue = queue.Queue()
_lock = threading.Lock()
_worker: threading.Thread | None = None
_worker_pid: int | None = None


def run_in_background(job, *args) -> None:
    """Queue ``job(*args)`` to run in this process's worker, inside an app context; returns at once."""
    app = current_app._get_current_object()
    _ensure_worker()
    _jobs.put((app, job, args))


def wait_for_background_jobs() -> None:
    """Block until every queued job has run (tests, and a clean shutdown)."""
    _jobs.join()


def _ensure_worker() -> None:
    global _worker, _worker_pid
    with _lock:
        # A forked process (a gunicorn worker) inherits the queue but not the thread: start its own.
        if _worker is None or not _worker.is_alive() or _worker_pid != os.getpid():
            _worker = threading.Thread(target=_work, name="learn-habitat-background", daemon=True)
            _worker_pid = os.getpid()
            _worker.start()


def _work() -> None:
    while True:
        app, job, args = _jobs.get()
        try:
            with app.app_context():
                job(*args)
        except Exception:  # one failed mail must not stop the ones behind it
            log.exception("background job %s failed", getattr(job, "__name__", job))
        finally:
            _jobs.task_done()
