"""A package opened from disk (file://, no LMS) records progress and resumes in Chromium; the package's shell on
a 360 px phone: the contents menu closes after a choice and never hides the lesson, the progress bar has a name,
axe finds no serious or critical problem, and the keyboard reaches every lesson; quiz review follows the rule."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

from scorm_export import export_course
from tests.browser.test_accessibility import AXE, AXE_TAGS, BLOCKING_IMPACTS, PHONE, describe
from tests.browser.test_scorm_runtime import build_small_course
from tests.learning.test_journey import right_answers


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The small course made by the test."""
    return build_small_course(tmp_path_factory.mktemp("course"))


@pytest.fixture
def from_disk(tmp_path, course, browser):
    """``from_disk(language, viewport)``: a tab on the extracted package's index.html, opened as file://."""
    contexts = []

    def open_package(language="en", viewport=None, standard="scorm2004"):
        root = tmp_path / f"{language}-{standard}"
        if not root.exists():
            zipfile.ZipFile(io.BytesIO(export_course(course, language, standard))).extractall(root)
        context = browser.new_context(viewport=viewport or {"width": 900, "height": 900})
        context.add_init_script(path=str(AXE))
        contexts.append(context)
        page = context.new_page()
        page.goto((root / "index.html").as_uri())
        shown(page, course.lesson_ids[0])
        return page

    yield open_package
    for context in contexts:
        context.close()


def lesson(page):
    return page.frame_locator("#lh-lesson")


def shown(page, lesson_id):
    """Wait until the lesson frame shows ``lesson_id``."""
    expect(lesson(page).locator(f"body[data-lesson='{lesson_id}']")).to_have_count(1)


def progress(page):
    return page.evaluate("document.querySelector('#lh-progress').value")


def test_a_package_opened_from_disk_records_progress_and_resumes_after_a_reload(from_disk, course):
    page = from_disk()
    second, quiz_id = course.lesson_ids[1], course.lesson_ids[2]
    assert page.url.startswith("file://")
    expect(page.locator("#lh-progress")).to_have_js_property("value", 25)
    lesson(page).locator("a[rel=next]").click()
    shown(page, second)
    lesson(page).locator("a[rel=next]").click()
    shown(page, quiz_id)
    # A quiz attempt from disk counts too: the page and the shell speak through postMessage.
    frame = lesson(page)
    frame.locator("#q1-a").check()
    frame.locator("#quiz-form button[type=submit]").click()
    expect(frame.locator("#quiz-result")).to_be_visible()
    expect(frame.locator("p.meta > span.attempts-left")).to_have_text("2 attempts left")
    assert progress(page) == 50

    page.reload()
    shown(page, quiz_id)
    assert progress(page) == 50
    expect(lesson(page).locator("p.meta > span.attempts-left")).to_have_text("2 attempts left")
    assert page.evaluate("window.LHRuntime.attemptsUsed('check')") == 1


# --------------------------------------------------------------------------------------------- review rule


def answer(frame, question, right):
    if question.kind in ("single", "true-false"):
        key = right_answers(question)
        if not right:
            key = next(o.key for o in question.options if not o.correct) if question.options else "true"
        frame.locator(f"#{question.id}-{key}").check()
    elif question.kind == "multiple":
        keys = right_answers(question) if right else [question.options[-1].key]
        for option in question.options:
            frame.locator(f"#{question.id}-{option.key}").set_checked(option.key in keys)
    else:
        frame.locator(f"#{question.id}-answer").fill(right_answers(question) if right else "not this")


def submit(page, course, right):
    frame = lesson(page)
    for question in course.lesson("check", "en").activity.questions:
        answer(frame, question, right)
    before = page.evaluate("window.LHRuntime.attemptsUsed('check')")
    frame.locator("#quiz-form").dispatch_event("change")
    frame.locator("#quiz-form button[type=submit]").click()
    page.wait_for_function(f"window.LHRuntime.attemptsUsed('check') > {before}")


