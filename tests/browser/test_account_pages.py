"""The registration form with every problem shown at once, in English, Arabic and Chinese, on a wide screen and a
360 px phone: axe-core finds nothing serious or critical, nothing sticks out, and the summary links reach the fields."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import (
    AXE,
    BLOCKING_IMPACTS,
    OVERFLOW,
    PHONE,
    WIDE_SCREEN,
    describe,
    run_axe,
)

LANGUAGES = ["en", "ar", "zh"]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_registration_errors_are_summarised_accessible_and_fit_a_phone(browser, live_app, language, phone):
    url = live_app.config["LIVE_URL"]
    context = browser.new_context(base_url=url, bypass_csp=True, viewport=PHONE if phone else WIDE_SCREEN)
    try:
        context.add_init_script(path=str(AXE))
        context.add_cookies([{"name": "lang", "value": language, "url": url}])
        tab = context.new_page()
        tab.goto("/register")
        tab.fill("#email", "not-an-address")
        tab.fill("#password", "short")
        tab.locator("main form button[type=submit]").click()
        tab.wait_for_selector(".error-summary")
        assert tab.get_attribute("html", "lang") == language

        links = tab.locator(".error-summary a")
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
            "#name",
            "#email",
            "#password",
        ]
        for field in ("name", "email", "password"):
            described = tab.get_attribute(f"#{field}", "aria-describedby")
            assert (
                tab.locator(f"#{described}").inner_text()
                == tab.locator(f".error-summary a[href='#{field}']").inner_text()
            )

        results = run_axe(tab)
        groups = ("violations",) if phone else ("violations", "incomplete")
        blocking = [r for g in groups for r in results[g] if r["impact"] in BLOCKING_IMPACTS]
        assert not blocking, describe(blocking)
        found = tab.evaluate(OVERFLOW)
        assert found["documentWidth"] <= found["width"] and found["outside"] == [], found

        links.nth(2).click()  # a summary link takes the reader to its field
        assert tab.evaluate("document.activeElement.id") == "password"
    finally:
        context.close()
