"""Arabic pages really lay out right to left in Chromium, with next and previous mirrored."""

from __future__ import annotations

from tests.conftest import PASSWORD, make_user

COURSE = "adequate-housing"


def sign_in(page, email="learner@example.org"):
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.stacked-form button[type=submit]")


def test_arabic_lesson_is_rtl_with_mirrored_pager(page, live_app, shipped_library):
    course = shipped_library.get(COURSE)
    make_user(live_app, language="ar")
    sign_in(page)
    page.goto(f"/courses/{COURSE}/")
    page.click("form.enrol-form button[type=submit]")
    page.goto(f"/courses/{COURSE}/{course.lesson_ids[1]}")

    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('.lesson-body')).direction") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    assert course.lesson(course.lesson_ids[1], "ar").title in page.inner_text("h1")

    previous = page.locator("a[rel=prev]").bounding_box()
    following = page.locator("a[rel=next]").bounding_box()
    assert previous and following
    # Right to left: "previous" sits on the right, "next" on the left (stacked on a phone: next below).
    if abs(previous["y"] - following["y"]) < 5:
        assert following["x"] < previous["x"]
    width = page.viewport_size["width"]
    assert previous["x"] + previous["width"] > width / 2


def test_english_lesson_is_ltr_with_next_on_the_right(page, live_app, shipped_library):
    course = shipped_library.get(COURSE)
    make_user(live_app, language="en")
    sign_in(page)
    page.goto(f"/courses/{COURSE}/")
    page.click("form.enrol-form button[type=submit]")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"/courses/{COURSE}/{course.lesson_ids[1]}")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"
    previous = page.locator("a[rel=prev]").bounding_box()
    following = page.locator("a[rel=next]").bounding_box()
    assert following["x"] > previous["x"]


def test_arabic_wide_layout_mirrors_the_pager_side_by_side(page, live_app, shipped_library):
    course = shipped_library.get(COURSE)
    make_user(live_app, language="ar")
    sign_in(page)
    page.goto(f"/courses/{COURSE}/")
    page.click("form.enrol-form button[type=submit]")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"/courses/{COURSE}/{course.lesson_ids[1]}")
    previous = page.locator("a[rel=prev]").bounding_box()
    following = page.locator("a[rel=next]").bounding_box()
    assert abs(previous["y"] - following["y"]) < 5
    assert following["x"] < previous["x"]
    # The progress bar fills from the right in Arabic.
    assert page.evaluate("getComputedStyle(document.querySelector('progress')).direction") == "rtl"
