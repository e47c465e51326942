"""The cookies of a launch, at the HTTP level: over https the state cookie and the session a launch starts
are SameSite=None; Secure; Partitioned, so a browser that blocks third-party cookies keeps them in the
platform's frame (CHIPS); the site's own sign-in and anything over plain http are left as they were.
tests/lti/test_framed_launch_browser.py shows the same in Chromium."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import PASSWORD, make_user
from tests.lti.platform import LEARNER

pytestmark = pytest.mark.filterwarnings(
    # pylti1p3 and lti1p3platform hash ids with md5 and build URLs the old way; nothing of ours.
    "ignore::DeprecationWarning:pylti1p3.*",
    "ignore::DeprecationWarning:lti1p3platform.*",
)

HTTPS = "https://localhost"
COURSE = "adequate-housing"
FRAMED = {"Secure", "SameSite=None", "Partitioned", "HttpOnly"}


@pytest.fixture(autouse=True)
def served_over_https(app_config):
    """The site behind https, configured as its docs say (Secure session cookies)."""
    app_config["PUBLIC_URL"] = HTTPS
    app_config["SESSION_COOKIE_SECURE"] = True


@pytest.fixture
def https_platform(platform):
    """The platform, with the tool registered at its https address."""
    platform.registration = platform.make_registration(HTTPS)
    return platform


def set_cookies(response, name_prefix: str) -> list[str]:
    """The response's Set-Cookie headers for cookies whose name starts with ``name_prefix``, in order."""
    return [value for value in response.headers.getlist("Set-Cookie") if value.startswith(name_prefix)]


def attributes(set_cookie: str) -> set[str]:
    """A Set-Cookie header's attributes as written (``SameSite=None``, ``Partitioned``), without values
    for Max-Age, Expires and Path."""
    parts = (part.strip() for part in set_cookie.split(";")[1:])
    return {
        part.split("=", 1)[0] if part.split("=", 1)[0] in ("Max-Age", "Expires") else part for part in parts
    }


def login(client, platform, scheme="https", user_id="student-1"):
    """The platform's login initiation, sent to the tool over ``scheme``: the tool's answer."""
    initiation = platform.login_initiation(user_id)
    path = initiation[len(HTTPS) :]
    assert initiation.startswith(HTTPS + "/lti/login?")
    return client.get(path, base_url=f"{scheme}://localhost")


def authentication_response(platform, login_answer, user_id="student-1") -> dict:
    """What the platform posts back to the tool after the login's redirect."""
    assert login_answer.status_code == 302, login_answer.get_data(as_text=True)
    auth_request = login_answer.headers["Location"]
    assert dict(parse_qsl(urlsplit(auth_request).query))["redirect_uri"] == HTTPS + "/lti/launch"
    form = platform.authenticate(auth_request, user_id, [LEARNER], custom={"course": COURSE})
    return {"id_token": form["id_token"], "state": form["state"]}


def launch(client, platform, scheme="https"):
    """A whole launch over ``scheme``: the login's answer and the launch's."""
    answer = login(client, platform, scheme)
    posted = authentication_response(platform, answer)
    return answer, client.post("/lti/launch", data=posted, base_url=f"{scheme}://localhost")


def test_the_login_over_https_sets_a_partitioned_state_cookie(client, https_platform):
    answer = login(client, https_platform)
    [state] = set_cookies(answer, "lti1p3-state-")
    assert FRAMED | {"Path=/", "Max-Age"} <= attributes(state)
    assert "Max-Age=300" in state


def test_a_launch_over_https_starts_a_partitioned_session_that_the_next_pages_keep(client, https_platform):
    _, answer = launch(client, https_platform)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    [session_cookie] = set_cookies(answer, "session=")
    assert attributes(session_cookie) >= FRAMED

    # The course's first lesson shows the launch's message (so the session is written again) to the
    # learner, signed in.
    page = client.get(urlsplit(answer.headers["Location"]).path, base_url=HTTPS, follow_redirects=True)
    assert page.status_code == 200
    assert "Sign out" in page.get_data(as_text=True)
    rewritten = set_cookies(page, "session=")
    assert rewritten and attributes(rewritten[-1]) >= FRAMED
    page = client.get("/dashboard", base_url=HTTPS)
    assert page.status_code == 200 and "Sign out" in page.get_data(as_text=True)


