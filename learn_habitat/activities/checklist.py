"""The ``checklist`` activity: a self-assessment of statements grouped by theme, each answered on a scale.

Syntax (documented in docs/authoring.md)::

    ---
    type: checklist
    scale: [not started, in progress, in place]
    ---

    ::: theme Social inclusion
    - The city knows where its informal settlements are (paragraph 109).
        > not started: Start with a rapid mapping of settlements.
        > in progress: Share the map with the utilities.
    - Another statement.
    :::

A guidance line names a value of the scale (as the front matter writes it), then a colon and the advice shown
when the learner chose that value. Answers are kept by position (statement ``1.2``: theme 1, statement 2; value
0, 1, 2 ...), so a translation keeps the same shape and a saved checklist reads in every language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension

from learn_habitat.activities.base import ActivityType, LessonSource, take_fenced_block
from learn_habitat.content.errors import Problem
from learn_habitat.content.render import markup_problems, sanitise_html

OPENING = re.compile(r"^:::\s*theme\b\s*(?P<title>.*?)\s*$")
STATEMENT = re.compile(r"^- (?P<text>.+)$")
GUIDANCE = re.compile(r"^(?: {2,}|\t)>\s?(?P<value>[^:：]+?)\s*[:：]\s*(?P<text>.+)$")
MIN_SCALE, MAX_SCALE = 2, 10
# Each statement takes one character of SCORM suspend data (1.2 allows 4,096 for the whole course).
MAX_STATEMENTS = 300
UNANSWERED = "-"


@dataclass(frozen=True)
class Statement:
    """One statement; ``key`` ("2.3": theme 2, statement 3) is the same in every language."""

    key: str
    html: str
    guidance_html: tuple[str, ...]  # per scale value, "" where there is none

    @property
    def field_name(self) -> str:
        """The form field of this statement (``s2-3``)."""
        return "s" + self.key.replace(".", "-")


@dataclass(frozen=True)
class Theme:
    """A titled group of statements."""

    number: int
    title: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Checklist:
    """The scale (lowest first) and the themes."""

    scale: tuple[str, ...]
    themes: tuple[Theme, ...]

    @property
    def statements(self) -> tuple[Statement, ...]:
        """Every statement in order."""
        return tuple(statement for theme in self.themes for statement in theme.statements)

    def shape(self) -> tuple:
        """What a translation must keep: the scale's length and the statements per theme."""
        return len(self.scale), tuple(len(theme.statements) for theme in self.themes)


@dataclass(frozen=True)
class ThemeSummary:
    """How one theme was answered: counts per scale value, unanswered statements, and a score."""

    theme: Theme | None  # None: the whole checklist
    counts: tuple[int, ...]
    unanswered: int
    score: float  # 0.0 to 1.0: each statement scores its value's position on the scale; unanswered ones 0

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class Summary:
    """The summary by theme and for the whole checklist."""

    themes: tuple[ThemeSummary, ...]
    overall: ThemeSummary
    answered: int


def parse_answers(checklist: Checklist, form: Mapping) -> dict[str, int]:
    """The valid answers in ``form`` (field name or key -> scale position), as key -> position."""
    answers = {}
    for statement in checklist.statements:
        value = form.get(statement.field_name, form.get(statement.key))
        if isinstance(value, bool):
            continue
        try:
            position = int(value)
        except (TypeError, ValueError):
            continue
        if 0 <= position < len(checklist.scale):
            answers[statement.key] = position
    return answers


def _theme_summary(theme, statements, scale_size, answers) -> ThemeSummary:
    counts = [0] * scale_size
    points = 0.0
    for statement in statements:
        position = answers.get(statement.key)
        if position is not None:
            counts[position] += 1
            points += position / (scale_size - 1)
    total = len(statements)
    return ThemeSummary(theme, tuple(counts), total - sum(counts), points / total if total else 0.0)


