"""Split a lesson file into translatable units and a skeleton that rebuilds the file byte for byte.

A lesson is read line by line. Block syntax (front matter keys, heading and list markers, quiz markers
``- [x]``, ``?>``, ``+>``, ``->``, ``=``, table pipes, indentation, blank lines, fences) stays in the skeleton
and never reaches the translator. What is left on a line is one unit: a paragraph, heading, list item, table
cell, admonition title, quiz prompt, option, feedback or hint. Inside a unit, Markdown syntax that must survive
translation (emphasis markers, code spans, link and image targets, footnote references, HTML, attribute lists,
URLs, backslash escapes) becomes an inline code: a :class:`Placeholder` (``<ph>``) or, around translatable
text such as a link's words or an image's alt text, a :class:`Span` (``<pc>``).

Front matter: only ``title`` and the ``objectives`` are translated; every other key (type, minutes, pass_mark,
case_regions, ...) is skeleton. The accepted answers of a ``text`` question are one unit, the answers separated
by a separator code the translator may copy (to accept more answers) or drop; numeric and true/false answers
are skeleton, so a translation always grades like its source.

A paragraph written over several lines gives one unit per line (the shipped lessons write one line each).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TRANSLATION_KEY = "translation_of"
SEPARATOR = "sep"  # the Placeholder.type of the code between two accepted answers
EMPHASIS = "emphasis"  # the Placeholder.type of emphasis markers (* ** _ ~~)


@dataclass(frozen=True)
class Placeholder:
    """An inline code standing for protected text (``<ph>``)."""

    id: str
    data: str
    type: str = "fmt"


@dataclass(frozen=True)
class Span:
    """Protected text around translatable text (``<pc>``): ``start`` + content + ``end``."""

    id: str
    start: str
    end: str
    content: tuple
    type: str = "link"


@dataclass(frozen=True)
class Unit:
    """One translatable piece of a lesson; ``content`` is a tuple of ``str``, Placeholder and Span."""

    id: str
    kind: str
    content: tuple
    context: str = ""
    yaml_quoted: bool = False


@dataclass(frozen=True)
class Lesson:
    """A lesson as skeleton text and units, in file order; ``translation_of`` as found in its front matter."""

    parts: tuple
    translation_of: str | None = None
    newline: str = "\n"
    translation_of_line: int | None = None  # its 0-based line number in the file

    @property
    def units(self) -> list[Unit]:
        return [part for part in self.parts if isinstance(part, Unit)]

    def shape(self) -> tuple:
        """What must be equal for two lessons to align unit by unit: the skeleton and the unit kinds."""
        return tuple(part if isinstance(part, str) else part.kind for part in self.parts)


# --- inline codes -------------------------------------------------------------------------------------------

_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]"
    r"(?P<target>\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)|\[[^\[\]]*\])"
)
_CODES = re.compile(
    r"(?P<code>(`+).+?\2)"
    r"|(?P<escape>\\[\\`*_{}\[\]()#+\-.!|<>~\"])"
    r"|(?P<footnote>\[\^[^\]\s]+\])"
    r"|(?P<autolink><(?:https?://|mailto:)[^>\s]+>)"
    r"|(?P<html></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--.*?-->|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);)"
    r"|(?P<attrs>\{[:#.][^{}]*\})"
    r"|(?P<url>(?:https?://|www\.)[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"])"
    # A whole run of * or _ is one code; a run with spaces on both sides is a literal (5 * 3), and so is an
    # underscore inside a word (snake_case).
    r"|(?P<emphasis>(?<![\s*])\*++|(?<!\*)\*++(?!\s)|(?<![\w_])_++(?=\S)|(?<![\s_])_++(?!\w)|~~)"
)
_TYPES = {
    "code": "other",
    "escape": "fmt",
    "footnote": "link",
    "autolink": "link",
    "html": "fmt",
    "attrs": "fmt",
    "url": "link",
    "emphasis": "emphasis",
}
FLEXIBLE = frozenset({SEPARATOR, "emphasis"})  # codes a translator may drop or copy (see document.py)


class _Ids:
    def __init__(self):
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return str(self.count)


def protect(text: str, ids: _Ids | None = None) -> tuple:
    """Markdown inline text as a tuple of plain text and inline codes (see the module docstring)."""
    ids = ids or _Ids()
    out: list = []
    position = 0
    for match in _LINK.finditer(text):
        out += _protect_plain(text[position : match.start()], ids)
        opener = match.group("bang") + "["
        span_id = ids.next()
        inner = protect(match.group("text"), ids)
        out.append(
            Span(
                span_id,
                opener,
                "]" + match.group("target"),
                inner,
                "image" if match.group("bang") else "link",
            )
        )
        position = match.end()
    out += _protect_plain(text[position:], ids)
    return _merge(out)


def _protect_plain(text: str, ids: _Ids) -> list:
    out: list = []
    position = 0
    for match in _CODES.finditer(text):
        if match.start() > position:
            out.append(text[position : match.start()])
        out.append(Placeholder(ids.next(), match.group(0), _TYPES[match.lastgroup]))
        position = match.end()
    if position < len(text):
        out.append(text[position:])
    return out


def _merge(items: list) -> tuple:
    merged: list = []
    for item in items:
        if isinstance(item, str) and merged and isinstance(merged[-1], str):
            merged[-1] += item
        elif item != "":
            merged.append(item)
    return tuple(merged)


def render(content: tuple) -> str:
    """The Markdown text of a unit's content (the inverse of :func:`protect`)."""
    pieces = []
    for item in content:
        if isinstance(item, str):
            pieces.append(item)
        elif isinstance(item, Span):
            pieces.append(item.start + render(item.content) + item.end)
        else:
            pieces.append(item.data)
    return "".join(pieces)