def test_over_plain_http_no_cookie_is_partitioned(client, https_platform):
    login_answer, answer = launch(client, https_platform, scheme="http")
    [state] = set_cookies(login_answer, "lti1p3-state-")
    [session_cookie] = set_cookies(answer, "session=")
    assert not {"Partitioned", "SameSite=None", "Secure"} & attributes(state)
    assert "SameSite=Lax" in attributes(session_cookie)
    assert not {"Partitioned", "SameSite=None"} & attributes(session_cookie)


def test_a_sign_in_on_the_site_over_https_keeps_its_lax_unpartitioned_cookie(app, client):
    make_user(app)
    answer = client.post(
        "/login", data={"email": "learner@example.org", "password": PASSWORD}, base_url=HTTPS
    )
    assert answer.status_code == 302
    [session_cookie] = set_cookies(answer, "session=")
    assert {"Secure", "SameSite=Lax", "HttpOnly"} <= attributes(session_cookie)
    assert not {"Partitioned", "SameSite=None"} & attributes(session_cookie)
    page = client.get("/dashboard", base_url=HTTPS)
    assert "Sign out" in page.get_data(as_text=True)
    assert all("Partitioned" not in cookie for cookie in set_cookies(page, "session="))


def test_a_launch_first_expires_a_session_cookie_made_before_framed_cookies_were_partitioned(
    client, https_platform
):
    # A browser sends such a cookie beside the partitioned one, first, and the tool would read it instead.
    client.set_cookie("session", "earlier")
    _, answer = launch(client, https_platform)
    expired, current = set_cookies(answer, "session=")
    assert expired.startswith("session=;") and "Max-Age=0" in expired
    assert {"Secure", "SameSite=None"} <= attributes(expired) and "Partitioned" not in attributes(expired)
    assert attributes(current) >= FRAMED
    page = client.get(urlsplit(answer.headers["Location"]).path, base_url=HTTPS, follow_redirects=True)
    assert "Sign out" in page.get_data(as_text=True)


def test_a_launch_whose_state_cookie_did_not_come_back_offers_the_login_again_in_a_new_window(
    app, https_platform
):
    # The frame's browser refused the state cookie, partitioned or not: the launch arrives without it.
    frame = app.test_client(use_cookies=False)
    posted = authentication_response(https_platform, login(frame, https_platform))
    refused = frame.post("/lti/launch", data=posted, base_url=HTTPS)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Open in a new window" in text and 'target="_blank"' in text
    retry = html.unescape(re.search(r'href="(/lti/login\?[^"]+)" target="_blank"', text).group(1))

    # In the new window, top level, the cookies are first-party: the same login, started again, signs in.
    window = app.test_client()
    answer = window.get(retry, base_url=HTTPS)
    posted = authentication_response(https_platform, answer)
    launched = window.post("/lti/launch", data=posted, base_url=HTTPS)
    assert launched.status_code == 302
    page = window.get(urlsplit(launched.headers["Location"]).path, base_url=HTTPS, follow_redirects=True)
    assert "Sign out" in page.get_data(as_text=True)


def test_signing_out_inside_the_frame_keeps_the_framed_cookie_and_framing(client, https_platform):
    # The sign-out's redirect opens in the platform's frame: its cookie must replace the partitioned one
    # (a Lax cookie would be refused there, leaving the old one) and the page must still be frameable.
    _, answer = launch(client, https_platform)
    client.get(urlsplit(answer.headers["Location"]).path, base_url=HTTPS, follow_redirects=True)
    signed_out = client.post("/logout", base_url=HTTPS)
    assert signed_out.status_code == 302
    *_, session_cookie = set_cookies(signed_out, "session=")  # after the expiry of an unpartitioned copy
    assert attributes(session_cookie) >= FRAMED
    page = client.get("/", base_url=HTTPS)
    text = page.get_data(as_text=True)
    assert "You are signed out." in text and "Sign out" not in text
    assert https_platform.base in page.headers["Content-Security-Policy"]
