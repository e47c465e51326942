"""The shipped courses meet the content bar a reviewer signs off: metadata in every language, objectives and
sources on every lesson, and a documented case in every module, from several regions."""

from __future__ import annotations

import re

import pytest

from learn_habitat.content import SUPPORTED_LANGUAGES

SOURCES_HEADING = {
    "en": "Sources",
    "fr": "Sources",
    "es": "Fuentes",
    "ru": "Источники",
    "ar": "المصادر",
    "zh": "资料来源",
}
SHIPPED = ["adequate-housing", "cities-and-crises", "monitoring-sdg-11", "new-urban-agenda"]


@pytest.fixture(scope="module")
def courses(shipped_library):
    return {course_id: shipped_library.get(course_id) for course_id in SHIPPED}


def test_four_courses_ship_and_load_without_problems(shipped_library):
    assert sorted(course.id for course in shipped_library) == SHIPPED
    assert shipped_library.problems == ()


@pytest.mark.parametrize("course_id", SHIPPED)
def test_each_course_has_its_metadata_in_all_six_languages(courses, course_id):
    course = courses[course_id]
    metadata = course.metadata
    assert set(course.languages) == set(SUPPORTED_LANGUAGES)
    for key in ("audience", "prerequisites", "certificate_criteria"):
        assert set(metadata.texts.get(key, {})) == set(SUPPORTED_LANGUAGES), key
    assert set(metadata.outcomes) == set(SUPPORTED_LANGUAGES)
    assert len({len(items) for items in metadata.outcomes.values()}) == 1
    assert 3 <= len(metadata.outcomes["en"]) <= 6
    assert metadata.authors and metadata.reviewers and metadata.last_reviewed is not None


@pytest.mark.parametrize("course_id", SHIPPED)
def test_every_lesson_in_every_language_has_objectives_and_a_sources_section(courses, course_id):
    course = courses[course_id]
    missing = []
    for language in course.languages:
        for lesson_id in course.lesson_ids:
            lesson = course.lessons[language].get(lesson_id)
            if lesson is None:
                missing.append((language, lesson_id, "not translated"))
                continue
            if not 2 <= len(lesson.metadata.objectives) <= 4:
                missing.append((language, lesson_id, "objectives"))
            if lesson.type == "page" and not any(
                heading.level == 2 and heading.text.strip() == SOURCES_HEADING[language]
                for heading in lesson.headings
            ):
                missing.append((language, lesson_id, "sources"))
    assert missing == []


@pytest.mark.parametrize("course_id", SHIPPED)
def test_each_module_has_a_documented_case_and_the_course_spans_several_regions(courses, course_id):
    course = courses[course_id]
    regions = set()
    for module in course.modules:
        module_regions = set()
        for lesson_id in module.lesson_ids:
            for language in course.languages:
                lesson = course.lessons[language][lesson_id]
                # Marked the same in every language, and the lesson really tells a case.
                source_regions = course.lessons[course.source_language][lesson_id].metadata.case_regions
                assert lesson.metadata.case_regions == source_regions, (language, lesson_id)
            english = course.lessons["en"][lesson_id]
            # A marked lesson that tells its case under a "Case:" heading (older lessons weave cases into
            # their text and are marked too, but only headed cases count here).
            if english.metadata.case_regions and any(
                re.match(r"Case:", heading.text) for heading in english.headings
            ):
                module_regions |= set(english.metadata.case_regions)
        assert module_regions, f"module {module.id} has no lesson with a documented case"
        regions |= module_regions
    assert len(regions) >= 3, regions
