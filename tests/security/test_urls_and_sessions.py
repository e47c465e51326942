"""Absolute URLs come from PUBLIC_URL, never from the Host header; signing out ends sessions on the server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from learn_habitat import create_app
from learn_habitat.accounts import services
from learn_habitat.extensions import db
from tests.conftest import PASSWORD, PROJECT_ROOT, mailed_link, make_user, wait_for_background_jobs

PUBLIC = "https://learn.example.org"


@pytest.fixture
def public_app(app_config):
    """An app whose public address is https://learn.example.org (and an internal name it also answers to)."""
    app_config.update(PUBLIC_URL=PUBLIC + "/", EXTRA_TRUSTED_HOSTS=["internal.example"], PROXY_FIX_X_FOR=1)
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    wait_for_background_jobs()
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


FORGED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http", "Forwarded": "host=evil.example"}


# Host header -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/api/v1/openapi.json", "/healthz"])
def test_requests_naming_an_untrusted_host_are_refused(public_app, path):
    client = public_app.test_client()
    assert client.get(path, base_url="http://evil.example").status_code == 400
    assert client.get(path, base_url=PUBLIC).status_code == 200


def test_a_reset_asked_for_under_a_forged_host_sends_nothing(public_app):
    make_user(public_app)
    client = public_app.test_client()
    response = client.post(
        "/password/forgot", data={"email": "learner@example.org"}, base_url="http://evil.example"
    )
    assert response.status_code == 400
    wait_for_background_jobs()
    assert not Path(public_app.config["MAIL_FILE_PATH"]).exists()


@pytest.mark.parametrize("host", ["learn.example.org", "internal.example"])
def test_reset_links_point_at_the_public_url_whatever_host_and_forwarded_headers_say(public_app, host):
    make_user(public_app)
    client = public_app.test_client()
    response = client.post(
        "/password/forgot", data={"email": "learner@example.org"}, base_url=f"http://{host}", headers=FORGED
    )
    assert response.status_code == 302
    wait_for_background_jobs()
    [message] = [f.read_text() for f in Path(public_app.config["MAIL_FILE_PATH"]).iterdir()]
    links = re.findall(r"\w+://\S+", message)
    assert links and all(link.startswith(PUBLIC + "/password/reset/") for link in links), links
    assert "evil.example" not in message
    assert host == "learn.example.org" or host not in message


@pytest.mark.parametrize("host", ["learn.example.org", "internal.example"])
def test_openapi_servers_url_is_the_public_url(public_app, host):
    response = public_app.test_client().get("/api/v1/openapi.json", base_url=f"http://{host}", headers=FORGED)
    assert response.get_json()["servers"] == [{"url": PUBLIC}]


def test_certificate_verification_url_is_the_public_url(public_app):
    with public_app.test_request_context("/", base_url="http://internal.example"):
        from flask import render_template_string

        text = render_template_string("{{ external_url('learning.verify_certificate', code='ABC') }}")
    assert text == PUBLIC + "/certificates/ABC"


def test_absolute_urls_keep_a_path_prefix_of_the_public_url(app_config):
    app_config["PUBLIC_URL"] = "https://example.org/learn/"
    app = create_app(app_config)
    with app.app_context():
        from learn_habitat.urls import external_url

        assert external_url("accounts.login") == "https://example.org/learn/login"
        assert (
            external_url("accounts.reset_password", token="t0k.en")
            == "https://example.org/learn/password/reset/t0k.en"
        )
    assert app.config["TRUSTED_HOSTS"] == ["example.org"]


def test_no_code_builds_an_absolute_url_from_the_request():
    # Every absolute URL goes through learn_habitat.urls (PUBLIC_URL); these read the request's Host.
    pattern = re.compile(r"\b_external\s*=|\bhost_url\b|\burl_root\b|request\.host\b|\bSERVER_NAME\b")
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for root in ("learn_habitat", "scorm_export")
        for path in (PROJECT_ROOT / root).rglob("*")
        if path.suffix in {".py", ".html", ".txt", ".xml"} and "translations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_public_url_defaults_to_make_run_and_comes_from_the_environment(tmp_path, monkeypatch):
    config = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/d.db"}
    monkeypatch.delenv("LEARN_HABITAT_PUBLIC_URL", raising=False)
    app = create_app(config)
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    monkeypatch.setenv("LEARN_HABITAT_PUBLIC_URL", "https://Learn.Example.org")
    monkeypatch.setenv("LEARN_HABITAT_EXTRA_TRUSTED_HOSTS", '["10.0.0.7"]')
    app = create_app(config)
    assert app.config["PUBLIC_URL"] == "https://learn.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["learn.example.org", "10.0.0.7"]


@pytest.mark.parametrize(
    "url",
    [
        "learn.example.org",
        "ftp://learn.example.org",
        "https://",
        "https://a.example/?x=1",
        "https://u:p@a.example",
    ],
)
def test_a_malformed_public_url_stops_the_app_from_starting(tmp_path, url):
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "PUBLIC_URL": url})


