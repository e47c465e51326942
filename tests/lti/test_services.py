"""Grades, deep linking and members over real HTTP to the platform on 127.0.0.1: a quiz attempt's score
posted to the line item and read back through AGS, retries while the platform is down, the signed content
item of a deep link, and the context's members from NRPS."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from learn_habitat.cli import main
from learn_habitat.extensions import db
from learn_habitat.lti.models import LtiScore
from tests.conftest import wait_for_background_jobs
from tests.learning.test_journey import right_answers, submit, wrong_answers
from tests.lti.conftest import launch
from tests.lti.platform import CLIENT_ID, INSTRUCTOR

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:pylti1p3.*",
    "ignore::DeprecationWarning:lti1p3platform.*",
)
COURSE = "adequate-housing"


def _send(app, now=None):
    from learn_habitat.lti.keys import signing_key
    from learn_habitat.lti.outbox import send_due_scores

    with app.app_context():
        return send_due_scores(signing_key(app.instance_path), now=now)


def test_a_quiz_attempt_posts_the_score_and_the_tool_reads_it_back(app, client, platform, shipped_library):
    course = shipped_library.get(COURSE)
    quiz_id = course.quiz_ids()[0]
    launch(client, platform, custom={"course": COURSE, "lesson": quiz_id})
    assert submit(client, course, quiz_id, right_answers).status_code in (200, 302)
    wait_for_background_jobs()  # the sender runs after the commit
    assert platform.scores, "no score reached the platform"
    score = platform.scores[-1]
    assert score["userId"] == "student-1" and score["scoreGiven"] == 100 and score["scoreMaximum"] == 100
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "Completed"

    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.lineitem import LineItem
    from pylti1p3.service_connector import ServiceConnector

    from learn_habitat.lti.keys import signing_key
    from learn_habitat.lti.launch import find_platform, registration_for

    with app.app_context():
        registration = registration_for(
            find_platform(platform.issuer, CLIENT_ID), signing_key(app.instance_path)
        )
        service = AssignmentsGradesService(
            ServiceConnector(registration),
            {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"],
                "lineitem": platform.lineitem_url,
            },
        )
        results = service.get_grades(LineItem({"id": platform.lineitem_url}))
    assert [(r["userId"], r["resultScore"]) for r in results] == [("student-1", 100)]


def test_scores_wait_while_the_platform_is_down_and_are_sent_later(app, client, platform, shipped_library):
    app.config["LTI_SEND_SCORES"] = False  # this test drives the sender itself
    course = shipped_library.get(COURSE)
    quiz_id = course.quiz_ids()[0]
    launch(client, platform)  # the whole course: its score follows the completion rule
    submit(client, course, quiz_id, wrong_answers, submission_id="first")
    submit(client, course, quiz_id, right_answers, submission_id="second")
    platform.down = True
    assert _send(app) == (0, 1)  # the older score is superseded, the newest fails
    with app.app_context():
        waiting = db.session.scalars(db.select(LtiScore).where(LtiScore.sent_at.is_(None))).all()
        assert len(waiting) == 1 and waiting[0].attempts == 1 and "503" in waiting[0].last_error
        first_wait = waiting[0].next_attempt_at
    assert _send(app) == (0, 0)  # not due yet: backoff
    platform.down = False
    later = first_wait + timedelta(seconds=1)
    assert _send(app, now=later) == (1, 0)
    assert len(platform.scores) == 1
    expected = (
        round(100 * 1 / len(course.quiz_ids()), 2)
        if course.completion.get("rule") == "quiz-average"
        else None
    )
    if expected is not None:
        assert platform.scores[0]["scoreGiven"] == expected
    assert platform.scores[0]["gradingProgress"] == "Pending"  # not complete: no final grade yet


def test_retry_waits_grow(app):
    from learn_habitat.lti.outbox import retry_delay

    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(50) == timedelta(hours=6)


def test_deep_linking_returns_a_signed_content_item(app, client, platform, shipped_library):
    course = shipped_library.get(COURSE)
    page = launch(client, platform, user_id="teacher-1", roles=(INSTRUCTOR,), deep_link=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    launch_id = html.split('name="launch_id" value="')[1].split('"')[0]
    quiz_id = course.quiz_ids()[0]
    answer = client.post(
        "/lti/deep-link", data={"launch_id": launch_id, "item": f"{COURSE}/{quiz_id}", "language": "fr"}
    )
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert f'action="{platform.base}/deep-link-return"' in body
    assert platform.base in answer.headers["Content-Security-Policy"]
    token = body.split('name="JWT" value="')[1].split('"')[0]
    items = platform.conf().validate_deeplinking_resp({"JWT": token})
    decoded = jwt.decode(token, options={"verify_signature": False})
    assert decoded["iss"] == CLIENT_ID and decoded["aud"] == [platform.issuer]
    assert items[0]["type"] == "ltiResourceLink" and items[0]["url"] == "http://localhost/lti/launch"
    assert items[0]["custom"] == {"course": COURSE, "lesson": quiz_id, "language": "fr"}
    assert items[0]["lineItem"]["scoreMaximum"] == 100


def test_a_learner_cannot_ask_for_a_deep_link(app, client, platform):
    assert launch(client, platform, deep_link=True).status_code == 403


def test_the_instructor_sees_the_members_of_the_context(app, client, platform):
    launch(app.test_client(), platform)  # Sam launched once
    response = launch(client, platform, user_id="teacher-1", roles=(INSTRUCTOR,))
    assert response.status_code == 302
    from learn_habitat.lti.models import LtiResourceLink

    with app.app_context():
        link_id = db.session.scalar(db.select(LtiResourceLink.id))
    page = client.get(f"/lti/links/{link_id}/members").get_data(as_text=True)
    assert "Sam Student" in page and "Nia Newcomer" in page and "Not started" in page
    other = app.test_client()
    launch(other, platform, user_id="student-2")
    assert other.get(f"/lti/links/{link_id}/members").status_code == 403


def test_frame_ancestors_name_the_registered_platform(app, client, platform):
    from learn_habitat.lti import framing

    with app.app_context():
        framing.forget_frame_origins()
    # A visitor who did not arrive through a launch is never framed by anyone but the site itself.
    assert client.get("/").headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    with client.session_transaction() as session:
        session[framing.LTI_SESSION_FLAG] = True
    policy = client.get("/").headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {platform.base}" in policy


def test_registration_changes_go_to_the_audit_log(app, client, admin, runner):
    result = runner.invoke(
        main,
        [
            "lti",
            "add-platform",
            "--issuer",
            "https://moodle.example.org",
            "--client-id",
            "abc",
            "--deployment-id",
            "1",
            "--login-url",
            "https://moodle.example.org/mod/lti/auth.php",
            "--token-url",
            "https://moodle.example.org/mod/lti/token.php",
            "--jwks-url",
            "https://moodle.example.org/mod/lti/certs.php",
        ],
    )
    assert result.exit_code == 0, result.output
    refused = runner.invoke(
        main,
        [
            "lti",
            "add-platform",
            "--issuer",
            "http://moodle.example.org",
            "--client-id",
            "x",
            "--deployment-id",
            "1",
            "--login-url",
            "http://a.example",
            "--token-url",
            "http://a.example",
            "--jwks-url",
            "http://a.example",
        ],
    )
    assert refused.exit_code != 0
    config = runner.invoke(main, ["lti", "config"])
    assert "Initiate login URL: http://localhost/lti/login" in config.output
    assert "Public keyset (JWKS) URL: http://localhost/lti/jwks.json" in config.output
    page = client.post(
        "/lti/platforms",
        data={
            "name": "Canvas",
            "issuer": "https://canvas.instructure.com",
            "client_id": "1000",
            "deployment_ids": "7:abc",
            "login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
            "token_url": "https://sso.canvaslms.com/login/oauth2/token",
            "jwks_url": "https://sso.canvaslms.com/api/lti/security/jwks",
        },
    )
    assert page.status_code == 302
    from learn_habitat.admin.models import AuditEvent

    with app.app_context():
        actions = [(e.action, e.target) for e in db.session.scalars(db.select(AuditEvent))]
    assert ("lti_add_platform", "https://moodle.example.org") in actions
    assert ("lti_add_platform", "https://canvas.instructure.com") in actions
