"""Finding courses and lessons, and shaping them for pages."""

from __future__ import annotations

from dataclasses import dataclass

from learn_habitat.content import Course, CourseLibrary, Lesson


class NotFound(LookupError):
    """No such course or lesson."""


@dataclass(frozen=True)
class LessonView:
    """A lesson with the neighbours and module a page needs around it."""

    course: Course
    lesson: Lesson
    module_title: str
    previous: Lesson | None
    next: Lesson | None
    position: int
    total: int
    is_fallback: bool


def list_courses(library: CourseLibrary, language: str) -> list[Course]:
    """Every course, ordered by its title in ``language``."""
    return sorted(library, key=lambda course: course.title(language).casefold())


def find_course(library: CourseLibrary, course_id: str) -> Course:
    """The course, or :class:`NotFound`."""
    course = library.get(course_id)
    if course is None:
        raise NotFound(course_id)
    return course


def lesson_view(library: CourseLibrary, course_id: str, lesson_id: str, language: str) -> LessonView:
    """Everything a lesson page shows, in ``language`` where the lesson is translated."""
    course = find_course(library, course_id)
    if not course.has_lesson(lesson_id):
        raise NotFound(lesson_id)
    previous_id, next_id = course.neighbours(lesson_id)
    lesson = course.lesson(lesson_id, language)
    order = course.lesson_ids
    return LessonView(
        course=course,
        lesson=lesson,
        module_title=course.module_title(course.module_of(lesson_id), language),
        previous=course.lesson(previous_id, language) if previous_id else None,
        next=course.lesson(next_id, language) if next_id else None,
        position=order.index(lesson_id) + 1,
        total=len(order),
        is_fallback=lesson.language != language,
    )
