"""A person's own data: download all of it, or delete the account.

Deleting keeps what course statistics need and removes the person from it: the account row stays, anonymised,
so enrolment, progress and attempt rows keep counting without naming anyone (docs/reference.md#your-data).
Services take explicit arguments and never read the request; the caller commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash

from learn_habitat.accounts import services as accounts
from learn_habitat.accounts.models import Role, User, UserSession
from learn_habitat.database import utcnow
from learn_habitat.extensions import db
from learn_habitat.learning.models import Completion, CourseAuthor, Enrolment, LessonProgress, QuizAttempt
from learn_habitat.text import N_

DATA_FORMAT = "learn-habitat personal data"
DATA_FORMAT_VERSION = 1
# Stored in English in the anonymised row; pages show it translated (see the learner list).
DELETED_NAME = "Deleted learner"
# ".invalid" is reserved (RFC 2606): no mail can go there, and normalize_email refuses it, so no sign-up,
# sign-in or reset can ever reach an anonymised row.
DELETED_EMAIL_DOMAIN = "deleted.invalid"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data(user: User, current_session_key: str | None = None) -> dict:
    """Everything the site keeps about ``user``, as JSON-ready data (its JSON Schema:
    docs/personal-data.schema.json). Secrets (password hash, session keys, token
    values) are never included: sessions and tokens appear by their dates and names only."""
    current_hash = accounts._key_hash(current_session_key) if current_session_key else None

    def rows(model, *order):
        return db.session.scalars(select(model).where(model.user_id == user.id).order_by(*order)).all()

    return {
        "format": DATA_FORMAT,
        "version": DATA_FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "profile": {
            "name": user.name,
            "email": user.email,
            "language": user.language,
            "role": user.role,
            "created_at": _iso(user.created_at),
            "email_confirmed_at": _iso(user.email_confirmed_at),
        },
        "enrolments": [
            {
                "course_id": row.course_id,
                "enrolled_at": _iso(row.enrolled_at),
                "last_lesson_id": row.last_lesson_id,
                "last_activity_at": _iso(row.last_activity_at),
            }
            for row in rows(Enrolment, Enrolment.enrolled_at, Enrolment.id)
        ],
        "progress": [
            {
                "course_id": row.course_id,
                "lesson_id": row.lesson_id,
                "viewed_at": _iso(row.viewed_at),
                "completed_at": _iso(row.completed_at),
            }
            for row in rows(
                LessonProgress, LessonProgress.course_id, LessonProgress.viewed_at, LessonProgress.id
            )
        ],
        "quiz_attempts": [
            {
                "course_id": row.course_id,
                "lesson_id": row.lesson_id,
                "number": row.number,
                "score": row.score,
                "passed": row.passed,
                "language": row.language,
                "answers": row.answers,
                "created_at": _iso(row.created_at),
            }
            for row in rows(QuizAttempt, QuizAttempt.course_id, QuizAttempt.lesson_id, QuizAttempt.number)
        ],
        "certificates": [
            {
                "course_id": row.course_id,
                "course_version": row.course_version,
                "completed_at": _iso(row.completed_at),
                "certificate_code": row.certificate_code,
                "learner_name": row.learner_name,
            }
            for row in rows(Completion, Completion.completed_at, Completion.id)
        ],
        "sessions": [
            {"created_at": _iso(row.created_at), "current": row.key_hash == current_hash}
            for row in rows(UserSession, UserSession.created_at, UserSession.id)
        ],
        "access_tokens": [
            {
                "name": token.name,
                "created_at": _iso(token.created_at),
                "last_used_at": _iso(token.last_used_at),
            }
            for token in sorted(user.tokens, key=lambda token: (token.created_at, token.id))
        ],
    }


def delete_account(user: User, password: str) -> None:
    """Delete the account of ``user``, who re-entered their password; :class:`accounts.AccountError` if
    it is wrong, or if they are the last admin (the site would have no one left to run it).

    What stays, detached from the person: the account row, anonymised (name "Deleted learner", a unique
    address no mail reaches, an unusable password), and its enrolment, progress and attempt rows, so course
    statistics keep their counts. Quiz answers, which may hold free text, are emptied (scores stay). Sessions,
    API tokens and course-author assignments are deleted. Certificates stop verifying: their name is replaced
    and the verification page answers as for an unknown code. The audit log of admin actions is kept as is.
    """
    if not check_password_hash(user.password_hash, str(password or "")):
        raise accounts.AccountError("wrong_password", N_("The password is not right."), "password")
    if user.is_admin:
        other_admins = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN.value, User.id != user.id, User.deleted_at.is_(None))
        )
        if not other_admins:
            raise accounts.AccountError(
                "last_admin",
                N_("You are the only admin. Make another account an admin before deleting this one."),
            )
    accounts.end_all_sessions(user)
    accounts.revoke_all_access_tokens(user)
    db.session.execute(delete(CourseAuthor).where(CourseAuthor.user_id == user.id))
    db.session.execute(update(QuizAttempt).where(QuizAttempt.user_id == user.id).values(answers={}))
    db.session.execute(
        update(Completion).where(Completion.user_id == user.id).values(learner_name=DELETED_NAME)
    )
    user.name = DELETED_NAME
    user.email = f"deleted-{user.id}-{secrets.token_hex(8)}@{DELETED_EMAIL_DOMAIN}"
    # Not a hash Werkzeug can read: check_password_hash is False for every password.
    user.password_hash = "!deleted"
    user.role = Role.LEARNER.value
    user.email_confirmed_at = None
    user.deleted_at = utcnow()
    db.session.flush()
