"""Loading courses into immutable objects."""

from __future__ import annotations

import dataclasses

import pytest

from learn_habitat.content import load_course, load_library
from tests.conftest import SHIPPED_COURSES

EXPECTED_COURSES = {"new-urban-agenda", "monitoring-sdg-11", "adequate-housing", "cities-and-crises"}


def test_the_four_shipped_courses_load():
    library = load_library(SHIPPED_COURSES)
    assert library.problems == ()
    assert set(library.courses) == EXPECTED_COURSES


@pytest.mark.parametrize("course_id", sorted(EXPECTED_COURSES))
def test_shipped_courses_are_substantial(course_id):
    course = load_library(SHIPPED_COURSES).get(course_id)
    pages = [course.lesson(lesson_id, "en") for lesson_id in course.lesson_ids]
    pages = [lesson for lesson in pages if lesson.type == "page"]
    assert len(pages) >= 6
    for lesson in pages:
        lesson_id = lesson.id
        words = len(" ".join(lesson.html.split("<")).split())
        # Long enough to teach, short enough for a sitting: 10 to 20 minutes at 90 words a minute.
        assert 500 <= words <= 2000, (lesson_id, words)
        assert "Sources" in lesson.html, lesson_id
        assert [h for h in lesson.headings if h.level == 1] == []


def test_course_metadata_and_order(course_dir):
    course = load_course(course_dir.path)
    assert course.id == "demo-course"
    assert course.version == "1.0.0"
    assert course.title("en") == "Demo course"
    assert course.title("fr") == "Demo course"  # falls back to the source language
    assert course.languages == ("en",)
    assert [m.id for m in course.modules] == ["basics"]
    assert course.neighbours("welcome") == (None, "details")
    assert course.neighbours("details") == ("welcome", None)
    assert course.module_minutes(course.modules[0]) == 20
    assert course.completion["rule"] == "all-lessons"


def test_missing_translation_falls_back_to_the_source_language(course_dir):
    course_dir.write_lesson("welcome", "## Pourquoi\n\nTexte.\n", language="fr")
    course = load_course(course_dir.path)
    assert course.languages == ("en", "fr")
    assert course.lesson("welcome", "fr").language == "fr"
    assert course.lesson("details", "fr").language == "en"


def test_duration_defaults_to_the_sum_of_lessons(course_dir):
    course_dir.replace("course.yaml", "duration_minutes: 20\n", "")
    assert load_course(course_dir.path).duration_minutes == 20


def test_loaded_courses_cannot_be_changed(course_dir):
    course = load_course(course_dir.path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        course.version = "2"
    with pytest.raises(TypeError):
        course.lessons["en"]["welcome"] = None


def test_a_broken_course_does_not_hide_the_valid_ones(course_dir):
    from tests.conftest import CourseFolder

    broken = CourseFolder(course_dir.root, "broken-course")
    broken.replace("en/welcome.md", "(details.md#a-table)", "(gone.md)")
    library = load_library(course_dir.root)
    assert set(library.courses) == {"demo-course"}
    assert [p.path for p in library.problems] == [str(broken.path / "en" / "welcome.md")]


def test_media_links_and_lesson_links_point_where_the_site_serves_them(course_dir):
    html = load_course(course_dir.path).lesson("welcome", "en").html
    assert 'href="details#a-table"' in html
    assert 'src="media/map.svg"' in html
