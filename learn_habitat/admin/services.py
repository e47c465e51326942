"""Reports on enrolment, completion and quiz results, for admins and the course's authors."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select

from learn_habitat.accounts.models import User
from learn_habitat.content import Course
from learn_habitat.database import utcnow
from learn_habitat.extensions import db
from learn_habitat.learning.models import Completion, Enrolment, LessonProgress, QuestionAnswer, QuizAttempt

ACTIVE_DAYS = 30
LEARNER_STATUSES = ("all", "completed", "in-progress", "not-started")
CSV_COLUMNS = (
    "name",
    "email",
    "enrolled_at",
    "last_activity_at",
    "last_lesson",
    "lessons_completed",
    "lessons_total",
    "progress_percent",
    "completed_at",
    "certificate_code",
)


@dataclass(frozen=True)
class LessonStat:
    lesson_id: str
    viewed: int
    completed: int
    stopped_here: int  # learners whose last lesson this is and who have not completed the course


@dataclass(frozen=True)
class QuestionStat:
    lesson_id: str
    question_id: str
    answers: int
    correct: int

    @property
    def correct_rate(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class CourseSummary:
    course_id: str
    enrolled: int
    active: int
    completed: int
    average_quiz_score: float | None  # 0..1, over each learner's best attempt per quiz

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None


@dataclass(frozen=True)
class LearnerRow:
    user_id: int
    name: str
    email: str
    enrolled_at: object
    last_activity_at: object
    last_lesson: str | None
    lessons_completed: int
    completed_at: object
    certificate_code: str | None
    deleted_at: object = None  # the learner deleted the account: the row counts, but names no one


def course_summary(course: Course) -> CourseSummary:
    """Enrolled, active in the last 30 days, completed and average quiz score."""
    since = utcnow() - timedelta(days=ACTIVE_DAYS)
    enrolled, active = db.session.execute(
        select(func.count(), func.count().filter(Enrolment.last_activity_at >= since)).where(
            Enrolment.course_id == course.id
        )
    ).one()
    completed = db.session.scalar(
        select(func.count()).select_from(Completion).where(Completion.course_id == course.id)
    )
    best = (
        select(func.max(QuizAttempt.score).label("best"))
        .where(QuizAttempt.course_id == course.id)
        .group_by(QuizAttempt.user_id, QuizAttempt.lesson_id)
        .subquery()
    )
    average = db.session.scalar(select(func.avg(best.c.best)))
    return CourseSummary(
        course.id, enrolled, active, completed, float(average) if average is not None else None
    )


def lesson_stats(course: Course) -> list[LessonStat]:
    """Per lesson: how many opened it, completed it, and stopped there without finishing the course."""
    counts = {
        row.lesson_id: row
        for row in db.session.execute(
            select(
                LessonProgress.lesson_id,
                func.count().label("viewed"),
                func.count(LessonProgress.completed_at).label("completed"),
            )
            .where(LessonProgress.course_id == course.id)
            .group_by(LessonProgress.lesson_id)
        )
    }
    stopped = dict(
        db.session.execute(
            select(Enrolment.last_lesson_id, func.count())
            .outerjoin(
                Completion,
                and_(Completion.user_id == Enrolment.user_id, Completion.course_id == Enrolment.course_id),
            )
            .where(
                Enrolment.course_id == course.id,
                Completion.id.is_(None),
                Enrolment.last_lesson_id.is_not(None),
            )
            .group_by(Enrolment.last_lesson_id)
        ).all()
    )
    return [
        LessonStat(
            lesson_id,
            counts[lesson_id].viewed if lesson_id in counts else 0,
            counts[lesson_id].completed if lesson_id in counts else 0,
            stopped.get(lesson_id, 0),
        )
        for lesson_id in course.lesson_ids
    ]


def question_stats(course: Course) -> list[QuestionStat]:
    """Per quiz question: answers given and how many were right."""
    rows = db.session.execute(
        select(
            QuestionAnswer.lesson_id,
            QuestionAnswer.question_id,
            func.count().label("answers"),
            func.sum(func.cast(QuestionAnswer.correct, db.Integer)).label("correct"),
        )
        .where(QuestionAnswer.course_id == course.id)
        .group_by(QuestionAnswer.lesson_id, QuestionAnswer.question_id)
    ).all()
    found = {(row.lesson_id, row.question_id): row for row in rows}
    stats = []
    for lesson_id in course.quiz_ids():
        quiz = course.lesson(lesson_id, course.source_language).activity
        for question in quiz.questions:
            row = found.get((lesson_id, question.id))
            stats.append(
                QuestionStat(
                    lesson_id, question.id, row.answers if row else 0, int(row.correct or 0) if row else 0
                )
            )
    return stats


def _learner_query(course: Course, status: str = "all", search: str = ""):
    done = (
        select(LessonProgress.user_id, func.count().label("done"))
        .where(
            LessonProgress.course_id == course.id,
            LessonProgress.completed_at.is_not(None),
            LessonProgress.lesson_id.in_(course.lesson_ids),
        )
        .group_by(LessonProgress.user_id)
        .subquery()
    )
    lessons_completed = func.coalesce(done.c.done, 0)
    query = (
        select(
            User.id.label("user_id"),
            User.name,
            User.email,
            Enrolment.enrolled_at,
            Enrolment.last_activity_at,
            Enrolment.last_lesson_id.label("last_lesson"),
            lessons_completed.label("lessons_completed"),
            Completion.completed_at,
            Completion.certificate_code,
            User.deleted_at,
        )
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(done, done.c.user_id == Enrolment.user_id)
        .outerjoin(
            Completion, and_(Completion.user_id == Enrolment.user_id, Completion.course_id == course.id)
        )
        .where(Enrolment.course_id == course.id)
    )
    if status == "completed":
        query = query.where(Completion.id.is_not(None))
    elif status == "in-progress":
        query = query.where(Completion.id.is_(None), lessons_completed > 0)
    elif status == "not-started":
        query = query.where(lessons_completed == 0)
    search_filter = _search_filter(search)
    if search_filter is not None:
        query = query.where(search_filter)
    return query.order_by(Enrolment.id)


def _search_filter(search: str):
    """Names (any case) or emails containing ``search``, as a WHERE clause on User; ``None``: no search."""
    search = " ".join(str(search or "").split())[:100]
    if not search:
        return None
    pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(func.lower(User.name).like(pattern, escape="\\"), User.email.like(pattern, escape="\\"))


def _lessons_completed(course: Course):
    """The enrolled learner's completed lessons of the course, per enrolment row (correlated; one index range
    on lesson_progress (user_id, course_id, lesson_id) per learner)."""
    return (
        select(func.count())
        .where(
            LessonProgress.user_id == Enrolment.user_id,
            LessonProgress.course_id == course.id,
            LessonProgress.completed_at.is_not(None),
            LessonProgress.lesson_id.in_(course.lesson_ids),
        )
        .scalar_subquery()
    )


def _matching_enrolments(course: Course, status: str, search: str):
    """The ids of the course's enrolments that the learner list shows for ``status`` and ``search``."""
    query = select(Enrolment.id).where(Enrolment.course_id == course.id)
    completed = (
        select(Completion.id)
        .where(Completion.user_id == Enrolment.user_id, Completion.course_id == course.id)
        .exists()
    )
    has_done = (
        select(LessonProgress.id)
        .where(
            LessonProgress.user_id == Enrolment.user_id,
            LessonProgress.course_id == course.id,
            LessonProgress.completed_at.is_not(None),
            LessonProgress.lesson_id.in_(course.lesson_ids),
        )
        .exists()
    )
    if status == "completed":
        query = query.where(completed)
    elif status == "in-progress":
        query = query.where(~completed, has_done)
    elif status == "not-started":
        query = query.where(~has_done)
    search_filter = _search_filter(search)
    if search_filter is not None:
        query = query.join(User, User.id == Enrolment.user_id).where(search_filter)
    return query


