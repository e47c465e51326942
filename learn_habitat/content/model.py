"""Immutable course objects: built once by the loader, then only read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

SUPPORTED_LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
RIGHT_TO_LEFT_LANGUAGES = frozenset({"ar"})


def text_direction(language: str) -> str:
    """``rtl`` for right-to-left languages, else ``ltr``."""
    return "rtl" if language in RIGHT_TO_LEFT_LANGUAGES else "ltr"


def frozen_mapping(items=()) -> Mapping:
    """A read-only mapping, so a cached course cannot be changed by accident."""
    return MappingProxyType(dict(items))


@dataclass(frozen=True)
class Heading:
    """A heading inside a lesson, with its anchor."""

    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Lesson:
    """One lesson in one language, rendered and sanitised."""

    id: str
    language: str
    title: str
    type: str
    minutes: int
    html: str
    headings: tuple[Heading, ...]
    source_path: str
    source_hash: str
    activity: object = None
    front_matter: Mapping = field(default_factory=frozen_mapping)
    metadata: object = None  # metadata.LessonMetadata: objectives, case regions


@dataclass(frozen=True)
class Module:
    """An ordered group of lessons."""

    id: str
    titles: Mapping[str, str]
    lesson_ids: tuple[str, ...]

    def title(self, language: str, fallback: str) -> str:
        """The title in ``language``, else in ``fallback``."""
        return self.titles.get(language) or self.titles[fallback]


@dataclass(frozen=True)
class Course:
    """A whole course: metadata, modules and its lessons in every language it offers."""

    id: str
    version: str
    source_language: str
    titles: Mapping[str, str]
    summaries: Mapping[str, str]
    duration_minutes: int
    modules: tuple[Module, ...]
    completion: Mapping
    lessons: Mapping[str, Mapping[str, Lesson]]  # language -> lesson id -> lesson
    path: str
    media_dir: str
    enrolment: str = "open"  # open, key or closed
    # Names under media_dir that the loader checked (regular files of an allowed type, no links): the only
    # media the site serves and packages carry.
    media_files: frozenset[str] = frozenset()
    metadata: object = None  # metadata.CourseMetadata: audience, outcomes, prerequisites, reviews

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages that have at least one lesson, source language first."""
        others = sorted(lang for lang in self.lessons if lang != self.source_language)
        return (self.source_language, *others)

    @property
    def lesson_ids(self) -> tuple[str, ...]:
        """Every lesson id in course order."""
        return tuple(lesson_id for module in self.modules for lesson_id in module.lesson_ids)

    def title(self, language: str) -> str:
        """The course title in ``language``, else in the source language."""
        return self.titles.get(language) or self.titles[self.source_language]

    def summary(self, language: str) -> str:
        """The summary in ``language``, else in the source language (may be empty)."""
        return self.summaries.get(language) or self.summaries.get(self.source_language, "")

    def module_title(self, module: Module, language: str) -> str:
        """A module's title in ``language``, else in the source language."""
        return module.title(language, self.source_language)

    def has_lesson(self, lesson_id: str) -> bool:
        """Whether ``lesson_id`` belongs to this course."""
        return lesson_id in self.lessons[self.source_language]

    def lesson(self, lesson_id: str, language: str) -> Lesson:
        """The lesson in ``language``, falling back to the source language when it is not translated."""
        translated = self.lessons.get(language, {}).get(lesson_id)
        return translated or self.lessons[self.source_language][lesson_id]

    def neighbours(self, lesson_id: str) -> tuple[str | None, str | None]:
        """The ids of the lessons before and after ``lesson_id`` in course order."""
        order = self.lesson_ids
        index = order.index(lesson_id)
        previous = order[index - 1] if index > 0 else None
        following = order[index + 1] if index + 1 < len(order) else None
        return previous, following

    def module_of(self, lesson_id: str) -> Module:
        """The module that holds ``lesson_id``."""
        return next(module for module in self.modules if lesson_id in module.lesson_ids)

    def quiz_ids(self) -> tuple[str, ...]:
        """The ids of the quiz lessons, in course order."""
        source = self.lessons[self.source_language]
        return tuple(lesson_id for lesson_id in self.lesson_ids if source[lesson_id].type == "quiz")

    def module_minutes(self, module: Module) -> int:
        """Estimated minutes for a module, from its lessons in the source language."""
        source = self.lessons[self.source_language]
        return sum(source[lesson_id].minutes for lesson_id in module.lesson_ids)


@dataclass(frozen=True)
class CourseLibrary:
    """Every valid course found under a folder, and the problems of the rest."""

    courses: Mapping[str, Course]
    problems: tuple = ()

    def get(self, course_id: str) -> Course | None:
        """The course with ``course_id``, or ``None``."""
        return self.courses.get(course_id)

    def __iter__(self):
        return iter(self.courses.values())

    def __len__(self) -> int:
        return len(self.courses)
