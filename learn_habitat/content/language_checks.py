"""Checks of a translation against its language's conventions and against its source, made by the checker.

Latin punctuation in Arabic and Chinese text, and text answers that a translated quiz no longer accepts.
Each problem is a warning at ``path:line``: the text still reads, but not as it should.
"""

from __future__ import annotations

import re

from learn_habitat.content.answers import normalise_answer
from learn_habitat.content.errors import WARNING, Problem

_FENCE = re.compile(r"^\s*(```|~~~)")
# Written in Markdown and left alone: code, URLs, link targets, HTML tags, attribute lists, quiz markers.
_NOT_TEXT = re.compile(
    r"`[^`]*`|\]\([^)]*\)|<[^>]*>|(?:https?|mailto):\S+|\{:[^}]*\}|^\s*:::.*$|^\s*- \[[ xX]\]"
)
_ARABIC_LETTER = "\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff"
_CJK = "\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff"
_ARABIC_PUNCTUATION = re.compile(rf"(?<=[{_ARABIC_LETTER}])[ ]?([,;?])|([,;?])(?=[ ]?[{_ARABIC_LETTER}])")
_ARABIC_FORMS = {",": "،", ";": "؛", "?": "؟"}
_CJK_PUNCTUATION = re.compile(rf"(?<=[{_CJK}])([,.:;?!])|([,:;?!])(?=[{_CJK}])")
_CJK_PARENTHESES = re.compile(rf"\(([^()]*[{_CJK}][^()]*)\)")
_CJK_FORMS = {",": "，", ".": "。", ":": "：", ";": "；", "?": "？", "!": "！"}
_QUESTION = re.compile(r"^:::\s*question\b")


def punctuation_problems(path: str, text: str, language: str) -> list[Problem]:
    """Latin punctuation where Arabic (، ؛ ؟) or Chinese (full-width) forms belong, one warning per line."""
    if language not in ("ar", "zh"):
        return []
    problems, in_code = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        plain = _NOT_TEXT.sub(lambda match: " " * len(match.group(0)), line)
        if language == "ar":
            found = _ARABIC_PUNCTUATION.search(plain)
            if found:
                mark = found.group(1) or found.group(2)
                problems.append(
                    Problem(
                        path, number, f"Latin {mark!r} in Arabic text: write {_ARABIC_FORMS[mark]!r}", WARNING
                    )
                )
            continue
        found = _CJK_PUNCTUATION.search(plain)
        if found:
            mark = found.group(1) or found.group(2)
            problems.append(
                Problem(
                    path,
                    number,
                    f"ASCII {mark!r} next to Chinese text: write the full-width {_CJK_FORMS[mark]!r}",
                    WARNING,
                )
            )
        elif _CJK_PARENTHESES.search(plain):
            problems.append(
                Problem(
                    path, number, "ASCII parentheses around Chinese text: write the full-width （ ）", WARNING
                )
            )
    return problems


def accepted_answer_problems(translated, source, translated_source, source_label: str) -> list[Problem]:
    """Text questions of a translated quiz that accept fewer answers than the same question of its source.

    ``translated`` and ``source`` are the two quizzes; ``translated_source`` is the translated lesson's
    :class:`LessonSource` (for the lines). Answers are compared as the grading compares them.
    """
    openings = [
        translated_source.body_line + offset
        for offset, line in enumerate(translated_source.lines)
        if _QUESTION.match(line)
    ]
    problems = []
    for index, (mine, theirs) in enumerate(zip(translated.questions, source.questions, strict=False)):
        if mine.kind != "text" or theirs.kind != "text":
            continue
        accepted = {normalise_answer(text) for text in mine.accepted}
        dropped = [text for text in theirs.accepted if normalise_answer(text) not in accepted]
        if not dropped:
            continue
        start = openings[index] if index < len(openings) else translated_source.body_line
        line = translated_source.find_line("= ", start) or start
        shown = ", ".join(repr(text) for text in dropped[:3]) + (" ..." if len(dropped) > 3 else "")
        problems.append(
            Problem(
                translated_source.path,
                line,
                f"question {mine.id} accepts fewer answers than the source ({source_label}): it does not "
                f"accept {shown}; add them, so the same typed answer grades the same in every language",
                WARNING,
            )
        )
    return problems
