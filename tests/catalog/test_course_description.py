"""The course page sells the course: outcomes, audience, prerequisites, time, certificate criteria, languages,
last review, authors and reviewers, in the page language."""

from __future__ import annotations

import dataclasses

import pytest

from learn_habitat import create_app
from learn_habitat.content import SUPPORTED_LANGUAGES
from learn_habitat.content.metadata import CourseMetadata
from learn_habitat.content.model import CourseLibrary, frozen_mapping

COURSE = "adequate-housing"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_course_page_shows_what_course_yaml_says_in_the_page_language(client, shipped_library, language):
    course = shipped_library.get(COURSE)
    metadata = course.metadata
    client.set_cookie("lang", language)
    html = client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    from markupsafe import escape

    for outcome in metadata.outcomes[language]:
        assert str(escape(outcome)) in html
    for key in ("audience", "prerequisites", "certificate_criteria"):
        assert str(escape(metadata.texts[key][language])) in html, key
    for person in (*metadata.authors, *metadata.reviewers):
        assert str(escape(person)) in html
    assert 'id="outcomes-title"' in html and 'id="criteria-title"' in html
    # Written in the page language: no lang attribute marks them as foreign.
    assert f"<li><span>{escape(metadata.outcomes[language][0])}</span></li>" in html
    assert "2026" in html  # last reviewed, as a date in the page language


def test_a_text_not_yet_translated_is_shown_in_the_source_language_and_marked(app_config, shipped_library):
    course = shipped_library.get(COURSE)
    texts = {key: {"en": value["en"]} for key, value in course.metadata.texts.items()}
    metadata = dataclasses.replace(
        course.metadata,
        texts=frozen_mapping((key, frozen_mapping(value)) for key, value in texts.items()),
        outcomes=frozen_mapping({"en": course.metadata.outcomes["en"]}),
    )
    app_config["COURSE_LIBRARY"] = CourseLibrary(
        courses=frozen_mapping({COURSE: dataclasses.replace(course, metadata=metadata)})
    )
    client = create_app(app_config).test_client()
    client.set_cookie("lang", "ar")
    html = client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    assert '<span lang="en" dir="ltr">Staff of national ministries' in html


@pytest.mark.parametrize(
    ("completion", "sentence"),
    [
        ({"rule": "all-lessons"}, "Open every lesson and pass every quiz."),
        (
            {"rule": "quiz-average", "min_average": 75},
            "Open every lesson, take every quiz and reach an average score of at least 75% across the quizzes.",
        ),
    ],
)
def test_without_certificate_criteria_the_page_words_the_completion_rule(
    app_config, shipped_library, completion, sentence
):
    course = shipped_library.get(COURSE)
    bare = dataclasses.replace(course, metadata=CourseMetadata(), completion=frozen_mapping(completion))
    app_config["COURSE_LIBRARY"] = CourseLibrary(courses=frozen_mapping({COURSE: bare}))
    client = create_app(app_config).test_client()
    html = client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    assert sentence in html
    assert 'id="outcomes-title"' not in html and 'id="people-title"' not in html