def codes(content: tuple) -> list:
    """Every inline code in ``content``, spans before what they enclose, in order."""
    found = []
    for item in content:
        if isinstance(item, Span):
            found.append(item)
            found += codes(item.content)
        elif isinstance(item, Placeholder):
            found.append(item)
    return found


def plain_text(content: tuple) -> str:
    """The words of a unit, codes left out (a span keeps its inner words): for term look-up and word counts."""
    pieces = []
    for item in content:
        if isinstance(item, str):
            pieces.append(item)
        elif isinstance(item, Span):
            pieces.append(plain_text(item.content))
        else:
            pieces.append(" ")
    return "".join(pieces)


def _translatable(content: tuple) -> bool:
    return any(ch.isalnum() for ch in plain_text(content))


# --- YAML double-quoted values ------------------------------------------------------------------------------

_YAML_ESCAPE = re.compile(r"\\(.)")


def _yaml_unquote(raw: str) -> str | None:
    """The value of a YAML double-quoted scalar's inside, or None when it uses escapes other than \\" and \\\\."""
    if any(match.group(1) not in '"\\' for match in _YAML_ESCAPE.finditer(raw)):
        return None
    return _YAML_ESCAPE.sub(lambda match: match.group(1), raw)


def yaml_quote(text: str) -> str:
    """``text`` as the inside of a YAML double-quoted scalar."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


# --- lessons ------------------------------------------------------------------------------------------------

_FRONT_VALUE = re.compile(r'^(?P<head>(?:title:|  - )\s*")(?P<value>(?:[^"\\]|\\.)*)(?P<tail>"\s*)$')
_FENCE = re.compile(r"^\s*(```|~~~)")
_ADMONITION = re.compile(r'^(?P<head>\s*!!!\s+[\w-]+\s+")(?P<value>.*)(?P<tail>"\s*)$')
_HEADING = re.compile(r"^(?P<head>\s*#{1,6}\s+)(?P<value>.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_MARKERS = (
    ("hint", re.compile(r"\?>\s")),
    ("feedback", re.compile(r"[+-]>\s")),
    ("option", re.compile(r"[-*+]\s+\[[ xX]\]\s+")),
    ("list item", re.compile(r"(?:[-*+]|\d{1,9}[.)])\s+")),
    ("quote", re.compile(r">\s?")),
    ("definition", re.compile(r":\s+")),
    ("footnote", re.compile(r"\[\^[^\]\s]+\]:\s*")),
)
_KIND_NAMES = {"title": "lesson title", "objective": "learning objective"}


@dataclass
class _Builder:
    parts: list = field(default_factory=list)
    count: int = 0

    def skeleton(self, text: str) -> None:
        if self.parts and isinstance(self.parts[-1], str):
            self.parts[-1] += text
        elif text:
            self.parts.append(text)

    def unit(self, kind: str, content: tuple, context: str, yaml_quoted: bool = False) -> None:
        self.count += 1
        self.parts.append(Unit(f"u{self.count}", kind, content, context, yaml_quoted))

    def text(self, kind: str, head: str, value: str, tail: str, context: str) -> None:
        """``head`` and ``tail`` to the skeleton, ``value`` (stripped) to a unit when it has words."""
        stripped = value.strip()
        content = protect(stripped)
        if not _translatable(content):
            self.skeleton(head + value + tail)
            return
        lead = value[: len(value) - len(value.lstrip())]
        trail = value[len(value.rstrip()) :]
        self.skeleton(head + lead)
        self.unit(kind, content, context)
        self.skeleton(trail + tail)


def split_lesson(text: str) -> Lesson:
    """``text`` (a whole lesson file) as skeleton and units; ``build_lesson(split_lesson(t)) == t``."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    builder = _Builder()
    translation_of = translation_of_line = None
    index = 0
    if lines and lines[0].rstrip("\r\n") == "---":
        closing = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") == "---"), None)
        if closing is not None:
            builder.skeleton(lines[0])
            for number, line in enumerate(lines[1:closing], start=1):
                body, end = _cut(line)
                if body.split(":", 1)[0].strip() == TRANSLATION_KEY and not body.startswith(" "):
                    translation_of = body.split(":", 1)[1].strip()
                    translation_of_line = number
                    continue  # recorded apart: the translation's own, never the source's
                match = _FRONT_VALUE.match(body)
                value = match and _yaml_unquote(match.group("value"))
                if match and value and _translatable(protect(value)):
                    kind = "title" if body.startswith("title") else "objective"
                    builder.skeleton(match.group("head"))
                    builder.unit(kind, protect(value), _KIND_NAMES[kind], yaml_quoted=True)
                    builder.skeleton(match.group("tail") + end)
                else:
                    builder.skeleton(line)
            builder.skeleton(lines[closing])
            index = closing + 1
    _split_body(lines[index:], builder)
    return Lesson(tuple(builder.parts), translation_of, newline, translation_of_line)


