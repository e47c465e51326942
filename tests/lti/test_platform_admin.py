"""The admin pages for registrations and keys: changing a registration (URLs, deployment ids, frame origins)
with the same checks as registering, rotating and retiring the tool's keys, each change in the audit log,
messages that name their field in the page's language, and only admins, with CSRF tokens, get in."""

from __future__ import annotations

import re

import pytest

from learn_habitat.admin.models import AuditEvent
from learn_habitat.extensions import db
from learn_habitat.lti.models import LtiPlatform
from tests.conftest import PASSWORD, make_user
from tests.lti.conftest import launch

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:pylti1p3.*",
    "ignore::DeprecationWarning:lti1p3platform.*",
)


def the_platform(app):
    with app.app_context():
        platform = db.session.scalar(db.select(LtiPlatform))
        return {
            "id": platform.id,
            "name": platform.name,
            "login_url": platform.login_url,
            "token_url": platform.token_url,
            "jwks_url": platform.jwks_url,
            "frame_origins": platform.frame_origins,
            "deployments": [d.deployment_id for d in platform.deployments],
        }


def audit_events(app, prefix="lti_"):
    with app.app_context():
        return [
            (event.action, event.target, event.details)
            for event in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
            if event.action.startswith(prefix)
        ]


def edit_form(platform, **changes):
    settings = platform.settings()
    data = {
        "name": "Test LMS",
        "login_url": settings["login_url"],
        "token_url": settings["token_url"],
        "jwks_url": settings["jwks_url"],
        "deployment_ids": "\n".join(settings["deployment_ids"]),
        "frame_origins": "",
    }
    return {**data, **changes}


def framed_policy(app):
    """The frame-ancestors a page of a launched session gets."""
    from learn_habitat.lti import framing

    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session[framing.LTI_SESSION_FLAG] = True
    return visitor.get("/").headers["Content-Security-Policy"]


def test_an_admin_changes_a_registration_and_the_change_is_audited(app, client, platform, admin):
    registered = the_platform(app)
    page = client.get(f"/lti/platforms/{registered['id']}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert platform.issuer in html and "deployment-1" in html and platform.settings()["token_url"] in html
    from learn_habitat.lti import framing

    with app.app_context():
        framing.forget_frame_origins()  # the fixture registered the platform behind the pages' back
    assert platform.base in framed_policy(app)  # read once, and kept for 30 seconds

    response = client.post(
        f"/lti/platforms/{registered['id']}/edit",
        data=edit_form(
            platform,
            name="  Moodle   of the school ",
            deployment_ids="deployment-2\n deployment-3 \ndeployment-2",
            frame_origins="https://school.example/course/view.php https://school.example",
        ),
    )
    assert response.status_code == 302
    changed = the_platform(app)
    assert changed["name"] == "Moodle of the school"
    assert changed["deployments"] == ["deployment-2", "deployment-3"]
    assert changed["frame_origins"] == "https://school.example"
    # The cached origins were forgotten: the next page names the new origin at once, and not the old ones.
    policy = framed_policy(app)
    assert "https://school.example" in policy and platform.base not in policy
    # Launches with the removed deployment id are refused from now on.
    assert launch(app.test_client(), platform).status_code == 400
    ((action, target, details),) = audit_events(app, "lti_edit")
    assert (action, target) == ("lti_edit_platform", platform.issuer)
    assert details["name"] == "Test LMS → Moodle of the school"
    assert details["deployments_removed"] == "deployment-1"
    assert details["deployments_added"] == "deployment-2 deployment-3"
    assert details["frame_origins"] == "- → https://school.example"
    assert details["client_id"] == "learn-habitat-tool"

    # Adding the first one back, unchanged otherwise: only that is recorded, and launches work again.
    client.post(
        f"/lti/platforms/{registered['id']}/edit",
        data=edit_form(
            platform,
            name="Moodle of the school",
            deployment_ids="deployment-2\ndeployment-3\ndeployment-1",
            frame_origins="https://school.example",
        ),
    )
    assert audit_events(app, "lti_edit")[-1][2] == {
        "client_id": "learn-habitat-tool",
        "deployments_added": "deployment-1",
    }
    assert launch(app.test_client(), platform).status_code == 302
    # Saving with nothing changed records nothing.
    saved = client.post(
        f"/lti/platforms/{registered['id']}/edit",
        data=edit_form(
            platform,
            name="Moodle of the school",
            deployment_ids="deployment-2 deployment-3 deployment-1",
            frame_origins="https://school.example",
        ),
    )
    assert saved.status_code == 302 and len(audit_events(app, "lti_edit")) == 2


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"token_url": "http://platform.example/token"}, "token_url", "Access token URL must be an https://"),
        (
            {"login_url": "ftp://127.0.0.1/auth"},
            "login_url",
            "Authentication request URL must be an https://",
        ),
        ({"jwks_url": "https://[::1"}, "jwks_url", "Public keyset URL must be an https://"),
        ({"jwks_url": "https://host:port/jwks"}, "jwks_url", "Public keyset URL must be an https://"),
        ({"frame_origins": "http://school.example"}, "frame_origins", "Origin that frames the site must"),
        ({"deployment_ids": "   "}, "deployment_ids", ""),
        ({"deployment_ids": "d" * 256}, "deployment_ids", "A deployment id has 1 to 255 characters."),
    ],
)
def test_a_wrong_change_is_shown_at_its_field_and_changes_nothing(
    app, client, platform, admin, changes, field, message
):
    before = the_platform(app)
    response = client.post(
        f"/lti/platforms/{before['id']}/edit", data=edit_form(platform, name="Renamed", **changes)
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html), html
    assert the_platform(app) == before
    assert audit_events(app) == []


