"""Reports for admins and the course's authors: figures, filters, CSV, and who may see what."""

from __future__ import annotations

import csv
import io

import pytest

from learn_habitat.extensions import db
from tests.conftest import PASSWORD, make_user
from tests.learning.test_journey import right_answers, wrong_answers

COURSE = "monitoring-sdg-11"
OTHER = "adequate-housing"

WEB_ROUTES = [
    ("get", "/admin/"),
    ("get", f"/admin/courses/{COURSE}/"),
    ("get", f"/admin/courses/{COURSE}/learners"),
    ("get", f"/admin/courses/{COURSE}/learners.csv"),
    ("post", f"/admin/courses/{COURSE}/enrolments"),
    ("post", f"/admin/courses/{COURSE}/authors"),
    ("post", f"/admin/courses/{COURSE}/key"),
    # A learner's own page, the confirmation before unenrolling, and the unenrolment itself ({learner}: the id
    # of a learner enrolled in the course).
    ("get", f"/admin/courses/{COURSE}/learners/{{learner}}"),
    ("get", f"/admin/courses/{COURSE}/enrolments/{{learner}}/delete"),
    ("post", f"/admin/courses/{COURSE}/enrolments/{{learner}}/delete"),
]
# What each role gets: guests are sent to sign in, learners refused, the course's author sees its reports
# but may not change enrolments, an author of another course sees nothing of this one.
EXPECTED = {
    "guest": [302, 302, 302, 302, 302, 302, 302, 302, 302, 302],
    "learner": [403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "author": [200, 200, 200, 200, 403, 403, 403, 200, 403, 403],
    "other-author": [200, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "admin": [200, 200, 200, 200, 302, 302, 302, 200, 200, 302],
}


def sign_in_as(app, client, role):
    if role == "guest":
        return
    account_role = {"other-author": "author"}.get(role, role)
    email = f"{role}@example.org"
    make_user(app, email, role.title(), role=account_role)
    if role in ("author", "other-author"):
        from learn_habitat.accounts.services import find_user_by_email
        from learn_habitat.learning.services import assign_author

        with app.app_context():
            assign_author(find_user_by_email(email), COURSE if role == "author" else OTHER)
            db.session.commit()
    client.post("/login", data={"email": email, "password": PASSWORD})


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_route_by_role_matrix_for_report_pages(app, client, role):
    from learn_habitat.accounts.services import find_user_by_email
    from learn_habitat.course_library import current_library
    from learn_habitat.learning.services import enrol

    enrolled = make_user(app, "enrolled@example.org", "Enrolled Learner")
    with app.app_context():
        enrol(find_user_by_email("enrolled@example.org"), current_library().get(COURSE))
        db.session.commit()
    sign_in_as(app, client, role)
    statuses = [
        getattr(client, method)(
            path.format(learner=enrolled), data={"email": "x@example.org", "key": "abcd"}
        ).status_code
        for method, path in WEB_ROUTES
    ]
    assert statuses == EXPECTED[role]


API_ROUTES = [f"/api/v1/courses/{COURSE}/report", f"/api/v1/courses/{COURSE}/report.csv"]
API_EXPECTED = {"guest": 401, "learner": 403, "author": 200, "other-author": 403, "admin": 200}


@pytest.mark.parametrize("role", sorted(API_EXPECTED))
def test_route_by_role_matrix_for_the_report_api(app, client, role):
    headers = {}
    if role != "guest":
        sign_in_as(app, client, role)
        token = client.post("/api/v1/tokens", json={"email": f"{role}@example.org", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    for path in API_ROUTES:
        assert client.get(path, headers=headers).status_code == API_EXPECTED[role]


def learn(app, shipped_library, email, name, lessons, quiz_right):
    """A learner who enrols, opens ``lessons`` lessons and answers the first quiz."""
    from learn_habitat.accounts.services import find_user_by_email
    from learn_habitat.learning import services

    course = shipped_library.get(COURSE)
    make_user(app, email, name)
    with app.app_context():
        user = find_user_by_email(email)
        services.enrol(user, course)
        for lesson_id in [lid for lid in course.lesson_ids if lid not in course.quiz_ids()][:lessons]:
            services.record_lesson_viewed(user, course, lesson_id)
        quiz_id = course.quiz_ids()[0]
        if quiz_right is not None:
            questions = course.lesson(quiz_id, "en").activity.questions
            answer = right_answers if quiz_right else wrong_answers
            services.submit_quiz(user, course, quiz_id, {q.id: answer(q) for q in questions}, email, "en")
        db.session.commit()


def test_report_figures(app, client, admin, shipped_library):
    course = shipped_library.get(COURSE)
    learn(app, shipped_library, "one@example.org", "One", 3, True)
    learn(app, shipped_library, "two@example.org", "Two", 1, False)
    learn(app, shipped_library, "three@example.org", "Three", 0, None)

    report = client.get(f"/api/v1/courses/{COURSE}/report", headers=admin_token(client)).get_json()
    assert (report["enrolled"], report["active_last_30_days"], report["completed"]) == (3, 3, 0)
    assert report["completion_rate"] == 0
    assert report["average_quiz_score"] == pytest.approx(0.5)
    first = {stat["lesson_id"]: stat for stat in report["lessons"]}[course.lesson_ids[0]]
    assert (first["viewed"], first["completed"]) == (2, 2)
    assert sum(stat["stopped_here"] for stat in report["lessons"]) == 2
    questions = [q for q in report["questions"] if q["lesson_id"] == course.quiz_ids()[0]]
    assert all(q["answers"] == 2 and q["correct_rate"] == 0.5 for q in questions)

    page = client.get(f"/admin/courses/{COURSE}/").get_data(as_text=True)
    assert "50%" in page
    learners = client.get(f"/admin/courses/{COURSE}/learners?status=not-started").get_data(as_text=True)
    assert "three@example.org" in learners and "one@example.org" not in learners
    found = client.get(f"/admin/courses/{COURSE}/learners?q=TWO").get_data(as_text=True)
    assert "two@example.org" in found and "three@example.org" not in found


def admin_token(client):
    token = client.post("/api/v1/tokens", json={"email": "admin@example.org", "password": PASSWORD})
    return {"Authorization": f"Bearer {token.get_json()['token']}"}


def test_csv_export_streams_every_learner(app, client, admin, shipped_library):
    from sqlalchemy import insert

    from learn_habitat.accounts.models import User
    from learn_habitat.database import utcnow
    from learn_habitat.learning.models import Enrolment

    rows = 1234
    with app.app_context():
        now = utcnow()
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"l{i}@example.org",
                    "name": f"=Learner {i}",
                    "password_hash": "x",
                    "language": "en",
                    "role": "learner",
                    "session_token": f"t{i}",
                    "created_at": now,
                }
                for i in range(rows)
            ],
        )
        ids = db.session.scalars(db.select(User.id).where(User.email.like("l%@example.org"))).all()
        db.session.execute(
            insert(Enrolment),
            [
                {"user_id": uid, "course_id": COURSE, "enrolled_at": now, "last_activity_at": now}
                for uid in ids
            ],
        )
        db.session.commit()
    response = client.get(f"/admin/courses/{COURSE}/learners.csv")
    assert response.is_streamed
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][:2] == ["name", "email"]
    assert len(table) == rows + 1
    assert all(row[0].startswith("'=") for row in table[1:])  # no spreadsheet formulas


