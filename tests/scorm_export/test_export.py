"""SCORM export: every shipped course, language and standard makes a valid, deterministic package."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from learn_habitat.cli import main
from learn_habitat.content import SUPPORTED_LANGUAGES
from scorm_export import ENTRY_POINT_GROUP, export_course, exporters, package_filename
from scorm_export.checker import check_package
from scorm_export.scorm12 import Scorm12Exporter
from scorm_export.scorm2004 import Scorm2004Exporter
from tests.conftest import PASSWORD, PROJECT_ROOT, SHIPPED_COURSES, make_user

SCHEMAS = Path(
    os.environ.get("LEARN_HABITAT_SCORM_SCHEMAS") or PROJECT_ROOT.parent / "shared" / "scorm-schemas"
)
COURSES = ["new-urban-agenda", "monitoring-sdg-11", "adequate-housing"]
STANDARDS = ["scorm12", "scorm2004"]


def schemas_or_skip():
    if not (SCHEMAS / "scorm2004-4th" / "imscp_v1p1.xsd").is_file():
        pytest.skip(f"the official SCORM schemas are not at {SCHEMAS}: set LEARN_HABITAT_SCORM_SCHEMAS")
    return SCHEMAS


def test_exporters_are_registered_through_the_entry_point_group():
    from importlib.metadata import entry_points

    assert {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)} >= {"scorm12", "scorm2004"}
    assert isinstance(exporters()["scorm12"], Scorm12Exporter)
    assert isinstance(exporters()["scorm2004"], Scorm2004Exporter)


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("course_id", COURSES)
def test_every_course_and_language_exports_a_valid_package(shipped_library, course_id, standard):
    schemas = schemas_or_skip()
    course = shipped_library.get(course_id)
    assert set(course.languages) == set(SUPPORTED_LANGUAGES)
    for language in course.languages:
        package = export_course(course, language, standard)
        report = check_package(package, schemas)
        assert report.problems == (), (language, [str(p) for p in report.problems])
        assert report.schema_validated
        assert report.standard == standard


@pytest.mark.parametrize("standard", STANDARDS)
def test_a_re_export_is_byte_identical(shipped_library, standard):
    course = shipped_library.get("adequate-housing")
    assert export_course(course, "fr", standard) == export_course(course, "fr", standard)


def read(package: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.mark.parametrize("standard", STANDARDS)
def test_package_contents(shipped_library, standard):
    course = shipped_library.get("new-urban-agenda")
    files = read(export_course(course, "en", standard))
    assert "imsmanifest.xml" in files and "index.html" in files
    assert not [name for name in files if name.endswith(".xsd")]
    for position, lesson_id in enumerate(course.lesson_ids):
        html = files[f"{lesson_id}.html"].decode()
        assert html.count("<h1") == 1
        if position:
            assert f'rel="prev" href="{course.lesson_ids[position - 1]}.html"' in html
        if position < len(course.lesson_ids) - 1:
            assert f'rel="next" href="{course.lesson_ids[position + 1]}.html"' in html
        # Styles and scripts come from the package itself: nothing is fetched from elsewhere.
        assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', html)
    quiz_page = files[f"{course.quiz_ids()[0]}.html"].decode()
    assert '<fieldset class="question"' in quiz_page and 'type="radio"' in quiz_page
    assert '<button type="submit"' in quiz_page
    images = re.findall(
        r'src="(media/[^"]+)"', " ".join(f.decode() for n, f in files.items() if n.endswith(".html"))
    )
    assert images and all(image in files for image in images)


@pytest.mark.parametrize("standard", STANDARDS)
def test_manifest_metadata_and_prefixes(shipped_library, standard):
    course = shipped_library.get("monitoring-sdg-11")
    manifest = read(export_course(course, "es", standard))["imsmanifest.xml"]
    text = manifest.decode()
    assert "schemaLocation" not in text
    assert "adlcp:scormtype=" in text if standard == "scorm12" else "adlcp:scormType=" in text
    if standard == "scorm2004":
        for prefix in ("adlseq:", "adlnav:", "imsss:"):
            assert prefix in text
    root = etree.fromstring(manifest)
    assert root.get("identifier") == f"LH-monitoring-sdg-11-{course.version}-es-{standard}"
    assert root.get("version") == course.version
    assert course.title("es") in text
    assert course.summary("es") in text
    assert ">es<" in text


def test_arabic_packages_are_right_to_left(shipped_library):
    files = read(export_course(shipped_library.get("new-urban-agenda"), "ar", "scorm2004"))
    for name, data in files.items():
        if name.endswith(".html"):
            assert '<html lang="ar" dir="rtl">' in data.decode(), name


def test_package_interface_is_translated(shipped_library):
    files = read(export_course(shipped_library.get("adequate-housing"), "fr", "scorm12"))
    course = shipped_library.get("adequate-housing")
    html = files[f"{course.quiz_ids()[0]}.html"].decode()
    assert "Submit my answers" not in html and "Next" not in html.split('class="pager"')[1]


def test_the_exporter_never_imports_flask():
    code = (
        "import sys\nfrom learn_habitat.content import load_library\nfrom scorm_export import export_course\n"
        "from scorm_export.checker import check_package\n"
        f"library = load_library({str(SHIPPED_COURSES)!r})\n"
        "package = export_course(library.get('adequate-housing'), 'ar', 'scorm2004')\n"
        "assert check_package(package).problems == ()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_export_command_for_one_course_and_for_all(tmp_path, shipped_library):
    schemas = schemas_or_skip()
    runner = CliRunner()
    target = tmp_path / "one.zip"
    result = runner.invoke(
        main,
        [
            "export-scorm",
            "adequate-housing",
            "--lang",
            "ar",
            "--standard",
            "scorm2004",
            "--output",
            str(target),
            "--path",
            str(SHIPPED_COURSES),
        ],
    )
    assert result.exit_code == 0, result.output
    assert check_package(target, schemas).ok

    result = runner.invoke(
        main, ["export-scorm", "--all", "--output-dir", str(tmp_path / "all"), "--path", str(SHIPPED_COURSES)]
    )
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in (tmp_path / "all").iterdir())
    # Every course in each of its languages, in each standard.
    expected = sum(len(course.languages) for course in shipped_library.courses.values()) * len(STANDARDS)
    assert len(names) == expected
    assert "new-urban-agenda_ar_scorm2004.zip" in names
    assert package_filename("x", "fr", "scorm12") == "x_fr_scorm12.zip"

    result = runner.invoke(main, ["check-package", str(target), "--schemas", str(schemas)])
    assert result.exit_code == 0
    assert "valid against the official schemas" in result.stderr
    broken = tmp_path / "broken.zip"
    files = read(target.read_bytes())
    del files["index.html"]
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    result = runner.invoke(main, ["check-package", str(broken)], env={"LEARN_HABITAT_SCORM_SCHEMAS": ""})
    assert result.exit_code == 1
    assert "index.html" in result.stdout
    assert "schema validation skipped" in result.stderr


def test_admin_downloads_a_package_and_learners_cannot(app, client, shipped_library):
    make_user(app, "admin@example.org", "Ada", role="admin")
    make_user(app)
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    assert (
        client.get("/admin/export/download?course=adequate-housing&language=fr&standard=scorm12").status_code
        == 403
    )
    client.post("/logout")
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    page = client.get("/admin/export").get_data(as_text=True)
    assert 'name="standard" value="scorm2004"' in page
    report = client.get("/admin/courses/adequate-housing/").get_data(as_text=True)
    assert "/admin/export/download?course=adequate-housing&amp;language=ar&amp;standard=scorm2004" in report
    response = client.get("/admin/export/download?course=adequate-housing&language=fr&standard=scorm12")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert 'filename="adequate-housing_fr_scorm12.zip"' in response.headers["Content-Disposition"]
    assert response.data == export_course(shipped_library.get("adequate-housing"), "fr", "scorm12")
    bad = client.get("/admin/export/download?course=adequate-housing&language=xx&standard=scorm12")
    assert bad.status_code == 302
