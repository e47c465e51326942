"""The JSON API takes bodies only as application/json (415 otherwise, so no other site can post to it with a
simple form), and answers 400, never 500, to JSON that is malformed, nested too deep, or holds values that
SQLite or PostgreSQL refuse. Runs on both databases (the ``app`` fixture)."""

from __future__ import annotations

import json

import pytest

from learn_habitat.accounts import services as accounts
from learn_habitat.accounts.models import AccessToken, User
from learn_habitat.api.openapi import OPERATIONS, build_openapi
from learn_habitat.extensions import db
from learn_habitat.learning import services as learning
from learn_habitat.learning.models import QuizAttempt
from tests.conftest import PASSWORD, make_user

COURSE = "new-urban-agenda"
EMAIL = "api@example.org"


class ApiUser:
    """A learner enrolled in COURSE with a token, and a second token to revoke."""

    def __init__(self, app, library):
        self.app = app
        make_user(app, EMAIL, "Api User")
        with app.app_context():
            user = db.session.scalar(db.select(User).where(User.email == EMAIL))
            _, self.token = accounts.create_access_token(user, "main")
            spare, _ = accounts.create_access_token(user, "spare")
            learning.enrol(user, library.get(COURSE))
            db.session.commit()
            self.spare_token_id = spare.id
        self.quiz = library.get(COURSE).quiz_ids()[0]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def rows(self) -> tuple[int, int]:
        """How many tokens and quiz attempts exist: nothing a refused request did may show here."""
        with self.app.app_context():
            return (
                db.session.scalar(db.select(db.func.count()).select_from(AccessToken)),
                db.session.scalar(db.select(db.func.count()).select_from(QuizAttempt)),
            )


@pytest.fixture
def api_user(app, shipped_library):
    return ApiUser(app, shipped_library)


def valid_body(path: str) -> dict | None:
    """A body the operation accepts (None: it takes none)."""
    if path.endswith("/users"):
        return {"email": "new@example.org", "name": "New Learner", "password": PASSWORD}
    if path.endswith("/tokens"):
        return {"email": EMAIL, "password": PASSWORD}
    if path.endswith("/enrolment"):
        return {}
    if path.endswith("/attempts"):
        return {"answers": {"q1": "a"}}
    return None


def body_operations(user: ApiUser) -> list[tuple[str, str]]:
    """Every documented operation whose method may carry a body, with real path parameters."""
    values = {"course_id": COURSE, "lesson_id": user.quiz, "token_id": str(user.spare_token_id)}
    operations = []
    for method, path, *_ in OPERATIONS:
        if method != "get":
            for name, value in values.items():
                path = path.replace("{" + name + "}", value)
            operations.append((method.upper(), path))
    return operations


def send(client, method, path, data, content_type, headers):
    all_headers = dict(headers)
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    return client.open(path, method=method, data=data, headers=all_headers)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    return error


# 415 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/xml",
        "application/merge-patch+json",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
    ],
)
def test_a_body_that_is_not_utf8_json_is_refused_with_415_by_every_operation_that_takes_one(
    client, api_user, content_type
):
    before = api_user.rows()
    for method, path in body_operations(api_user):
        text = json.dumps(valid_body(path) or {})
        for headers in ({}, api_user.headers):
            response = send(client, method, path, text, content_type, headers)
            assert_error(response, 415, "unsupported_media_type")
    assert api_user.rows() == before  # no token made or revoked, no attempt recorded


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_an_empty_simple_form_post_is_refused_with_415(client, api_user, content_type):
    before = api_user.rows()
    for method, path in body_operations(api_user):
        response = send(client, method, path, b"", content_type, api_user.headers)
        assert_error(response, 415, "unsupported_media_type")
    assert api_user.rows() == before
    enrolments = client.get("/api/v1/me/enrolments", headers=api_user.headers).get_json()["enrolments"]
    assert [e["course_id"] for e in enrolments] == [COURSE]  # the DELETE did not unenrol


