"""Accounts over their life: change of address, data download, deletion, the developer page, registration
errors all at once, and a guest at a lesson offered an account first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pytest

from learn_habitat.accounts.models import AccessToken, User, UserSession
from learn_habitat.extensions import db
from learn_habitat.learning.models import Completion, CourseAuthor, Enrolment, LessonProgress, QuizAttempt
from tests.conftest import PASSWORD, PROJECT_ROOT, mailed_link, make_user, wait_for_background_jobs
from tests.learning.test_journey import right_answers, submit, wrong_answers

COURSE = "adequate-housing"
SCHEMA = PROJECT_ROOT / "docs" / "personal-data.schema.json"


def outbox(app) -> list[str]:
    """Every message sent so far, oldest first."""
    wait_for_background_jobs()
    folder = Path(app.config["MAIL_FILE_PATH"])
    files = sorted(folder.iterdir(), key=lambda f: f.stat().st_mtime_ns) if folder.is_dir() else []
    return [file.read_text(encoding="utf-8") for file in files]


def mails_to(app, address: str) -> list[str]:
    return [text for text in outbox(app) if re.search(rf"^To: {re.escape(address)}$", text, re.M)]


def user_row(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def complete_course(client, shipped_library):
    """Enrol the signed-in learner and complete the course, failing the first quiz once on the way."""
    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    for lesson_id in course.lesson_ids:
        if lesson_id in course.quiz_ids():
            submit(client, course, lesson_id, wrong_answers, "first")
            submit(client, course, lesson_id, right_answers, "second")
        else:
            client.get(f"/courses/{COURSE}/{lesson_id}")
    page = client.get(f"/courses/{COURSE}/certificate").get_data(as_text=True)
    return re.search(r'<dd class="code">([A-Z0-9-]+)</dd>', page).group(1)


# ------------------------------------------------------------------------------------- change of address


def test_a_new_address_takes_effect_only_when_its_mailed_link_is_opened(app, client, learner):
    response = client.post(
        "/profile/email", data={"email": " New.Address@Example.ORG ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "new.address@example.org" in client.get("/profile").get_data(as_text=True)  # the notice
    assert user_row(app, learner).email == "learner@example.org"  # not yet

    link = mailed_link(app, "new.address@example.org", "/profile/email/confirm/")
    page = client.get(link)  # opening shows a button: a mail scanner that follows links changes nothing
    assert page.status_code == 200 and user_row(app, learner).email == "learner@example.org"
    assert client.post(link).status_code == 302
    assert user_row(app, learner).email == "new.address@example.org"

    # The old address is told, with the moment written out in words.
    notice = mails_to(app, "learner@example.org")[-1]
    assert "new.address@example.org" in notice and "UTC" in notice
    # Sign-in now takes the new address, the old one no longer; the link works once.
    client.post("/logout")
    assert (
        client.post("/login", data={"email": "learner@example.org", "password": PASSWORD}).status_code == 401
    )
    assert (
        client.post("/login", data={"email": "NEW.address@example.org", "password": PASSWORD}).status_code
        == 302
    )
    assert client.post(link).status_code == 302
    assert "already been used" in client.get("/profile").get_data(as_text=True)


def test_changing_to_a_taken_address_answers_the_same_and_mails_that_owner(app, client, learner):
    make_user(app, "owner@example.org", "Omar Owner")
    taken = client.post("/profile/email", data={"email": "Owner@example.org", "password": PASSWORD})
    free = client.post("/profile/email", data={"email": "free@example.org", "password": PASSWORD})
    assert taken.status_code == free.status_code == 302
    assert taken.headers["Location"] == free.headers["Location"]
    flashes = client.get("/profile").get_data(as_text=True)
    assert "owner@example.org" in flashes and "free@example.org" in flashes

    to_owner = mails_to(app, "owner@example.org")
    assert len(to_owner) == 1 and "/profile/email/confirm/" not in to_owner[0]
    assert "Nothing was changed" in to_owner[0]
    assert user_row(app, learner).email == "learner@example.org"


def test_a_change_of_address_needs_the_password_and_a_new_valid_address(app, client, learner):
    wrong = client.post("/profile/email", data={"email": "x@example.org", "password": "not my password"})
    assert wrong.status_code == 422 and "The password is not right." in wrong.get_data(as_text=True)
    same = client.post("/profile/email", data={"email": "LEARNER@example.org", "password": PASSWORD})
    assert same.status_code == 422 and "already the address" in same.get_data(as_text=True)
    invalid = client.post("/profile/email", data={"email": "nobody@", "password": PASSWORD})
    assert invalid.status_code == 422 and "valid email address" in invalid.get_data(as_text=True)
    assert outbox(app) == []


def test_a_change_link_dies_when_the_password_changes(app, client, learner):
    client.post("/profile/email", data={"email": "new@example.org", "password": PASSWORD})
    link = mailed_link(app, "new@example.org", "/profile/email/confirm/")
    new_password = "an entirely different passphrase"
    client.post(
        "/profile/password",
        data={"current_password": PASSWORD, "password": new_password, "confirm": new_password},
    )
    client.post(link)
    assert user_row(app, learner).email == "learner@example.org"


# ------------------------------------------------------------------------------------------ my data


def check_schema(value, schema, path="$"):
    """A small JSON Schema check (type, const, enum, required, properties, additionalProperties, items):
    enough for docs/personal-data.schema.json; returns the problems found."""
    problems = []
    types = schema.get("type")
    if types:
        names = {
            "object": dict, "array": list, "string": str, "integer": int,
            "number": (int, float), "boolean": bool, "null": type(None),
        }  # fmt: skip
        allowed = [types] if isinstance(types, str) else types
        ok = any(
            isinstance(value, names[name]) and not (name in ("integer", "number") and isinstance(value, bool))
            for name in allowed
        )
        if not ok:
            return [f"{path}: {value!r} is not {allowed}"]
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in {schema['enum']}")
    iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"
    if schema.get("format") == "date-time" and isinstance(value, str) and not re.fullmatch(iso, value):
        problems.append(f"{path}: {value!r} is not an ISO 8601 date-time with its offset")
    if isinstance(value, dict):
        problems += [f"{path}: {key} is missing" for key in schema.get("required", []) if key not in value]
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                problems += check_schema(item, properties[key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}: {key} is not in the schema")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += check_schema(item, schema["items"], f"{path}[{index}]")
    return problems


def test_my_data_downloads_as_json_that_follows_the_published_schema(app, client, learner, shipped_library):
    code = complete_course(client, shipped_library)
    client.post("/profile/tokens", data={"name": "my script"})
    other_device = app.test_client()
    other_device.post("/login", data={"email": "learner@example.org", "password": PASSWORD})

    response = client.get("/profile/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="learn-habitat-data-')
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert check_schema(data, schema) == []

    assert data["profile"]["email"] == "learner@example.org" and data["profile"]["name"] == "Lea Learner"
    assert [e["course_id"] for e in data["enrolments"]] == [COURSE]
    course = shipped_library.get(COURSE)
    assert {p["lesson_id"] for p in data["progress"]} == set(course.lesson_ids)
    attempts = data["quiz_attempts"]
    assert len(attempts) == 2 * len(course.quiz_ids())
    assert {a["passed"] for a in attempts} == {True, False} and all(a["answers"] for a in attempts)
    assert data["certificates"][0]["certificate_code"] == code
    assert len(data["sessions"]) == 2 and sum(s["current"] for s in data["sessions"]) == 1
    assert [t["name"] for t in data["access_tokens"]] == ["my script"]
    # No secret of any kind: no hash, no key, no token value.
    text = response.get_data(as_text=True)
    with app.app_context():
        secrets = [db.session.get(User, learner).password_hash]
        secrets += [row.key_hash for row in db.session.scalars(db.select(UserSession))]
        secrets += [row.token_hash for row in db.session.scalars(db.select(AccessToken))]
    assert not any(secret in text for secret in secrets)
    assert "lh_" not in text and "password" not in text


def test_the_schema_check_catches_a_file_that_strays(app, client, learner):
    data = json.loads(client.get("/profile/data").get_data(as_text=True))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data["sessions"].append({"created_at": "12/7/26", "current": True, "key": "x"})
    problems = check_schema(data, schema)
    assert any("not an ISO 8601" in p for p in problems) and any("key is not" in p for p in problems)


def test_data_download_needs_a_signed_in_owner(client):
    assert client.get("/profile/data").status_code == 302


# --------------------------------------------------------------------------------------- deleting


def test_the_delete_page_says_what_is_deleted_and_what_is_kept(client, learner):
    page = client.get("/profile/delete").get_data(as_text=True)
    for words in (
        "What is deleted",
        "What is kept, without your name",
        "Deleted learner",
        "stop being verifiable",
        "quiz scores stay in the course statistics",
        'href="/profile/data"',
    ):
        assert words in page, words
    root = lxml.html.document_fromstring(page)
    (form,) = root.xpath("//form[.//input[@type='password']]")
    assert form.get("method") == "post"


def test_deleting_needs_the_password(app, client, learner):
    response = client.post("/profile/delete", data={"password": "not my password"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-describedby="delete-password-error"' in page and 'href="#delete-password"' in page
    assert user_row(app, learner).deleted_at is None
    assert client.get("/dashboard").status_code == 200


def test_deleting_anonymises_the_person_and_keeps_the_statistics(app, client, learner, shipped_library):
    code = complete_course(client, shipped_library)
    client.post("/profile/tokens", data={"name": "my script"})
    with app.app_context():
        from learn_habitat.learning.services import assign_author

        assign_author(db.session.get(User, learner), COURSE)
        db.session.commit()
        counts = {
            model: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Enrolment, LessonProgress, QuizAttempt, Completion)
        }
    other_device = app.test_client()
    other_device.post("/login", data={"email": "learner@example.org", "password": PASSWORD})

    response = client.post("/profile/delete", data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"

    user = user_row(app, learner)
    assert user.name == "Deleted learner" and user.deleted_at is not None
    assert user.email.endswith("@deleted.invalid") and "learner" not in user.email.split("-")[0]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(AccessToken)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(CourseAuthor)) == 0
        for model, count in counts.items():  # statistics keep their counts
            assert db.session.scalar(db.select(db.func.count()).select_from(model)) == count, model
        assert all(a.answers == {} for a in db.session.scalars(db.select(QuizAttempt)))
        assert {c.learner_name for c in db.session.scalars(db.select(Completion))} == {"Deleted learner"}

    # Signed out everywhere, no sign-in, no reset; the certificate no longer verifies.
    assert client.get("/dashboard").status_code == 302
    assert other_device.get("/dashboard").status_code == 302
    assert (
        client.post("/login", data={"email": "learner@example.org", "password": PASSWORD}).status_code == 401
    )
    client.post("/password/forgot", data={"email": "learner@example.org"})
    assert not any("/password/reset/" in text for text in outbox(app))
    verification = client.get(f"/certificates/{code}")
    assert verification.status_code == 404 and "Lea Learner" not in verification.get_data(as_text=True)
    # The address is free again for a new account.
    make_user(app, "learner@example.org", "Lea Again")


def test_the_learner_list_and_its_csv_show_a_deleted_learner_without_name_or_address(
    app, client, learner, shipped_library
):
    complete_course(client, shipped_library)
    client.post("/profile/delete", data={"password": PASSWORD})
    admin_client = app.test_client()
    make_user(app, "admin@example.org", "Ada Admin", role="admin")
    admin_client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    page = admin_client.get(f"/admin/courses/{COURSE}/learners").get_data(as_text=True)
    assert "Deleted learner" in page and "deleted.invalid" not in page
    csv_text = admin_client.get(f"/admin/courses/{COURSE}/learners.csv").get_data(as_text=True)
    row = csv_text.splitlines()[1]
    assert row.startswith("Deleted learner,,") and "deleted.invalid" not in csv_text


def test_the_last_admin_cannot_delete_the_account(app, client, admin):
    response = client.post("/profile/delete", data={"password": PASSWORD})
    assert response.status_code == 200
    assert "the only admin" in response.get_data(as_text=True)
    assert user_row(app, admin).deleted_at is None


def test_deleting_refuses_a_post_without_a_csrf_token(app_config):
    from learn_habitat import create_app

    app_config["WTF_CSRF_ENABLED"] = True
    strict = create_app(app_config)
    with strict.app_context():
        db.create_all()
    make_user(strict)
    client = strict.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": csrf})
    assert client.post("/profile/delete", data={"password": PASSWORD}).status_code == 400
    with strict.app_context():
        assert db.session.scalar(db.select(User)).deleted_at is None
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


# ---------------------------------------------------------------------------------------- developer


def test_tokens_live_on_the_developer_page_not_on_the_profile(client, learner):
    profile = client.get("/profile").get_data(as_text=True)
    assert "Create a token" not in profile and "/profile/tokens" not in profile
    assert 'href="/profile/developer"' in profile
    developer = client.get("/profile/developer").get_data(as_text=True)
    assert 'action="/profile/tokens"' in developer
    created = client.post("/profile/tokens", data={"name": "my script"})
    assert created.headers["Cache-Control"] == "no-store"
    assert "my script" in client.get("/profile/developer").get_data(as_text=True)


# ------------------------------------------------------------------------------------- registration


def test_registration_shows_every_problem_at_once_next_to_its_field_and_in_a_summary(client):
    response = client.post(
        "/register", data={"name": "", "email": "not-an-email", "password": "short", "language": "en"}
    )
    assert response.status_code == 422
    root = lxml.html.document_fromstring(response.get_data(as_text=True))
    summary = root.xpath("//*[contains(@class, 'error-summary')]")[0]
    links = {a.get("href"): a.text_content().strip() for a in summary.xpath(".//a")}
    assert set(links) == {"#name", "#email", "#password"}
    assert links["#name"] == "Enter your full name."
    assert links["#email"] == "Enter a valid email address."
    assert links["#password"] == "The password needs at least 10 characters."
    for field_id, message in links.items():
        field = root.get_element_by_id(field_id[1:])
        assert field.get("aria-invalid") == "true"
        (error,) = root.xpath(f"//*[@id='{field.get('aria-describedby')}']")
        assert error.text_content().strip() == message
    # The summary comes before the form, so it is read first.
    assert summary.getparent().index(summary) < summary.getparent().index(root.xpath("//form")[-1])


def test_registration_reports_a_guessable_password_with_the_other_problems(client):
    response = client.post(
        "/register", data={"name": "Lea", "email": "lea@", "password": "password123", "language": "en"}
    )
    page = response.get_data(as_text=True)
    assert "Enter a valid email address." in page and "too easy to guess" in page


# ------------------------------------------------------------------------------------- guest at a lesson


def test_a_guest_at_a_lesson_is_offered_an_account_first_and_comes_back_after_sign_up(
    app, client, shipped_library
):
    course = shipped_library.get(COURSE)
    lesson = f"/courses/{COURSE}/{course.lesson_ids[1]}"
    response = client.get(lesson)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    root = lxml.html.document_fromstring(page.get_data(as_text=True))
    actions = root.xpath("//main//p[contains(@class, 'actions')]/a")
    assert [a.text_content().strip() for a in actions] == ["Create an account", "Sign in"]
    assert "button-secondary" not in actions[0].get("class") and "button-secondary" in actions[1].get("class")
    register_url, login_url = (a.get("href") for a in actions)
    assert register_url.startswith("/register?next=") and login_url.startswith("/login?next=")

    # Through registration and the mailed link, back to the lesson.
    data = {"email": "new@example.org", "name": "Nia New", "password": PASSWORD, "language": "en"}
    assert client.post(register_url, data=data).status_code == 302
    link = mailed_link(app, "new@example.org", "/register/confirm/")
    confirmed = client.post(link, data={"password": PASSWORD})
    assert confirmed.headers["Location"] == lesson


def test_the_next_of_the_account_page_stays_on_this_site(client):
    page = client.get("/account-needed?next=https://evil.example/").get_data(as_text=True)
    root = lxml.html.document_fromstring(page)
    assert [a.get("href") for a in root.xpath("//main//p[contains(@class, 'actions')]/a")] == [
        "/register",
        "/login",
    ]


@pytest.mark.parametrize("address", ["//evil.example/x", "https://evil.example/"])
def test_the_next_of_a_confirmation_link_stays_on_this_site(app, client, address):
    data = {"email": "new@example.org", "name": "Nia New", "password": PASSWORD, "language": "en"}
    client.post("/register?next=" + address, data=data)
    link = mailed_link(app, "new@example.org", "/register/confirm/")
    assert "evil" not in link
    assert client.post(link, data={"password": PASSWORD}).headers["Location"] == "/dashboard"


def test_api_sign_up_reports_every_field_at_once(client):
    response = client.post(
        "/api/v1/users",
        json={"email": "nobody@", "name": "Lea", "password": "password1234", "language": "en"},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid_email"
    assert set(body["error"]["fields"]) == {"email", "password"}
