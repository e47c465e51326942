"""The learner list picks its page of learners first and counts only their progress: the same rows as the
full list (the CSV export's query), page by page, for every status and search, in two statements."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from learn_habitat.accounts.services import find_user_by_email
from learn_habitat.admin import services as reports
from learn_habitat.extensions import db
from learn_habitat.learning import services as learning
from tests.conftest import make_user

COURSE = "adequate-housing"


@pytest.fixture
def course_with_learners(app, shipped_library):
    """Seven learners: some completed nothing, some a few lessons, one the whole course."""
    course = shipped_library.get(COURSE)
    pages = [lid for lid in course.lesson_ids if lid not in course.quiz_ids()]
    for index in range(7):
        make_user(app, f"learner{index}@example.org", f"Learner {index}")
    with app.app_context():
        for index in range(7):
            user = find_user_by_email(f"learner{index}@example.org")
            learning.enrol(user, course)
            for lesson_id in pages[: index % 4]:
                learning.record_lesson_viewed(user, course, lesson_id)
        db.session.commit()
    return course


def full_list(course, status, search):
    return [
        row._mapping["user_id"] for row in db.session.execute(reports._learner_query(course, status, search))
    ]


@pytest.mark.parametrize("status", reports.LEARNER_STATUSES)
@pytest.mark.parametrize("search", ["", "learner 3", "LEARNER2@"])
def test_every_page_holds_the_rows_of_the_full_list(app, course_with_learners, status, search):
    course = course_with_learners
    with app.app_context():
        expected = full_list(course, status, search)
        found, pages = [], 0
        while True:
            pages += 1
            rows, total = reports.learner_page(course, status, search, pages, 3)
            assert total == len(expected)
            if not rows:
                break
            found.extend(rows)
        assert [row.user_id for row in found] == expected
        by_csv = {
            row._mapping["user_id"]: row._mapping["lessons_completed"]
            for row in db.session.execute(reports._learner_query(course, status, search))
        }
        assert {row.user_id: row.lessons_completed for row in found} == by_csv


def test_a_page_is_two_statements(app, course_with_learners):
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            rows, total = reports.learner_page(course_with_learners, "all", "", 2, 3)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert (len(rows), total) == (3, 7)
    assert len(statements) == 2
