"""Request and response bodies of the JSON API; the OpenAPI document is built from these models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from learn_habitat.content import SUPPORTED_LANGUAGES

LanguageCode = Literal[SUPPORTED_LANGUAGES]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable error code.")
    message: str
    fields: dict[str, str] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class RegisterRequest(Strict):
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=10, max_length=256)
    language: LanguageCode = "en"


class RegistrationOut(BaseModel):
    """The same answer whether or not the address has an account: the mailed message says which."""

    email: str
    message: str


class TokenRequest(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    name: str = Field(default="api", max_length=80)


class TokenOut(BaseModel):
    id: int
    name: str
    token: str


class LessonOut(BaseModel):
    id: str
    title: str
    type: str
    minutes: int


class ModuleOut(BaseModel):
    id: str
    title: str
    lessons: list[LessonOut]


class CourseSummaryOut(BaseModel):
    id: str
    title: str
    summary: str
    version: str
    languages: list[str]
    enrolment: Literal["open", "key", "closed"]
    duration_minutes: int


class CourseOut(CourseSummaryOut):
    modules: list[ModuleOut]


class CourseList(BaseModel):
    courses: list[CourseSummaryOut]


class EnrolRequest(Strict):
    key: str | None = Field(default=None, max_length=100)


class EnrolmentOut(BaseModel):
    course_id: str
    enrolled_at: datetime
    last_lesson: str | None
    progress_percent: int
    completed: bool


class EnrolmentList(BaseModel):
    enrolments: list[EnrolmentOut]


class ProgressOut(BaseModel):
    course_id: str
    completed_lessons: list[str]
    last_lesson: str | None
    completed: bool
    completed_at: datetime | None
    certificate_code: str | None
    progress_percent: int


class AttemptRequest(Strict):
    answers: dict[str, str | list[str]] = Field(
        description="Question id (q1, q2, ...) to answer: an option key, a list of keys, 'true'/'false', a number or text."
    )
    submission_id: str | None = Field(
        default=None,
        max_length=64,
        description="Send the same id again to get the same attempt back, not a new one.",
    )
    language: LanguageCode | None = None


class QuestionResultOut(BaseModel):
    question_id: str
    correct: bool
    feedback: list[str] = Field(
        description="Feedback HTML. While answers are hidden, only for a right answer (feedback on a wrong one "
        "usually names the right answer)."
    )
    hint: str | None = Field(default=None, description="The hint (HTML), for an answer that was not right.")
    right_answers: list[str] | None = Field(
        default=None,
        description="What counts as right: option keys, 'true'/'false', the number (within 'tolerance') or the "
        "accepted texts. Null while answers are hidden.",
    )
    tolerance: float | None = Field(
        default=None, description="For a numeric question once answers are shown."
    )


class AttemptOut(BaseModel):
    number: int
    score: float = Field(ge=0, le=1)
    percent: int
    passed: bool
    attempts_left: int | None
    course_completed: bool
    answers_revealed: bool = Field(
        description="Whether the quiz's reveal_answers rule shows the right answers now (by default: after a "
        "pass or the last attempt)."
    )
    results: list[QuestionResultOut]


class LessonStatOut(BaseModel):
    lesson_id: str
    viewed: int
    completed: int
    stopped_here: int


class QuestionStatOut(BaseModel):
    lesson_id: str
    question_id: str
    answers: int
    correct_rate: float | None


class ReportOut(BaseModel):
    course_id: str
    enrolled: int
    active_last_30_days: int
    completed: int
    completion_rate: float | None
    average_quiz_score: float | None
    lessons: list[LessonStatOut]
    questions: list[QuestionStatOut]


class ViewOut(BaseModel):
    course_id: str
    lesson_id: str
    completed_lessons: list[str]
    completed: bool
