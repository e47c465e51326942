"""End-to-end LTI 1.3 launches from lti1p3platform at the HTTP level: login initiation, launch, accounts,
and the id_tokens that must be refused (forged, replayed, wrong audience, unknown deployment, expired)."""

from __future__ import annotations

import jwt
import pytest

from learn_habitat.accounts.models import User
from learn_habitat.extensions import db
from learn_habitat.lti.models import LtiIdentity
from tests.conftest import make_user
from tests.lti.conftest import launch
from tests.lti.platform import INSTRUCTOR, new_private_key

pytestmark = pytest.mark.filterwarnings(
    # pylti1p3 and lti1p3platform hash ids with md5 and build URLs the old way; nothing of ours.
    "ignore::DeprecationWarning:pylti1p3.*",
    "ignore::DeprecationWarning:lti1p3platform.*",
)


def _users(app):
    with app.app_context():
        return {user.name: user for user in db.session.scalars(db.select(User))}


def test_a_launch_signs_the_learner_in_and_opens_the_course(app, client, platform):
    response = launch(
        client, platform, claims={"name": "Sam Student", "email": "sam@school.example", "locale": "fr-FR"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "/courses/adequate-housing/" in response.headers["Location"]
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert page.status_code == 200
    with app.app_context():
        identity = db.session.scalar(db.select(LtiIdentity))
        user = db.session.get(User, identity.user_id)
        assert (identity.issuer, identity.subject) == (platform.issuer, "student-1")
        assert identity.claimed_email == "sam@school.example"
        assert user.name == "Sam Student" and user.language == "fr" and user.role == "learner"
        assert user.email.endswith("@lti.invalid")


def test_a_lesson_launch_in_a_language_opens_that_lesson(app, client, platform, shipped_library):
    course = shipped_library.get("adequate-housing")
    lesson_id = course.lesson_ids[1]
    language = next(code for code in course.languages if code != course.source_language)
    response = launch(
        client, platform, custom={"course": course.id, "lesson": lesson_id, "language": language}
    )
    assert response.headers["Location"].endswith(f"/courses/{course.id}/{lesson_id}")
    page = client.get(response.headers["Location"])
    assert f'lang="{language}"' in page.get_data(as_text=True)


def test_the_second_launch_finds_the_same_account(app, client, platform):
    launch(client, platform)
    launch(app.test_client(), platform)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LtiIdentity)) == 1


def test_a_launch_cannot_sign_in_as_an_existing_local_account(app, client, platform):
    local_id = make_user(app, "admin@example.org", "Ada Admin", role="admin")
    response = launch(
        client,
        platform,
        roles=(INSTRUCTOR,),
        claims={
            "name": "Ada Admin",
            "email": "ADMIN@example.org",
            "https://purl.imsglobal.org/spec/lti/claim/roles": [
                "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
            ],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        identity = db.session.scalar(db.select(LtiIdentity))
        assert identity.user_id != local_id
        bound = db.session.get(User, identity.user_id)
        assert bound.role == "learner"  # admin stays local: no claim grants it
    assert client.get("/admin/").status_code == 403
    assert client.get("/lti/platforms").status_code == 403


def test_a_replayed_id_token_is_refused(app, client, platform):
    captured = {}

    def keep(form):
        captured.update(form)
        return form

    assert launch(client, platform, tamper=keep).status_code == 302
    replay = client.post("/lti/launch", data={"id_token": captured["id_token"], "state": captured["state"]})
    assert replay.status_code == 400


def test_a_forged_id_token_is_refused(app, client, platform):
    forger_key = new_private_key()

    def forge(form):
        body = jwt.decode(form["id_token"], options={"verify_signature": False})
        header = jwt.get_unverified_header(form["id_token"])
        body["sub"] = "someone-else"
        form["id_token"] = jwt.encode(body, forger_key, algorithm="RS256", headers={"kid": header["kid"]})
        return form

    assert launch(client, platform, tamper=forge).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LtiIdentity)) == 0


def _resigned(platform, change):
    """Sign a changed copy of the id_token with the platform's real key (a token meant for another tool)."""

    def tamper(form):
        header = jwt.get_unverified_header(form["id_token"])
        body = jwt.decode(form["id_token"], options={"verify_signature": False})
        change(body)
        form["id_token"] = jwt.encode(
            body, platform.private_key, algorithm="RS256", headers={"kid": header["kid"]}
        )
        return form

    return tamper


def test_a_token_for_another_audience_is_refused(app, client, platform):
    response = launch(
        client, platform, tamper=_resigned(platform, lambda body: body.update(aud="another-tool"))
    )
    assert response.status_code == 400


def test_a_token_for_several_audiences_must_name_us_as_azp(app, client, platform):
    def several(body):
        body["aud"] = ["another-tool", body["aud"]]
        body["azp"] = "another-tool"

    assert launch(client, platform, tamper=_resigned(platform, several)).status_code == 400


def test_an_unknown_deployment_is_refused(app, client, platform):
    other = platform.make_registration("http://localhost", deployment_id="deployment-nobody-registered")
    assert launch(client, platform, registration=other).status_code == 400


def test_an_expired_id_token_is_refused(app, client, platform):
    assert launch(client, platform, expiration=-120).status_code == 400


def test_a_launch_without_the_state_cookie_offers_a_new_window(app, client, platform):
    def lose_cookies(form):
        client._cookies.clear()
        return form

    response = launch(client, platform, tamper=lose_cookies)
    assert response.status_code == 400
    assert "/lti/login?" in response.get_data(as_text=True)


def test_login_initiation_from_an_unknown_issuer_is_refused(client, platform):
    answer = client.get("/lti/login?iss=https%3A%2F%2Fevil.example&login_hint=x&target_link_uri=x")
    assert answer.status_code == 400


def test_the_jwks_holds_only_public_keys_and_no_route_serves_a_private_key(app, client):
    first = client.get("/lti/jwks.json").get_json()
    with app.app_context():
        from learn_habitat.lti import keys

        keys.generate_key(app.instance_path)  # rotation: both keys published
        folder = keys._folder(app.instance_path)
        assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in folder.glob("*.pem"))
    keyset = client.get("/lti/jwks.json").get_json()
    assert len(keyset["keys"]) == 2 and keyset["keys"][0] == first["keys"][0]
    private_members = {"d", "p", "q", "dp", "dq", "qi"}
    assert all(not private_members & set(key) for key in keyset["keys"])
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments:
            body = client.get(rule.rule).get_data()
            assert b"PRIVATE KEY" not in body, rule.rule
    assert client.get("/lti/static/../../instance/lti_keys").status_code == 404
