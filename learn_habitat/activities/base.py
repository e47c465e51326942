"""What every activity type provides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the content package imports this module; a runtime import would be circular
    from learn_habitat.content.errors import Problem


@dataclass(frozen=True)
class LessonSource:
    """A lesson file as read from disk, before rendering."""

    lesson_id: str
    language: str
    path: str
    front_matter: dict
    body: str
    body_line: int  # line of the file where the body starts

    def line_of(self, needle: str) -> int:
        """The file line where ``needle`` first appears in the body (the body's first line if nowhere)."""
        return self.line_where(lambda line: needle in line)

    def line_where(self, predicate) -> int:
        """The file line of the first body line for which ``predicate`` is true (else the body's first)."""
        for offset, line in enumerate(self.body.splitlines()):
            if predicate(line):
                return self.body_line + offset
        return self.body_line


class ActivityType:
    """Base class of an activity type; subclasses register under an entry-point name."""

    #: Front-matter keys this type accepts besides the common ones (title, type, minutes).
    front_matter_keys: frozenset[str] = frozenset()

    def markdown_extensions(self) -> list:
        """python-markdown extensions this type needs to read its own syntax."""
        return []

    def build(self, source: LessonSource, rendered) -> tuple[object, list[Problem]]:
        """The activity's data for a rendered lesson (``None`` when it has none) and its problems."""
        return None, []

    def completion_rule(self) -> str:
        """What it takes to complete a lesson of this type, in a few words."""
        raise NotImplementedError
