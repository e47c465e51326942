"""Linking a platform's account to a local one: the password is the proof (never the email claim), under the
sign-in rate limits; progress from both sides is merged without loss or duplicates; authors and admins are
refused; later launches sign in the local account; unlinking; and every step in the audit log."""

from __future__ import annotations

import re

import pytest

from learn_habitat.accounts.models import User
from learn_habitat.admin.models import AuditEvent
from learn_habitat.extensions import db
from learn_habitat.learning.models import Completion, Enrolment, LessonProgress, QuizAttempt
from learn_habitat.lti.models import LtiGradeLink, LtiIdentity, LtiScore
from tests.conftest import PASSWORD, make_user
from tests.learning.test_journey import right_answers, submit, wrong_answers
from tests.lti.conftest import launch

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:pylti1p3.*",
    "ignore::DeprecationWarning:lti1p3platform.*",
)
COURSE = "adequate-housing"
LOCAL = "sam@example.org"


@pytest.fixture
def quiet(app):
    """Scores stay in the queue (no sender in the background), so tests can read them."""
    app.config["LTI_SEND_SCORES"] = False
    return app


def identity_owner(app, subject="student-1"):
    with app.app_context():
        return db.session.scalar(db.select(LtiIdentity.user_id).where(LtiIdentity.subject == subject))


def audit_actions(app):
    with app.app_context():
        return [
            (event.action, event.target, event.details)
            for event in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        ]


def link(client, email=LOCAL, password=PASSWORD):
    return client.post("/lti/link", data={"email": email, "password": password})


def csrf_token(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_linking_moves_the_identity_and_merges_progress_from_both_sides(
    app, quiet, client, platform, shipped_library
):
    course = shipped_library.get(COURSE)
    lessons = course.lesson_ids
    quiz = course.quiz_ids()[0]
    local_id = make_user(app, LOCAL, "Sam Local")
    # On the local account: the first two lessons, and a failed attempt at the first quiz.
    local = app.test_client()
    local.post("/login", data={"email": LOCAL, "password": PASSWORD})
    local.post(f"/courses/{COURSE}/enrol")
    for lesson_id in lessons[:2]:
        local.get(f"/courses/{COURSE}/{lesson_id}")
    assert submit(local, course, quiz, wrong_answers).status_code == 302
    # Through the platform: the second and third lessons, the quiz passed (with the same submission id
    # as the local attempt, which the merge must not trip over) and the lesson after it.
    assert launch(client, platform, claims={"name": "Sam Student", "email": LOCAL}).status_code == 302
    lti_id = identity_owner(app)
    assert lti_id != local_id
    for lesson_id in lessons[1:4]:
        client.get(f"/courses/{COURSE}/{lesson_id}")
    assert submit(client, course, quiz, right_answers).status_code == 302

    form = client.get("/lti/link").get_data(as_text=True)
    assert f'value="{LOCAL}"' in form  # the claimed address is offered, and the password still asked
    response = link(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")

    assert identity_owner(app) == local_id
    with app.app_context():
        assert db.session.get(User, lti_id) is None  # the launch-made account is gone
        for model in (Enrolment, LessonProgress, QuizAttempt, LtiGradeLink, LtiScore):
            assert db.session.scalar(db.select(db.func.count()).where(model.user_id == lti_id)) == 0
        enrolments = db.session.scalars(db.select(Enrolment).where(Enrolment.user_id == local_id)).all()
        assert [e.course_id for e in enrolments] == [COURSE]
        seen = db.session.scalars(
            db.select(LessonProgress.lesson_id).where(LessonProgress.user_id == local_id)
        ).all()
        assert sorted(seen) == sorted({*lessons[:2], *lessons[1:4]})  # no duplicates, nothing lost
        attempts = db.session.scalars(
            db.select(QuizAttempt).where(QuizAttempt.user_id == local_id).order_by(QuizAttempt.number)
        ).all()
        # Both attempts kept, numbered in the order they were made; the best result counts.
        assert [(a.number, a.passed) for a in attempts] == [(1, False), (2, True)]
        assert len({a.submission_id for a in attempts}) == 2
        user = db.session.get(User, local_id)
        from learn_habitat.learning import services as learning

        progress = learning.course_progress(user, course)
        assert progress.best_scores[quiz] == 1.0
        assert set(progress.completed_lessons) == {*lessons[:2], *lessons[1:4]}
        # The platform's grade link and its queued scores now belong to the local account, and the
        # merged progress is queued for the platform.
        assert db.session.scalar(db.select(LtiGradeLink.user_id)) == local_id
        scores = db.session.scalars(db.select(LtiScore).order_by(LtiScore.id)).all()
        assert scores and all(score.user_id == local_id for score in scores)
        expected = round(len(progress.completed_lessons) / len(lessons) * 100, 2)
        assert scores[-1].score_given == expected and scores[-1].score["userId"] == "student-1"
        assert user.name == "Sam Local"  # not the platform's name for the person

    profile = client.get("/profile").get_data(as_text=True)
    assert LOCAL in profile and "student-1" in profile and "Test LMS" in profile
    assert "/lti/identities/" in profile  # a way to unlink it
    (event,) = [e for e in audit_actions(app) if e[0] == "lti_link"]
    assert event[1] == LOCAL
    assert event[2]["identities"] == f"{platform.issuer} student-1"
    assert event[2]["removed_account"] == str(lti_id) and event[2]["attempts"] == "1"


def test_a_launch_after_linking_signs_in_the_local_account(app, quiet, client, platform):
    local_id = make_user(app, LOCAL, "Sam Local")
    launch(client, platform, claims={"name": "Sam Student"})
    assert link(client).status_code == 302
    later = app.test_client()
    assert launch(later, platform, claims={"name": "Somebody Else"}).status_code == 302
    profile = later.get("/profile").get_data(as_text=True)
    assert f"Signed in as {LOCAL}" in profile
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LtiIdentity)) == 1
        assert db.session.get(User, local_id).name == "Sam Local"
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_completions_from_both_sides_keep_one_certificate_and_complete_what_they_complete_together(
    app, quiet, client, platform, shipped_library
):
    course = shipped_library.get(COURSE)
    lessons = course.lesson_ids
    local_id = make_user(app, LOCAL, "Sam Local")
    local = app.test_client()
    local.post("/login", data={"email": LOCAL, "password": PASSWORD})
    local.post(f"/courses/{COURSE}/enrol")
    half = len(lessons) // 2
    for lesson_id in lessons[:half]:
        local.get(f"/courses/{COURSE}/{lesson_id}")
        if lesson_id in course.quiz_ids():
            submit(local, course, lesson_id, right_answers, submission_id="local")
    launch(client, platform)
    for lesson_id in lessons[half:]:
        client.get(f"/courses/{COURSE}/{lesson_id}")
        if lesson_id in course.quiz_ids():
            submit(client, course, lesson_id, right_answers, submission_id="platform")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Completion)) == 0
    assert link(client).status_code == 302
    with app.app_context():
        completion = db.session.scalar(db.select(Completion))
        assert completion.user_id == local_id and completion.learner_name == "Sam Local"
        last = db.session.scalars(db.select(LtiScore).order_by(LtiScore.id.desc())).first()
        assert last.score["gradingProgress"] == "FullyGraded" and last.score_given == 100