def summarise(checklist: Checklist, answers: Mapping[str, int]) -> Summary:
    """Counts per scale value and a score for each theme and overall."""
    answers = parse_answers(checklist, answers)
    size = len(checklist.scale)
    themes = tuple(_theme_summary(theme, theme.statements, size, answers) for theme in checklist.themes)
    overall = _theme_summary(None, checklist.statements, size, answers)
    return Summary(themes, overall, len(answers))


def encode_answers(checklist: Checklist, answers: Mapping[str, int]) -> str:
    """One character per statement (its scale position in base 36, ``-`` when unanswered), trailing gaps cut:
    the compact form kept in SCORM suspend data, and the same in lesson.js."""
    answers = parse_answers(checklist, answers)
    text = "".join(
        "0123456789abcdefghijklmnopqrstuvwxyz"[answers[s.key]] if s.key in answers else UNANSWERED
        for s in checklist.statements
    )
    return text.rstrip(UNANSWERED)


def decode_answers(checklist: Checklist, text: str) -> dict[str, int]:
    """The answers of :func:`encode_answers`' text; characters that do not fit are ignored."""
    found = {}
    for statement, character in zip(checklist.statements, str(text or ""), strict=False):
        if character != UNANSWERED and character.isalnum() and character.isascii():
            position = int(character, 36)
            if position < len(checklist.scale):
                found[statement.key] = position
    return found


# Parsing ------------------------------------------------------------------------------------------


@dataclass
class _Draft:
    index: int
    title: str
    statements: list[list] = field(default_factory=list)  # [text, [(value, guidance), ...]]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (text to find the line by, message)


class _ThemeBlockProcessor(BlockProcessor):
    """Takes ``::: theme`` blocks out of the document and records them as theme drafts."""

    def test(self, parent, block):
        return bool(OPENING.match(block.split("\n", 1)[0]))

    def run(self, parent, blocks):
        lines, closed = take_fenced_block(blocks)
        drafts = self.parser.md.lesson_references.data.setdefault("themes", [])
        draft = _Draft(index=len(drafts), title=OPENING.match(lines[0]).group("title"))
        if not closed:
            draft.problems.append((lines[0], "this theme block is never closed by a ':::' line"))
        for line in lines[1:]:
            statement, guidance = STATEMENT.match(line), GUIDANCE.match(line)
            if statement:
                draft.statements.append([statement.group("text").strip(), []])
            elif guidance and draft.statements:
                draft.statements[-1][1].append(
                    (guidance.group("value").strip(), guidance.group("text").strip())
                )
            elif line.strip():
                draft.problems.append(
                    (
                        line,
                        f"unexpected line in a theme: {line.strip()!r} (write '- statement' or '    > value: guidance')",
                    )
                )
        drafts.append(draft)
        return True


class ChecklistExtension(Extension):
    """python-markdown extension that reads ``::: theme`` blocks."""

    def extendMarkdown(self, md):  # noqa: N802 - python-markdown's name
        md.parser.blockprocessors.register(_ThemeBlockProcessor(md.parser), "checklist_theme", 200)


