"""Friendly error pages and the security headers every response carries."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error_page(code: int):
    """The title and explanation of a styled error page, or ``None`` to keep Werkzeug's own."""
    pages = {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Not allowed"), _("You do not have access to this page.")),
        404: (_("Page not found"), _("There is no page at this address.")),
        405: (_("Not allowed"), _("This page cannot be used that way.")),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many attempts"), _("Please wait a minute before trying again.")),
    }
    return pages.get(code)


def init_app(app) -> None:
    """Register the error handlers and response headers."""

    @app.teardown_appcontext
    def release_connection(error):
        """End the request's transaction. If the database dropped the connection meanwhile, the server has
        rolled the transaction back already: discard the connection rather than fail an answered request.
        (Registered after Flask-SQLAlchemy's own teardown, so it runs first.)"""
        from learn_habitat.database import end_transaction
        from learn_habitat.extensions import db

        try:
            end_transaction(db.session, error)
        except (OperationalError, InterfaceError, DisconnectionError):
            db.session().invalidate()

    @app.errorhandler(HTTPException)
    def http_error(error):
        """API errors as JSON; pages as a styled page with a plain explanation."""
        if _wants_json():
            from learn_habitat.api.routes import error_response

            code = {413: "too_large", 429: "rate_limited", 400: "bad_request"}.get(
                error.code, (error.name or "error").lower().replace(" ", "_")
            )
            return error_response(error.code, code, error.description or error.name)
        page = _error_page(error.code)
        # A Host refused by TRUSTED_HOSTS leaves no URL adapter, so no page with links can be built.
        if page is None or isinstance(error, SecurityError):
            return error
        title, message = page
        return render_template("errors/error.html", title=title, message=message), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def database_unavailable(error):
        """The database is away (restarting, network): say so plainly, and let the client retry."""
        from flask import g

        from learn_habitat.extensions import db

        # Pages must not look up the signed-in user while the database is away: Flask-Login keeps
        # the loaded user in g._login_user, so an anonymous one there means no query.
        g._login_user = app.login_manager.anonymous_user()
        app.logger.warning("database unavailable: %s", error.__class__.__name__)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection may already be gone; the pool replaces it
            db.session.remove()
        headers = {"Retry-After": "5"}
        if _wants_json():
            from learn_habitat.api.routes import error_response

            response = error_response(
                503, "service_unavailable", "The service is briefly unavailable; try again."
            )
            response.headers.update(headers)
            return response
        return (
            render_template(
                "errors/error.html",
                title=_("Back in a moment"),
                message=_(
                    "The site cannot reach its database just now. Your progress so far is safe; please try again in a few seconds."
                ),
            ),
            503,
            headers,
        )

    @app.errorhandler(500)
    def server_error(_error):
        from learn_habitat.extensions import db

        db.session.rollback()
        if _wants_json():
            from learn_habitat.api.routes import error_response

            return error_response(500, "server_error", "Something went wrong on our side.")
        return render_template(
            "errors/error.html",
            title=_("Something went wrong"),
            message=_("The page could not be shown. Please try again in a moment."),
        ), 500

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