def test_a_wrong_password_is_refused_and_the_email_claim_is_never_enough(app, client, platform):
    local_id = make_user(app, LOCAL, "Sam Local")
    launch(client, platform, claims={"email": LOCAL})
    lti_id = identity_owner(app)
    response = link(client, password="not the password at all")
    assert response.status_code == 401
    assert "The email or password is not right." in response.get_data(as_text=True)
    assert link(client, password="").status_code == 422
    assert client.post("/lti/link", data={"email": LOCAL}).status_code == 422
    assert link(client, email="x" * 300 + "@example.org").status_code == 422
    assert link(client, email="nobody@example.org").status_code == 401
    assert identity_owner(app) == lti_id != local_id
    assert "lti_link" not in [action for action, _, _ in audit_actions(app)]


@pytest.mark.parametrize("role", ["admin", "author"])
def test_admin_and_author_accounts_cannot_be_linked(app, client, platform, role):
    make_user(app, "ada@example.org", "Ada", role=role)
    launch(client, platform)
    lti_id = identity_owner(app)
    response = link(client, email="ada@example.org")
    assert response.status_code == 403
    assert "cannot be linked to a partner platform" in response.get_data(as_text=True)
    assert identity_owner(app) == lti_id
    assert client.get("/admin/").status_code == 403  # still the launch-made account
    assert [(action, target) for action, target, _ in audit_actions(app)] == [
        ("lti_link_refused", "ada@example.org")
    ]


def test_a_launch_for_an_account_given_more_rights_after_linking_is_refused(app, quiet, client, platform):
    local_id = make_user(app, LOCAL, "Sam Local")
    launch(client, platform)
    assert link(client).status_code == 302
    with app.app_context():
        db.session.get(User, local_id).role = "admin"
        db.session.commit()
    later = app.test_client()
    response = launch(later, platform)
    assert response.status_code == 400
    assert "more than a learner" in response.get_data(as_text=True)
    assert later.get("/profile").status_code == 302  # nobody signed in


def test_double_submit_and_a_copied_session_link_once(app, quiet, client, platform):
    local_id = make_user(app, LOCAL, "Sam Local")
    other_id = make_user(app, "other@example.org", "Other")
    launch(client, platform)
    copy = app.test_client()
    with client.session_transaction() as original, copy.session_transaction() as copied:
        copied.update(original)
    assert link(client).status_code == 302
    # The same form again: the browser is the local account now, and nothing happens twice.
    again = link(client)
    assert again.status_code == 302 and again.headers["Location"].endswith("/profile")
    # The other tab's session belonged to the removed account: it is signed out, and cannot link.
    stale = link(copy, email="other@example.org")
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]
    assert identity_owner(app) == local_id != other_id
    assert [action for action, _, _ in audit_actions(app)].count("lti_link") == 1


