"""Every page type in each of the six languages, language negotiation, fallback and translation status."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from learn_habitat import create_app
from learn_habitat.cli import main
from learn_habitat.content import SUPPORTED_LANGUAGES, load_course, load_library
from learn_habitat.content.translations import stamp_translations, translation_status
from learn_habitat.extensions import db
from tests.conftest import PASSWORD, SHIPPED_COURSES, make_user
from tests.learning.test_journey import right_answers

COURSE = "new-urban-agenda"
DIRECTION = {"ar": "rtl"}


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def page_urls(course):
    quiz = course.quiz_ids()[0]
    page = course.lesson_ids[0]
    return {
        "catalogue": "/",
        "course": f"/courses/{COURSE}/",
        "lesson": f"/courses/{COURSE}/{page}",
        "quiz": f"/courses/{COURSE}/{quiz}",
        "dashboard": "/dashboard",
        "profile": "/profile",
        "certificate": f"/courses/{COURSE}/certificate",
        "report": f"/admin/courses/{COURSE}/",
        "learners": f"/admin/courses/{COURSE}/learners",
        "translations": "/admin/translations",
    }


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_page_type_renders_with_the_right_lang_and_dir(app, client, shipped_library, language):
    course = shipped_library.get(COURSE)
    make_user(app, "admin@example.org", "Ada Admin", role="admin", language=language)
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    token = client.post(
        "/api/v1/tokens", json={"email": "admin@example.org", "password": PASSWORD}
    ).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.post(f"/api/v1/courses/{COURSE}/enrolment", headers=headers)
    for lesson_id in course.lesson_ids:
        if lesson_id in course.quiz_ids():
            answers = {q.id: right_answers(q) for q in course.lesson(lesson_id, "en").activity.questions}
            client.post(
                f"/api/v1/courses/{COURSE}/lessons/{lesson_id}/attempts",
                json={"answers": answers},
                headers=headers,
            )
        else:
            client.post(f"/api/v1/courses/{COURSE}/lessons/{lesson_id}/view", headers=headers)

    expected = f'<html lang="{language}" dir="{DIRECTION.get(language, "ltr")}">'
    for name, url in {**page_urls(course), "verify": None}.items():
        if name == "verify":
            code = client.get(f"/api/v1/courses/{COURSE}/progress", headers=headers).get_json()[
                "certificate_code"
            ]
            url = f"/certificates/{code}"
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        assert html_tag(response.get_data(as_text=True)) == expected, name
    assert course.title(language) in client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    lesson = client.get(page_urls(course)["lesson"]).get_data(as_text=True)
    assert course.lesson(course.lesson_ids[0], language).title in lesson
    attempt = client.get(f"/courses/{COURSE}/{course.quiz_ids()[0]}/attempts/1")
    assert html_tag(attempt.get_data(as_text=True)) == expected


@pytest.mark.parametrize("language", [code for code in SUPPORTED_LANGUAGES if code != "en"])
def test_guest_pages_are_translated(client, language):
    client.set_cookie("lang", language)
    for url in ("/", "/login", "/register", "/password/forgot", "/nowhere"):
        page = client.get(url).get_data(as_text=True)
        assert html_tag(page) == f'<html lang="{language}" dir="{DIRECTION.get(language, "ltr")}">'
        assert ">Courses<" not in page and "Sign in</a>" not in page, url


def test_language_comes_from_preference_then_cookie_then_browser(app, client):
    assert 'lang="fr"' in html_tag(
        client.get("/", headers={"Accept-Language": "fr-CH, de;q=0.8"}).get_data(as_text=True)
    )
    assert 'lang="en"' in html_tag(
        client.get("/", headers={"Accept-Language": "de, it"}).get_data(as_text=True)
    )
    client.set_cookie("lang", "zh")
    assert 'lang="zh"' in html_tag(client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True))
    make_user(app, language="ar")
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    assert 'lang="ar" dir="rtl"' in html_tag(client.get("/").get_data(as_text=True))


def test_switcher_sets_the_cookie_and_the_learner_preference(app, client, learner):
    response = client.post("/language", data={"language": "ru", "next": "/courses/adequate-housing/"})
    assert response.headers["Location"] == "/courses/adequate-housing/"
    assert "lang=ru" in response.headers["Set-Cookie"]
    from learn_habitat.accounts.models import User

    with app.app_context():
        assert db.session.get(User, learner).language == "ru"
    assert (
        client.post("/language", data={"language": "ru", "next": "https://evil.example"}).headers["Location"]
        == "/"
    )


def test_dates_and_numbers_follow_the_language(app, client, shipped_library):
    make_user(app, "admin@example.org", "Ada", role="admin", language="fr")
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    client.post(f"/courses/{COURSE}/enrol")
    client.get(f"/courses/{COURSE}/{shipped_library.get(COURSE).lesson_ids[0]}")
    page = client.get(f"/admin/courses/{COURSE}/learners").get_data(as_text=True)
    # Month names in full (CLDR's long date): see tests/i18n/test_dates.py.
    months = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    assert re.search(rf"\d{{1,2}} ({months}) \d{{4}}", page)


def test_missing_lesson_falls_back_to_the_source_with_a_notice(app_config, course_dir):
    course_dir.write_lesson("welcome", "## Pourquoi\n\nTexte.\n", language="fr")
    app_config["COURSE_LIBRARY"] = load_library(course_dir.root)
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    make_user(app, language="fr")
    client = app.test_client()
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    client.post("/courses/demo-course/enrol")
    translated = client.get("/courses/demo-course/welcome").get_data(as_text=True)
    assert "Pourquoi" in translated and 'class="notice"' not in translated.split("<article")[1]
    fallback = client.get("/courses/demo-course/details").get_data(as_text=True)
    assert 'class="lesson" lang="en" dir="ltr"' in fallback
    assert "English" in fallback.split('class="notice"')[1].split("</p>")[0]
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_progress_is_shared_across_languages(app, client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    client.post("/language", data={"language": "fr"})
    client.post(f"/courses/{COURSE}/enrol")
    client.get(f"/courses/{COURSE}/{course.lesson_ids[0]}")
    client.post("/language", data={"language": "ar"})
    page = client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    assert f'value="{round(100 / len(course.lesson_ids))}"' in page
    assert html_tag(page) == '<html lang="ar" dir="rtl">'


def test_missing_outdated_and_up_to_date_translations(course_dir):
    course_dir.write_lesson("welcome", "## Pourquoi\n\nLisez [la suite](details.md).\n", language="fr")
    course_dir.write_lesson("details", "## Un tableau\n\nTexte.\n", language="fr")
    course = load_course(course_dir.path)
    fr = translation_status(course).languages["fr"]
    assert (fr.missing, fr.outdated, fr.up_to_date) == ((), ("welcome", "details"), ())
    assert translation_status(course).languages["ar"].missing == ("welcome", "details")

    stamp_translations(course, ["fr"])
    course = load_course(course_dir.path)
    assert translation_status(course).languages["fr"].up_to_date == ("welcome", "details")

    course_dir.replace("en/details.md", "Callouts are admonitions.", "Callouts are admonitions, edited.")
    course = load_course(course_dir.path)
    fr = translation_status(course).languages["fr"]
    assert (fr.outdated, fr.up_to_date) == (("details",), ("welcome",))


def test_checker_warns_on_outdated_translations_but_passes(course_dir):
    course_dir.write_lesson(
        "welcome",
        "## Pourquoi\n\nTexte.\n",
        language="fr",
        front="title: B\ntype: page\nminutes: 3\ntranslation_of: 0123456789ab\n",
    )
    result = CliRunner().invoke(main, ["check", str(course_dir.root)])
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        f"{course_dir.path / 'fr/welcome.md'}:5: warning: outdated translation: it translates 0123456789ab, but the "
        f"source is now {load_course(course_dir.path).lessons['en']['welcome'].source_hash[:12]}; update it from "
        "en/welcome.md, then run 'learn-habitat translations --stamp'"
    )


def test_a_translated_quiz_must_grade_like_its_source(course_dir):
    from tests.activities.test_quiz import QUIZ_BODY, QUIZ_FRONT

    course_dir.replace("course.yaml", "      - details", "      - details\n      - check")
    course_dir.write_lesson("check", QUIZ_BODY, front=QUIZ_FRONT)
    course_dir.write_lesson("check", QUIZ_BODY.replace("= false", "= true"), language="fr", front=QUIZ_FRONT)
    result = CliRunner().invoke(main, ["check", str(course_dir.root)])
    assert result.exit_code == 1
    assert "question q3 differs from the source quiz" in result.stdout


def test_translations_json_shows_nothing_missing_or_outdated_for_shipped_courses():
    result = CliRunner().invoke(main, ["translations", "--json", "--path", str(SHIPPED_COURSES)])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert {course["id"] for course in report["courses"]} == {
        "new-urban-agenda",
        "monitoring-sdg-11",
        "adequate-housing",
        "cities-and-crises",
    }
    for course in report["courses"]:
        assert set(course["languages"]) == {"ar", "es", "fr", "ru", "zh"}
        for code, status in course["languages"].items():
            assert status["missing"] == [] and status["outdated"] == [], (course["id"], code)
            assert status["terminology"] == [], (course["id"], code)
            assert len(status["up_to_date"]) >= 6


def test_translations_stamp_command(course_dir):
    course_dir.write_lesson("welcome", "## Pourquoi\n\nTexte.\n", language="fr")
    result = CliRunner().invoke(
        main, ["translations", "--stamp", "--lang", "fr", "--path", str(course_dir.root)]
    )
    assert result.exit_code == 0
    assert "stamped" in result.stdout
    assert "translation_of: " in (course_dir.path / "fr" / "welcome.md").read_text()
    report = CliRunner().invoke(main, ["translations", "--json", "--path", str(course_dir.root)])
    fr = json.loads(report.stdout)["courses"][0]["languages"]["fr"]
    assert fr == {"missing": ["details"], "outdated": [], "up_to_date": ["welcome"], "terminology": []}
