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


POSTGRESQL_URL = os.environ.get("LEARN_HABITAT_TEST_DATABASE_URL")
# Every database test runs on SQLite, and on PostgreSQL too when LEARN_HABITAT_TEST_DATABASE_URL is set.
DATABASE_BACKENDS = ["sqlite", *(["postgresql"] if POSTGRESQL_URL else [])]


@pytest.fixture(params=DATABASE_BACKENDS)
def database_url(request, tmp_path) -> str:
    """A fresh SQLite file, or the PostgreSQL test database (emptied by the ``app`` fixture)."""
    return POSTGRESQL_URL if request.param == "postgresql" else f"sqlite:///{tmp_path / 'test.sqlite3'}"


CHROMIUM = os.environ.get("LEARN_HABITAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run (a new context per test keeps tests apart)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install it with 'apt-get install -y chromium' (.ci/run does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shipped_library():
    """The shipped courses, loaded once for the whole run (loading renders every lesson)."""
    from learn_habitat.content import load_library

    return load_library(SHIPPED_COURSES)


@pytest.fixture
def app_config(tmp_path, shipped_library, database_url):
    """Settings for a test app; tests may change them before asking for ``app``.

    CSRF and rate limits are off here and tested on purpose where they matter.
    """
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key",
        "COURSES_DIR": str(SHIPPED_COURSES),
        "COURSE_LIBRARY": shipped_library,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Absolute URLs are built from this; the test client's Host is "localhost" (and 127.0.0.1 is trusted too).
        "PUBLIC_URL": "http://localhost",
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
    wait_for_background_jobs()  # no mail job may still use the database being dropped
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def wait_for_background_jobs():
    from learn_habitat.accounts.background import wait_for_background_jobs as wait

    wait()


def mailed_link(app, to: str, path: str) -> str:
    """The path of the newest link to ``path`` mailed to ``to`` (after the background worker sent it)."""
    import re

    from learn_habitat.accounts.services import normalize_email

    to = normalize_email(to)
    wait_for_background_jobs()
    outbox = Path(app.config["MAIL_FILE_PATH"])
    messages = sorted(outbox.iterdir(), key=lambda f: f.stat().st_mtime_ns) if outbox.is_dir() else []
    for message in reversed(messages):
        text = message.read_text(encoding="utf-8")
        if re.search(rf"^To: {re.escape(to)}$", text, re.M):
            found = re.search(rf"{re.escape(app.config['PUBLIC_URL'])}({re.escape(path)}\S+)", text)
            if found:
                return found.group(1)
    raise AssertionError(f"no mail to {to} with a link to {path}")


def sign_up(app, client, email, name="Lea Learner", password=None, language="en"):
    """Sign up through the form and open the mailed confirmation link: the client ends signed in."""
    password = password or PASSWORD
    response = client.post(
        "/register", data={"email": email, "name": name, "password": password, "language": language}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    link = mailed_link(app, email, "/register/confirm/")
    response = client.post(link, data={"password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


PASSWORD = "a long enough password"


def make_user(
    app, email="learner@example.org", name="Lea Learner", role="learner", language="en", password=PASSWORD
):
    """Create an account directly through the service layer and return its id."""
    from learn_habitat.accounts.models import Role
    from learn_habitat.accounts.services import register_user
    from learn_habitat.extensions import db

    with app.app_context():
        user = register_user(email, name, password, language, Role(role))
        db.session.commit()
        return user.id


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, email="learner@example.org", password=PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def learner(app, auth):
    """A signed-in learner; returns the user id."""
    user_id = make_user(app)
    auth.login()
    return user_id


@pytest.fixture
def admin(app, auth):
    """A signed-in admin; returns the user id."""
    user_id = make_user(app, "admin@example.org", "Ada Admin", role="admin")
    auth.login("admin@example.org")
    return user_id


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
