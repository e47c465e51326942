"""Learning forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import Length, Optional


class EnrolForm(FlaskForm):
    key = PasswordField(_l("Enrolment key"), validators=[Optional(), Length(max=100)])
