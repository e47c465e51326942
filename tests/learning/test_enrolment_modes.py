"""Enrolment modes from course.yaml: open, key and closed."""

from __future__ import annotations

import pytest

from learn_habitat import create_app
from learn_habitat.content import load_library
from learn_habitat.extensions import db
from tests.conftest import PASSWORD, CourseFolder, make_user


@pytest.fixture
def modes_app(app_config, tmp_path):
    root = tmp_path / "mode-courses"
    for mode in ("open", "key", "closed"):
        folder = CourseFolder(root, f"{mode}-course")
        folder.replace("course.yaml", "completion:", f"enrolment: {mode}\ncompletion:")
    app_config["COURSE_LIBRARY"] = load_library(root)
    assert not app_config["COURSE_LIBRARY"].problems
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def signed_in(app):
    make_user(app)
    client = app.test_client()
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    return client


def test_open_course_self_enrol(modes_app):
    client = signed_in(modes_app)
    client.post("/courses/open-course/enrol")
    assert client.get("/courses/open-course/details").status_code == 200


def test_key_course_needs_the_right_key(modes_app):
    runner = modes_app.test_cli_runner()
    from learn_habitat.cli import main

    assert (
        runner.invoke(
            main, ["set-enrolment-key", "key-course", "--key-stdin"], input="habitat-2026\n"
        ).exit_code
        == 0
    )
    client = signed_in(modes_app)
    page = client.get("/courses/key-course/").get_data(as_text=True)
    assert 'name="key"' in page
    client.post("/courses/key-course/enrol", data={"key": "wrong"})
    assert client.get("/courses/key-course/details").status_code == 302
    client.post("/courses/key-course/enrol", data={"key": "habitat-2026"})
    assert client.get("/courses/key-course/details").status_code == 200


def test_closed_course_only_admins_enrol(modes_app):
    client = signed_in(modes_app)
    assert "An administrator enrols learners" in client.get("/courses/closed-course/").get_data(as_text=True)
    client.post("/courses/closed-course/enrol")
    assert client.get("/courses/closed-course/details").status_code == 302
    # Guests cannot read even the first lesson of a closed course.
    assert modes_app.test_client().get("/courses/closed-course/welcome").status_code == 302

    make_user(modes_app, "admin@example.org", "Admin", role="admin")
    admin = modes_app.test_client()
    admin.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    admin.post("/admin/courses/closed-course/enrolments", data={"email": "learner@example.org"})
    assert client.get("/courses/closed-course/details").status_code == 200


def test_unknown_enrolment_mode_is_a_checker_error(course_dir):
    from learn_habitat.content import check_courses

    course_dir.replace("course.yaml", "completion:", "enrolment: invite\ncompletion:")
    assert [p.message for p in check_courses(course_dir.path)] == [
        "enrolment must be one of open, key, closed, not 'invite'"
    ]


def test_quiz_average_rule_completes_on_the_average(app_config, tmp_path):
    from learn_habitat.accounts.services import find_user_by_email
    from learn_habitat.learning import services
    from tests.activities.test_quiz import QUIZ_BODY, QUIZ_FRONT

    folder = CourseFolder(tmp_path / "avg", "average-course")
    folder.replace("course.yaml", "      - details", "      - details\n      - check")
    folder.replace("course.yaml", "  rule: all-lessons", "  rule: quiz-average\n  min_average: 60")
    folder.write_lesson("check", QUIZ_BODY, front=QUIZ_FRONT.replace("pass_mark: 60", "pass_mark: 100"))
    app_config["COURSE_LIBRARY"] = load_library(tmp_path / "avg")
    app = create_app(app_config)
    course = app_config["COURSE_LIBRARY"].get("average-course")
    with app.app_context():
        db.create_all()
        make_user(app)
        user = find_user_by_email("learner@example.org")
        services.enrol(user, course)
        for lesson_id in course.lesson_ids:
            services.record_lesson_viewed(user, course, lesson_id)
        three_of_five = {"q1": "b", "q2": ["a", "b"], "q3": "false"}
        outcome = services.submit_quiz(user, course, "check", three_of_five, "s1", "en")
        assert not outcome.grade.passed  # the quiz's own pass mark is 100%
        assert services.course_progress(user, course).completed  # but the course asks a 60% average
        db.session.commit()
        db.drop_all()
        db.engine.dispose()