class ChecklistActivity(ActivityType):
    """A self-assessment answered on a scale, with guidance and a summary by theme; complete once opened."""

    front_matter_keys = frozenset({"scale"})

    def __init__(self):
        self._fragment_md = markdown.Markdown(extensions=["attr_list"], output_format="html")

    def markdown_extensions(self) -> list:
        """The theme block syntax."""
        return [ChecklistExtension()]

    def completion_rule(self) -> str:
        """A checklist is complete when the learner has opened it (answering and saving are theirs to choose)."""
        return "viewed"

    def translation_problems(self, translated: Checklist, source: Checklist) -> list[str]:
        """A translation keeps the scale's length and the number of themes and statements of its source."""
        if translated.shape() == source.shape():
            return []
        return [
            "the checklist differs from its source in the number of scale values, themes or statements "
            f"(here {translated.shape()}, in the source {source.shape()})"
        ]

    def build(self, source: LessonSource, rendered) -> tuple[Checklist | None, list[Problem]]:
        """Turn the theme drafts into a :class:`Checklist`, reporting each problem at its line."""
        problems: list[Problem] = []

        def report(line: int, message: str):
            problems.append(Problem(source.path, line, message))

        scale = source.front_matter.get("scale")
        scale_line = _key_line(source.front_matter, "scale")
        if (
            not isinstance(scale, list)
            or not all(isinstance(value, str) and value.strip() for value in scale)
            or not MIN_SCALE <= len(scale) <= MAX_SCALE
        ):
            report(
                scale_line,
                f"a checklist needs 'scale': a list of {MIN_SCALE} to {MAX_SCALE} answers, lowest first, "
                "e.g. [not started, in progress, in place]",
            )
            scale = None
        else:
            scale = tuple(value.strip() for value in scale)
            if len({value.casefold() for value in scale}) != len(scale):
                report(scale_line, "the values of 'scale' must differ from one another")
        drafts = rendered.data.get("themes", [])
        if not drafts:
            report(source.body_line, "a checklist needs at least one '::: theme TITLE' block")
        openings = [source.body_line + i for i, line in enumerate(source.lines) if OPENING.match(line)]
        themes, total = [], 0
        for draft in drafts:
            start = openings[draft.index] if draft.index < len(openings) else source.body_line

            def line_of(text: str, start=start) -> int:
                return source.find_line(text, start) or start

            for text, message in draft.problems:
                report(line_of(text), message)
            if not draft.title:
                report(start, "a theme needs a title: '::: theme Title'")
            if not draft.statements:
                report(start, "a theme needs at least one statement: '- statement'")
            found: list = []
            statements = []
            for number, (text, guidance) in enumerate(draft.statements, start=1):
                by_value = [""] * len(scale or ())
                for value, advice in guidance:
                    position = _position(scale or (), value)
                    if position is None:
                        if scale is not None:
                            report(
                                line_of(f"{value}"),
                                f"guidance for {value!r}, which is not a value of the scale ({', '.join(scale)})",
                            )
                    elif by_value[position]:
                        report(line_of(advice), f"a second guidance for {value!r} in one statement")
                    else:
                        by_value[position] = self._inline(advice, found)
                statements.append(
                    Statement(f"{draft.index + 1}.{number}", self._inline(text, found), tuple(by_value))
                )
            for needles, message in found:
                candidates = (needles,) if isinstance(needles, str) else needles
                lines = (source.find_line(needle, start) for needle in candidates)
                report(next((line for line in lines if line), start), message)
            total += len(statements)
            themes.append(Theme(draft.index + 1, draft.title, tuple(statements)))
        if total > MAX_STATEMENTS:
            report(
                source.body_line,
                f"a checklist holds at most {MAX_STATEMENTS} statements ({total} here): split it into two lessons",
            )
        if problems or scale is None:
            return None, problems
        return Checklist(scale, tuple(themes)), []

    def _inline(self, text: str, problems: list) -> str:
        """Sanitised inline HTML of one line of Markdown; what an author may not write is added to ``problems``."""
        self._fragment_md.reset()
        html = self._fragment_md.convert(text)
        problems.extend(markup_problems(html))
        html = sanitise_html(html)
        inner = html[3:-4]
        if html.startswith("<p>") and html.endswith("</p>") and "<p" not in inner and "</p" not in inner:
            html = inner
        return html


def _position(scale: tuple[str, ...], value: str) -> int | None:
    from learn_habitat.content.answers import normalise_answer

    wanted = normalise_answer(value)
    return next((i for i, known in enumerate(scale) if normalise_answer(known) == wanted), None)


def _key_line(mapping, key) -> int:
    from learn_habitat.content.yamlsource import key_line

    return key_line(mapping, key, 2)


__all__ = [
    "Checklist",
    "ChecklistActivity",
    "Statement",
    "Summary",
    "Theme",
    "ThemeSummary",
    "decode_answers",
    "encode_answers",
    "parse_answers",
    "summarise",
]
