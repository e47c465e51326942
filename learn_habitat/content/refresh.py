"""A library brought up to date with its folder: only the changed course folders are read again, and a
course whose new version has errors keeps its last good version (its problems are reported all the same).

Pure, like the rest of the pipeline: the site's live updates and the author's preview use it, and so can a test.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from learn_habitat.content.errors import Problem, sort_problems
from learn_habitat.content.loader import read_courses
from learn_habitat.content.model import CourseLibrary, frozen_mapping
from learn_habitat.content.termbase import TERMBASE_FILE, read_termbase

EMPTY_LIBRARY = CourseLibrary(frozen_mapping(), ())


@dataclass(frozen=True)
class LibraryUpdate:
    """The new library, and what happened on the way."""

    library: CourseLibrary
    kept: tuple[
        str, ...
    ]  # ids of courses whose new version has errors: the last good version is still served
    reread: tuple[str, ...]  # names of the course folders read again
    changed: bool  # False: the new library equals the previous one (a file saved without a change)

    def problems_of(self, folder_name: str, root: str | Path) -> tuple[Problem, ...]:
        """The problems found in one course folder."""
        folder = os.path.abspath(os.path.join(root, folder_name))
        return tuple(p for p in self.library.problems if _is_within(p.path, folder))


def course_folders(root: Path, only: Iterable[str] | None = None) -> list[Path]:
    """The folders under ``root`` read as courses (as ``load_library`` does), or only those named in ``only``."""
    wanted = None if only is None else set(only)
    # is_dir() follows links on purpose: a link to a folder is read as a course, and refused with a problem.
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and (wanted is None or p.name in wanted)
    )


def refresh_library(
    previous: CourseLibrary,
    root: str | Path,
    changed_paths: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
    lesson_href: str = "{lesson}",
    media_href: str = "media/{name}",
) -> LibraryUpdate:
    """``previous`` brought up to date with the courses under ``root``.

    ``changed_paths`` (files or folders, absolute or relative to the working directory) limits the folders read
    again; ``None`` reads every one, as does a change to the termbase (every course is checked against it).
    ``only`` names the course folders to consider at all (an author previewing one course).
    """
    root = Path(root)
    if not root.is_dir():
        library = CourseLibrary(frozen_mapping(), (Problem(str(root), 1, "no such folder of courses"),))
        return LibraryUpdate(library, (), (), library != previous)
    folders = course_folders(root, only)
    reread = _folders_to_read(root, folders, changed_paths)
    previous_by_folder = {os.path.basename(course.path): course for course in previous}
    termbase = root / TERMBASE_FILE
    if reread_all := len(reread) == len(folders) or changed_paths is None:
        problems = list(read_termbase(termbase)[1])
    else:  # the termbase's own problems, read last time
        problems = [p for p in previous.problems if os.path.abspath(p.path) == os.path.abspath(termbase)]
    courses, kept = {}, []
    to_read = [folder for folder in folders if reread_all or folder.name in reread]
    fresh = dict(zip((f.name for f in to_read), read_courses(to_read, lesson_href, media_href), strict=True))
    for folder in folders:
        if reread_all or folder.name in reread:
            course, found = fresh[folder.name]
            problems.extend(found)
            last_good = previous_by_folder.get(folder.name)
            if course is None and last_good is not None:
                course = last_good
                kept.append(last_good.id)
        else:
            course = previous_by_folder.get(folder.name)
            where = os.path.abspath(folder)
            problems.extend(p for p in previous.problems if _is_within(p.path, where))
        if course is not None:
            courses[course.id] = course
    library = CourseLibrary(frozen_mapping(courses), tuple(sort_problems(problems)))
    changed = library.courses != previous.courses or library.problems != previous.problems
    names = tuple(f.name for f in folders) if reread_all else tuple(sorted(reread))
    return LibraryUpdate(library, tuple(kept), names, changed)


def _folders_to_read(root: Path, folders: list[Path], changed_paths) -> set[str]:
    names = {folder.name for folder in folders}
    if changed_paths is None:
        return names
    base = os.path.abspath(root)
    reread = set()
    for path in changed_paths:
        relative = os.path.relpath(os.path.abspath(path), base)
        first = relative.split(os.sep, 1)[0]
        if relative == os.curdir or first == TERMBASE_FILE:
            return names  # the folder itself, or the termbase every course is checked against
        if first in names:
            reread.add(first)
    return reread


def _is_within(path: str, folder: str) -> bool:
    path = os.path.abspath(path)
    return path == folder or path.startswith(folder + os.sep)
