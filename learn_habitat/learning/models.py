"""Enrolments, progress, quiz attempts and completions.

Uniqueness that matters is a database constraint: one enrolment per learner and course, one progress
row per lesson, one completion per course, one attempt per submitted form.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learn_habitat.database import UtcDateTime, utcnow
from learn_habitat.extensions import db

COURSE_ID = String(100)
LESSON_ID = String(100)


class Enrolment(db.Model):
    """A learner enrolled in a course, with where they left off."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_enrolment_course_activity", "course_id", "last_activity_at"),
        # Reports: the learner list pages through a course in enrolment order; "stopped here" counts
        # learners per last lesson from the index alone.
        Index("ix_enrolment_course_order", "course_id", "id"),
        Index("ix_enrolment_course_last_lesson", "course_id", "last_lesson_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(COURSE_ID)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_lesson_id: Mapped[str | None] = mapped_column(LESSON_ID)
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LessonProgress(db.Model):
    """A lesson a learner has opened, and when it was completed."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "lesson_id"),
        # Covering for the per-lesson report (viewed and completed counted from the index alone).
        Index("ix_lesson_progress_course_lesson_done", "course_id", "lesson_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(COURSE_ID)
    lesson_id: Mapped[str] = mapped_column(LESSON_ID)
    viewed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class QuizAttempt(db.Model):
    """One graded submission of a quiz."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        UniqueConstraint("user_id", "submission_id"),
        UniqueConstraint("user_id", "course_id", "lesson_id", "number"),
        # Covering for the best-score reports (each learner's best attempt per quiz).
        Index("ix_quiz_attempt_course_lesson_score", "course_id", "lesson_id", "user_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(COURSE_ID)
    lesson_id: Mapped[str] = mapped_column(LESSON_ID)
    submission_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class QuestionAnswer(db.Model):
    """Whether one question of an attempt was answered right (for per-question reports)."""

    __tablename__ = "question_answer"
    # Covering for the per-question report.
    __table_args__ = (
        Index("ix_question_answer_question_correct", "course_id", "lesson_id", "question_id", "correct"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(COURSE_ID)
    lesson_id: Mapped[str] = mapped_column(LESSON_ID)
    question_id: Mapped[str] = mapped_column(String(20))
    correct: Mapped[bool] = mapped_column(Boolean)


class Completion(db.Model):
    """A course completed, once, with the certificate that proves it."""

    __tablename__ = "completion"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        # Reports count a course's completions and leave out completed learners from the index alone.
        Index("ix_completion_course_user", "course_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(COURSE_ID)
    course_version: Mapped[str] = mapped_column(String(40))
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    certificate_code: Mapped[str] = mapped_column(String(32), unique=True)
    # The name as it stood when the certificate was issued: a certificate does not change afterwards.
    learner_name: Mapped[str] = mapped_column(String(120))


class CourseAuthor(db.Model):
    """A user who may see a course's reports."""

    __tablename__ = "course_author"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(COURSE_ID, index=True)


class EnrolmentKey(db.Model):
    """The key learners type to enrol in a course whose mode is ``key``; only its hash is stored."""

    __tablename__ = "enrolment_key"

    course_id: Mapped[str] = mapped_column(COURSE_ID, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
