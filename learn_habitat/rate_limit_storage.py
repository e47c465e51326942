"""Rate-limit counters in one SQLite file, shared by every process on a host without an extra service.

``learn-habitat serve`` runs several gunicorn worker processes. Counters kept in each worker's memory let every
worker allow the whole limit, so "10 per minute" became 10 per worker. This storage keeps the counters in one
SQLite file (WAL, so reads never wait; every check-and-count is one ``BEGIN IMMEDIATE`` transaction, so two
workers can never both take the last hit), and expired counters are deleted as new ones are written.

It is registered with the ``limits`` library under the ``sqlite-file`` scheme through the library's documented
extension point (a subclass of ``limits.storage.Storage`` naming its ``STORAGE_SCHEME``), so Flask-Limiter takes it
from ``RATELIMIT_STORAGE_URI`` like ``redis://``: ``sqlite-file:///srv/learn-habitat/instance/rate_limits.sqlite3``.
It implements the fixed-window, moving-window and sliding-window-counter strategies. Several hosts cannot share a
file: use Redis there (docs/deploy.md).

No Flask here: ``learn_habitat.extensions`` imports this module so that the scheme is known before the limiter
is bound to an app.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
import urllib.parse
from contextlib import contextmanager

from limits.errors import ConfigurationError
from limits.storage import MovingWindowSupport, SlidingWindowCounterSupport, Storage
from limits.storage.base import TimestampedSlidingWindow

SCHEME = "sqlite-file"
DEFAULT_FILENAME = "rate_limits.sqlite3"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counter ("
    " key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_counter_expires_at ON counter (expires_at)",
    "CREATE TABLE IF NOT EXISTS entry (key TEXT NOT NULL, at REAL NOT NULL, expires_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_entry_key_at ON entry (key, at)",
    "CREATE INDEX IF NOT EXISTS ix_entry_expires_at ON entry (expires_at)",
)

# One statement: a counter past its expiry starts again at ``amount`` with a new window.
_INCREMENT = """
INSERT INTO counter (key, value, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN counter.expires_at <= :now THEN excluded.value ELSE counter.value + excluded.value END,
    expires_at = CASE WHEN counter.expires_at <= :now THEN excluded.expires_at ELSE counter.expires_at END
RETURNING value
"""


def storage_uri(path: str | os.PathLike) -> str:
    """The ``RATELIMIT_STORAGE_URI`` of a SQLite file at ``path``."""
    return f"{SCHEME}://" + urllib.parse.quote(os.path.abspath(path))


def default_storage_uri(instance_path: str) -> str:
    """The storage used when nothing is configured: a file in the instance folder."""
    return storage_uri(os.path.join(instance_path, DEFAULT_FILENAME))


def path_from_uri(uri: str) -> str:
    """The file a ``sqlite-file:///absolute/path`` URI names."""
    parts = urllib.parse.urlsplit(uri)
    path = urllib.parse.unquote(parts.path)
    if parts.scheme != SCHEME or parts.netloc or not os.path.isabs(path):
        raise ConfigurationError(
            f"{uri!r}: write {SCHEME}:///absolute/path/to/file (three slashes, then the absolute path)"
        )
    return path


class SQLiteFileStorage(Storage, MovingWindowSupport, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    """Counters and moving-window entries in a SQLite file; safe for several processes and threads."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        timeout: float = 10.0,
        **options: float | str | bool,
    ):
        self.path = path_from_uri(uri or "")
        self.timeout = float(timeout)
        self._local = threading.local()
        self.clock = time.time  # seconds since the epoch; every process of a host shares the clock
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._create()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    # Connections ---------------------------------------------------------------------------------------

    def _create(self) -> None:
        """Create the file (readable by its owner only: keys hold addresses and emails) and its tables."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        # A short-lived connection: gunicorn forks its workers after this (preload_app), and an SQLite
        # connection must not cross a fork. Each process opens its own on first use.
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                connection.execute(statement)
            connection.execute("COMMIT")
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        # Counters may lose the last moment of writes on a power cut; never a corrupt file.
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened anew in a forked child."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = self._connect()
            local.pid = os.getpid()
        return local.connection

    @contextmanager
    def _write(self):
        """One write transaction holding the file's write lock from its start, so checks and counts of
        concurrent processes run one after the other; expired rows are removed on the way."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            now = self.clock()
            connection.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
            connection.execute("DELETE FROM entry WHERE expires_at <= ?", (now,))
            yield connection, now
            connection.execute("COMMIT")
        finally:
            if connection.in_transaction:  # an error (or a failed COMMIT): leave the connection usable
                connection.execute("ROLLBACK")

    # Fixed window --------------------------------------------------------------------------------------

    @staticmethod
    def _increment(connection, key: str, expiry: float, amount: int, now: float) -> int:
        rows = connection.execute(
            _INCREMENT, {"key": key, "amount": amount, "expires_at": now + expiry, "now": now}
        ).fetchall()
        return int(rows[0][0])

    @staticmethod
    def _count(connection, key: str, now: float) -> int:
        row = connection.execute(
            "SELECT value FROM counter WHERE key = ? AND expires_at > ?", (key, now)
        ).fetchone()
        return int(row[0]) if row else 0

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter of ``key`` (a new one lives ``expiry`` seconds); the new value."""
        with self._write() as (connection, now):
            return self._increment(connection, key, expiry, amount, now)

    def get(self, key: str) -> int:
        """The counter of ``key``, 0 when it is absent or expired."""
        return self._count(self._connection(), key, self.clock())

    def get_expiry(self, key: str) -> float:
        """When the counter of ``key`` expires (now if there is none)."""
        now = self.clock()
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?", (key, now))
            .fetchone()
        )
        return float(row[0]) if row else now

    def clear(self, key: str) -> None:
        """Forget the counter and the entries of ``key``."""
        with self._write() as (connection, _now):
            connection.execute("DELETE FROM counter WHERE key = ?", (key,))
            connection.execute("DELETE FROM entry WHERE key = ?", (key,))

    def reset(self) -> int | None:
        """Forget every limit; the number of keys forgotten."""
        with self._write() as (connection, _now):
            keys = connection.execute(
                "SELECT (SELECT COUNT(*) FROM counter) + (SELECT COUNT(DISTINCT key) FROM entry)"
            ).fetchone()[0]
            connection.execute("DELETE FROM counter")
            connection.execute("DELETE FROM entry")
        return int(keys)

    def check(self) -> bool:
        """Whether the file can be read."""
        try:
            self._connection().execute("SELECT 1 FROM counter LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    # Moving window -------------------------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Take ``amount`` entries if fewer than ``limit`` remain taken in the last ``expiry`` seconds."""
        if amount > limit:
            return False
        with self._write() as (connection, now):
            taken = connection.execute(
                "SELECT COUNT(*) FROM entry WHERE key = ? AND at > ?", (key, now - expiry)
            ).fetchone()[0]
            if taken + amount > limit:
                return False
            connection.executemany(
                "INSERT INTO entry (key, at, expires_at) VALUES (?, ?, ?)",
                [(key, now, now + expiry)] * amount,
            )
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """The oldest entry of the window (now if none) and how many entries it holds."""
        now = self.clock()
        oldest, taken = (
            self._connection()
            .execute("SELECT MIN(at), COUNT(*) FROM entry WHERE key = ? AND at > ?", (key, now - expiry))
            .fetchone()
        )
        return (float(oldest) if taken else now), int(taken)

    # Sliding window counter ----------------------------------------------------------------------------

    def _sliding_window(self, connection, key: str, expiry: int, now: float):
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous = self._count(connection, previous_key, now)
        current = self._count(connection, current_key, now)
        previous_ttl = (1 - (((now - expiry) / expiry) % 1)) * expiry if previous else 0.0
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous, previous_ttl, current, current_ttl, current_key

    def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count ``amount`` hits if the weighted count of this and the previous window allows it."""
        if amount > limit:
            return False
        with self._write() as (connection, now):
            previous, previous_ttl, current, _ttl, current_key = self._sliding_window(
                connection, key, expiry, now
            )
            if math.floor(previous * previous_ttl / expiry + current) + amount > limit:
                return False
            self._increment(connection, current_key, 2 * expiry, amount, now)
            return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        """Counts and time left of the previous and the current window."""
        previous, previous_ttl, current, current_ttl, _key = self._sliding_window(
            self._connection(), key, expiry, self.clock()
        )
        return previous, previous_ttl, current, current_ttl

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        """Forget both windows of ``key``."""
        for window_key in self.sliding_window_keys(key, expiry, self.clock()):
            self.clear(window_key)
