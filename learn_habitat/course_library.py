"""The loaded courses, kept on the app: loaded and rendered once, then only read.

A running site can take a new version of the courses without a restart (``learn_habitat.live_courses`` watches
the folder): the new library is *published* as a whole, and every request reads one library from start to end.
Under gunicorn the master publishes it to its forked workers through a generation number in shared memory and
a pickle in the instance folder; a worker compares the number at the start of each request (8 bytes read) and
loads the pickle (milliseconds) when it is behind, so no request that starts after a publication sees the
older version, on any worker.
"""

from __future__ import annotations

import mmap
import os
import secrets
import struct
from pathlib import Path

from flask import current_app, g
from sqlalchemy.engine import make_url

from learn_habitat.content import CourseLibrary
from learn_habitat.content.refresh import EMPTY_LIBRARY, refresh_library
from learn_habitat.content.snapshot import courses_fingerprint, dump_library, load_snapshot

EXTENSION_KEY = "learn_habitat.courses"
CACHE_FOLDER = "course-cache"  # under the instance folder: start-up snapshots and published generations
CACHE_KEPT = 3  # start-up snapshots kept (the newest), so switching between two checkouts stays fast


class UnsafeLayout(RuntimeError):
    """Instance data (secret key, SQLite file, outbox) lies inside a folder the site serves or exports."""


class SharedGeneration:
    """A number in memory shared with the processes forked after it was made (an anonymous shared mapping)."""

    def __init__(self):
        self._memory = mmap.mmap(
            -1, mmap.PAGESIZE
        )  # MAP_SHARED: a forked worker reads what the master writes

    @property
    def value(self) -> int:
        return struct.unpack_from("<Q", self._memory, 0)[0]

    @value.setter
    def value(self, number: int) -> None:
        struct.pack_into("<Q", self._memory, 0, number)


class LiveLibrary:
    """The app's library and its generation; replaced as a whole by :meth:`publish`, never changed in place."""

    def __init__(self, library: CourseLibrary, courses_dir: str, only=None):
        self.courses_dir = courses_dir
        self.only = only  # course folder names, when an author previews some courses only
        self._state = (
            0,
            library,
        )  # one attribute, so a reader never sees one generation's number and another's library
        self._shared: SharedGeneration | None = None
        self._folder: Path | None = None

    @property
    def generation(self) -> int:
        """How many times a new library was published (0: the one loaded at start)."""
        return self._state[0]

    def share_with_forked_workers(self, folder: str | Path) -> None:
        """Call in the master before it forks: publications then reach the workers through ``folder``."""
        self._shared = SharedGeneration()
        self._shared.value = self._state[0]
        self._folder = Path(folder)
        self._prefix = f"live-{os.getpid()}-{secrets.token_hex(4)}-"  # never another server's files

    def current(self) -> CourseLibrary:
        """The newest published library (a worker loads it here when the master has published a new one)."""
        if self._shared is None:
            return self._state[1]
        for _ in range(3):  # a file is removed two publications later: only a newer one can be missing
            newest = self._shared.value
            if newest == self._state[0]:
                break
            loaded = load_snapshot(self._generation_file(newest))
            if loaded is not None:
                self._state = (newest, loaded)
                break
        return self._state[1]

    def publish(self, library: CourseLibrary) -> int:
        """Make ``library`` the one every following request reads; returns its generation."""
        generation = self._state[0] + 1
        if self._shared is not None:
            dump_library(library, self._generation_file(generation))
        self._state = (generation, library)
        if self._shared is not None:
            self._shared.value = (
                generation  # after the file is complete: a worker that sees the number finds it
            )
            for old in self._folder.glob(f"{self._prefix}*.pickle"):
                if int(old.stem.rsplit("-", 1)[1]) < generation - 1:
                    old.unlink(missing_ok=True)
        return generation

    def refresh(self, changed_paths=None):
        """Read the changed course folders again; :class:`~learn_habitat.content.refresh.LibraryUpdate`."""
        return refresh_library(self.current(), self.courses_dir, changed_paths, self.only)

    def discard_published_files(self) -> None:
        """Remove this server's generation files (when the server stops)."""
        if self._folder is not None:
            for old in self._folder.glob(f"{self._prefix}*.pickle"):
                old.unlink(missing_ok=True)

    def _generation_file(self, generation: int) -> Path:
        return self._folder / f"{self._prefix}{generation}.pickle"


