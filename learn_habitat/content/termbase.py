"""The shared multilingual glossary (``courses/termbase.yaml``) and the checks made against it.

Each term names its English forms, the approved translation in each language, forbidden variants and a note.
A translated lesson whose source lesson uses a term is checked: a forbidden variant is an error at its line;
no approved form anywhere in the lesson is a warning (a sentence can be rephrased without the term). The
interface catalogues (``messages.po``) are checked against the terms whose ``scope`` includes ``interface``.
Sources sections, code and URLs are not checked: publication titles stay as published.

How forms match (docs/translating.md, "Termbase"): case, typographic apostrophes, no-break spaces and Arabic
vowel marks do not matter. English forms and forbidden variants match whole words; approved forms match at
the start of a word, so ``трущоб`` covers трущобы and трущобах; ``*`` stands for any letters inside a form
(``программ* развития городов``). Chinese and Japanese forms match anywhere.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from learn_habitat.content.errors import WARNING, Problem
from learn_habitat.content.model import SUPPORTED_LANGUAGES
from learn_habitat.content.yamlsource import YamlSyntaxError, item_line, key_line, parse_yaml

TERMBASE_FILE = "termbase.yaml"
SCOPES = frozenset({"lessons", "interface"})
TERM_KEYS = frozenset({"en", "approved", "forbidden", "note", "scope"})
# The heading of the Sources section in each language: publication titles there stay as published.
SOURCES_HEADINGS = frozenset({"sources", "المصادر", "fuentes", "источники", "资料来源"})
_FENCE = re.compile(r"^\s*(```|~~~)")
_SKIPPED = re.compile(r"`[^`]*`|\]\([^)]*\)|<[^>]*>|https?://\S+|\{:[^}]*\}")
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_SPACES = re.compile("[\\s\u00a0\u202f\u2009]+")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def fold(text: str) -> str:
    """Text as terms are compared: NFKC, case folded, ’ as ', any spaces as one, no Arabic vowel marks."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'").replace("\u02bc", "'")
    return _SPACES.sub(" ", _MARKS.sub("", text))


def _pattern(form: str, whole_word: bool, language: str = "en") -> re.Pattern:
    folded = fold(form).strip()
    body = r"\w*".join(re.escape(part) for part in folded.split("*"))
    # Chinese has no spaces between words; Arabic joins conjunctions and prepositions to the word (والخطة).
    if _CJK.match(folded) or language == "ar":
        return re.compile(body)
    return re.compile(r"(?<!\w)" + body + (r"(?!\w)" if whole_word else ""))


@dataclass(frozen=True)
class Term:
    """One glossary entry; ``line`` is where it starts in the termbase."""

    english: tuple[str, ...]
    approved: dict
    forbidden: dict
    note: str = ""
    scope: frozenset = frozenset({"lessons"})
    line: int = 1
    _patterns: dict = field(default_factory=dict, compare=False, repr=False)

    def source_pattern(self) -> re.Pattern:
        key = ("en",)
        if key not in self._patterns:
            alternatives = "|".join(_pattern(form, True).pattern for form in self.english)
            self._patterns[key] = re.compile(alternatives)
        return self._patterns[key]

    def patterns(self, kind: str, language: str) -> list[tuple[str, re.Pattern]]:
        key = (kind, language)
        if key not in self._patterns:
            forms = (self.approved if kind == "approved" else self.forbidden).get(language, ())
            self._patterns[key] = [(form, _pattern(form, kind == "forbidden", language)) for form in forms]
        return self._patterns[key]


@dataclass(frozen=True)
class Termbase:
    """Every term of the glossary, and the file it came from (for messages)."""

    terms: tuple[Term, ...] = ()
    path: str = TERMBASE_FILE

    def where(self, term: Term) -> str:
        return f"{os.path.basename(self.path)}:{term.line}"


_CACHE: dict = {}