def test_every_problem_of_a_change_shows_at_once(app, client, platform, admin):
    before = the_platform(app)
    response = client.post(
        f"/lti/platforms/{before['id']}/edit",
        data=edit_form(platform, login_url="http://a.example", token_url="http://b.example", jwks_url=""),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("login_url", "token_url", "jwks_url"):
        assert f'id="{field}-error"' in html
    assert the_platform(app) == before


def test_messages_name_their_field_in_the_page_language(app, client, platform):
    make_user(app, "admin@example.org", "Ada Admin", role="admin", language="fr")
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    registered = the_platform(app)
    response = client.post(
        f"/lti/platforms/{registered['id']}/edit",
        data=edit_form(platform, token_url="http://platform.example/token"),
    )
    html = response.get_data(as_text=True)
    assert "« URL du jeton d’accès (Access token URL) » doit être une adresse https://." in html
    assert "Access token URL must" not in html
    registration = client.post(
        "/lti/platforms",
        data={
            "issuer": "http://moodle.example.org",
            "client_id": "abc",
            "deployment_ids": "1",
            "login_url": "https://moodle.example.org/auth",
            "token_url": "https://moodle.example.org/token",
            "jwks_url": "https://moodle.example.org/jwks",
            "frame_origins": "http://moodle.example.org",
        },
    )
    assert registration.status_code == 422
    html = registration.get_data(as_text=True)
    assert "« Émetteur (Issuer, identifiant de la plateforme) » doit être une adresse https://." in html
    assert "« Origine autorisée à intégrer le site dans un cadre » doit être une adresse https://." in html


def test_a_registration_with_a_taken_issuer_and_client_id_is_refused_at_its_field(
    app, client, platform, admin
):
    settings = platform.settings()
    response = client.post(
        "/lti/platforms",
        data={
            "issuer": settings["issuer"],
            "client_id": settings["client_id"],
            "deployment_ids": "another",
            "login_url": settings["login_url"],
            "token_url": settings["token_url"],
            "jwks_url": settings["jwks_url"],
        },
    )
    assert response.status_code == 422
    assert re.search(r'id="client_id-error">[^<]*already registered', response.get_data(as_text=True))


def test_keys_are_rotated_and_retired_from_the_admin_page(app, client, admin):
    first = client.get("/lti/jwks.json").get_json()["keys"]
    first_kid = first[0]["kid"]
    page = client.get("/lti/platforms").get_data(as_text=True)
    assert first_kid in page and "Signs now" in page and "/lti/keys/rotate" in page
    assert f"/lti/keys/{first_kid}/retire" not in page  # the signing key offers no retirement

    assert client.post("/lti/keys/rotate").status_code == 302
    published = [key["kid"] for key in client.get("/lti/jwks.json").get_json()["keys"]]
    assert len(published) == 2 and published[0] == first_kid
    new_kid = published[1]
    page = client.get("/lti/platforms").get_data(as_text=True)
    assert f"/lti/keys/{first_kid}/retire" in page and f"/lti/keys/{new_kid}/retire" not in page

    # The signing key is never retired (so neither is the last one), and an unknown one is no key.
    refused = client.post(f"/lti/keys/{new_kid}/retire", follow_redirects=True)
    assert "This key signs now, so it cannot be retired" in refused.get_data(as_text=True)
    missing = client.post("/lti/keys/not-a-key/retire", follow_redirects=True)
    assert "There is no such key." in missing.get_data(as_text=True)
    assert len(client.get("/lti/jwks.json").get_json()["keys"]) == 2

    assert client.post(f"/lti/keys/{first_kid}/retire").status_code == 302
    assert [key["kid"] for key in client.get("/lti/jwks.json").get_json()["keys"]] == [new_kid]
    client.post(f"/lti/keys/{new_kid}/retire")
    assert [key["kid"] for key in client.get("/lti/jwks.json").get_json()["keys"]] == [new_kid]
    assert [(action, target) for action, target, _ in audit_events(app)] == [
        ("lti_rotate_key", new_kid),
        ("lti_retire_key", first_kid),
    ]


def test_the_command_line_never_retires_the_signing_key(app, runner):
    from learn_habitat.cli import main
    from learn_habitat.lti import keys

    with app.app_context():
        first = keys.signing_key(app.instance_path).kid
    assert runner.invoke(main, ["lti", "rotate-key"]).exit_code == 0
    with app.app_context():
        second = keys.signing_key(app.instance_path).kid
    refused = runner.invoke(main, ["lti", "rotate-key", "--retire", second])
    assert refused.exit_code != 0 and "never retired" in refused.output
    assert runner.invoke(main, ["lti", "rotate-key", "--retire", first]).exit_code == 0


def test_registration_pages_are_for_admins_only(app, client, platform, learner):
    registered = the_platform(app)
    for method, path in (
        ("get", "/lti/platforms"),
        ("get", f"/lti/platforms/{registered['id']}/edit"),
        ("post", f"/lti/platforms/{registered['id']}/edit"),
        ("post", "/lti/keys/rotate"),
        ("post", "/lti/keys/some-kid/retire"),
    ):
        assert getattr(client, method)(path).status_code == 403, path
    assert the_platform(app) == registered


def test_an_unknown_registration_is_not_found(client, admin):
    assert client.get("/lti/platforms/999/edit").status_code == 404
    assert client.post("/lti/platforms/99999999999/edit").status_code == 404


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        app_config.update(WTF_CSRF_ENABLED=True)
        return app_config

    def test_changes_need_a_csrf_token(self, app, client, platform, admin):
        registered = the_platform(app)
        kid = client.get("/lti/jwks.json").get_json()["keys"][0]["kid"]
        for path, data in (
            (f"/lti/platforms/{registered['id']}/edit", edit_form(platform, name="Renamed")),
            (f"/lti/platforms/{registered['id']}/delete", {}),
            ("/lti/keys/rotate", {}),
            (f"/lti/keys/{kid}/retire", {}),
        ):
            assert client.post(path, data=data).status_code == 400, path
        assert the_platform(app) == registered
        assert len(client.get("/lti/jwks.json").get_json()["keys"]) == 1
        assert audit_events(app) == []

    @pytest.fixture
    def admin(self, app, client):
        make_user(app, "admin@example.org", "Ada Admin", role="admin")
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token})


