"""Reports people read: every figure defined where it is shown, charts drawn on the server, a page per
learner, a confirmation before unenrolling, and the forms before the long tables."""

from __future__ import annotations

import re

import lxml.html
import pytest

from learn_habitat.admin import charts
from learn_habitat.admin.definitions import FIGURES
from learn_habitat.extensions import db
from tests.admin.test_reports import COURSE, learn
from tests.conftest import PASSWORD, make_user
from tests.learning.test_journey import right_answers, wrong_answers

REPORT = f"/admin/courses/{COURSE}/"


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return lxml.html.fromstring(response.get_data(as_text=True))


def has_class(name):
    """An XPath test for one of an element's classes."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def text(element):
    return " ".join(element.text_content().split())


def seed(app, shipped_library):
    """Three learners: one far along who passed the first quiz, one who failed it, one who only enrolled."""
    learn(app, shipped_library, "one@example.org", "One", 3, True)
    learn(app, shipped_library, "two@example.org", "Two", 1, False)
    learn(app, shipped_library, "three@example.org", "Three", 0, None)


def user_id(app, email):
    from learn_habitat.accounts.services import find_user_by_email

    with app.app_context():
        return find_user_by_email(email).id


# ------------------------------------------------------------------------------------ figures defined


def test_every_figure_of_the_course_report_has_its_definition_next_to_it(app, client, admin, shipped_library):
    seed(app, shipped_library)
    html = page(client, REPORT)
    summary = {
        text(div.find("dt")): (text(div.find_class("figure")[0]), text(div.find_class("definition")[0]))
        for div in html.xpath(f".//dl[{has_class('facts')}]/div")
    }
    assert summary == {
        "Enrolled": ("3", str(FIGURES["enrolled"])),
        "Active (30 days)": ("3", str(FIGURES["active"])),
        "Completed": ("0", str(FIGURES["completed"])),
        "Completion rate": ("0%", str(FIGURES["completion_rate"])),
        "Average quiz score": ("50%", str(FIGURES["average_quiz_score"])),
    }
    columns = {
        text(div.find("dt")): text(div.find("dd"))
        for div in html.xpath(f".//dl[{has_class('definitions')}]/div")
    }
    assert columns == {
        "Opened": str(FIGURES["opened"]),
        "Completed": str(FIGURES["lesson_completed"]),
        "Stopped here": str(FIGURES["stopped_here"]),
        "Answers": str(FIGURES["answers"]),
        "Correct rate": str(FIGURES["correct_rate"]),
    }
    # The same words on the list of courses and on the learner list.
    index = text(page(client, "/admin/"))
    assert all(str(FIGURES[key]) in index for key in ("enrolled", "active", "completion_rate"))
    learners = text(page(client, f"/admin/courses/{COURSE}/learners"))
    assert str(FIGURES["progress"]) in learners and str(FIGURES["last_active"]) in learners


def test_definitions_are_translated(app, client, shipped_library):
    make_user(app, "admin@example.org", "Ada", role="admin", language="fr")
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    html = page(client, REPORT)
    definitions = [text(dd) for dd in html.find_class("definition")]
    assert len(definitions) == 5 and str(FIGURES["enrolled"]) not in definitions, definitions


# ------------------------------------------------------------------------------------------- charts


def bars(image, series):
    """(value, x percent, width percent) of every bar of one series, top to bottom."""
    return [
        (int(rect.get("data-value")), float(rect.get("x").rstrip("%")), float(rect.get("width").rstrip("%")))
        for rect in image.xpath(f".//rect[{has_class('bar-' + series)}]")
    ]


def assert_proportional(found, expected_values):
    values = [value for value, _, _ in found]
    assert values == expected_values
    largest = max(values)
    for value, _, width in found:
        assert width == pytest.approx(100 * value / largest if largest else 0, abs=0.01)


def chart(html, chart_id):
    """The chart's image (it carries the accessible name) and its rows."""
    image = html.get_element_by_id(chart_id).xpath(f".//div[{has_class('chart')}]")[0]
    return image, image.xpath(f"./div[{has_class('chart-row')}]")


def labels(rows):
    return [text(row.xpath(f".//span[{has_class('chart-label')}]")[0]) for row in rows]


