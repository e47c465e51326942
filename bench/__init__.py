"""Benchmarks for learn-habitat: ``python -m bench`` prints every figure and ratio as plain-text tables.

One module per area (``page_weight``, ``throughput``, ``pipeline``, ``scorm``, ``scale``), beside two tools they
use (``server`` starts ``learn-habitat serve`` and the baseline; ``paced`` is the fixed-rate load generator);
this module holds what they share: table printing, timing, the scoreboard of targets, and the temporary databases and apps
the sections run against. Benchmarks never run as tests and never touch the project's own instance folder
or the ``test`` database: every section works in a temporary folder and its own PostgreSQL database,
dropped at the end.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import sys
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COURSES_DIR = PROJECT_ROOT / "courses"
# A maintenance database to connect to while creating and dropping ours; never the tests' database.
PG_SERVER_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "learn_habitat_bench")
BENCH_SECRET_KEY = "learn-habitat-bench-not-a-secret"
BENCH_PASSWORD = "bench password 0123456789"
BENCH_USER_AGENT = "learn-habitat-bench/1.0"
KB = 1024


# Options -------------------------------------------------------------------------------------------


@dataclass
class Options:
    """What the run was asked for; ``quick`` shrinks every size for a smoke run."""

    quick: bool = False
    only: tuple[str, ...] = ()
    seconds_per_load_test: float = 6.0
    connections: int = 32
    started: float = field(default_factory=time.perf_counter)
    budget_seconds: float = 570.0  # the suite must finish within 10 minutes; keep a margin

    def pick(self, full, quick):
        """``quick`` on a smoke run, else ``full``."""
        return quick if self.quick else full

    def remaining(self) -> float:
        """Seconds left of the suite's time budget."""
        return self.budget_seconds - (time.perf_counter() - self.started)


# Output --------------------------------------------------------------------------------------------


_NUMERIC = re.compile(r"^[-+<>~≈]?\s*[\d.,]+\s*(%|x|×|ms|µs|s|KB|MB|B|/s)?$")


class Table:
    """A plain-text table: a title, column headings, rows of strings; numbers are right-aligned."""

    def __init__(self, title: str, columns: list[str]):
        self.title = title
        self.columns = columns
        self.rows: list[list[str]] = []

    def add(self, *cells) -> None:
        """Add one row (cells are turned into text)."""
        self.rows.append(["" if cell is None else str(cell) for cell in cells])

    def print(self) -> None:
        """Print the table to stdout."""
        widths = [len(name) for name in self.columns]
        for row in self.rows:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], len(cell))
        print()
        print(self.title)
        print("  ".join(name.ljust(width) for name, width in zip(self.columns, widths, strict=True)))
        print("  ".join("-" * width for width in widths))
        for row in self.rows:
            cells = []
            for cell, width in zip(row, widths, strict=True):
                cells.append(cell.rjust(width) if _NUMERIC.match(cell) else cell.ljust(width))
            print("  ".join(cells).rstrip())
        sys.stdout.flush()


def heading(text: str) -> None:
    """A section heading."""
    print()
    print("=" * 100)
    print(text)
    print("=" * 100)
    sys.stdout.flush()


def note(text: str) -> None:
    """A line of explanation under a table."""
    print("  " + text)
    sys.stdout.flush()


def kb(size: float) -> str:
    """Bytes as kilobytes with one decimal (1 KB = 1024 bytes)."""
    return f"{size / KB:.1f}"


def ms(seconds: float | None) -> str:
    """Seconds as milliseconds, with the precision the size deserves."""
    if seconds is None:
        return "-"
    value = seconds * 1000
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def mb(size: float | None) -> str:
    """Bytes as megabytes with one decimal."""
    return "-" if size is None else f"{size / (KB * KB):.1f}"


def ratio(value: float | None) -> str:
    """A ratio with two decimals."""
    return "-" if value is None else f"{value:.2f}"


# Targets -------------------------------------------------------------------------------------------


@dataclass
class Target:
    section: str
    what: str
    measured: str
    goal: str
    met: bool | str | None  # None: not measured; REPORTED: shown, no verdict


REPORTED = "reported"  # a figure shown beside a target, with no verdict of its own


@dataclass
class Scoreboard:
    """Every target the run checked, printed together at the end."""

    targets: list[Target] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)

    def check(self, section: str, what: str, measured: str, goal: str, met: bool | None) -> None:
        """Record one target and whether the figure meets it."""
        self.targets.append(Target(section, what, measured, goal, met))

    def print(self) -> None:
        """The summary table."""
        table = Table("Targets", ["section", "what", "measured", "target", "result"])
        for target in self.targets:
            verdict = {True: "met", False: "MISSED", None: "not measured", REPORTED: "reported"}[target.met]
            table.add(target.section, target.what, target.measured, target.goal, verdict)
        if self.targets:
            table.print()
        else:
            note("no target was checked in this run")
        for section, message in self.failures:
            note(f"section {section} did not finish: {message}")


SCOREBOARD = Scoreboard()


# Timing and memory ---------------------------------------------------------------------------------


