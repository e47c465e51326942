"""Finding courses and lessons, and shaping them for pages."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import BinaryIO

from learn_habitat.content import Course, CourseLibrary, Lesson
from learn_habitat.content.course_files import UnsafeCourseFile, open_course_file
from learn_habitat.content.loader import MEDIA_FOLDER
from learn_habitat.content.media import media_type


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


@dataclass(frozen=True)
class MediaFile:
    """An open media file of a course and what its response needs; the caller closes ``handle``."""

    handle: BinaryIO
    mimetype: str
    size: int
    modified: float
    etag: str


def open_media(library: CourseLibrary, course_id: str, name: str) -> MediaFile:
    """A media file the loader checked for ``course_id``, opened without following any link; else NotFound.

    Only names in ``course.media_files`` are served, exactly as written: no ``..``, no other spelling or case,
    nothing added to the folder after the course was checked and loaded.
    """
    course = find_course(library, course_id)
    mimetype = media_type(name)
    if name not in course.media_files or mimetype is None:
        raise NotFound(name)
    try:
        descriptor, status = open_course_file(course.path, f"{MEDIA_FOLDER}/{name}")
    except (UnsafeCourseFile, OSError):
        raise NotFound(name) from None
    version = f"{course.id}/{name}/{status.st_size}/{status.st_mtime_ns}/{status.st_ino}"
    return MediaFile(
        handle=os.fdopen(descriptor, "rb"),
        mimetype=mimetype,
        size=status.st_size,
        modified=status.st_mtime,
        etag=hashlib.sha256(version.encode("utf-8")).hexdigest()[:32],
    )


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


@dataclass(frozen=True)
class LocalText:
    """A text and the language it is written in (the page's, or the course's source language as a fallback)."""

    text: str
    language: str


@dataclass(frozen=True)
class CourseDescription:
    """What the course page tells a learner before they enrol, in the page language where it is written.

    ``certificate_criteria`` is ``None`` when the course says nothing: the page then words the completion rule
    (``completion_rule``, ``min_average``, ``has_quizzes``) itself.
    """

    outcomes: tuple[LocalText, ...]
    audience: LocalText | None
    prerequisites: LocalText | None
    certificate_criteria: LocalText | None
    completion_rule: str
    min_average: float | None
    has_quizzes: bool
    authors: tuple[str, ...]
    reviewers: tuple[str, ...]
    last_reviewed: object  # datetime.date | None


def _local_text(metadata, key: str, language: str, source_language: str) -> LocalText | None:
    text = metadata.text(key, language, source_language)
    if not text:
        return None
    written_in = language if metadata.texts.get(key, {}).get(language) else source_language
    return LocalText(text, written_in)


def describe_course(course: Course, language: str) -> CourseDescription:
    """Outcomes, audience, prerequisites, certificate criteria and review facts of ``course`` in ``language``."""
    from learn_habitat.content.metadata import CourseMetadata

    metadata = course.metadata or CourseMetadata()
    source = course.source_language
    outcomes = metadata.outcomes_in(language, source)
    outcomes_language = language if metadata.outcomes.get(language) else source
    rule = course.completion.get("rule", "all-lessons")
    minimum = course.completion.get("min_average")
    return CourseDescription(
        outcomes=tuple(LocalText(item, outcomes_language) for item in outcomes),
        audience=_local_text(metadata, "audience", language, source),
        prerequisites=_local_text(metadata, "prerequisites", language, source),
        certificate_criteria=_local_text(metadata, "certificate_criteria", language, source),
        completion_rule=rule,
        min_average=minimum,
        has_quizzes=bool(course.quiz_ids()),
        authors=tuple(metadata.authors),
        reviewers=tuple(metadata.reviewers),
        last_reviewed=metadata.last_reviewed,
    )
