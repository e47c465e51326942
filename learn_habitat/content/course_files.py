"""Reading files of a course without ever leaving its folder.

Authors commit what lies under ``courses/``, so every name a course gives (a lesson, ``course.yaml``, a media
file) is untrusted. Each one is opened here, one path component at a time relative to the course folder, with
``O_NOFOLLOW``: a symbolic link anywhere on the way, a ``..`` or absolute name, a FIFO, a device or a socket is
refused before a byte is read, and nothing is resolved by name a second time after it was checked. A regular
file with more than one hard link is refused too: by name it is indistinguishable from the file it shares
(git never checks out hard links, so one in a course was made on the server by hand).

Pure: imports neither Flask nor the web layer.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# A course with more entries than this is not a course; the scan stops rather than walk a huge tree.
MAX_ENTRIES = 20_000
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused right after, by fstat).
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


class UnsafeCourseFile(ValueError):
    """A name or file a course may not use: the message says why, in words an author understands."""


class CourseFileTooLarge(UnsafeCourseFile):
    """A file above the size the caller accepts."""

    def __init__(self, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(f"the file is too large ({size:,} bytes; at most {limit:,})")


@dataclass(frozen=True)
class UnsafeEntry:
    """Something in a course folder no reader may use, with its path relative to the course folder."""

    relative: str
    message: str


def name_parts(relative: str) -> tuple[str, ...]:
    """The components of a relative POSIX name, refusing any that could step outside or be read two ways."""
    if not isinstance(relative, str) or not relative:
        raise UnsafeCourseFile("an empty file name")
    if "\\" in relative or "\x00" in relative:
        raise UnsafeCourseFile(f"the name {relative!r} holds a backslash or a NUL character")
    if relative.startswith("/"):
        raise UnsafeCourseFile(f"the name {relative!r} is absolute: names are relative to the course folder")
    parts = tuple(relative.split("/"))
    if any(part in ("", ".", "..") for part in parts):
        raise UnsafeCourseFile(f"the name {relative!r} has an empty, '.' or '..' part")
    return parts


def describe(mode: int) -> str | None:
    """What is wrong with a file of this (``lstat``) mode, or ``None`` for a folder or regular file."""
    if stat.S_ISLNK(mode):
        return "is a symbolic link: a course may only hold real files and folders (copy what it points to in instead)"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe): a course may only hold regular files and folders"
    if stat.S_ISSOCK(mode):
        return "is a socket: a course may only hold regular files and folders"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device file: a course may only hold regular files and folders"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "is not a regular file or folder"
    return None


def _hard_link_problem(status: os.stat_result) -> str | None:
    if stat.S_ISREG(status.st_mode) and status.st_nlink > 1:
        return (
            f"is a hard link ({status.st_nlink} names for one file): a course may only hold files of its own "
            "(copy the file in instead)"
        )
    return None


def check_course_folder(folder: str | Path) -> None:
    """Refuse a course folder that is itself a link (out of ``courses/``) or not a folder."""
    try:
        status = os.lstat(folder)
    except FileNotFoundError:
        raise UnsafeCourseFile("no such course folder") from None
    problem = describe(status.st_mode)
    if problem is None and not stat.S_ISDIR(status.st_mode):
        problem = "is not a folder"
    if problem is not None:
        raise UnsafeCourseFile(problem)


def open_course_file(folder: str | Path, relative: str, writable: bool = False) -> tuple[int, os.stat_result]:
    """An open file descriptor for ``relative`` inside ``folder``, and its status; the caller closes it.

    ``writable`` opens an existing file for writing (the translation stamp), with the same refusals.

    Raises :class:`UnsafeCourseFile` for links, special files, hard links and names leaving the folder, and
    :class:`OSError` (``FileNotFoundError``, ``PermissionError``) when the file cannot be opened.
    """
    parts = name_parts(relative)
    directory = _open_directory(folder, None, "the course folder")
    try:
        for index, part in enumerate(parts[:-1]):
            following = _open_directory(part, directory, "/".join(parts[: index + 1]))
            os.close(directory)
            directory = following
        try:
            flags = _FILE_FLAGS | (os.O_RDWR if writable else 0)
            descriptor = os.open(parts[-1], flags, dir_fd=directory)
        except OSError as exc:
            raise _explained(exc, directory, parts[-1], relative) from None
    finally:
        os.close(directory)
    try:
        status = os.fstat(descriptor)
        problem = describe(status.st_mode) or _hard_link_problem(status)
        if problem is None and stat.S_ISDIR(status.st_mode):
            problem = "is a folder, not a file"
        if problem is not None:
            raise UnsafeCourseFile(f"{relative} {problem}")
        # Regular files ignore O_NONBLOCK; clear it anyway so the descriptor behaves like any other.
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, status


def read_course_file(folder: str | Path, relative: str, max_bytes: int | None = None) -> bytes:
    """The bytes of ``relative`` inside ``folder`` (see :func:`open_course_file` for what is refused)."""
    descriptor, status = open_course_file(folder, relative)
    with os.fdopen(descriptor, "rb") as handle:
        if max_bytes is not None and status.st_size > max_bytes:
            raise CourseFileTooLarge(status.st_size, max_bytes)
        data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:  # grew after fstat
        raise CourseFileTooLarge(len(data), max_bytes)
    return data


def is_course_file(folder: str | Path, relative: str) -> bool:
    """Whether ``relative`` is a regular file inside ``folder`` that :func:`open_course_file` would open."""
    try:
        descriptor, _status = open_course_file(folder, relative)
    except (UnsafeCourseFile, OSError):
        return False
    os.close(descriptor)
    return True


def unsafe_entries(folder: str | Path) -> Iterator[UnsafeEntry]:
    """Every link, special file and hard link anywhere under a course folder (links are never followed)."""
    pending, seen = [""], 0
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(os.path.join(folder, relative) if relative else folder) as entries:
                listed = sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            yield UnsafeEntry(relative or ".", f"cannot be listed: {exc.strerror or exc}")
            continue
        for entry in listed:
            seen += 1
            if seen > MAX_ENTRIES:
                yield UnsafeEntry(".", f"the course holds more than {MAX_ENTRIES:,} files and folders")
                return
            name = f"{relative}/{entry.name}" if relative else entry.name
            try:
                status = entry.stat(follow_symlinks=False)
            except OSError as exc:
                yield UnsafeEntry(name, f"cannot be read: {exc.strerror or exc}")
                continue
            problem = describe(status.st_mode) or _hard_link_problem(status)
            if problem is not None:
                yield UnsafeEntry(name, problem)
            elif stat.S_ISDIR(status.st_mode):
                pending.append(name)


def regular_files(folder: str | Path, relative: str) -> list[str]:
    """Names (relative to ``folder``) of the regular files under the sub-folder ``relative``, links not followed.

    Hidden files and folders (``.git``, ``.DS_Store``) are left out; what is left out is never served.
    """
    try:
        start = os.lstat(os.path.join(folder, relative))
    except OSError:
        return []
    if not stat.S_ISDIR(start.st_mode):
        return []  # a link in place of the folder is reported by unsafe_entries, never followed
    found, pending = [], [relative]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(os.path.join(folder, current)) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            name = f"{current}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                pending.append(name)
            elif entry.is_file(follow_symlinks=False):
                found.append(name)
    return sorted(found)


def _open_directory(name, directory: int | None, shown: str) -> int:
    try:
        return os.open(name, _DIRECTORY_FLAGS, dir_fd=directory)
    except OSError as exc:
        raise _explained(exc, directory, name, shown) from None


def _explained(exc: OSError, directory: int | None, name, shown: str) -> Exception:
    """An OSError from an ``O_NOFOLLOW`` open, turned into what the author should hear."""
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENXIO, errno.EMLINK):
        try:
            status = os.lstat(name, dir_fd=directory)
        except OSError:
            return exc
        problem = describe(status.st_mode)
        if problem is None and not stat.S_ISDIR(status.st_mode):
            problem = "is a file where a folder is needed"
        if problem is not None:
            return UnsafeCourseFile(f"{shown} {problem}")
    return exc
