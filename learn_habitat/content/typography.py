"""Each language's typography, applied when a lesson is rendered, so authors and translators type plain text.

French: a narrow no-break space (U+202F) before ``; : ? !`` and inside « », before % and between digit groups
(10 000), a no-break space (U+00A0) after n° and between a number and its unit. Arabic: runs written left to
right (codes such as 11.a and 11.b.2, URLs, formulas, Latin abbreviations) are isolated in
``<bdi dir="ltr">`` so the bidirectional algorithm cannot reorder them in a right-to-left paragraph.

A python-markdown tree processor: it changes only the text of elements, never code, pre, kbd or samp, never
attribute values, never the placeholders of raw HTML, and never text that is a URL (in French). The site
and the SCORM packages render through the same :class:`LessonRenderer`, so both show the same text.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"
# Elements whose text is code or keyboard input: left exactly as written.
UNTOUCHED = frozenset({"code", "pre", "kbd", "samp", "script", "style"})
# python-markdown's placeholders for raw HTML and stashed code (STX ... ETX).
_PLACEHOLDER = re.compile("(\x02[^\x03]*\x03)")
_URL = re.compile(r"((?:https?://|mailto:|www\.)\S+)", re.IGNORECASE)

_FRENCH_RULES = (
    # a space typed before double punctuation or a closing guillemet, or after an opening one
    (re.compile(r"[ \u00a0\u2009]+([;:?!»])"), NARROW_NO_BREAK_SPACE + r"\1"),
    (re.compile(r"«[ \u00a0\u2009]+"), "«" + NARROW_NO_BREAK_SPACE),
    (re.compile(r"«(?=[^\s\u202f])"), "«" + NARROW_NO_BREAK_SPACE),
    (re.compile(r"(?<=[^\s\u202f«])»"), NARROW_NO_BREAK_SPACE + "»"),
    # 28 % and 28%: the sign never starts a line
    (re.compile(r"(\d)[ \u00a0]?%"), r"\1" + NARROW_NO_BREAK_SPACE + "%"),
    # n° 4
    (re.compile(r"\b([nN]°)[ ]+(?=\S)"), r"\1" + NO_BREAK_SPACE),
    # 500 m, 1 km², 30 ha, 25 €
    (re.compile(r"(\d)[ ]+(km²|km|m²|m|ha|kg|°C|€|\$)(?![\w²])"), r"\1" + NO_BREAK_SPACE + r"\2"),
)
# 10 000 and 1 250 000: groups of three digits after a first group of one to three.
_FRENCH_DIGIT_GROUPS = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0]\d{3})+(?![\d])")

# Arabic: one run of left-to-right tokens, with the spaces and operators between them.
_LTR_TOKEN = r"[A-Za-z0-9(][A-Za-z0-9._\-/:%+=@#&~()²³°']*"
_LTR_RUN = re.compile(rf"(?<![A-Za-z0-9])({_LTR_TOKEN}(?:[ \u00a0]+(?:[=×÷+*/−-][ \u00a0]+)?{_LTR_TOKEN})*)")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_TRAILING = ".:-/'"


def typeset_french(text: str) -> str:
    """French spacing for one run of plain text (URLs in it are left as they are)."""
    parts = _URL.split(text)
    for index in range(0, len(parts), 2):
        part = parts[index]
        for pattern, replacement in _FRENCH_RULES:
            part = pattern.sub(replacement, part)
        part = _FRENCH_DIGIT_GROUPS.sub(
            lambda match: re.sub("[ \u00a0]", NARROW_NO_BREAK_SPACE, match.group(0)), part
        )
        parts[index] = part
    return "".join(parts)


def left_to_right_runs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each run in Arabic text that must be isolated: it holds a Latin letter, or several
    number groups (a formula, a grouped number) the bidirectional algorithm would reorder."""
    runs = []
    for match in _LTR_RUN.finditer(text):
        start, end = match.span(1)
        while end > start and (
            text[end - 1] in _TRAILING
            or (text[end - 1] == ")" and text.count("(", start, end) < text.count(")", start, end))
        ):
            end -= 1
        while (
            start < end and text[start] == "(" and text.count("(", start, end) > text.count(")", start, end)
        ):
            start += 1
        run = text[start:end]
        if run and (_LATIN_LETTER.search(run) or re.search(r"\d[ \u00a0]+\S*\d", run)):
            runs.append((start, end))
    return runs


class _Typesetter(Treeprocessor):
    def __init__(self, md, language: str):
        super().__init__(md)
        self.language = language

    def run(self, root):
        if self.language == "fr":
            self._walk(root, self._french)
        elif self.language == "ar":
            self._walk(root, self._arabic)
        return None

    def _walk(self, root, change):
        pending = [root]
        while pending:
            element = pending.pop()
            if element.tag in UNTOUCHED:
                continue
            children = list(element)
            change(element, "text", element, 0)
            for child in children:
                if child.tail:
                    change(child, "tail", element, list(element).index(child) + 1)
            pending.extend(child for child in children if isinstance(child.tag, str))

    @staticmethod
    def _plain(text) -> bool:
        return bool(text) and not isinstance(text, AtomicString)

    def _french(self, element, attribute, _parent, _index):
        text = getattr(element, attribute)
        if not self._plain(text):
            return
        pieces = _PLACEHOLDER.split(text)
        pieces[::2] = [typeset_french(piece) for piece in pieces[::2]]
        setattr(element, attribute, "".join(pieces))

    def _arabic(self, element, attribute, parent, index):
        text = getattr(element, attribute)
        if not self._plain(text):
            return
        segments, position = [], 0
        for piece in _PLACEHOLDER.split(text):
            if not _PLACEHOLDER.fullmatch(piece):
                for start, end in left_to_right_runs(piece):
                    segments.append((position + start, position + end))
            position += len(piece)
        if not segments:
            return
        setattr(element, attribute, text[: segments[0][0]])
        isolates = []
        for number, (start, end) in enumerate(segments):
            isolate = ElementTree.Element("bdi", {"dir": "ltr"})
            isolate.text = AtomicString(text[start:end])
            following = segments[number + 1][0] if number + 1 < len(segments) else len(text)
            isolate.tail = text[end:following]
            isolates.append(isolate)
        # In an element's text the isolates come first among its children; in a tail, right after it.
        for offset, isolate in enumerate(isolates):
            parent.insert(index + offset, isolate)


class TypographyExtension(Extension):
    """Applies ``language``'s typography to a lesson's text (nothing for languages without rules)."""

    def __init__(self, language: str | None = None):
        super().__init__()
        self.language = language

    def extendMarkdown(self, md):  # noqa: N802 - python-markdown's name
        # After the table of contents (5) has read the headings and the references have been rewritten.
        md.treeprocessors.register(_Typesetter(md, self.language), "typography", 3)
