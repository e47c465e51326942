"""The checker names the file and line of every kind of broken course input."""

from __future__ import annotations

import pytest

from learn_habitat.activities import activity_types
from learn_habitat.content import CourseError, check_courses, load_course


def messages(path) -> list[str]:
    return [str(problem) for problem in check_courses(path)]


def only_problem(course) -> str:
    found = messages(course.path)
    assert len(found) == 1, found
    return found[0]


def test_the_demo_course_is_valid(course_dir):
    assert messages(course_dir.path) == []
    assert load_course(course_dir.path).lesson_ids == ("welcome", "details")


def test_shipped_courses_have_no_problems(tmp_path):
    from tests.conftest import SHIPPED_COURSES

    assert messages(SHIPPED_COURSES) == []


def test_invalid_yaml_in_course_file_names_its_line(course_dir):
    course_dir.replace("course.yaml", "  en: Demo course", "  en: [Demo course")
    problem = only_problem(course_dir)
    assert problem.startswith(f"{course_dir.path / 'course.yaml'}:")
    assert "invalid YAML" in problem
    line = int(problem.split(":")[1])
    assert 5 <= line <= 7


def test_invalid_yaml_in_front_matter_names_the_file_line(course_dir):
    course_dir.write_lesson(
        "details", "## A table\n\nText.\n", front="title: Details\ntype: page\nminutes: [10\n"
    )
    problem = only_problem(course_dir)
    assert problem.startswith(f"{course_dir.path / 'en/details.md'}:")
    assert "invalid YAML" in problem
    assert int(problem.split(":")[1]) in (4, 5)


def test_unknown_course_key_suggests_the_right_one(course_dir):
    course_dir.replace("course.yaml", "duration_minutes: 20", "duration_minute: 20")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'course.yaml'}:8: unknown key 'duration_minute' in course.yaml; "
        "did you mean 'duration_minutes'?"
    )


def test_unknown_front_matter_key_suggests_the_right_one(course_dir):
    course_dir.write_lesson(
        "details", "## A table\n\nText.\n", front="title: Details\ntype: page\nminuts: 10\nminutes: 5\n"
    )
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'en/details.md'}:4: unknown key 'minuts' in the front matter; did you mean 'minutes'?"
    )


def test_listed_lesson_without_a_file(course_dir):
    course_dir.replace("course.yaml", "      - details", "      - details\n      - summary")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'course.yaml'}:16: lesson 'summary' is listed but en/summary.md does not exist"
    )


def test_lesson_file_that_is_not_listed(course_dir):
    course_dir.write_lesson("extra", "Text.\n")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'en/extra.md'}:1: lesson file extra.md is not listed in any module of course.yaml"
    )


def test_misnamed_lesson_file_gets_a_suggestion(course_dir):
    (course_dir.path / "en" / "details.md").rename(course_dir.path / "en" / "detail.md")
    found = messages(course_dir.path)
    assert (
        f"{course_dir.path / 'course.yaml'}:15: lesson 'details' is listed but en/details.md does not exist; "
        "did you mean 'detail'?" in found
    )


def test_duplicate_lesson_id(course_dir):
    course_dir.replace("course.yaml", "      - details", "      - details\n      - welcome")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'course.yaml'}:16: duplicate lesson id 'welcome' (first on line 14)"
    )


def test_duplicate_module_id(course_dir):
    course_dir.replace(
        "course.yaml",
        "completion:",
        "  - id: basics\n    title:\n      en: Again\n    lessons:\n      - more\ncompletion:",
    )
    course_dir.write_lesson("more", "Text.\n")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'course.yaml'}:16: duplicate module id 'basics' (first on line 10)"
    )


def test_broken_link_to_another_lesson(course_dir):
    course_dir.replace("en/welcome.md", "(details.md#a-table)", "(detials.md)")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'en/welcome.md'}:8: broken link 'detials.md': there is no lesson 'detials' "
        "in this course; did you mean 'details.md'?"
    )


def test_broken_link_to_a_heading(course_dir):
    course_dir.replace("en/welcome.md", "(details.md#a-table)", "(details.md#no-such-heading)")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'en/welcome.md'}:8: broken link 'details.md#no-such-heading': "
        "lesson 'details' has no heading with the anchor 'no-such-heading'"
    )


def test_missing_image(course_dir):
    (course_dir.path / "media" / "map.svg").unlink()
    assert only_problem(course_dir) == f"{course_dir.path / 'en/welcome.md'}:10: missing file media/map.svg"


def test_image_without_alt_text(course_dir):
    course_dir.replace("en/welcome.md", "![A map of the city]", "![]")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'en/welcome.md'}:10: image '../media/map.svg' has no alt text: describe it in ![...]"
    )


