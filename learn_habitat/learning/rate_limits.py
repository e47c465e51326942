"""Rate limits on enrolment-key guesses, shared by the site's enrol form and the API.

Both entrances count against the same two limits (Flask-Limiter shared limits, one scope each), so switching
between the form and the API gains nothing:

- ``ENROLMENT_KEY_RATE_LIMIT`` per client address;
- ``ENROLMENT_KEY_ACCOUNT_RATE_LIMIT`` per account and course, so many addresses cannot guess for one account.

Only enrolments in courses with ``enrolment: key`` count: open and closed courses have no key to guess.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

from learn_habitat.course_library import current_library
from learn_habitat.extensions import limiter

IP_SCOPE = "enrolment-key-ip"
ACCOUNT_SCOPE = "enrolment-key-account"


def _course_id() -> str:
    return str((request.view_args or {}).get("course_id", ""))


def _asks_for_a_key() -> bool:
    course = current_library().get(_course_id())
    return course is not None and course.enrolment == "key"


def enrolment_key_limits(user_id: Callable[[], object | None]):
    """Decorate an enrol view; ``user_id`` names the enrolling account, or ``None`` when there is none
    (the view then refuses the request before any key is compared, so nothing is counted)."""

    def exempt() -> bool:
        return not _asks_for_a_key() or user_id() is None

    def account_and_course() -> str:
        return f"{user_id()}:{_course_id()}"

    def decorate(view):
        limited = limiter.shared_limit(
            lambda: current_app.config["ENROLMENT_KEY_ACCOUNT_RATE_LIMIT"],
            scope=ACCOUNT_SCOPE,
            key_func=account_and_course,
            exempt_when=exempt,
        )(view)
        return limiter.shared_limit(
            lambda: current_app.config["ENROLMENT_KEY_RATE_LIMIT"],
            scope=IP_SCOPE,
            key_func=get_remote_address,
            exempt_when=exempt,
        )(limited)

    return decorate
