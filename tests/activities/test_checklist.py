"""Checklist syntax, its checker (problems at path:line), the summary and the compact encoding."""

from __future__ import annotations

import pytest

from learn_habitat.activities.checklist import (
    MAX_STATEMENTS,
    decode_answers,
    encode_answers,
    parse_answers,
    summarise,
)
from learn_habitat.content import check_courses, load_course

CHECKLIST_FRONT = (
    "title: Self-assessment\ntype: checklist\nminutes: 10\nscale: [not started, in progress, in place]\n"
)

CHECKLIST_BODY = """\
Rate your city.

::: theme Social inclusion
- The city has mapped its informal settlements (paragraph 109).
    > not started: Start with a *rapid* mapping.
    > in progress: Share the map with the utilities.
- Housing policy covers renters (paragraph 107).
    > in place: Check it every year.
:::

::: theme Governance
- The city reports on the Agenda.
:::
"""


def checklist_course(course_dir, body=CHECKLIST_BODY, front=CHECKLIST_FRONT):
    course_dir.replace("course.yaml", "      - details", "      - details\n      - assess")
    course_dir.write_lesson("assess", body, front=front)
    return course_dir


def problems_of(course_dir, body=CHECKLIST_BODY, front=CHECKLIST_FRONT):
    checklist_course(course_dir, body, front)
    return [f"{p.path.rsplit('/', 1)[-1]}:{p.line}: {p.message}" for p in check_courses(course_dir.path)]


def test_a_checklist_lesson_parses_into_themes_statements_and_guidance(course_dir):
    lesson = load_course(checklist_course(course_dir).path).lesson("assess", "en")
    checklist = lesson.activity
    assert checklist.scale == ("not started", "in progress", "in place")
    assert [theme.title for theme in checklist.themes] == ["Social inclusion", "Governance"]
    assert [s.key for s in checklist.statements] == ["1.1", "1.2", "2.1"]
    first = checklist.statements[0]
    assert first.html == "The city has mapped its informal settlements (paragraph 109)."
    assert first.guidance_html == (
        "Start with a <em>rapid</em> mapping.",
        "Share the map with the utilities.",
        "",
    )
    assert checklist.statements[1].guidance_html == ("", "", "Check it every year.")
    assert first.field_name == "s1-1"
    # The blocks are the form's, not the lesson text's.
    assert "Rate your city." in lesson.html
    for leaked in ("informal settlements", ":::", "Share the map"):
        assert leaked not in lesson.html


def test_the_summary_counts_each_scale_value_and_scores_each_theme(course_dir):
    checklist = load_course(checklist_course(course_dir).path).lesson("assess", "en").activity
    summary = summarise(checklist, {"s1-1": "2", "s1-2": "1"})
    inclusion, governance = summary.themes
    assert (inclusion.counts, inclusion.unanswered, inclusion.percent) == ((0, 1, 1), 0, 75)
    assert (governance.counts, governance.unanswered, governance.percent) == ((0, 0, 0), 1, 0)
    assert (summary.overall.counts, summary.overall.percent, summary.answered) == ((0, 1, 1), 50, 2)


def test_answers_outside_the_scale_or_the_checklist_are_ignored(course_dir):
    checklist = load_course(checklist_course(course_dir).path).lesson("assess", "en").activity
    form = {"s1-1": "3", "s2-1": "-1", "s9-9": "1", "1.2": "0", "2.1": "x"}
    assert parse_answers(checklist, form) == {"1.2": 0}


def test_answers_encode_to_one_character_per_statement_and_back(course_dir):
    checklist = load_course(checklist_course(course_dir).path).lesson("assess", "en").activity
    answers = {"1.1": 2, "2.1": 0}
    assert encode_answers(checklist, answers) == "2-0"
    assert encode_answers(checklist, {"1.1": 1}) == "1"
    assert decode_answers(checklist, "2-0") == answers
    assert decode_answers(checklist, "9z0000") == {"2.1": 0}


@pytest.mark.parametrize(
    ("body", "front", "expected"),
    [
        (CHECKLIST_BODY, "title: A\ntype: checklist\nminutes: 5\n", "assess.md:2: a checklist needs 'scale'"),
        (
            CHECKLIST_BODY,
            CHECKLIST_FRONT.replace("in place]", "in progress]"),
            "assess.md:5: the values of 'scale'",
        ),
        (
            "Only text.\n",
            CHECKLIST_FRONT,
            "assess.md:7: a checklist needs at least one '::: theme TITLE' block",
        ),
        (
            CHECKLIST_BODY.replace("    > in place: Check", "    > done: Check"),
            CHECKLIST_FRONT,
            "assess.md:14: guidance for 'done', which is not a value of the scale",
        ),
        (
            CHECKLIST_BODY.replace("- The city reports", "The city reports"),
            CHECKLIST_FRONT,
            "assess.md:18: unexpected line in a theme",
        ),
        ("::: theme\n- A statement\n:::\n", CHECKLIST_FRONT, "assess.md:7: a theme needs a title"),
        ("::: theme Empty\n:::\n", CHECKLIST_FRONT, "assess.md:7: a theme needs at least one statement"),
        ("::: theme Open\n- A statement\n", CHECKLIST_FRONT, "assess.md:7: this theme block is never closed"),
        (
            CHECKLIST_BODY.replace(
                "    > in place: Check it every year.", "    > in place: <script>x</script>"
            ),
            CHECKLIST_FRONT,
            "assess.md:14: ",
        ),
    ],
)
def test_the_checker_reports_checklist_mistakes_at_their_line(course_dir, body, front, expected):
    found = problems_of(course_dir, body, front)
    assert any(problem.startswith(expected) for problem in found), found


def test_a_checklist_with_too_many_statements_is_refused(course_dir):
    body = "::: theme Many\n" + "".join(f"- Statement {n}\n" for n in range(MAX_STATEMENTS + 1)) + ":::\n"
    found = problems_of(course_dir, body)
    assert any(f"at most {MAX_STATEMENTS} statements" in problem for problem in found), found


def test_a_translation_must_keep_the_shape_of_its_source_checklist(course_dir):
    checklist_course(course_dir)
    translated = CHECKLIST_BODY.replace("- The city reports on the Agenda.\n", "- Un.\n- Deux.\n")
    course_dir.write_lesson(
        "assess", translated, language="fr", front=CHECKLIST_FRONT + "translation_of: x\n"
    )
    found = [f"{p.path.rsplit('/', 2)[-2]}/{p.line}: {p.message}" for p in check_courses(course_dir.path)]
    assert any(problem.startswith("fr/3: the checklist differs from its source") for problem in found), found


def test_a_checklist_lesson_is_complete_once_opened():
    from learn_habitat.activities import activity_types

    assert activity_types()["checklist"].completion_rule() == "viewed"
