"""Which translated lessons are missing, outdated or up to date.

A translated lesson records the version of its source it translates, as ``translation_of: <fingerprint>``
in its front matter (``learn-habitat translations --stamp`` writes it). The fingerprint is the start of the
SHA-256 of the source lesson file: any change to the source makes the translation outdated.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from learn_habitat.content.course_files import open_course_file, read_course_file
from learn_habitat.content.model import SUPPORTED_LANGUAGES, Course
from learn_habitat.content.termbase import TERMBASE_FILE, lesson_term_problems, read_termbase

FINGERPRINT_LENGTH = 12
TRANSLATION_KEY = "translation_of"


def fingerprint(source_hash: str) -> str:
    """The short form of a source lesson's hash that translations record."""
    return source_hash[:FINGERPRINT_LENGTH]


@dataclass(frozen=True)
class LanguageStatus:
    """The state of one language's translation of a course."""

    language: str
    missing: tuple[str, ...] = ()
    outdated: tuple[str, ...] = ()
    up_to_date: tuple[str, ...] = ()
    # Problems against the termbase (courses/termbase.yaml): Problem objects, errors first.
    terminology: tuple = ()

    @property
    def complete(self) -> bool:
        return not self.missing and not self.outdated


@dataclass(frozen=True)
class CourseTranslationStatus:
    """Every language of one course (the source language excluded)."""

    course_id: str
    source_language: str
    languages: dict = field(default_factory=dict)  # code -> LanguageStatus


def is_outdated(course: Course, lesson_id: str, language: str) -> bool:
    """Whether the translation exists but does not record the current source fingerprint."""
    translated = course.lessons.get(language, {}).get(lesson_id)
    if translated is None:
        return False
    source = course.lessons[course.source_language][lesson_id]
    return translated.front_matter.get(TRANSLATION_KEY) != fingerprint(source.source_hash)


def translation_status(course: Course, languages=SUPPORTED_LANGUAGES) -> CourseTranslationStatus:
    """Missing, outdated and up-to-date lessons for every language but the source one."""
    result = {}
    for language in languages:
        if language == course.source_language:
            continue
        missing, outdated, current = [], [], []
        for lesson_id in course.lesson_ids:
            if lesson_id not in course.lessons.get(language, {}):
                missing.append(lesson_id)
            elif is_outdated(course, lesson_id, language):
                outdated.append(lesson_id)
            else:
                current.append(lesson_id)
        terminology = tuple(terminology_problems(course, language))
        result[language] = LanguageStatus(
            language, tuple(missing), tuple(outdated), tuple(current), terminology
        )
    return CourseTranslationStatus(course.id, course.source_language, result)


def terminology_problems(course: Course, language: str) -> list:
    """The translated lessons of ``language`` checked against the termbase beside the course folder."""
    termbase = read_termbase(Path(course.path).parent / TERMBASE_FILE)[0]
    if termbase is None or language == course.source_language:
        return []
    source = course.lessons[course.source_language]
    problems = []
    for lesson_id, lesson in course.lessons.get(language, {}).items():
        original = source.get(lesson_id)
        if original is None:
            continue
        problems += lesson_term_problems(
            termbase,
            _lesson_text(course, original),
            f"{course.source_language}/{lesson_id}.md",
            _lesson_text(course, lesson),
            lesson.source_path,
            language,
        )
    return sorted(problems, key=lambda problem: (not problem.is_error, problem.path, problem.line))


def _lesson_text(course: Course, lesson) -> str:
    relative = Path(lesson.source_path).relative_to(course.path).as_posix()
    return read_course_file(course.path, relative).decode("utf-8")


def status_as_json(statuses: list[CourseTranslationStatus]) -> dict:
    """The report as ``{"courses": [{"id", "source_language", "languages": {code: {...}}}]}``."""
    return {
        "courses": [
            {
                "id": status.course_id,
                "source_language": status.source_language,
                "languages": {
                    code: {
                        "missing": list(item.missing),
                        "outdated": list(item.outdated),
                        "up_to_date": list(item.up_to_date),
                        "terminology": [
                            {
                                "path": problem.path,
                                "line": problem.line,
                                "severity": problem.severity,
                                "message": problem.message,
                            }
                            for problem in item.terminology
                        ],
                    }
                    for code, item in status.languages.items()
                },
            }
            for status in statuses
        ]
    }


def stamp_translations(course: Course, languages=None, lesson_ids=None) -> list[str]:
    """Record in each selected translation that it matches the current source; return the files changed.

    Stamping is the translator's statement that the translation is up to date, so stamp only what you
    have checked (``languages`` and ``lesson_ids`` narrow the selection).
    """
    changed = []
    for language, lessons in course.lessons.items():
        if language == course.source_language or (languages and language not in languages):
            continue
        for lesson_id, lesson in lessons.items():
            if lesson_ids and lesson_id not in lesson_ids:
                continue
            wanted = fingerprint(course.lessons[course.source_language][lesson_id].source_hash)
            if lesson.front_matter.get(TRANSLATION_KEY) == wanted:
                continue
            relative = Path(lesson.source_path).relative_to(course.path).as_posix()
            _write_front_matter_value(course.path, relative, TRANSLATION_KEY, wanted)
            changed.append(lesson.source_path)
    return changed


def _write_front_matter_value(folder: str, relative: str, key: str, value: str) -> None:
    """Set ``key: value`` in a lesson's front matter, leaving every other line as it is.

    Read and written through :mod:`course_files`: a lesson replaced by a link is refused, never followed.
    """
    text = read_course_file(folder, relative).decode("utf-8")
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    closing = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    for index in range(1, closing):
        if lines[index].split(":", 1)[0].strip() == key:
            lines[index] = f"{key}: {value}{newline}"
            break
    else:
        lines.insert(closing, f"{key}: {value}{newline}")
    descriptor, _status = open_course_file(folder, relative, writable=True)
    with os.fdopen(descriptor, "wb") as handle:
        handle.truncate(0)
        handle.write("".join(lines).encode("utf-8"))
