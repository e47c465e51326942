"""Checklists in packages: the shared form with its data for lesson.js, and SCORM 1.2's suspend data limit."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from learn_habitat.activities.checklist import MAX_STATEMENTS
from learn_habitat.content import load_course
from scorm_export import ExportError, export_course
from scorm_export.base import SCORM12_SUSPEND_DATA_LENGTH, longest_suspend_data
from tests.browser.test_checklist_in_browser import build_checklist_course


def test_a_package_page_holds_the_checklist_form_guidance_templates_and_data(tmp_path):
    course = load_course(build_checklist_course(tmp_path).path)
    files = zipfile.ZipFile(io.BytesIO(export_course(course, "ar", "scorm12")))
    page = files.read("assess.html").decode("utf-8")
    assert 'id="checklist-form" novalidate' in page and "method=" not in page
    assert '<template class="lh-guidance" data-value="0">ابدأ برسم خرائط سريع.</template>' in page
    data = json.loads(
        re.search(r'<script type="application/json" id="lh-checklist">(.*?)</script>', page).group(1)
    )
    assert data == {"lesson": "assess", "percent": "987654%", "scale": 3, "themes": [2, 1]}
    config = files.read("index.html").decode("utf-8")
    assert '"checklists": {"assess": {"scale": 3, "statements": 3}}' in config


def test_scorm_12_refuses_a_course_whose_answers_could_overflow_suspend_data(tmp_path):
    folder = build_checklist_course(tmp_path, MAX_STATEMENTS)
    body = "::: theme Many\n" + "".join(f"- Statement {n}\n" for n in range(MAX_STATEMENTS)) + ":::\n"
    extra = [f"assess-{n}" for n in range(13)]
    folder.replace(
        "course.yaml", "      - assess", "      - assess\n" + "".join(f"      - {e}\n" for e in extra)
    )
    for lesson_id in extra:
        folder.write_lesson(
            lesson_id, body, front="title: More\ntype: checklist\nminutes: 5\nscale: [not yet, done]\n"
        )
    course = load_course(folder.path)
    assert longest_suspend_data(course) > SCORM12_SUSPEND_DATA_LENGTH
    with pytest.raises(ExportError, match="suspend data"):
        export_course(course, "en", "scorm12")
    assert export_course(course, "en", "scorm2004")  # 2004 keeps 64,000 characters