def init_app(app) -> None:
    """Load every course under ``COURSES_DIR``; a broken course is logged and left out, never fatal.

    ``COURSE_LIBRARY`` may hold an already loaded library (tests share one across many apps). Otherwise the
    rendered library is kept in the instance folder, keyed by a hash of the courses and the code, so a restart
    with unchanged courses reads it back in milliseconds instead of rendering every lesson again.
    ``PREVIEW_COURSES`` limits the library to some course folders (``learn-habitat preview COURSE``).
    """
    check_instance_is_private(app)
    only = app.config.get("PREVIEW_COURSES") or None
    library = app.config.get("COURSE_LIBRARY") or _load(app, only)
    log_problems(app.logger, library)
    app.extensions[EXTENSION_KEY] = LiveLibrary(library, app.config["COURSES_DIR"], only)


def log_problems(logger, library: CourseLibrary) -> None:
    """One line per problem (``path:line: message``), then how many courses are served."""
    for problem in library.problems:
        logger.warning("course problem: %s", problem)
    if library.problems:
        logger.warning(
            "%d course problem(s); serving the %d valid course(s). Run 'learn-habitat check' for details.",
            len(library.problems),
            len(library),
        )


def _load(app, only) -> CourseLibrary:
    root = app.config["COURSES_DIR"]
    if only or not app.config.get("COURSE_CACHE", True):
        return refresh_library(EMPTY_LIBRARY, root, only=only).library
    folder = Path(app.instance_path, CACHE_FOLDER)
    fingerprint = courses_fingerprint(root)
    snapshot = folder / f"courses-{fingerprint[:32]}.pickle"
    library = load_snapshot(snapshot)
    if library is not None:
        os.utime(snapshot)  # the newest used is kept longest
        return library
    library = refresh_library(EMPTY_LIBRARY, root).library
    if (
        courses_fingerprint(root) == fingerprint
    ):  # not changed while it was read: the snapshot matches its name
        try:
            dump_library(library, snapshot)
            _forget_old_snapshots(folder)
        except OSError as error:  # a read-only or full disk costs speed at the next start, nothing else
            app.logger.warning("could not keep the rendered courses in %s: %s", folder, error)
    return library


def _forget_old_snapshots(folder: Path) -> None:
    snapshots = sorted(folder.glob("courses-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in snapshots[CACHE_KEPT:]:
        old.unlink(missing_ok=True)


def live_library(app) -> LiveLibrary:
    """The app's :class:`LiveLibrary` (to share, watch or publish)."""
    return app.extensions[EXTENSION_KEY]


def current_library() -> CourseLibrary:
    """The courses of the current app: the same library for the whole of a request, however often asked."""
    if "course_library" not in g:
        g.course_library = current_app.extensions[EXTENSION_KEY].current()
    return g.course_library


def check_instance_is_private(app) -> None:
    """Refuse to start when instance data sits inside the courses or static folder.

    Course files are read only inside their own course folder, without following links, but a hard link or a
    misconfigured path is a name like any other: keeping the secrets out of every served tree is the rule
    that does not depend on what the courses hold.
    """
    private = {"the instance folder": app.instance_path, "the mail outbox": app.config.get("MAIL_FILE_PATH")}
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        private["the SQLite database"] = url.database
    served = {"COURSES_DIR": app.config["COURSES_DIR"], "the static folder": app.static_folder}
    for served_name, served_path in served.items():
        if not served_path:
            continue
        served_real = os.path.realpath(served_path)
        for private_name, private_path in private.items():
            if private_path and _is_within(os.path.realpath(private_path), served_real):
                raise UnsafeLayout(
                    f"{private_name} ({private_path}) is inside {served_name} ({served_path}): "
                    "keep instance data outside every folder the site serves or exports"
                )


def _is_within(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder
