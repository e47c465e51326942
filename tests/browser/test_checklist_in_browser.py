"""The checklist in Chromium: on the site with and without JavaScript, and inside SCORM 1.2 and 2004 packages
(answers kept in suspend data across a relaunch, within SCORM 1.2's 4,096 characters), in English and Arabic."""

from __future__ import annotations

import pytest

from learn_habitat.content import load_course, load_library
from tests.activities.test_checklist import CHECKLIST_BODY, CHECKLIST_FRONT
from tests.browser.test_scorm_runtime import (  # noqa: F401 - lms is a fixture
    STANDARDS,
    end_session,
    lesson_frame,
    lms,
    values,
    walk_to,
)
from tests.conftest import PASSWORD, CourseFolder, make_user

ARABIC_FRONT = "title: تقييم ذاتي\ntype: checklist\nminutes: 10\nscale: [لم يبدأ, قيد التنفيذ, قائم]\ntranslation_of: x\n"
ARABIC_BODY = """\
قيّم مدينتك.

::: theme الإدماج الاجتماعي
- رسمت المدينة خرائط المستوطنات غير الرسمية (الفقرة 109).
    > لم يبدأ: ابدأ برسم خرائط سريع.
    > قيد التنفيذ: شارك الخريطة مع المرافق.
- تشمل سياسة الإسكان المستأجرين (الفقرة 107).
    > قائم: راجعها كل عام.
:::

::: theme الحوكمة
- تقدم المدينة تقارير عن الخطة.
:::
"""
# What each language shows: a value of the scale, the guidance for "not started" of statement 1.1, a theme.
SHOWN = {
    "en": ("in place", "Start with a rapid mapping.", "Social inclusion"),
    "ar": ("قائم", "ابدأ برسم خرائط سريع.", "الإدماج الاجتماعي"),
}


def build_checklist_course(root, statements=None):
    """A course of three lessons (two pages, then the checklist), the checklist translated into Arabic."""
    folder = CourseFolder(root, "checklist-course")
    folder.replace("course.yaml", "      - details", "      - details\n      - assess")
    body = CHECKLIST_BODY
    if statements:
        body = "::: theme Many\n" + "".join(f"- Statement {n}\n" for n in range(statements)) + ":::\n"
    folder.write_lesson("assess", body, front=CHECKLIST_FRONT)
    if not statements:
        folder.write_lesson("assess", ARABIC_BODY, language="ar", front=ARABIC_FRONT)
    return folder


@pytest.fixture(scope="module")
def checklist_course(tmp_path_factory):
    return load_course(build_checklist_course(tmp_path_factory.mktemp("checklist")).path)


# --------------------------------------------------------------------------------------------- the site


@pytest.fixture
def app_config(app_config, tmp_path):
    folder = build_checklist_course(tmp_path / "courses")
    app_config["COURSE_LIBRARY"] = load_library(folder.root)
    return app_config


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_learner_answers_sees_the_summary_saves_and_finds_it_on_the_dashboard(
    browser, live_app, language, javascript
):
    make_user(live_app, "lea@example.org", language=language)
    context = browser.new_context(
        base_url=live_app.config["LIVE_URL"],
        java_script_enabled=javascript,
        viewport={"width": 420, "height": 900},
    )
    try:
        assert context.request.post("/login", form={"email": "lea@example.org", "password": PASSWORD}).ok
        assert context.request.post("/courses/checklist-course/enrol").ok
        page = context.new_page()
        page.goto("/courses/checklist-course/assess")
        assert page.get_attribute("html", "lang") == language
        value, guidance, theme = SHOWN[language]
        assert page.locator("#checklist-summary").is_hidden()
        page.check("#checklist-s1-1-0")
        page.check("#checklist-s1-2-2")
        assert page.locator("#checklist-s1-2-2 + label").inner_text() == value
        page.locator("#checklist-form button[value=summary]").click()
        summary = page.locator("#checklist-summary")
        summary.wait_for(state="visible")
        assert page.locator("#checklist-s1-1").inner_text().count(guidance) == 1
        first_row = summary.locator("tbody tr").first
        assert first_row.locator("th").inner_text() == theme
        assert [cell.inner_text() for cell in first_row.locator("td").all()] == ["1", "0", "1", "0", "50%"]
        assert page.is_checked("#checklist-s1-1-0")  # the answers stay in the form
        page.locator("#checklist-form button[value=save]").click()
        page.wait_for_url("**/assess#checklist-summary")
        assert page.is_checked("#checklist-s1-2-2") and summary.is_visible()
        page.goto("/dashboard")
        saved = page.locator("ul.saved-checklists")
        assert f"{theme}: 50%" in saved.inner_text()
        # Print (or save as PDF): the page's chrome and buttons are left out, the summary is printed.
        page.emulate_media(media="print")
        page.goto("/courses/checklist-course/assess")
        assert page.locator("#checklist-form button[value=save]").is_hidden()
        assert page.locator("#checklist-summary table").is_visible()
    finally:
        context.close()


