"""Enrolment, progress, quizzes, completion and certificates.

Every recording function is idempotent and safe under concurrent requests: uniqueness is enforced by
the database (INSERT ... ON CONFLICT DO NOTHING), not by a check-then-insert in Python.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from learn_habitat.accounts.models import User
from learn_habitat.activities.quiz import Grade, QuestionReview, Quiz, grade
from learn_habitat.content import Course
from learn_habitat.database import insert_ignoring_duplicates, utcnow
from learn_habitat.extensions import db
from learn_habitat.learning.models import (
    Completion,
    CourseAuthor,
    Enrolment,
    EnrolmentKey,
    LessonProgress,
    QuestionAnswer,
    QuizAttempt,
)
from learn_habitat.text import N_

# Activity ("active in the last 30 days") is kept to the hour: a re-read of the same lesson writes nothing.
ACTIVITY_GRANULARITY = timedelta(hours=1)
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class LearningError(Exception):
    """A learning action that cannot be done; ``code`` is stable for the API, ``status`` for HTTP."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# Enrolment ---------------------------------------------------------------------------------------


def find_enrolment(user: User | None, course_id: str) -> Enrolment | None:
    """The user's enrolment in the course, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)
    )


def enrol(user: User, course: Course, key: str | None = None, by_admin: bool = False) -> Enrolment:
    """Enrol ``user``; self-enrolment follows the course's mode (open, key, closed). Idempotent."""
    if not by_admin:
        if course.enrolment == "closed":
            raise LearningError(
                "enrolment_closed", N_("Only an administrator can enrol you in this course."), 403
            )
        if course.enrolment == "key" and not enrolment_key_matches(course.id, key):
            raise LearningError("wrong_enrolment_key", N_("The enrolment key is not right."), 403)
    insert_ignoring_duplicates(
        Enrolment,
        {"user_id": user.id, "course_id": course.id, "enrolled_at": utcnow(), "last_activity_at": utcnow()},
        ["user_id", "course_id"],
    )
    return find_enrolment(user, course.id)


def unenrol(user: User, course_id: str) -> bool:
    """Remove the enrolment (progress and certificates are kept); ``False`` if there was none."""
    result = db.session.execute(
        delete(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course_id)
    )
    return result.rowcount > 0


def set_enrolment_key(course_id: str, key: str) -> None:
    """Set the key learners type to enrol in a ``key`` course (only its hash is kept)."""
    key = str(key or "").strip()
    if not 4 <= len(key) <= 100:
        raise LearningError("invalid_enrolment_key", N_("An enrolment key has 4 to 100 characters."))
    row = db.session.get(EnrolmentKey, course_id)
    if row is None:
        db.session.add(EnrolmentKey(course_id=course_id, key_hash=generate_password_hash(key)))
    else:
        row.key_hash = generate_password_hash(key)
        row.updated_at = utcnow()


def enrolment_key_matches(course_id: str, key: str | None) -> bool:
    """Whether ``key`` is the course's enrolment key (never true when no key is set)."""
    row = db.session.get(EnrolmentKey, course_id)
    return bool(row and key and check_password_hash(row.key_hash, str(key).strip()))


def is_course_author(user: User | None, course_id: str) -> bool:
    """Admins, and authors assigned to the course."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    if not user.is_author:
        return False
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(CourseAuthor)
            .where(CourseAuthor.user_id == user.id, CourseAuthor.course_id == course_id)
        )
    )


def assign_author(user: User, course_id: str) -> None:
    """Let an author see a course's reports. Idempotent."""
    insert_ignoring_duplicates(
        CourseAuthor, {"user_id": user.id, "course_id": course_id}, ["user_id", "course_id"]
    )


def can_read_lesson(user: User | None, course: Course, lesson_id: str) -> bool:
    """Enrolled learners, the course's authors and admins read every lesson; anyone may read the first
    lesson of an open course."""
    if course.enrolment == "open" and lesson_id == course.lesson_ids[0]:
        return True
    return find_enrolment(user, course.id) is not None or is_course_author(user, course.id)


# Progress ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleProgress:
    """How far a learner is through one module."""

    module_id: str
    completed: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0


@dataclass(frozen=True)
class CourseProgress:
    """What a learner has done in a course."""

    course_id: str
    viewed: frozenset[str]
    completed_lessons: tuple[str, ...]  # in course order
    best_scores: dict = field(default_factory=dict)  # quiz lesson id -> best score 0..1
    modules: tuple[ModuleProgress, ...] = ()
    last_lesson: str | None = None
    completed_at: datetime | None = None
    certificate_code: str | None = None
    total: int = 0
    resume_lesson: str | None = None  # where "Continue" goes

    @property
    def percent(self) -> int:
        return round(100 * len(self.completed_lessons) / self.total) if self.total else 0

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


