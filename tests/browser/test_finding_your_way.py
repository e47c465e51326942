"""Finding your way, in Chromium, in English, Arabic and Chinese, on a wide screen and a 360 px phone: the language
menu in the header (without JavaScript too), the "On this page" list of a long lesson, the pager above and below
a lesson, and quiz questions whose heading sits inside the box instead of on its border."""

# The live site and its accounts are test_accessibility's module fixtures, imported to be shared: test arguments
# of the same names are those fixtures, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from babel import Locale
from playwright.sync_api import expect

from learn_habitat.content import SUPPORTED_LANGUAGES
from tests.browser.test_accessibility import (  # noqa: F401 - the fixtures are used by name
    BLOCKING_IMPACTS,
    LANGUAGES,
    PHONE,
    WIDE_SCREEN,
    accounts,
    describe,
    run_axe,
    site,
    tabs,
    visit,
)

SCREENS = {"wide": WIDE_SCREEN, "phone": PHONE}
# Each language switches to the next one: left to right into right to left and back, and into Chinese.
SWITCH_TO = {"en": "ar", "ar": "zh", "zh": "en"}


def own_name(code):
    name = Locale.parse(code).get_display_name(code)
    return name[:1].upper() + name[1:]


def inside_the_width(box, width):
    return box["x"] >= -1 and box["x"] + box["width"] <= width + 1


# ------------------------------------------------------------------------------------- language menu


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_header_language_menu_works_without_javascript(browser, site, accounts, language, screen):
    viewport = SCREENS[screen]
    context = browser.new_context(base_url=site.url, java_script_enabled=False, viewport=viewport)
    context.add_cookies([{"name": "lang", "value": language, "url": site.url}])
    tab = context.new_page()
    try:
        path = f"/courses/{site.course.id}/{site.course.lesson_ids[0]}"
        tab.goto(path)
        assert tab.get_attribute("html", "lang") == language
        header = tab.locator(".site-header").bounding_box()
        summary = tab.locator(".site-header details.language-menu > summary")
        box = summary.bounding_box()
        assert box["y"] >= header["y"] and box["y"] + box["height"] <= header["y"] + header["height"]
        assert inside_the_width(box, viewport["width"]), box
        assert own_name(language) in summary.inner_text()
        choices = tab.locator(".site-header .language-choice")
        expect(choices.first).to_be_hidden()

        # Opened and used with the keyboard alone.
        summary.focus()
        tab.keyboard.press("Enter")
        expect(choices.first).to_be_visible()
        assert choices.count() == len(SUPPORTED_LANGUAGES)
        for index in range(choices.count()):
            choice = choices.nth(index)
            code = choice.get_attribute("value")
            assert choice.get_attribute("lang") == code
            assert choice.inner_text().strip() == own_name(code)
            assert (choice.get_attribute("aria-current") == "true") is (code == language)
            assert inside_the_width(choice.bounding_box(), viewport["width"]), code
        assert tab.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        target = SWITCH_TO[language]
        for _ in range(len(SUPPORTED_LANGUAGES)):
            tab.keyboard.press("Tab")
            if tab.locator(".language-choice:focus").get_attribute("value") == target:
                break
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert tab.url == site.url + path
        assert tab.get_attribute("html", "lang") == target
        assert tab.get_attribute("html", "dir") == ("rtl" if target == "ar" else "ltr")
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_open_language_menu_has_no_serious_problem_and_stays_on_screen(
    tabs, site, accounts, language, screen
):
    tab = visit(tabs, site, accounts, "lesson", language, phone=screen == "phone")
    tab.locator(".language-menu > summary").click()
    try:
        expect(tab.locator(".language-choice").first).to_be_visible()
        width = tab.viewport_size["width"]
        for element in [tab.locator(".language-panel"), *tab.locator(".language-choice").all()]:
            assert inside_the_width(element.bounding_box(), width), element
        results = run_axe(tab)
        blocking = [r for r in results["violations"] if r["impact"] in BLOCKING_IMPACTS]
        assert not blocking, describe(blocking)
    finally:
        tab.locator(".language-menu > summary").click()


