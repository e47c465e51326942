"""The course pipeline: load, validate and render Markdown courses into immutable objects.

Pure: this package never imports Flask or the web layer, so the CLI, the SCORM exporter and tests
can use it on their own.
"""

from learn_habitat.content.errors import CourseError, Problem
from learn_habitat.content.loader import check_courses, load_course, load_library
from learn_habitat.content.model import (
    SUPPORTED_LANGUAGES,
    Course,
    CourseLibrary,
    Lesson,
    Module,
    text_direction,
)

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Course",
    "CourseError",
    "CourseLibrary",
    "Lesson",
    "Module",
    "Problem",
    "check_courses",
    "load_course",
    "load_library",
    "text_direction",
]
