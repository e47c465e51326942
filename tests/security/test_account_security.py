"""Accounts under attack: weak passwords, look-alike addresses, sign-up and reset that reveal nothing."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from learn_habitat import create_app
from learn_habitat.accounts import mail, services
from learn_habitat.accounts.background import run_in_background
from learn_habitat.accounts.models import User
from learn_habitat.extensions import db
from tests.conftest import PASSWORD, mailed_link, make_user, sign_up, wait_for_background_jobs

SIGN_UP = {"name": "Amina Diallo", "password": PASSWORD, "language": "en"}


def outbox(app) -> list[str]:
    wait_for_background_jobs()
    folder = Path(app.config["MAIL_FILE_PATH"])
    return [f.read_text(encoding="utf-8") for f in folder.iterdir()] if folder.is_dir() else []


def sent_so_far(app) -> int:
    """Messages in the outbox now, without waiting for the worker."""
    folder = Path(app.config["MAIL_FILE_PATH"])
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def emails(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(db.select(User.email)))


# Weak passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["password12345", "qwertyuiop123", "Amina Diallo 1987"])
def test_weak_and_personal_passwords_are_refused_on_the_site(app, client, password):
    response = client.post(
        "/register", data={**SIGN_UP, "email": "amina.diallo@example.org", "password": password}
    )
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)
    assert outbox(app) == [] and emails(app) == []


def test_the_same_password_is_strong_for_someone_else_and_weak_for_its_owner():
    # zxcvbn is given the name and address: "Amina Diallo 1987" is a fine password for Kofi, not for Amina.
    services.check_password_rules("Amina Diallo 1987", ("Kofi Mensah", "kofi@example.org"))
    with pytest.raises(services.AccountError) as refused:
        services.check_password_rules("Amina Diallo 1987", ("Amina Diallo", "amina@example.org"))
    assert refused.value.code == "weak_password"


def test_weak_password_message_is_translated(app, client):
    response = client.post(
        "/register",
        data={**SIGN_UP, "email": "a@example.org", "password": "password12345", "language": "fr"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    assert "trop facile à deviner" in response.get_data(as_text=True)


def test_weak_passwords_are_refused_by_the_api(app, client):
    response = client.post(
        "/api/v1/users",
        json={"email": "a@example.org", "name": "Amina Diallo", "password": "Amina Diallo 1987"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "weak_password"
    assert outbox(app) == [] and emails(app) == []


def test_weak_passwords_are_refused_on_reset_and_change(app, client):
    make_user(app)
    client.post("/password/forgot", data={"email": "learner@example.org"})
    link = mailed_link(app, "learner@example.org", "/password/reset/")
    response = client.post(link, data={"password": "password12345", "confirm": "password12345"})
    assert response.status_code == 422
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    response = client.post(
        "/profile/password",
        data={"current_password": PASSWORD, "password": "Lea Learner 2026", "confirm": "Lea Learner 2026"},
    )
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)


# One address, however it is spelt ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("alice@example.com", "Alice@Example.COM"),
        ("alice@example.com", "ａｌｉｃｅ@example.com"),
        ("alice@example.com", " ALICE＠EXAMPLE.COM "),
        ("x@bücher.example", "x@xn--bcher-kva.example"),
        ("x@xn--bcher-kva.example", "X@BÜCHER.example"),
    ],
)
def test_look_alike_spellings_sign_in_to_one_account(app, client, stored, typed):
    make_user(app, stored)
    assert services.email_limit_key(typed) == services.email_limit_key(stored)
    response = client.post("/login", data={"email": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("typed", ["ALICE@example.com", "ａｌｉｃｅ@example.com"])
def test_signing_up_with_a_look_alike_spelling_mails_the_owner_and_opens_nothing(app, client, typed):
    make_user(app, "alice@example.com", "Alice Owner")
    response = client.post("/register", data={**SIGN_UP, "email": typed})
    assert response.status_code == 302
    assert emails(app) == ["alice@example.com"]
    [message] = outbox(app)
    assert "To: alice@example.com" in message
    assert "already has an account" in message


def test_rate_limits_count_every_spelling_of_an_account_once(strict_app):
    def attempt(spelling, address):
        client = strict_app.test_client()
        page = client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = {"email": spelling, "password": "guess guess guess", "csrf_token": csrf}
        return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address}).status_code

    # ACCOUNT_RATE_LIMIT is 2 per minute here; each guess comes from another address.
    assert attempt("victim@example.org", "10.0.0.1") == 401
    assert attempt("VICTIM@Example.ORG", "10.0.0.2") == 401
    assert attempt("ｖｉｃｔｉｍ@example.org", "10.0.0.3") == 429


def test_api_rate_limits_count_every_spelling_of_an_account_once(strict_app):
    def attempt(spelling, address):
        response = strict_app.test_client().post(
            "/api/v1/tokens",
            json={"email": spelling, "password": "guess guess guess"},
            environ_base={"REMOTE_ADDR": address},
        )
        return response.status_code

    assert attempt("victim@bücher.example", "10.0.0.1") == 401
    assert attempt("victim@xn--bcher-kva.example", "10.0.0.2") == 401
    assert attempt("VICTIM@BÜCHER.EXAMPLE", "10.0.0.3") == 429


@pytest.fixture
def strict_app(app_config):
    """Rate limits on, as in production (CSRF too)."""
    app_config.update(
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="50 per minute",
        ACCOUNT_RATE_LIMIT="2 per minute",
    )
    strict = create_app(app_config)
    with strict.app_context():
        db.drop_all()
        db.create_all()
    yield strict
    with strict.app_context():
        db.drop_all()
        db.engine.dispose()


# Sign-up does not tell whether an address has an account ------------------------------------------


def test_signing_up_with_a_taken_address_answers_like_a_new_one_and_mails_the_owner(app, client):
    make_user(app, "owner@example.org", "Olu Owner")
    taken = app.test_client().post("/register", data={**SIGN_UP, "email": "owner@example.org"})
    new = app.test_client().post("/register", data={**SIGN_UP, "email": "newcomer@example.org"})
    assert taken.status_code == new.status_code == 302
    assert taken.headers["Location"] == new.headers["Location"] == "/login"
    assert "Set-Cookie" not in taken.headers or "remember" not in taken.headers["Set-Cookie"]
    # Nobody is signed in by signing up: the new account waits for its mailed link.
    for response in (taken, new):
        assert app.test_client().get("/dashboard", headers={"Cookie": _cookies(response)}).status_code == 302
    messages = {re.search(r"^To: (.+)$", m, re.M).group(1): m for m in outbox(app)}
    assert "already has an account" in messages["owner@example.org"]
    assert "/register/confirm/" not in messages["owner@example.org"]
    assert "/register/confirm/" in messages["newcomer@example.org"]
    # The owner's account is untouched: the old password still works, the new one does not.
    with app.app_context():
        owner = services.find_user_by_email("owner@example.org")
        assert owner.name == "Olu Owner"
        assert services.authenticate("owner@example.org", PASSWORD) is owner


def _cookies(response) -> str:
    return "; ".join(c.split(";", 1)[0] for c in response.headers.getlist("Set-Cookie"))


def test_the_api_answers_sign_ups_for_taken_and_new_addresses_alike(app, client):
    make_user(app, "owner@example.org")
    body = {"name": "Somebody Else", "password": "a quite different secret"}
    taken = client.post("/api/v1/users", json={**body, "email": "Owner@Example.org"})
    new = client.post("/api/v1/users", json={**body, "email": "fresh@example.org"})
    assert taken.status_code == new.status_code == 202
    assert set(taken.get_json()) == set(new.get_json()) == {"email", "message"}
    assert taken.get_json()["message"] == new.get_json()["message"]
    messages = outbox(app)
    assert sum("already has an account" in m for m in messages) == 1
    with app.app_context():
        assert services.authenticate("owner@example.org", "a quite different secret") is None


def test_a_new_account_signs_in_only_after_its_mailed_link_and_the_chosen_password(app, client):
    client.post("/register", data={**SIGN_UP, "email": "amina@example.org"})
    assert client.post("/login", data={"email": "amina@example.org", "password": PASSWORD}).status_code == 401
    assert (
        client.post("/api/v1/tokens", json={"email": "amina@example.org", "password": PASSWORD}).status_code
        == 401
    )
    link = mailed_link(app, "amina@example.org", "/register/confirm/")
    assert client.post(link, data={"password": "not the chosen one"}).status_code == 422
    assert client.get("/dashboard").status_code == 302
    assert client.post(link, data={"password": PASSWORD}).status_code == 302
    assert client.get("/dashboard").status_code == 200
    again = app.test_client().post(link, data={"password": PASSWORD})  # a used link is refused
    assert again.headers["Location"] == "/register"


def test_a_squatter_cannot_keep_an_address_they_signed_up_with(app):
    squatter = app.test_client()
    squatter.post(
        "/register", data={**SIGN_UP, "email": "victim@example.org", "password": "squatter secret 1990!"}
    )
    squatter_link = mailed_link(app, "victim@example.org", "/register/confirm/")
    # The real owner signs up later: their sign-up replaces the unconfirmed one and its link.
    owner = app.test_client()
    sign_up(app, owner, "victim@example.org", "Vera Victim", PASSWORD)
    assert owner.get("/dashboard").status_code == 200
    assert squatter.post(squatter_link, data={"password": "squatter secret 1990!"}).status_code == 302
    assert squatter.get("/dashboard").status_code == 302
    with app.app_context():
        assert services.authenticate("victim@example.org", "squatter secret 1990!") is None
        assert services.find_user_by_email("victim@example.org").name == "Vera Victim"


# Reset and sign-up do the same work on the request path for every address ---------------------------


@pytest.fixture
def held_worker(app):
    """The background worker held on a gate, so a test sees what the request did on its own."""
    gate = threading.Event()
    with app.app_context():
        run_in_background(gate.wait, 10)
    yield gate
    gate.set()
    wait_for_background_jobs()


def _request_work(app, monkeypatch, send):
    """Run ``send()``; return the SQL statements and password hashes it made on the request path."""
    statements, hashes = [], []
    real_hash = services.generate_password_hash
    monkeypatch.setattr(
        services, "generate_password_hash", lambda *a, **k: hashes.append(1) or real_hash(*a, **k)
    )
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        if threading.current_thread() is threading.main_thread():
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return response, statements, len(hashes)


def test_reset_request_does_the_same_work_for_known_and_unknown_addresses(
    app, client, monkeypatch, held_worker
):
    make_user(app)
    known = _request_work(
        app, monkeypatch, lambda: client.post("/password/forgot", data={"email": "learner@example.org"})
    )
    unknown = _request_work(
        app, monkeypatch, lambda: client.post("/password/forgot", data={"email": "ghost@example.org"})
    )
    assert known[0].status_code == unknown[0].status_code == 302
    assert known[1:] == unknown[1:] == ([], 0)  # not even a lookup: the worker does that
    assert sent_so_far(app) == 0  # both answers came back before any mail went out
    held_worker.set()
    assert len(outbox(app)) == 1


def test_sign_up_does_the_same_work_for_taken_and_new_addresses(app, client, monkeypatch, held_worker):
    make_user(app, "owner@example.org")
    taken = _request_work(
        app, monkeypatch, lambda: client.post("/register", data={**SIGN_UP, "email": "owner@example.org"})
    )
    new = _request_work(
        app, monkeypatch, lambda: client.post("/register", data={**SIGN_UP, "email": "new@example.org"})
    )
    assert taken[0].status_code == new[0].status_code == 302
    assert taken[1:] == new[1:] == ([], 1)  # one password hash each, no database work
    assert sent_so_far(app) == 0
    held_worker.set()
    assert len(outbox(app)) == 2


def test_mail_is_sent_by_the_background_worker_even_with_smtp(app_config, monkeypatch):
    app_config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    make_user(app)
    senders = []

    def send(message, fail_silently=False):
        from flask import has_request_context

        senders.append((threading.current_thread().name, has_request_context(), message.to))
        return 1

    monkeypatch.setattr(mail.EmailMessage, "send", send)
    try:
        response = app.test_client().post("/password/forgot", data={"email": "LEARNER@example.org"})
        assert response.status_code == 302
        wait_for_background_jobs()
        assert senders == [("learn-habitat-background", False, ["learner@example.org"])]
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


# Stored addresses get the one spelling ------------------------------------------------------------


def test_migration_normalises_stored_emails_and_keeps_every_learners_rows(app_config):
    app = create_app(app_config)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade(revision="fe04034e2cb0")
        users = [
            (1, "Alice@Example.COM"),
            (2, "bob@example.org"),
            (3, "ＢＯＢ@example.org"),  # the same address as 2, which already holds the plain spelling
            (4, "x@xn--bcher-kva.example"),
            (5, "Carol@Example.org"),
            (6, "CAROL@example.org"),  # folds to the same as 5: the older one (5) takes the spelling
        ]
        for user_id, email in users:
            db.session.execute(
                db.text(
                    "INSERT INTO user_account (id, email, name, password_hash, language, role, session_token,"
                    " created_at) VALUES (:id, :email, 'N', 'x', 'en', 'learner', :token, :now)"
                ),
                {"id": user_id, "email": email, "token": f"t{user_id}", "now": now},
            )
        db.session.execute(
            db.text(
                "INSERT INTO access_token (user_id, name, token_hash, created_at) VALUES (1, 'script', 'h', :now)"
            ),
            {"now": now},
        )
        db.session.execute(
            db.text(
                "INSERT INTO enrolment (user_id, course_id, enrolled_at, last_activity_at)"
                " VALUES (1, 'adequate-housing', :now, :now)"
            ),
            {"now": now},
        )
        db.session.commit()
        upgrade()
        stored = dict(db.session.execute(db.text("SELECT id, email FROM user_account")).all())
        assert stored == {
            1: "alice@example.com",
            2: "bob@example.org",
            3: "ＢＯＢ@example.org",
            4: "x@bücher.example",
            5: "carol@example.org",
            6: "CAROL@example.org",
        }
        # Rebuilding user_account on SQLite must not cascade into the rows that point at it.
        assert db.session.scalar(db.text("SELECT count(*) FROM access_token")) == 1
        assert db.session.scalar(db.text("SELECT count(*) FROM enrolment")) == 1
        assert (
            db.session.scalar(db.text("SELECT count(*) FROM user_account WHERE email_confirmed_at IS NULL"))
            == 0
        )
        assert services.find_user_by_email("ａｌｉｃｅ@example.com").id == 1
        db.session.remove()
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()
