"""Each lesson opens with what the learner will be able to do, on the site and in SCORM packages."""

from __future__ import annotations

import io
import zipfile

import pytest
from markupsafe import escape

from scorm_export import export_course

COURSE = "adequate-housing"
LESSON = "housing-as-a-human-right"


@pytest.mark.parametrize("language", ["en", "ar", "zh"])
def test_the_lesson_page_lists_its_objectives_at_the_top(client, shipped_library, language):
    lesson = shipped_library.get(COURSE).lesson(LESSON, language)
    client.set_cookie("lang", language)
    html = client.get(f"/courses/{COURSE}/{LESSON}").get_data(as_text=True)
    assert 'class="objectives"' in html
    start = html.index('class="objectives"')
    assert start < html.index('class="lesson-body"')
    for objective in lesson.metadata.objectives:
        assert f"<li>{escape(objective)}</li>" in html[start:]


def test_the_objectives_heading_is_translated(client):
    client.set_cookie("lang", "fr")
    html = client.get(f"/courses/{COURSE}/{LESSON}").get_data(as_text=True)
    assert "Dans cette leçon, vous apprendrez à :" in html


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_package_lesson_pages_list_the_objectives_too(shipped_library, standard):
    course = shipped_library.get(COURSE)
    with zipfile.ZipFile(io.BytesIO(export_course(course, "fr", standard))) as archive:
        html = archive.read(f"{LESSON}.html").decode()
    assert "Dans cette leçon, vous apprendrez à :" in html
    for objective in course.lesson(LESSON, "fr").metadata.objectives:
        assert f"<li>{escape(objective)}</li>" in html
    assert html.index('class="objectives"') < html.index('class="lesson-body"')
