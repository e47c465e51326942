"""A learner's saved checklist: one copy per learner and checklist lesson, updated in place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learn_habitat.database import UtcDateTime, utcnow
from learn_habitat.extensions import db
from learn_habitat.learning.models import COURSE_ID, LESSON_ID


class SavedChecklist(db.Model):
    """The answers a learner chose to save (statement key -> scale position); only these are ever stored."""

    __tablename__ = "saved_checklist"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "lesson_id"),
        Index("ix_saved_checklist_course_lesson", "course_id", "lesson_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(COURSE_ID)
    lesson_id: Mapped[str] = mapped_column(LESSON_ID)
    language: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
