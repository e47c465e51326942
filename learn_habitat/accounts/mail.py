"""Messages sent to users, through Flask-Mailman (file outbox by default, SMTP by configuration).

The jobs here run in the background worker (see ``background.py``), never while a request waits, and
every link they hold is built from PUBLIC_URL (``urls.external_url``), never from a request's Host.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy.exc import IntegrityError

from learn_habitat.accounts import services
from learn_habitat.accounts.models import User
from learn_habitat.extensions import db
from learn_habitat.urls import external_url


def _send(user: User, subject_text, template: str, **context) -> None:
    with force_locale(user.language):
        body = render_template(template, user=user, **context)
        subject = subject_text()
    EmailMessage(subject=subject, body=body, to=[user.email]).send()


def send_password_reset(user: User, reset_url: str) -> None:
    """Mail the user a link to choose a new password, in their language."""
    _send(
        user,
        lambda: _("Reset your learn-habitat password"),
        "accounts/email/reset_password.txt",
        reset_url=reset_url,
    )


def deliver_password_reset(email: str) -> None:
    """Background job: mail a reset link if ``email`` has an account, and do nothing otherwise."""
    user = services.find_user_by_email(email)
    if user is None:
        return
    token = services.make_reset_token(user, current_app.config["SECRET_KEY"])
    send_password_reset(user, external_url("accounts.reset_password", token=token))


def deliver_registration(registration: services.Registration) -> None:
    """Background job: record a sign-up and mail a confirmation link, or, when the address already has an
    account, tell its owner instead (the person signing up sees the same answer either way)."""
    try:
        user, pending = services.apply_registration(registration)
        db.session.commit()
    except IntegrityError:  # another process recorded the same address a moment ago: now it exists
        db.session.rollback()
        user, pending = services.apply_registration(registration)
        db.session.commit()
    if pending:
        token = services.make_confirmation_token(user, current_app.config["SECRET_KEY"])
        _send(
            user,
            lambda: _("Confirm your learn-habitat account"),
            "accounts/email/confirm_email.txt",
            confirm_url=external_url("accounts.confirm_email", token=token),
        )
    else:
        _send(
            user,
            lambda: _("Someone tried to sign up with your address"),
            "accounts/email/already_registered.txt",
            login_url=external_url("accounts.login"),
            reset_url=external_url("accounts.forgot_password"),
        )
