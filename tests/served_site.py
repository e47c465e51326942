"""``learn-habitat serve`` started as an operator starts it (gunicorn with several workers, the master's course
watcher), for the tests that need the real server rather than the test client."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_SECONDS = 120  # generous: the machine is shared


def learn_habitat_command() -> list[str]:
    """The installed ``learn-habitat`` script, else the module."""
    script = Path(sys.executable).with_name("learn-habitat")
    return [str(script)] if script.exists() else [sys.executable, "-m", "learn_habitat.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    env = {name: value for name, value in os.environ.items() if not name.startswith("LEARN_HABITAT_")}
    env.update(
        LEARN_HABITAT_INSTANCE_PATH=str(folder / "instance"),
        LEARN_HABITAT_DATABASE_URL=f"sqlite:///{folder / 'site.sqlite3'}",
        LEARN_HABITAT_COURSES_DIR=str(courses_dir),
        **{f"LEARN_HABITAT_{name}": str(value) for name, value in settings.items()},
    )
    command = learn_habitat_command()
    subprocess.run(
        [*command, "db", "upgrade"], env=env, cwd=folder, check=True, capture_output=True, timeout=300
    )
    port = free_port()
    log_path = folder / "serve.log"
    with log_path.open("w") as output:
        server = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    site = ServedSite(port, log_path)
    try:

        def answering():
            assert server.poll() is None, (
                f"learn-habitat serve exited with {server.returncode}:\n{site.log()}"
            )
            try:
                return request(port, "GET", "/healthz")[0] == 200
            except OSError:
                return False

        wait_for(answering, "learn-habitat serve answers /healthz")
        yield site
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
