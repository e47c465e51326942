"""The checklist on the site without JavaScript: the server answers the form with a summary; "Save" keeps one
copy per learner and lesson, updated in place; the dashboard lists it; the course report counts tool use."""

from __future__ import annotations

import pytest

from learn_habitat.content import load_library
from learn_habitat.extensions import db
from tests.activities.test_checklist import checklist_course
from tests.conftest import make_user

LESSON = "/courses/demo-course/assess"


@pytest.fixture
def app_config(app_config, course_dir):
    checklist_course(course_dir)
    app_config["COURSE_LIBRARY"] = load_library(course_dir.root)
    return app_config


def enrol(client):
    assert client.post("/courses/demo-course/enrol").status_code == 302


def saved_rows(app):
    from learn_habitat.tools.models import SavedChecklist

    with app.app_context():
        return [
            (row.user_id, row.lesson_id, row.answers) for row in db.session.scalars(db.select(SavedChecklist))
        ]


def test_the_lesson_shows_the_checklist_form_with_the_scale_for_each_statement(client, learner):
    enrol(client)
    page = client.get(LESSON).get_data(as_text=True)
    assert 'action="/courses/demo-course/assess/checklist"' in page
    assert page.count('type="radio"') == 3 * 3
    assert 'id="checklist-s1-1-2"' in page and ">in place</label>" in page
    assert "Save my checklist" in page
    assert 'id="checklist-summary" hidden' in page


def test_without_javascript_the_server_answers_with_guidance_and_a_summary_and_stores_nothing(
    client, learner, app
):
    enrol(client)
    response = client.post(LESSON + "/checklist", data={"s1-1": "0", "s1-2": "2", "action": "summary"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Start with a <em>rapid</em> mapping." in page
    assert "Check it every year." in page
    assert "Share the map" not in page  # guidance of answers not chosen
    assert 'id="checklist-s1-1-0" name="s1-1" value="0" checked' in page
    assert 'id="checklist-summary" hidden' not in page
    assert "<td>50%</td>" in page  # the first theme: 0 + 1 of 2
    assert saved_rows(app) == []


def test_saving_twice_keeps_one_copy_updated_in_place(client, learner, app):
    enrol(client)
    first = client.post(LESSON + "/checklist", data={"s1-1": "1", "action": "save"})
    assert first.status_code == 302 and first.location.endswith("/assess#checklist-summary")
    client.post(LESSON + "/checklist", data={"s1-1": "2", "s2-1": "0", "action": "save"})
    assert saved_rows(app) == [(learner, "assess", {"1.1": 2, "2.1": 0})]
    page = client.get(LESSON).get_data(as_text=True)
    assert 'value="2" checked' in page and "Saved on" in page


@pytest.fixture
def sample_checklist(app_config, course_dir):
    """The checklist as the course's first lesson, free to read for guests."""
    course_dir.replace("course.yaml", "      - details\n      - assess", "      - details")
    course_dir.replace("course.yaml", "      - welcome", "      - assess\n      - welcome")
    app_config["COURSE_LIBRARY"] = load_library(course_dir.root)
    return app_config


def test_a_guest_gets_a_summary_but_saving_needs_an_account(sample_checklist, client, app):
    page = client.post(LESSON + "/checklist", data={"s2-1": "2"}).get_data(as_text=True)
    assert "Sign in and enrol in the course to save your checklist." in page
    response = client.post(LESSON + "/checklist", data={"s2-1": "2", "action": "save"})
    assert response.status_code == 302 and "/account-needed" in response.location
    assert saved_rows(app) == []


def test_a_learner_not_enrolled_cannot_save(client, learner, app):
    response = client.post(LESSON + "/checklist", data={"s1-1": "1", "action": "save"})
    assert response.status_code == 302
    assert saved_rows(app) == []


def test_the_dashboard_lists_saved_checklists_with_their_summary_by_theme(client, learner):
    enrol(client)
    assert "My saved checklists" not in client.get("/dashboard").get_data(as_text=True)
    client.post(LESSON + "/checklist", data={"s1-1": "2", "s1-2": "2", "action": "save"})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "My saved checklists" in page
    assert 'href="/courses/demo-course/assess#checklist-summary"' in page
    assert "Social inclusion: 100%" in page and "Governance: 0%" in page


def test_a_checklist_lesson_is_complete_once_opened(client, learner, app):
    from learn_habitat.learning.models import LessonProgress

    enrol(client)
    client.get(LESSON)
    with app.app_context():
        row = db.session.scalar(db.select(LessonProgress).filter_by(lesson_id="assess"))
        assert row.completed_at is not None


def test_the_course_report_counts_tool_use_and_shows_saved_summaries_but_no_answers(client, app, auth):
    make_user(app, "a@example.org")
    make_user(app, "b@example.org")
    make_user(app, "admin@example.org", "Ada Admin", role="admin")
    auth.login("a@example.org")
    enrol(client)
    client.get(LESSON)
    client.post(LESSON + "/checklist", data={"s1-1": "2", "s1-2": "1", "action": "save"})
    auth.logout()
    auth.login("b@example.org")
    enrol(client)
    client.get(LESSON)
    client.post(LESSON + "/checklist", data={"s1-1": "0", "action": "summary"})  # answered, not saved
    auth.logout()
    auth.login("admin@example.org")
    page = client.get("/admin/courses/demo-course/").get_data(as_text=True)
    section = page[page.index('id="tools-heading"') :]
    assert "<td>2</td><td>1</td>" in section  # opened by two, saved by one
    assert "Saved checklists: Self-assessment" in section
    assert "<td>75%</td><td>0%</td><td>50%</td>" in section  # the saved copy's themes and overall
    assert "informal settlements" not in section and "a@example.org" not in section


def test_the_tool_usage_service_counts_only_tool_lessons(app, course_dir):
    from learn_habitat.tools.services import tool_usage

    course = load_library(course_dir.root).get("demo-course")
    with app.app_context():
        usage = tool_usage(course)
    assert [(row.lesson_id, row.type, row.opened, row.saved) for row in usage] == [
        ("assess", "checklist", 0, 0)
    ]
