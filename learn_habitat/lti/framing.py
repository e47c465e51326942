"""Working inside a platform's iframe: frame-ancestors names the registered platforms, and a session
started by a launch over https uses a SameSite=None; Secure; Partitioned cookie so the framed pages keep it,
also in browsers that block third-party cookies but keep partitioned ones (CHIPS)."""

from __future__ import annotations

import time

from flask import current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import SQLAlchemyError

from learn_habitat.errors import CONTENT_SECURITY_POLICY

ORIGINS_TTL_SECONDS = 30
LTI_SESSION_FLAG = "lti"


def content_security_policy(frame_origins=(), form_action=()) -> str:
    """The site's policy with frame-ancestors widened to ``frame_origins`` and form-action to ``form_action``."""
    policy = CONTENT_SECURITY_POLICY
    if frame_origins:
        policy = policy.replace("frame-ancestors 'self'", "frame-ancestors 'self' " + " ".join(frame_origins))
    if form_action:
        policy = policy.replace("form-action 'self'", "form-action 'self' " + " ".join(form_action))
    return policy


def allowed_frame_origins() -> tuple[str, ...]:
    """The registered platforms' origins, read at most every 30 seconds per process."""
    from learn_habitat.lti.services import frame_origins

    cache = current_app.extensions.setdefault("lti_frame_origins", {})
    if cache.get("until", 0) < time.monotonic():
        try:
            cache["origins"] = frame_origins()
        except SQLAlchemyError:  # a database outage: keep what we knew, the page answers 503 anyway
            return cache.get("origins", ())
        cache["until"] = time.monotonic() + ORIGINS_TTL_SECONDS
    return cache["origins"]


def forget_frame_origins() -> None:
    """Read the origins afresh on the next response (after a registration changed)."""
    current_app.extensions.pop("lti_frame_origins", None)


def launched_session() -> bool:
    """Whether this request's session was started by a launch (even if it was cleared since, by signing out)."""
    return bool(session.get(LTI_SESSION_FLAG) or getattr(session, "launched", False))


class LaunchSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, sent with SameSite=None; Secure; Partitioned when a launch started it over
    https. Browsers send SameSite=Lax cookies to a cross-site iframe only on top-level navigations, and a
    browser that blocks third-party cookies still keeps a partitioned one: a cookie of the platform's site,
    sent back only to frames under that same top-level site, which is where the launch's pages are."""

    def open_session(self, app, request):
        opened = super().open_session(app, request)
        if opened is not None and opened.get(LTI_SESSION_FLAG):
            opened.launched = True  # kept if the session is cleared: see save_session
        return opened

    def _framed(self) -> bool:
        return bool(request.is_secure and launched_session())

    def get_cookie_samesite(self, app):
        return "None" if self._framed() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app):
        return True if self._framed() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app):
        return True if self._framed() else super().get_cookie_partitioned(app)

    def save_session(self, app, session, response):
        """Flask's, first expiring an unpartitioned copy of a framed session's cookie.

        Signing out clears the session, yet the next page still opens in the platform's frame: a session a
        launch started keeps its mark (and so its framed cookie and frame-ancestors) for as long as it lasts.
        """
        if getattr(session, "launched", False) and not session.get(LTI_SESSION_FLAG):
            session[LTI_SESSION_FLAG] = True
        writes = self.should_set_cookie(app, session) if session else session.modified
        if writes and self._framed() and self.get_cookie_name(app) in request.cookies:
            # A framed session's cookie made before it was partitioned would be sent along with the
            # partitioned one, first, and read instead of it. Chromium keeps the two apart and this
            # expires the old one; where a frame has one cookie jar (Firefox) it comes before the new
            # value, so the value stays.
            response.delete_cookie(
                self.get_cookie_name(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=True,
                samesite="None",
                httponly=self.get_cookie_httponly(app),
            )
        super().save_session(app, session, response)


def init_app(app) -> None:
    """Install the session interface and the frame-ancestors header."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = LaunchSessionInterface()

    @app.after_request
    def frame_ancestors(response):
        # Runs before errors.security_headers (registered earlier), which then keeps this policy.
        # Only launches and the pages of a session a launch started are framed by a platform: every other
        # response keeps frame-ancestors 'self' and costs no database read (sign-up and reset must do no
        # database work on the request path, and most pages have a budget of statements).
        framed = request.path.startswith("/lti/") or launched_session()
        if framed and "Content-Security-Policy" not in response.headers:
            origins = allowed_frame_origins()
            if origins:
                response.headers["Content-Security-Policy"] = content_security_policy(origins)
        return response
