"""Which translated lessons are missing, outdated or up to date.

A translated lesson records the version of its source it translates, as ``translation_of: <fingerprint>``
in its front matter (``learn-habitat translations --stamp`` writes it). The fingerprint is the start of the
SHA-256 of the source lesson file: any change to the source makes the translation outdated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from learn_habitat.content.model import SUPPORTED_LANGUAGES, Course

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
        result[language] = LanguageStatus(language, tuple(missing), tuple(outdated), tuple(current))
    return CourseTranslationStatus(course.id, course.source_language, result)


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
            _write_front_matter_value(Path(lesson.source_path), TRANSLATION_KEY, wanted)
            changed.append(lesson.source_path)
    return changed


def _write_front_matter_value(path: Path, key: str, value: str) -> None:
    """Set ``key: value`` in a lesson's front matter, leaving every other line as it is."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    closing = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    for index in range(1, closing):
        if lines[index].split(":", 1)[0].strip() == key:
            lines[index] = f"{key}: {value}{newline}"
            break
    else:
        lines.insert(closing, f"{key}: {value}{newline}")
    path.write_text("".join(lines), encoding="utf-8")
