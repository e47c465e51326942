"""Hypothesis against the course loader and checker: whatever is in a course folder, no exception escapes,
and the answer is either a course or problems printed as ``path:line: message`` about files that exist."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from learn_habitat.content import CourseError, check_courses, load_course, load_library
from learn_habitat.content.loader import UNEXPLAINED_REFUSAL
from tests.conftest import CourseFolder

PROBLEM_FORMAT = re.compile(r"^.+:\d+: .+$")
FILES = ["course.yaml", "en/welcome.md", "en/details.md", "media/map.svg"]
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces of the lesson syntax, so random Markdown often means something to the parsers.
MARKDOWN_PIECES = [
    "## A heading",
    "# A level-one heading",
    "Some text with *emphasis*, **strong** and `code`.",
    "[the details](details.md#a-table)",
    "[a missing lesson](nowhere.md)",
    "[outside](../outside.md)",
    "[media](../media/map.svg)",
    "![A map of the city](../media/map.svg)",
    "![](../media/missing.png)",
    "![remote](https://example.org/x.png)",
    "> a quote",
    "- an item",
    "    - a nested item",
    "1. a numbered item",
    "| a | b |",
    "|---|---|",
    '!!! note "Key idea"',
    "    Indented text.",
    "A footnote.[^1]",
    "[^1]: The note.",
    "*[SDG]: Sustainable Development Goals",
    "```",
    "~~~python",
    "<div>raw <b>HTML</b></div>",
    "<script>alert(1)</script>",
    "::: question single",
    "::: question multiple",
    "::: question true-false",
    "::: question numeric",
    "::: question text",
    "::: question essay",
    ":::",
    "- [x] right",
    "- [ ] wrong",
    "- [X] also right",
    "    > feedback for the option",
    "= true",
    "= 30 ± 0.5",
    "= an answer",
    "?> a hint",
    "+> well done",
    "-> not quite",
    "",
]

text = st.text(max_size=200)
markdown_line = st.one_of(st.sampled_from(MARKDOWN_PIECES), text)
markdown = st.lists(markdown_line, max_size=40).map("\n".join)
yaml_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 200),
    st.floats(allow_nan=False),
    text,
    st.sampled_from(["page", "quiz"]),
)
yaml_value = st.recursive(
    yaml_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FRONT_KEYS = ["title", "type", "minutes", "pass_mark", "max_attempts", "shuffle", "translation_of", "titel"]
front_matter = st.dictionaries(st.sampled_from(FRONT_KEYS) | st.text(max_size=10), yaml_value, max_size=7)
COURSE_KEYS = ["id", "version", "source_language", "title", "summary", "duration_minutes", "enrolment"]
COURSE_KEYS += ["modules", "completion", "modlues"]
# Names a file may be renamed to: any letters, but no path separator, NUL or line break.
file_name = st.text(
    st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="/\\"), min_size=1, max_size=20
).filter(lambda name: name not in {".", ".."})


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# Each mutation is (name, arguments); _apply carries it out on a fresh valid course.
mutation = st.one_of(
    st.tuples(st.just("write_text"), st.sampled_from(FILES), text),
    st.tuples(st.just("write_bytes"), st.sampled_from(FILES), st.binary(max_size=300)),
    st.tuples(
        st.just("insert_bytes"),
        st.sampled_from(FILES),
        st.integers(0, 400),
        st.binary(min_size=1, max_size=8),
    ),
    st.tuples(
        st.just("insert_bytes"),
        st.sampled_from(FILES),
        st.integers(0, 400),
        st.sampled_from([b"\0", b"\xff", b"\xc3"]),
    ),
    st.tuples(st.just("insert_line"), st.sampled_from(FILES), st.integers(0, 40), markdown_line),
    st.tuples(st.just("delete_line"), st.sampled_from(FILES), st.integers(0, 40)),
    st.tuples(st.just("delete"), st.sampled_from([*FILES, "en", "media"])),
    st.tuples(st.just("rename"), st.sampled_from([*FILES, "en"]), file_name),
    st.tuples(st.just("lesson"), st.sampled_from(["welcome", "details"]), front_matter, markdown),
    st.tuples(st.just("course_key"), st.sampled_from(COURSE_KEYS) | st.text(max_size=10), yaml_value),
    st.tuples(
        st.just("deep"),
        st.sampled_from(["> ", ">", "- ", "    - ", "\t- ", "1. ", "*"]),
        st.integers(1, 3000),
    ),
    st.tuples(st.just("huge_line"), st.sampled_from("x[<*`>(-|"), st.integers(1, 200_000)),
    st.tuples(st.just("translation"), st.sampled_from(["fr", "ar", "xx"]), front_matter, markdown),
    st.tuples(st.just("dangling_link"), file_name),
)


def _apply(course: CourseFolder, step) -> None:
    name, *args = step
    path = course.path
    if name == "write_text":
        target = path / args[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(args[1], encoding="utf-8", errors="surrogatepass")
    elif name == "write_bytes":
        target = path / args[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(args[1])
    elif name == "insert_bytes":
        target = path / args[0]
        if target.is_file():
            data = target.read_bytes()
            position = min(args[1], len(data))
            target.write_bytes(data[:position] + args[2] + data[position:])
    elif name in {"insert_line", "delete_line"}:
        target = path / args[0]
        if target.is_file():
            lines = target.read_bytes().split(b"\n")
            position = min(args[1], len(lines))
            if name == "insert_line":
                lines.insert(position, args[2].encode("utf-8", "surrogatepass"))
            elif position < len(lines):
                del lines[position]
            target.write_bytes(b"\n".join(lines))
    elif name == "delete":
        target = path / args[0]
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    elif name == "rename":
        target = path / args[0]
        if target.exists() and not (target.parent / args[1]).exists():
            target.rename(target.parent / args[1])
    elif name == "lesson":
        course.write(f"en/{args[0]}.md", f"---\n{_dump(args[1])}---\n{args[2]}\n")
    elif name == "course_key":
        try:
            meta = yaml.safe_load((path / "course.yaml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return  # an earlier step broke it already
        if isinstance(meta, dict):
            meta[args[0]] = args[1]
            course.write("course.yaml", _dump(meta))
    elif name == "deep":
        marker, depth = args
        if marker.endswith(" ") and len(marker) * depth * depth // 2 < 2_000_000:
            body = "".join(marker * level + "item\n" for level in range(depth))  # one more level a line
        else:
            body = marker * depth + " deep\n"  # every level on one line
        course.write_lesson("welcome", body)
    elif name == "huge_line":
        course.write_lesson("details", args[0] * args[1] + "\n")
    elif name == "translation":
        course.write(f"{args[0]}/welcome.md", f"---\n{_dump(args[1])}---\n{args[2]}\n")
    elif name == "dangling_link":
        link = path / "en" / f"{args[0]}.md"
        if link.parent.is_dir() and not os.path.lexists(link):
            link.symlink_to(path / "no-such-file")


def _assert_well_placed(problems, folder: Path) -> None:
    for problem in problems:
        assert PROBLEM_FORMAT.fullmatch(str(problem)), str(problem)
        assert problem.line >= 1, str(problem)
        where = Path(problem.path)
        assert where == folder or folder in where.parents, str(problem)
        assert os.path.lexists(where), str(problem)
        # The loader's safety net: a refused course whose reader found no error to report.
        assert UNEXPLAINED_REFUSAL not in problem.message, str(problem)


def _check_answer(course: CourseFolder) -> None:
    """The property: a course, or problems in ``path:line: message`` form about files in the folder; and
    the checker, ``load_course`` and ``load_library`` agree on which it is."""
    # Without a course.yaml the checker reads the folder as a folder of courses: still well placed.
    _assert_well_placed(check_courses(course.path), course.path)
    library = load_library(course.root)
    problems = list(library.problems)
    _assert_well_placed(problems, course.path)
    errors = [p for p in problems if p.is_error]
    try:
        loaded = load_course(course.path)
    except CourseError as error:
        assert errors, "load_course refused a course the library loaded without an error"
        assert error.problems == problems
    else:
        assert not errors, f"load_course accepted a course with errors: {errors}"
        assert loaded.id == course.id
        assert library.courses[course.id] == loaded


@PROPERTY_SETTINGS
@given(steps=st.lists(mutation, min_size=1, max_size=4))
def test_a_mutated_course_loads_or_has_problems_at_a_file_and_line(steps):
    with tempfile.TemporaryDirectory() as folder:
        course = CourseFolder(Path(folder) / "courses")
        for step in steps:
            note(f"mutation: {step!r}"[:2_000])
            _apply(course, step)
        _check_answer(course)


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(front=front_matter, body=markdown)
def test_a_random_quiz_loads_or_has_problems_at_a_file_and_line(front, body):
    with tempfile.TemporaryDirectory() as folder:
        course = CourseFolder(Path(folder) / "courses")
        course.write("en/details.md", f"---\n{_dump({**front, 'type': 'quiz'})}---\n{body}\n")
        _check_answer(course)


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(content=st.binary(max_size=2_000) | text)
def test_random_bytes_anywhere_in_a_lesson_are_reported_not_raised(content):
    assume(content)
    with tempfile.TemporaryDirectory() as folder:
        course = CourseFolder(Path(folder) / "courses")
        target = course.path / "en" / "welcome.md"
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        _check_answer(course)


def test_the_unchanged_demo_course_loads():
    """The starting point of every mutation is valid, so every problem found comes from a mutation."""
    with tempfile.TemporaryDirectory() as folder:
        course = CourseFolder(Path(folder) / "courses")
        assert check_courses(course.path) == []
        assert load_course(course.path).id == course.id
