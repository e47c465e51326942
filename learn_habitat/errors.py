"""Friendly error pages and the security headers every response carries."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


def init_app(app) -> None:
    """Register the error handlers and response headers."""

    @app.errorhandler(404)
    def not_found(_error):
        return render_template(
            "errors/error.html", title=_("Page not found"), message=_("There is no page at this address.")
        ), 404

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return render_template(
            "errors/error.html", title=_("Not allowed"), message=_("This page cannot be used that way.")
        ), 405

    @app.errorhandler(500)
    def server_error(_error):
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
