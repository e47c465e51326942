"""The fingerprint that decides whether saved courses are current reads author folders as untrusted: it never
blocks on a FIFO and never reads through a link (it runs before the loader has checked anything)."""

from __future__ import annotations

import os
import threading

from learn_habitat.content.snapshot import courses_fingerprint


def _fingerprint_within(root, seconds=30):
    result = {}
    worker = threading.Thread(
        target=lambda: result.setdefault("hash", courses_fingerprint(root)), daemon=True
    )
    worker.start()
    worker.join(seconds)
    return result.get("hash")


def test_a_fifo_in_a_course_does_not_block_the_fingerprint(course_dir):
    os.mkfifo(course_dir.path / "media" / "pipe.svg")
    assert _fingerprint_within(course_dir.root) is not None, "the fingerprint waited for a writer on a FIFO"


def test_a_link_changes_the_fingerprint_by_its_target_not_by_what_it_points_to(course_dir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("one")
    os.symlink(secret, course_dir.path / "media" / "secret.txt")
    before = courses_fingerprint(course_dir.root)
    secret.write_text("two")  # the linked file changes: nothing of the course does
    assert courses_fingerprint(course_dir.root) == before
    os.remove(course_dir.path / "media" / "secret.txt")
    os.symlink(tmp_path / "other.txt", course_dir.path / "media" / "secret.txt")
    assert courses_fingerprint(course_dir.root) != before


def test_an_edit_to_a_lesson_changes_the_fingerprint(course_dir):
    before = courses_fingerprint(course_dir.root)
    course_dir.write_lesson("welcome", "Changed.\n")
    assert courses_fingerprint(course_dir.root) != before
