"""Accessibility: axe-core finds no serious or critical WCAG 2.2 AA problem on any page type in English, Arabic
and Chinese, and a keyboard user can skip to the content, follow the visual order, see where the focus is and
take a quiz."""

from __future__ import annotations

import re
import threading
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from learn_habitat import create_app
from learn_habitat.extensions import db
from tests.conftest import PASSWORD, PROJECT_ROOT, SHIPPED_COURSES, make_user
from tests.learning.test_journey import right_answers, wrong_answers

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
COURSE = "adequate-housing"
LANGUAGES = ["en", "ar", "zh"]
# Keyboard behaviour depends on direction, not script: English and Arabic cover both.
KEYBOARD_LANGUAGES = ["en", "ar"]
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices on top.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}
# WCAG 2.2, 1.4.11: a focus indicator needs 3:1 against what surrounds it.
NON_TEXT_CONTRAST = 3.0
WIDE_SCREEN = {"width": 1100, "height": 900}
PHONE = {"width": 360, "height": 740}


# --------------------------------------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def site(tmp_path_factory, shipped_library):
    """One live server on a fresh SQLite database for the whole module (accounts are set up once)."""
    folder = tmp_path_factory.mktemp("accessibility")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "test-secret-key",
            "COURSES_DIR": str(SHIPPED_COURSES),
            "COURSE_LIBRARY": shipped_library,
            "DATABASE_URL": f"sqlite:///{folder / 'test.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(
        app=app, url=f"http://127.0.0.1:{server.server_port}", course=shipped_library.get(COURSE)
    )
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def api_session(app, email, course):
    """A test client and the headers of ``email``'s token, enrolled in ``course`` through the JSON API."""
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(f"/api/v1/courses/{course.id}/enrolment", headers=headers).status_code in (200, 201)
    return client, headers


def fail_quiz_once(app, email, course, quiz_id):
    """Enrol ``email`` and fail one attempt at a quiz (attempts remain) through the JSON API."""
    client, headers = api_session(app, email, course)
    questions = course.lesson(quiz_id, "en").activity.questions
    response = client.post(
        f"/api/v1/courses/{course.id}/lessons/{quiz_id}/attempts",
        json={"answers": {question.id: wrong_answers(question) for question in questions}},
        headers=headers,
    )
    assert response.status_code == 201 and response.get_json()["answers_revealed"] is False


def complete_course(app, email, course):
    """Enrol ``email`` and complete ``course`` through the JSON API; return the certificate code."""
    client, headers = api_session(app, email, course)
    for lesson_id in course.lesson_ids:
        if lesson_id in course.quiz_ids():
            questions = course.lesson(lesson_id, "en").activity.questions
            response = client.post(
                f"/api/v1/courses/{course.id}/lessons/{lesson_id}/attempts",
                json={"answers": {question.id: right_answers(question) for question in questions}},
                headers=headers,
            )
        else:
            response = client.post(f"/api/v1/courses/{course.id}/lessons/{lesson_id}/view", headers=headers)
        assert response.status_code < 300, response.get_json()
    progress = client.get(f"/api/v1/courses/{course.id}/progress", headers=headers).get_json()
    assert progress["completed"], progress
    return progress["certificate_code"]


@pytest.fixture(scope="module")
def accounts(site):
    """Per language: a learner who completed the course, a learner who failed a quiz once and an admin; a learner
    who will take a quiz."""
    codes = {}
    for language in LANGUAGES:
        make_user(site.app, f"learner-{language}@example.org", "Amina Diallo", language=language)
        make_user(site.app, f"struggler-{language}@example.org", "Tomás Ruiz", language=language)
        make_user(site.app, f"admin-{language}@example.org", "Ada Admin", role="admin", language=language)
        codes[language] = complete_course(site.app, f"learner-{language}@example.org", site.course)
        fail_quiz_once(site.app, f"struggler-{language}@example.org", site.course, site.course.quiz_ids()[1])
    for language in KEYBOARD_LANGUAGES:
        make_user(site.app, f"keyboard-{language}@example.org", "Kofi Mensah", language=language)
    return SimpleNamespace(
        certificate_codes=codes,
        email_change_tokens=email_change_tokens(site.app),
        learner_ids=learner_ids(site.app),
    )


