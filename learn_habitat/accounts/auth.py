"""Flask-Login wiring and the role checks routes use."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learn_habitat.accounts import services


def init_app(app, login_manager) -> None:
    """Load users by the key of a server-side session (from the session cookie or the remember cookie):
    signing out deletes that session, so a copied cookie no longer signs anyone in."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_key):
        return services.user_for_session(session_key)


def admin_required(view):
    """Only admins; others get 403 (guests are sent to sign in)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            from flask import current_app

            return current_app.login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def signed_in_user():
    """The signed-in user, or ``None`` for a guest."""
    return current_user._get_current_object() if current_user.is_authenticated else None
