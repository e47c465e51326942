"""Messages sent to users, through Flask-Mailman (file outbox by default, SMTP by configuration)."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage

from learn_habitat.accounts.models import User


def send_password_reset(user: User, reset_url: str) -> None:
    """Mail the user a link to choose a new password, in their language."""
    with force_locale(user.language):
        body = render_template("accounts/email/reset_password.txt", user=user, reset_url=reset_url)
        subject = _("Reset your learn-habitat password")
    EmailMessage(subject=subject, body=body, to=[user.email]).send()