def learner_ids(app):
    """Per language: the id of the learner who completed the course (their page in the reports)."""
    from learn_habitat.accounts.models import User

    with app.app_context():
        return {
            language: db.session.scalar(db.select(User.id).filter_by(email=f"learner-{language}@example.org"))
            for language in LANGUAGES
        }


def email_change_tokens(app):
    """Per language: the mailed link's token that would move the struggler to a new address."""
    from learn_habitat.accounts.models import User
    from learn_habitat.accounts.services import make_email_change_token

    with app.app_context():
        return {
            language: make_email_change_token(
                db.session.scalar(db.select(User).filter_by(email=f"struggler-{language}@example.org")),
                f"new-{language}@example.org",
                app.config["SECRET_KEY"],
            )
            for language in LANGUAGES
        }


@pytest.fixture(scope="module")
def tabs(browser, site, accounts):
    """``tabs(role, language, phone=False)``: the one tab of that role (``learner``, ``struggler``, ``admin``,
    ``keyboard`` or ``guest`` with the ``lang`` cookie) in that language, on a wide screen or a phone, signed in once and reused by
    every test of the module.

    CSP is bypassed and axe-core is added to every document, because the site forbids inline scripts.
    """
    opened = {}
    outside = []

    def tab_for(role, language, phone=False):
        if (role, language, phone) not in opened:
            context = browser.new_context(
                base_url=site.url, bypass_csp=True, viewport=PHONE if phone else WIDE_SCREEN
            )
            context.on(
                "request",
                lambda request: (
                    outside.append(request.url)
                    if not request.url.startswith(("http://127.0.0.1", "data:"))
                    else None
                ),
            )
            context.add_init_script(path=str(AXE))
            if role == "guest":
                context.add_cookies([{"name": "lang", "value": language, "url": site.url}])
            else:
                response = context.request.post(
                    "/login", form={"email": f"{role}-{language}@example.org", "password": PASSWORD}
                )
                assert response.ok and "/dashboard" in response.url, response.url
            opened[role, language, phone] = context.new_page()
        return opened[role, language, phone]

    yield tab_for
    for tab in opened.values():
        tab.context.close()
    assert outside == [], f"requests left the machine: {outside}"


