"""Accounts: register, sign in, reset a password by mail, roles, CSRF and rate limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from learn_habitat import create_app
from learn_habitat.accounts.models import User
from learn_habitat.cli import main
from learn_habitat.extensions import db
from tests.conftest import PASSWORD, mailed_link, make_user, wait_for_background_jobs


def test_passwords_are_stored_with_a_slow_hash(app):
    make_user(app)
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_register_with_bad_values_shows_errors_not_a_crash(client):
    response = client.post("/register", data={"name": "", "email": "not-an-email", "password": "short"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    response = client.post(
        "/register", data={"name": "X", "email": "not-an-email", "password": PASSWORD, "language": "en"}
    )
    assert response.status_code == 422


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    make_user(app)
    wrong = client.post("/login", data={"email": "learner@example.org", "password": "wrong password!!"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "wrong password!!"})
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or password is not right." in wrong.get_data(as_text=True)
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong) == strip(unknown)


def test_login_redirects_only_to_this_site(app, client):
    make_user(app)
    data = {"email": "learner@example.org", "password": PASSWORD}
    assert client.post("/login?next=//evil.example/x", data=data).headers["Location"] == "/dashboard"
    client.post("/logout")
    assert client.post("/login?next=https://evil.example/", data=data).headers["Location"] == "/dashboard"
    client.post("/logout")
    assert (
        client.post("/login?next=/courses/adequate-housing/", data=data).headers["Location"]
        == "/courses/adequate-housing/"
    )


def test_password_reset_by_mailed_link(app, client):
    make_user(app)
    response = client.post("/password/forgot", data={"email": "learner@example.org"})
    assert response.status_code == 302
    link = mailed_link(app, "learner@example.org", "/password/reset/")
    assert len(list(Path(app.config["MAIL_FILE_PATH"]).iterdir())) == 1

    other_session = app.test_client()
    other_session.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    assert other_session.get("/dashboard").status_code == 200

    new_password = "another long password"
    response = client.post(link, data={"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert client.post("/logout").status_code == 302
    assert (
        client.post("/login", data={"email": "learner@example.org", "password": new_password}).status_code
        == 302
    )
    # The old session ends with the old password, and the link works only once.
    assert other_session.get("/dashboard").status_code == 302
    assert client.get(link).status_code == 302


def test_reset_request_for_unknown_email_sends_nothing_and_says_the_same(app, client):
    make_user(app)
    known = client.post("/password/forgot", data={"email": "learner@example.org"}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "ghost@example.org"}, follow_redirects=True)
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    wait_for_background_jobs()
    assert len(list(Path(app.config["MAIL_FILE_PATH"]).iterdir())) == 1


def test_expired_or_forged_reset_links_are_refused(app):
    from learn_habitat.accounts import services

    make_user(app)
    with app.app_context():
        user = db.session.scalar(db.select(User))
        token = services.make_reset_token(user, "test-secret-key")
        with pytest.raises(services.AccountError, match="expired"):
            services.user_for_reset_token(token, "test-secret-key", max_age=-1)
        with pytest.raises(services.AccountError):
            services.user_for_reset_token(token + "x", "test-secret-key")
        with pytest.raises(services.AccountError):
            services.user_for_reset_token(token, "another-secret")


def test_profile_changes_name_and_language(client, learner):
    response = client.post("/profile", data={"name": "Lea New", "language": "fr"})
    assert response.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert "Lea New" in page
    assert '<html lang="fr"' in page


def test_tokens_are_created_and_revoked_in_the_profile(app, client, learner):
    page = client.post("/profile/tokens", data={"name": "my script"}).get_data(as_text=True)
    token = re.search(r'<code class="token">(lh_[^<]+)</code>', page).group(1)
    assert (
        client.get("/api/v1/me/enrolments", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    with app.app_context():
        token_id = db.session.scalar(db.select(db.text("id FROM access_token")))
    client.post(f"/profile/tokens/{token_id}/revoke")
    assert (
        client.get("/api/v1/me/enrolments", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_create_admin_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        main, args=["create-admin", "boss@example.org", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.org" in result.output
    make_user(app, "later@example.org")
    result = runner.invoke(main, args=["create-admin", "later@example.org"])
    assert "Promoted admin later@example.org" in result.output
    with app.app_context():
        roles = dict(db.session.execute(db.select(User.email, User.role)).all())
    assert roles == {"boss@example.org": "admin", "later@example.org": "admin"}
    result = runner.invoke(
        main, args=["create-admin", "weak@example.org", "--password-stdin"], input="short\n"
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output


@pytest.fixture
def strict_app(app_config):
    """An app with CSRF protection and rate limits on, as in production."""
    app_config.update(
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="3 per minute",
        ACCOUNT_RATE_LIMIT="2 per minute",
    )
    strict = create_app(app_config)
    with strict.app_context():
        db.create_all()
    yield strict
    with strict.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/register",
        "/login",
        "/logout",
        "/password/forgot",
        "/profile/tokens",
        "/courses/adequate-housing/enrol",
        "/courses/adequate-housing/unenrol",
        "/admin/courses/adequate-housing/enrolments",
    ],
)
def test_every_form_post_without_a_csrf_token_is_refused(strict_app, path):
    response = strict_app.test_client().post(path, data={"email": "a@example.org"})
    assert response.status_code == 400


def test_login_is_rate_limited_per_ip_and_per_account(strict_app):
    client = strict_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"email": "victim@example.org", "password": "guess guess guess", "csrf_token": csrf}
    assert [client.post("/login", data=data).status_code for _ in range(3)] == [401, 401, 429]

    # Another IP guessing the same account is limited by the account limit.
    other = strict_app.test_client()
    page = other.get("/login", environ_base={"REMOTE_ADDR": "10.9.9.9"}).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = other.post(
        "/login", data={**data, "csrf_token": csrf}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert response.status_code == 429


def test_session_cookie_is_httponly_and_samesite(client, app):
    make_user(app)
    response = client.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