def _cut(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _split_body(lines: list[str], builder: _Builder) -> None:
    fence = None
    question = None
    section = ""
    answers: list[tuple[str, str]] = []
    table_row = 0

    def flush_answers():
        content: list = []
        ids = _Ids()
        for number, (answer, _end) in enumerate(answers):
            if number:
                content.append(Placeholder(f"s{number}", answers[number - 1][1] + "= ", SEPARATOR))
            content += protect(answer, ids)
        builder.unit("answers", _merge(content), _where("accepted answers of a text question", section))
        # The line end after the last answer belongs to the skeleton; the others are in the separators.
        builder.skeleton(answers[-1][1])
        answers.clear()

    for line in lines:
        body, end = _cut(line)
        stripped = body.strip()
        if answers and not (question == "text" and body.startswith("= ")):
            flush_answers()
        if fence is not None:
            builder.skeleton(line)
            if stripped.startswith(fence):
                fence = None
            continue
        if match := _FENCE.match(body):
            fence = match.group(1)
            builder.skeleton(line)
            continue
        if not stripped or _RULE.match(body):
            builder.skeleton(line)
            table_row = 0
            continue
        if stripped.startswith(":::"):
            words = stripped[3:].split()
            question = words[1] if len(words) > 1 and words[0] == "question" else None
            builder.skeleton(line)
            continue
        if question is not None and body.startswith("= "):
            if question == "text":
                if not answers:
                    builder.skeleton("= ")
                answers.append((body[2:], end))
            else:
                builder.skeleton(line)
            continue
        if match := _ADMONITION.match(body):
            builder.text(
                "admonition title", match.group("head"), match.group("value"), match.group("tail"), section
            )
            builder.skeleton(end)
            continue
        if match := _HEADING.match(body):
            value = match.group("value")
            section = value.strip()
            builder.text("heading", match.group("head"), value, "", "")
            builder.skeleton(end)
            continue
        if _TABLE_RULE.match(body):
            builder.skeleton(line)
            continue
        if stripped.startswith("|"):
            cells = _table_cells(body)
            table_row += 1
            column = 0
            for number, piece in enumerate(cells):
                if number % 2 == 0:
                    builder.skeleton(piece)
                    continue
                column += 1
                context = f"table cell, row {table_row}, column {column}" + (
                    " (header)" if table_row == 1 else ""
                )
                builder.text("table cell", "", piece, "", _where(context, section))
            builder.skeleton(end)
            continue
        head, kind, rest = _block_prefix(body, question)
        if kind == "paragraph" and question is not None and not head.strip():
            kind = "question prompt"
        builder.text(kind, head, rest, "", _where(kind, section))
        builder.skeleton(end)
    if answers:
        flush_answers()


def _block_prefix(body: str, question: str | None) -> tuple[str, str, str]:
    """The block markers at the start of a line, the kind of unit they make, and the rest of the line."""
    indent = body[: len(body) - len(body.lstrip())]
    position = len(indent)
    kinds = []
    while True:
        for kind, pattern in _MARKERS:
            if kind in ("hint", "feedback", "option") and question is None:
                continue
            match = pattern.match(body, position)
            if match:
                kinds.append(kind)
                position = match.end()
                break
        else:
            break
    kind = kinds[0] if kinds else "paragraph"
    if kind == "quote" and question is not None:
        kind = "option feedback"
    elif kinds and "option" in kinds:
        kind = "option"
    return body[:position], kind, body[position:]


def _table_cells(body: str) -> list[str]:
    """A table row as [skeleton, cell, skeleton, cell, ..., skeleton]: pipes outside code spans split cells."""
    pieces, current, position, code = [], "", 0, None
    while position < len(body):
        char = body[position]
        if char == "\\" and position + 1 < len(body):
            current += body[position : position + 2]
            position += 2
            continue
        if char == "`":
            run = len(body[position:]) - len(body[position:].lstrip("`"))
            ticks = body[position : position + run]
            code = None if code == ticks else (code or ticks)
            current += ticks
            position += run
            continue
        if char == "|" and code is None:
            pieces.append(current)
            current = ""
        else:
            current += char
        position += 1
    pieces.append(current)
    out = [pieces[0] + "|"]
    for cell in pieces[1:-1]:
        out += [cell, "|"]
    if pieces[-1].strip():
        out += [pieces[-1], ""]
    else:
        out[-1] += pieces[-1]
    return out


def _where(kind: str, section: str) -> str:
    return f'{kind} in section "{section}"' if section else kind


def build_lesson(lesson: Lesson, targets: dict | None = None) -> str:
    """The lesson file: the skeleton with each unit's target content (its source content when absent)."""
    targets = targets or {}
    pieces = []
    for part in lesson.parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        text = render(targets.get(part.id, part.content))
        pieces.append(yaml_quote(text) if part.yaml_quoted else text)
    return "".join(pieces)


def with_translation_of(text: str, value: str | None, line: int | None = None) -> str:
    """``text`` with the front matter line ``translation_of: value`` inserted as line number ``line``
    (0-based; by default, or when the front matter is shorter, as its last key). ``None``: unchanged."""
    if value is None:
        return text
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    closing = next(i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") == "---")
    where = line if line is not None and 1 <= line <= closing else closing
    lines.insert(where, f"{TRANSLATION_KEY}: {value}{newline}")
    return "".join(lines)
