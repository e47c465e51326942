"""What an operator or a load balancer asks of a running site."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from learn_habitat.content import CourseLibrary
from learn_habitat.database import schema_status
from learn_habitat.extensions import db


@dataclass
class Readiness:
    """Each check's outcome in a word or two, and whether the server should get traffic."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(value == "ok" for value in self.checks.values())


def check_readiness(library: CourseLibrary) -> Readiness:
    """Database answers, its schema matches the code's migrations, and courses are loaded."""
    readiness = Readiness()
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            readiness.checks["database"] = "ok"
            status = schema_status(connection)
            readiness.checks["schema"] = "ok" if status.is_current else "behind: run learn-habitat db upgrade"
    except SQLAlchemyError:
        readiness.checks["database"] = "unreachable"
        readiness.checks["schema"] = "unknown"
    readiness.checks["courses"] = "ok" if len(library) else "none loaded"
    return readiness