def test_a_body_without_a_content_type_is_refused_with_415(client, api_user):
    path = f"/api/v1/courses/{COURSE}/lessons/{api_user.quiz}/attempts"
    response = send(client, "POST", path, json.dumps({"answers": {}}), None, api_user.headers)
    assert_error(response, 415, "unsupported_media_type")


def test_operations_that_need_a_body_answer_415_without_one(client, api_user):
    for path in (
        "/api/v1/users",
        "/api/v1/tokens",
        f"/api/v1/courses/{COURSE}/lessons/{api_user.quiz}/attempts",
    ):
        assert_error(send(client, "POST", path, None, None, api_user.headers), 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON; Charset=UTF-8"]
)
def test_json_in_utf8_is_accepted_with_or_without_a_charset(client, api_user, content_type):
    text = json.dumps({"email": EMAIL, "password": PASSWORD, "name": "caf\u00e9"})
    response = send(client, "POST", "/api/v1/tokens", text.encode("utf-8"), content_type, {})
    assert response.status_code == 201, response.get_data(as_text=True)


def test_enrol_and_view_still_take_a_post_without_a_body(client, api_user, shipped_library):
    course = shipped_library.get("adequate-housing")
    enrol = f"/api/v1/courses/{course.id}/enrolment"
    assert send(client, "POST", enrol, None, None, api_user.headers).status_code == 201
    assert send(client, "POST", enrol, b"", "application/json", api_user.headers).status_code == 200
    view = f"/api/v1/courses/{course.id}/lessons/{course.lesson_ids[0]}/view"
    assert send(client, "POST", view, None, None, api_user.headers).status_code == 200
    assert send(client, "POST", view, b"{}", "application/json", api_user.headers).status_code == 200


def test_delete_takes_no_body_and_refuses_a_form_one(client, api_user):
    path = f"/api/v1/tokens/{api_user.spare_token_id}"
    form = send(client, "DELETE", path, "confirm=yes", "application/x-www-form-urlencoded", api_user.headers)
    assert_error(form, 415, "unsupported_media_type")
    assert send(client, "DELETE", path, None, None, api_user.headers).status_code == 204


def test_reads_ignore_the_content_type(client):
    response = send(client, "GET", "/api/v1/courses", b"x=1", "application/x-www-form-urlencoded", {})
    assert response.status_code == 200


def test_the_openapi_document_lists_415_for_every_operation_that_takes_a_body():
    document = build_openapi("http://127.0.0.1:5000")
    for method, path, *_ in OPERATIONS:
        responses = document["paths"][path][method]["responses"]
        assert ("415" in responses) == (method != "get"), (method, path)
        if method != "get":
            assert responses["415"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"
            }


# 400: malformed, too deep, unstorable --------------------------------------------------------------------------


def nested(depth: int) -> str:
    return '{"answers": {"q1": ' + "[" * depth + "]" * depth + "}}"


@pytest.mark.parametrize(
    "text",
    [nested(40), nested(3000), "[" * 200_000, '{"a":' * 50_000],
    ids=["40-levels", "3000-levels", "200000-open-brackets", "50000-open-objects"],
)
def test_deeply_nested_json_is_a_400_never_a_500(client, api_user, text):
    for method, path in body_operations(api_user):
        response = send(client, method, path, text, "application/json", api_user.headers)
        assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"email": "a@example.org", "password": NaN}',
        b'{"email": "a@example.org", "password": Infinity}',
        b'{"email": "a@example.org", "password": "x"} trailing',
        b'{"email": "a@example.org", "password": "\xff\xfe"}',
        '{"email": "a@example.org", "password": "x"}'.encode("utf-16"),
        b'{"email": "a@example.org", "password": ' + b"9" * 5000 + b"}",
    ],
    ids=["NaN", "Infinity", "trailing-text", "invalid-utf8", "utf16", "5000-digit-number"],
)
def test_json_that_is_not_strict_utf8_json_is_a_400(client, raw):
    assert_error(send(client, "POST", "/api/v1/tokens", raw, "application/json", {}), 400, "invalid_json")


BAD_TEXT = {"nul": "before\x00after", "lone-high-surrogate": "\ud800", "lone-low-surrogate": "x\udfffy"}


