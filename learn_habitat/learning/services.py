"""Enrolment, progress, quizzes, completion and certificates.

Every recording function is idempotent and safe under concurrent requests: uniqueness is enforced by
the database (INSERT ... ON CONFLICT DO NOTHING), not by a check-then-insert in Python.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from blinker import Namespace
from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from learn_habitat.accounts.models import User
from learn_habitat.activities import activity_types
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

# Sent as (user, course=course) inside the transaction that recorded a quiz attempt or a course completion,
# so a receiver (LTI grade passback) can queue its own rows in the same commit.
progress_recorded = Namespace().signal("progress-recorded")


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


def can_read_lesson(user: User | None, course: Course, lesson_id: str, enrolled: bool | None = None) -> bool:
    """Enrolled learners, the course's authors and admins read every lesson; anyone may read the first
    lesson of an open course. ``enrolled``: whether the caller already knows the user is enrolled."""
    if course.enrolment == "open" and lesson_id == course.lesson_ids[0]:
        return True
    if enrolled is None:
        enrolled = find_enrolment(user, course.id) is not None
    return enrolled or is_course_author(user, course.id)


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


@dataclass(frozen=True)
class EnrolmentState:
    """The columns of an enrolment the learner's pages use, read with the progress."""

    id: int
    enrolled_at: datetime
    last_lesson_id: str | None
    last_activity_at: datetime | None


@dataclass(frozen=True)
class LearnerState:
    """A learner's enrolment (``None``: not enrolled) and progress in one course, read in one statement.

    ``wrote`` is true when the service that returned it changed rows the caller must commit.
    """

    enrolment: EnrolmentState | None
    progress: CourseProgress
    wrote: bool = False

    @property
    def enrolled(self) -> bool:
        return self.enrolment is not None


def _best_score():
    # Per progress row, the best score of that lesson's attempts (NULL for pages): an index lookup on
    # quiz_attempt (user_id, course_id, lesson_id, number). Every attempt has a progress row: submit_quiz
    # writes both in one transaction.
    return (
        select(func.max(QuizAttempt.score))
        .where(
            QuizAttempt.user_id == LessonProgress.user_id,
            QuizAttempt.course_id == LessonProgress.course_id,
            QuizAttempt.lesson_id == LessonProgress.lesson_id,
        )
        .scalar_subquery()
    )


_STATE_COLUMNS = (
    Enrolment.id.label("enrolment_id"),
    Enrolment.enrolled_at,
    Enrolment.last_lesson_id,
    Enrolment.last_activity_at,
    Completion.completed_at.label("course_completed_at"),
    Completion.certificate_code,
    LessonProgress.lesson_id,
    LessonProgress.completed_at.label("lesson_completed_at"),
)


# Built once: the lesson page runs it on every view, and building it cost more than running it.
_LEARNER_STATE = (
    select(*_STATE_COLUMNS, _best_score().label("best_score"))
    .select_from(User)
    .outerjoin(Enrolment, and_(Enrolment.user_id == User.id, Enrolment.course_id == bindparam("course_id")))
    .outerjoin(
        Completion, and_(Completion.user_id == User.id, Completion.course_id == bindparam("course_id"))
    )
    .outerjoin(
        LessonProgress,
        and_(LessonProgress.user_id == User.id, LessonProgress.course_id == bindparam("course_id")),
    )
    .where(User.id == bindparam("user_id"))
)


def learner_state(user: User, course: Course) -> LearnerState:
    """The learner's enrolment and progress in ``course``: one statement (the user's row joined to the
    enrolment, the completion and the progress rows of this course, each by its unique index)."""
    # Columns only, no entities: run on the session's connection, without the ORM's per-statement work.
    rows = db.session.connection().execute(_LEARNER_STATE, {"user_id": user.id, "course_id": course.id}).all()
    return _state_from_rows(course, rows)


def learner_states(user: User, library) -> list[tuple[Course, LearnerState]]:
    """Every course the learner is enrolled in (most recently active first) with their state: one
    statement for all of them. Enrolments in courses no longer in ``library`` are left out."""
    rows = db.session.execute(
        select(Enrolment.course_id, *_STATE_COLUMNS, _best_score().label("best_score"))
        .select_from(Enrolment)
        .outerjoin(
            Completion,
            and_(Completion.user_id == Enrolment.user_id, Completion.course_id == Enrolment.course_id),
        )
        .outerjoin(
            LessonProgress,
            and_(
                LessonProgress.user_id == Enrolment.user_id, LessonProgress.course_id == Enrolment.course_id
            ),
        )
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.last_activity_at.desc(), Enrolment.id)
    ).all()
    by_course: dict[str, list] = {}
    for row in rows:
        by_course.setdefault(row.course_id, []).append(row)
    found = []
    for course_id, course_rows in by_course.items():
        course = library.get(course_id)
        if course is not None:
            found.append((course, _state_from_rows(course, course_rows)))
    return found