def test_quiz_review_shows_wrong_questions_and_hints_until_the_last_attempt_then_everything(
    from_disk, course
):
    page = from_disk()
    lesson(page).locator("a[rel=next]").click()
    lesson(page).locator("a[rel=next]").click()
    shown(page, "check")
    frame = lesson(page)
    for attempt in (1, 2):
        submit(page, course, right=False)
        expect(frame.locator("#q1 .verdict")).to_have_text("Not right")
        # The hint opens; no option feedback, no verdict feedback, no right answer while attempts remain.
        assert frame.locator("#q1 > details.hint-box").evaluate("d => d.open")
        assert frame.locator(".question-feedback .feedback").count() == 0, attempt
        assert frame.locator(".right-answer").count() == 0, attempt
        assert "Nairobi hosts" not in frame.locator("#quiz-form").inner_text()
    submit(page, course, right=False)  # the last attempt: now everything shows
    expect(frame.locator("#q1 .right-answer")).to_contain_text("Quito")
    expect(frame.locator("#q3 .feedback")).to_contain_text("political commitment")
    expect(frame.locator("#q4 .right-answer")).to_contain_text("30")
    expect(frame.locator("#q5 .right-answer")).to_contain_text("Istanbul")


def test_a_pass_reveals_the_answers_and_feedback(from_disk, course):
    page = from_disk()
    lesson(page).locator("a[rel=next]").click()
    lesson(page).locator("a[rel=next]").click()
    shown(page, "check")
    submit(page, course, right=True)
    frame = lesson(page)
    expect(frame.locator("#q1 .feedback")).to_contain_text("October 2016")
    expect(frame.locator("#quiz-result")).to_contain_text("Passed.")


# --------------------------------------------------------------------------------------------- the phone

LANGUAGES = ["en", "ar"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shell_on_a_phone_passes_axe_and_names_its_progress_bar(from_disk, language):
    page = from_disk(language, viewport=PHONE)
    assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    name = page.evaluate("document.querySelector('#lh-progress').labels[0].textContent.trim()")
    assert name and (language != "en" or name == "Course progress")
    expect(page.get_by_role("progressbar", name=name)).to_have_count(1)
    page.locator("details.shell-contents > summary").click()  # the open menu is checked too
    for document in (page, page.frames[1]):
        results = document.evaluate(
            """([tags]) => axe.run(document, {runOnly: {type: "tag", values: tags}, iframes: false,
                resultTypes: ["violations"]})""",
            [AXE_TAGS],
        )
        blocking = [result for result in results["violations"] if result["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"{document.url} in {language}:\n{describe(blocking)}"
        assert "color-contrast" in {rule["id"] for rule in results["passes"] + results["violations"]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contents_menu_never_hides_the_lesson_and_closes_after_a_choice(from_disk, course, language):
    page = from_disk(language, viewport=PHONE)
    menu = page.locator("details.shell-contents")
    menu.locator("summary").click()
    assert menu.evaluate("d => d.open")
    frame_box = page.locator("#lh-lesson").bounding_box()
    # Open, the menu leaves at least a third of the screen to the lesson, in view without scrolling.
    assert frame_box["y"] <= PHONE["height"] * 2 / 3, frame_box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    link = menu.locator(f"a[data-lesson='{course.lesson_ids[3]}']")
    link.click()
    shown(page, course.lesson_ids[3])
    assert not menu.evaluate("d => d.open")
    expect(link).to_have_attribute("aria-current", "page")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_keyboard_user_opens_the_contents_chooses_a_lesson_and_lands_in_it(from_disk, course, language):
    page = from_disk(language, viewport=PHONE)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.locator("details.shell-contents").evaluate("d => d.open")
    page.keyboard.press("Escape")
    assert not page.locator("details.shell-contents").evaluate("d => d.open")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    target = course.lesson_ids[1]
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('data-lesson')") == target:
            break
    else:
        raise AssertionError("the lesson links of the contents are not reachable with Tab")
    page.keyboard.press("Enter")
    shown(page, target)
    assert not page.locator("details.shell-contents").evaluate("d => d.open")
    # The focus moves into the lesson chosen: its main content, inside the frame.
    page.wait_for_function("document.activeElement === document.querySelector('#lh-lesson')")
    expect(lesson(page).locator("main#main")).to_be_focused()