def test_the_lesson_funnel_is_an_svg_chart_with_a_name_and_bars_in_proportion(
    app, client, admin, shipped_library
):
    seed(app, shipped_library)
    course = shipped_library.get(COURSE)
    report = client.get(f"/api/v1/courses/{COURSE}/report", headers=token(client)).get_json()
    stats = {stat["lesson_id"]: stat for stat in report["lessons"]}
    html = page(client, REPORT)
    image, rows = chart(html, "lesson-funnel")
    assert image.get("role") == "img"
    summary = image.get("aria-label")
    assert summary.startswith("Learners who opened and who completed each lesson, in course order")
    assert "2 opened the first lesson" in summary
    opened, completed = bars(image, "opened"), bars(image, "completed")
    assert_proportional(opened, [stats[lesson_id]["viewed"] for lesson_id in course.lesson_ids])
    assert_proportional(completed, [stats[lesson_id]["completed"] for lesson_id in course.lesson_ids])
    assert opened[0][0] == 2 and opened[0][2] == pytest.approx(100)
    assert all(x == 0 for _, x, _ in opened + completed)  # from the left edge in English
    # One row per lesson in course order: its title, two bars (opened above completed) and their numbers.
    titles = [course.lesson(lesson_id, "en").title for lesson_id in course.lesson_ids]
    assert labels(rows) == titles
    for row, lesson_id in zip(rows, course.lesson_ids, strict=True):
        top, bottom = row.xpath(".//svg/rect")
        assert "bar-opened" in top.get("class") and "bar-completed" in bottom.get("class")
        assert int(top.get("y")) < int(bottom.get("y"))
        numbers = [text(number) for number in row.xpath(f".//span[{has_class('chart-values')}]/span")]
        assert numbers == [str(stats[lesson_id]["viewed"]), str(stats[lesson_id]["completed"])]
    # The table with every number stays.
    table = html.xpath("//h2[@id='lessons-heading']/following-sibling::div[1]//tbody//th")
    assert [text(th) for th in table] == titles


def test_charts_mirror_in_arabic(app, client, shipped_library):
    seed(app, shipped_library)
    make_user(app, "admin@example.org", "Ada", role="admin", language="ar")
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    html = page(client, REPORT)
    assert html.get("dir") == "rtl"
    image, _ = chart(html, "lesson-funnel")
    found = bars(image, "opened") + bars(image, "completed")
    assert any(width > 0 for _, _, width in found)
    for _, x, width in found:
        assert x + width == pytest.approx(100)  # bars grow from the right edge
    assert image.get("aria-label") and "Learners who opened" not in image.get("aria-label")


def add_attempts(app, scores):
    """Quiz attempts with these scores: ``scores`` maps (email, quiz number) to the scores of its attempts."""
    from learn_habitat.learning.models import QuizAttempt

    with app.app_context():
        for (email, quiz), attempts in scores.items():
            uid = user_id(app, email)
            for number, score in enumerate(attempts, start=1):
                db.session.add(
                    QuizAttempt(
                        user_id=uid,
                        course_id=COURSE,
                        lesson_id=f"quiz-{quiz}",
                        submission_id=f"{email}-{quiz}-{number}",
                        number=number,
                        score=score,
                        passed=score >= 0.7,
                        language="en",
                        answers={},
                    )
                )
        db.session.commit()


def test_score_distribution_counts_each_learners_best_score_per_quiz_in_ten_bands(app, shipped_library):
    from learn_habitat.admin.services import score_distribution

    for number in range(4):
        make_user(app, f"s{number}@example.org", f"S{number}")
    add_attempts(
        app,
        {
            ("s0@example.org", 1): [0.3, 0.7],  # only the best, 0.7, counts: band 70–79 %
            ("s0@example.org", 2): [1.0],  # a full score is in the top band
            ("s1@example.org", 1): [0.69],
            ("s2@example.org", 1): [0.0],
            ("s3@example.org", 1): [0.95, 0.1],
        },
    )
    with app.app_context():
        assert score_distribution(shipped_library.get(COURSE)) == [1, 0, 0, 0, 0, 0, 1, 1, 0, 2]
    scores = (0.0, 0.09, 0.1, 0.69, 0.7, 0.7 - 1e-12, 0.99, 1.0)
    assert [charts.score_band(score) for score in scores] == [0, 0, 1, 6, 7, 7, 9, 9]


def test_the_score_distribution_chart_shows_the_bands_in_proportion(app, client, admin, shipped_library):
    for number in range(3):
        make_user(app, f"s{number}@example.org", f"S{number}")
    add_attempts(
        app,
        {
            ("s0@example.org", 1): [1.0],
            ("s1@example.org", 1): [1.0],
            ("s2@example.org", 1): [0.75],
            ("s0@example.org", 2): [0.2],
        },
    )
    html = page(client, REPORT)
    image, rows = chart(html, "score-distribution")
    assert image.get("role") == "img"
    assert image.get("aria-label").startswith("4 best scores in ten bands; the most common band is 90%–100%.")
    assert_proportional(bars(image, "scores"), [0, 0, 1, 0, 0, 0, 0, 1, 0, 2])
    assert labels(rows)[::9] == ["0%–9%", "90%–100%"] and len(rows) == 10
    # The same numbers as a table, for screen readers and for copying.
    rows = [
        [text(cell) for cell in row]
        for row in html.xpath(f".//details[{has_class('chart-numbers')}]//tbody/tr")
    ]
    assert rows[2] == ["20%–29%", "1"] and rows[9] == ["90%–100%", "2"] and len(rows) == 10


