"""Quizzes that teach without giving the answers away: while attempts remain a failed attempt shows which
answers were wrong and the hints, never the right answers; after a pass or the last attempt it shows
everything. A revisited quiz shows the best result. The same rules hold in the JSON API."""

from __future__ import annotations

import re

import pytest

from learn_habitat.activities.quiz import Question
from tests.conftest import make_user
from tests.learning.test_journey import right_answers, submit, wrong_answers

COURSE = "adequate-housing"
QUIZ = "quiz-affordability-tenure-and-informal-settlements"


def choice_questions(quiz) -> list[Question]:
    return [question for question in quiz.questions if question.kind in ("single", "multiple")]


def giveaways(quiz, option_text=True) -> dict[str, list[str]]:
    """Per question, what would give its right answer away after the wrong answer ``wrong_answers`` gives:
    the right options' text (the API gives keys instead), the chosen wrong option's feedback and the general
    "wrong" feedback."""
    found = {}
    for question in quiz.questions:
        chosen = wrong_answers(question)
        chosen = {chosen} if isinstance(chosen, str) else set(chosen)
        found[question.id] = [
            *(option.html for option in question.options if option.correct and option_text),
            *(o.feedback_html for o in question.options if o.key in chosen and o.feedback_html),
            *([question.incorrect_feedback_html] if question.incorrect_feedback_html else []),
        ]
    return found


def assert_nothing_given_away(text: str, quiz, option_text=True) -> None:
    for question_id, texts in giveaways(quiz, option_text).items():
        for given_away in texts:
            assert given_away not in text, (question_id, given_away)


def assert_everything_shown(text: str, quiz, option_text=True) -> None:
    for question_id, texts in giveaways(quiz, option_text).items():
        for shown in texts:
            assert shown in text, (question_id, shown)


@pytest.fixture
def quiz(shipped_library):
    found = shipped_library.get(COURSE).lesson(QUIZ, "en").activity
    # The test means something only if the quiz has what could give answers away, and hints.
    assert (
        choice_questions(found)
        and found.max_attempts == 3
        and found.reveal_answers == "after-pass-or-last-attempt"
    )
    assert any(option.feedback_html for q in found.questions for option in q.options if not option.correct)
    assert any(q.hint_html for q in found.questions)
    return found


@pytest.fixture
def enrolled(client, learner, shipped_library):
    assert client.post(f"/courses/{COURSE}/enrol").status_code == 302
    return shipped_library.get(COURSE)


