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


def _send(user: User, subject_text, template: str, to: str | None = None, **context) -> None:
    with force_locale(user.language):
        body = render_template(template, user=user, **context)
        subject = subject_text()
    EmailMessage(subject=subject, body=body, to=[to or user.email]).send()


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


def deliver_registration(registration: services.Registration, next_path: str | None = None) -> None:
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
            # ``next`` (a path on this site, checked again when used) brings the learner back to the lesson.
            confirm_url=external_url("accounts.confirm_email", token=token, next=next_path or None),
        )
    else:
        _send(
            user,
            lambda: _("Someone tried to sign up with your address"),
            "accounts/email/already_registered.txt",
            login_url=external_url("accounts.login"),
            reset_url=external_url("accounts.forgot_password"),
        )


def deliver_email_change(change: services.EmailChange) -> None:
    """Background job: mail a link that makes the change to the new address, or, when that address already
    has an account, tell its owner instead (the person asking sees the same answer either way)."""
    user = db.session.get(User, change.user_id)
    if user is None or user.email != change.old_email:
        return
    owner = services.find_user_by_email(change.new_email)
    if owner is not None:
        _send(
            owner,
            lambda: _("Someone tried to move an account to your address"),
            "accounts/email/email_taken.txt",
            login_url=external_url("accounts.login"),
        )
        return
    token = services.make_email_change_token(user, change.new_email, current_app.config["SECRET_KEY"])
    _send(
        user,
        lambda: _("Confirm the new address of your learn-habitat account"),
        "accounts/email/change_email.txt",
        to=change.new_email,
        new_email=change.new_email,
        confirm_url=external_url("accounts.confirm_email_change", token=token),
    )


def deliver_email_changed_notice(user_id: int, old_email: str, changed_at) -> None:
    """Background job: tell the old address that the account moved to a new one (and when)."""
    user = db.session.get(User, user_id)
    if user is None:
        return
    _send(
        user,
        lambda: _("The address of your learn-habitat account was changed"),
        "accounts/email/email_changed.txt",
        to=old_email,
        new_email=user.email,
        changed_at=changed_at,
    )
