"""Admin forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class UserEmailForm(FlaskForm):
    email = EmailField(_l("Learner's email"), validators=[DataRequired(), Length(max=254)])


class AuthorForm(FlaskForm):
    email = EmailField(_l("Author's email"), validators=[DataRequired(), Length(max=254)])


class EnrolmentKeyForm(FlaskForm):
    key = PasswordField(_l("New enrolment key"), validators=[DataRequired(), Length(min=4, max=100)])