def result_page(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


# --------------------------------------------------------------------------------------------- the site


def test_a_failed_attempt_with_attempts_left_shows_what_was_wrong_and_the_hints_but_not_the_answers(
    client, enrolled, quiz
):
    page = result_page(client, submit(client, enrolled, QUIZ, wrong_answers, "fail1"))
    assert "Not passed yet." in page
    assert page.count('class="answer-wrong"') == len(quiz.questions)
    assert_nothing_given_away(page, quiz)
    assert 'class="right-answer"' not in page
    for question in quiz.questions:
        if question.hint_html:
            assert question.hint_html in page
    assert "The right answers are shown once you pass or have used every attempt." in page
    # The main action is to try again; the next lesson is secondary.
    try_again = re.search(r'<a class="([^"]+)" href="([^"]+)">Try again</a>', page)
    assert try_again and try_again.group(1) == "button", page
    assert try_again.group(2) == f"/courses/{COURSE}/{QUIZ}?retry=1#quiz-form"
    next_lesson = re.search(r'<a class="([^"]+)" rel="next" href="[^"]+">Next lesson</a>', page)
    assert next_lesson and next_lesson.group(1) == "button button-secondary"


def test_the_last_attempt_shows_every_right_answer_and_feedback(client, enrolled, quiz):
    first = submit(client, enrolled, QUIZ, wrong_answers, "try1")
    submit(client, enrolled, QUIZ, wrong_answers, "try2")
    last = result_page(client, submit(client, enrolled, QUIZ, wrong_answers, "try3"))
    assert_everything_shown(last, quiz)
    assert last.count('class="right-answer"') == len(quiz.questions)
    assert "Try again" not in last
    assert re.search(r'<a class="button" rel="next" href="[^"]+">Next lesson</a>', last)
    # An earlier attempt, looked at again, now shows everything too.
    assert_everything_shown(result_page(client, first), quiz)


def test_a_pass_shows_the_answers_of_every_attempt(client, enrolled, quiz):
    failed = submit(client, enrolled, QUIZ, wrong_answers, "fail")
    assert_nothing_given_away(result_page(client, failed), quiz)
    passed = result_page(client, submit(client, enrolled, QUIZ, right_answers, "pass"))
    assert "Passed." in passed
    assert "Another attempt never lowers your best result." in passed
    assert_everything_shown(result_page(client, failed), quiz)


def test_a_failed_quiz_revisited_shows_the_best_result_and_the_form(client, enrolled, quiz):
    submit(client, enrolled, QUIZ, wrong_answers, "fail")
    page = client.get(f"/courses/{COURSE}/{QUIZ}").get_data(as_text=True)
    assert "Your best result: 0%" in page and "Not passed yet." in page
    assert "2 attempts left" in page
    assert f'href="/courses/{COURSE}/{QUIZ}/attempts/1"' in page
    assert 'id="quiz-form"' in page
    assert_nothing_given_away(page.split('id="quiz-form"')[0], quiz)


def test_a_passed_quiz_revisited_shows_the_best_result_and_offers_a_retry_that_never_lowers_it(
    app, client, enrolled, quiz
):
    from learn_habitat.extensions import db
    from learn_habitat.learning.models import QuizAttempt

    submit(client, enrolled, QUIZ, right_answers, "pass")
    page = client.get(f"/courses/{COURSE}/{QUIZ}").get_data(as_text=True)
    with app.app_context():
        when = db.session.scalar(db.select(QuizAttempt.created_at))
    assert "Your best result: 100%" in page and "Passed." in page
    assert re.search(rf"<span>[^<]*\b{when.day}\b[^<]*\b{when.year}</span>", page)  # the date of the best
    assert "2 attempts left" in page
    assert 'id="quiz-form"' not in page, "a passed quiz shows its result, not a blank form"
    assert f'href="/courses/{COURSE}/{QUIZ}?retry=1#quiz-form">Try again</a>' in page
    assert "Another attempt never lowers your best result." in page

    assert 'id="quiz-form"' in client.get(f"/courses/{COURSE}/{QUIZ}?retry=1").get_data(as_text=True)
    worse = result_page(client, submit(client, enrolled, QUIZ, wrong_answers, "worse"))
    assert "Your result: 0%" in worse
    page = client.get(f"/courses/{COURSE}/{QUIZ}").get_data(as_text=True)
    assert "Your best result: 100%" in page and "1 attempt left" in page
    assert f'href="/courses/{COURSE}/{QUIZ}/attempts/1"' in page


def test_a_quiz_with_no_attempt_left_shows_the_best_result_without_a_form(client, enrolled, quiz):
    for number in range(3):
        submit(client, enrolled, QUIZ, wrong_answers, f"try{number}")
    page = client.get(f"/courses/{COURSE}/{QUIZ}?retry=1").get_data(as_text=True)
    assert "Your best result: 0%" in page
    assert "You have used every attempt at this quiz." in page
    assert 'id="quiz-form"' not in page and ">Try again<" not in page


# --------------------------------------------------------------------------------------------- the API


def api_attempt(client, headers, quiz, answer_for):
    response = client.post(
        f"/api/v1/courses/{COURSE}/lessons/{QUIZ}/attempts",
        json={"answers": {question.id: answer_for(question) for question in quiz.questions}},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def api(app, client):
    make_user(app)
    token = client.post(
        "/api/v1/tokens", json={"email": "learner@example.org", "password": "a long enough password"}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(f"/api/v1/courses/{COURSE}/enrolment", headers=headers).status_code == 201
    return headers


def text_of(body) -> str:
    """Every string in a JSON body, one per line (to search it as the page is searched)."""
    if isinstance(body, dict):
        return "\n".join(text_of(value) for value in body.values())
    if isinstance(body, list):
        return "\n".join(text_of(value) for value in body)
    return body if isinstance(body, str) else ""


def right_keys(question: Question) -> list[str]:
    return [option.key for option in question.options if option.correct]


def test_the_api_hides_the_answers_of_a_failed_attempt_while_attempts_remain(client, api, quiz):
    body = api_attempt(client, api, quiz, wrong_answers)
    assert body["passed"] is False and body["attempts_left"] == 2
    assert body["answers_revealed"] is False
    assert_nothing_given_away(text_of(body), quiz)
    for question, result in zip(quiz.questions, body["results"], strict=True):
        assert result["correct"] is False
        assert result["right_answers"] is None and result["feedback"] == []
        assert result["hint"] == (question.hint_html or None)


@pytest.mark.parametrize("how", ["pass", "last attempt"])
def test_the_api_shows_every_answer_after_a_pass_or_the_last_attempt(client, api, quiz, how):
    if how == "pass":
        api_attempt(client, api, quiz, wrong_answers)
        body = api_attempt(client, api, quiz, right_answers)
        assert body["passed"] is True
    else:
        api_attempt(client, api, quiz, wrong_answers)
        api_attempt(client, api, quiz, wrong_answers)
        body = api_attempt(client, api, quiz, wrong_answers)
        assert body["attempts_left"] == 0
        assert_everything_shown(text_of(body), quiz, option_text=False)
    assert body["answers_revealed"] is True
    for question, result in zip(quiz.questions, body["results"], strict=True):
        if question.kind in ("single", "multiple"):
            assert result["right_answers"] == right_keys(question)
        elif question.kind == "numeric":
            assert float(result["right_answers"][0]) == question.number
            assert result["tolerance"] == question.tolerance
        else:
            assert result["right_answers"] == list(question.accepted)


def test_the_api_gives_a_replayed_submission_the_reveal_rule_of_now(client, api, quiz):
    first = client.post(
        f"/api/v1/courses/{COURSE}/lessons/{QUIZ}/attempts",
        json={"answers": {q.id: wrong_answers(q) for q in quiz.questions}, "submission_id": "first"},
        headers=api,
    )
    assert first.get_json()["answers_revealed"] is False
    api_attempt(client, api, quiz, wrong_answers)
    replay = client.post(
        f"/api/v1/courses/{COURSE}/lessons/{QUIZ}/attempts",
        json={"answers": {}, "submission_id": "first"},
        headers=api,
    )
    assert replay.status_code == 200 and replay.get_json()["answers_revealed"] is False
    assert_nothing_given_away(text_of(replay.get_json()), quiz)


# ------------------------------------------------------------------------------ the rule in front matter

RULE_QUIZ = """\
::: question single
Which city hosted Habitat III?

- [x] Quito
    > Right: Quito, in October 2016.
- [ ] Vancouver
    > Vancouver hosted Habitat I, in 1976; Habitat III was in Quito.
- [ ] Istanbul

?> Think of the New Urban Agenda's other name.
-> It was Quito: the New Urban Agenda is also called the Quito declaration.
:::
"""


@pytest.fixture
def rule_client(app_config, course_dir):
    """``rule_client(rule)``: a signed-in, enrolled learner's client on a course whose quiz has that rule."""
    from learn_habitat import create_app
    from learn_habitat.content import load_library
    from learn_habitat.extensions import db

    made = []

    def make(rule):
        line = f"reveal_answers: {rule}\n" if rule else ""
        front = f"title: Quiz\ntype: quiz\nminutes: 5\nmax_attempts: 2\n{line}"
        course_dir.write_lesson("welcome", "Read on.\n")
        course_dir.write_lesson("details", RULE_QUIZ, front=front)
        library = load_library(course_dir.root)
        assert library.get(course_dir.id) is not None, library.problems
        app_config["COURSES_DIR"], app_config["COURSE_LIBRARY"] = str(course_dir.root), library
        app = create_app(app_config)
        with app.app_context():
            db.drop_all()
            db.create_all()
        made.append(app)
        make_user(app)
        client = app.test_client()
        client.post("/login", data={"email": "learner@example.org", "password": "a long enough password"})
        assert client.post(f"/courses/{course_dir.id}/enrol").status_code == 302
        return client

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


WRONG_FEEDBACK = "Vancouver hosted Habitat I"
GENERAL_WRONG = "the Quito declaration"


def attempt_page(client, submission, answer="b"):
    response = client.post(
        "/courses/demo-course/details/attempts", data={"submission_id": submission, "q1": answer}
    )
    return result_page(client, response)


@pytest.mark.parametrize(
    ("rule", "after_first", "after_last"),
    [
        (None, False, True),
        ("after-pass-or-last-attempt", False, True),
        ("always", True, True),
        ("never", False, False),
    ],
)
def test_reveal_answers_in_the_front_matter_decides_when_answers_show(
    rule_client, rule, after_first, after_last
):
    client = rule_client(rule)
    for page, revealed in (
        (attempt_page(client, "one"), after_first),
        (attempt_page(client, "two"), after_last),
    ):
        assert (WRONG_FEEDBACK in page) is revealed
        assert (GENERAL_WRONG in page) is revealed
        assert bool(re.search(r'class="right-answer">Right answer:\s*Quito', page)) is revealed
        assert "Think of the New Urban Agenda" in page  # the hint shows while answers are hidden, and after


def test_a_right_answer_keeps_its_own_feedback_while_answers_are_hidden(rule_client):
    client = rule_client("never")
    page = attempt_page(client, "one", answer="a")
    assert "Right: Quito, in October 2016." in page
    assert WRONG_FEEDBACK not in page and GENERAL_WRONG not in page
