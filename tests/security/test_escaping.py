"""Values from a course or a user are escaped for where they land (HTML text, attributes, JSON inside <script>,
XML), on the site and in SCORM packages; authors cannot write script, event handlers, script URLs, external
resources or the pages' own ids, and the package's scripts cannot be fed an author's imitation of their data."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from learn_habitat.activities.base import LessonSource
from learn_habitat.activities.quiz import QuizActivity
from learn_habitat.content import check_courses, load_course, load_library
from learn_habitat.content.render import LessonRenderer, is_reserved_id, sanitise_html
from scorm_export import export_course
from scorm_export.base import _environment
from tests.conftest import PROJECT_ROOT, CourseFolder, make_user

COURSE_ID = "hostile-course"
# Closes a <title>, an attribute in either quote, a <script>, a <textarea>; opens an element with a handler,
# a comment; holds the line separators that end a line in old JavaScript.
HOSTILE = (
    "</title></textarea></script><script>window.__pwned=1</script>\"'><img src=x onerror=window.__pwned=1>"
    "<svg onload=window.__pwned=1><!-- \u2028\u2029 &amp; {{ 7*7 }}"
)
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "data", "xlink:href")
PACKAGE_SCRIPTS = {
    "index.html": {("assets/runtime.js", None, None), (None, "application/json", "lh-config")},
    "lesson": {
        ("assets/lesson.js", None, None),
        (None, "application/json", "lh-quiz"),
        (None, "application/json", "lh-messages"),
    },
}
QUIZ_BODY = """\
::: question single
Which one is *right*? `</script><script>window.__pwned=1</script>`

- [x] Yes &lt;img src=x onerror=window.__pwned=1&gt;
    > Good `<img src=x onerror=window.__pwned=1>`
- [ ] No `</label></form><script>window.__pwned=1</script>`
    > Not that &lt;/template&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;