def course_progress(user: User, course: Course) -> CourseProgress:
    """The learner's progress in the course (lessons no longer in the course are ignored)."""
    rows = db.session.execute(
        select(LessonProgress.lesson_id, LessonProgress.completed_at).where(
            LessonProgress.user_id == user.id, LessonProgress.course_id == course.id
        )
    ).all()
    viewed = frozenset(row.lesson_id for row in rows if course.has_lesson(row.lesson_id))
    done = {row.lesson_id for row in rows if row.completed_at is not None}
    completed = tuple(lesson_id for lesson_id in course.lesson_ids if lesson_id in done)
    scores = dict(
        db.session.execute(
            select(QuizAttempt.lesson_id, func.max(QuizAttempt.score))
            .where(QuizAttempt.user_id == user.id, QuizAttempt.course_id == course.id)
            .group_by(QuizAttempt.lesson_id)
        ).all()
    )
    enrolment = find_enrolment(user, course.id)
    completion = db.session.scalar(
        select(Completion).where(Completion.user_id == user.id, Completion.course_id == course.id)
    )
    modules = tuple(
        ModuleProgress(module.id, sum(1 for lid in module.lesson_ids if lid in done), len(module.lesson_ids))
        for module in course.modules
    )
    last = (
        enrolment.last_lesson_id if enrolment and course.has_lesson(enrolment.last_lesson_id or "") else None
    )
    # "Continue" goes to the lesson the learner last opened, else to the first one not yet complete.
    resume = last or next((lid for lid in course.lesson_ids if lid not in done), course.lesson_ids[0])
    return CourseProgress(
        course_id=course.id,
        viewed=viewed,
        completed_lessons=completed,
        best_scores=scores,
        modules=modules,
        last_lesson=last,
        completed_at=completion.completed_at if completion else None,
        certificate_code=completion.certificate_code if completion else None,
        total=len(course.lesson_ids),
        resume_lesson=resume,
    )


def resume_lesson(progress: CourseProgress, course: Course) -> str:
    """Where "Continue" goes: the lesson the learner last opened, else the first not yet complete."""
    return progress.resume_lesson or course.lesson_ids[0]


def lesson_contents(lesson, minimum: int = 3) -> tuple[tuple[str, str], ...]:
    """The (anchor, text) of a lesson's sections for an "On this page" list: its h2 headings, when it has at
    least ``minimum`` of them (a short lesson needs no contents)."""
    sections = tuple((h.anchor, html.unescape(h.text)) for h in lesson.headings if h.level == 2)
    return sections if len(sections) >= minimum else ()


