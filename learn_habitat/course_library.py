"""The loaded courses, kept on the app: loaded and rendered once, then only read."""

from __future__ import annotations

from flask import current_app

from learn_habitat.content import CourseLibrary, load_library

EXTENSION_KEY = "learn_habitat.courses"


def init_app(app) -> None:
    """Load every course under ``COURSES_DIR``; a broken course is logged and left out, never fatal.

    ``COURSE_LIBRARY`` may hold an already loaded library (tests share one across many apps).
    """
    library = app.config.get("COURSE_LIBRARY") or load_library(app.config["COURSES_DIR"])
    for problem in library.problems:
        app.logger.warning("course problem: %s", problem)
    if library.problems:
        app.logger.warning(
            "%d course problem(s); serving the %d valid course(s). Run 'learn-habitat check' for details.",
            len(library.problems),
            len(library),
        )
    app.extensions[EXTENSION_KEY] = library


def current_library() -> CourseLibrary:
    """The courses of the current app."""
    return current_app.extensions[EXTENSION_KEY]