def read_termbase(path: str | Path) -> tuple[Termbase | None, list[Problem]]:
    """The termbase at ``path`` and the problems in it; ``(None, [])`` when there is no such file."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return None, []
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _parse_termbase(path)
    return _CACHE[key]


def _parse_termbase(path: Path) -> tuple[Termbase | None, list[Problem]]:
    problems: list[Problem] = []

    def report(line, message):
        problems.append(Problem(str(path), line, message))

    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (YamlSyntaxError, UnicodeDecodeError) as exc:
        report(getattr(exc, "line", 1), str(exc))
        return None, problems
    entries = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        report(1, f"{TERMBASE_FILE} needs a list 'terms:' of entries with en, approved and forbidden")
        return None, problems
    terms = []
    for index, entry in enumerate(entries):
        line = item_line(entries, index)
        if not isinstance(entry, dict):
            report(line, "a term is a mapping with en, approved, forbidden, note and scope")
            continue
        for key in entry:
            if key not in TERM_KEYS:
                report(
                    key_line(entry, key, line), f"unknown key {key!r} (known: {', '.join(sorted(TERM_KEYS))})"
                )
        english = entry.get("en")
        english = [english] if isinstance(english, str) else english
        if not isinstance(english, list) or not english or not all(isinstance(f, str) and f for f in english):
            report(line, "a term needs 'en': the English form or a list of forms")
            continue
        by_language = {}
        for kind in ("approved", "forbidden"):
            value = entry.get(kind) or {}
            found = {}
            if not isinstance(value, dict):
                report(key_line(entry, kind, line), f"{kind} maps language codes to forms")
            else:
                for language, forms in value.items():
                    forms = [forms] if isinstance(forms, str) else forms
                    if language not in SUPPORTED_LANGUAGES or language == "en":
                        report(
                            key_line(value, language, line),
                            f"{kind}: no language {language!r} to translate into",
                        )
                    elif not isinstance(forms, list) or not all(
                        isinstance(f, str) and f.strip() for f in forms
                    ):
                        report(
                            key_line(value, language, line),
                            f"{kind}.{language} must be a form or a list of forms",
                        )
                    else:
                        found[language] = tuple(forms)
            by_language[kind] = found
        for language, forms in by_language["forbidden"].items():
            clash = [
                form
                for form in forms
                if fold(form) in {fold(a) for a in by_language["approved"].get(language, ())}
            ]
            if clash:
                report(
                    key_line(entry, "forbidden", line),
                    f"{clash[0]!r} is both approved and forbidden in {language}",
                )
        scope = entry.get("scope", ["lessons"])
        scope = [scope] if isinstance(scope, str) else scope
        if not isinstance(scope, list) or not set(scope) <= SCOPES:
            report(key_line(entry, "scope", line), f"scope is a list of {', '.join(sorted(SCOPES))}")
            scope = ["lessons"]
        terms.append(
            Term(
                english=tuple(english),
                approved=by_language["approved"],
                forbidden=by_language["forbidden"],
                note=str(entry.get("note") or ""),
                scope=frozenset(scope),
                line=line,
            )
        )
    return Termbase(tuple(terms), str(path)), problems


def checked_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, folded text)`` of a lesson file's lines that terms are checked in: not code, URLs,
    link targets, HTML tags or the Sources section."""
    lines, in_code, in_sources = [], False, False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        if line.startswith("## "):
            in_sources = fold(line[3:]).strip(" :") in SOURCES_HEADINGS
        if in_sources:
            continue
        lines.append((number, fold(_SKIPPED.sub(" ", line))))
    return lines


class _CheckedText:
    """A lesson's checked lines joined into one text (a newline between lines), so that each pattern runs
    once over the lesson instead of once per line. No pattern matches a newline (forms are folded to single
    spaces and ``*`` is ``\\w*``), so a match never spans two lines."""

    def __init__(self, text: str):
        checked = checked_lines(text)
        self.numbers = [number for number, _ in checked]
        self.starts, offset = [], 0
        for _, line in checked:
            self.starts.append(offset)
            offset += len(line) + 1
        self.text = "\n".join(line for _, line in checked)

    def line_of(self, position: int) -> int:
        return self.numbers[bisect.bisect_right(self.starts, position) - 1]


