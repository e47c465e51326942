"""Problems found in course sources, each pinned to a file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a course source, printed as ``path:line: message``."""

    path: str
    line: int
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


class CourseError(Exception):
    """A course could not be loaded; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str | Path, line: int, message: str) -> CourseError:
        """An error with a single problem."""
        return cls([Problem(str(path), line, message)])


def _sort_key(problem: Problem):
    return (problem.path, problem.line, problem.message)


def sort_problems(problems):
    """Problems ordered by file, then line."""
    return sorted(problems, key=_sort_key)
