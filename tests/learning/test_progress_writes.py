"""Recording progress writes only what changed: a re-read of the lesson the learner is on writes nothing."""

from __future__ import annotations

from sqlalchemy import event

from learn_habitat.accounts.services import find_user_by_email
from learn_habitat.extensions import db
from learn_habitat.learning import services
from tests.conftest import make_user

COURSE = "adequate-housing"


def writes_during(app, action):
    statements = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            action()
            db.session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", note)
    return statements


def test_first_view_writes_and_a_repeat_view_does_not(app, shipped_library):
    course = shipped_library.get(COURSE)
    lesson_id = course.lesson_ids[0]
    make_user(app)
    with app.app_context():
        services.enrol(find_user_by_email("learner@example.org"), course)
        db.session.commit()

    def view():
        services.record_lesson_viewed(find_user_by_email("learner@example.org"), course, lesson_id)

    assert len(writes_during(app, view)) >= 2  # the progress row, its completion, the place in the course
    assert writes_during(app, view) == []
    with app.app_context():
        progress = services.course_progress(find_user_by_email("learner@example.org"), course)
        assert progress.completed_lessons == (lesson_id,)
        assert progress.last_lesson == lesson_id


def test_moving_to_another_lesson_updates_the_place_even_when_it_was_seen(app, shipped_library):
    course = shipped_library.get(COURSE)
    first, second = course.lesson_ids[:2]
    make_user(app)
    with app.app_context():
        user = find_user_by_email("learner@example.org")
        services.enrol(user, course)
        for lesson_id in (first, second, first):
            services.record_lesson_viewed(user, course, lesson_id)
        db.session.commit()
        assert services.course_progress(user, course).last_lesson == first
