"""Every admin action leaves a line in the audit log, which only admins can read."""

from __future__ import annotations

from learn_habitat.admin.models import AuditEvent
from learn_habitat.cli import main
from learn_habitat.extensions import db
from tests.conftest import PASSWORD, make_user

COURSE = "adequate-housing"


def events(app):
    with app.app_context():
        return [
            (e.actor, e.action, e.target, e.details)
            for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_admin_actions_are_recorded(app, client, admin):
    make_user(app, "pupil@example.org", "Pupil")
    client.post(f"/admin/courses/{COURSE}/enrolments", data={"email": "pupil@example.org"})
    client.post(f"/admin/courses/{COURSE}/authors", data={"email": "pupil@example.org"})
    client.get(f"/admin/export/download?course={COURSE}&language=fr&standard=scorm12")
    client.get(f"/admin/courses/{COURSE}/learners.csv").close()
    assert [(actor, action, target) for actor, action, target, _ in events(app)] == [
        ("admin@example.org", "enrol", COURSE),
        ("admin@example.org", "add_author", COURSE),
        ("admin@example.org", "export_scorm", COURSE),
        ("admin@example.org", "export_learners_csv", COURSE),
    ]
    assert events(app)[0][3] == {"learner": "pupil@example.org"}
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "export_scorm" in page and "pupil@example.org" in page


def test_command_line_admin_actions_are_recorded(app):
    runner = app.test_cli_runner()
    runner.invoke(main, ["create-admin", "boss@example.org", "--password-stdin"], input=PASSWORD + "\n")
    runner.invoke(main, ["set-enrolment-key", COURSE, "--key-stdin"], input="open sesame\n")
    assert [(actor, action, target) for actor, action, target, _ in events(app)] == [
        ("command line", "create_admin", "boss@example.org"),
        ("command line", "set_enrolment_key", COURSE),
    ]


def test_only_admins_read_the_audit_log(app, client):
    make_user(app, "author@example.org", "Author", role="author")
    client.post("/login", data={"email": "author@example.org", "password": PASSWORD})
    assert client.get("/admin/audit").status_code == 403
    client.post("/logout")
    assert client.get("/admin/audit").status_code == 302