def test_an_identity_linked_meanwhile_is_not_linked_again(app, quiet, client, platform, shipped_library):
    """Two submissions at once: the one that finds the binding moved by the other is refused."""
    from learn_habitat.lti import linking
    from learn_habitat.lti.services import LtiError

    first_id = make_user(app, LOCAL, "Sam Local")
    second_id = make_user(app, "other@example.org", "Other")
    launch(client, platform)
    lti_id = identity_owner(app)
    with app.app_context():
        lti_user, second = db.session.get(User, lti_id), db.session.get(User, second_id)
        with db.engine.begin() as concurrent:  # the other request committed first
            concurrent.execute(
                db.update(LtiIdentity).where(LtiIdentity.user_id == lti_id).values(user_id=first_id)
            )
        with pytest.raises(LtiError) as refused:
            linking.link_account(lti_user, second, shipped_library)
        assert refused.value.code == "already_linked"
        db.session.rollback()
    assert identity_owner(app) == first_id


def test_unlinking_frees_the_identity_and_keeps_the_progress(app, quiet, client, platform):
    local_id = make_user(app, LOCAL, "Sam Local")
    launch(client, platform)
    assert link(client).status_code == 302
    with app.app_context():
        identity_id = db.session.scalar(db.select(LtiIdentity.id))
    # Nobody else can unlink it.
    stranger = app.test_client()
    launch(stranger, platform, user_id="student-2")
    assert stranger.post(f"/lti/identities/{identity_id}/unlink").status_code == 404
    assert client.post("/lti/identities/99999/unlink").status_code == 404
    assert client.post("/lti/identities/99999999999/unlink").status_code == 404

    response = client.post(f"/lti/identities/{identity_id}/unlink")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(LtiIdentity, identity_id) is None
        assert db.session.scalar(db.select(Enrolment.user_id).where(Enrolment.user_id == local_id))
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(LtiGradeLink).where(LtiGradeLink.user_id == local_id)
            )
            == 0
        )
    assert "/lti/identities/" not in client.get("/profile").get_data(as_text=True)
    unlinked = [e for e in audit_actions(app) if e[0] == "lti_unlink"]
    assert unlinked == [("lti_unlink", LOCAL, {"issuer": platform.issuer, "subject": "student-1"})]
    # The next launch makes an account of its own again.
    fresh = app.test_client()
    launch(fresh, platform)
    assert identity_owner(app) not in (None, local_id)
    assert "@lti.invalid" in fresh.get("/profile").get_data(as_text=True)


def test_the_profile_of_a_launch_account_offers_the_link(app, client, platform):
    launch(client, platform)
    profile = client.get("/profile").get_data(as_text=True)
    assert 'href="/lti/link"' in profile
    assert client.post("/lti/identities/1/unlink").status_code == 302  # refused: it has no other way in
    assert identity_owner(app) is not None


def test_pages_for_local_accounts_and_guests(app, client, learner):
    page = client.get("/lti/link")
    assert page.status_code == 302 and page.headers["Location"].endswith("/profile")
    assert "/lti/identities/" not in client.get("/profile").get_data(as_text=True)
    guest = app.test_client()
    assert "/login" in guest.get("/lti/link").headers["Location"]
    assert (
        "/login" in guest.post("/lti/link", data={"email": LOCAL, "password": PASSWORD}).headers["Location"]
    )


class TestWithLimitsAndCsrf:
    """As in production: CSRF tokens required, and linking shares the sign-in rate limits."""

    @pytest.fixture
    def app_config(self, app_config):
        app_config.update(
            WTF_CSRF_ENABLED=True,
            RATELIMIT_ENABLED=True,
            LOGIN_RATE_LIMIT="50 per minute",
            ACCOUNT_RATE_LIMIT="2 per minute",
        )
        return app_config

    def test_a_link_without_a_csrf_token_is_refused(self, app, client, platform):
        make_user(app, LOCAL, "Sam Local")
        launch(client, platform)
        lti_id = identity_owner(app)
        assert link(client).status_code == 400
        assert client.post("/lti/identities/1/unlink").status_code == 400
        assert identity_owner(app) == lti_id

    def test_wrong_passwords_are_limited_together_with_sign_in(self, app, client, platform):
        make_user(app, LOCAL, "Sam Local")
        launch(client, platform)
        token = csrf_token(client, "/lti/link")
        data = {"email": LOCAL, "password": "a wrong guess here", "csrf_token": token}
        assert [client.post("/lti/link", data=data).status_code for _ in range(3)] == [401, 401, 429]
        # The account's counter is the sign-in page's too: another address guessing there is refused.
        other = app.test_client()
        address = {"REMOTE_ADDR": "10.9.9.9"}
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"',
            other.get("/login", environ_base=address).get_data(as_text=True),
        ).group(1)
        refused = other.post(
            "/login", data={"email": LOCAL, "password": PASSWORD, "csrf_token": token}, environ_base=address
        )
        assert refused.status_code == 429
