"""Oversized and pathological input is refused cleanly: the checker names the file and line quickly, and
the site answers a too-large request with 413 (a page for the site, JSON for the API)."""

from __future__ import annotations

import io
import json
import re
import time

import pytest

from learn_habitat.content import check_courses, load_library
from learn_habitat.content.render import (
    MAX_ELEMENT_DEPTH,
    MAX_EMPHASIS_RUN,
    MAX_TIGHT_DEFINITIONS,
    LessonRenderer,
    MarkdownTooDeep,
    complexity_problem,
)
from tests.conftest import PASSWORD, make_user

PROBLEM_FORMAT = re.compile(r"^.+:\d+: .+$")
# Far above what each case takes (well under a second); an exponential or quadratic path takes minutes.
SECONDS_ALLOWED = 15
TEN_MB = 10 * 1024 * 1024

QUIZ_FRONT = "title: Check\ntype: quiz\nminutes: 5\n"
# Nine levels of nine aliases: 387,420,489 items in 10 lines, if anything walks it item by item.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def _lesson(body: str, front: str | None = None):
    return lambda course: course.write_lesson("welcome", body, front=front)


def _course_yaml(extra: str):
    return lambda course: course.write("course.yaml", (course.path / "course.yaml").read_text() + extra)


def _nested_lines(marker: str, depth: int) -> str:
    return "".join(marker * level + "item\n" for level in range(depth))


# (id, how to break the demo course, file that must carry the problem, words the message must contain)
CASES = [
    ("lesson-of-5-MB", _lesson(("A line of text. " * 8 + "\n\n") * 40_000), "en/welcome.md", "too large"),
    ("one-line-of-3-MB", _lesson("x" * 3_000_000), "en/welcome.md", "too large"),
    ("blockquote-5000-deep", _lesson(">" * 5000 + " deep"), "en/welcome.md", "nested 5000 levels"),
    ("spaced-blockquote-3000-deep", _lesson("> " * 3000 + "deep"), "en/welcome.md", "nested"),
    ("list-1000-deep-by-tabs", _lesson(_nested_lines("\t", 1000)), "en/welcome.md", "nested"),
    ("list-400-deep-by-spaces", _lesson(_nested_lines("    ", 400)), "en/welcome.md", "nested"),
    ("list-markers-3000-deep", _lesson("- " * 3000 + "item"), "en/welcome.md", "nested"),
    ("numbered-lists-300-deep", _lesson(_nested_lines("    1. ", 300)), "en/welcome.md", "nested"),
    (
        "emphasis-20000-deep",
        _lesson("*" * 20_000 + "a" + "*" * 20_000),
        "en/welcome.md",
        "nest emphasis too deeply",
    ),
    ("definition-list-of-600", _lesson("term\n: definition\n" * 600), "en/welcome.md", "nested too deeply"),
    ("unclosed-brackets", _lesson("[" * 50_000), "en/welcome.md", "'['"),
    ("unclosed-link-targets", _lesson("[a](" * 20_000), "en/welcome.md", "'('"),
    ("unclosed-tags", _lesson("<a " * 20_000), "en/welcome.md", "'<'"),
    ("html-20000-deep", _lesson("<div>" * 20_000 + "x" + "</div>" * 20_000), "en/welcome.md", "HTML"),
    ("headings-without-blank-lines", _lesson("## h\n" * 20_000), "en/welcome.md", "blank line"),
    (
        "footnotes-20000",
        _lesson("".join(f"t[^{n}]\n\n[^{n}]: n\n\n" for n in range(20_000))),
        "en/welcome.md",
        "footnotes",
    ),
    (
        "question-nested-3000-deep",
        _lesson("::: question single\n" + ">" * 3000 + " p\n\n- [x] a\n- [ ] b\n:::\n", QUIZ_FRONT),
        "en/welcome.md",
        "nested",
    ),
    ("course-yaml-of-100000-lines", _course_yaml("#\n" * 100_000), "course.yaml", "YAML"),
    (
        # Every problem used to split the whole lesson again and scan it from the top: quadratic.
        "question-with-20000-unexpected-lines",
        _lesson(
            "::: question single\nP\n\n- [x] a\n- [ ] b\n\n"
            + "".join(f"z{n}\n\n" for n in range(20_000))
            + ":::\n",
            QUIZ_FRONT,
        ),
        "en/welcome.md",
        "unexpected line in a question",
    ),
    (
        "10000-broken-links",
        _lesson("".join(f"[a](x{n}.md)\n\n" for n in range(10_000))),
        "en/welcome.md",
        "broken link",
    ),
    (
        "course-yaml-of-100000-keys",
        _course_yaml("".join(f"k{n}: {n}\n" for n in range(100_000))),
        "course.yaml",
        "too large",
    ),
    (
        "course-yaml-10000-deep",
        lambda course: course.write("course.yaml", "a: " + "[" * 10_000),
        "course.yaml",
        "nested too deeply",
    ),
    (
        "course-yaml-alias-bomb",
        lambda course: course.write(
            "course.yaml",
            (course.path / "course.yaml").read_text().replace("enrolment: open\n", "")
            + ALIAS_BOMB
            + "enrolment: *i\n",
        ),
        "course.yaml",
        "enrolment must be one of",
    ),
    (
        "front-matter-alias-bomb",
        _lesson("Text.\n", "title: W\ntype: page\nminutes: 3\n" + ALIAS_BOMB),
        "en/welcome.md",
        "unknown key",
    ),
    (
        "front-matter-5000-deep",
        _lesson("Text.\n", "title: W\ntype: page\nminutes: 3\nx: " + "[" * 5000 + "\n"),
        "en/welcome.md",
        "nested too deeply",
    ),
]


