"""Schemathesis against /api/v1/openapi.json: for every operation, with and without a valid token, no
server error and no response that the document does not describe (status, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from learn_habitat.api.openapi import OPERATIONS
from tests.conftest import PASSWORD, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 40
ENROLLED_COURSE = "new-urban-agenda"
AUTHORED_COURSE = "adequate-housing"  # the fuzzing user may read its report: the 200 path gets checked too
EMAIL = "fuzz@example.org"

# One test per operation of the document, named as schemathesis names it ("POST /api/v1/users").
OPERATION_LABELS = [f"{method.upper()} {path}" for method, path, *_ in OPERATIONS]


class ApiUser:
    """An author with a token, enrolled in one course; put back in that state before every example."""

    def __init__(self, app, client):
        from learn_habitat.accounts.models import User
        from learn_habitat.extensions import db
        from learn_habitat.learning import services as learning

        self.app, self.client = app, client
        make_user(app, EMAIL, "Fuzz Tester", role="author")
        response = client.post("/api/v1/tokens", json={"email": EMAIL, "password": PASSWORD})
        assert response.status_code == 201, response.get_data(as_text=True)
        self.token = response.get_json()["token"]
        # Tokens the fuzzer may revoke by their real id without losing the one it sends.
        self.spare_token_ids = [
            client.post(
                "/api/v1/tokens", json={"email": EMAIL, "password": PASSWORD, "name": f"spare {n}"}
            ).get_json()["id"]
            for n in range(3)
        ]
        with app.app_context():
            user = db.session.scalar(db.select(User).where(User.email == EMAIL))
            self.user_id = user.id
            learning.assign_author(user, AUTHORED_COURSE)
            db.session.commit()
        self.restore()

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def restore(self) -> None:
        """A valid token and an enrolment again, whatever the previous example revoked or left."""
        from learn_habitat.accounts import services as accounts
        from learn_habitat.accounts.models import User
        from learn_habitat.course_library import current_library
        from learn_habitat.extensions import db
        from learn_habitat.learning import services as learning

        with self.app.app_context():
            user = db.session.get(User, self.user_id)
            if accounts.user_for_access_token(self.token) is None:
                _, self.token = accounts.create_access_token(user, "fuzz")
            if learning.find_enrolment(user, ENROLLED_COURSE) is None:
                learning.enrol(user, current_library().get(ENROLLED_COURSE))
            db.session.commit()


def _answers(quiz) -> st.SearchStrategy[dict]:
    """Answers keyed by the quiz's real question ids: option keys, lists of them, or free text."""
    values = st.one_of(
        st.sampled_from(["a", "b", "c", "d", "true", "false", "30", "1,5", ""]),
        st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=4),
        st.text(max_size=20),
    )
    return st.dictionaries(
        st.sampled_from([q.id for q in quiz.questions]), values, max_size=len(quiz.questions)
    )


def _real_cases(operation, library, api_user: ApiUser | None) -> list[st.SearchStrategy]:
    """Cases whose path parameters (and, for quizzes, answers) are real, so the happy paths run too."""
    path = operation.path
    courses = sorted(library.courses)
    if "{token_id}" in path:
        token_ids = api_user.spare_token_ids if api_user else [1, 2]
        return [
            st.sampled_from(token_ids).flatmap(
                lambda tid: operation.as_strategy(path_parameters={"token_id": tid})
            )
        ]
    if "{lesson_id}" in path:
        pairs = [(c, lesson) for c in courses for lesson in library.get(c).lesson_ids]
        cases = [
            st.sampled_from(pairs).flatmap(
                lambda pair: operation.as_strategy(
                    path_parameters={"course_id": pair[0], "lesson_id": pair[1]}
                )
            )
        ]
        if path.endswith("/attempts"):
            quizzes = [
                (c, lesson_id, library.get(c).lesson(lesson_id, library.get(c).source_language).activity)
                for c in courses
                for lesson_id in library.get(c).quiz_ids()
            ]
            cases.append(
                st.sampled_from(quizzes).flatmap(
                    lambda quiz: st.tuples(
                        _answers(quiz[2]), st.none() | st.text(min_size=1, max_size=8)
                    ).flatmap(
                        lambda drawn: operation.as_strategy(
                            path_parameters={"course_id": quiz[0], "lesson_id": quiz[1]},
                            body={"answers": drawn[0], "submission_id": drawn[1]},
                        )
                    )
                )
            )
        return cases
    if "{course_id}" in path:
        return [
            st.sampled_from(courses).flatmap(
                lambda c: operation.as_strategy(path_parameters={"course_id": c})
            )
        ]
    return []


@pytest.mark.parametrize("authenticated", [False, True], ids=["without-token", "with-token"])
@pytest.mark.parametrize("label", OPERATION_LABELS)
def test_operation_conforms_to_its_schema(app, client, shipped_library, label, authenticated):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    api_user = ApiUser(app, client) if authenticated else None
    real = _real_cases(operation, shipped_library, api_user)
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        *real,
        *real,  # twice: about half the examples use real ids
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=cases)
    def check(case):
        headers = None
        if api_user is not None:
            api_user.restore()
            headers = api_user.headers
        # TESTING propagates exceptions, so a server error fails here with its traceback.
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_every_documented_operation_is_fuzzed(app):
    """The parametrization above follows the document: an operation added later is fuzzed too."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    documented = sorted(result.ok().label for result in schema.get_all_operations())
    assert documented == sorted(OPERATION_LABELS)


# Regressions for what the fuzzing above found, pinned so they do not depend on a lucky draw.


def test_a_wrong_password_for_a_token_is_a_documented_401(app, client):
    response = client.post("/api/v1/tokens", json={"email": "nobody@example.org", "password": "x"})
    assert response.status_code == 401
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    assert "401" in schema["/api/v1/tokens"]["POST"].definition.raw["responses"]


def test_revoking_a_token_id_too_large_for_the_database_is_a_404(app, client):
    headers = ApiUser(app, client).headers
    for token_id in (2**63, 2**64 + 1, 10**30):
        response = client.delete(f"/api/v1/tokens/{token_id}", headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "token_not_found"


def test_a_list_answer_to_a_single_choice_question_is_graded_wrong(app, client, shipped_library):
    api_user = ApiUser(app, client)
    course = shipped_library.get(ENROLLED_COURSE)
    lesson_id, quiz = next(
        (lesson_id, course.lesson(lesson_id, course.source_language).activity)
        for lesson_id in course.quiz_ids()
        if any(
            q.kind == "single" for q in course.lesson(lesson_id, course.source_language).activity.questions
        )
    )
    single = next(q for q in quiz.questions if q.kind == "single")
    right = next(o.key for o in single.options if o.correct)
    response = client.post(
        f"/api/v1/courses/{ENROLLED_COURSE}/lessons/{lesson_id}/attempts",
        json={"answers": {single.id: [right]}},
        headers=api_user.headers,
    )
    assert response.status_code == 201
    result = next(r for r in response.get_json()["results"] if r["question_id"] == single.id)
    assert result["correct"] is False