_SOURCE_USES: dict = {}


def _source_uses(termbase: Termbase, source_text: str) -> dict[int, tuple[int, str]]:
    """For each term a source lesson uses (by its index): the line and the words of its first use. A source
    lesson is checked against each of its translations, so this is found once per source text."""
    key = (id(termbase), source_text)
    if key not in _SOURCE_USES:
        if len(_SOURCE_USES) >= 256:
            _SOURCE_USES.clear()
        source, uses = _CheckedText(source_text), {}
        for index, term in enumerate(termbase.terms):
            if "lessons" in term.scope and (found := term.source_pattern().search(source.text)):
                uses[index] = (source.line_of(found.start()), found.group(0))
        _SOURCE_USES[key] = (termbase, uses)  # the termbase is kept so that its id is not reused
    return _SOURCE_USES[key][1]


def lesson_term_problems(
    termbase: Termbase, source_text: str, source_label: str, text: str, path: str, language: str
) -> list[Problem]:
    """What a translated lesson (``text`` at ``path``) does against the terms its source lesson uses."""
    translation = _CheckedText(text)
    last_line = max(text.count("\n") + 1, 1)
    problems = []
    for index, (source_line, written) in _source_uses(termbase, source_text).items():
        term = termbase.terms[index]
        approved = term.approved.get(language, ())
        for form, pattern in term.patterns("forbidden", language):
            lines = dict.fromkeys(translation.line_of(m.start()) for m in pattern.finditer(translation.text))
            for number in lines:  # one problem per line, in order
                instead = f"; write {' or '.join(repr(a) for a in approved)}" if approved else ""
                problems.append(
                    Problem(
                        path,
                        number,
                        f"{form!r} is a forbidden translation of {term.english[0]!r}{instead} "
                        f"({termbase.where(term)})",
                    )
                )
        patterns = term.patterns("approved", language)
        if patterns and not any(pattern.search(translation.text) for _, pattern in patterns):
            problems.append(
                Problem(
                    path,
                    min(source_line, last_line),
                    f"the source uses {written!r} ({source_label}:{source_line}) but this translation never "
                    f"writes the approved {' or '.join(repr(a) for a in approved)} ({termbase.where(term)})",
                    WARNING,
                )
            )
    return problems


def catalogue_term_problems(termbase: Termbase, po_path: str | Path, language: str) -> list[Problem]:
    """The interface catalogue ``po_path`` of ``language`` checked against the interface terms."""
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as handle:
        catalogue = read_po(handle, locale=language)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        source, translated = fold(" ".join(ids)), fold(" ".join(s or "" for s in strings))
        if not translated.strip():
            continue
        for term in termbase.terms:
            if "interface" not in term.scope or not term.source_pattern().search(source):
                continue
            approved = term.approved.get(language, ())
            for form, pattern in term.patterns("forbidden", language):
                if pattern.search(translated):
                    problems.append(
                        Problem(
                            str(po_path),
                            message.lineno,
                            f"{form!r} is a forbidden translation of {term.english[0]!r} in {ids[0]!r}; write "
                            f"{' or '.join(repr(a) for a in approved)} ({termbase.where(term)})",
                        )
                    )
            patterns = term.patterns("approved", language)
            if patterns and not any(pattern.search(translated) for _, pattern in patterns):
                problems.append(
                    Problem(
                        str(po_path),
                        message.lineno,
                        f"{ids[0]!r} is translated without the approved "
                        f"{' or '.join(repr(a) for a in approved)} ({termbase.where(term)})",
                        WARNING,
                    )
                )
    return problems