# Sessions ---------------------------------------------------------------------------------------------


def _copy_cookie(source, target, name="session"):
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    target.set_cookie(name, cookie.value, domain=cookie.domain)


def test_a_copied_session_cookie_stops_working_once_its_owner_signs_out(app, client, auth):
    make_user(app)
    auth.login()
    thief = app.test_client()
    _copy_cookie(client, thief)
    assert thief.get("/dashboard").status_code == 200
    auth.logout()
    assert thief.get("/dashboard").status_code == 302
    assert thief.get("/profile").status_code == 302


def test_signing_out_on_one_device_leaves_the_others_signed_in(app):
    make_user(app)
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    laptop.post("/logout")
    assert laptop.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 200


def test_remember_me_cookie_stops_working_after_sign_out_everywhere(app, client):
    make_user(app)
    response = client.post(
        "/login", data={"email": "learner@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    # A browser with only the remember cookie (its session cookie gone) is signed in by it...
    later = app.test_client()
    _copy_cookie(client, later, "remember_token")
    assert later.get("/dashboard").status_code == 200
    other_device = app.test_client()
    other_device.post("/login", data={"email": "learner@example.org", "password": PASSWORD})

    response = client.post("/profile/sessions/end")
    assert response.status_code == 302
    # ...until the owner signs out everywhere: then no copy of any cookie signs anyone in.
    again = app.test_client()
    _copy_cookie(client if client.get_cookie("remember_token") else later, again, "remember_token")
    for device in (client, later, other_device, again):
        assert device.get("/dashboard").status_code == 302


def test_remember_me_cookie_stops_working_after_sign_out(app, client):
    make_user(app)
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD, "remember": "y"})
    copy = app.test_client()
    _copy_cookie(client, copy, "remember_token")
    client.post("/logout")
    assert copy.get("/dashboard").status_code == 302


def test_sign_out_everywhere_is_a_post_with_a_csrf_token(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    make_user(app)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": csrf})
    profile = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/sessions/end"' in profile
    assert client.get("/profile/sessions/end").status_code == 405
    assert client.post("/profile/sessions/end").status_code == 400  # no token: refused, still signed in
    assert client.get("/dashboard").status_code == 200
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', profile).group(1)
    assert client.post("/profile/sessions/end", data={"csrf_token": csrf}).status_code == 302
    assert client.get("/dashboard").status_code == 302
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _api_token(app, email="learner@example.org"):
    with app.app_context():
        _token, plain = services.create_access_token(services.find_user_by_email(email), "script")
        db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_a_password_reset_ends_every_session_and_revokes_every_api_token(app, client):
    make_user(app)
    token = _api_token(app)
    other = app.test_client()
    other.post("/login", data={"email": "learner@example.org", "password": PASSWORD, "remember": "y"})
    remembered = app.test_client()
    _copy_cookie(other, remembered, "remember_token")
    assert client.get("/api/v1/me/enrolments", headers=token).status_code == 200

    client.post("/password/forgot", data={"email": "learner@example.org"})
    link = mailed_link(app, "learner@example.org", "/password/reset/")
    new_password = "quite another secret 2027"
    assert client.post(link, data={"password": new_password, "confirm": new_password}).status_code == 302

    assert client.get("/api/v1/me/enrolments", headers=token).status_code == 401
    assert other.get("/dashboard").status_code == 302
    assert remembered.get("/dashboard").status_code == 302
    assert client.get("/dashboard").status_code == 200  # the browser that reset it is signed in afresh


def test_a_password_change_ends_other_sessions_and_revokes_api_tokens(app, client, auth):
    make_user(app)
    token = _api_token(app)
    other = app.test_client()
    other.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    auth.login()
    new_password = "quite another secret 2027"

    wrong = client.post(
        "/profile/password",
        data={"current_password": "not it at all", "password": new_password, "confirm": new_password},
    )
    assert wrong.status_code == 422
    assert other.get("/dashboard").status_code == 200
    assert client.get("/api/v1/me/enrolments", headers=token).status_code == 200

    response = client.post(
        "/profile/password",
        data={"current_password": PASSWORD, "password": new_password, "confirm": new_password},
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
    assert client.get("/api/v1/me/enrolments", headers=token).status_code == 401
    assert (
        app.test_client()
        .post("/login", data={"email": "learner@example.org", "password": new_password})
        .status_code
        == 302
    )


def test_the_session_cookie_holds_no_reusable_user_id(app, client, auth):
    # The cookie names a server-side session (its hash is stored), not the user: signing in twice gives
    # two different keys, and the database never holds the key itself.
    make_user(app)
    keys = []
    for _ in range(2):
        auth.login()
        with client.session_transaction() as session:
            keys.append(session["_user_id"])
        auth.logout()
    assert keys[0] != keys[1]
    with app.app_context():
        stored = db.session.scalars(db.text("SELECT key_hash FROM user_session")).all()
    assert not set(keys) & set(stored)