def test_empty_and_odd_posts_answer_with_the_form_never_a_server_error(app, client, platform, admin):
    registered = the_platform(app)
    assert client.post(f"/lti/platforms/{registered['id']}/edit").status_code == 422
    assert client.post("/lti/platforms").status_code == 422
    odd = {
        "issuer": "https://\x00evil",
        "client_id": "x" * 300,
        "deployment_ids": "d" * 300,
        "login_url": "https://" + "a" * 2000,
        "token_url": "javascript:alert(1)",
        "jwks_url": "https://h:99999999/",
        "frame_origins": "https://a:b https://[::1",
    }
    assert client.post("/lti/platforms", data=odd).status_code == 422
    assert client.post(f"/lti/platforms/{registered['id']}/edit", data=odd).status_code == 422
    assert the_platform(app) == registered
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LtiPlatform)) == 1


def test_control_characters_never_reach_the_database(app, client, admin):
    valid = {
        "name": "Moodle\x00 of\tthe school",
        "issuer": "https://moodle.example.org",
        "client_id": "abc",
        "deployment_ids": "1",
        "login_url": "https://moodle.example.org/auth",
        "token_url": "https://moodle.example.org/token",
        "jwks_url": "https://moodle.example.org/jwks",
    }
    for field, value in (
        ("client_id", "a\x00b"),
        ("deployment_ids", "1\x00"),
        ("issuer", "https://moodle.example.org/\x00"),
    ):
        response = client.post("/lti/platforms", data={**valid, field: value})
        assert response.status_code == 422, field
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert client.post("/lti/platforms", data=valid).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(LtiPlatform.name)) == "Moodle of the school"