def string_fields(user: ApiUser) -> list[tuple[str, dict, str]]:
    """(path, body with a marker where the bad text goes, the field's path) for every string in every body."""
    attempts = f"/api/v1/courses/{COURSE}/lessons/{user.quiz}/attempts"
    register = {"email": "new@example.org", "name": "New Learner", "password": PASSWORD}
    token = {"email": EMAIL, "password": PASSWORD, "name": "cli"}
    cases = [("/api/v1/users", {**register, field: "!"}, field) for field in register]
    cases += [("/api/v1/tokens", {**token, field: "!"}, field) for field in token]
    cases += [(f"/api/v1/courses/{COURSE}/enrolment", {"key": "!"}, "key")]
    cases += [
        (attempts, {"answers": {"q1": "!"}}, "answers.q1"),
        (attempts, {"answers": {"q1": ["a", "!"]}}, "answers.q1.1"),
        (attempts, {"answers": {"q1": "a"}, "submission_id": "!"}, "submission_id"),
        (attempts, {"answers": {"q1": "a"}, "language": "!"}, "language"),
    ]
    return cases


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_text_a_database_refuses_is_a_400_in_every_string_field(client, api_user, bad):
    before = api_user.rows()
    for path, body, field in string_fields(api_user):
        text = json.dumps(body).replace('"!"', json.dumps(bad))  # json.dumps writes \u0000, \ud800 escapes
        response = send(client, "POST", path, text, "application/json", api_user.headers)
        error = assert_error(response, 400, "unstorable_value")
        assert list(error["fields"]) == [field], path
    assert api_user.rows() == before


@pytest.mark.parametrize("bad", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_text_a_database_refuses_is_a_400_in_names_too(client, api_user, bad):
    attempts = f"/api/v1/courses/{COURSE}/lessons/{api_user.quiz}/attempts"
    for body in ({"answers": {bad: "a"}}, {"answers": {"q1": "a"}, bad: 1}):
        response = send(client, "POST", attempts, json.dumps(body), "application/json", api_user.headers)
        error = assert_error(response, 400, "unstorable_value")
        assert "This name contains" in next(iter(error["fields"].values()))


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**30])
def test_integers_beyond_64_bits_are_a_400(client, api_user, number):
    attempts = f"/api/v1/courses/{COURSE}/lessons/{api_user.quiz}/attempts"
    for body in ({"answers": {"q1": number}}, {"answers": {"q1": "a"}, "submission_id": number}):
        response = send(client, "POST", attempts, json.dumps(body), "application/json", api_user.headers)
        error = assert_error(response, 400, "unstorable_value")
        assert "64-bit" in next(iter(error["fields"].values()))
    # Within 64 bits a number is simply not text: the usual 422.
    in_range = json.dumps({"answers": {"q1": 2**63 - 1}})
    assert_error(
        send(client, "POST", attempts, in_range, "application/json", api_user.headers), 422, "invalid_input"
    )


def test_strings_up_to_their_column_size_are_stored_and_longer_ones_are_a_422(client, api_user):
    """Column sizes count characters on PostgreSQL; astral characters take 4 bytes each in UTF-8."""
    wide = "\U0001d538"  # MATHEMATICAL DOUBLE-STRUCK CAPITAL A
    attempts = f"/api/v1/courses/{COURSE}/lessons/{api_user.quiz}/attempts"
    cases = [
        ("/api/v1/tokens", {"email": EMAIL, "password": PASSWORD, "name": wide * 80}, 201),
        ("/api/v1/tokens", {"email": EMAIL, "password": PASSWORD, "name": wide * 81}, 422),
        (attempts, {"answers": {"q1": "a"}, "submission_id": wide * 64}, 201),
        (attempts, {"answers": {"q1": "a"}, "submission_id": wide * 65}, 422),
        (attempts, {"answers": {"q1": wide * 10_000}}, 201),
        (attempts, {"answers": {"q1": wide * 10_001}}, 422),
    ]
    for path, body, status in cases:
        response = send(client, "POST", path, json.dumps(body), "application/json", api_user.headers)
        assert response.status_code == status, (path, status, response.get_data(as_text=True)[:300])
