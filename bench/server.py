"""Servers the benchmarks start: ``learn-habitat serve`` (and the baseline under the same gunicorn options).

Each runs as its own process group with its output in a log file, is polled until it answers, and is stopped
by that group's id (its workers with it). Used by the throughput and start-up sections.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import BENCH_SECRET_KEY, COURSES_DIR

STARTUP_TIMEOUT = 60.0
POLL_SECONDS = 0.02


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def learn_habitat_command() -> list[str]:
    """The ``learn-habitat`` console script beside this interpreter (else the CLI module)."""
    script = Path(sys.executable).with_name("learn-habitat")
    return [str(script)] if script.exists() else [sys.executable, "-m", "learn_habitat.cli"]


def serve_command(port: int) -> list[str]:
    """``learn-habitat serve`` on ``port``, with its default workers."""
    return [*learn_habitat_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any ``LEARN_HABITAT_*`` setting, plus ``variables``: nothing of
    the operator's configuration leaks into a measurement."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LEARN_HABITAT_")}
    env.update(variables)
    return env


def site_environment(
    database_url: str, instance_path: Path, courses_dir: Path = COURSES_DIR, **settings
) -> dict[str, str]:
    """The environment for ``learn-habitat serve`` on a bench database and instance folder.

    ``settings`` become ``LEARN_HABITAT_<NAME>`` (``ratelimit_enabled="false"``).
    """
    env = clean_environment(
        LEARN_HABITAT_DATABASE_URL=database_url,
        LEARN_HABITAT_INSTANCE_PATH=str(instance_path),
        LEARN_HABITAT_SECRET_KEY=BENCH_SECRET_KEY,
        LEARN_HABITAT_COURSES_DIR=str(courses_dir),
    )
    env.update({f"LEARN_HABITAT_{name.upper()}": str(value) for name, value in settings.items()})
    return env


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):  # HTTPError is a URLError
        return False


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Server:
    """A server process started in its own session (so its group id is its pid), logging to ``log_path``."""

    def __init__(self, command: list[str], *, port: int, env: dict[str, str], cwd: Path, log_path: Path):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd
        )

    @classmethod
    def site(cls, folder: Path, env: dict[str, str], log_name: str = "gunicorn.log") -> Server:
        """``learn-habitat serve`` on a free port, run from ``folder`` (see :func:`site_environment`)."""
        port = free_port()
        return cls(serve_command(port), port=port, env=env, cwd=folder, log_path=folder / log_name)

    def wait_ready(self, path: str | None = "/healthz", timeout: float = STARTUP_TIMEOUT) -> float:
        """Seconds from the start until ``path`` answers 200 (``None``: until the port accepts connections)."""
        while time.perf_counter() - self.started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.process.args[0]} exited with {self.process.returncode}; see {self.log_path}"
                )
            if _accepts(self.port) if path is None else _answers(self.base + path):
                return time.perf_counter() - self.started
            time.sleep(POLL_SECONDS)
        raise RuntimeError(f"{self.base} did not answer {path or 'connections'} within {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        """The pids of the processes the server's master forked (gunicorn's workers), sorted."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # the process ended meanwhile
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return sorted(found)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the group we started; SIGKILL if it lingers."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
            except ProcessLookupError:
                pass
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