?> Hint `<svg onload=window.__pwned=1>`
+> Right: `</template><script>window.__pwned=1</script>`
-> Wrong: `<a href="javascript:window.__pwned=1">x</a>`
:::
"""


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def hostile_course(root: Path, version: str = "1.0.0", body_extra: str = "") -> CourseFolder:
    """A course that passes the checker with hostile text in every value that reaches a page."""
    course = CourseFolder(root, COURSE_ID)
    course.write(
        "course.yaml",
        f"""\
        id: {COURSE_ID}
        version: {_yaml(version)}
        source_language: en
        title:
          en: {_yaml("Course " + HOSTILE)}
        summary:
          en: {_yaml("Summary " + HOSTILE)}
        modules:
          - id: basics
            title:
              en: {_yaml("Module " + HOSTILE)}
            lessons:
              - welcome
              - details
        """,
    )
    front = f"title: {_yaml('Lesson ' + HOSTILE)}\ntype: page\nminutes: 5\n"
    course.write_lesson(
        "welcome",
        "## Main\n\n## Q1\n\n## lh-quiz\n\n"
        "Text with 5 < 6 & `<script>window.__pwned=1</script>` and &lt;img src=x onerror=x&gt;.\n\n"
        + body_extra,
        front=front,
    )
    quiz_front = f"title: {_yaml('Quiz ' + HOSTILE)}\ntype: quiz\nminutes: 5\npass_mark: 50\n"
    course.write_lesson("details", QUIZ_BODY, front=quiz_front)
    return course


def assert_inert(html: str, allowed_scripts=frozenset(), allowed_frames=frozenset()) -> lxml.html.HtmlElement:
    """No script but ours, no event handler, no script URL, no element an author smuggled in, unique ids."""
    root = lxml.html.document_fromstring(html)
    scripts = {(s.get("src"), s.get("type"), s.get("id")) for s in root.iter("script")}
    assert scripts <= set(allowed_scripts), scripts
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name, value)
            if name in URL_ATTRIBUTES:
                plain = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not plain.startswith(("javascript:", "vbscript:", "data:text")), (element.tag, value)
    assert not list(root.iter("svg", "object", "embed", "textarea"))
    assert {frame.get("id") for frame in root.iter("iframe")} <= set(allowed_frames)
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    return root


def text_of(root) -> str:
    return root.text_content()


# --- The site ---------------------------------------------------------------------------------------------


@pytest.fixture
def app_for(app_config):
    """An app serving the courses under a folder, on a fresh database, with a signed-in enrolled learner."""
    from learn_habitat import create_app
    from learn_habitat.extensions import db

    made = []

    def make(courses: Path, course_id: str):
        library = load_library(courses)
        assert library.get(course_id) is not None, library.problems
        app_config["COURSES_DIR"], app_config["COURSE_LIBRARY"] = str(courses), library
        app = create_app(app_config)
        with app.app_context():
            db.drop_all()
            db.create_all()
        made.append(app)
        make_user(app)
        client = app.test_client()
        client.post("/login", data={"email": "learner@example.org", "password": "a long enough password"})
        assert client.post(f"/courses/{course_id}/enrol").status_code == 302
        return client

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_hostile_course_values_are_text_on_every_site_page(app_for, tmp_path):
    client = app_for(hostile_course(tmp_path / "courses").root, COURSE_ID)
    pages = ["/", f"/courses/{COURSE_ID}/", f"/courses/{COURSE_ID}/welcome", f"/courses/{COURSE_ID}/details"]
    pages.append("/dashboard")
    submitted = client.post(f"/courses/{COURSE_ID}/details/attempts", data={"submission_id": "s1", "q1": "b"})
    assert submitted.status_code == 302
    # A pass reveals the right answer and the feedback on the failed attempt's page: all of it arrives as text.
    passed = client.post(f"/courses/{COURSE_ID}/details/attempts", data={"submission_id": "s2", "q1": "a"})
    assert passed.status_code == 302
    pages.append(submitted.headers["Location"])
    seen = set()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        root = assert_inert(response.get_data(as_text=True))
        text = text_of(root)
        seen |= {name for name in ("Course ", "Lesson ", "Quiz ", "Module ") if name + HOSTILE in text}
    # Each value arrived whole, as text: escaped, not cut off or dropped.
    assert seen == {"Course ", "Lesson ", "Quiz ", "Module "}
    result = client.get(pages[-1]).get_data(as_text=True)
    assert "</template><script>window.__pwned=1</script>" not in result  # escaped, so only as &lt;...
    assert "&lt;/template&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;" in result


def test_headings_named_like_the_pages_own_ids_get_other_anchors(tmp_path):
    course = load_course(hostile_course(tmp_path).path)
    anchors = [heading.anchor for heading in course.lesson("welcome", "en").headings]
    assert anchors == ["h-main", "h-q1", "h-lh-quiz"]
    assert not any(is_reserved_id(anchor) for anchor in anchors)


# --- Packages ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_hostile_course_values_are_escaped_in_both_package_standards(tmp_path, standard):
    course = load_course(hostile_course(tmp_path).path)
    archive = zipfile.ZipFile(io.BytesIO(export_course(course, "en", standard)))
    pages = [name for name in archive.namelist() if name.endswith(".html")]
    assert sorted(pages) == ["details.html", "index.html", "welcome.html"]
    for name in pages:
        html = archive.read(name).decode("utf-8")
        scripts = PACKAGE_SCRIPTS["index.html" if name == "index.html" else "lesson"]
        root = assert_inert(html, scripts, {"lh-lesson"} if name == "index.html" else set())
        assert "Course " + HOSTILE in text_of(root)
        for script in root.iter("script"):
            if script.get("type") == "application/json":
                json.loads(script.text)  # whole and valid: nothing closed the element early
                assert "<" not in script.text and "\u2028" not in script.text
    index = lxml.html.document_fromstring(archive.read("index.html").decode("utf-8"))
    assert "Module " + HOSTILE in text_of(index) and "Lesson " + HOSTILE in text_of(index)
    quiz = lxml.html.document_fromstring(archive.read("details.html").decode("utf-8"))
    feedback = {
        t.get("data-option") or t.get("data-verdict"): t.text_content() for t in quiz.iter("template")
    }
    assert feedback == {
        "a": "Good <img src=x onerror=window.__pwned=1>",
        "b": "Not that </template><script>window.__pwned=1</script>",
        "right": "Right: </template><script>window.__pwned=1</script>",
        "wrong": 'Wrong: <a href="javascript:window.__pwned=1">x</a>',
    }
    manifest = etree.fromstring(archive.read("imsmanifest.xml"))
    titles = [node.text for node in manifest.iter() if etree.QName(node).localname == "title" and node.text]
    assert "Course " + HOSTILE in titles


def test_package_script_data_is_inert_even_when_it_holds_a_closing_script_tag(tmp_path, monkeypatch):
    """Whatever reaches the runtime's JSON, the escaping is the template's, not the loader's validation."""
    import scorm_export.base as base

    course = load_course(hostile_course(tmp_path).path)
    real = base._runtime_config
    monkeypatch.setattr(base, "_runtime_config", lambda *args: {**real(*args), "version": HOSTILE})
    archive = zipfile.ZipFile(io.BytesIO(export_course(course, "en", "scorm12")))
    root = assert_inert(
        archive.read("index.html").decode("utf-8"), PACKAGE_SCRIPTS["index.html"], {"lh-lesson"}
    )
    config = next(s for s in root.iter("script") if s.get("id") == "lh-config")
    assert json.loads(config.text)["version"] == HOSTILE


