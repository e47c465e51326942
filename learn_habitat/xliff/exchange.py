"""Export a course's lessons for one language as XLIFF 2.1, and import a translated file back.

The skeleton is not stored in the XLIFF file: import rebuilds every lesson from the *current* source lesson
(:mod:`learn_habitat.xliff.segmenter`) and the targets. Each ``<file>`` records the source's fingerprint, and
import refuses a file whose source changed since export. So the quiz keys, numeric and true/false answers and
every protected code come from the source lesson, whatever a CAT tool did to the XLIFF file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from learn_habitat.content.course_files import read_course_file
from learn_habitat.content.errors import CourseError
from learn_habitat.content.loader import load_course
from learn_habitat.content.model import SUPPORTED_LANGUAGES, text_direction
from learn_habitat.content.termbase import TERMBASE_FILE, fold, read_termbase
from learn_habitat.content.translations import fingerprint
from learn_habitat.xliff import document
from learn_habitat.xliff.document import COPY, GlossaryEntry, q
from learn_habitat.xliff.segmenter import (
    FLEXIBLE,
    SEPARATOR,
    Lesson,
    Placeholder,
    Span,
    Unit,
    build_lesson,
    codes,
    plain_text,
    split_lesson,
    with_translation_of,
)

SIGNED_OFF = frozenset({"reviewed", "final"})  # a lesson whose every segment is signed off is stamped


class XliffError(Exception):
    """An XLIFF file that cannot be imported; ``problems`` are ``path:line: lesson:unit: message`` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# --- export -------------------------------------------------------------------------------------------------


def export_course(courses_dir: str | Path, course_id: str, language: str) -> bytes:
    """The XLIFF 2.1 file for translating course ``course_id`` into ``language``.

    Targets are filled from the existing translation where it aligns with the source unit by unit
    (``final`` when the translation is up to date, ``translated`` when its source has changed since),
    else left empty (``initial``).
    """
    course = _course(courses_dir, course_id)
    source_language = course.source_language
    if language not in SUPPORTED_LANGUAGES or language == source_language:
        raise XliffError([f"{course_id}: no language {language!r} to translate {source_language} into"])
    termbase = read_termbase(Path(courses_dir) / TERMBASE_FILE)[0]
    root = document.new_document(source_language, language)
    for lesson_id in course.lesson_ids:
        original = course.lessons[source_language][lesson_id]
        source_text = _read(course.path, f"{source_language}/{lesson_id}.md")
        source = split_lesson(source_text)
        wanted = fingerprint(original.source_hash)
        translation = _existing(course.path, language, lesson_id)
        targets = _aligned_targets(source, translation) if translation is not None else {}
        prefilled_state = "final" if translation and translation.translation_of == wanted else "translated"
        file_element = document.add_file(
            root,
            lesson_id,
            f"{course.id}/{source_language}/{lesson_id}.md",
            {"course": course.id, "lesson": lesson_id, "language": language, "source-fingerprint": wanted},
            [
                ("course", f"{course.title(source_language)} ({course.id})"),
                ("lesson", original.title),
                ("type", original.type),
            ],
            text_direction(language) == "rtl",
        )
        for unit in source.units:
            target = targets.get(unit.id)
            document.add_unit(
                file_element,
                unit,
                target,
                prefilled_state if target else "initial",
                _glossary(termbase, unit, language),
                [("context", unit.context or unit.kind)] + _advice(unit),
            )
    return document.serialise(root)


_SOURCE_ONLY = frozenset({"-"})  # a name no language folder has: only the source language is read
_COURSES: dict = {}


def _course(courses_dir, course_id):
    """The course with its source lessons only, cached while its course.yaml and source files are unchanged."""
    folder = Path(courses_dir) / course_id
    if not (folder / "course.yaml").is_file():
        raise XliffError([f"{folder}: no course {course_id!r}"])
    key = (str(folder.resolve()), _stamp(folder))
    if key not in _COURSES:
        try:
            course = load_course(folder, languages=_SOURCE_ONLY)
        except CourseError as exc:
            raise XliffError([str(problem) for problem in exc.problems]) from None
        _COURSES.clear()
        _COURSES[key] = course
    return _COURSES[key]