def record_lesson_viewed(
    user: User, course: Course, lesson_id: str, enrolment: Enrolment | None = None
) -> None:
    """Note that the learner opened the lesson; a page is then complete. Idempotent and race-safe.

    A repeat view of the lesson the learner is already on writes nothing (most views are repeats).
    """
    if not course.has_lesson(lesson_id):
        raise LearningError("lesson_not_found", N_("There is no such lesson in this course."), 404)
    enrolment = enrolment or find_enrolment(user, course.id)
    if enrolment is None:
        raise LearningError("not_enrolled", N_("Enrol in the course first."), 403)
    is_page = course.lesson(lesson_id, course.source_language).type == "page"
    now = utcnow()
    recorded = db.session.execute(
        select(LessonProgress.completed_at).where(
            LessonProgress.user_id == user.id,
            LessonProgress.course_id == course.id,
            LessonProgress.lesson_id == lesson_id,
        )
    ).first()
    settled = recorded is not None and (recorded.completed_at is not None or not is_page)
    recently_active = (
        enrolment.last_activity_at is not None and now - enrolment.last_activity_at < ACTIVITY_GRANULARITY
    )
    if settled and enrolment.last_lesson_id == lesson_id and recently_active:
        return
    changed = False
    if recorded is None:
        inserted = insert_ignoring_duplicates(
            LessonProgress,
            {"user_id": user.id, "course_id": course.id, "lesson_id": lesson_id, "viewed_at": now},
            ["user_id", "course_id", "lesson_id"],
        )
        changed = inserted.rowcount > 0
    if is_page and not settled:
        changed = _mark_complete(user, course, lesson_id, now) or changed
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id)
        .values(last_lesson_id=lesson_id, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(enrolment)
    # Completion can only change when a lesson was first opened or first completed.
    if changed:
        check_course_completion(user, course)


def _mark_complete(user: User, course: Course, lesson_id: str, when: datetime) -> bool:
    """Set the lesson's completion time if it has none; true when this call set it."""
    # Only the first completion counts: a later one finds completed_at already set.
    result = db.session.execute(
        update(LessonProgress)
        .where(
            LessonProgress.user_id == user.id,
            LessonProgress.course_id == course.id,
            LessonProgress.lesson_id == lesson_id,
            LessonProgress.completed_at.is_(None),
        )
        .values(completed_at=when)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


# Quizzes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptOutcome:
    """A recorded attempt, its grade, how many attempts remain (``None``: no limit), and whether the quiz's
    rule lets the learner see the right answers now."""

    attempt: QuizAttempt
    grade: Grade
    attempts_left: int | None
    answers_revealed: bool = False

    @property
    def review(self) -> tuple[QuestionReview, ...]:
        """The results as the learner may see them now."""
        return self.grade.review(self.answers_revealed)


@dataclass(frozen=True)
class QuizStanding:
    """Where a learner stands on a quiz: the best attempt (highest score, first on a tie), attempts used and
    left (``None``: no limit), whether an attempt passed, and whether the answers are revealed."""

    best: QuizAttempt | None
    used: int
    left: int | None
    passed: bool
    answers_revealed: bool

    @property
    def can_attempt(self) -> bool:
        return self.left is None or self.left > 0

    @property
    def best_percent(self) -> int | None:
        """The best score in percent, rounded as a grade is."""
        return round(self.best.score * 100) if self.best else None


def quiz_standing(user: User, course: Course, lesson_id: str, quiz: Quiz) -> QuizStanding:
    """The learner's standing on a quiz. The best result is the highest score, so a retry never lowers it (the
    same rule as ``course_progress``'s best scores; a passed quiz stays complete)."""
    attempts = list(
        db.session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.course_id == course.id,
                QuizAttempt.lesson_id == lesson_id,
            )
        )
    )
    best = max(attempts, key=lambda a: (a.score, -a.number), default=None)
    passed = any(a.passed for a in attempts)
    return QuizStanding(
        best=best,
        used=len(attempts),
        left=_left(quiz, len(attempts)),
        passed=passed,
        answers_revealed=quiz.answers_revealed(passed, len(attempts)),
    )


def new_submission_id() -> str:
    """A fresh id for a quiz form: submitting the same form twice records one attempt."""
    return secrets.token_urlsafe(16)


def attempts_used(user: User, course_id: str, lesson_id: str) -> int:
    """How many attempts the learner has made at this quiz."""
    return db.session.scalar(
        select(func.count())
        .select_from(QuizAttempt)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.course_id == course_id,
            QuizAttempt.lesson_id == lesson_id,
        )
    )


def quiz_for(course: Course, lesson_id: str, language: str) -> Quiz:
    """The quiz of a lesson in ``language`` (falling back to the source language)."""
    if not course.has_lesson(lesson_id):
        raise LearningError("lesson_not_found", N_("There is no such lesson in this course."), 404)
    lesson = course.lesson(lesson_id, language)
    if lesson.type != "quiz":
        raise LearningError("not_a_quiz", N_("This lesson is not a quiz."), 400)
    return lesson.activity