def test_no_quiz_taken_means_no_distribution_chart(app, client, admin):
    html = page(client, REPORT)
    assert not html.xpath("//*[@id='score-distribution']") and "No quiz has been taken yet." in text(html)


def test_chart_labels_are_escaped(app):
    drawn = charts.bar_chart([("<b>Tom & Jerry</b>", (3, 1))], (("opened", "Opened"), ("completed", "Done")))
    with app.test_request_context():
        from flask import render_template_string

        html = render_template_string(
            '{% from "admin/_charts.html" import bar_chart %}{{ bar_chart(chart, "A <summary>", "c", "ltr") }}',
            chart=drawn,
        )
    assert "<b>" not in html and "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in html
    assert 'aria-label="A &lt;summary&gt;"' in html


# ------------------------------------------------------------------------------------- learner page


def complete_with_a_failed_attempt(app, shipped_library, email):
    """``email`` fails the first quiz once, then passes every quiz and reads every lesson."""
    from learn_habitat.accounts.services import find_user_by_email
    from learn_habitat.learning import services

    course = shipped_library.get(COURSE)
    make_user(app, email, "Amina Diallo")
    with app.app_context():
        user = find_user_by_email(email)
        services.enrol(user, course)
        first = course.quiz_ids()[0]
        questions = course.lesson(first, "en").activity.questions
        services.submit_quiz(user, course, first, {q.id: wrong_answers(q) for q in questions}, "fail", "en")
        for lesson_id in course.lesson_ids:
            if lesson_id in course.quiz_ids():
                questions = course.lesson(lesson_id, "en").activity.questions
                answers = {q.id: right_answers(q) for q in questions}
                services.submit_quiz(user, course, lesson_id, answers, f"pass-{lesson_id}", "en")
            else:
                services.record_lesson_viewed(user, course, lesson_id)
        db.session.commit()
        return user.id, services.my_certificate(user, course.id).certificate_code


def test_a_learners_page_shows_progress_attempts_and_certificate(app, client, admin, shipped_library):
    course = shipped_library.get(COURSE)
    uid, code = complete_with_a_failed_attempt(app, shipped_library, "amina@example.org")
    learn(app, shipped_library, "two@example.org", "Two", 1, False)
    learners = page(client, f"/admin/courses/{COURSE}/learners")
    link = learners.xpath(f".//a[@href='/admin/courses/{COURSE}/learners/{uid}']")
    assert [text(a) for a in link] == ["Amina Diallo"]

    html = page(client, f"/admin/courses/{COURSE}/learners/{uid}")
    assert text(html.find(".//h1")) == "Amina Diallo"
    assert "amina@example.org" in text(html)
    modules = [
        [text(cell) for cell in row]
        for row in html.xpath("//h2[@id='modules-heading']/following-sibling::div[1]//tbody/tr")
    ]
    assert [row[0] for row in modules] == [course.module_title(m, "en") for m in course.modules]
    assert [row[1] for row in modules] == [
        f"{len(m.lesson_ids)} of {len(m.lesson_ids)}" for m in course.modules
    ]
    attempts = [
        [text(cell) for cell in row] for row in html.xpath(f".//table[{has_class('attempts')}]/tbody/tr")
    ]
    first_quiz = course.lesson(course.quiz_ids()[0], "en").title
    assert attempts[0][0] == first_quiz and attempts[0][1] == "1" and attempts[0][4] == "Not passed"
    assert attempts[1][:2] == [first_quiz, "2"] and attempts[1][3:] == ["100%", "Passed"]
    assert len(attempts) == len(course.quiz_ids()) + 1
    assert all(re.search(r"\d{4}", row[2]) for row in attempts)  # the date of every attempt
    assert code in text(html)
    assert html.xpath(f".//a[@href='/certificates/{code}']")

    other = page(client, f"/admin/courses/{COURSE}/learners/{user_id(app, 'two@example.org')}")
    assert "No certificate: the course is not completed." in text(other)
    assert f"1 of {len(course.lesson_ids)} lessons" in text(other)


def test_a_learners_page_is_only_for_learners_of_that_course(app, client, admin, shipped_library):
    stranger = make_user(app, "stranger@example.org", "Stranger")
    assert client.get(f"/admin/courses/{COURSE}/learners/{stranger}").status_code == 404
    assert client.get(f"/admin/courses/{COURSE}/learners/999999").status_code == 404