def test_admin_enrols_and_unenrols_by_email(app, client, admin, shipped_library):
    make_user(app, "pupil@example.org", "Pupil")
    client.post(f"/admin/courses/{COURSE}/enrolments", data={"email": "pupil@example.org"})
    learners = client.get(f"/admin/courses/{COURSE}/learners").get_data(as_text=True)
    assert "pupil@example.org" in learners
    from learn_habitat.accounts.services import find_user_by_email

    with app.app_context():
        user_id = find_user_by_email("pupil@example.org").id
    client.post(f"/admin/courses/{COURSE}/enrolments/{user_id}/delete")
    assert "pupil@example.org" not in client.get(f"/admin/courses/{COURSE}/learners").get_data(as_text=True)


def test_learners_see_only_their_own_data(app, client, shipped_library):
    learn(app, shipped_library, "one@example.org", "One", 2, None)
    make_user(app, "nosy@example.org", "Nosy")
    client.post("/login", data={"email": "nosy@example.org", "password": PASSWORD})
    assert "one@example.org" not in client.get("/dashboard").get_data(as_text=True)
    assert client.get(f"/admin/courses/{COURSE}/learners").status_code == 403
    assert client.get(f"/courses/{COURSE}/certificate").status_code == 302


def test_csv_export_of_100000_rows_keeps_memory_flat(app, shipped_library):
    """The export is streamed: peak memory stays far below the size of the whole file."""
    import tracemalloc

    from sqlalchemy import insert

    from learn_habitat.accounts.models import User
    from learn_habitat.admin.services import learner_csv
    from learn_habitat.database import utcnow
    from learn_habitat.learning.models import Enrolment

    rows = 100_000
    course = shipped_library.get(COURSE)
    with app.app_context():
        now = utcnow()
        for start in range(0, rows, 20_000):
            db.session.execute(
                insert(User),
                [
                    {
                        "email": f"learner{i}@example.org",
                        "name": f"Learner number {i}",
                        "password_hash": "x",
                        "language": "en",
                        "role": "learner",
                        "session_token": f"t{i}",
                        "created_at": now,
                    }
                    for i in range(start, start + 20_000)
                ],
            )
        db.session.execute(
            insert(Enrolment).from_select(
                ["user_id", "course_id", "enrolled_at", "last_activity_at"],
                db.select(
                    User.id,
                    db.literal(COURSE),
                    db.literal(now, type_=Enrolment.enrolled_at.type),
                    db.literal(now, type_=Enrolment.last_activity_at.type),
                ),
            )
        )
        db.session.commit()
        tracemalloc.start()
        total_bytes = lines = 0
        for chunk in learner_csv(course):
            total_bytes += len(chunk)
            lines += chunk.count("\n")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert lines == rows + 1
    assert total_bytes > 10_000_000
    assert peak < total_bytes / 4, (peak, total_bytes)


def test_learner_list_pages_keep_the_filter(app_config, shipped_library):
    from learn_habitat import create_app

    app_config["REPORT_PAGE_SIZE"] = 2
    paged = create_app(app_config)
    with paged.app_context():
        db.create_all()
    for number in range(5):
        learn(paged, shipped_library, f"p{number}@example.org", f"P{number}", 1, None)
    make_user(paged, "admin@example.org", "Ada", role="admin")
    client = paged.test_client()
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    first = client.get(f"/admin/courses/{COURSE}/learners?status=in-progress").get_data(as_text=True)
    assert "Page 1 of 3" in first
    assert f'rel="next" href="/admin/courses/{COURSE}/learners?page=2&amp;status=in-progress&amp;q="' in first
    last = client.get(f"/admin/courses/{COURSE}/learners?status=in-progress&page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and 'rel="next"' not in last and "p4@example.org" in last
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Nothing has been recorded yet." in audit and "pagination" not in audit
    with paged.app_context():
        db.drop_all()
        db.engine.dispose()