# Page type -> who looks at it, and its address. The lesson has both a previous and a next lesson, links in
# its text and an "On this page" list; the quiz has single, multiple, true-false, numeric and text questions and a
# hint. The learner passed the quiz (it shows the best result; ?retry=1 shows the form too); the struggler failed
# it once with attempts left (the result hides the answers and shows hints).
PAGES = {
    "catalogue": ("learner", "/"),
    "course": ("learner", "/courses/{course}/"),
    "lesson": ("learner", "/courses/{course}/{lesson}"),
    "quiz": ("learner", "/courses/{course}/{quiz}"),
    "quiz-retry": ("learner", "/courses/{course}/{quiz}?retry=1"),
    "attempt": ("learner", "/courses/{course}/{quiz}/attempts/1"),
    "failed-attempt": ("struggler", "/courses/{course}/{quiz}/attempts/1"),
    "quiz-after-a-fail": ("struggler", "/courses/{course}/{quiz}"),
    "dashboard": ("learner", "/dashboard"),
    "profile": ("learner", "/profile"),
    "developer": ("learner", "/profile/developer"),
    "delete-account": ("learner", "/profile/delete"),
    "confirm-new-email": ("guest", "/profile/email/confirm/{email_change}"),
    "account-needed": ("guest", "/account-needed?next=/courses/{course}/{lesson}"),
    "certificate": ("learner", "/courses/{course}/certificate"),
    "verification": ("guest", "/certificates/{code}"),
    "guest-course": ("guest", "/courses/{course}/"),
    "sample-lesson": ("guest", "/courses/{course}/{first_lesson}"),
    "sign-in": ("guest", "/login"),
    "register": ("guest", "/register"),
    "reports": ("admin", "/admin/"),
    "course-report": ("admin", "/admin/courses/{course}/"),
    "learners": ("admin", "/admin/courses/{course}/learners"),
    # One learner's page (progress, attempts, certificate) and the question before unenrolling them.
    "learner-record": ("admin", "/admin/courses/{course}/learners/{learner_id}"),
    "confirm-unenrol": ("admin", "/admin/courses/{course}/enrolments/{learner_id}/delete"),
    "export": ("admin", "/admin/export"),
    "translations": ("admin", "/admin/translations"),
    # The footer pages (learn_habitat/site): Markdown per language, rendered like lessons.
    "about": ("guest", "/about"),
    "contact": ("guest", "/contact"),
    "privacy": ("guest", "/privacy"),
    "terms": ("guest", "/terms"),
    # Search results (learn_habitat/search) for a word with several hits: titles and passages with <mark>.
    "search": ("guest", "/search?q={search_word}"),
    # A calculator (learn_habitat/activities/calculator.py): its form, and results computed by the server.
    "calculator": ("learner", "/courses/{course}/affordability-calculator?calc-1-in-income=0"),
}
SEARCH_WORDS = {"en": "housing", "ar": "السكن", "zh": "住房"}


def visit(tabs, site, accounts, page_type, language, phone=False):
    """Open one page type in ``language`` as the role that sees it; check it rendered in that language."""
    role, address = PAGES[page_type]
    url = address.format(
        course=site.course.id,
        lesson=site.course.lesson_ids[1],
        first_lesson=site.course.lesson_ids[0],
        quiz=site.course.quiz_ids()[1],
        code=accounts.certificate_codes[language],
        email_change=accounts.email_change_tokens[language],
        search_word=SEARCH_WORDS[language],
        learner_id=accounts.learner_ids[language],
    )
    tab = tabs(role, language, phone)
    response = tab.goto(url)
    assert response.status == 200, (page_type, url, response.status)
    assert tab.get_attribute("html", "lang") == language
    return tab


# --------------------------------------------------------------------------------------------- axe-core


def run_axe(tab, skip=()):
    """Run axe-core's WCAG 2.x A/AA rules and best practices on the whole document, but the rules in ``skip``."""
    return tab.evaluate(
        """([tags, skip]) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            rules: Object.fromEntries(skip.map((rule) => [rule, {enabled: false}])),
            resultTypes: ["violations", "incomplete"],
        })""",
        [AXE_TAGS, list(skip)],
    )


def describe(results):
    """One paragraph per rule: id, impact, help, how many elements, the first targets and what to fix."""
    lines = []
    for result in results:
        nodes = result["nodes"]
        targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:3])
        summary = " ".join(nodes[0].get("failureSummary", "").split())
        lines.append(
            f"- {result['id']} [{result['impact']}] {result['help']}: {len(nodes)} element(s), e.g. {targets}\n"
            f"    {summary}\n    {result['helpUrl']}"
        )
    return "\n".join(lines)