@pytest.mark.parametrize(
    ("break_course", "where", "words"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_the_checker_refuses_oversized_input_with_a_clear_problem(course_dir, break_course, where, words):
    break_course(course_dir)
    started = time.perf_counter()
    problems = check_courses(course_dir.path)
    library = load_library(course_dir.root)
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS_ALLOWED
    assert course_dir.id not in library.courses
    assert all(PROBLEM_FORMAT.fullmatch(str(problem)) for problem in problems)
    assert all(len(str(problem)) < 1_000 for problem in problems), "a message quotes too much of the input"
    about_the_file = [p for p in problems if p.path == str(course_dir.path / where) and p.is_error]
    assert any(words in p.message for p in about_the_file), [str(p) for p in problems]


def test_a_lesson_just_under_the_limits_still_loads(course_dir):
    """The limits are far above real lessons: 30 nesting levels and a long, link-rich lesson load."""
    nested = "".join("    " * level + "- item\n" for level in range(30))
    links = "".join(f"See [the details](details.md#a-table), note {n}.\n\n" for n in range(3000))
    course_dir.write_lesson("welcome", nested + "\n" + links)
    assert check_courses(course_dir.path) == []


# The guards are ours, not python-markdown's or PyYAML's: each deep shape is refused before the library
# sees it (or, for element depth, on the tree it builds), so no library upgrade can reopen a crash.
@pytest.mark.parametrize(
    "body",
    [
        "term\n: definition\n" * (MAX_TIGHT_DEFINITIONS + 1),
        "*" * (MAX_EMPHASIS_RUN + 1) + "a" + "*" * (MAX_EMPHASIS_RUN + 1),
        "_" * (MAX_EMPHASIS_RUN + 1) + "a",
    ],
    ids=["tight-definition-list", "asterisk-run", "underscore-run"],
)
def test_deep_markdown_is_refused_before_python_markdown_parses_it(body, monkeypatch):
    import markdown

    def must_not_run(*args, **kwargs):
        raise AssertionError("python-markdown was asked to render input the guard should refuse")

    monkeypatch.setattr(markdown.Markdown, "convert", must_not_run)
    assert complexity_problem(body) is not None


def test_the_limits_leave_room_for_real_lessons():
    assert complexity_problem("term\n: definition\n" * MAX_TIGHT_DEFINITIONS) is None
    assert complexity_problem("Some text\n\n" + "*" * 80 + "\n\n_ _ _ _\n\n" + "*" * MAX_EMPHASIS_RUN) is None
    assert complexity_problem("term\n: definition\n\n" * 2000) is None


def test_elements_nested_past_the_limit_by_any_route_are_refused_on_the_tree():
    # Separate markers, none in a long run: the lexical limits let it through, the tree guard does not.
    body = "*x " * (MAX_ELEMENT_DEPTH + 5) + "y" + " x*" * (MAX_ELEMENT_DEPTH + 5)
    assert complexity_problem(body) is None
    with pytest.raises(MarkdownTooDeep):
        LessonRenderer().render(body)
    shallow = "*x " * 20 + "y" + " x*" * 20
    assert "<em>" in LessonRenderer().render(shallow).html


def test_deep_yaml_is_refused_from_the_event_stream_before_pyyaml_builds_it(monkeypatch):
    import yaml

    from learn_habitat.content.yamlsource import MAX_YAML_DEPTH, YamlSyntaxError, parse_yaml

    def must_not_run(*args, **kwargs):
        raise AssertionError("PyYAML was asked to construct a document the guard should refuse")

    monkeypatch.setattr(yaml, "load", must_not_run)
    deep = "title: x\nvalue: " + "[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1) + "\n"
    with pytest.raises(YamlSyntaxError) as raised:
        parse_yaml(deep, first_line=2)
    assert raised.value.line == 3
    assert "nested too deeply" in str(raised.value)


# Through the site: MAX_CONTENT_LENGTH is 2 MB; 10 MB is refused before any form or JSON is parsed.


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_a_10_mb_form_gets_the_friendly_413_page(client, path):
    response = client.post(path, data={"email": "x" * TEN_MB, "password": "a long enough password"})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "Too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("protected", [False, True], ids=["as-in-tests", "csrf-and-rate-limits-on"])
def test_a_10_mb_login_is_413_even_with_csrf_and_rate_limits(app_config, protected):
    from learn_habitat import create_app
    from learn_habitat.extensions import db

    app_config.update(WTF_CSRF_ENABLED=protected, RATELIMIT_ENABLED=protected)
    app = create_app(app_config)
    response = app.test_client().post("/login", data={"email": "x" * TEN_MB, "password": "p"})
    assert response.status_code == 413
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/api/v1/users", False),
        ("/api/v1/tokens", False),
        # With a token: without one the API answers 401 before it reads the body at all.
        ("/api/v1/courses/new-urban-agenda/enrolment", True),
        ("/api/v1/courses/new-urban-agenda/lessons/quiz-origins-and-vision/attempts", True),
    ],
)
def test_a_10_mb_json_body_gets_a_413_json_error(app, client, path, signed_in):
    headers = {}
    if signed_in:
        make_user(app)
        token = client.post("/api/v1/tokens", json={"email": "learner@example.org", "password": PASSWORD})
        headers["Authorization"] = f"Bearer {token.get_json()['token']}"
    body = json.dumps({"email": "x" * TEN_MB, "password": "a long enough password"})
    response = client.post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 413
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "too_large"


def test_a_10_mb_body_without_a_content_length_is_refused_too(client):
    """A chunked upload announces no size: reading stops at the limit instead."""
    response = client.post(
        "/api/v1/users",
        input_stream=io.BytesIO(b"x" * TEN_MB),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
