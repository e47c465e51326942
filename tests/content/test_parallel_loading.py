"""Several courses are read by several processes when that can only help, with the same result."""

from __future__ import annotations

import threading

from learn_habitat.content import loader
from tests.conftest import SHIPPED_COURSES


def _folders():
    return sorted(p for p in SHIPPED_COURSES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def test_courses_read_in_several_processes_equal_those_read_in_one():
    folders = _folders()
    assert len(folders) >= 2
    in_processes = loader.read_courses(folders, parallel=True)
    in_one = loader.read_courses(folders, parallel=False)
    assert [course.id for course, _ in in_processes] == [course.id for course, _ in in_one]
    assert [problems for _, problems in in_processes] == [problems for _, problems in in_one]
    for (forked, _), (here, _) in zip(in_processes, in_one, strict=True):
        assert forked == here  # every rendered lesson, figure and activity alike


def test_no_process_is_forked_while_another_thread_runs(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("a process pool was started")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", refuse)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        courses = loader.read_courses(_folders())
    finally:
        stop.set()
        other.join()
    assert all(course is not None for course, _ in courses)
