"""Live course updates: watch the courses folder, read again what changed, publish the new library.

One watcher runs per server: in gunicorn's master (``learn-habitat serve``), or in the one process of the
development server and of ``learn-habitat preview``. A course whose new version has errors keeps its last good
version on the site, and its problems are logged as ``path:line: message``; the other courses update.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable

import watchfiles

from learn_habitat.content.refresh import LibraryUpdate
from learn_habitat.course_library import live_library


class CourseWatcher:
    """A daemon thread that publishes a new library each time the courses folder changes."""

    def __init__(
        self,
        app,
        logger: logging.Logger | None = None,
        on_published: Callable[[int], None] | None = None,
    ):
        self.library = live_library(app)
        self.root = self.library.courses_dir
        self.log = logger or app.logger
        self.on_published = on_published
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="course-watcher", daemon=True)
        self.ready = threading.Event()  # set once the folder is watched: changes from then on are seen

    def start(self) -> CourseWatcher:
        """Start watching."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching (within about a second)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def apply(self, changed_paths: Iterable[str] | None = None) -> LibraryUpdate | None:
        """Read the folders of ``changed_paths`` again (all if ``None``) and publish the result if it differs."""
        try:
            update = self.library.refresh(changed_paths)
        except Exception:  # a bug in the pipeline must not stop the watching: the site keeps what it has
            self.log.exception("reading the changed courses failed; the site keeps the courses it has")
            return None
        for name in update.reread:
            for problem in update.problems_of(name, self.root):
                self.log.warning("course problem: %s", problem)
        for course_id in update.kept:
            self.log.error(
                "course %s: the new version has errors (above); the site keeps serving its last good version",
                course_id,
            )
        if update.changed:
            generation = self.library.publish(update.library)
            self.log.info(
                "courses updated (generation %d, read again: %s); %d course(s) served",
                generation,
                ", ".join(update.reread) or "none",
                len(update.library),
            )
            if self.on_published is not None:
                self.on_published(generation)
        return update

    def _watch(self) -> None:
        if not os.path.isdir(self.root):
            self.log.warning("not watching %s for course changes: no such folder", self.root)
            self.ready.set()
            return
        watching = watchfiles.watch(
            self.root,
            stop_event=self._stop,
            raise_interrupt=False,
            yield_on_timeout=True,  # wakes up every rust_timeout ms: the first wake-up says the watch is on
            rust_timeout=1000,
            debounce=1000,
        )
        for changes in watching:
            self.ready.set()
            if changes:
                self.apply(sorted(path for _, path in changes))
