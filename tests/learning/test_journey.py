"""A learner's whole journey through the web pages: register, enrol, read, fail and pass quizzes,
complete the course, and prove it with a certificate anyone can verify."""

from __future__ import annotations

import re

from learn_habitat.activities.quiz import Question
from tests.conftest import sign_up

COURSE = "adequate-housing"


def right_answers(question: Question):
    """Form data that answers ``question`` correctly."""
    if question.kind == "single":
        return next(o.key for o in question.options if o.correct)
    if question.kind == "multiple":
        return [o.key for o in question.options if o.correct]
    if question.kind == "true-false":
        return question.accepted[0]
    if question.kind == "numeric":
        return str(question.number)
    return question.accepted[0]


def wrong_answers(question: Question):
    """Form data that answers ``question`` wrongly."""
    if question.kind in ("single", "multiple"):
        wrong = next(o.key for o in question.options if not o.correct)
        return wrong if question.kind == "single" else [wrong]
    if question.kind == "true-false":
        return "false" if question.accepted[0] == "true" else "true"
    if question.kind == "numeric":
        return str(question.number + question.tolerance + 1000)
    return "certainly not the answer"


def submit(client, course, lesson_id, answer_for, submission_id="s"):
    quiz = course.lesson(lesson_id, "en").activity
    data = {"submission_id": f"{submission_id}-{lesson_id}"}
    for question in quiz.questions:
        data[question.id] = answer_for(question)
    return client.post(f"/courses/{course.id}/{lesson_id}/attempts", data=data)


def test_register_enrol_study_fail_pass_complete_and_verify(app, client, shipped_library):
    course = shipped_library.get(COURSE)

    sign_up(app, client, "Amina@Example.org", "Amina Diallo", "a long enough password")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "not enrolled in any course" in dashboard

    response = client.post(f"/courses/{COURSE}/enrol")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{COURSE}/{course.lesson_ids[0]}")

    quizzes = course.quiz_ids()
    for lesson_id in course.lesson_ids:
        page = client.get(f"/courses/{COURSE}/{lesson_id}")
        assert page.status_code == 200
        if lesson_id in quizzes:
            failed = submit(client, course, lesson_id, wrong_answers, "fail")
            result = client.get(failed.headers["Location"]).get_data(as_text=True)
            assert "Not passed yet." in result
            passed = submit(client, course, lesson_id, right_answers, "pass")
            result = client.get(passed.headers["Location"]).get_data(as_text=True)
            assert "Passed." in result
            assert "100%" in result

    outline = client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    assert "You completed this course" in outline
    certificate = client.get(f"/courses/{COURSE}/certificate").get_data(as_text=True)
    code = re.search(r'<dd class="code">([A-Z0-9-]+)</dd>', certificate).group(1)
    assert "Amina Diallo" in certificate

    client.post("/logout")
    public = client.get(f"/certificates/{code}")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "Amina Diallo" in text
    assert course.title("en") in text
    assert "amina@example.org" not in text.lower()
    assert client.get("/certificates/NOPE-NOPE-NOPE").status_code == 404


def test_continue_takes_the_learner_back_to_the_last_lesson_on_another_device(
    app, client, learner, shipped_library
):
    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    third = course.lesson_ids[2]
    client.get(f"/courses/{COURSE}/{course.lesson_ids[1]}")
    client.get(f"/courses/{COURSE}/{third}")

    other_device = app.test_client()
    other_device.post("/login", data={"email": "learner@example.org", "password": "a long enough password"})
    response = other_device.get(f"/courses/{COURSE}/continue")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{COURSE}/{third}")
    assert "Continue" in other_device.get(f"/courses/{COURSE}/").get_data(as_text=True)


def test_progress_bars_on_course_page_and_dashboard(client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    client.get(f"/courses/{COURSE}/{course.lesson_ids[0]}")
    expected = round(100 / len(course.lesson_ids))
    assert f'value="{expected}"' in client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    assert f'value="{expected}"' in client.get("/dashboard").get_data(as_text=True)


def test_unanswered_quiz_html_holds_no_answers_or_feedback(client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    for quiz_id in course.quiz_ids():
        html = client.get(f"/courses/{COURSE}/{quiz_id}").get_data(as_text=True)
        quiz = course.lesson(quiz_id, "en").activity
        assert "<fieldset" in html and "<legend" in html
        for question in quiz.questions:
            for option in question.options:
                if option.feedback_html:
                    assert option.feedback_html not in html
            for feedback in (question.correct_feedback_html, question.incorrect_feedback_html):
                if feedback:
                    assert feedback not in html
            if question.kind == "text":
                for accepted in question.accepted:
                    assert f'value="{accepted}"' not in html
        assert "data-correct" not in html and "is-correct" not in html


def test_double_submit_of_one_quiz_form_records_one_attempt(app, client, learner, shipped_library):
    from learn_habitat.extensions import db
    from learn_habitat.learning.models import QuizAttempt

    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    quiz_id = course.quiz_ids()[0]
    first = submit(client, course, quiz_id, wrong_answers, "same")
    second = submit(client, course, quiz_id, right_answers, "same")
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(QuizAttempt)) == 1


def test_attempts_run_out(client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    quiz_id = course.quiz_ids()[0]
    limit = course.lesson(quiz_id, "en").activity.max_attempts
    for number in range(limit):
        assert submit(client, course, quiz_id, wrong_answers, f"try{number}").status_code == 302
    blocked = client.post(f"/courses/{COURSE}/{quiz_id}/attempts", data={"submission_id": "one-more"})
    assert blocked.status_code == 302
    assert "used every attempt" in client.get(blocked.headers["Location"]).get_data(as_text=True)


def test_guests_read_only_the_first_lesson_of_an_open_course(client, shipped_library):
    course = shipped_library.get(COURSE)
    assert client.get(f"/courses/{COURSE}/{course.lesson_ids[0]}").status_code == 200
    second = client.get(f"/courses/{COURSE}/{course.lesson_ids[1]}")
    assert second.status_code == 302
    assert second.headers["Location"].startswith("/account-needed?next=")


def test_unenrol_keeps_progress_for_a_return(client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    client.get(f"/courses/{COURSE}/{course.lesson_ids[0]}")
    client.post(f"/courses/{COURSE}/unenrol")
    assert client.get(f"/courses/{COURSE}/{course.lesson_ids[1]}").status_code == 302
    client.post(f"/courses/{COURSE}/enrol")
    assert "Continue" in client.get(f"/courses/{COURSE}/").get_data(as_text=True)
