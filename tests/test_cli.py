"""The learn-habitat command, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from learn_habitat.cli import main
from tests.conftest import PROJECT_ROOT, SHIPPED_COURSES


def test_check_is_clean_on_the_shipped_courses():
    result = CliRunner().invoke(main, ["check", str(SHIPPED_COURSES)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_check_prints_each_problem_and_fails(course_dir):
    course_dir.replace("en/welcome.md", "(details.md#a-table)", "(nowhere.md)")
    course_dir.replace("course.yaml", "duration_minutes", "duration_minuts")
    result = CliRunner().invoke(main, ["check", str(course_dir.root)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"{course_dir.path / 'course.yaml'}:8: unknown key 'duration_minuts' in course.yaml; "
        "did you mean 'duration_minutes'?",
        f"{course_dir.path / 'en/welcome.md'}:8: broken link 'nowhere.md': there is no lesson 'nowhere' "
        "in this course",
    ]
    assert "2 error(s)" in result.stderr


def test_courses_json_lists_languages_and_lessons():
    result = CliRunner().invoke(main, ["courses", "--json", "--path", str(SHIPPED_COURSES)])
    assert result.exit_code == 0
    listing = {course["id"]: course for course in json.loads(result.stdout)["courses"]}
    assert set(listing) == {"new-urban-agenda", "monitoring-sdg-11", "adequate-housing", "cities-and-crises"}
    for course in listing.values():
        assert "en" in course["languages"]
        assert sum(len(module["lessons"]) for module in course["modules"]) >= 6


def test_console_script_is_installed_and_checks_from_the_project_root():
    result = subprocess.run(
        [sys.executable, "-m", "learn_habitat.cli", "check"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "courses: no errors" in result.stderr
