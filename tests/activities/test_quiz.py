"""Quiz syntax, its checker and server-side grading."""

from __future__ import annotations

import pytest

from learn_habitat.activities.quiz import grade, parse_number
from learn_habitat.content import check_courses, load_course

QUIZ_FRONT = "title: Check\ntype: quiz\nminutes: 5\npass_mark: 60\nmax_attempts: 3\nshuffle: true\n"

QUIZ_BODY = """\
Answer these.

::: question single
Where did Habitat III meet?

- [ ] Nairobi
    > Nairobi hosts UN-Habitat.
- [x] Quito
    > Right, in October 2016.
- [ ] Istanbul

?> In South America.
:::

::: question multiple
Pick the SDG 11 targets with a 2030 deadline.

- [x] 11.1
- [x] 11.2
- [ ] 11.a
    > 11.a has no date.
:::

::: question true-false
The New Urban Agenda is a treaty.

= false
+> Right: a political commitment.
-> No: it is a political commitment.
:::

::: question numeric
What share of income is the usual affordability benchmark, in percent?

= 30 ± 0.5
:::

::: question text
Which city hosted Habitat II?

= Istanbul
:::
"""


@pytest.fixture
def quiz_course(course_dir):
    course_dir.replace("course.yaml", "      - details", "      - details\n      - check")
    course_dir.write_lesson("check", QUIZ_BODY, front=QUIZ_FRONT)
    return course_dir


def quiz_problems(course, body, front=QUIZ_FRONT):
    course.write_lesson("check", body, front=front)
    return [str(p).split(": ", 1)[0].rsplit(":", 1)[1] + ": " + p.message for p in check_courses(course.path)]


def test_a_quiz_lesson_parses_into_questions(quiz_course):
    quiz = load_course(quiz_course.path).lesson("check", "en").activity
    assert [q.kind for q in quiz.questions] == ["single", "multiple", "true-false", "numeric", "text"]
    assert [q.id for q in quiz.questions] == ["q1", "q2", "q3", "q4", "q5"]
    assert (quiz.pass_mark, quiz.max_attempts, quiz.shuffle) == (60, 3, True)
    single = quiz.questions[0]
    assert [(o.key, o.html, o.correct) for o in single.options] == [
        ("a", "Nairobi", False),
        ("b", "Quito", True),
        ("c", "Istanbul", False),
    ]
    assert single.options[0].feedback_html == "Nairobi hosts UN-Habitat."
    assert single.hint_html == "In South America."
    assert (quiz.questions[3].number, quiz.questions[3].tolerance) == (30.0, 0.5)


def test_question_blocks_are_not_in_the_lesson_html(quiz_course):
    lesson = load_course(quiz_course.path).lesson("check", "en")
    assert "Answer these." in lesson.html
    for leaked in ("Quito", "[x]", "Right, in October", ":::", "= false"):
        assert leaked not in lesson.html


def test_grading_all_right_passes(quiz_course):
    quiz = load_course(quiz_course.path).lesson("check", "en").activity
    result = grade(quiz, {"q1": "b", "q2": ["a", "b"], "q3": "false", "q4": "30,2", "q5": "  istanbul "})
    assert result.score == 1.0
    assert result.passed
    assert result.results[0].feedback_html == ("Right, in October 2016.",)


def test_grading_counts_wrong_and_missing_answers(quiz_course):
    quiz = load_course(quiz_course.path).lesson("check", "en").activity
    result = grade(quiz, {"q1": "a", "q2": ["a"], "q3": "false", "q4": "31"})
    assert [r.correct for r in result.results] == [False, False, True, False, False]
    assert result.percent == 20
    assert not result.passed
    assert result.results[0].feedback_html == ("Nairobi hosts UN-Habitat.",)
    assert result.results[2].feedback_html == ("Right: a political commitment.",)


def test_pass_mark_is_inclusive(quiz_course):
    quiz = load_course(quiz_course.path).lesson("check", "en").activity
    three_of_five = grade(quiz, {"q1": "b", "q2": ["a", "b"], "q3": "false"})
    assert three_of_five.percent == 60
    assert three_of_five.passed


def test_multiple_choice_needs_exactly_the_right_set(quiz_course):
    question = load_course(quiz_course.path).lesson("check", "en").activity.questions[1]
    assert question.is_correct(["b", "a"])
    assert not question.is_correct(["a", "b", "c"])
    assert not question.is_correct("a")


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("30", 30.0),
        ("30.5", 30.5),
        ("30,5", 30.5),
        ("1 000", 1000.0),
        ("1,000.5", 1000.5),
        ("abc", None),
        ("nan", None),
    ],
)
def test_numbers_typed_by_learners(typed, number):
    assert parse_number(typed) == number


def test_question_without_correct_answer_is_reported_at_its_line(quiz_course):
    problems = quiz_problems(quiz_course, "::: question single\nPick one.\n\n- [ ] A\n- [ ] B\n:::\n")
    assert problems == ["9: no correct answer: mark the right option with '- [x]'"]


def test_duplicate_option_is_reported_at_its_line(quiz_course):
    problems = quiz_problems(
        quiz_course, "Intro.\n\n::: question single\nPick.\n\n- [x] A\n- [ ] B\n- [ ] a\n:::\n"
    )
    assert problems == ["16: duplicate option 'a'"]


def test_unknown_question_type_is_reported(quiz_course):
    problems = quiz_problems(quiz_course, "::: question essay\nWrite.\n\n= anything\n:::\n")
    assert problems == [
        "9: unknown question type 'essay' (known: single, multiple, true-false, numeric, text)"
    ]


def test_single_choice_with_two_right_options(quiz_course):
    problems = quiz_problems(quiz_course, "::: question single\nPick.\n\n- [x] A\n- [x] B\n:::\n")
    assert problems == ["9: a single-choice question has exactly one right option; 2 are marked '[x]'"]


def test_bad_numeric_answer_and_quiz_settings(quiz_course):
    front = "title: Q\ntype: quiz\nminutes: 5\npass_mark: 150\n"
    problems = quiz_problems(quiz_course, "::: question numeric\nHow many?\n\n= lots\n:::\n", front)
    assert problems == [
        "5: pass_mark must be a whole number from 1 to 100 (percent)",
        "10: not a number: 'lots' (write e.g. '= 30' or '= 30 ± 0.5')",
    ]


def test_unclosed_question_block(quiz_course):
    problems = quiz_problems(quiz_course, "::: question true-false\nTrue?\n\n= true\n")
    assert problems == ["9: this question block is never closed by a ':::' line"]


def test_quiz_without_questions(quiz_course):
    assert quiz_problems(quiz_course, "Just text.\n") == [
        "9: a quiz needs at least one '::: question TYPE' block"
    ]


def test_quiz_keys_are_unknown_on_pages(quiz_course):
    problems = quiz_problems(
        quiz_course, "Text.\n", front="title: P\ntype: page\nminutes: 5\npass_mark: 50\n"
    )
    assert problems == [
        "5: unknown key 'pass_mark' in the front matter (allowed: case_regions, minutes, objectives, title, type)"
    ]
