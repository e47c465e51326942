"""LTI forms: registering and changing a platform, and linking a platform's account to a local one."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from learn_habitat.accounts.services import MAX_PASSWORD_LENGTH


class EditPlatformForm(FlaskForm):
    """What may change in a registration: everything but the issuer and client id, which name it. Every
    rule is the service's (services.update_platform), which checks all fields at once."""

    name = StringField(_l("Name"))
    deployment_ids = TextAreaField(_l("Deployment IDs (one a line)"))
    login_url = StringField(_l("Authentication request URL"))
    token_url = StringField(_l("Access token URL"))
    jwks_url = StringField(_l("Public keyset URL"))
    frame_origins = StringField(_l("Origins that frame the site (optional)"))


class PlatformForm(EditPlatformForm):
    """A new registration (services.register_platform checks it)."""

    issuer = StringField(_l("Issuer (platform ID)"))
    client_id = StringField(_l("Client ID"))


class LinkAccountForm(FlaskForm):
    """The proof that the person owns the local account: its address and its password (the address alone,
    whatever the platform claims, is never enough)."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])


class DeleteForm(FlaskForm):
    """Only the CSRF token."""