@pytest.mark.parametrize("page_type", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_serious_or_critical_problem(tabs, site, accounts, page_type, language):
    tab = visit(tabs, site, accounts, page_type, language)
    results = run_axe(tab)
    # "Needs review" counts too: on pages this simple axe should be able to decide every rule.
    blocking = [
        result
        for group in ("violations", "incomplete")
        for result in results[group]
        if result["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"{page_type} in {language} ({tab.url}):\n{describe(blocking)}"
    ran = {rule["id"] for group in ("passes", "violations", "incomplete") for rule in results[group]}
    assert "color-contrast" in ran, f"colour contrast was not checked on {tab.url}"


@pytest.mark.parametrize("page_type", PAGES)
def test_axe_finds_no_serious_or_critical_violation_on_a_phone(tabs, site, accounts, page_type):
    tab = visit(tabs, site, accounts, page_type, "ar", phone=True)
    results = run_axe(tab)
    # Only violations: axe cannot see the colours of table cells scrolled out of view, and says "needs review".
    blocking = [result for result in results["violations"] if result["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"{page_type} on a phone ({tab.url}):\n{describe(blocking)}"


# Wider than the viewport: the document itself, or any element outside a scroll region that sticks out.
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const outside = [...document.querySelectorAll("body *")].filter((el) => {
        const box = el.getBoundingClientRect();
        const scroller = el.parentElement && el.parentElement.closest(".table-scroll");
        return box.width > 0 && !scroller && (box.right > width + 1 || box.left < -1);
    });
    return {
        documentWidth: document.documentElement.scrollWidth, width,
        outside: outside.slice(0, 5).map((el) => el.tagName.toLowerCase() + "." + el.className),
    };
}"""


@pytest.mark.parametrize("page_type", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_is_wider_than_a_360_px_phone(tabs, site, accounts, page_type, language):
    tab = visit(tabs, site, accounts, page_type, language, phone=True)
    found = tab.evaluate(OVERFLOW)
    assert found["documentWidth"] <= found["width"] and found["outside"] == [], (page_type, language, found)


def test_lesson_tables_that_scroll_on_a_phone_can_be_reached_with_the_keyboard(tabs, site, accounts):
    tab = visit(tabs, site, accounts, "lesson", "en", phone=True)
    results = tab.evaluate(
        "() => axe.run(document, {runOnly: {type: 'rule', values: ['scrollable-region-focusable']}})"
    )
    assert not results["violations"], describe(results["violations"])


# --------------------------------------------------------------------------------------------- keyboard

FOCUSED = """() => {
    const el = document.activeElement;
    const regions = [
        [".skip-link", "skip link"], [".site-header", "header"], [".breadcrumbs", "breadcrumbs"],
        [".lesson", "content"], [".pager", "pager"], [".site-footer", "footer"], ["main", "main"],
    ];
    const region = el === document.body ? ["", "body"] : regions.find(([selector]) => el.closest(selector));
    const box = el.getClientRects()[0] || el.getBoundingClientRect();
    return {
        region: region ? region[1] : "elsewhere", tag: el.tagName.toLowerCase(), type: el.type || "",
        id: el.id, name: el.name || "", value: el.value || "", checked: !!el.checked,
        in_quiz: !!el.closest(".quiz-form"), text: (el.innerText || el.value || "").trim().slice(0, 50),
        top: box.top + scrollY, bottom: box.bottom + scrollY, left: box.left + scrollX, right: box.right + scrollX,
    };
}"""


def focused(tab):
    """Where the focus is: region of the page, element, text and first line box (page coordinates)."""
    return tab.evaluate(FOCUSED)


def tab_through(tab, until=("body",), limit=300):
    """Press Tab until the focus reaches one of the ``until`` regions or comes round again; return the stops."""
    stops = []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        stop = focused(tab)
        if stop["region"] in until or (stops and stop == stops[0]):
            return stops
        stops.append(stop)
    raise AssertionError(f"the focus never reached {until}: {stops[-5:]}")


def reads_before(first, second, right_to_left):
    """Whether ``second`` comes after ``first`` in reading order: a later line, or further along the same line."""
    line = min(first["bottom"] - first["top"], second["bottom"] - second["top"]) / 2
    if abs(first["top"] - second["top"]) < line:
        return second["right"] < first["right"] if right_to_left else second["left"] > first["left"]
    return second["top"] > first["top"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_tab_focuses_a_visible_skip_link_that_moves_focus_to_main(tabs, site, accounts, language):
    tab = visit(tabs, site, accounts, "lesson", language)
    link = tab.locator(".skip-link")
    before = link.bounding_box()
    assert before["y"] + before["height"] <= 0, "the skip link shows before it is focused"

    tab.keyboard.press("Tab")
    assert focused(tab)["region"] == "skip link"
    box = link.bounding_box()
    assert box["y"] >= 0 and box["height"] >= 24 and box["width"] >= 24, box
    # Visible means on top too, not hidden under the header.
    assert tab.evaluate(
        "([x, y]) => document.querySelector('.skip-link').contains(document.elementFromPoint(x, y))",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )

    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"
    assert tab.url.endswith("#main")
    tab.keyboard.press("Tab")
    assert focused(tab)["region"] == "breadcrumbs", "Tab after the skip link went back to the header"


@pytest.mark.parametrize("language", LANGUAGES)
def test_tab_order_on_a_lesson_follows_the_visual_order(tabs, site, accounts, language):
    tab = visit(tabs, site, accounts, "lesson", language)
    stops = tab_through(tab, until=("footer", "body"))
    regions = [stop["region"] for stop in stops]
    sequence = [region for index, region in enumerate(regions) if index == 0 or regions[index - 1] != region]
    assert sequence == ["skip link", "header", "breadcrumbs", "pager", "content", "pager"], stops
    assert regions.count("content") >= 2, "the lesson's own links are not in the tab order"
    assert regions.count("pager") == 4, "previous and next, above and below the lesson"
    # The skip link floats over the header; from the header on, every stop is further along in reading order.
    for first, second in zip(stops[1:], stops[2:], strict=False):
        assert reads_before(first, second, right_to_left=language == "ar"), (first, second)


# ---------------------------------------------------------------------------------------- focus indicator

SNAPSHOT_UNFOCUSED = """() => {
    window.unfocusedLook = new Map();
    for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")) {
        const style = getComputedStyle(el);
        window.unfocusedLook.set(el, [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow].join(" "));
    }
}"""

FOCUS_INDICATOR = """() => {
    const el = document.activeElement;
    if (el === document.body) return null;
    const style = getComputedStyle(el);
    const backgroundOf = (node) => {
        for (let e = node; e; e = e.parentElement) {
            const colour = getComputedStyle(e).backgroundColor;
            if (colour !== "transparent" && !/, 0\\)$/.test(colour)) return colour;
        }
        return "rgb(255, 255, 255)";
    };
    const box = el.getBoundingClientRect();
    const first = el.getClientRects()[0] || box;  // a link broken over two lines has a gap in its box
    // What lies under the middle of each side of the ring: that is what the ring must stand out from.
    const gap = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth) / 2;
    const middle = [box.left + box.width / 2, box.top + box.height / 2];
    const around = [[box.left - gap, middle[1]], [box.right + gap, middle[1]], [middle[0], box.top - gap], [middle[0], box.bottom + gap]]
        .filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight)
        .map(([x, y]) => document.elementsFromPoint(x, y).find((e) => e !== el && !el.contains(e)))
        .filter(Boolean).map(backgroundOf);
    return {
        element: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : "")
            + " " + (el.innerText || el.value || "").trim().slice(0, 40),
        look: [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow].join(" "),
        unfocused_look: window.unfocusedLook.get(el) || null,
        outline_style: style.outlineStyle, outline_width: parseFloat(style.outlineWidth),
        outline_colour: style.outlineColor, box_shadow: style.boxShadow, backgrounds: around,
        in_view: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
            && box.top < innerHeight && box.left < innerWidth,
        on_top: el.contains(document.elementFromPoint(first.left + first.width / 2, first.top + first.height / 2)),
    };
}"""


def channels(colour):
    """The red, green and blue of a computed CSS colour, ``rgb(...)`` or ``rgba(...)``."""
    return [float(number) for number in re.findall(r"[\d.]+", colour)[:3]]


def relative_luminance(colour):
    """WCAG 2.2 relative luminance."""
    linear = [
        value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
        for value in (channel / 255 for channel in channels(colour))
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first, second):
    """WCAG 2.2 contrast ratio between two colours."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def focus_problem(look):
    """Why the focus on this element is not visible enough, or None."""
    if not look["in_view"]:
        return "is out of view"
    if not look["on_top"]:
        return "is covered by another element"
    if look["look"] == look["unfocused_look"]:
        return f"looks the same with and without focus ({look['look']})"
    if look["outline_style"] != "none" and look["outline_width"] >= 2:
        ring = look["outline_colour"]
    elif look["box_shadow"] != "none":
        ring = re.search(r"rgba?\([^)]*\)", look["box_shadow"]).group(0)
    else:
        return f"has no outline or shadow of 2px or more ({look['look']})"
    worst = min((contrast_ratio(ring, background) for background in look["backgrounds"]), default=None)
    if worst is None:
        return "has nothing measurable around it"
    if worst < NON_TEXT_CONTRAST:
        return f"has a focus ring {ring} with contrast {worst:.2f}:1 against {look['backgrounds']}"
    return None


