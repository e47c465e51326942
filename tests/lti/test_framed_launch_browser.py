"""LTI 1.3 launches inside a partner LMS's iframe, in a real Chromium.

The platform (tests/lti/platform.py) serves http://127.0.0.1 and the tool https://localhost, with a
certificate made here: the two are cross-site, so the browser applies SameSite and third-party cookie rules
as it does between a school's LMS and learn-habitat. The tool is served over https because that is what
makes it send SameSite=None; Secure; Partitioned cookies (framing.py, launch.py); over plain http its
cookies stay Lax and a framed launch cannot keep them, as intended. Every step goes through the browser: the
platform's iframe posts the login initiation, the tool redirects the frame to the platform's authentication
endpoint, which posts the id_token back, and the learner works inside the frame.

Whether Chromium keeps third-party cookies is its ``cookie_controls_mode`` setting, written into a fresh
profile per test: allowed (Chrome's ordinary windows) or blocked (its incognito windows). Blocked, it still
keeps partitioned cookies (CHIPS), kept apart per top-level site, so the launch works in the frame as well.
A browser that refuses the tool's cookies in the frame altogether, partitioned ones too, is made by a cookie
exception of the profile (the tool's site blocked under the platform's); there the launch page offers to
continue in a new window.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from urllib.parse import quote, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from playwright.sync_api import expect
from werkzeug.serving import make_server

from learn_habitat import create_app
from learn_habitat.extensions import db
from tests.browser.test_journeys import submit_quiz
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, wait_for_background_jobs
from tests.lti.conftest import register_with_tool
from tests.lti.platform import Platform, wait_until

pytestmark = pytest.mark.filterwarnings(
    # pylti1p3 and lti1p3platform hash ids with md5 and build URLs the old way; nothing of ours.
    "ignore::DeprecationWarning:pylti1p3.*",
    "ignore::DeprecationWarning:lti1p3platform.*",
)

COURSE = "adequate-housing"
LEARNER_ID = "student-1"
# Chromium's cookie controls setting: 0 keeps third-party cookies, 1 blocks them.
ALLOW_THIRD_PARTY_COOKIES, BLOCK_THIRD_PARTY_COOKIES = 0, 1


def tls_context(folder) -> ssl.SSLContext:
    """A server context with a self-signed certificate for localhost, made now."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "tool.crt", folder / "tool.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.fixture
def tool(app_config, tmp_path):
    """learn-habitat on a fresh database, served over https on localhost, CSRF protection on."""
    app_config["WTF_CSRF_ENABLED"] = True  # framed forms must carry the session's token, as in production
    app_config["PUBLIC_URL"] = "https://localhost"
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=tls_context(tmp_path))
    app.config["PUBLIC_URL"] = f"https://localhost:{server.server_port}"  # the port is known only now
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(timeout=10)
    wait_for_background_jobs()  # no score may still be sent from the database being dropped
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def lms(tool):
    """The partner LMS on 127.0.0.1, registered with the tool (and the tool with it)."""
    from learn_habitat.lti import keys

    platform = Platform(keys.public_jwks(tool.instance_path), tool_base=tool.config["PUBLIC_URL"])
    register_with_tool(tool, platform, "Partner LMS")
    yield platform
    platform.close()


@pytest.fixture
def chromium(browser, tmp_path):
    """Open a Chromium window on a fresh profile that keeps or blocks third-party cookies, and refuses
    every cookie of the sites ``refuse_cookies`` pairs with a top-level site: {site: top-level site}."""
    contexts = []

    def open_window(cookie_controls_mode: int, refuse_cookies: dict | None = None):
        profile = tmp_path / f"chromium-profile-{len(contexts)}"
        (profile / "Default").mkdir(parents=True)
        preferences = {"cookie_controls_mode": cookie_controls_mode}
        if refuse_cookies:
            # Chromium's cookie exceptions: "primary,secondary" is the cookie's site and the top-level
            # site it is used under; 2 blocks (what "Sites that can't use cookies" writes).
            preferences["content_settings"] = {
                "exceptions": {
                    "cookies": {f"{site},{top}": {"setting": 2} for site, top in refuse_cookies.items()}
                }
            }
        (profile / "Default" / "Preferences").write_text(json.dumps({"profile": preferences}))
        context = browser.browser_type.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            ignore_https_errors=True,  # the tool's certificate is the test's own
            viewport={"width": 1000, "height": 900},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_window
    for context in contexts:
        context.close()


def record_responses(context, origin: str) -> list:
    """The responses from ``origin`` to any frame of any page of ``context``, as they come."""
    seen = []
    context.on(
        "response", lambda response: seen.append(response) if response.url.startswith(origin) else None
    )
    return seen


def response_to(responses, path: str):
    """The last response whose path is ``path``."""
    found = [response for response in responses if urlsplit(response.url).path == path]
    assert found, f"no response to {path} among {[r.url for r in responses]}"
    return found[-1]


