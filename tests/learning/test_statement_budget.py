"""How many SQL statements a signed-in learner's pages run: each page type has a stated budget.

Statements are counted with a SQLAlchemy event listener on the engine (every statement the database
receives, reads and writes alike), so the counts are deterministic. The budgets include the user_session
lookup of the user loader, which every signed-in request needs: signing out must end the session at once.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from learn_habitat.accounts.services import find_user_by_email
from learn_habitat.extensions import db
from learn_habitat.learning import services
from tests.learning.test_journey import right_answers

COURSE = "adequate-housing"

# Budgets per page type (statements per request).
REPEAT_LESSON_VIEW = 2  # the user (session lookup), then enrolment + progress in one statement
FIRST_LESSON_VIEW = 5  # + the progress row, the place in the course, and the user again after the commit
REPEAT_QUIZ_VIEW = 3  # + the learner's attempts at this quiz
COURSE_PAGE = 2
# Every enrolled course in one statement, however many; + the learner's saved checklists (tools).
DASHBOARD = 3
QUIZ_SUBMISSION = 8


@contextmanager
def counted(app):
    """Collect every statement the app's engine runs inside the block."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def enrol(app, shipped_library, *course_ids):
    with app.app_context():
        user = find_user_by_email("learner@example.org")
        for course_id in course_ids:
            services.enrol(user, shipped_library.get(course_id))
        db.session.commit()


def get(app, client, path):
    with counted(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return statements


def lesson_path(course, index):
    return f"/courses/{course.id}/{course.lesson_ids[index]}"


def test_a_repeat_view_of_a_lesson_reads_twice_and_writes_nothing(app, client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    enrol(app, shipped_library, COURSE)
    first = get(app, client, lesson_path(course, 1))
    repeat = get(app, client, lesson_path(course, 1))
    assert len(first) <= FIRST_LESSON_VIEW, "\n".join(s[:150] for s in first)
    assert len(repeat) <= REPEAT_LESSON_VIEW, repeat
    assert all(s.lstrip().upper().startswith("SELECT") for s in repeat)


def test_moving_on_to_a_lesson_seen_before_stays_within_the_first_view_budget(
    app, client, learner, shipped_library
):
    course = shipped_library.get(COURSE)
    enrol(app, shipped_library, COURSE)
    get(app, client, lesson_path(course, 1))
    get(app, client, lesson_path(course, 2))
    assert len(get(app, client, lesson_path(course, 1))) <= FIRST_LESSON_VIEW


def test_a_repeat_view_of_a_quiz_adds_only_the_attempts(app, client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    enrol(app, shipped_library, COURSE)
    path = f"/courses/{COURSE}/{course.quiz_ids()[0]}"
    get(app, client, path)
    assert len(get(app, client, path)) <= REPEAT_QUIZ_VIEW


def test_the_course_page_of_an_enrolled_learner(app, client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    enrol(app, shipped_library, COURSE)
    get(app, client, lesson_path(course, 1))
    assert len(get(app, client, f"/courses/{COURSE}/")) <= COURSE_PAGE


def test_the_dashboard_reads_every_course_in_one_statement(app, client, learner, shipped_library):
    ids = [course.id for course in shipped_library]
    assert len(ids) >= 3
    enrol(app, shipped_library, *ids)
    for course in shipped_library:
        get(app, client, lesson_path(course, 1))
    statements = get(app, client, "/dashboard")
    assert len(statements) <= DASHBOARD, statements
    assert client.get("/dashboard").get_data(as_text=True).count("<progress") == len(ids)


@pytest.mark.parametrize("answered", ["right", "again"])
def test_a_quiz_submission(app, client, learner, shipped_library, answered):
    course = shipped_library.get(COURSE)
    enrol(app, shipped_library, COURSE)
    quiz_id = course.quiz_ids()[0]
    quiz = course.lesson(quiz_id, "en").activity
    data = {q.id: right_answers(q) for q in quiz.questions}
    path = f"/courses/{COURSE}/{quiz_id}/attempts"
    if answered == "again":  # the second attempt: the quiz is already passed and its row exists
        assert client.post(path, data={**data, "submission_id": "first"}).status_code == 302
    with counted(app) as statements:
        response = client.post(path, data={**data, "submission_id": answered})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/attempts/{2 if answered == 'again' else 1}")
    assert len(statements) <= QUIZ_SUBMISSION, "\n".join(s[:120] for s in statements)


def test_progress_read_in_one_statement_matches_what_was_recorded(app, learner, shipped_library):
    course = shipped_library.get(COURSE)
    enrol(app, shipped_library, COURSE)
    quiz_id = course.quiz_ids()[0]
    quiz = course.lesson(quiz_id, "en").activity
    with app.app_context():
        user = find_user_by_email("learner@example.org")
        state = services.record_lesson_viewed(user, course, course.lesson_ids[0])
        services.submit_quiz(
            user, course, quiz_id, {q.id: right_answers(q) for q in quiz.questions}, "a", "en"
        )
        db.session.commit()
        found = services.learner_state(user, course)
    assert state.wrote
    assert found.enrolled
    assert found.progress.completed_lessons == (course.lesson_ids[0], quiz_id)
    assert found.progress.best_scores == {quiz_id: 1.0}
    assert found.progress.last_lesson == quiz_id
