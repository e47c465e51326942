"""An LTI platform on 127.0.0.1 registered with the tool, and helpers that drive a launch over HTTP."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.lti.platform import LEARNER, Platform


@pytest.fixture
def platform(app, client):
    """A running platform whose admin registered our tool, and whom our admin registered in turn."""
    platform = Platform(client.get("/lti/jwks.json").get_json())
    register_with_tool(app, platform, "Test LMS")
    yield platform
    platform.close()


def register_with_tool(app, platform: Platform, name: str) -> None:
    """Register ``platform`` with the tool as its admin would (the origins it may frame from read afresh)."""
    from learn_habitat.extensions import db
    from learn_habitat.lti import framing
    from learn_habitat.lti.services import register_platform

    settings = platform.settings()
    with app.app_context():
        register_platform(
            name,
            settings["issuer"],
            settings["client_id"],
            settings["login_url"],
            settings["token_url"],
            settings["jwks_url"],
            settings["deployment_ids"],
        )
        db.session.commit()
        framing.forget_frame_origins()  # as the admin page does after a change


def launch(client, platform, user_id="student-1", roles=(LEARNER,), custom=None, tamper=None, **options):
    """A whole launch as a browser makes it: the platform's login initiation, the tool's redirect to the
    platform's authentication endpoint, and the id_token posted back. Returns the tool's last answer."""
    initiation = platform.login_initiation(user_id, registration=options.get("registration"))
    assert initiation.startswith("http://localhost/lti/login?")
    answer = client.get(initiation[len("http://localhost") :])
    assert answer.status_code == 302, answer.get_data(as_text=True)
    auth_request = answer.headers["Location"]
    assert auth_request.startswith(platform.base + "/auth?")
    sent = dict(parse_qsl(urlsplit(auth_request).query))
    assert (
        sent["response_type"] == "id_token" and sent["scope"] == "openid" and sent["nonce"] and sent["state"]
    )
    assert sent["redirect_uri"] == "http://localhost/lti/launch"
    form = platform.authenticate(
        auth_request,
        user_id,
        list(roles),
        custom={"course": "adequate-housing"} if custom is None else custom,
        **options,
    )
    if tamper:
        form = tamper(form)
    assert form["launch_url"] == "http://localhost/lti/launch"
    return client.post("/lti/launch", data={"id_token": form["id_token"], "state": form["state"]})
