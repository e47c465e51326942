"""Database helpers shared by the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from flask import g, has_app_context
from sqlalchemy import DateTime, TypeDecorator, event
from sqlalchemy.dialects import postgresql, sqlite

from learn_habitat.extensions import db

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
UPGRADE_COMMAND = "learn-habitat db upgrade"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use learn_habitat.database.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def insert_ignoring_duplicates(model, values: dict, unique_columns: list[str] | None, returning=()):
    """An INSERT that does nothing when a row with the same unique columns exists (race-safe).

    ``unique_columns=None``: nothing on a conflict with any unique constraint. ``returning``: columns the
    INSERT returns (no row when it inserted nothing), saving a SELECT afterwards.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(model).values(**values)
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(**values)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    statement = statement.on_conflict_do_nothing(index_elements=unique_columns)
    if returning:
        statement = statement.returning(*returning)
    # Callers read rowcount (was the row inserted?): psycopg reports -1 for an INSERT unless asked to keep it.
    return db.session.execute(statement.execution_options(preserve_rowcount=True))


def render_migration_item(type_, obj, autogen_context):
    """Alembic autogenerate hook: write our column types as plain SQLAlchemy types in migrations."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The revisions the code's migrations end at (read once: they change only with the code)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database's schema stands against the code's migrations."""

    applied: frozenset[str]
    expected: frozenset[str]

    @property
    def is_current(self) -> bool:
        return self.applied == self.expected

    def describe(self) -> str:
        """One line for an operator: what is wrong and the command that mends it."""
        if self.is_current:
            return "the database schema is current"
        found = ", ".join(sorted(self.applied)) or "no migrations applied"
        return (
            f"the database schema is behind the code (database at {found}; code at "
            f"{', '.join(sorted(self.expected))}): run '{UPGRADE_COMMAND}' first"
        )


def schema_status(connection) -> SchemaStatus:
    """Compare the revisions recorded in the database with the code's migration heads."""
    from alembic.runtime.migration import MigrationContext

    applied = frozenset(MigrationContext.configure(connection).get_current_heads())
    return SchemaStatus(applied=applied, expected=migration_heads())


# Ending a request's transaction ------------------------------------------------------------------------


def track_writes(engine) -> None:
    """Note in the app context whenever ``engine`` runs a statement other than a SELECT (for end_transaction)."""

    @event.listens_for(engine, "before_cursor_execute")
    def note_write(_connection, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() != "SELECT" and has_app_context():
            g.database_wrote = True


def end_transaction(session, error: BaseException | None = None) -> None:
    """End the transaction of a request (or of any app context): a COMMIT when it only read, else a ROLLBACK.

    For a transaction that only read, COMMIT and ROLLBACK are the same, but psycopg forgets every prepared
    statement of its connection on a ROLLBACK, so the server would parse and plan every query of the next
    request again (a quarter of a millisecond for the lesson page's). Anything that wrote, or holds changes
    not yet flushed, or ended with an error, is rolled back as before: what a request did not commit is never
    kept.
    """
    only_read = not (error or g.get("database_wrote") or session.new or session.dirty or session.deleted)
    if only_read and session().in_transaction():
        session.commit()
    session.close()