# --------------------------------------------------------------------------------------------- packages


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("standard", STANDARDS)
def test_in_a_package_the_checklist_answers_and_is_restored_from_suspend_data(
    lms,  # noqa: F811 - the fixture imported above
    browser,
    checklist_course,
    standard,
    language,
):
    context = browser.new_context(viewport={"width": 900, "height": 900})
    page = lms(standard, language, context=context, course=checklist_course)
    walk_to(page, checklist_course, "assess")
    frame = lesson_frame(page)
    value, guidance, theme = SHOWN[language]
    frame.locator("#checklist-s1-1-0").check()
    assert frame.locator("#checklist-s1-1 .checklist-guidance").inner_text() == guidance
    frame.locator("#checklist-s2-1-2").check()
    frame.locator("#checklist-form button[value=summary]").click()
    summary = frame.locator("#checklist-summary")
    summary.wait_for(state="visible")
    assert [cell.inner_text() for cell in summary.locator("tbody tr").nth(1).locator("td").all()] == [
        "0",
        "0",
        "1",
        "0",
        "100%",
    ]
    assert summary.locator("tbody tr th").first.inner_text() == theme
    page.wait_for_function(
        "name => String(window[name].cmi.suspend_data || '').endsWith(';2.0-2')",
        arg=STANDARDS[standard]["api_name"],
    )
    assert page.evaluate("window.lmsErrors") == []
    end_session(page, standard)
    page.evaluate("window.saveCmi()")
    page.close()

    # Relaunched: the LMS hands the suspend data back; the checklist shows the answers and the summary again.
    page = lms(standard, language, context=context, resume=True, course=checklist_course)
    walk_to(page, checklist_course, "assess")
    frame = lesson_frame(page)
    frame.locator("#checklist-summary").wait_for(state="visible")
    assert frame.locator("#checklist-s1-1-0").is_checked() and frame.locator("#checklist-s2-1-2").is_checked()
    assert frame.locator("#checklist-s1-1 .checklist-guidance").inner_text() == guidance
    context.close()


def test_a_checklist_of_the_largest_size_fits_scorm_12_suspend_data(lms, browser, tmp_path_factory):  # noqa: F811
    from learn_habitat.activities.checklist import MAX_STATEMENTS
    from scorm_export.base import SCORM12_SUSPEND_DATA_LENGTH, longest_suspend_data

    course = load_course(build_checklist_course(tmp_path_factory.mktemp("large"), MAX_STATEMENTS).path)
    assert longest_suspend_data(course) <= SCORM12_SUSPEND_DATA_LENGTH
    page = lms("scorm12", course=course)
    walk_to(page, course, "assess")
    frame = lesson_frame(page)
    # Every statement answered with the last value of the scale, then one change event for the form.
    frame.locator("#checklist-form").evaluate(
        "form => { form.querySelectorAll('input[value=\"2\"]').forEach(function (i) { i.checked = true; });"
        " form.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    page.wait_for_function(
        f"() => String(window.API.cmi.core && window.API.cmi.suspend_data || '').endsWith('{'2' * MAX_STATEMENTS}')"
    )
    data = values(page, "scorm12")["suspend_data"]
    assert len(data) <= SCORM12_SUSPEND_DATA_LENGTH
    assert data.endswith(";2." + "2" * MAX_STATEMENTS)
    assert page.evaluate("window.lmsErrors") == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_checklist_page_passes_axe_and_works_with_the_keyboard_alone(browser, live_app, language):
    from tests.browser.test_accessibility import AXE, BLOCKING_IMPACTS, describe, run_axe

    make_user(live_app, "kofi@example.org", language=language)
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], bypass_csp=True)
    context.add_init_script(path=str(AXE))
    try:
        assert context.request.post("/login", form={"email": "kofi@example.org", "password": PASSWORD}).ok
        assert context.request.post("/courses/checklist-course/enrol").ok
        page = context.new_page()
        page.goto("/courses/checklist-course/assess")
        page.focus("#checklist-s1-1-0")
        page.keyboard.press("Space")  # the first answer of the first statement
        page.keyboard.press(
            "ArrowRight" if language == "en" else "ArrowLeft"
        )  # the next answer along the scale
        assert page.is_checked("#checklist-s1-1-1")
        page.focus("#checklist-form button[value=summary]")
        page.keyboard.press("Enter")
        page.locator("#checklist-summary").wait_for(state="visible")
        assert page.is_checked("#checklist-s1-1-1")
        results = run_axe(page)
        blocking = [r for r in results["violations"] if r["impact"] in BLOCKING_IMPACTS]
        assert blocking == [], describe(blocking)
    finally:
        context.close()