def _stamp(folder: Path) -> tuple:
    found = []
    for path in sorted(folder.iterdir()):
        paths = sorted(path.glob("*.md")) if path.is_dir() and path.name != "media" else [path]
        for item in paths:
            status = item.stat()
            found.append((item.name, status.st_mtime_ns, status.st_size))
    return tuple(found)


def _read(folder, relative: str) -> str:
    return read_course_file(folder, relative).decode("utf-8")


def _existing(folder, language: str, lesson_id: str) -> Lesson | None:
    try:
        return split_lesson(_read(folder, f"{language}/{lesson_id}.md"))
    except FileNotFoundError:
        return None


def _aligned_targets(source: Lesson, translation: Lesson) -> dict:
    """``{unit id: target content}`` for the units of ``translation`` that map onto ``source``'s."""
    if source.shape() != translation.shape():
        return {}
    targets = {}
    for unit, translated in zip(source.units, translation.units, strict=True):
        content = _with_source_codes(unit, translated.content)
        if content is not None:
            targets[unit.id] = content
    return targets


def _with_source_codes(unit: Unit, content: tuple) -> tuple | None:
    """``content`` with each code given the id of the same code in the source unit; None if they differ.

    Answer separators and emphasis markers may be dropped, or copied (``copyOf``) when the translation
    has more of them than its source; every other code must be there exactly once.
    """
    pool: dict = {}
    bases: dict = {}
    for code in codes(unit.content):
        pool.setdefault(_key(code), []).append(code)
        if code.type in FLEXIBLE:
            bases.setdefault(_key(code), code)
    copies = [0]

    def convert(items):
        out = []
        for item in items:
            if isinstance(item, str):
                out.append(item)
                continue
            key = _key(item)
            if pool.get(key):
                code = pool[key].pop(0)
            elif key in bases:
                copies[0] += 1
                base = bases[key]
                code = Placeholder(f"{base.id}{COPY}{copies[0]}", base.data, base.type)
            else:
                raise LookupError
            if isinstance(item, Span):
                out.append(Span(code.id, code.start, code.end, tuple(convert(item.content)), code.type))
            else:
                out.append(code)
        return out

    try:
        converted = tuple(convert(content))
    except LookupError:
        return None
    if any(code.type not in FLEXIBLE for left in pool.values() for code in left):
        return None
    return converted


def _key(code) -> tuple:
    if isinstance(code, Span):
        return ("pc", code.start, code.end)
    return ("ph", SEPARATOR if code.type == SEPARATOR else code.data, code.type)


def _glossary(termbase, unit: Unit, language: str) -> list[GlossaryEntry]:
    if termbase is None:
        return []
    text = fold(plain_text(unit.content))
    entries = []
    for term in termbase.terms:
        if "lessons" not in term.scope:
            continue
        match = term.source_pattern().search(text)
        if match is None:
            continue
        forbidden = term.forbidden.get(language, ())
        definition = term.note + (f" Do not write: {', '.join(forbidden)}." if forbidden else "")
        entries.append(
            GlossaryEntry(
                term.english[0],
                term.approved.get(language, ()),
                definition.strip(),
                termbase.where(term),
            )
        )
    return entries


def _advice(unit: Unit) -> list[tuple[str, str]]:
    if unit.kind != "answers":
        return []
    return [
        (
            "answers",
            "Accepted answers, one between each pair of \u21b5= codes. Keep every answer the source accepts "
            "(official names and abbreviations in English included) and add the names used in your language: "
            "copy the \u21b5= code for each answer you add.",
        )
    ]


# --- import -------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import wrote (paths), stamped, and left unwritten with the reason."""

    written: list = field(default_factory=list)
    stamped: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (lesson file, reason)