def test_package_templates_escape_every_value_whatever_their_name():
    environment = _environment("en")
    assert environment.autoescape is True
    page = environment.from_string(
        '<p title="{{ v }}">{{ v }}</p><script type="application/json">{{ v|script_json }}</script>'
    )
    root = assert_inert(page.render(v=HOSTILE), {(None, "application/json", None)})
    paragraph = next(root.iter("p"))
    assert paragraph.get("title") == HOSTILE and paragraph.text_content() == HOSTILE
    assert json.loads(next(root.iter("script")).text) == HOSTILE


# --- The checker and the sanitiser -------------------------------------------------------------------------

# (Markdown on the lesson's third body line, what the problem says); each is removed by the sanitiser too.
REFUSED_IN_LESSONS = [
    ("<script>window.__pwned=1</script>", "<script> is not allowed"),
    ('<img src="x" onerror="window.__pwned=1">', "'onerror' is not allowed"),
    ('<p onclick="window.__pwned=1">x</p>', "'onclick' is not allowed"),
    ('Text *em*{onmouseover="window.__pwned=1"}', "'onmouseover' is not allowed"),
    ("[click](javascript:window.__pwned=1)", "script URLs are not allowed"),
    ('<a href="jav&#x09;ascript:window.__pwned=1">x</a>', "script URLs are not allowed"),
    ('<a href=" JAVASCRIPT:window.__pwned=1">x</a>', "script URLs are not allowed"),
    ('<img src="http://evil.example/x.png" alt="x">', "external resource 'http://evil.example/x.png'"),
    ('<img src="//evil.example/x.png" alt="x">', "external resource '//evil.example/x.png'"),
    ('<img src="/logout" alt="x">', "external resource '/logout'"),
    (
        '<img srcset="https://evil.example/x.png 2x" alt="x">',
        "external resource 'https://evil.example/x.png'",
    ),
    ('<audio src="https://evil.example/a.mp3"></audio>', "external resource"),
    ('<video poster="https://evil.example/p.png"></video>', "external resource"),
    ('<p style="background:url(https://evil.example/x.png)">x</p>', "external resource"),
    ('<iframe src="https://evil.example/"></iframe>', "<iframe> is not allowed"),
    ('<link rel="stylesheet" href="https://evil.example/x.css">', "<link> is not allowed"),
    ("<style>@import url(https://evil.example/x.css);</style>", "<style> is not allowed"),
    ('<object data="https://evil.example/x.swf"></object>', "<object> is not allowed"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "<meta> is not allowed"),
    ('<base href="https://evil.example/">', "<base> is not allowed"),
    ("Text *em*{: #lh-quiz}", "the id 'lh-quiz' is reserved"),
    ('<div id="quiz-form">x</div>', "the id 'quiz-form' is reserved"),
    ("## Heading {#main}", "the id 'main' is reserved"),
    ('<span id="q1-a">x</span>', "the id 'q1-a' is reserved"),
    ('<span id="LH-CONFIG">x</span>', "the id 'LH-CONFIG' is reserved"),
]


@pytest.mark.parametrize(("markdown", "expected"), REFUSED_IN_LESSONS)
def test_checker_refuses_what_an_author_may_not_write_at_its_line(course_dir, markdown, expected):
    path = course_dir.write_lesson("details", f"## A table\n\nIntro.\n\n{markdown}\n\nAfter.\n")
    problems = [str(p) for p in check_courses(course_dir.path)]
    # Front matter is lines 1-5, so the body's fifth line is line 10 of the file.
    assert any(p.startswith(f"{path}:10: ") and expected in p for p in problems), problems


