"""The JSON API under /api/v1: personal access tokens, stable error codes, never a 500 for bad input."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context
from pydantic import BaseModel, ValidationError

from learn_habitat.accounts import services as accounts
from learn_habitat.accounts.background import run_in_background
from learn_habitat.accounts.mail import deliver_registration as send_registration_mail
from learn_habitat.admin import services as reports
from learn_habitat.api import json_body, schemas
from learn_habitat.api.openapi import build_openapi
from learn_habitat.catalog import services as catalog
from learn_habitat.content import SUPPORTED_LANGUAGES, Course
from learn_habitat.course_library import current_library
from learn_habitat.extensions import db, limiter
from learn_habitat.learning import services as learning
from learn_habitat.learning.rate_limits import enrolment_key_limits
from learn_habitat.urls import public_root

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_ROW_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on PostgreSQL (SQLite allows more)


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message"}}`` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """The JSON body every API error has."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="learn-habitat"'
    return response


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.fields)


@blueprint.errorhandler(json_body.BodyError)
def _body_error(error: json_body.BodyError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.fields)


@blueprint.errorhandler(learning.LearningError)
def _learning_error(error: learning.LearningError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message)


@blueprint.errorhandler(accounts.AccountError)
def _account_error(error: accounts.AccountError):
    db.session.rollback()
    status = 409 if error.code == "email_taken" else 422
    # A sign-up reports every field's problem at once (AccountErrors), each under its field.
    fields = {e.field: e.text for e in getattr(error, "errors", [error]) if e.field}
    return error_response(status, error.code, error.text, fields or None)


def _json(model: BaseModel, status: int = 200):
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


# Methods whose requests may carry a body; on these, a body (or a Content-Type) must be JSON.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NO_BODY = object()


def _sends_json() -> bool:
    return json_body.is_json_media_type(request.mimetype, request.mimetype_params)


@blueprint.before_request
def _read_json_body():
    """Refuse a body that is not JSON (415), malformed, too deep or not storable (400) before any view or
    rate-limit key reads it. A POST without a body and without a Content-Type passes: enrol and view need none.
    """
    g.api_body = _NO_BODY
    if request.method not in BODY_METHODS:
        return
    raw = request.get_data(cache=True)
    if not request.headers.get("Content-Type") and not raw:
        return
    if not _sends_json():
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the request body as JSON with 'Content-Type: application/json'.",
        )
    if raw:
        g.api_body = json_body.parse(raw)


def _body(model: type[BaseModel], optional: bool = False):
    """The request's JSON body validated against ``model``: 415 if none was sent as JSON (unless
    ``optional``), 400 if it is not a JSON object, 422 if its values are not valid."""
    data = g.get("api_body", _NO_BODY)
    if data is _NO_BODY:
        if optional:
            data = {}
        elif not _sends_json():
            raise ApiError(
                415, "unsupported_media_type", "Send a JSON object with 'Content-Type: application/json'."
            )
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = {".".join(str(p) for p in item["loc"]) or "body": item["msg"] for item in error.errors()}
        raise ApiError(422, "invalid_input", "Some values are not valid.", fields) from None


