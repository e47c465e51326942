"""Account forms (Flask-WTF: every one carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from learn_habitat.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from learn_habitat.content import SUPPORTED_LANGUAGES


def language_choices():
    from learn_habitat.i18n import language_name

    return [(code, language_name(code)) for code in SUPPORTED_LANGUAGES]


class RegisterForm(FlaskForm):
    # Only "is it there" here, in plain words; every other rule is the service's, which checks every field
    # at once (services.prepare_registration), so all the problems show together.
    name = StringField(
        _l("Full name (as it should appear on certificates)"),
        validators=[DataRequired(_l("Enter your full name."))],
    )
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address."))])
    password = PasswordField(
        _l("Password (at least %(count)d characters)", count=MIN_PASSWORD_LENGTH),
        validators=[DataRequired(_l("Choose a password."))],
    )
    language = SelectField(_l("Preferred language"), choices=language_choices, default="en")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ConfirmEmailForm(FlaskForm):
    password = PasswordField(
        _l("The password you chose"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    password = PasswordField(
        _l("New password (at least %(count)d characters)", count=MIN_PASSWORD_LENGTH),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (at least %(count)d characters)", count=MIN_PASSWORD_LENGTH),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Preferred language"), choices=language_choices)


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=[DataRequired(_l("Enter your email address."))])
    password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""
