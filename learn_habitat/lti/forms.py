"""LTI forms: registering a platform, and the deep linking choice."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class PlatformForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=120)])
    issuer = StringField(_l("Issuer (platform ID)"), validators=[DataRequired(), Length(max=255)])
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    deployment_ids = TextAreaField(_l("Deployment IDs (one a line)"), validators=[DataRequired()])
    login_url = StringField(_l("Authentication request URL"), validators=[DataRequired(), Length(max=1000)])
    token_url = StringField(_l("Access token URL"), validators=[DataRequired(), Length(max=1000)])
    jwks_url = StringField(_l("Public keyset URL"), validators=[DataRequired(), Length(max=1000)])
    frame_origins = StringField(_l("Origins that frame the site (optional)"), validators=[Length(max=1000)])


class DeleteForm(FlaskForm):
    """Only the CSRF token."""