def test_external_image_is_refused(course_dir):
    course_dir.replace("en/welcome.md", "../media/map.svg", "https://example.org/map.png")
    assert "external images are not allowed" in only_problem(course_dir)


def test_unknown_activity_type(course_dir):
    course_dir.write_lesson(
        "details", "## A table\n\nText.\n", front="title: Details\ntype: pgae\nminutes: 10\n"
    )
    known = ", ".join(sorted(activity_types()))  # every installed plugin (page, quiz, calculator, ...)
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'en/details.md'}:3: unknown activity type 'pgae'; did you mean 'page'? (known: {known})"
    )


def test_unsupported_language_folder(course_dir):
    course_dir.write_lesson("welcome", "Hallo.\n", language="de")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'de'}:1: unsupported language code 'de' (supported: ar, en, es, fr, ru, zh) "
        "(language folders are named by code)"
    )


def test_unsupported_language_in_titles(course_dir):
    course_dir.replace("course.yaml", "  en: Demo course", "  en: Demo course\n  pt: Curso")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'course.yaml'}:6: unsupported language code 'pt' (supported: ar, en, es, fr, ru, zh)"
    )


def test_unsupported_source_language(course_dir):
    course_dir.replace("course.yaml", "source_language: en", "source_language: english")
    assert (
        f"{course_dir.path / 'course.yaml'}:3: unsupported language code 'english'"
        in messages(course_dir.path)[0]
    )


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ("title: X\ntype: page\nminutes: 0\n", 4, "minutes must be a whole number of at least 1"),
        ("title: X\ntype: page\nminutes: ten\n", 4, "minutes must be a whole number of at least 1"),
        ("title: ''\ntype: page\nminutes: 3\n", 2, "a lesson needs a title (text)"),
        ("title: X\nminutes: 3\n", 2, "missing required key 'type' (the activity type, e.g. 'page')"),
    ],
)
def test_front_matter_values_are_checked(course_dir, front, line, message):
    course_dir.write_lesson("details", "## A table\n\nText.\n", front=front)
    assert only_problem(course_dir) == f"{course_dir.path / 'en/details.md'}:{line}: {message}"


def test_lesson_without_front_matter(course_dir):
    course_dir.write("en/details.md", "## Just text\n")
    assert "a lesson starts with front matter" in only_problem(course_dir)


def test_front_matter_never_closed(course_dir):
    course_dir.write("en/details.md", "---\ntitle: X\ntype: page\n\nText\n")
    assert "never closed" in only_problem(course_dir)


def test_level_one_heading_in_body_is_refused(course_dir):
    course_dir.write_lesson("details", "## A table\n\nIntro.\n\n# Big title\n")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'en/details.md'}:10: a lesson body must not have a level-1 heading: "
        "the title is the page's heading; use '##'"
    )


def test_course_id_must_match_folder(course_dir):
    course_dir.replace("course.yaml", "id: demo-course", "id: other-course")
    assert only_problem(course_dir) == (
        f"{course_dir.path / 'course.yaml'}:1: id 'other-course' must equal the folder name 'demo-course'"
    )


def test_unquoted_version_is_explained(course_dir):
    course_dir.replace("course.yaml", 'version: "1.0.0"', "version: 1.0")
    assert "version must be a quoted string" in only_problem(course_dir)


def test_missing_required_key(course_dir):
    course_dir.replace("course.yaml", "source_language: en\n", "")
    assert f"{course_dir.path / 'course.yaml'}:1: missing required key 'source_language'" in messages(
        course_dir.path
    )


def test_missing_course_file(course_dir):
    (course_dir.path / "course.yaml").unlink()
    assert messages(course_dir.root) == [f"{course_dir.path}:1: a course folder needs a course.yaml"]


def test_broken_link_outside_the_course(course_dir):
    course_dir.replace("en/welcome.md", "(details.md#a-table)", "(../../other/en/x.md)")
    assert "links to lessons must name a file in the same folder" in only_problem(course_dir)


def test_load_course_raises_course_error_with_every_problem(course_dir):
    course_dir.replace("en/welcome.md", "(details.md#a-table)", "(nowhere.md)")
    (course_dir.path / "media" / "map.svg").unlink()
    with pytest.raises(CourseError) as caught:
        load_course(course_dir.path)
    assert [p.line for p in caught.value.problems] == [8, 10]
    assert all(p.path.endswith("welcome.md") for p in caught.value.problems)


def test_non_utf8_lesson(course_dir):
    (course_dir.path / "en" / "details.md").write_bytes(b"---\ntitle: \xff\n---\n")
    assert only_problem(course_dir) == f"{course_dir.path / 'en/details.md'}:1: the file is not valid UTF-8"
