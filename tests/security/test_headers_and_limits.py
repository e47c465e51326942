"""Security by default: response headers, no inline script, cookies, and rate limits shared across servers."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import uuid

import pytest

from learn_habitat import create_app
from learn_habitat.extensions import db
from tests.conftest import PASSWORD, PROJECT_ROOT, make_user

PAGES = [
    "/",
    "/courses/adequate-housing/",
    "/courses/adequate-housing/housing-as-a-human-right",
    "/courses/adequate-housing/quiz-the-right-to-adequate-housing",
    "/dashboard",
    "/profile",
    "/profile/developer",
    "/profile/delete",
    "/account-needed?next=/courses/adequate-housing/",
    "/admin/",
    "/admin/courses/adequate-housing/",
    "/admin/courses/adequate-housing/learners",
    "/admin/export",
    "/admin/translations",
    "/admin/audit",
    "/login",
    "/register",
    "/password/forgot",
    "/nowhere",
]


def test_every_page_sends_the_security_headers_and_no_inline_script(client, admin):
    client.post("/courses/adequate-housing/enrol")
    for path in PAGES:
        response = client.get(path)
        assert response.status_code in (200, 302, 404), path
        policy = response.headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert directives["frame-ancestors"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path  # no inline event handlers either


def test_api_and_health_send_nosniff(client):
    for path in ("/healthz", "/api/v1/courses", "/api/v1/openapi.json"):
        assert client.get(path).headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_secure_behind_https(app_config):
    app_config["SESSION_COOKIE_SECURE"] = True
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    make_user(app)
    response = app.test_client().post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


SECOND_SERVER = """
import sys
from learn_habitat import create_app
app = create_app({config!r})
client = app.test_client()
print(client.post("/login", data={{"email": sys.argv[1], "password": "wrong password!!"}}).status_code)
"""


@pytest.mark.parametrize("storage", ["redis://127.0.0.1:6379/15", "memory://"])
def test_rate_limits_hold_across_app_server_processes_only_with_redis(app_config, storage):
    """Failed sign-ins counted by one app server stop the same account on another server process,
    when they share Redis; with the memory store (the default for one machine) each process counts alone."""
    if storage.startswith("redis") and not redis_available():
        pytest.skip("no Redis at 127.0.0.1:6379 (the shared rate-limit store)")
    email = f"victim-{uuid.uuid4().hex[:12]}@example.org"  # fresh counts on every run
    settings = {
        "INSTANCE_PATH": app_config["INSTANCE_PATH"],
        "DATABASE_URL": app_config["DATABASE_URL"],
        "COURSES_DIR": app_config["COURSES_DIR"],
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage,
        "LOGIN_RATE_LIMIT": "100 per minute",
        "ACCOUNT_RATE_LIMIT": "3 per minute",
    }
    first = create_app(settings)
    with first.app_context():
        db.create_all()
    try:
        data = {"email": email, "password": "wrong password!!"}
        assert [first.test_client().post("/login", data=data).status_code for _ in range(3)] == [
            401,
            401,
            401,
        ]
        second = subprocess.run(
            [sys.executable, "-c", SECOND_SERVER.format(config=settings), email],
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            check=True,
        )
        assert second.stdout.strip() == ("429" if storage.startswith("redis") else "401")
    finally:
        with first.app_context():
            db.drop_all()
            db.engine.dispose()


def test_api_token_endpoint_is_rate_limited_per_account(app_config):
    app_config.update(
        RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute", ACCOUNT_RATE_LIMIT="2 per minute"
    )
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    body = {"email": "victim@example.org", "password": "wrong password!!"}
    statuses = [client.post("/api/v1/tokens", json=body).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    response = client.post("/api/v1/tokens", json=body)
    assert response.get_json()["error"]["code"] == "rate_limited"
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_ids_beyond_the_database_range_are_not_found_not_a_crash(client, admin):
    huge = 2**70
    assert client.post(f"/profile/tokens/{huge}/revoke").status_code == 404
    assert client.post(f"/admin/courses/adequate-housing/enrolments/{huge}/delete").status_code == 404
    assert (
        client.get(f"/courses/adequate-housing/quiz-housing-policy-and-finance/attempts/{huge}").status_code
        == 404
    )