@pytest.mark.parametrize(("markdown", "expected"), REFUSED_IN_LESSONS)
def test_sanitiser_removes_what_the_checker_refuses(markdown, expected):
    html = LessonRenderer().render(f"Intro.\n\n{markdown}\n").html
    root = assert_inert(f"<body>{html}</body>")
    assert not list(
        root.iter("script", "iframe", "link", "style", "object", "meta", "base", "audio", "video")
    )
    for element in root.iter():
        assert element.get("style") is None and element.get("srcset") is None
        assert not is_reserved_id(element.get("id") or "x")
        if element.tag == "img":
            assert element.get("src") is None or element.get("src").startswith("media/")


def test_sanitiser_keeps_images_to_the_course_media_only():
    kept = sanitise_html('<img src="media/map.svg" alt="a"><img src="media/../../admin/" alt="b">')
    assert kept == '<img src="media/map.svg" alt="a"><img alt="b">'
    assert sanitise_html('<img src="https://evil.example/x.png" alt="c">') == '<img alt="c">'


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["- [x] Yes *a*{: #lh-quiz}", "- [ ] No"], "the id 'lh-quiz' is reserved"),
        (
            ["- [x] Yes", '    > Good <img src="x" onerror="window.__pwned=1">', "- [ ] No"],
            "'onerror' is not allowed",
        ),
        (
            ["- [x] Yes", "- [ ] No", "?> Hint [x](javascript:window.__pwned=1)"],
            "script URLs are not allowed",
        ),
        (["- [x] Yes", "- [ ] No", "+> Right ![x](https://evil.example/x.png)"], "external resource"),
        (["- [x] Yes", "- [ ] No", "-> Wrong <script>window.__pwned=1</script>"], "<script> is not allowed"),
    ],
)
def test_checker_refuses_the_same_in_quiz_options_feedback_and_hints(course_dir, answers, expected):
    hostile = next(line for line in answers if "lh-quiz" in line or "__pwned" in line or "evil" in line)
    lines = ["::: question single", "Pick one.", "", *answers, ":::"]
    body = "\n".join(lines) + "\n"
    path = course_dir.write_lesson("details", body, front="title: Quiz\ntype: quiz\nminutes: 5\n")
    problems = [str(p) for p in check_courses(course_dir.path)]
    line_number = 6 + lines.index(hostile)  # the front matter is lines 1-5
    assert any(p.startswith(f"{path}:{line_number}: ") and expected in p for p in problems), problems


def test_quiz_text_is_sanitised_even_when_unchecked():
    body = (
        "::: question single\nPick <b onclick=x>one</b> {#main}\n\n"
        "- [x] Yes <img src=x onerror=window.__pwned=1>\n    > a</p><p title=x>b\n- [ ] No\n"
        "?> [x](javascript:window.__pwned=1)\n+> <img src=https://evil.example/x.png>\n:::\n"
    )
    renderer = LessonRenderer(extensions=QuizActivity().markdown_extensions())
    activity = QuizActivity()
    quiz, _problems = activity.build(LessonSource("q", "en", "q.md", {}, body, 5), renderer.render(body))
    assert quiz is None  # refused; what follows is what the sanitiser alone would have made
    draft_html = [activity._inline(text, []) for text in ("Yes <img src=x onerror=a>", "a</p><p title=x>b")]
    assert draft_html[0] == "Yes <img>"
    assert draft_html[1].count("<p") == draft_html[1].count("</p>")  # never an unbalanced paragraph
    assert "javascript" not in activity._inline("[x](javascript:a)", [])
    assert "src" not in activity._inline("<img src=https://evil.example/x.png>", [])


@pytest.mark.parametrize(
    "version",
    [
        '1.0"><script>alert(1)</script>',
        "1.0</script><script>alert(1)</script>",
        "1 0",
        "1.0+build",
        "-1",
        "x" * 41,
    ],
)
def test_checker_refuses_a_version_that_is_not_a_plain_name(course_dir, version):
    course_dir.replace("course.yaml", 'version: "1.0.0"', f"version: {_yaml(version)}")
    problems = [str(p) for p in check_courses(course_dir.path)]
    assert [p for p in problems if ":2: version must be" in p], problems


# --- One list of reserved ids, complete ---------------------------------------------------------------------

SITE_TEMPLATES = PROJECT_ROOT / "learn_habitat" / "templates"
PACKAGE_TEMPLATES = PROJECT_ROOT / "scorm_export" / "templates"
# Each |safe in any template may only mark the sanitiser's output.
SANITISED = {
    "lesson.html",
    "question.prompt_html",
    "item.question.prompt_html",
    "option.html",
    "question.hint_html",
    "feedback",
    "option.feedback_html",
    "question.correct_feedback_html",
    "question.incorrect_feedback_html",
    "page.html",  # site/page.html: a footer page, rendered by the LessonRenderer
    # learning/_checklist_form.html: a statement and its guidance, sanitised by activities/checklist.py
    "statement.html",
    "statement.guidance_html[chosen]",
    "guidance",
}


