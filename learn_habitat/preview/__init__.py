"""An author's preview (``learn-habitat preview``): the courses as learners see them, on the author's machine,
reloaded on every save, with the checker's problems shown on the pages they concern.

No database to set up and no account: the preview runs on a SQLite file in a temporary folder, and guests read
every lesson. It listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from learn_habitat.content.loader import COURSE_FILE


def init_app(app) -> None:
    """Add the preview's pages and banner to an app built with ``PREVIEW`` on."""
    from learn_habitat.preview.routes import blueprint

    app.register_blueprint(blueprint)


def preview_settings(courses: str, course: str | None, host: str, port: int, folder: str) -> dict:
    """The settings of a preview app: ``course`` is a course folder name under ``courses``, or a course folder."""
    if course and os.path.isfile(os.path.join(course, COURSE_FILE)):
        courses, course = (
            os.path.dirname(os.path.abspath(course)) or os.sep,
            os.path.basename(os.path.abspath(course)),
        )
    elif course and not os.path.isdir(os.path.join(courses, course)):
        raise ValueError(f"no course folder {course!r} in {courses}")
    return {
        "PREVIEW": True,
        "PREVIEW_COURSES": (course,) if course else None,
        "COURSES_DIR": courses,
        "COURSE_CACHE": False,
        "INSTANCE_PATH": str(Path(folder, "instance")),
        "DATABASE_URL": f"sqlite:///{Path(folder, 'preview.sqlite3')}",
        "SECRET_KEY": secrets.token_hex(32),
        "PUBLIC_URL": f"http://{'127.0.0.1' if host in ('', '0.0.0.0', '::') else host}:{port}",
        "EXTRA_TRUSTED_HOSTS": ["127.0.0.1", "localhost"],
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "file",
        "WTF_CSRF_ENABLED": True,
    }


def create_preview_app(courses: str, course: str | None = None, host: str = "127.0.0.1", port: int = 5001):
    """A preview app and the temporary folder holding its database (remove it with ``.cleanup()``)."""
    from learn_habitat import create_app
    from learn_habitat.extensions import db

    folder = tempfile.TemporaryDirectory(prefix="learn-habitat-preview-")
    app = create_app(preview_settings(courses, course, host, port, folder.name))
    with app.app_context():
        db.create_all()
    return app, folder