def _user():
    """The user of the bearer token, or 401."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401, "authentication_required", "Send a personal access token: 'Authorization: Bearer ...'."
        )
    user = accounts.user_for_access_token(token.strip())
    if user is None:
        raise ApiError(401, "invalid_token", "The token is not valid or has been revoked.")
    g.api_user = user
    return user


def _course(course_id: str) -> Course:
    try:
        return catalog.find_course(current_library(), course_id)
    except catalog.NotFound:
        raise ApiError(404, "course_not_found", "There is no such course.") from None


def _language(course: Course | None = None) -> str:
    requested = request.args.get("lang")
    if requested in SUPPORTED_LANGUAGES:
        return requested
    user = g.get("api_user")
    if user is not None and user.language in SUPPORTED_LANGUAGES:
        return user.language
    return course.source_language if course else "en"


def _account_key() -> str:
    data = request.get_json(silent=True, force=True) if request.get_data(cache=True) else None
    email = data.get("email") if isinstance(data, dict) else None
    return "api-account:" + accounts.email_limit_key(email)


# Accounts and tokens -------------------------------------------------------------------------------


@blueprint.post("/users")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@limiter.limit(lambda: current_app.config["ACCOUNT_RATE_LIMIT"], key_func=_account_key)
def register_user():
    """Sign up: 202 whether or not the address has an account (no enumeration); the mail goes out later."""
    body = _body(schemas.RegisterRequest)
    registration = accounts.prepare_registration(body.email, body.name, body.password, body.language)
    run_in_background(send_registration_mail, registration)
    message = "Check your mail: open the link sent to this address to finish signing up."
    return _json(schemas.RegistrationOut(email=registration.email, message=message), 202)


@blueprint.post("/tokens")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@limiter.limit(lambda: current_app.config["ACCOUNT_RATE_LIMIT"], key_func=_account_key)
def create_token():
    """Exchange email and password for a personal access token."""
    body = _body(schemas.TokenRequest)
    user = accounts.authenticate(body.email, body.password)
    if user is None:
        raise ApiError(401, "invalid_credentials", "The email or password is not right.")
    token, plain = accounts.create_access_token(user, body.name)
    db.session.commit()
    return _json(schemas.TokenOut(id=token.id, name=token.name, token=plain), 201)


@blueprint.delete("/tokens/<int:token_id>")
def revoke_token(token_id):
    """Revoke one of my tokens."""
    user = _user()
    # No row id exceeds MAX_ROW_ID, and SQLite raises OverflowError (a 500) on a parameter over 64 bits:
    # such an id is simply not one of my tokens. (Found by tests/fuzz/test_api_schemathesis.py.)
    if token_id > MAX_ROW_ID or not accounts.revoke_access_token(user, token_id):
        raise ApiError(404, "token_not_found", "You have no token with this id.")
    db.session.commit()
    return "", 204


# Courses ---------------------------------------------------------------------------------------------


def _course_summary(course: Course, language: str) -> dict:
    return {
        "id": course.id,
        "title": course.title(language),
        "summary": course.summary(language),
        "version": course.version,
        "languages": list(course.languages),
        "enrolment": course.enrolment,
        "duration_minutes": course.duration_minutes,
    }


@blueprint.get("/courses")
def list_courses():
    """Every course."""
    language = _language()
    courses = catalog.list_courses(current_library(), language)
    return _json(
        schemas.CourseList(
            courses=[schemas.CourseSummaryOut(**_course_summary(c, language)) for c in courses]
        )
    )


@blueprint.get("/courses/<course_id>")
def get_course(course_id):
    """A course with its modules and lessons (id, title, type)."""
    course = _course(course_id)
    language = _language(course)
    modules = [
        schemas.ModuleOut(
            id=module.id,
            title=course.module_title(module, language),
            lessons=[
                schemas.LessonOut(
                    id=lid,
                    title=course.lesson(lid, language).title,
                    type=course.lesson(lid, language).type,
                    minutes=course.lesson(lid, language).minutes,
                )
                for lid in module.lesson_ids
            ],
        )
        for module in course.modules
    ]
    return _json(schemas.CourseOut(**_course_summary(course, language), modules=modules))


# Enrolment and progress ------------------------------------------------------------------------------


def _enrolment_out(user, course: Course, enrolment) -> schemas.EnrolmentOut:
    progress = learning.course_progress(user, course)
    return schemas.EnrolmentOut(
        course_id=course.id,
        enrolled_at=enrolment.enrolled_at,
        last_lesson=progress.last_lesson,
        progress_percent=progress.percent,
        completed=progress.completed,
    )


@blueprint.get("/me/enrolments")
def my_enrolments():
    """My enrolments with progress."""
    user = _user()
    library = current_library()
    items = [
        _enrolment_out(user, library.get(e.course_id), e)
        for e in learning.my_enrolments(user)
        if library.get(e.course_id) is not None
    ]
    return _json(schemas.EnrolmentList(enrolments=items))


def _token_user_id() -> int | None:
    """The id of the bearer token's user, or ``None`` (the view then answers 401 before comparing a key)."""
    try:
        return _user().id
    except ApiError:
        return None


@blueprint.post("/courses/<course_id>/enrolment")
@enrolment_key_limits(_token_user_id)
def enrol(course_id):
    """Enrol in a course (201), or confirm an existing enrolment (200)."""
    user = _user()
    course = _course(course_id)
    body = _body(schemas.EnrolRequest, optional=True)
    already = learning.find_enrolment(user, course.id) is not None
    enrolment = (
        learning.enrol(user, course, key=body.key)
        if not already
        else learning.find_enrolment(user, course.id)
    )
    db.session.commit()
    return _json(_enrolment_out(user, course, enrolment), 200 if already else 201)


@blueprint.delete("/courses/<course_id>/enrolment")
def unenrol(course_id):
    """Leave a course; progress is kept."""
    user = _user()
    course = _course(course_id)
    if not learning.unenrol(user, course.id):
        raise ApiError(404, "not_enrolled", "You are not enrolled in this course.")
    db.session.commit()
    return "", 204