def _templates():
    return sorted([*SITE_TEMPLATES.rglob("*.html"), *PACKAGE_TEMPLATES.rglob("*.html")])


def test_templates_mark_only_sanitised_html_as_safe():
    for template in _templates():
        for expression in re.findall(
            r"\{\{\s*([^{}|]+?)\s*\|\s*safe\b", template.read_text(encoding="utf-8")
        ):
            assert expression in SANITISED, f"{template}: {expression}|safe"
        assert "autoescape false" not in template.read_text(encoding="utf-8")


def test_only_script_json_marks_a_python_string_as_safe_html():
    makers = []
    for package in ("learn_habitat", "scorm_export"):
        for module in sorted((PROJECT_ROOT / package).rglob("*.py")):
            if re.search(
                r"\bMarkup\(|render_template_string|autoescape=False", module.read_text(encoding="utf-8")
            ):
                makers.append(module.relative_to(PROJECT_ROOT).as_posix())
    # The certificate's QR code: SVG written by segno and accepted by the media rules before it is marked.
    # The fragment cache: the output of autoescaped templates, kept as text, with its slots' values escaped
    # (tests/learning/test_page_fragments.py).
    assert makers == [
        "learn_habitat/fragments.py",
        "learn_habitat/learning/certificates.py",
        "scorm_export/base.py",
    ]


def test_every_literal_id_in_the_templates_of_lesson_pages_is_reserved():
    pages = [
        SITE_TEMPLATES / "base.html",
        # Its parts rendered once per language (learn_habitat/fragments.py).
        SITE_TEMPLATES / "_site_head.html",
        SITE_TEMPLATES / "_site_header.html",
        SITE_TEMPLATES / "_site_footer.html",
        SITE_TEMPLATES / "_progress_bar.html",
        SITE_TEMPLATES / "learning" / "lesson.html",
        SITE_TEMPLATES / "learning" / "_lesson_top.html",
        SITE_TEMPLATES / "learning" / "_lesson_text.html",
        SITE_TEMPLATES / "learning" / "_lesson_end.html",
        SITE_TEMPLATES / "learning" / "_pager.html",
        SITE_TEMPLATES / "learning" / "_quiz_form.html",
        SITE_TEMPLATES / "learning" / "_checklist_form.html",
        SITE_TEMPLATES / "learning" / "attempt.html",
        SITE_TEMPLATES / "site" / "page.html",
        *PACKAGE_TEMPLATES.glob("*.html"),
    ]
    # The templates that show author HTML are exactly those that mark something safe, and what they extend.
    showing_author_html = {t for t in _templates() if "|safe" in t.read_text(encoding="utf-8")}
    assert showing_author_html <= set(pages)
    for template in pages:
        for value in re.findall(r'\bid="([^"{]+)"', template.read_text(encoding="utf-8")):
            assert is_reserved_id(value), f"{template}: id {value!r} is not in RESERVED_IDS"


def _quiz_course_without_ids(root: Path) -> CourseFolder:
    course = CourseFolder(root, "plain-course")
    course.write_lesson("welcome", "Just text, no headings.\n")
    kinds = "\n".join(
        f"::: question {kind}\nPrompt {n}.\n\n{answers}\n?> Hint.\n+> Right.\n-> Wrong.\n:::\n"
        for n, (kind, answers) in enumerate(
            [
                ("single", "- [x] A\n    > Yes.\n- [ ] B\n"),
                ("multiple", "- [x] A\n- [x] B\n- [ ] C\n"),
                ("true-false", "= true\n"),
                ("numeric", "= 3 ± 0.5\n"),
                ("text", "= answer\n"),
            ],
            start=1,
        )
    )
    course.write_lesson("details", kinds, front="title: Quiz\ntype: quiz\nminutes: 5\n")
    return course