@pytest.mark.parametrize("page_type", PAGES)
@pytest.mark.parametrize("language", KEYBOARD_LANGUAGES)
def test_every_focusable_element_shows_a_visible_focus_indicator(tabs, site, accounts, page_type, language):
    tab = visit(tabs, site, accounts, page_type, language)
    tab.evaluate(SNAPSHOT_UNFOCUSED)
    problems, seen = [], 0
    for _ in range(300):
        tab.keyboard.press("Tab")
        look = tab.evaluate(FOCUS_INDICATOR)
        if look is None:  # past the last element: the focus left the document
            break
        seen += 1
        problem = focus_problem(look)
        if problem:
            problems.append(f"{look['element']} {problem}")
    assert seen >= 5, f"only {seen} focus stops on {tab.url}"
    assert not problems, f"{page_type} in {language}:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------------------------- quizzes


@pytest.mark.parametrize("language", KEYBOARD_LANGUAGES)
def test_a_learner_answers_and_submits_a_quiz_with_the_keyboard_alone(tabs, site, accounts, language):
    course = site.course
    quiz_id = course.quiz_ids()[1]
    questions = course.lesson(quiz_id, "en").activity.questions
    answers = {question.id: right_answers(question) for question in questions}
    tab = tabs("keyboard", language)
    assert tab.request.post(f"/courses/{course.id}/enrol").ok
    tab.goto(f"/courses/{course.id}/{quiz_id}")

    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")  # skip to the content
    answered = set()
    for _ in range(200):
        tab.keyboard.press("Tab")
        stop = focused(tab)
        if not stop["in_quiz"]:
            continue
        answer = answers.get(stop["name"])
        if stop["type"] == "radio" and stop["name"] not in answered:
            # Arrow keys move through a radio group and select as they go; Space selects the first one.
            for _ in range(10):
                if stop["id"] == f"{stop['name']}-{answer}":
                    break
                tab.keyboard.press("ArrowDown")
                stop = focused(tab)
            if not stop["checked"]:
                tab.keyboard.press("Space")
            answered.add(stop["name"])
        elif stop["type"] == "checkbox":
            if stop["value"] in answer:
                tab.keyboard.press("Space")
            answered.add(stop["name"])
        elif stop["type"] == "text":
            tab.keyboard.type(answer)
            answered.add(stop["name"])
        elif stop["tag"] == "button" and stop["type"] == "submit":
            assert answered == set(answers), "some questions could not be reached with Tab"
            tab.keyboard.press("Enter")
            break
    else:
        raise AssertionError("the submit button of the quiz was never reached with Tab")

    tab.wait_for_url(re.compile(r"/attempts/\d+$"))
    result = tab.locator(".result")
    assert result.get_attribute("role") == "status"
    assert result.get_attribute("aria-live") == "polite"
    assert "result-pass" in result.get_attribute("class"), result.inner_text()
    assert "100" in tab.inner_text("h1")
    if language == "en":
        assert "Passed." in result.inner_text()