def traced_peak(function):
    """``(peak bytes allocated by Python during the call, result)`` measured with tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def max_rss_bytes() -> int:
    """This process's peak resident memory so far.

    Read from /proc (VmHWM) where it exists: getrusage's ru_maxrss survives exec on Linux, so a child
    started from a large parent would report the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports kilobytes


# Databases and apps --------------------------------------------------------------------------------


def postgres_version() -> str | None:
    """The server's version string, or ``None`` when PostgreSQL does not answer."""
    try:
        import psycopg

        with psycopg.connect(PG_SERVER_URL, connect_timeout=3) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except Exception:
        return None


def _check_database_name(name: str) -> None:
    if not name.startswith("learn_habitat_bench"):
        raise RuntimeError(
            f"refusing to create or drop {name!r}: bench databases are named learn_habitat_bench*"
        )


def _database_url(name: str) -> str:
    base, _, _ = PG_SERVER_URL.rpartition("/")
    return f"{base}/{name}"


def drop_postgres_database(name: str = PG_DATABASE) -> None:
    """Drop a bench database, ending any session still connected to it."""
    import psycopg

    _check_database_name(name)
    with psycopg.connect(PG_SERVER_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_database(name: str = PG_DATABASE):
    """A fresh, empty PostgreSQL database for one section, dropped afterwards; yields its URL."""
    import psycopg

    _check_database_name(name)
    drop_postgres_database(name)
    with psycopg.connect(PG_SERVER_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url(name)
    finally:
        drop_postgres_database(name)


def app_config(database_url: str, instance_path: str | Path, library=None, **extra) -> dict:
    """Settings for an app on a bench database: own instance folder and secret, rate limits off."""
    config = {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": BENCH_SECRET_KEY,
        "COURSES_DIR": str(COURSES_DIR),
        "RATELIMIT_ENABLED": False,
    }
    if library is not None:
        config["COURSE_LIBRARY"] = library
    config.update(extra)
    return config


def make_app(database_url: str, instance_path: str | Path, library=None, **extra):
    """An app on ``database_url`` (the same factory gunicorn calls)."""
    from learn_habitat import create_app

    return create_app(app_config(database_url, instance_path, library, **extra))


def create_schema(app) -> None:
    """Create the tables the way a release does: run the migrations (Flask-Migrate ``upgrade``)."""
    import flask_migrate

    logging.disable(logging.WARNING)  # Alembic announces every step at INFO
    try:
        with app.app_context():
            flask_migrate.upgrade()
    finally:
        logging.disable(logging.NOTSET)


class StatementLog:
    """Every SQL statement an engine runs (with parameters) and how many pool checkouts happened.

    With ``pool_pre_ping`` each checkout is one extra round trip (a ping) that statement counts miss.
    """

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[tuple[str, object]] = []
        self.checkouts = 0

    def _on_execute(self, _conn, _cursor, statement, parameters, _context, _many):
        self.statements.append((statement, parameters))

    def _on_checkout(self, *_args):
        self.checkouts += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        event.listen(self.engine.pool, "checkout", self._on_checkout)
        return self

    def __exit__(self, *_exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._on_execute)
        event.remove(self.engine.pool, "checkout", self._on_checkout)

    @property
    def writes(self) -> int:
        """Statements that change rows."""
        return sum(1 for statement, _ in self.statements if statement.lstrip().split()[0].upper() in _WRITES)


_WRITES = {"INSERT", "UPDATE", "DELETE"}


# Signing in ----------------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = _CSRF.search(html)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1) or match.group(2)


def sign_in_test_client(client, email: str, password: str = BENCH_PASSWORD) -> None:
    """Sign in through the form, as a browser does: GET /login for the token, POST /login."""
    page = client.get("/login", headers={"User-Agent": BENCH_USER_AGENT})
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email, "password": password},
        headers={"User-Agent": BENCH_USER_AGENT},
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {email} failed with HTTP {response.status_code}")


def add_learner(email: str, name: str, language: str, courses=(), password: str = BENCH_PASSWORD):
    """Register a learner through the accounts service and enrol them (inside an app context; commits)."""
    from learn_habitat.accounts import services as accounts
    from learn_habitat.extensions import db
    from learn_habitat.learning import services as learning

    user = accounts.register_user(email, name, password, language)
    for course in courses:
        learning.enrol(user, course, by_admin=True)
    db.session.commit()
    return user


def project_revision() -> str:
    """The checked-out commit, read from .git without running git (``unknown`` if it cannot be read)."""
    git = PROJECT_ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head[:12]
        ref = head.split(None, 1)[1]
        ref_file = git / ref
        if ref_file.is_file():
            return ref_file.read_text().strip()[:12]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:12]
    except OSError:
        pass
    return "unknown"


_LIBRARY = None


def shipped_library():
    """The shipped courses, loaded once per run and shared by the sections that only read them."""
    global _LIBRARY
    if _LIBRARY is None:
        from learn_habitat.content import load_library

        _LIBRARY = load_library(COURSES_DIR)
    return _LIBRARY
