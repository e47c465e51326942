"""What every activity type provides."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property
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

    # The body is split once, not on every look-up: a lesson with thousands of links made the checker
    # quadratic in its length (tests/fuzz/test_oversized_input.py).
    @cached_property
    def lines(self) -> list[str]:
        """The body's lines, as ``str.splitlines`` splits them."""
        return self.body.splitlines()

    @cached_property
    def _line_starts(self) -> list[int]:
        starts, position = [], 0
        for line in self.body.splitlines(keepends=True):
            starts.append(position)
            position += len(line)
        return starts

    def line_of(self, needle: str) -> int:
        """The file line where ``needle`` first appears in the body (the body's first line if nowhere)."""
        return self.find_line(needle) or self.body_line

    def find_line(self, needle: str, from_line: int | None = None) -> int | None:
        """The first file line, from ``from_line`` on, that contains ``needle``; ``None`` if there is none."""
        first = max((from_line or self.body_line) - self.body_line, 0)
        if not needle or first >= len(self.lines):
            return None
        position = self.body.find(needle, self._line_starts[first])
        while position != -1:
            index = bisect.bisect_right(self._line_starts, position) - 1
            # A match that runs over a line break is not a match within one line: look further.
            if position + len(needle) <= self._line_starts[index] + len(self.lines[index]):
                return self.body_line + index
            position = self.body.find(needle, position + 1)
        return None

    def line_where(self, predicate) -> int:
        """The file line of the first body line for which ``predicate`` is true (else the body's first)."""
        for offset, line in enumerate(self.lines):
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

    def translation_problems(self, translated, source) -> list[str]:
        """What is wrong with a translation's activity data against its source's (both not ``None``)."""
        return []

    def completion_rule(self) -> str:
        """What it takes to complete a lesson of this type, in a few words."""
        raise NotImplementedError


# A ``:::`` line alone closes a block opened by ``::: question``, ``::: theme``, ``::: calculator``...
FENCE_CLOSING = re.compile(r"^:::\s*$")


def take_fenced_block(blocks: list[str]) -> tuple[list[str], bool]:
    """Take from python-markdown's ``blocks`` the lines of one ``:::`` block, its opening line first, up to its
    closing ``:::`` line (left out); text after the closing line goes back to ``blocks``. Returns the lines
    (a blank line stands for each gap between blocks) and whether the block was closed."""
    lines: list[str] = []
    while blocks:
        block_lines = blocks.pop(0).split("\n")
        for position, line in enumerate(block_lines):
            if lines and FENCE_CLOSING.match(line):
                rest = "\n".join(block_lines[position + 1 :]).strip("\n")
                if rest:
                    blocks.insert(0, rest)
                return lines, True
            lines.append(line)
        lines.append("")
    return lines, False