# ------------------------------------------------------------------------------------ lesson contents


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_lesson_opens_with_a_list_of_its_sections(tabs, site, accounts, language, screen):
    tab = visit(tabs, site, accounts, "lesson", language, phone=screen == "phone")
    sections = tab.locator(".lesson-body h2[id]")
    assert sections.count() >= 3
    contents = tab.locator("nav.lesson-contents")
    assert contents.get_attribute("aria-label")
    links = contents.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["#" + sections.nth(i).get_attribute("id") for i in range(sections.count())]
    texts = [links.nth(i).inner_text().strip() for i in range(links.count())]
    assert texts == [sections.nth(i).inner_text().strip() for i in range(sections.count())]
    # Above the lesson's text, below its title.
    assert tab.locator("h1").bounding_box()["y"] < contents.bounding_box()["y"]
    assert contents.bounding_box()["y"] < tab.locator(".lesson-body").bounding_box()["y"]
    assert inside_the_width(contents.bounding_box(), tab.viewport_size["width"])

    links.last.click()
    expect(sections.last).to_be_in_viewport()
    assert unquote(urlsplit(tab.url).fragment) == hrefs[-1][1:]


def test_a_lesson_without_sections_has_no_contents(tabs, site, accounts):
    tab = visit(tabs, site, accounts, "quiz", "en")
    assert tab.locator(".lesson-body h2").count() < 3
    assert tab.locator("nav.lesson-contents").count() == 0


# -------------------------------------------------------------------------------------- the pager


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_previous_and_next_sit_above_and_below_a_lesson(tabs, site, accounts, language, screen):
    tab = visit(tabs, site, accounts, "lesson", language, phone=screen == "phone")
    top, bottom = tab.locator("nav.pager-top"), tab.locator("nav.pager-bottom")
    for end in ("prev", "next"):
        assert top.locator(f".pager-{end}").get_attribute("href") == bottom.locator(
            f".pager-{end}"
        ).get_attribute("href")
    assert top.get_attribute("aria-label") != bottom.get_attribute("aria-label")
    assert top.bounding_box()["y"] < tab.locator("h1").bounding_box()["y"]
    lesson = tab.locator("article.lesson").bounding_box()
    assert bottom.bounding_box()["y"] >= lesson["y"] + lesson["height"]

    # The top one is compact: one line, previous and next side by side, mirrored in Arabic, never wider
    # than the screen.
    previous, following = top.locator(".pager-prev").bounding_box(), top.locator(".pager-next").bounding_box()
    assert abs(previous["y"] - following["y"]) < 2
    if language == "ar":
        assert following["x"] < previous["x"]
    else:
        assert previous["x"] < following["x"]
    assert top.bounding_box()["height"] < bottom.bounding_box()["height"]
    assert top.bounding_box()["height"] < 80
    for box in (previous, following):
        assert inside_the_width(box, tab.viewport_size["width"]), box

    following_href = top.locator(".pager-next").get_attribute("href")
    top.locator(".pager-next").click()
    tab.wait_for_url(site.url + following_href)


# ----------------------------------------------------------------------------------- quiz questions

LEGENDS = """() => [...document.querySelectorAll("fieldset.question")].map((fieldset) => {
    const legend = fieldset.querySelector(":scope > legend");
    const box = fieldset.getBoundingClientRect();
    const heading = legend.getBoundingClientRect();
    const style = getComputedStyle(fieldset);
    return {
        id: fieldset.id,
        fieldset: [box.left, box.top, box.right, box.bottom],
        legend: [heading.left, heading.top, heading.right, heading.bottom],
        border: [parseFloat(style.borderLeftWidth), parseFloat(style.borderTopWidth), parseFloat(style.borderRightWidth)],
    };
})"""


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_question_heading_sits_inside_its_box_clear_of_the_border(tabs, site, accounts, language, screen):
    tab = visit(tabs, site, accounts, "quiz-after-a-fail", language, phone=screen == "phone")
    questions = tab.evaluate(LEGENDS)
    assert len(questions) == len(site.course.lesson(site.course.quiz_ids()[1], "en").activity.questions)
    for question in questions:
        left, top, right, bottom = question["fieldset"]
        legend_left, legend_top, legend_right, legend_bottom = question["legend"]
        border_left, border_top, border_right = question["border"]
        # Inside the border box, and below the top border line (the old legend was drawn across it).
        assert legend_top >= top + border_top, question
        assert legend_bottom <= bottom and legend_left >= left + border_left - 0.5, question
        assert legend_right <= right - border_right + 0.5, question