@dataclass
class _Planned:
    course_path: str
    language: str
    lesson_id: str
    text: str
    stamped: bool


def import_xliff(courses_dir: str | Path, data: bytes, name: str = "translation.xlf") -> ImportReport:
    """Write the lessons translated in the XLIFF file ``data`` (named ``name`` in messages).

    Every check runs before anything is written: a damaged file raises :class:`XliffError` with every
    problem, and no lesson is changed. A lesson is written when each of its units has a target, and stamped
    (``translation_of``) when each of its segments is ``reviewed`` or ``final``.
    """
    problems: list[str] = []

    def report(line, where, message):
        problems.append(f"{name}:{line or 1}: {where}{': ' if where else ''}{message}")

    try:
        root = document.parse(data)
    except etree.XMLSyntaxError as exc:
        # libxml2's messages may run over lines; a problem is one line.
        message = " ".join(str(exc.msg).split()).replace(" ,", ",")
        raise XliffError([f"{name}:{exc.lineno or 1}: not well-formed XML: {message}"]) from None
    if root.tag != q("xliff") or root.get("version") not in ("2.0", "2.1", "2.2"):
        raise XliffError([f'{name}:{root.sourceline}: not an XLIFF 2 document (<xliff version="2.1">)'])
    source_language, language = root.get("srcLang"), root.get("trgLang")
    if language not in SUPPORTED_LANGUAGES or language == source_language:
        report(
            root.sourceline, "", f"trgLang {language!r} is not a language to translate {source_language} into"
        )
        raise XliffError(problems)
    courses: dict = {}
    planned: list[_Planned] = []
    skipped: list = []
    seen_files: set = set()
    for file_element in root.iter(q("file")):
        file_id = file_element.get("id") or "?"
        line = file_element.sourceline
        meta = document.metadata(file_element)
        course_id, lesson_id = meta.get("course"), meta.get("lesson")
        if not course_id or lesson_id != file_id:
            report(line, file_id, "the file has no learn-habitat metadata (course, lesson): export it again")
            continue
        if (course_id, lesson_id) in seen_files:
            report(line, file_id, "this lesson appears twice in the file")
            continue
        seen_files.add((course_id, lesson_id))
        if meta.get("language") != language:
            report(
                root.sourceline,
                file_id,
                f"trgLang is {language!r} but this lesson was exported for {meta.get('language')!r}",
            )
            continue
        if course_id not in courses:
            try:
                courses[course_id] = _course(courses_dir, course_id)
            except XliffError as exc:
                report(line, file_id, "; ".join(exc.problems))
                continue
        course = courses[course_id]
        if source_language != course.source_language:
            report(
                root.sourceline,
                "",
                f"srcLang is {source_language!r}; {course_id} is written in {course.source_language}",
            )
            raise XliffError(problems)
        original = course.lessons[course.source_language].get(lesson_id)
        if original is None:
            report(line, file_id, f"no lesson {lesson_id!r} in course {course_id}")
            continue
        wanted = fingerprint(original.source_hash)
        if meta.get("source-fingerprint") != wanted:
            report(
                line,
                file_id,
                f"the source lesson changed since this file was exported (fingerprint "
                f"{meta.get('source-fingerprint')}, now {wanted}): export again and pre-translate from your "
                "translation memory",
            )
            continue
        source = split_lesson(_read(course.path, f"{course.source_language}/{lesson_id}.md"))
        result = _read_units(file_element, file_id, source, report)
        if result is None:
            continue
        targets, states = result
        relative = f"{language}/{lesson_id}.md"
        missing = [unit.id for unit in source.units if not targets.get(unit.id)]
        if missing:
            skipped.append(
                (f"{course_id}/{relative}", f"{len(missing)} unit(s) without a target ({missing[0]}, ...)")
            )
            continue
        existing = _existing(course.path, language, lesson_id)
        stamped = all(state in SIGNED_OFF for state in states.values())
        value = wanted if stamped else existing.translation_of if existing else None
        text = with_translation_of(
            build_lesson(source, targets), value, existing.translation_of_line if existing else None
        )
        planned.append(_Planned(course.path, language, lesson_id, text, stamped))
    if problems:
        raise XliffError(problems)
    result = ImportReport(skipped=skipped)
    for plan in planned:
        path = os.path.join(plan.course_path, plan.language, f"{plan.lesson_id}.md")
        if _write(plan):
            result.written.append(path)
            if plan.stamped:
                result.stamped.append(path)
        else:
            result.unchanged.append(path)
    return result


