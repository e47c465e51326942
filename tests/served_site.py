"""``learn-habitat serve`` started as an operator starts it (gunicorn with several workers, the master's course
watcher), for the tests that need the real server rather than the test client."""

from __future__ import annotations

import http.client
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.server import Server, clean_environment, free_port, learn_habitat_command

START_SECONDS = 120  # generous: the machine is shared


def request(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, list, str]:
    """One request on a new connection: ``(status, headers, text)``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def wait_for(condition, what: str, seconds: float = START_SECONDS):
    """Poll ``condition`` until it returns something true; fail the test after ``seconds``."""
    import pytest

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"not within {seconds} s: {what}")


@dataclass
class ServedSite:
    port: int
    log_path: Path

    def log(self) -> str:
        """What the server has written so far (gunicorn's access log included)."""
        return self.log_path.read_text()

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, list, str]:
        return request(self.port, method, path, body, headers)


@contextmanager
def served_site(folder: Path, courses_dir: Path, workers: int = 3, **settings):
    """The site served from a migrated SQLite database in ``folder``; ``settings`` are LEARN_HABITAT_* values
    (``RATELIMIT_ENABLED="false"``). Stopped with SIGTERM, as an operator stops it."""
    env = clean_environment(
        LEARN_HABITAT_INSTANCE_PATH=str(folder / "instance"),
        LEARN_HABITAT_DATABASE_URL=f"sqlite:///{folder / 'site.sqlite3'}",
        LEARN_HABITAT_COURSES_DIR=str(courses_dir),
        **{f"LEARN_HABITAT_{name}": str(value) for name, value in settings.items()},
    )
    subprocess.run(
        [*learn_habitat_command(), "db", "upgrade"],
        env=env,
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    command = [
        *learn_habitat_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with Server(command, port=port, env=env, cwd=folder, log_path=folder / "serve.log") as server:
        server.wait_ready(timeout=START_SECONDS)
        yield ServedSite(port, server.log_path)
