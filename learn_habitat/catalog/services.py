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
