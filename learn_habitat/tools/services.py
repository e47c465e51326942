"""Checklists: answering (nothing stored), saving (one copy per learner and lesson, updated in place), the
learner's saved copies, and what a course report may show of tool lessons."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from learn_habitat.accounts.models import User
from learn_habitat.activities.checklist import Checklist, Summary, parse_answers, summarise
from learn_habitat.content import Course
from learn_habitat.database import insert_ignoring_duplicates, utcnow
from learn_habitat.extensions import db
from learn_habitat.learning.models import LessonProgress
from learn_habitat.learning.services import LearningError, can_read_lesson, find_enrolment
from learn_habitat.text import N_
from learn_habitat.tools.models import SavedChecklist

# Lesson types a course report counts as tools. Activity types register themselves; these two are tools.
TOOL_TYPES = ("checklist", "calculator")


def checklist_for(course: Course, lesson_id: str, language: str) -> Checklist:
    """The checklist of a lesson in ``language`` (falling back to the source language)."""
    if not course.has_lesson(lesson_id):
        raise LearningError("lesson_not_found", N_("There is no such lesson in this course."), 404)
    lesson = course.lesson(lesson_id, language)
    if lesson.type != "checklist":
        raise LearningError("not_a_checklist", N_("This lesson is not a checklist."), 400)
    return lesson.activity


def answer_checklist(checklist: Checklist, form) -> tuple[dict[str, int], Summary]:
    """The valid answers in a submitted form and their summary; nothing is stored."""
    answers = parse_answers(checklist, form)
    return answers, summarise(checklist, answers)


def save_checklist(
    user: User, course: Course, lesson_id: str, answers: dict, language: str
) -> SavedChecklist:
    """Save the learner's answers: the one copy per learner and lesson is created or updated in place.
    Idempotent and race-safe (the database keeps one row per learner and lesson)."""
    checklist = checklist_for(course, lesson_id, language)
    if not can_read_lesson(user, course, lesson_id) or find_enrolment(user, course.id) is None:
        raise LearningError("not_enrolled", N_("Enrol in the course to save your checklist."), 403)
    answers = parse_answers(checklist, answers)
    now = utcnow()
    values = {"answers": answers, "language": language, "saved_at": now}
    key = {"user_id": user.id, "course_id": course.id, "lesson_id": lesson_id}
    inserted = insert_ignoring_duplicates(SavedChecklist, {**key, **values}, list(key))
    if inserted.rowcount == 0:
        db.session.execute(
            update(SavedChecklist)
            .where(*(getattr(SavedChecklist, column) == value for column, value in key.items()))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return saved_checklist(user, course.id, lesson_id)


def saved_checklist(user: User | None, course_id: str, lesson_id: str) -> SavedChecklist | None:
    """The learner's saved copy of a checklist lesson, if they saved one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(SavedChecklist)
        .where(
            SavedChecklist.user_id == user.id,
            SavedChecklist.course_id == course_id,
            SavedChecklist.lesson_id == lesson_id,
        )
        .execution_options(populate_existing=True)
    )


@dataclass(frozen=True)
class SavedCopy:
    """A saved checklist as the dashboard lists it."""

    course: Course
    lesson_id: str
    saved_at: object
    summary: Summary


def my_saved_checklists(user: User, library) -> list[SavedCopy]:
    """The learner's saved checklists of courses and lessons that still exist, newest first."""
    rows = db.session.scalars(
        select(SavedChecklist)
        .where(SavedChecklist.user_id == user.id)
        .order_by(SavedChecklist.saved_at.desc())
    )
    found = []
    for row in rows:
        course = library.get(row.course_id)
        if course is None or not course.has_lesson(row.lesson_id):
            continue
        lesson = course.lesson(row.lesson_id, course.source_language)
        if lesson.type != "checklist":
            continue
        found.append(SavedCopy(course, row.lesson_id, row.saved_at, summarise(lesson.activity, row.answers)))
    return found


@dataclass(frozen=True)
class ToolUsage:
    """How many learners opened a tool lesson, and (checklists) how many saved their answers."""

    lesson_id: str
    type: str
    opened: int
    saved: int | None  # None: the tool has nothing to save


def tool_usage(course: Course) -> list[ToolUsage]:
    """Per tool lesson of the course: learners who opened it and who saved a checklist. Never what they entered."""
    source = course.lessons[course.source_language]
    tools = [lesson_id for lesson_id in course.lesson_ids if source[lesson_id].type in TOOL_TYPES]
    if not tools:
        return []
    opened = dict(
        db.session.execute(
            select(LessonProgress.lesson_id, func.count())
            .where(LessonProgress.course_id == course.id, LessonProgress.lesson_id.in_(tools))
            .group_by(LessonProgress.lesson_id)
        ).all()
    )
    saved = dict(
        db.session.execute(
            select(SavedChecklist.lesson_id, func.count())
            .where(SavedChecklist.course_id == course.id, SavedChecklist.lesson_id.in_(tools))
            .group_by(SavedChecklist.lesson_id)
        ).all()
    )
    return [
        ToolUsage(
            lesson_id,
            source[lesson_id].type,
            opened.get(lesson_id, 0),
            saved.get(lesson_id, 0) if source[lesson_id].type == "checklist" else None,
        )
        for lesson_id in tools
    ]


def saved_checklist_summaries(course: Course, lesson_id: str) -> list[Summary]:
    """The summary by theme of every saved copy of a checklist lesson, oldest first: what an admin may see of
    a checklist a learner chose to save (no names, no answers to single statements)."""
    checklist = course.lesson(lesson_id, course.source_language).activity
    rows = db.session.scalars(
        select(SavedChecklist.answers)
        .where(SavedChecklist.course_id == course.id, SavedChecklist.lesson_id == lesson_id)
        .order_by(SavedChecklist.saved_at, SavedChecklist.id)
    )
    return [summarise(checklist, answers) for answers in rows]
