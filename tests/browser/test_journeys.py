"""Whole journeys in a real browser, in English and in Arabic."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, mailed_link, make_user

COURSE = "adequate-housing"


def answer(page, question, right: bool):
    """Answer one question on the quiz form, rightly or wrongly."""
    if question.kind in ("single", "multiple"):
        keys = [o.key for o in question.options if o.correct == right]
        for key in keys if question.kind == "multiple" else keys[:1]:
            page.check(f"#{question.id}-{key}")
    elif question.kind == "true-false":
        truth = question.accepted[0]
        page.check(f"#{question.id}-{truth if right else ('false' if truth == 'true' else 'true')}")
    elif question.kind == "numeric":
        page.fill(f"#{question.id}-answer", str(question.number) if right else str(question.number + 1000))
    else:
        page.fill(f"#{question.id}-answer", question.accepted[0] if right else "nothing like it")


def submit_quiz(page, quiz, right: bool):
    for question in quiz.questions:
        answer(page, question, right)
    page.click(".quiz-form button[type=submit]")
    return page.locator(".result").get_attribute("class")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_learner_registers_studies_fails_passes_resumes_and_gets_a_certificate(
    browser, live_app, shipped_library, language
):
    course = shipped_library.get(COURSE)
    base = live_app.config["LIVE_URL"]
    context = browser.new_context(base_url=base, viewport={"width": 420, "height": 900})
    page = context.new_page()
    page.goto("/register")
    page.fill("#name", "Layla Haddad")
    page.fill("#email", f"layla-{language}@example.org")
    page.fill("#password", PASSWORD)
    page.select_option("#language", language)
    page.click("form.stacked-form button[type=submit]")
    page.goto(mailed_link(live_app, f"layla-{language}@example.org", "/register/confirm/"))
    page.fill("#password", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    assert page.get_attribute("html", "lang") == language

    page.goto(f"/courses/{COURSE}/")
    page.click("form.enrol-form button[type=submit]")
    assert page.locator("h1").inner_text() == course.lesson(course.lesson_ids[0], language).title

    halfway = len(course.lesson_ids) // 2
    for lesson_id in course.lesson_ids[1 : halfway + 1]:
        page.click("a[rel=next]")
        assert page.url.endswith(f"/courses/{COURSE}/{lesson_id}")
        if lesson_id in course.quiz_ids():
            quiz = course.lesson(lesson_id, language).activity
            assert "result-fail" in submit_quiz(page, quiz, right=False)
            page.goto(f"/courses/{COURSE}/{lesson_id}")
            assert "result-pass" in submit_quiz(page, quiz, right=True)
            page.goto(f"/courses/{COURSE}/{lesson_id}")
    stopped_at = course.lesson_ids[halfway]
    context.close()

    # Another device: sign in and continue exactly where the learner stopped.
    other = browser.new_context(base_url=base, viewport={"width": 1100, "height": 900})
    page = other.new_page()
    page.goto("/login")
    page.fill("#email", f"layla-{language}@example.org")
    page.fill("#password", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.goto(f"/courses/{COURSE}/continue")
    assert page.url.endswith(f"/courses/{COURSE}/{stopped_at}")
    for lesson_id in course.lesson_ids[halfway + 1 :]:
        page.click("a[rel=next]")
        if lesson_id in course.quiz_ids():
            assert "result-pass" in submit_quiz(page, course.lesson(lesson_id, language).activity, right=True)
            page.goto(f"/courses/{COURSE}/{lesson_id}")
    page.goto(f"/courses/{COURSE}/certificate")
    assert page.locator(".certificate-name").inner_text() == "Layla Haddad"
    code = page.locator(".certificate .code").inner_text()
    public = browser.new_context(base_url=base).new_page()
    public.goto(f"/certificates/{code}")
    assert public.locator(".certificate-name").inner_text() == "Layla Haddad"
    assert re.search(r"\d{4}", public.locator(".certificate-facts").inner_text())
    other.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_admin_exports_a_scorm_package_and_downloads_the_csv_report(browser, live_app, language):
    make_user(live_app, "admin@example.org", "Ada Admin", role="admin", language=language)
    make_user(live_app, "learner@example.org", "Lea Learner")
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], accept_downloads=True)
    page = context.new_page()
    page.goto("/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.goto(f"/admin/courses/{COURSE}/")
    page.fill("#email", "learner@example.org")
    page.locator("form[action$='/enrolments'] button[type=submit]").click()

    page.goto("/admin/export")
    page.select_option("#course", COURSE)
    page.select_option("#language", language)
    page.check("#standard-scorm12")
    with page.expect_download() as download_info:
        page.click("form.stacked-form button[type=submit]")
    download = download_info.value
    assert download.suggested_filename == f"{COURSE}_{language}_scorm12.zip"
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        assert "imsmanifest.xml" in archive.namelist()

    page.goto(f"/admin/courses/{COURSE}/")
    with page.expect_download() as download_info:
        page.click(f"a[href='/admin/courses/{COURSE}/learners.csv']")
    csv_text = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].startswith("name,email")
    assert "learner@example.org" in csv_text
    context.close()