def frame_ancestors(response) -> list[str]:
    """The sources of the response's frame-ancestors directive."""
    for directive in response.headers.get("content-security-policy", "").split(";"):
        name, *sources = directive.split()
        if name == "frame-ancestors":
            return sources
    return []


def tool_frame(page):
    """The platform page's activity frame."""
    return page.frame(name="activity")


def test_a_launch_in_the_platforms_frame_signs_the_learner_in_there_and_their_score_reaches_the_platform(
    tool, lms, chromium, shipped_library
):
    course = shipped_library.get(COURSE)
    tool_url = tool.config["PUBLIC_URL"]
    context = chromium(ALLOW_THIRD_PARTY_COOKIES)
    # A session cookie as the tool set it in frames before it partitioned them: had it stayed, the
    # browser would send it first, beside the partitioned one, and the learner would seem signed out.
    context.add_cookies(
        [{"name": "session", "value": "earlier", "url": tool_url, "secure": True, "sameSite": "None"}]
    )
    responses = record_responses(context, tool_url)
    page = context.new_page()
    course_page = lms.course_page(LEARNER_ID, {"course": COURSE})
    page.goto(course_page)

    activity = page.frame_locator("iframe[name=activity]")
    first, second, quiz_id = course.lesson_ids[:3]
    expect(activity.locator("h1")).to_have_text(course.lesson(first, "en").title)
    expect(activity.get_by_role("button", name="Sign out")).to_be_visible()
    assert tool_frame(page).url == f"{tool_url}/courses/{COURSE}/{first}"
    assert page.url == course_page  # the platform's page stayed where it was, around the frame

    [session_cookie] = [cookie for cookie in context.cookies(tool_url) if cookie["name"] == "session"]
    assert session_cookie["sameSite"] == "None" and session_cookie["secure"]
    assert session_cookie["partitionKey"] == "{0.scheme}://{0.hostname}".format(urlsplit(lms.base))

    # Inside the frame the learner moves on, still signed in, and passes a quiz (a form with a CSRF token).
    activity.locator("a[rel=next]").first.click()
    expect(activity.locator("h1")).to_have_text(course.lesson(second, "en").title)
    activity.locator("a[rel=next]").first.click()
    expect(activity.locator("h1")).to_have_text(course.lesson(quiz_id, "en").title)
    quiz = course.lesson(quiz_id, "en").activity
    assert "result-pass" in submit_quiz(tool_frame(page), quiz, right=True)
    activity.get_by_role("link", name="My learning").click()
    expect(activity.locator("main")).to_contain_text(course.title("en"))
    assert page.url == course_page
    # Every answer the frame was sent to, redirects included, let the platform frame it.
    pages = [response for response in responses if response.request.is_navigation_request()]
    visited = {urlsplit(response.url).path for response in pages}
    assert visited >= {"/lti/login", "/lti/launch", f"/courses/{COURSE}/{first}", "/dashboard"}
    assert [response.url for response in pages if lms.base not in frame_ancestors(response)] == []

    # The attempt queued the course's score, which the tool posted to the platform's line item.
    assert wait_until(lambda: lms.scores), "no score reached the platform"
    score = lms.scores[-1]
    assert score["userId"] == LEARNER_ID and score["scoreMaximum"] == 100
    lessons_done = 3  # two pages read and a quiz passed, of the course's lessons
    assert score["scoreGiven"] == round(100 * lessons_done / len(course.lesson_ids), 2)
    assert score["activityProgress"] == "InProgress" and score["gradingProgress"] == "Pending"


def test_only_a_registered_platform_may_frame_the_tool(tool, lms, chromium):
    tool_url = tool.config["PUBLIC_URL"]
    context = chromium(ALLOW_THIRD_PARTY_COOKIES)
    page = context.new_page()
    page.goto(lms.course_page(LEARNER_ID, {"course": COURSE}))
    expect(page.frame_locator("iframe[name=activity]").get_by_role("button", name="Sign out")).to_be_visible()
    lesson_url = tool_frame(page).url

    # Another LMS, which no admin registered here, on an origin of its own.
    stranger = Platform(lms.tool_jwks, tool_base=tool_url)
    try:
        for url in (lesson_url, f"{tool_url}/lti/login"):
            page.goto(f"{lms.base}/embed?src={quote(url, safe='')}")
            framed = page.frame_locator("iframe")
            expect(framed.locator("main h1")).to_be_visible()
            assert page.frames[1].url == url

            with page.expect_response(url) as answered:
                page.goto(f"{stranger.base}/embed?src={quote(url, safe='')}")
            # The tool answered, with a policy naming the platform only, and the browser would not show it.
            answer = answered.value
            assert lms.base in frame_ancestors(answer) and stranger.base not in frame_ancestors(answer)
            expect(framed.locator(".error-code")).to_have_text("ERR_BLOCKED_BY_RESPONSE")
            expect(framed.locator("main")).to_have_count(0)
    finally:
        stranger.close()