def _state_from_rows(course: Course, rows) -> LearnerState:
    first = rows[0] if rows else None
    enrolment = (
        EnrolmentState(first.enrolment_id, first.enrolled_at, first.last_lesson_id, first.last_activity_at)
        if first is not None and first.enrolment_id is not None
        else None
    )
    viewed = {row.lesson_id for row in rows if row.lesson_id is not None}
    done = {row.lesson_id for row in rows if row.lesson_completed_at is not None}
    scores = {row.lesson_id: row.best_score for row in rows if row.best_score is not None}
    progress = _progress(
        course,
        viewed,
        done,
        scores,
        enrolment.last_lesson_id if enrolment else None,
        first.course_completed_at if first is not None else None,
        first.certificate_code if first is not None else None,
    )
    return LearnerState(enrolment, progress)


def _progress(
    course: Course,
    viewed: set[str] | frozenset[str],
    done: set[str],
    scores: dict,
    last_lesson_id: str | None,
    completed_at: datetime | None,
    certificate_code: str | None,
) -> CourseProgress:
    """Progress from the lessons the learner opened and completed (ids not in the course are ignored)."""
    order = course.lesson_ids
    in_course = set(order)
    last = last_lesson_id if last_lesson_id in in_course else None
    # "Continue" goes to the lesson the learner last opened, else to the first one not yet complete.
    resume = last or next((lid for lid in order if lid not in done), order[0])
    return CourseProgress(
        course_id=course.id,
        viewed=frozenset(lesson_id for lesson_id in viewed if lesson_id in in_course),
        completed_lessons=tuple(lesson_id for lesson_id in order if lesson_id in done),
        best_scores=scores,
        modules=tuple(
            ModuleProgress(
                module.id, sum(1 for lid in module.lesson_ids if lid in done), len(module.lesson_ids)
            )
            for module in course.modules
        ),
        last_lesson=last,
        completed_at=completed_at,
        certificate_code=certificate_code,
        total=len(order),
        resume_lesson=resume,
    )


def course_progress(user: User, course: Course) -> CourseProgress:
    """The learner's progress in the course (lessons no longer in the course are ignored)."""
    return learner_state(user, course).progress


def resume_lesson(progress: CourseProgress, course: Course) -> str:
    """Where "Continue" goes: the lesson the learner last opened, else the first not yet complete."""
    return progress.resume_lesson or course.lesson_ids[0]


def lesson_contents(lesson, minimum: int = 3) -> tuple[tuple[str, str], ...]:
    """The (anchor, text) of a lesson's sections for an "On this page" list: its h2 headings, when it has at
    least ``minimum`` of them (a short lesson needs no contents)."""
    sections = tuple((h.anchor, html.unescape(h.text)) for h in lesson.headings if h.level == 2)
    return sections if len(sections) >= minimum else ()


