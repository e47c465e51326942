"""Course and lesson metadata: what a learner reads before starting, checked with its line."""

from __future__ import annotations

import datetime

from learn_habitat.content import check_courses, load_library

METADATA = """\
audience:
  en: City officials and planners.
  fr: Responsables municipaux et urbanistes.
prerequisites:
  en: None.
certificate_criteria:
  en: Open every lesson.
outcomes:
  en:
    - Explain the method.
    - Apply it to your city.
  fr:
    - Expliquer la méthode.
    - L'appliquer à votre ville.
authors: [Amina Diallo]
reviewers: [Content review, December 2026]
last_reviewed: 2026-12-07
"""


def add_to_course_yaml(course_dir, text: str) -> None:
    (course_dir.path / "course.yaml").write_text((course_dir.path / "course.yaml").read_text() + text)


def test_course_metadata_is_read_per_language_with_fallback(course_dir):
    add_to_course_yaml(course_dir, METADATA)
    assert check_courses(course_dir.path) == []
    course = load_library(course_dir.root).get(course_dir.id)
    metadata = course.metadata
    assert metadata.text("audience", "fr", "en") == "Responsables municipaux et urbanistes."
    assert metadata.text("prerequisites", "fr", "en") == "None."  # falls back to the source
    assert metadata.outcomes_in("fr", "en") == ("Expliquer la méthode.", "L'appliquer à votre ville.")
    assert metadata.outcomes_in("ar", "en") == ("Explain the method.", "Apply it to your city.")
    assert metadata.authors == ("Amina Diallo",)
    assert metadata.last_reviewed == datetime.date(2026, 12, 7)


def test_bad_metadata_is_reported_at_its_line(course_dir):
    add_to_course_yaml(
        course_dir,
        "audience: just text\noutcomes:\n  en:\n    - One.\n    - Two.\n  fr:\n    - Un.\n"
        "last_reviewed: last week\nauthors: []\n",
    )
    problems = {str(problem).split(":", 1)[1] for problem in check_courses(course_dir.path)}
    lines = (course_dir.path / "course.yaml").read_text().splitlines()

    def line_of(text):
        return next(number for number, line in enumerate(lines, 1) if line.startswith(text))

    assert f"{line_of('audience')}: audience must map language codes to text" in problems
    assert f"{line_of('  fr:')}: outcomes.fr has 1 items where the source has 2" in problems
    assert f"{line_of('last_reviewed')}: last_reviewed must be a date: YYYY-MM-DD" in problems
    assert f"{line_of('authors')}: authors must be a list of 1 to 20 texts" in problems
    assert load_library(course_dir.root).get(course_dir.id) is None


def test_lesson_objectives_and_case_regions_are_read(course_dir):
    course_dir.write_lesson(
        "welcome",
        "Text.\n",
        front="title: Welcome\ntype: page\nminutes: 5\nobjectives:\n  - Name the targets.\n"
        "case_regions: [arab-states, small-island-states]\n",
    )
    assert check_courses(course_dir.path) == []
    lesson = load_library(course_dir.root).get(course_dir.id).lesson("welcome", "en")
    assert lesson.metadata.objectives == ("Name the targets.",)
    assert lesson.metadata.case_regions == ("arab-states", "small-island-states")


def test_an_unknown_case_region_is_refused_with_the_known_ones(course_dir):
    path = course_dir.write_lesson(
        "welcome", "Text.\n", front="title: Welcome\ntype: page\nminutes: 5\ncase_regions: [europe]\n"
    )
    problems = [str(problem) for problem in check_courses(course_dir.path)]
    assert problems == [
        f"{path}:5: unknown case region 'europe' (known: africa, arab-states, asia-pacific, "
        "europe-central-asia, latin-america-caribbean, small-island-states)"
    ]
