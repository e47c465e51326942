"""Fixtures in the manner of flaskr: ``app`` (fresh database per test), ``client``, ``runner``,
and ``course_dir`` for building small course folders to break on purpose."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from learn_habitat import create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_COURSES = PROJECT_ROOT / "courses"


def test_database_url(tmp_path: Path) -> str | None:
    """PostgreSQL when LEARN_HABITAT_TEST_DATABASE_URL is set, else a fresh SQLite file."""
    return os.environ.get("LEARN_HABITAT_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app_config(tmp_path):
    """Settings for a test app; tests may change them before asking for ``app``."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key",
        "COURSES_DIR": str(SHIPPED_COURSES),
        "DATABASE_URL": test_database_url(tmp_path),
    }


@pytest.fixture
def app(app_config):
    """An app on a fresh database."""
    from learn_habitat.extensions import db

    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class CourseFolder:
    """A small valid course on disk that a test can then break in one place."""

    def __init__(self, root: Path, course_id: str = "demo-course"):
        self.root = root
        self.path = root / course_id
        self.id = course_id
        (self.path / "en").mkdir(parents=True)
        (self.path / "media").mkdir()
        self.write(
            "course.yaml",
            f"""\
            id: {course_id}
            version: "1.0.0"
            source_language: en
            title:
              en: Demo course
            summary:
              en: A course made by a test.
            duration_minutes: 20
            modules:
              - id: basics
                title:
                  en: Basics
                lessons:
                  - welcome
                  - details
            completion:
              rule: all-lessons
            """,
        )
        self.write_lesson(
            "welcome",
            """\
            ## Why this matters

            Read [the details](details.md#a-table) next.

            ![A map of the city](../media/map.svg)
            """,
        )
        self.write_lesson(
            "details",
            """\
            ## A table

            | Target | Indicator |
            |---|---|
            | 11.1 | 11.1.1 |

            !!! note "Key idea"
                Callouts are admonitions.

            A footnote.[^1]

            [^1]: The note.
            """,
        )
        (self.path / "media" / "map.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'
        )

    def write(self, relative: str, text: str) -> Path:
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def write_lesson(self, lesson_id: str, body: str, language: str = "en", front: str | None = None) -> Path:
        front = front if front is not None else f"title: {lesson_id.title()}\ntype: page\nminutes: 10\n"
        return self.write(f"{language}/{lesson_id}.md", f"---\n{front}---\n" + textwrap.dedent(body))

    def replace(self, relative: str, old: str, new: str) -> None:
        path = self.path / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def course_dir(tmp_path) -> CourseFolder:
    """A valid demo course under ``tmp_path/courses``."""
    return CourseFolder(tmp_path / "courses")