def submit_quiz(
    user: User, course: Course, lesson_id: str, answers: dict, submission_id: str, language: str
) -> AttemptOutcome:
    """Grade and record one attempt. The same ``submission_id`` twice returns the first attempt."""
    quiz = quiz_for(course, lesson_id, language)
    if find_enrolment(user, course.id) is None:
        raise LearningError("not_enrolled", N_("Enrol in the course first."), 403)
    submission_id = str(submission_id or "")[:64] or new_submission_id()
    existing = _attempt_by_submission(user, submission_id)
    if existing is not None:
        return _outcome(existing, quiz, user, course, lesson_id)
    used = attempts_used(user, course.id, lesson_id)
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise LearningError("no_attempts_left", N_("You have used every attempt at this quiz."), 409)
    result = grade(quiz, answers)
    attempt = QuizAttempt(
        user_id=user.id,
        course_id=course.id,
        lesson_id=lesson_id,
        submission_id=submission_id,
        number=used + 1,
        score=result.score,
        passed=result.passed,
        language=language,
        answers={key: _jsonable(value) for key, value in answers.items() if quiz.question(key)},
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # A concurrent request recorded this submission (double click) or took this attempt number.
        existing = _attempt_by_submission(user, submission_id)
        if existing is not None:
            return _outcome(existing, quiz, user, course, lesson_id)
        raise LearningError(
            "attempt_conflict", N_("Another attempt was being saved; please submit again."), 409
        ) from None
    db.session.add_all(
        QuestionAnswer(
            attempt_id=attempt.id,
            course_id=course.id,
            lesson_id=lesson_id,
            question_id=item.question.id,
            correct=item.correct,
        )
        for item in result.results
    )
    now = utcnow()
    insert_ignoring_duplicates(
        LessonProgress,
        {"user_id": user.id, "course_id": course.id, "lesson_id": lesson_id, "viewed_at": now},
        ["user_id", "course_id", "lesson_id"],
    )
    if result.passed:
        _mark_complete(user, course, lesson_id, now)
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
        .values(last_lesson_id=lesson_id, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    check_course_completion(user, course)
    return _outcome(attempt, quiz, user, course, lesson_id, result)


def find_attempt(user: User, course: Course, lesson_id: str, number: int) -> AttemptOutcome | None:
    """One of the learner's attempts, regraded for display (grading is deterministic)."""
    attempt = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.course_id == course.id,
            QuizAttempt.lesson_id == lesson_id,
            QuizAttempt.number == number,
        )
    )
    if attempt is None:
        return None
    return _outcome(attempt, quiz_for(course, lesson_id, attempt.language), user, course, lesson_id)


def attempt_for_submission(user: User, submission_id: str) -> QuizAttempt | None:
    """The attempt recorded for a submitted form, if any."""
    return _attempt_by_submission(user, submission_id)


def _attempt_by_submission(user: User, submission_id: str) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.submission_id == submission_id)
    )


def _outcome(
    attempt: QuizAttempt, quiz: Quiz, user: User, course: Course, lesson_id: str, result: Grade | None = None
) -> AttemptOutcome:
    standing = quiz_standing(user, course, lesson_id, quiz)
    return AttemptOutcome(
        attempt, result or grade(quiz, attempt.answers), standing.left, standing.answers_revealed
    )


def _left(quiz: Quiz, used: int) -> int | None:
    return None if quiz.max_attempts is None else max(0, quiz.max_attempts - used)


def _jsonable(value):
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(item)[:200] for item in value)[:50]
    return str(value)[:500] if value is not None else None


# Completion and certificates ---------------------------------------------------------------------


def course_requirements_met(course: Course, progress: CourseProgress) -> bool:
    """Whether the course's completion rule is satisfied by ``progress``."""
    rule = course.completion.get("rule", "all-lessons")
    if rule == "quiz-average":
        quizzes = course.quiz_ids()
        if not set(course.lesson_ids) <= progress.viewed or not all(
            q in progress.best_scores for q in quizzes
        ):
            return False
        average = sum(progress.best_scores[q] for q in quizzes) / len(quizzes)
        return average * 100 >= course.completion["min_average"] - 1e-9
    return len(progress.completed_lessons) == len(course.lesson_ids)


def check_course_completion(user: User, course: Course) -> bool:
    """Record the course's completion (once, with a certificate) if the rule is now met."""
    progress = course_progress(user, course)
    if progress.completed:
        return True
    if not course_requirements_met(course, progress):
        return False
    insert_ignoring_duplicates(
        Completion,
        {
            "user_id": user.id,
            "course_id": course.id,
            "course_version": course.version,
            "completed_at": utcnow(),
            "certificate_code": new_certificate_code(),
            "learner_name": user.name,
        },
        ["user_id", "course_id"],
    )
    return True


def new_certificate_code() -> str:
    """A random, easy-to-read verification code such as ``K7QM-2XHP-9RDA``."""
    raw = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def find_certificate(code: str) -> Completion | None:
    """The completion with this verification code (any case, spaces ignored); a certificate whose holder
    deleted their account no longer verifies."""
    code = "".join(str(code or "").split()).upper()
    if not 1 <= len(code) <= 32:
        return None
    return db.session.scalar(
        select(Completion)
        .join(User, User.id == Completion.user_id)
        .where(Completion.certificate_code == code, User.deleted_at.is_(None))
    )


def my_certificate(user: User, course_id: str) -> Completion | None:
    """The learner's certificate for a course, if they completed it."""
    return db.session.scalar(
        select(Completion).where(Completion.user_id == user.id, Completion.course_id == course_id)
    )


def my_enrolments(user: User) -> list[Enrolment]:
    """The learner's enrolments, most recently active first."""
    return list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.last_activity_at.desc())
        )
    )
