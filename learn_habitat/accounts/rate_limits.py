"""The sign-in rate limits, shared by every page that checks an account's password from an email typed into
a form: signing in, and linking a partner platform's account to a local one (``learn_habitat.lti``).

Both count against the same two limits (Flask-Limiter shared limits, one scope each), so moving from one page
to the other gains a guesser nothing:

- ``LOGIN_RATE_LIMIT`` per client address;
- ``ACCOUNT_RATE_LIMIT`` per account named in the form's ``email`` (every spelling of an address is one).
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address

from learn_habitat.accounts import services
from learn_habitat.extensions import limiter

IP_SCOPE = "sign-in-ip"
ACCOUNT_SCOPE = "sign-in-account"


def account_key() -> str:
    """The rate-limit key of the account named in the form, so one account cannot be guessed at from many
    addresses."""
    return "account:" + services.email_limit_key(request.form.get("email"))


def sign_in_limits(view):
    """Decorate a view whose POST checks a password for the ``email`` in its form."""
    limited = limiter.shared_limit(
        lambda: current_app.config["ACCOUNT_RATE_LIMIT"],
        scope=ACCOUNT_SCOPE,
        key_func=account_key,
        methods=["POST"],
    )(view)
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_RATE_LIMIT"],
        scope=IP_SCOPE,
        key_func=get_remote_address,
        methods=["POST"],
    )(limited)