def _read_units(file_element, file_id: str, source: Lesson, report):
    """``({unit id: target content}, {unit id: state})`` of a ``<file>``, or None after reporting problems."""
    expected = {unit.id: unit for unit in source.units}
    targets, states, present = {}, {}, set()
    failed = False
    for unit_element in file_element.iter(q("unit")):
        unit_id = unit_element.get("id") or "?"
        where = f"{file_id}:{unit_id}"
        unit = expected.get(unit_id)
        if unit is None:
            report(unit_element.sourceline, where, f"no unit {unit_id!r} in the source lesson")
            failed = True
            continue
        if unit_id in present:
            report(unit_element.sourceline, where, "this unit appears twice")
            failed = True
            continue
        present.add(unit_id)
        segments = unit_element.findall(q("segment"))
        if len(segments) != 1:
            report(unit_element.sourceline, where, f"a unit has one <segment> here, not {len(segments)}")
            failed = True
            continue
        if document.read_data(unit_element) != document.original_data(unit):
            changed = sorted(
                key
                for key in set(document.read_data(unit_element)) | set(document.original_data(unit))
                if document.read_data(unit_element).get(key) != document.original_data(unit).get(key)
            )
            report(
                unit_element.sourceline,
                where,
                f"the original data of the protected codes was changed ({', '.join(changed)})",
            )
            failed = True
        segment = segments[0]
        state = segment.get("state", "initial")
        if state not in document.STATES:
            report(segment.sourceline, where, f"unknown state {state!r}")
            failed = True
        source_element = segment.find(q("source"))
        source_reading = document.read_inline(source_element, unit) if source_element is not None else None
        if source_reading is None or source_reading.problems or source_reading.content != unit.content:
            report(
                segment.sourceline,
                where,
                "the source text differs from the source lesson's (a unit moved, or the source edited in the "
                "translation tool)",
            )
            failed = True
            continue
        target_element = segment.find(q("target"))
        if target_element is None or not _has_content(target_element):
            if state != "initial":
                report(segment.sourceline, where, f"the segment is {state!r} but its target is empty")
                failed = True
            states[unit_id] = state
            continue
        reading = document.read_inline(target_element, unit)
        for line, message in reading.problems:
            report(line, where, message)
        failed = failed or bool(reading.problems)
        targets[unit_id] = reading.content
        states[unit_id] = state
    for unit in source.units:
        if unit.id not in present:
            report(file_element.sourceline, f"{file_id}:{unit.id}", "the unit is missing from the file")
            failed = True
    return None if failed else (targets, states)


def _has_content(element) -> bool:
    return bool((element.text or "").strip()) or len(element) > 0


def _write(plan: _Planned) -> bool:
    """Write one lesson (its folder created if need be); False when the file already holds that text."""
    folder = Path(plan.course_path) / plan.language
    relative = f"{plan.language}/{plan.lesson_id}.md"
    data = plan.text.encode("utf-8")
    try:
        if read_course_file(plan.course_path, relative) == data:
            return False
    except FileNotFoundError:
        pass
    if folder.is_symlink():
        raise XliffError([f"{folder}: is a link; lessons are written into real folders only"])
    folder.mkdir(exist_ok=True)
    path = folder / f"{plan.lesson_id}.md"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return True
