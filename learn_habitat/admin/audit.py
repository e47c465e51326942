"""Recording and reading admin actions."""

from __future__ import annotations

from sqlalchemy import func, select

from learn_habitat.admin.models import AuditEvent
from learn_habitat.extensions import db

COMMAND_LINE = "command line"


def record(actor, action: str, target: str, **details) -> AuditEvent:
    """Note an admin action; ``actor`` is the user, or ``None`` for the command line. The caller commits."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", None) or COMMAND_LINE,
        action=action,
        target=str(target)[:300],
        details={key: str(value)[:500] for key, value in details.items()},
    )
    db.session.add(event)
    return event


def recent(page: int, page_size: int) -> tuple[list[AuditEvent], int]:
    """One page of the log, newest first, and the number of events."""
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    events = db.session.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(page_size)
        .offset(max(0, page - 1) * page_size)
    ).all()
    return list(events), total
