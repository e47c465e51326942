"""``learn-habitat preview``: every lesson open to guests, no database to set up, the checker's problems on the
page they concern, and a page version that changes when a saved change is read."""

from __future__ import annotations

import time

import pytest

from learn_habitat.cli import preview_command
from learn_habitat.course_library import live_library
from learn_habitat.live_courses import CourseWatcher
from learn_habitat.preview import create_preview_app


@pytest.fixture
def preview(course_dir):
    """A preview of the demo course, with an unstamped French lesson (a checker warning on fr/welcome.md)."""
    course_dir.write_lesson("welcome", "## Pourquoi\n\nBienvenue.\n", language="fr")
    app, folder = create_preview_app(str(course_dir.root), course_dir.id)
    yield app, course_dir
    folder.cleanup()


def test_a_guest_reads_every_lesson_and_sees_the_problems_of_its_files_in_every_language(preview):
    app, course = preview
    client = app.test_client()
    banner_titles = {"en": "Preview", "fr": "Aperçu", "ar": "معاينة", "zh": "预览"}
    for language, title in banner_titles.items():
        page = client.get("/courses/demo-course/welcome", headers={"Accept-Language": language})
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "preview-banner" in text and "js/preview.js" in text and f"<strong>{title}</strong>" in text
        assert f"{course.path / 'fr' / 'welcome.md'}:" in text and "outdated translation" in text
    other = client.get("/courses/demo-course/details").get_data(as_text=True)  # not the first lesson
    assert (
        "A table" in other and "welcome.md" not in other.split("preview-banner", 1)[1].split("</section>")[0]
    )


def test_a_broken_save_keeps_the_last_good_lesson_with_its_error_on_the_page(preview):
    app, course = preview
    client = app.test_client()
    assert client.get("/preview/version").get_json() == {"generation": 0}
    broken = course.write_lesson(
        "details", "Broken.\n", front="title: Details\ntype: no-such-type\nminutes: 5\n"
    )
    CourseWatcher(app).apply([str(broken)])
    assert client.get("/preview/version").get_json() == {"generation": 1}
    page = client.get("/courses/demo-course/details").get_data(as_text=True)
    assert "A table" in page  # the last good version
    assert f"{broken}:3: unknown activity type" in page
    assert "last version of the course without errors" in page


def test_the_watcher_reads_a_saved_change_by_itself(preview):
    app, course = preview
    watcher = CourseWatcher(app).start()
    try:
        assert watcher.ready.wait(60)
        course.write_lesson("welcome", "## Why this matters\n\nSaved just now.\n")
        deadline = time.monotonic() + 60
        while live_library(app).generation == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        watcher.stop()
    assert "Saved just now." in app.test_client().get("/courses/demo-course/welcome").get_data(as_text=True)


def test_preview_shows_only_the_course_asked_for_and_listens_on_loopback_by_default(course_dir):
    from tests.conftest import CourseFolder

    CourseFolder(course_dir.root, "other-course")
    app, folder = create_preview_app(str(course_dir.root), "other-course")
    try:
        assert [c.id for c in live_library(app).current()] == ["other-course"]
    finally:
        folder.cleanup()
    assert {p.name: p.default for p in preview_command.params}["host"] == "127.0.0.1"


def test_the_site_has_no_preview_and_keeps_lessons_for_enrolled_learners(client):
    assert client.get("/preview/version").status_code == 404
    page = client.get("/courses/new-urban-agenda/", follow_redirects=True).get_data(as_text=True)
    assert "preview-banner" not in page