def _require_enrolment(user, course: Course):
    if learning.find_enrolment(user, course.id) is None:
        raise ApiError(403, "not_enrolled", "Enrol in the course first.")


@blueprint.get("/courses/<course_id>/progress")
def progress(course_id):
    """My progress: completed lessons, last lesson, whether the course is complete."""
    user = _user()
    course = _course(course_id)
    _require_enrolment(user, course)
    found = learning.course_progress(user, course)
    return _json(
        schemas.ProgressOut(
            course_id=course.id,
            completed_lessons=list(found.completed_lessons),
            last_lesson=found.last_lesson,
            completed=found.completed,
            completed_at=found.completed_at,
            certificate_code=found.certificate_code,
            progress_percent=found.percent,
        )
    )


@blueprint.post("/courses/<course_id>/lessons/<lesson_id>/view")
def view_lesson(course_id, lesson_id):
    """Record that I opened a lesson (a page is then complete). Idempotent."""
    user = _user()
    course = _course(course_id)
    state = learning.learner_state(user, course)  # enrolment and progress, read once
    if not state.enrolled:
        raise ApiError(403, "not_enrolled", "Enrol in the course first.")
    state = learning.record_lesson_viewed(user, course, lesson_id, state)
    if state.wrote:
        db.session.commit()
    found = state.progress
    return _json(
        schemas.ViewOut(
            course_id=course.id,
            lesson_id=lesson_id,
            completed_lessons=list(found.completed_lessons),
            completed=found.completed,
        )
    )


@blueprint.post("/courses/<course_id>/lessons/<lesson_id>/attempts")
def submit_attempt(course_id, lesson_id):
    """Answer a quiz: graded on the server; the same submission_id twice gives the same attempt."""
    user = _user()
    course = _course(course_id)
    body = _body(schemas.AttemptRequest)
    learning.quiz_for(course, lesson_id, course.source_language)  # 404 / 400 before anything else
    _require_enrolment(user, course)
    language = body.language or _language(course)
    submission = body.submission_id or learning.new_submission_id()
    replay = (
        body.submission_id is not None
        and learning.attempt_for_submission(user, body.submission_id) is not None
    )
    outcome = learning.submit_quiz(user, course, lesson_id, body.answers, submission, language)
    db.session.commit()
    completed = learning.course_progress(user, course).completed
    return _json(
        schemas.AttemptOut(
            number=outcome.attempt.number,
            score=outcome.grade.score,
            percent=outcome.grade.percent,
            passed=outcome.grade.passed,
            attempts_left=outcome.attempts_left,
            course_completed=completed,
            answers_revealed=outcome.answers_revealed,
            results=[
                schemas.QuestionResultOut(
                    question_id=r.question.id,
                    correct=r.correct,
                    feedback=list(r.feedback_html),
                    hint=r.hint_html or None,
                    right_answers=list(r.right_answers) if r.right_answers is not None else None,
                    tolerance=(
                        r.question.tolerance
                        if r.right_answers is not None and r.question.kind == "numeric"
                        else None
                    ),
                )
                for r in outcome.review
            ],
        ),
        200 if replay else 201,
    )


# Reports ---------------------------------------------------------------------------------------------


def _reportable(course_id) -> Course:
    user = _user()
    course = _course(course_id)
    if not learning.is_course_author(user, course.id):
        raise ApiError(403, "forbidden", "Only admins and this course's authors see its report.")
    return course


@blueprint.get("/courses/<course_id>/report")
def report(course_id):
    """Enrolment, completion, drop-off per lesson and correct rate per question."""
    course = _reportable(course_id)
    summary = reports.course_summary(course)
    return _json(
        schemas.ReportOut(
            course_id=course.id,
            enrolled=summary.enrolled,
            active_last_30_days=summary.active,
            completed=summary.completed,
            completion_rate=summary.completion_rate,
            average_quiz_score=summary.average_quiz_score,
            lessons=[schemas.LessonStatOut(**stat.__dict__) for stat in reports.lesson_stats(course)],
            questions=[
                schemas.QuestionStatOut(
                    lesson_id=q.lesson_id,
                    question_id=q.question_id,
                    answers=q.answers,
                    correct_rate=q.correct_rate,
                )
                for q in reports.question_stats(course)
            ],
        )
    )


@blueprint.get("/courses/<course_id>/report.csv")
def report_csv(course_id):
    """The learner list as CSV, streamed."""
    course = _reportable(course_id)
    response = Response(stream_with_context(reports.learner_csv(course)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{course.id}-learners.csv"'
    return response


@blueprint.get("/openapi.json")
def openapi():
    """This API's OpenAPI 3.1 description."""
    return jsonify(build_openapi(public_root()))
