"""Finding your way, in the HTML the server sends (tests/browser/test_finding_your_way.py checks the layout): the
language menu in the header, an "On this page" list for long lessons, the pager above and below a lesson, a
"Continue" that names its lesson, and breadcrumbs on every page a learner or an admin opens."""

from __future__ import annotations

import re

import lxml.html
import pytest

from learn_habitat.content import SUPPORTED_LANGUAGES
from learn_habitat.content.model import Heading
from learn_habitat.learning.services import lesson_contents
from tests.conftest import make_user
from tests.learning.test_journey import right_answers, submit

COURSE = "adequate-housing"


def cls(name):
    """An XPath test for an element with the class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return lxml.html.document_fromstring(response.get_data(as_text=True))


def test_the_language_menu_is_in_the_header_with_one_button_per_language(client):
    root = page(client, "/")
    menu = root.xpath(f"//header[{cls('site-header')}]//details[{cls('language-menu')}]")
    assert len(menu) == 1
    form = menu[0].xpath(".//form")[0]
    assert form.get("method") == "post" and form.get("action") == "/language"
    buttons = form.xpath(".//button[@name='language']")
    assert [b.get("value") for b in buttons] == list(SUPPORTED_LANGUAGES)
    assert all(b.get("lang") == b.get("value") for b in buttons)
    assert [b.get("value") for b in buttons if b.get("aria-current") == "true"] == ["en"]
    assert "العربية" in [b.text_content().strip() for b in buttons]
    assert not root.xpath(f"//footer[{cls('site-footer')}]//form"), "one language switcher, in the header"


def test_a_button_of_the_language_menu_switches_the_language_and_comes_back(client):
    response = client.post("/language", data={"language": "zh", "next": f"/courses/{COURSE}/"})
    assert response.headers["Location"].endswith(f"/courses/{COURSE}/")
    assert page(client, f"/courses/{COURSE}/").get("lang") == "zh"


def lesson(*headings):
    from learn_habitat.content.model import Lesson

    return Lesson("x", "en", "X", "page", 5, "", tuple(headings), "x.md", "0")


def test_contents_list_the_h2_sections_of_a_lesson_with_three_or_more():
    sections = [Heading(2, "a", "Rent &amp; income"), Heading(3, "b", "Detail"), Heading(2, "c", "C")]
    assert lesson_contents(lesson(*sections)) == ()
    sections.append(Heading(2, "d", "D"))
    assert lesson_contents(lesson(*sections)) == (("a", "Rent & income"), ("c", "C"), ("d", "D"))


def test_a_long_lesson_has_contents_and_a_pager_above_and_below(client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    lesson_id = course.lesson_ids[1]
    root = page(client, f"/courses/{COURSE}/{lesson_id}")
    anchors = [h.anchor for h in course.lesson(lesson_id, "en").headings if h.level == 2]
    assert len(anchors) >= 3
    links = root.xpath(f"//nav[{cls('lesson-contents')}]//a")
    assert [a.get("href") for a in links] == ["#" + anchor for anchor in anchors]
    assert all(root.get_element_by_id(anchor).tag == "h2" for anchor in anchors)

    top, bottom = root.xpath(f"//nav[{cls('pager-top')}]")[0], root.xpath(f"//nav[{cls('pager-bottom')}]")[0]
    for end, index in (("prev", 0), ("next", 2)):
        href = f"/courses/{COURSE}/{course.lesson_ids[index]}"
        assert top.xpath(f".//a[{cls('pager-' + end)}]")[0].get("href") == href
        assert bottom.xpath(f".//a[{cls('pager-' + end)}]")[0].get("href") == href
    assert len(root.xpath("//a[@rel='next']")) == 1, "rel=next once, on the bottom pager"
    # Before the lesson and after it.
    order = [e for e in root.iter() if e in (top, bottom) or e.get("class") == "lesson"]
    assert [e.get("class") for e in order] == ["pager pager-top", "lesson", "pager pager-bottom"]


def test_continue_names_the_lesson_it_opens(client, learner, shipped_library):
    course = shipped_library.get(COURSE)
    client.post(f"/courses/{COURSE}/enrol")
    third = course.lesson_ids[2]
    client.get(f"/courses/{COURSE}/{third}")
    for url in (f"/courses/{COURSE}/", "/dashboard"):
        button = page(client, url).xpath(f"//a[{cls('button-continue')}]")[0]
        assert button.get("href") == f"/courses/{COURSE}/{third}"
        assert button.xpath(f".//span[{cls('continue-label')}]")[0].text_content().strip() == "Continue"
        assert (
            button.xpath(f".//span[{cls('continue-lesson')}]")[0].text_content().strip()
            == course.lesson(third, "en").title
        )


def breadcrumbs(root):
    nav = root.xpath(f"//nav[{cls('breadcrumbs')}]")
    assert len(nav) == 1
    return [li.text_content().strip() for li in nav[0].xpath(".//li")]


@pytest.fixture
def completed(app, client, shipped_library):
    """A learner who completed the course (and passed its quizzes); returns the certificate code."""
    course = shipped_library.get(COURSE)
    make_user(app)
    client.post("/login", data={"email": "learner@example.org", "password": "a long enough password"})
    client.post(f"/courses/{COURSE}/enrol")
    for lesson_id in course.lesson_ids:
        if lesson_id in course.quiz_ids():
            submit(client, course, lesson_id, right_answers)
        else:
            client.get(f"/courses/{COURSE}/{lesson_id}")
    certificate = client.get(f"/courses/{COURSE}/certificate").get_data(as_text=True)
    return re.search(r'<dd class="code">([A-Z0-9-]+)</dd>', certificate).group(1)


def test_every_page_of_a_learner_has_breadcrumbs(client, completed, shipped_library):
    course = shipped_library.get(COURSE)
    title = course.title("en")
    quiz = course.quiz_ids()[0]
    expected = {
        f"/courses/{COURSE}/{course.lesson_ids[1]}": ["Courses", title],
        f"/courses/{COURSE}/{quiz}": ["Courses", title],
        f"/courses/{COURSE}/{quiz}/attempts/1": ["Courses", title, course.lesson(quiz, "en").title],
        f"/courses/{COURSE}/certificate": ["Courses", title, "Certificate"],
        f"/certificates/{completed}": ["Courses", title, "Certificate"],
        "/certificates/NOPE": ["Courses", "Certificate"],
        "/dashboard": ["Courses", "My learning"],
        "/profile": ["Courses", "Profile"],
    }
    for url, trail in expected.items():
        response = client.get(url)
        root = lxml.html.document_fromstring(response.get_data(as_text=True))
        assert breadcrumbs(root)[: len(trail)] == trail, url


def test_every_admin_page_has_breadcrumbs(client, admin):
    for url in ("/admin/", f"/admin/courses/{COURSE}/", f"/admin/courses/{COURSE}/learners", "/admin/export"):
        assert breadcrumbs(page(client, url))[0] in ("Courses", "Reports"), url
    assert breadcrumbs(page(client, "/admin/")) == ["Courses", "Reports"]