def learner_page(
    course: Course, status: str, search: str, page: int, page_size: int
) -> tuple[list[LearnerRow], int]:
    """One page of the learner list and the number of matching learners.

    The page's learners are picked first (in enrolment order, along an index), then only their completed
    lessons are counted: the page costs the same however many learners the course has. The total is one
    count over the course's enrolments (index-only for "all").
    """
    status = status if status in LEARNER_STATUSES else "all"
    matching = _matching_enrolments(course, status, search)
    total = db.session.scalar(select(func.count()).select_from(matching.subquery()))
    chosen = matching.order_by(Enrolment.id).limit(page_size).offset(max(0, page - 1) * page_size).subquery()
    rows = db.session.execute(
        select(
            User.id.label("user_id"),
            User.name,
            User.email,
            Enrolment.enrolled_at,
            Enrolment.last_activity_at,
            Enrolment.last_lesson_id.label("last_lesson"),
            _lessons_completed(course).label("lessons_completed"),
            Completion.completed_at,
            Completion.certificate_code,
            User.deleted_at,
        )
        .select_from(Enrolment)
        .join(chosen, chosen.c.id == Enrolment.id)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(
            Completion, and_(Completion.user_id == Enrolment.user_id, Completion.course_id == course.id)
        )
        .order_by(Enrolment.id)
    ).all()
    return [LearnerRow(**row._mapping) for row in rows], total


