"""The audit log: who did what as an admin, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from learn_habitat.database import UtcDateTime, utcnow
from learn_habitat.extensions import db


class AuditEvent(db.Model):
    """One admin action. The actor's email is copied so the record survives the account."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # email, or "command line"
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
