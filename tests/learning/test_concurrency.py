"""Concurrent requests for one lesson record it once (real threads, real database)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from learn_habitat.extensions import db
from learn_habitat.learning.models import Completion, LessonProgress, QuestionAnswer, QuizAttempt
from tests.conftest import make_user
from tests.learning.test_journey import right_answers

COURSE = "monitoring-sdg-11"
REQUESTS = 20


def token_for(app, client, email="learner@example.org"):
    make_user(app, email)
    response = client.post("/api/v1/tokens", json={"email": email, "password": "a long enough password"})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def run_together(app, count, request):
    """Fire ``count`` requests at once from separate clients; return their status codes."""
    barrier = threading.Barrier(count)

    def one(index):
        client = app.test_client()
        barrier.wait()
        return request(client, index).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def count(app, model, **filters):
    with app.app_context():
        query = db.select(db.func.count()).select_from(model).filter_by(**filters)
        return db.session.scalar(query)


def test_twenty_concurrent_views_record_one_completion(app, client, shipped_library):
    headers = token_for(app, client)
    assert client.post(f"/api/v1/courses/{COURSE}/enrolment", headers=headers).status_code == 201
    lesson_id = shipped_library.get(COURSE).lesson_ids[0]

    statuses = run_together(
        app,
        REQUESTS,
        lambda c, _i: c.post(f"/api/v1/courses/{COURSE}/lessons/{lesson_id}/view", headers=headers),
    )
    assert statuses == [200] * REQUESTS
    assert count(app, LessonProgress, course_id=COURSE, lesson_id=lesson_id) == 1
    with app.app_context():
        row = db.session.scalar(db.select(LessonProgress))
        assert row.completed_at is not None


def test_twenty_concurrent_page_loads_record_one_completion(app, client, shipped_library):
    make_user(app)
    lesson_id = shipped_library.get(COURSE).lesson_ids[1]

    def signed_in_get(c, _index):
        c.post("/login", data={"email": "learner@example.org", "password": "a long enough password"})
        c.post(f"/courses/{COURSE}/enrol")
        return c.get(f"/courses/{COURSE}/{lesson_id}")

    assert run_together(app, REQUESTS, signed_in_get) == [200] * REQUESTS
    assert count(app, LessonProgress, course_id=COURSE, lesson_id=lesson_id) == 1


def test_twenty_concurrent_submissions_of_one_quiz_form_record_one_attempt(app, client, shipped_library):
    headers = token_for(app, client)
    course = shipped_library.get(COURSE)
    client.post(f"/api/v1/courses/{COURSE}/enrolment", headers=headers)
    quiz_id = course.quiz_ids()[0]
    answers = {q.id: right_answers(q) for q in course.lesson(quiz_id, "en").activity.questions}
    body = {"answers": answers, "submission_id": "double-click"}

    statuses = run_together(
        app,
        REQUESTS,
        lambda c, _i: c.post(
            f"/api/v1/courses/{COURSE}/lessons/{quiz_id}/attempts", json=body, headers=headers
        ),
    )
    assert sorted(set(statuses)) in ([200, 201], [201])
    assert statuses.count(201) == 1
    assert count(app, QuizAttempt) == 1
    assert count(app, QuestionAnswer) == len(answers)
    assert count(app, LessonProgress, lesson_id=quiz_id) == 1


def test_completion_is_recorded_once_under_concurrent_last_views(app, client, shipped_library):
    headers = token_for(app, client)
    course = shipped_library.get(COURSE)
    client.post(f"/api/v1/courses/{COURSE}/enrolment", headers=headers)
    for quiz_id in course.quiz_ids():
        answers = {q.id: right_answers(q) for q in course.lesson(quiz_id, "en").activity.questions}
        client.post(
            f"/api/v1/courses/{COURSE}/lessons/{quiz_id}/attempts", json={"answers": answers}, headers=headers
        )
    pages = [lid for lid in course.lesson_ids if lid not in course.quiz_ids()]
    for lesson_id in pages[:-1]:
        client.post(f"/api/v1/courses/{COURSE}/lessons/{lesson_id}/view", headers=headers)

    last = pages[-1]
    statuses = run_together(
        app, REQUESTS, lambda c, _i: c.post(f"/api/v1/courses/{COURSE}/lessons/{last}/view", headers=headers)
    )
    assert statuses == [200] * REQUESTS
    assert count(app, Completion, course_id=COURSE) == 1