def test_a_deleted_learners_page_names_no_one(app, client, admin, shipped_library):
    from learn_habitat.accounts.models import User
    from learn_habitat.database import utcnow

    uid, code = complete_with_a_failed_attempt(app, shipped_library, "gone@example.org")
    with app.app_context():
        db.session.get(User, uid).deleted_at = utcnow()
        db.session.commit()
    html = text(page(client, f"/admin/courses/{COURSE}/learners/{uid}"))
    assert "Deleted learner" in html and "gone@example.org" not in html and code not in html


# ------------------------------------------------------------------------------ unenrol, confirmed


@pytest.fixture
def strict_client(app_config):
    """An admin's client on an app that checks CSRF tokens, as in production."""
    from learn_habitat import create_app

    app_config["WTF_CSRF_ENABLED"] = True
    strict = create_app(app_config)
    with strict.app_context():
        db.drop_all()
        db.create_all()
    make_user(strict, "admin@example.org", "Ada Admin", role="admin")
    client = strict.test_client()
    csrf = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": csrf})
    yield strict, client
    with strict.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def csrf_token(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def enrolled(app, uid):
    from learn_habitat.learning.models import Enrolment

    with app.app_context():
        return db.session.scalar(db.select(Enrolment).filter_by(user_id=uid, course_id=COURSE)) is not None


def test_unenrolling_asks_first_and_keeps_progress(strict_client, shipped_library):
    app, client = strict_client
    learn(app, shipped_library, "pupil@example.org", "Pupil Name", 2, None)
    uid = user_id(app, "pupil@example.org")
    confirm = f"/admin/courses/{COURSE}/enrolments/{uid}/delete"

    # The list links to a confirmation page; no button on the list unenrols at once.
    learners = page(client, f"/admin/courses/{COURSE}/learners")
    assert not learners.xpath(f".//form[@action='{confirm}']")
    (link,) = learners.xpath(f".//a[@href='{confirm}']")
    assert text(link) == "Unenrol"
    assert text(learners.get_element_by_id(link.get("aria-describedby"))) == "Pupil Name"  # whom it unenrols

    response = client.get(confirm)
    assert response.status_code == 200 and enrolled(app, uid)  # asking changes nothing
    html = lxml.html.fromstring(response.get_data(as_text=True))
    assert text(html.find(".//h1")) == "Unenrol Pupil Name from Monitoring SDG 11?"
    assert "Progress is kept" in text(html)
    form = html.xpath(f".//form[@method='post'][@action='{confirm}']")[0]
    assert form.xpath(".//input[@name='csrf_token']") and form.xpath(".//button[@type='submit']")

    assert client.post(confirm).status_code == 400 and enrolled(app, uid)  # no token, no change
    token = csrf_token(response.get_data(as_text=True))
    assert (
        client.post(confirm, data={"csrf_token": token})
        .headers["Location"]
        .endswith(f"/admin/courses/{COURSE}/learners")
    )
    assert not enrolled(app, uid)
    # Progress is kept: the learner's page still shows the lessons read.
    total = len(shipped_library.get(COURSE).lesson_ids)
    assert f"2 of {total} lessons" in text(page(client, f"/admin/courses/{COURSE}/learners/{uid}"))
    assert client.get(confirm).status_code == 404  # nothing left to confirm


# ------------------------------------------------------------------------------------ forms on top


def test_forms_and_downloads_come_before_the_long_tables(app, client, admin, shipped_library):
    html = client.get(REPORT).get_data(as_text=True)
    first_table = html.index("<table")
    for marker in (
        f'action="/admin/courses/{COURSE}/enrolments"',
        f'action="/admin/courses/{COURSE}/authors"',
        f'href="/admin/courses/{COURSE}/learners.csv"',
        "standard=scorm2004",
    ):
        assert html.index(marker) < first_table, marker
    assert html.index(f'action="/admin/courses/{COURSE}/enrolments"') < html.index('id="summary-heading"')
    learners = client.get(f"/admin/courses/{COURSE}/learners").get_data(as_text=True)
    assert learners.index('role="search"') < learners.index("learners.csv") < learners.index("<table")


def token(client):
    response = client.post("/api/v1/tokens", json={"email": "admin@example.org", "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


# ------------------------------------------------------------------------------------ admin index links


def test_the_admin_index_links_to_the_lti_platforms_for_admins_only(app, client, admin):
    html = page(client, "/admin/")
    (platforms,) = html.xpath('.//p[@class="actions"]/a[@href="/lti/platforms"]')
    assert text(platforms) == "LTI platforms"
    assert client.get(platforms.get("href")).status_code == 200
    client.post("/logout")
    make_user(app, "author@example.org", "Author", role="author")
    client.post("/login", data={"email": "author@example.org", "password": PASSWORD})
    assert not page(client, "/admin/").xpath('.//a[@href="/lti/platforms"]')
