"""Running the app under gunicorn from the ``serve`` command.

The master builds the app once (courses loaded and rendered, or read back from the instance folder's
snapshot) and forks the workers from it (``preload_app``), so the workers share the courses' memory and none
loads them again. With live updates on, the master also watches the courses folder: on a change it publishes
the new library (see ``learn_habitat.course_library``), which every worker takes at its next request, then
replaces its workers gracefully (as on ``HUP``) with new ones forked from its own up-to-date copy, so the memory
is shared again. Requests in progress finish on the old workers; none fails.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from pathlib import Path

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    """gunicorn's documented way to embed it: options in, our app out."""

    def __init__(self, options, app=None):
        self.options = options
        self.application = app
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        if self.application is not None:  # built (and its database checked) by the serve command
            return self.application
        from learn_habitat import create_app

        return create_app()


ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(p)s'


def default_workers() -> int:
    """gunicorn's advice for sync workers: two per core plus one."""
    return multiprocessing.cpu_count() * 2 + 1


def run_gunicorn(bind: str, workers: int | None = None, app=None, live_updates: bool = False) -> None:
    """Serve ``app`` (else a new one) until stopped; ``live_updates`` watches the courses folder."""
    options = {
        "bind": bind,
        "workers": workers or default_workers(),
        "accesslog": "-",
        # gunicorn's default line, then the worker's pid (<1234>): which worker answered a request.
        "access_log_format": ACCESS_LOG_FORMAT,
        "preload_app": True,
        "timeout": 60,
        # Several instances on one machine must not share (and unlink) one control socket.
        "control_socket_disable": True,
        "pre_fork": _keep_memory_shared,
    }
    if live_updates and app is not None:
        options.update(_live_update_hooks(app))
    _Server(options, app).run()


def _keep_memory_shared(arbiter, worker) -> None:
    """Move the master's objects out of the collector's reach before forking: a collection in a worker would
    otherwise write to every object's header and copy the pages it shares with the master (the courses)."""
    gc.freeze()


def _live_update_hooks(app) -> dict:
    from learn_habitat.course_library import CACHE_FOLDER, live_library
    from learn_habitat.live_courses import CourseWatcher

    library = live_library(app)
    library.share_with_forked_workers(Path(app.instance_path, CACHE_FOLDER))
    watchers = []

    def when_ready(arbiter):
        # Started in the master once it listens, before it forks: the workers never run the watcher.
        def replace_workers(generation):
            os.kill(arbiter.pid, signal.SIGHUP)

        watchers.append(CourseWatcher(app, arbiter.log, replace_workers).start())
        arbiter.log.info("watching %s for course changes", library.courses_dir)

    def on_exit(arbiter):
        for watcher in watchers:
            watcher.stop()
        library.discard_published_files()

    return {"when_ready": when_ready, "on_exit": on_exit}
