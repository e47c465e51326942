"""Running the app under gunicorn from the ``serve`` command."""

from __future__ import annotations

import multiprocessing

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    """gunicorn's documented way to embed it: options in, our factory's app out."""

    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from learn_habitat import create_app

        return create_app()


ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(p)s'


def default_workers() -> int:
    """gunicorn's advice for sync workers: two per core plus one."""
    return multiprocessing.cpu_count() * 2 + 1


def run_gunicorn(bind: str, workers: int | None = None) -> None:
    """Serve until stopped."""
    _Server(
        {
            "bind": bind,
            "workers": workers or default_workers(),
            "accesslog": "-",
            # gunicorn's default line, then the worker's pid (<1234>): which worker answered a request.
            "access_log_format": ACCESS_LOG_FORMAT,
            "preload_app": True,
            "timeout": 60,
            # Several instances on one machine must not share (and unlink) one control socket.
            "control_socket_disable": True,
        }
    ).run()
