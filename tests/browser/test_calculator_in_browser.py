"""Calculators in Chromium: on the site with and without JavaScript, inside packages of both SCORM standards
run by scorm-again, in English and Arabic; Babel and the browser's Intl.NumberFormat show numbers alike."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from learn_habitat.activities.calculator import format_number, messages, number_symbols
from learn_habitat.content import SUPPORTED_LANGUAGES, load_library
from scorm_export.base import _translations
from tests.activities.calculator_course import calculator_course
from tests.browser.test_accessibility import AXE, AXE_TAGS, BLOCKING_IMPACTS, describe
from tests.browser.test_scorm_runtime import lesson_frame, lms, wait_for_next_lesson  # noqa: F401 - a fixture
from tests.conftest import make_user

COURSE = "calc-course"
LESSON = f"/courses/{COURSE}/tool"
# What the Arabic learner types (Arabic-Indic digits) and sees.
TYPED = {"en": ("1300", "2,000"), "ar": ("١٣٠٠", "٢٠٠٠")}
BAND = {"en": "Severely cost-burdened", "ar": "مثقل بشدة بتكاليف السكن"}


@pytest.fixture
def calculator_site(app_config, tmp_path):
    """The live site serving the calculator course, with an enrolled learner per language."""
    folder = calculator_course(tmp_path / "courses", arabic=True)
    app_config["COURSES_DIR"], app_config["COURSE_LIBRARY"] = str(folder.root), load_library(folder.root)
    return folder


@pytest.fixture
def learner_tab(browser, calculator_site, live_app):
    contexts = []

    def open_tab(language, javascript=True, bypass_csp=False):
        email = f"calc-{language}-{javascript}@example.org"
        make_user(live_app, email=email, language=language)
        context = browser.new_context(
            base_url=live_app.config["LIVE_URL"],
            java_script_enabled=javascript,
            bypass_csp=bypass_csp,
            viewport={"width": 420, "height": 900},
        )
        contexts.append(context)
        assert context.request.post("/login", form={"email": email, "password": "a long enough password"}).ok
        assert context.request.post(f"/courses/{COURSE}/enrol").ok
        tab = context.new_page()
        tab.goto(LESSON)
        assert tab.get_attribute("html", "lang") == language
        return tab

    yield open_tab
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_with_javascript_results_follow_the_typing_without_a_request(learner_tab, language):
    tab = learner_tab(language)
    output = tab.locator("output#calc-1-out-burden")
    expect(output).to_have_text("32.0")
    expect(tab.locator("form#calc-1")).to_have_attribute("data-live", "true")
    requests = []
    tab.on("request", lambda request: requests.append(request.url))
    costs, income = TYPED[language]
    tab.fill("#calc-1-in-costs", costs)
    tab.fill("#calc-1-in-income", income)
    expect(output).to_have_text("65.0")
    expect(tab.locator("#calc-1-out-burden-note")).to_have_text(BAND[language])
    tab.fill("#calc-1-in-income", "0")
    expect(output).to_have_text("")
    said = messages(_translations(language).ugettext)
    expect(tab.locator("#calc-1-out-burden-note")).to_have_text(said["division_by_zero"])
    tab.fill("#calc-1-in-income", "x")
    expect(tab.locator("#calc-1-in-income")).to_have_attribute("aria-invalid", "true")
    expect(tab.locator("#calc-1-in-income-error")).to_be_visible()
    tab.fill("#calc-1-in-income", "2000")
    tab.press("#calc-1-in-income", "Enter")  # submitting computes in place too
    expect(output).to_have_text("65.0")
    assert requests == [] and tab.url.endswith(LESSON)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_without_javascript_the_server_answers_the_form(learner_tab, language):
    tab = learner_tab(language, javascript=False)
    costs, income = TYPED[language]
    tab.fill("#calc-1-in-costs", costs)
    tab.fill("#calc-1-in-income", income)
    with tab.expect_navigation():
        tab.locator("form#calc-1 button[type=submit]").click()
    assert "calc-1-in-costs=" in tab.url and tab.url.endswith("#calc-1")
    expect(tab.locator("output#calc-1-out-burden")).to_have_text("65.0")
    expect(tab.locator("#calc-1-out-burden-note")).to_have_text(BAND[language])
    expect(tab.locator("#calc-1-in-costs")).to_have_value(costs)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_calculator_page_passes_axe_and_works_with_the_keyboard_alone(learner_tab, language):
    tab = learner_tab(language, bypass_csp=True)  # the site forbids inline scripts, axe-core included
    tab.add_script_tag(path=str(AXE))
    results = tab.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    blocking = [r for r in results["violations"] if r["impact"] in BLOCKING_IMPACTS]
    assert blocking == [], describe(blocking)
    tab.locator("#calc-1-in-costs").focus()
    tab.keyboard.press("Control+A")
    tab.keyboard.type(TYPED[language][0])
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "calc-1-in-income"
    tab.keyboard.press("Control+A")
    tab.keyboard.type(TYPED[language][1])
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.tagName") == "BUTTON"
    tab.keyboard.press("Enter")
    expect(tab.locator("output#calc-1-out-burden")).to_have_text("65.0")


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_calculator_works_offline_inside_a_package(lms, tmp_path, standard, language):  # noqa: F811
    course = load_library(calculator_course(tmp_path / "courses", arabic=True).root).get(COURSE)
    page = lms(standard, language, course=course)
    frame = lesson_frame(page)
    for previous in ("welcome", "details"):
        frame.locator("a[rel=next]").click()
        wait_for_next_lesson(page, previous)
    output = frame.locator("output#calc-1-out-burden")
    expect(output).to_have_text("32.0")
    # The script is deferred: typing before it listens would change nothing (a race seen under load).
    expect(frame.locator("form#calc-1")).to_have_attribute("data-live", "true")
    costs, income = TYPED[language]
    frame.locator("#calc-1-in-costs").fill(costs)
    frame.locator("#calc-1-in-income").fill(income)
    expect(output).to_have_text("65.0")
    expect(frame.locator("#calc-1-out-burden-note")).to_have_text(BAND[language])
    assert page.evaluate("window.lmsErrors") == []


def test_babel_and_the_browsers_intl_number_format_show_numbers_alike(learner_tab):
    tab = learner_tab("en")
    generator = random.Random(11)
    values = [0.0, -0.0, 0.5, -0.5, 2.5, 999.995, 1234.5, -1234567.891, 1e14, 0.001, 12.0]
    values += [generator.uniform(-1e9, 1e9) for _ in range(60)] + [
        generator.uniform(-10, 10) for _ in range(40)
    ]
    cases = [
        (value, precision, language)
        for value in values
        for precision in (0, 1, 2, 4)
        for language in SUPPORTED_LANGUAGES
    ]
    shown = tab.evaluate(
        """([cases, symbols]) => cases.map(([value, precision, language]) =>
            LHCalculator.formatNumber(value, precision, Object.assign({tag: language + "-u-nu-latn"}, symbols[language])))""",
        [cases, {language: number_symbols(language) for language in SUPPORTED_LANGUAGES}],
    )
    expected = [format_number(value, precision, language) for value, precision, language in cases]
    differences = [
        (case, mine, theirs)
        for case, mine, theirs in zip(cases, expected, shown, strict=True)
        if mine != theirs
    ]
    assert differences == [], (len(differences), sorted({d[0][2] for d in differences}), differences[:3])