def learner_csv(course: Course, status: str = "all", search: str = ""):
    """The learner list as CSV text, yielded in chunks with constant memory, however many rows."""
    status = status if status in LEARNER_STATUSES else "all"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    total = len(course.lesson_ids)
    result = db.session.execute(_learner_query(course, status, search).execution_options(yield_per=1000))
    for index, row in enumerate(result, start=1):
        writer.writerow(
            (
                _csv_safe(row.name),
                "" if row.deleted_at else _csv_safe(row.email),
                row.enrolled_at.isoformat() if row.enrolled_at else "",
                row.last_activity_at.isoformat() if row.last_activity_at else "",
                row.last_lesson or "",
                row.lessons_completed,
                total,
                round(100 * row.lessons_completed / total) if total else 0,
                row.completed_at.isoformat() if row.completed_at else "",
                "" if row.deleted_at else row.certificate_code or "",
            )
        )
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def courses_for(user: User, library) -> list[Course]:
    """The courses whose reports ``user`` may see."""
    from learn_habitat.learning.services import is_course_author

    return [course for course in library if is_course_author(user, course.id)]


_PACKAGES: dict = {}
_PACKAGE_CACHE_SIZE = 64


def scorm_package(course: Course, language: str, standard: str) -> bytes:
    """The SCORM package of a course; packages are deterministic, so each is built once per process."""
    from scorm_export import export_course

    key = (course.path, course.version, language, standard)
    if key not in _PACKAGES:
        if len(_PACKAGES) >= _PACKAGE_CACHE_SIZE:
            _PACKAGES.pop(next(iter(_PACKAGES)))
        _PACKAGES[key] = export_course(course, language, standard)
    return _PACKAGES[key]


# Charts and a learner's own page (new functions: the query functions above stay as they are) ----------

SCORE_BANDS = 10


def score_distribution(course: Course) -> list[int]:
    """How many best scores fall in each tenth (0–9 %, 10–19 %, … 90–100 %), over each learner's best
    attempt at each quiz: the same scores the average quiz score is taken over."""
    best = (
        select(func.max(QuizAttempt.score).label("best"))
        .where(QuizAttempt.course_id == course.id)
        .group_by(QuizAttempt.user_id, QuizAttempt.lesson_id)
        .subquery()
    )
    # A tiny tolerance so that a stored 0.7 (0.69999...) is in the 70–79 % band, as charts.score_band says.
    band = case(
        *[(best.c.best >= tenth / SCORE_BANDS - 1e-9, tenth) for tenth in range(SCORE_BANDS - 1, 0, -1)],
        else_=0,
    )
    counts = [0] * SCORE_BANDS
    for value, count in db.session.execute(select(band, func.count()).group_by(band)).all():
        counts[int(value)] = count
    return counts


@dataclass(frozen=True)
class LearnerRecord:
    """What one learner did in one course, for the admin's page about them."""

    user: User
    enrolment: Enrolment | None  # None once unenrolled: the progress is kept
    progress: object  # learning.services.CourseProgress
    attempts: tuple[QuizAttempt, ...]  # in course order, then by attempt number
    completion: Completion | None


def learner_record(course: Course, user_id: int) -> LearnerRecord | None:
    """The learner's enrolment, progress, quiz attempts and certificate in ``course``; None when the account
    has never been enrolled in the course (an author sees only the learners of their own courses)."""
    from learn_habitat.learning.services import course_progress

    user = db.session.get(User, user_id)
    if user is None:
        return None
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.course_id == course.id)
    ).all()
    completion = db.session.scalar(
        select(Completion).where(Completion.user_id == user.id, Completion.course_id == course.id)
    )
    progress = course_progress(user, course)
    if enrolment is None and not attempts and completion is None and not progress.viewed:
        return None
    order = {lesson_id: index for index, lesson_id in enumerate(course.lesson_ids)}
    attempts = sorted(attempts, key=lambda a: (order.get(a.lesson_id, len(order)), a.lesson_id, a.number))
    return LearnerRecord(user, enrolment, progress, tuple(attempts), completion)
