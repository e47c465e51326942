"""What a course and its lessons tell a learner before they start: audience, outcomes, prerequisites,
certificate criteria, who wrote and reviewed it and when; per lesson, what the learner will be able to do
and the regions its real cases come from. Parsed from ``course.yaml`` and lesson front matter."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from learn_habitat.content.errors import Problem
from learn_habitat.content.model import SUPPORTED_LANGUAGES, frozen_mapping
from learn_habitat.content.yamlsource import item_line, key_line

# Keys of course.yaml read here; each is optional.
TEXT_KEYS = ("audience", "prerequisites", "certificate_criteria")
LIST_KEYS = ("outcomes",)
PEOPLE_KEYS = ("authors", "reviewers")
DATE_KEYS = ("last_reviewed",)
COURSE_METADATA_KEYS = frozenset(TEXT_KEYS + LIST_KEYS + PEOPLE_KEYS + DATE_KEYS)

# Lesson front matter read here, on every activity type.
LESSON_METADATA_KEYS = frozenset({"objectives", "case_regions"})
# The regions UN-Habitat's work is organised by, plus small island developing States, which cut across them.
CASE_REGIONS = (
    "africa",
    "arab-states",
    "asia-pacific",
    "europe-central-asia",
    "latin-america-caribbean",
    "small-island-states",
)
MAX_ITEMS = 20
MAX_TEXT = 2_000


@dataclass(frozen=True)
class CourseMetadata:
    """Optional descriptive fields of a course; texts and lists are per language."""

    texts: Mapping[str, Mapping[str, str]] = field(default_factory=frozen_mapping)  # key -> lang -> text
    outcomes: Mapping[str, tuple[str, ...]] = field(default_factory=frozen_mapping)  # lang -> items
    authors: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    last_reviewed: datetime.date | None = None

    def text(self, key: str, language: str, source_language: str) -> str:
        """``key`` (audience, prerequisites, certificate_criteria) in ``language``, else the source's, else ''."""
        by_language = self.texts.get(key, {})
        return by_language.get(language) or by_language.get(source_language, "")

    def outcomes_in(self, language: str, source_language: str) -> tuple[str, ...]:
        """The learning outcomes in ``language``, else in the source language."""
        return self.outcomes.get(language) or self.outcomes.get(source_language, ())


@dataclass(frozen=True)
class LessonMetadata:
    """What a lesson says about itself: objectives (in its language) and the regions of its cases."""

    objectives: tuple[str, ...] = ()
    case_regions: tuple[str, ...] = ()


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() and len(value) <= MAX_TEXT else None


def _string_list(value, path, line_of, what: str, problems: list[Problem]) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
        problems.append(Problem(path, line_of(None), f"{what} must be a list of 1 to {MAX_ITEMS} texts"))
        return None
    items = []
    for index, item in enumerate(value):
        text = _text(item)
        if text is None:
            problems.append(Problem(path, line_of(index), f"{what}: item {index + 1} must be text"))
            return None
        items.append(text)
    return tuple(items)


def parse_course_metadata(
    meta, path: str, source_language: str | None
) -> tuple[CourseMetadata, list[Problem]]:
    """Read the optional descriptive keys of ``course.yaml``; every problem names its line."""
    problems: list[Problem] = []
    texts: dict[str, dict[str, str]] = {}
    for key in TEXT_KEYS:
        if key not in meta:
            continue
        value = meta[key]
        if not isinstance(value, dict) or not value:
            problems.append(Problem(path, key_line(meta, key), f"{key} must map language codes to text"))
            continue
        texts[key] = {}
        for language, text in value.items():
            if language not in SUPPORTED_LANGUAGES:
                problems.append(
                    Problem(path, key_line(value, language), f"{key}: unsupported language {language!r}")
                )
            elif _text(text) is None:
                problems.append(Problem(path, key_line(value, language), f"{key}.{language} must be text"))
            else:
                texts[key][language] = _text(text)
        if source_language and source_language not in value:
            problems.append(Problem(path, key_line(meta, key), f"{key} has no text in the source language"))
    outcomes: dict[str, tuple[str, ...]] = {}
    if "outcomes" in meta:
        value = meta["outcomes"]
        if not isinstance(value, dict) or not value:
            problems.append(
                Problem(path, key_line(meta, "outcomes"), "outcomes must map language codes to lists")
            )
        else:
            for language, items in value.items():
                if language not in SUPPORTED_LANGUAGES:
                    problems.append(
                        Problem(
                            path, key_line(value, language), f"outcomes: unsupported language {language!r}"
                        )
                    )
                    continue
                parsed = _string_list(
                    items,
                    path,
                    lambda index, items=items, language=language: (
                        key_line(value, language) if index is None else item_line(items, index)
                    ),
                    f"outcomes.{language}",
                    problems,
                )
                if parsed is not None:
                    outcomes[language] = parsed
            source_count = len(outcomes.get(source_language, ()))
            for language, items in outcomes.items():
                if source_count and len(items) != source_count:
                    problems.append(
                        Problem(
                            path,
                            key_line(value, language),
                            f"outcomes.{language} has {len(items)} items where the source has {source_count}",
                        )
                    )
    people = {}
    for key in PEOPLE_KEYS:
        if key in meta:
            people[key] = _string_list(
                meta[key],
                path,
                lambda index, key=key: key_line(meta, key) if index is None else item_line(meta[key], index),
                key,
                problems,
            )
    last_reviewed = None
    if "last_reviewed" in meta:
        value = meta["last_reviewed"]
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            last_reviewed = value
        else:
            try:
                last_reviewed = datetime.date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                last_reviewed = None
            if last_reviewed is None:
                problems.append(
                    Problem(path, key_line(meta, "last_reviewed"), "last_reviewed must be a date: YYYY-MM-DD")
                )
    metadata = CourseMetadata(
        texts=frozen_mapping((key, frozen_mapping(by_language)) for key, by_language in texts.items()),
        outcomes=frozen_mapping(outcomes),
        authors=people.get("authors") or (),
        reviewers=people.get("reviewers") or (),
        last_reviewed=last_reviewed,
    )
    return metadata, problems


def parse_lesson_metadata(front, path: str) -> tuple[LessonMetadata, list[Problem]]:
    """Read ``objectives`` and ``case_regions`` from a lesson's front matter."""
    problems: list[Problem] = []
    objectives: tuple[str, ...] = ()
    if "objectives" in front:
        parsed = _string_list(
            front["objectives"],
            path,
            lambda index: (
                key_line(front, "objectives", 2) if index is None else item_line(front["objectives"], index)
            ),
            "objectives",
            problems,
        )
        objectives = parsed or ()
    regions: tuple[str, ...] = ()
    if "case_regions" in front:
        value = front["case_regions"]
        line = key_line(front, "case_regions", 2)
        if not isinstance(value, list) or not value:
            problems.append(Problem(path, line, f"case_regions must be a list of: {', '.join(CASE_REGIONS)}"))
        else:
            unknown = [item for item in value if item not in CASE_REGIONS]
            if unknown:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"unknown case region {str(unknown[0])[:40]!r} (known: {', '.join(CASE_REGIONS)})",
                    )
                )
            else:
                regions = tuple(dict.fromkeys(value))
    return LessonMetadata(objectives=objectives, case_regions=regions), problems