def record_lesson_viewed(
    user: User, course: Course, lesson_id: str, state: LearnerState | None = None
) -> LearnerState:
    """Note that the learner opened the lesson; a page is then complete. Idempotent and race-safe.

    Returns the learner's state after the view, read once (``state``, when the caller has it, else one
    statement) and updated in memory with what this call wrote; ``wrote`` says whether to commit. A repeat
    view of the lesson the learner is already on writes nothing (most views are repeats).
    """
    if not course.has_lesson(lesson_id):
        raise LearningError("lesson_not_found", N_("There is no such lesson in this course."), 404)
    state = state or learner_state(user, course)
    enrolment = state.enrolment
    if enrolment is None:
        raise LearningError("not_enrolled", N_("Enrol in the course first."), 403)
    progress = state.progress
    # Pages and tools (checklist, calculator) are complete once opened: their activity says "viewed".
    is_page = (
        activity_types()[course.lesson(lesson_id, course.source_language).type].completion_rule() == "viewed"
    )
    now = utcnow()
    recorded = lesson_id in progress.viewed
    complete = lesson_id in progress.completed_lessons
    settled = recorded and (complete or not is_page)
    recently_active = (
        enrolment.last_activity_at is not None and now - enrolment.last_activity_at < ACTIVITY_GRANULARITY
    )
    if settled and enrolment.last_lesson_id == lesson_id and recently_active:
        return state
    changed = False
    if not recorded:
        # A page is complete once opened: one INSERT records both.
        inserted = insert_ignoring_duplicates(
            LessonProgress,
            {
                "user_id": user.id,
                "course_id": course.id,
                "lesson_id": lesson_id,
                "viewed_at": now,
                "completed_at": now if is_page else None,
            },
            ["user_id", "course_id", "lesson_id"],
        )
        changed = inserted.rowcount > 0
        if not changed and is_page:  # a concurrent request recorded the row first; it may lack completion
            changed = _mark_complete(user, course, lesson_id, now)
    elif is_page and not complete:
        changed = _mark_complete(user, course, lesson_id, now)
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id)
        .values(last_lesson_id=lesson_id, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    enrolment = EnrolmentState(enrolment.id, enrolment.enrolled_at, lesson_id, now)
    done = set(progress.completed_lessons) | ({lesson_id} if is_page else set())
    progress = _progress(
        course,
        progress.viewed | {lesson_id},
        done,
        progress.best_scores,
        lesson_id,
        progress.completed_at,
        progress.certificate_code,
    )
    # Completion can only change when a lesson was first opened or first completed.
    if changed and not progress.completed and course_requirements_met(course, progress):
        completion = _record_completion(user, course)
        if completion is not None:
            progress = replace(
                progress,
                completed_at=completion["completed_at"],
                certificate_code=completion["certificate_code"],
            )
    return LearnerState(enrolment, progress, wrote=True)


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
    return _standing(quiz, _attempts(user, course, lesson_id))


def _standing(quiz: Quiz, attempts: list[QuizAttempt]) -> QuizStanding:
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
    user: User,
    course: Course,
    lesson_id: str,
    answers: dict,
    submission_id: str,
    language: str,
    state: LearnerState | None = None,
) -> AttemptOutcome:
    """Grade and record one attempt. The same ``submission_id`` twice returns the first attempt.

    Reads the learner's state (unless given) and their attempts at this quiz once; writes the attempt, its
    answers, the progress row when it changes, the place in the course, and the completion when this
    attempt completes the course.
    """
    quiz = quiz_for(course, lesson_id, language)
    state = state or learner_state(user, course)
    if state.enrolment is None:
        raise LearningError("not_enrolled", N_("Enrol in the course first."), 403)
    submission_id = str(submission_id or "")[:64] or new_submission_id()
    attempts = _attempts(user, course, lesson_id)
    existing = next((a for a in attempts if a.submission_id == submission_id), None)
    if existing is not None:
        return _outcome_from(existing, quiz, attempts)
    used = len(attempts)
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise LearningError("no_attempts_left", N_("You have used every attempt at this quiz."), 409)
    result = grade(quiz, answers)
    now = utcnow()
    values = {
        "user_id": user.id,
        "course_id": course.id,
        "lesson_id": lesson_id,
        "submission_id": submission_id,
        "number": used + 1,
        "score": result.score,
        "passed": result.passed,
        "language": language,
        "answers": {key: _jsonable(value) for key, value in answers.items() if quiz.question(key)},
        "created_at": now,
    }
    # ON CONFLICT DO NOTHING on either unique constraint: no savepoint, and the transaction stays usable.
    inserted = insert_ignoring_duplicates(QuizAttempt, values, None, returning=(QuizAttempt.id,)).first()
    if inserted is None:
        # A concurrent request recorded this submission (double click) or took this attempt number.
        existing = _attempt_by_submission(user, submission_id)
        if existing is not None:
            return _outcome(existing, quiz, user, course, lesson_id)
        raise LearningError(
            "attempt_conflict", N_("Another attempt was being saved; please submit again."), 409
        )
    attempt = QuizAttempt(id=inserted.id, **values)  # as written; not added to the session
    db.session.execute(
        insert(QuestionAnswer),
        [
            {
                "attempt_id": attempt.id,
                "course_id": course.id,
                "lesson_id": lesson_id,
                "question_id": item.question.id,
                "correct": item.correct,
            }
            for item in result.results
        ],
    )
    progress = state.progress
    if lesson_id not in progress.viewed:
        inserted = insert_ignoring_duplicates(
            LessonProgress,
            {
                "user_id": user.id,
                "course_id": course.id,
                "lesson_id": lesson_id,
                "viewed_at": now,
                "completed_at": now if result.passed else None,
            },
            ["user_id", "course_id", "lesson_id"],
        )
        if inserted.rowcount == 0 and result.passed:  # recorded meanwhile by a concurrent view
            _mark_complete(user, course, lesson_id, now)
    elif result.passed and lesson_id not in progress.completed_lessons:
        _mark_complete(user, course, lesson_id, now)
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == state.enrolment.id)
        .values(last_lesson_id=lesson_id, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    scores = dict(progress.best_scores)
    scores[lesson_id] = max(scores.get(lesson_id, 0.0), result.score)
    done = set(progress.completed_lessons) | ({lesson_id} if result.passed else set())
    after = _progress(
        course,
        progress.viewed | {lesson_id},
        done,
        scores,
        lesson_id,
        progress.completed_at,
        progress.certificate_code,
    )
    if not after.completed and course_requirements_met(course, after):
        _record_completion(user, course)
    progress_recorded.send(user, course=course)
    return _outcome_from(attempt, quiz, [*attempts, attempt], result)


def _attempts(user: User, course: Course, lesson_id: str) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.course_id == course.id,
                QuizAttempt.lesson_id == lesson_id,
            )
        )
    )


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


def _outcome_from(
    attempt: QuizAttempt, quiz: Quiz, attempts: list[QuizAttempt], result: Grade | None = None
) -> AttemptOutcome:
    standing = _standing(quiz, attempts)
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
    _record_completion(user, course)
    return True


def _record_completion(user: User, course: Course) -> dict | None:
    """Insert the completion and its certificate; the values written, or ``None`` if one existed."""
    values = {
        "user_id": user.id,
        "course_id": course.id,
        "course_version": course.version,
        "completed_at": utcnow(),
        "certificate_code": new_certificate_code(),
        "learner_name": user.name,
    }
    inserted = insert_ignoring_duplicates(Completion, values, ["user_id", "course_id"])
    if inserted.rowcount == 0:
        return None
    progress_recorded.send(user, course=course)
    return values


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
