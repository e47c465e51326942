"""The OpenAPI 3.1 document of the JSON API, built from the pydantic models the routes use."""

from __future__ import annotations

from pydantic.json_schema import models_json_schema

from learn_habitat.api import schemas as s

ERROR_STATUSES = {
    400: "The request body is not valid UTF-8 JSON, not an object, nested more than 32 levels, or holds a value "
    "no database stores (text with NUL or an unpaired surrogate, an integer beyond 64 bits).",
    401: "Authentication is missing or not valid.",
    403: "You may not do this.",
    404: "No such resource.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    422: "The request is well-formed but its values are not valid.",
    429: "Too many requests; try again later.",
}
# Operations with these methods answer 415 to a body (or a Content-Type) that is not application/json.
BODY_METHODS = frozenset({"post", "put", "patch", "delete"})
UNSUPPORTED_MEDIA_TYPE = "The request body is not application/json (a charset parameter may only be UTF-8)."

# (method, path, operation id, summary, needs a token, request model, {status: response model})
OPERATIONS = [
    (
        "post",
        "/api/v1/users",
        "registerUser",
        "Sign up: a confirmation link is mailed (or, for a known address, a note to its owner)",
        False,
        s.RegisterRequest,
        {202: s.RegistrationOut},
    ),
    (
        "post",
        "/api/v1/tokens",
        "createToken",
        "Get a personal access token",
        False,
        s.TokenRequest,
        {201: s.TokenOut},
    ),
    (
        "delete",
        "/api/v1/tokens/{token_id}",
        "revokeToken",
        "Revoke one of my tokens",
        True,
        None,
        {204: None},
    ),
    ("get", "/api/v1/courses", "listCourses", "List the courses", False, None, {200: s.CourseList}),
    (
        "get",
        "/api/v1/courses/{course_id}",
        "getCourse",
        "A course with its modules and lessons",
        False,
        None,
        {200: s.CourseOut},
    ),
    ("get", "/api/v1/me/enrolments", "listMyEnrolments", "My enrolments", True, None, {200: s.EnrolmentList}),
    (
        "post",
        "/api/v1/courses/{course_id}/enrolment",
        "enrol",
        "Enrol in a course",
        True,
        s.EnrolRequest,
        {200: s.EnrolmentOut, 201: s.EnrolmentOut},
    ),
    ("delete", "/api/v1/courses/{course_id}/enrolment", "unenrol", "Leave a course", True, None, {204: None}),
    (
        "get",
        "/api/v1/courses/{course_id}/progress",
        "getProgress",
        "My progress in a course",
        True,
        None,
        {200: s.ProgressOut},
    ),
    (
        "post",
        "/api/v1/courses/{course_id}/lessons/{lesson_id}/view",
        "viewLesson",
        "Record that I opened a lesson",
        True,
        None,
        {200: s.ViewOut},
    ),
    (
        "post",
        "/api/v1/courses/{course_id}/lessons/{lesson_id}/attempts",
        "submitAttempt",
        "Answer a quiz; returns the grade and feedback",
        True,
        s.AttemptRequest,
        {200: s.AttemptOut, 201: s.AttemptOut},
    ),
    (
        "get",
        "/api/v1/courses/{course_id}/report",
        "getReport",
        "A course's report (admins and its authors)",
        True,
        None,
        {200: s.ReportOut},
    ),
    (
        "get",
        "/api/v1/courses/{course_id}/report.csv",
        "getReportCsv",
        "The course's learners as CSV",
        True,
        None,
        {200: "text/csv"},
    ),
]

# Operations that need no token yet answer 401: POST /tokens when the email or password is wrong.
# (Found by tests/fuzz/test_api_schemathesis.py: the 401 was sent but not documented.)
ANSWERS_401_WITHOUT_TOKEN = frozenset({"createToken"})

PATH_PARAMETERS = {
    "course_id": {"type": "string", "maxLength": 100},
    "lesson_id": {"type": "string", "maxLength": 100},
    "token_id": {"type": "integer"},
}


def build_openapi(server_url: str) -> dict:
    """The whole OpenAPI 3.1 document; ``server_url`` is the configured PUBLIC_URL, never the request's Host."""
    models = {s.ErrorBody}
    for *_, request_model, responses in OPERATIONS:
        if request_model is not None:
            models.add(request_model)
        models.update(m for m in responses.values() if isinstance(m, type))
    _, definitions = models_json_schema(
        [(model, "validation") for model in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict = {}
    for method, path, operation_id, summary, needs_token, request_model, responses in OPERATIONS:
        operation = {
            "operationId": operation_id,
            "summary": summary,
            "responses": _responses(
                responses, needs_token or operation_id in ANSWERS_401_WITHOUT_TOKEN, method in BODY_METHODS
            ),
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": schema}
            for name, schema in PATH_PARAMETERS.items()
            if "{" + name + "}" in path
        ]
        if operation_id == "getCourse":
            parameters.append(
                {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": list(s.SUPPORTED_LANGUAGES)},
                }
            )
        if parameters:
            operation["parameters"] = parameters
        if request_model is not None:
            operation["requestBody"] = {
                "required": request_model is not s.EnrolRequest,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{request_model.__name__}"}}
                },
            }
        if needs_token:
            operation["security"] = [{"bearerToken": []}]
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "learn-habitat API",
            "version": "1.0.0",
            "description": "Courses, enrolment, progress, quizzes and reports. Authenticate with a personal "
            "access token: 'Authorization: Bearer <token>'. Request bodies are JSON only ('Content-Type: "
            "application/json'; anything else is a 415); enrol and view need no body. Every error is JSON: "
            '{"error": {"code", "message"}} with a stable code.',
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
        },
    }


def _responses(responses: dict, needs_token: bool, takes_body: bool) -> dict:
    result = {}
    for status, model in responses.items():
        if model is None:
            result[str(status)] = {"description": "Done; no content."}
        elif model == "text/csv":
            result[str(status)] = {
                "description": "CSV",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        else:
            result[str(status)] = {
                "description": "OK",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
                },
            }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    for status, description in ERROR_STATUSES.items():
        if status == 401 and not needs_token:
            continue
        result[str(status)] = {"description": description, **error}
    if takes_body:
        result["415"] = {"description": UNSUPPORTED_MEDIA_TYPE, **error}
    return result
