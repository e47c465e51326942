"""Bringing a loaded library up to date with its folder, and keeping it on disk (pure: no Flask)."""

from __future__ import annotations

import os
import shutil

from learn_habitat.content import load_library
from learn_habitat.content.refresh import EMPTY_LIBRARY, refresh_library
from learn_habitat.content.snapshot import courses_fingerprint, dump_library, load_snapshot
from tests.conftest import CourseFolder


def _two_courses(tmp_path):
    first = CourseFolder(tmp_path / "courses", "first-course")
    second = CourseFolder(tmp_path / "courses", "second-course")
    return first, second, refresh_library(EMPTY_LIBRARY, first.root).library


def test_a_fresh_refresh_loads_what_load_library_loads(tmp_path):
    first, _, library = _two_courses(tmp_path)
    assert library == load_library(first.root)


def test_a_change_is_read_again_in_its_own_course_only(tmp_path):
    first, second, library = _two_courses(tmp_path)
    changed = first.write_lesson("welcome", "## Why this matters\n\nA new sentence.\n")
    update = refresh_library(library, first.root, [str(changed)])
    assert update.changed and update.reread == ("first-course",) and update.kept == ()
    assert "A new sentence." in update.library.get("first-course").lesson("welcome", "en").html
    assert update.library.get("second-course") is library.get("second-course")  # not read again


def test_a_broken_change_keeps_the_last_good_version_of_that_course_and_reports_path_and_line(tmp_path):
    first, second, library = _two_courses(tmp_path)
    old_html = library.get("first-course").lesson("welcome", "en").html
    broken = first.write_lesson(
        "welcome", "Text.\n", front="title: Welcome\ntype: no-such-type\nminutes: 10\n"
    )
    second.write_lesson("welcome", "## Why this matters\n\nSecond course, new text.\n")
    update = refresh_library(library, first.root, [str(broken), str(second.path / "en" / "welcome.md")])
    assert update.kept == ("first-course",)
    assert update.library.get("first-course").lesson("welcome", "en").html == old_html
    assert "Second course, new text." in update.library.get("second-course").lesson("welcome", "en").html
    problems = update.problems_of("first-course", first.root)
    assert any(p.is_error and p.path == str(broken) and p.line >= 1 for p in problems), problems
    assert str(problems[0]).startswith(f"{broken}:")


def test_saving_a_file_unchanged_is_no_change(tmp_path):
    first, _, library = _two_courses(tmp_path)
    path = first.path / "en" / "welcome.md"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert not refresh_library(library, first.root, [str(path)]).changed


def test_a_removed_course_folder_leaves_the_library(tmp_path):
    first, second, library = _two_courses(tmp_path)
    shutil.rmtree(second.path)
    update = refresh_library(library, first.root, [str(second.path)])
    assert [course.id for course in update.library] == ["first-course"]


def test_only_limits_the_library_to_the_named_folders(tmp_path):
    first, _, _ = _two_courses(tmp_path)
    library = refresh_library(EMPTY_LIBRARY, first.root, only=["second-course"]).library
    assert [course.id for course in library] == ["second-course"]


def test_a_snapshot_reads_back_equal_and_the_fingerprint_follows_every_edit(tmp_path):
    first, _, library = _two_courses(tmp_path)
    path = tmp_path / "instance" / "snapshot.pickle"
    dump_library(library, path)
    assert load_snapshot(path) == library
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o600)
    before = courses_fingerprint(first.root)
    assert courses_fingerprint(first.root) == before
    first.replace("en/welcome.md", "Read", "Now read")
    assert courses_fingerprint(first.root) != before


def test_a_damaged_snapshot_is_ignored(tmp_path):
    path = tmp_path / "snapshot.pickle"
    path.write_bytes(b"not a pickle")
    assert load_snapshot(path) is None
    assert load_snapshot(tmp_path / "missing.pickle") is None