def test_every_id_the_pages_give_their_own_elements_is_reserved(app_for, tmp_path):
    """Rendered from a course whose own HTML has no ids: every id on a lesson page is then the page's."""
    course = _quiz_course_without_ids(tmp_path / "plain")
    library = load_library(course.root)
    assert library.get("plain-course") is not None, library.problems
    ids = set()
    for standard in ("scorm12", "scorm2004"):
        archive = zipfile.ZipFile(io.BytesIO(export_course(library.get("plain-course"), "en", standard)))
        for name in (n for n in archive.namelist() if n.endswith(".html")):
            ids |= {e.get("id") for e in lxml.html.fromstring(archive.read(name)).iter() if e.get("id")}
    client = app_for(course.root, "plain-course")
    submitted = client.post("/courses/plain-course/details/attempts", data={"submission_id": "s", "q1": "a"})
    for url in (
        "/courses/plain-course/welcome",
        "/courses/plain-course/details",
        submitted.headers["Location"],
    ):
        page = client.get(url).get_data(as_text=True)
        ids |= {e.get("id") for e in lxml.html.fromstring(page).iter() if e.get("id")}
    assert {"main", "lh-quiz", "q1", "q2-c", "q5-answer"} <= ids  # the pages were really rendered
    assert sorted(i for i in ids if not is_reserved_id(i)) == []


# --- In a browser, with the checker switched off ----------------------------------------------------------

# An imitation of the quiz data, placed in the lesson before the real one: a script that looked its data up by
# id alone would grade with it and insert its "feedback" as HTML.
FAKE_QUIZ = json.dumps(
    {
        "lesson": "details",
        "passMark": 50,
        "maxAttempts": None,
        "questions": [
            {
                "id": "q1",
                "kind": "single",
                "options": [
                    {"key": "a", "correct": True, "feedback": "<img src=x onerror=window.__pwned=1>"}
                ],
                "accepted": [],
                "number": None,
                "tolerance": 0,
                "right": "<img src=x onerror=window.__pwned=1>",
                "wrong": "<img src=x onerror=window.__pwned=1>",
            }
        ],
    }
).replace("<", "\\u003c")
UNCHECKED_LESSON = f"""\
<div id="lh-quiz">{FAKE_QUIZ}</div>

<script>window.__pwned = 1;</script>

<img src="x" onerror="window.__pwned=1" alt="x"> <img src="http://evil.invalid/x.png" alt="y">

<p onmouseover="window.__pwned=1" id="main">[click](javascript:window.__pwned=1)</p>

<iframe src="javascript:parent.__pwned=1"></iframe>
"""


def test_no_author_script_runs_in_a_hostile_package_even_with_the_checker_off(tmp_path, monkeypatch, browser):
    """Escaping, the sanitiser and the scripts' lookups hold on their own: the checker is a second line."""
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    from learn_habitat.activities import quiz as quiz_module
    from learn_habitat.content import loader
    from learn_habitat.content import render as render_module
    from tests.browser.test_scorm_runtime import QuietHandler

    monkeypatch.setattr(loader, "VERSION", re.compile(r".+", re.DOTALL))
    monkeypatch.setattr(render_module, "markup_problems", lambda html: [])
    monkeypatch.setattr(quiz_module, "markup_problems", lambda html: [])
    folder = hostile_course(
        tmp_path / "courses",
        version="1.0</script><script>window.__pwned=1</script>",
        body_extra=UNCHECKED_LESSON,
    )
    course = load_course(folder.path)  # the checker would have refused it
    root = tmp_path / "served"
    zipfile.ZipFile(io.BytesIO(export_course(course, "en", "scorm2004"))).extractall(root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    dialogs, outside = [], []
    context.on("request", lambda r: None if r.url.startswith("http://127.0.0.1") else outside.append(r.url))
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
        lesson = page.frame_locator("iframe#lh-lesson")
        lesson.locator("body[data-lesson=welcome]").wait_for()
        lesson.locator("p >> text=click").hover()
        lesson.locator("a[rel=next]").click()
        lesson.locator("body[data-lesson=details]").wait_for()
        lesson.locator("input[name=q1][value=a]").check()
        lesson.locator("button[type=submit]").click()
        lesson.locator("#quiz-result:not([hidden])").wait_for()
        feedback = lesson.locator("fieldset#q1 .question-feedback").inner_text()
        frame = page.frames[1]
        assert frame.evaluate("window.__pwned") is None
        assert page.evaluate("window.__pwned") is None
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert dialogs == [] and outside == []
    # The real feedback was shown, as text where the author wrote markup in code.
    assert "Good <img src=x onerror=window.__pwned=1>" in feedback
    assert "Right: </template><script>window.__pwned=1</script>" in feedback
