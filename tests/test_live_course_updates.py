"""Live course updates on the real ``learn-habitat serve``: a saved change is served within seconds with no failed
request, a change that breaks a course keeps its last good version (and logs path:line), a revert restores it;
and a request that starts after another has seen the new version never sees the old one, whichever worker."""

from __future__ import annotations

import re
import threading
import time

import pytest

from tests.conftest import CourseFolder
from tests.served_site import request, served_site, wait_for

LESSON = "/courses/demo-course/welcome"
WAIT_SECONDS = 120  # generous: the machine is shared; the watcher itself answers within seconds


def _get(port: int, path: str) -> tuple[int, str]:
    status, _headers, text = request(port, "GET", path)
    return status, text


def _wait_for(condition, what: str, seconds: float = WAIT_SECONDS):
    return wait_for(condition, what, seconds)


@pytest.fixture
def served(tmp_path):
    """`learn-habitat serve` (3 workers) over a temporary COURSES_DIR holding the demo course; yields the course
    folder, the port and a function returning the server's log so far."""
    course = CourseFolder(tmp_path / "courses")
    with served_site(tmp_path, course.root, RATELIMIT_ENABLED="false") as site:
        _wait_for(lambda: "watching" in site.log(), "the master watches the courses")
        yield course, site.port, site.log
    assert not list((tmp_path / "instance" / "course-cache").glob("live-*.pickle"))  # the server cleaned up


class Readers:
    """Threads reading the lesson without pause; every answer is kept as (started, ended, status, page)."""

    def __init__(self, port: int, threads: int = 3):
        self.port = port
        self.answers: list[tuple[float, float, int, str]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._read) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def _read(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status, page = _get(self.port, LESSON)
            except OSError as error:
                status, page = 0, repr(error)
            with self._lock:
                self.answers.append((started, time.monotonic(), status, page))

    def latest_after(self, moment: float) -> list[str]:
        with self._lock:
            return [page for started, _, status, page in self.answers if started > moment and status == 200]

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)


def _served_marker(page: str) -> str:
    found = re.search(r"lhmarker-(\w+)", page)
    return found.group(1) if found else "original"


def _requests_that_went_back(answers, version: str) -> list[str]:
    """The answers not ``version`` among those started after the first answer with ``version`` ended."""
    first_end = min((ended for _, ended, _, page in answers if _served_marker(page) == version), default=None)
    assert first_end is not None, f"{version} was never served"
    return [p for started, _, _, p in answers if started > first_end and _served_marker(p) != version]


def test_course_changes_are_served_live_with_no_failed_request_and_a_broken_change_keeps_the_last_good(
    served,
):
    course, port, log = served
    lesson = course.path / "en" / "welcome.md"
    original = lesson.read_text(encoding="utf-8")
    assert _get(port, LESSON)[0] == 200
    readers = Readers(port)
    try:
        # 1. A saved change: the new text is served within seconds.
        changed_at = time.monotonic()
        course.write_lesson("welcome", "## Why this matters\n\nNew text: lhmarker-first.\n")
        _wait_for(
            lambda: any("lhmarker-first" in page for page in readers.latest_after(changed_at)),
            "the changed lesson is served",
        )
        time.sleep(2)  # more requests on every worker after the switch (and after its workers were replaced)

        # 2. A change that breaks the course: the last good version (lhmarker-first) stays, and the log names
        # the file and line.
        broken_at = time.monotonic()
        course.write_lesson(
            "welcome", "Broken: lhmarker-broken.\n", front="title: Welcome\ntype: no-such-type\nminutes: 10\n"
        )
        _wait_for(lambda: "last good version" in log(), "the broken change is logged")
        assert re.search(rf"{re.escape(str(lesson))}:\d+: ", log()), log()
        time.sleep(2)
        after_break = readers.latest_after(broken_at)
        assert after_break and all("lhmarker-first" in page for page in after_break)

        # 3. The revert: the original lesson is back.
        reverted_at = time.monotonic()
        lesson.write_text(original, encoding="utf-8")
        _wait_for(
            lambda: any("lhmarker-" not in page for page in readers.latest_after(reverted_at)),
            "the reverted lesson is served",
        )
        time.sleep(2)
    finally:
        readers.stop()

    answers = readers.answers
    assert len(answers) > 30
    failed = [(status, page[:200]) for _, _, status, page in answers if status != 200]
    assert not failed, failed[:3]
    assert not any("lhmarker-broken" in page for *_, page in answers)
    # All workers switch together: after the first answer with a version, no request started later gets the
    # version before it.
    for version, since, until in (
        ("first", changed_at, reverted_at),
        ("original", reverted_at, float("inf")),
    ):
        older = _requests_that_went_back([a for a in answers if since < a[0] < until], version)
        assert not older, f"{len(older)} request(s) started after {version} was served got an older version"


# Start once: the rendered courses are kept in the instance folder ------------------------------------------


def test_a_restart_with_unchanged_courses_reads_them_back_without_rendering(
    course_dir, tmp_path, monkeypatch
):
    import learn_habitat.content.refresh
    from learn_habitat import create_app
    from learn_habitat.course_library import live_library

    config = {"INSTANCE_PATH": str(tmp_path / "instance"), "COURSES_DIR": str(course_dir.root)}
    first = live_library(create_app(config)).current()
    assert list((tmp_path / "instance" / "course-cache").glob("courses-*.pickle"))

    def no_rendering(*args, **kwargs):
        raise AssertionError("the courses were rendered again")

    with monkeypatch.context() as patched:
        patched.setattr(learn_habitat.content.refresh, "read_courses", no_rendering)
        assert live_library(create_app(config)).current() == first

    course_dir.replace("en/welcome.md", "Read", "Now read")
    changed = live_library(create_app(config)).current()
    assert "Now read" in changed.get("demo-course").lesson("welcome", "en").html
