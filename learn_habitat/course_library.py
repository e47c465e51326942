"""The loaded courses, kept on the app: loaded and rendered once, then only read."""

from __future__ import annotations

import os

from flask import current_app
from sqlalchemy.engine import make_url

from learn_habitat.content import CourseLibrary, load_library

EXTENSION_KEY = "learn_habitat.courses"


class UnsafeLayout(RuntimeError):
    """Instance data (secret key, SQLite file, outbox) lies inside a folder the site serves or exports."""


def init_app(app) -> None:
    """Load every course under ``COURSES_DIR``; a broken course is logged and left out, never fatal.

    ``COURSE_LIBRARY`` may hold an already loaded library (tests share one across many apps).
    """
    check_instance_is_private(app)
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


def check_instance_is_private(app) -> None:
    """Refuse to start when instance data sits inside the courses or static folder.

    Course files are read only inside their own course folder, without following links, but a hard link or a
    misconfigured path is a name like any other: keeping the secrets out of every served tree is the rule
    that does not depend on what the courses hold.
    """
    private = {"the instance folder": app.instance_path, "the mail outbox": app.config.get("MAIL_FILE_PATH")}
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        private["the SQLite database"] = url.database
    served = {"COURSES_DIR": app.config["COURSES_DIR"], "the static folder": app.static_folder}
    for served_name, served_path in served.items():
        if not served_path:
            continue
        served_real = os.path.realpath(served_path)
        for private_name, private_path in private.items():
            if private_path and _is_within(os.path.realpath(private_path), served_real):
                raise UnsafeLayout(
                    f"{private_name} ({private_path}) is inside {served_name} ({served_path}): "
                    "keep instance data outside every folder the site serves or exports"
                )


def _is_within(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder
