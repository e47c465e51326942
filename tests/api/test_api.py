"""The JSON API: the whole journey, and errors that are always JSON with a stable code."""

from __future__ import annotations

import pytest

from tests.conftest import mailed_link, make_user
from tests.learning.test_journey import right_answers, wrong_answers

COURSE = "new-urban-agenda"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def confirm(app, client, email, password="a long enough password"):
    """Open the confirmation link mailed after an API sign-up (the account is usable only then)."""
    link = mailed_link(app, email, "/register/confirm/")
    assert client.post(link, data={"password": password}).status_code == 302


def test_journey_through_the_api(app, client, shipped_library):
    course = shipped_library.get(COURSE)
    response = client.post(
        "/api/v1/users",
        json={"email": "kofi@example.org", "name": "Kofi Mensah", "password": "a long enough password"},
    )
    assert response.status_code == 202
    assert response.get_json()["email"] == "kofi@example.org"
    confirm(app, client, "kofi@example.org")

    response = client.post(
        "/api/v1/tokens", json={"email": "kofi@example.org", "password": "a long enough password"}
    )
    assert response.status_code == 201
    headers = bearer(response.get_json()["token"])

    listing = client.get("/api/v1/courses").get_json()["courses"]
    assert {c["id"] for c in listing} >= {COURSE, "monitoring-sdg-11", "adequate-housing"}
    detail = client.get(f"/api/v1/courses/{COURSE}").get_json()
    assert [lesson["id"] for m in detail["modules"] for lesson in m["lessons"]] == list(course.lesson_ids)
    types = {lesson_id: course.lesson(lesson_id, "en").type for lesson_id in course.lesson_ids}
    assert [lesson["type"] for m in detail["modules"] for lesson in m["lessons"]] == list(types.values())
    assert {"page", "quiz"} <= set(types.values())

    assert client.post(f"/api/v1/courses/{COURSE}/enrolment", headers=headers).status_code == 201
    assert client.post(f"/api/v1/courses/{COURSE}/enrolment", headers=headers).status_code == 200
    enrolments = client.get("/api/v1/me/enrolments", headers=headers).get_json()["enrolments"]
    assert [e["course_id"] for e in enrolments] == [COURSE]

    for lesson_id in course.lesson_ids:
        if lesson_id in course.quiz_ids():
            questions = course.lesson(lesson_id, "en").activity.questions
            failed = client.post(
                f"/api/v1/courses/{COURSE}/lessons/{lesson_id}/attempts",
                json={"answers": {q.id: wrong_answers(q) for q in questions}},
                headers=headers,
            ).get_json()
            assert failed["passed"] is False
            assert failed["percent"] == 0
            assert all(result["correct"] is False for result in failed["results"])
            passed = client.post(
                f"/api/v1/courses/{COURSE}/lessons/{lesson_id}/attempts",
                json={"answers": {q.id: right_answers(q) for q in questions}},
                headers=headers,
            ).get_json()
            assert passed["passed"] is True
            assert passed["score"] == 1.0
        else:
            response = client.post(f"/api/v1/courses/{COURSE}/lessons/{lesson_id}/view", headers=headers)
            assert response.status_code == 200

    progress = client.get(f"/api/v1/courses/{COURSE}/progress", headers=headers).get_json()
    assert progress["completed"] is True
    assert progress["completed_lessons"] == list(course.lesson_ids)
    assert progress["last_lesson"] == course.lesson_ids[-1]
    verified = client.get(f"/certificates/{progress['certificate_code']}")
    assert verified.status_code == 200
    assert "Kofi Mensah" in verified.get_data(as_text=True)


def test_tokens_can_be_revoked(app, client):
    client.post(
        "/api/v1/users", json={"email": "a@example.org", "name": "A", "password": "a long enough password"}
    )
    confirm(app, client, "a@example.org")
    token = client.post(
        "/api/v1/tokens", json={"email": "a@example.org", "password": "a long enough password"}
    ).get_json()
    assert client.get("/api/v1/me/enrolments", headers=bearer(token["token"])).status_code == 200
    assert client.delete(f"/api/v1/tokens/{token['id']}", headers=bearer(token["token"])).status_code == 204
    response = client.get("/api/v1/me/enrolments", headers=bearer(token["token"]))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/api/v1/users", "not json", 415, "unsupported_media_type"),  # no Content-Type
        ("post", "/api/v1/users", [1, 2], 400, "invalid_json"),
        ("post", "/api/v1/users", {"email": "x@example.org"}, 422, "invalid_input"),
        (
            "post",
            "/api/v1/users",
            {"email": "nope", "name": "N", "password": "a long enough password"},
            422,
            "invalid_email",
        ),
        (
            "post",
            "/api/v1/users",
            {"email": "x@example.org", "name": "N", "password": "short"},
            422,
            "invalid_input",
        ),
        (
            "post",
            "/api/v1/users",
            {"email": "x@example.org", "name": "N", "password": "a long enough password", "role": "admin"},
            422,
            "invalid_input",
        ),
        (
            "post",
            "/api/v1/tokens",
            {"email": "nobody@example.org", "password": "whatever it is"},
            401,
            "invalid_credentials",
        ),
        ("get", "/api/v1/me/enrolments", None, 401, "authentication_required"),
        ("get", "/api/v1/courses/no-such-course", None, 404, "course_not_found"),
        ("get", "/api/v1/nowhere", None, 404, "not_found"),
        ("put", "/api/v1/courses", None, 405, "method_not_allowed"),
    ],
)
def test_errors_are_json_with_a_stable_code(client, method, path, body, status, code):
    kwargs = {"data": body} if isinstance(body, str) else {"json": body} if body is not None else {}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    assert response.is_json
    assert response.get_json()["error"]["code"] == code


def test_signing_up_twice_answers_like_the_first_time(client):
    body = {"email": "twice@example.org", "name": "T", "password": "a long enough password"}
    first = client.post("/api/v1/users", json=body)
    again = client.post("/api/v1/users", json={**body, "email": "TWICE@example.org"})
    assert first.status_code == again.status_code == 202
    assert first.get_json() == again.get_json()


def test_learner_errors(app, client, shipped_library):
    make_user(app)
    token = client.post(
        "/api/v1/tokens", json={"email": "learner@example.org", "password": "a long enough password"}
    )
    headers = bearer(token.get_json()["token"])
    course = shipped_library.get(COURSE)
    quiz_id = course.quiz_ids()[0]
    cases = [
        (client.get(f"/api/v1/courses/{COURSE}/progress", headers=headers), 403, "not_enrolled"),
        (
            client.post(f"/api/v1/courses/{COURSE}/lessons/{course.lesson_ids[0]}/view", headers=headers),
            403,
            "not_enrolled",
        ),
        (client.delete(f"/api/v1/courses/{COURSE}/enrolment", headers=headers), 404, "not_enrolled"),
        (client.get(f"/api/v1/courses/{COURSE}/report", headers=headers), 403, "forbidden"),
    ]
    client.post(f"/api/v1/courses/{COURSE}/enrolment", headers=headers)
    cases += [
        (
            client.post(f"/api/v1/courses/{COURSE}/lessons/nope/view", headers=headers),
            404,
            "lesson_not_found",
        ),
        (
            client.post(
                f"/api/v1/courses/{COURSE}/lessons/{course.lesson_ids[0]}/attempts",
                json={"answers": {}},
                headers=headers,
            ),
            400,
            "not_a_quiz",
        ),
        (
            client.post(
                f"/api/v1/courses/{COURSE}/lessons/{quiz_id}/attempts",
                json={"answers": {"q1": {"a": 1}}},
                headers=headers,
            ),
            422,
            "invalid_input",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)


def test_openapi_document_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            routed |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    for schema_name in ("RegisterRequest", "AttemptOut", "ErrorBody", "ReportOut"):
        assert schema_name in document["components"]["schemas"]