def set_cookies(response) -> dict[str, str]:
    """The Set-Cookie headers of a response, by cookie name."""
    return {
        value.split("=", 1)[0]: value
        for value in (h["value"] for h in response.headers_array() if h["name"].lower() == "set-cookie")
    }


def cookie_attributes(set_cookie: str) -> set[str]:
    """The attributes of a Set-Cookie header, each as written (``SameSite=None``, ``Partitioned``)."""
    return {part.strip() for part in set_cookie.split(";")[1:]}


def test_when_third_party_cookies_are_blocked_the_launch_keeps_partitioned_cookies_in_the_frame(
    tool, lms, chromium, shipped_library
):
    course = shipped_library.get(COURSE)
    lesson_id, next_id = course.lesson_ids[1:3]
    tool_url = tool.config["PUBLIC_URL"]
    context = chromium(BLOCK_THIRD_PARTY_COOKIES)
    responses = record_responses(context, tool_url)
    page = context.new_page()
    course_page = lms.course_page(LEARNER_ID, {"course": COURSE, "lesson": lesson_id})
    page.goto(course_page)

    activity = page.frame_locator("iframe[name=activity]")
    expect(activity.locator("h1")).to_have_text(course.lesson(lesson_id, "en").title)
    expect(activity.get_by_role("button", name="Sign out")).to_be_visible()
    assert tool_frame(page).url == f"{tool_url}/courses/{COURSE}/{lesson_id}"
    assert page.url == course_page

    # What the tool sent: the state cookie and the session cookie, both partitioned.
    state = set_cookies(response_to(responses, "/lti/login"))
    [state_name] = [name for name in state if name.startswith("lti1p3-state-")]
    session_cookie = set_cookies(response_to(responses, "/lti/launch"))["session"]
    for sent in (state[state_name], session_cookie):
        assert {"Secure", "SameSite=None", "Partitioned", "HttpOnly"} <= cookie_attributes(sent)
    # What the browser kept: those cookies, in the platform's partition only.
    kept = context.cookies(tool_url)
    assert {cookie["name"] for cookie in kept} == {state_name, "session"}
    platform_site = "{0.scheme}://{0.hostname}".format(urlsplit(lms.base))  # a site has no port
    assert {cookie["partitionKey"] for cookie in kept} == {platform_site}
    assert all(cookie["secure"] and cookie["sameSite"] == "None" for cookie in kept)

    # The learner goes on to the next lesson in the frame, still signed in.
    activity.locator("a[rel=next]").first.click()
    expect(activity.locator("h1")).to_have_text(course.lesson(next_id, "en").title)
    expect(activity.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url == course_page

    # The sign-in lives in the platform's frame only: the tool's own site, top level, has no session.
    window = context.new_page()
    window.goto(f"{tool_url}/courses/{COURSE}/{lesson_id}")
    expect(window.locator("h1")).to_have_text("Create an account to continue")
    expect(window.get_by_role("button", name="Sign out")).to_have_count(0)


def test_when_the_browser_refuses_cookies_in_the_frame_the_launch_goes_on_in_a_new_window(
    tool, lms, chromium, shipped_library
):
    course = shipped_library.get(COURSE)
    lesson_id = course.lesson_ids[1]
    tool_url = tool.config["PUBLIC_URL"]
    # Third-party cookies blocked, and the tool's cookies refused under the platform's site, partitioned
    # ones too (a browser without CHIPS, or a learner who blocked the tool there).
    context = chromium(BLOCK_THIRD_PARTY_COOKIES, refuse_cookies={tool_url: lms.base})
    responses = record_responses(context, tool_url)
    page = context.new_page()
    page.goto(lms.course_page(LEARNER_ID, {"course": COURSE, "lesson": lesson_id}))

    activity = page.frame_locator("iframe[name=activity]")
    expect(activity.locator("h1")).to_have_text("Launch not accepted")
    assert lms.base in frame_ancestors(response_to(responses, "/lti/launch"))
    # The tool did send a partitioned state cookie; the browser kept none of the tool's cookies.
    assert any(
        "Partitioned" in cookie_attributes(value)
        for value in set_cookies(response_to(responses, "/lti/login")).values()
    )
    assert context.cookies(tool_url) == []
    expect(activity.get_by_role("button", name="Sign out")).to_have_count(0)

    with context.expect_page() as opened:
        activity.get_by_role("link", name="Open in a new window").click()
    window = opened.value
    window.wait_for_url(f"{tool_url}/courses/{COURSE}/{lesson_id}")
    expect(window.locator("h1")).to_have_text(course.lesson(lesson_id, "en").title)
    expect(window.get_by_role("button", name="Sign out")).to_be_visible()
    window.locator("a[rel=next]").first.click()
    expect(window.locator("h1")).to_have_text(course.lesson(course.lesson_ids[2], "en").title)
    expect(window.get_by_role("button", name="Sign out")).to_be_visible()
