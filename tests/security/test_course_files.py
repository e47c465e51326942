"""Files outside a course: links, special files and active media never reach a learner, a package or the checker's
silence.

Each attack is planted in a course an author could commit, then tried three ways: the checker must name it
(``path:line: message``), the media route must not serve it, and a SCORM package must not carry it.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from learn_habitat import create_app
from learn_habitat.cli import main
from learn_habitat.content import CourseError, check_courses, load_course, load_library
from learn_habitat.content.course_files import UnsafeCourseFile, read_course_file
from learn_habitat.course_library import UnsafeLayout
from scorm_export import ExportError, export_course
from tests.conftest import CourseFolder

PASSWD = Path("/etc/passwd")
INSTANCE_SECRET = "instance-secret-5f1c0d9e"
SIBLING_SECRET = "sibling-course-secret-7a2b"
REFUSED = (CourseError, ExportError)


@pytest.fixture
def site(tmp_path, app_config):
    """A folder of courses beside a private instance folder, and a sibling course with a secret of its own."""
    root = tmp_path / "courses"
    course = CourseFolder(root, "demo-course")
    sibling = CourseFolder(root, "other-course")
    (sibling.path / "media" / "private.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><title>{SIBLING_SECRET}</title></svg>'
    )
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text(INSTANCE_SECRET)
    app_config.update({"COURSES_DIR": str(root), "COURSE_LIBRARY": None, "INSTANCE_PATH": str(instance)})
    return course, sibling, instance


def _secrets() -> list[bytes]:
    return [INSTANCE_SECRET.encode(), SIBLING_SECRET.encode(), PASSWD.read_bytes()[:40]]


class _Client:
    """A test client whose responses are read and closed at once (a served file is an open handle)."""

    def __init__(self, app_config):
        self._client = create_app(app_config).test_client()

    def get(self, url, **kwargs):
        with self._client.get(url, **kwargs) as response:
            response.get_data()  # kept on the response after it is closed
        return response


def _client(app_config):
    return _Client(app_config)


def _assert_refused_everywhere(app_config, course: CourseFolder, culprit: Path, words: str, media_name=None):
    """The checker names ``culprit`` at line 1, the course is not served, and no package can be made of it."""
    problems = [str(p) for p in check_courses(course.root)]
    assert any(p.startswith(f"{culprit}:1: ") and words in p for p in problems), problems
    result = CliRunner().invoke(main, ["check", str(course.root)])
    assert result.exit_code == 1
    assert any(line.startswith(f"{culprit}:1: ") and words in line for line in result.stdout.splitlines())

    library = load_library(course.root)
    assert library.get(course.id) is None
    assert library.get("other-course") is not None  # one bad course does not take another down

    client = _client(app_config)
    for name in [media_name or "map.svg", "map.svg"]:
        response = client.get(f"/courses/{course.id}/media/{name}")
        assert response.status_code == 404
        assert not any(secret in response.get_data() for secret in _secrets())

    with pytest.raises(REFUSED):
        export_course(_as_loaded(course), "en", "scorm12")


def _as_loaded(course: CourseFolder):
    """The course as it was loaded before the attack was planted (what an exporter is handed)."""
    return _LOADED[course.path]


_LOADED: dict = {}


@pytest.fixture(autouse=True)
def _loaded_before_the_attack(request):
    _LOADED.clear()
    yield
    _LOADED.clear()


def _load_first(course: CourseFolder):
    _LOADED[course.path] = load_course(course.path)


# Links ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["passwd.txt", "passwd.svg"])
def test_a_media_link_to_etc_passwd_is_reported_and_never_served_or_packaged(site, app_config, name):
    course, _sibling, _instance = site
    _load_first(course)
    link = course.path / "media" / name
    link.symlink_to(PASSWD)
    _assert_refused_everywhere(app_config, course, link, "symbolic link", name)


def test_a_media_link_to_the_instance_secret_key_is_refused(site, app_config):
    course, _sibling, instance = site
    _load_first(course)
    link = course.path / "media" / "key.txt"
    link.symlink_to(instance / "secret_key")
    _assert_refused_everywhere(app_config, course, link, "symbolic link", "key.txt")


def test_a_media_link_into_a_sibling_course_is_refused(site, app_config):
    course, sibling, _instance = site
    _load_first(course)
    link = course.path / "media" / "borrowed.svg"
    link.symlink_to(Path("..") / ".." / sibling.id / "media" / "private.svg")
    _assert_refused_everywhere(app_config, course, link, "symbolic link", "borrowed.svg")


def test_a_media_folder_that_is_a_link_is_refused(site, app_config):
    course, _sibling, instance = site
    _load_first(course)
    (course.path / "media" / "map.svg").rename(instance / "map.svg")
    (course.path / "media").rmdir()
    (course.path / "media").symlink_to(instance)
    _assert_refused_everywhere(app_config, course, course.path / "media", "symbolic link", "secret_key")


def test_a_lesson_file_that_is_a_link_is_refused(site, app_config):
    course, sibling, _instance = site
    _load_first(course)
    lesson = course.path / "en" / "details.md"
    lesson.unlink()
    lesson.symlink_to(sibling.path / "en" / "details.md")
    _assert_refused_everywhere(app_config, course, lesson, "symbolic link")


def test_a_course_yaml_that_is_a_link_is_refused(site, app_config, tmp_path):
    course, _sibling, _instance = site
    _load_first(course)
    outside = tmp_path / "outside.yaml"
    outside.write_text((course.path / "course.yaml").read_text())
    (course.path / "course.yaml").unlink()
    (course.path / "course.yaml").symlink_to(outside)
    _assert_refused_everywhere(app_config, course, course.path / "course.yaml", "symbolic link")


def test_a_language_folder_that_is_a_link_is_refused(site, app_config):
    course, sibling, _instance = site
    _load_first(course)
    (course.path / "fr").symlink_to(sibling.path / "en")
    _assert_refused_everywhere(app_config, course, course.path / "fr", "symbolic link")


def test_a_course_folder_that_is_a_link_out_of_the_courses_folder_is_refused(site, app_config, tmp_path):
    course, _sibling, _instance = site
    elsewhere = CourseFolder(tmp_path / "elsewhere", "linked-course")
    link = course.root / "linked-course"
    link.symlink_to(elsewhere.path)
    problems = [str(p) for p in check_courses(course.root)]
    assert f"{link}:1: the course folder is a symbolic link" in " ".join(problems)
    assert load_library(course.root).get("linked-course") is None
    with pytest.raises(CourseError, match="symbolic link"):
        load_course(link)  # what the exporter does with course.path
    assert _client(app_config).get("/courses/linked-course/media/map.svg").status_code == 404


# Special files and hard links -------------------------------------------------------------------------------


def test_a_fifo_in_media_is_reported_without_hanging_and_never_opened(site, app_config):
    course, _sibling, _instance = site
    _load_first(course)
    fifo = course.path / "media" / "pipe.svg"
    os.mkfifo(fifo)
    _assert_refused_everywhere(app_config, course, fifo, "FIFO", "pipe.svg")


def test_a_fifo_named_like_a_lesson_is_reported_without_hanging(site, app_config):
    course, _sibling, _instance = site
    _load_first(course)
    lesson = course.path / "en" / "details.md"
    lesson.unlink()
    os.mkfifo(lesson)
    _assert_refused_everywhere(app_config, course, lesson, "FIFO")


def test_a_hard_link_to_the_instance_secret_key_is_refused(site, app_config):
    course, _sibling, instance = site
    _load_first(course)
    link = course.path / "media" / "key.txt"
    os.link(instance / "secret_key", link)
    _assert_refused_everywhere(app_config, course, link, "hard link", "key.txt")


# The media route on its own: files changed after the course was loaded ----------------------------------


def test_a_media_file_swapped_for_a_link_after_loading_is_not_served(site, app_config):
    course, _sibling, instance = site
    client = _client(app_config)
    assert client.get(f"/courses/{course.id}/media/map.svg").status_code == 200
    media = course.path / "media" / "map.svg"
    media.unlink()
    media.symlink_to(instance / "secret_key")
    response = client.get(f"/courses/{course.id}/media/map.svg")
    assert response.status_code == 404
    assert INSTANCE_SECRET.encode() not in response.get_data()


def test_a_media_folder_swapped_for_a_link_after_loading_is_not_served(site, app_config):
    course, _sibling, instance = site
    client = _client(app_config)
    (instance / "map.svg").write_text(INSTANCE_SECRET)
    (course.path / "media").rename(course.path / "old-media")
    (course.path / "media").symlink_to(instance)
    response = client.get(f"/courses/{course.id}/media/map.svg")
    assert response.status_code == 404
    assert INSTANCE_SECRET.encode() not in response.get_data()


def test_a_file_added_to_media_after_loading_is_not_served(site, app_config):
    course, _sibling, _instance = site
    client = _client(app_config)
    (course.path / "media" / "late.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert client.get(f"/courses/{course.id}/media/late.svg").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "media/../course.yaml",
        "media/..%2fcourse.yaml",
        "media/%2e%2e/course.yaml",
        "media/%2e%2e%2f%2e%2e%2fother-course/media/private.svg",
        "media//etc/passwd",
        "media/%2fetc%2fpasswd",
        "media/./map.svg",
        "media/MAP.SVG",
        "media/map.svg%00.txt",
        "media/..%5ccourse.yaml",
        "MEDIA/map.svg",
    ],
)
def test_traversal_spellings_of_a_media_name_are_not_found(site, app_config, path):
    course, _sibling, _instance = site
    response = _client(app_config).get(f"/courses/{course.id}/{path}", follow_redirects=True)
    assert response.status_code == 404
    assert not any(secret in response.get_data() for secret in _secrets())
    assert b"source_language" not in response.get_data()


def test_a_checked_media_file_is_served_whole_and_by_range(site, app_config):
    course, _sibling, _instance = site
    client = _client(app_config)
    whole = client.get(f"/courses/{course.id}/media/map.svg")
    assert whole.status_code == 200
    assert whole.mimetype == "image/svg+xml"
    assert whole.get_data() == (course.path / "media" / "map.svg").read_bytes()
    assert "sandbox" in whole.headers["Content-Security-Policy"]
    part = client.get(f"/courses/{course.id}/media/map.svg", headers={"Range": "bytes=0-3"})
    assert part.status_code == 206
    assert part.get_data() == b"<svg"
    again = client.get(
        f"/courses/{course.id}/media/map.svg", headers={"If-None-Match": whole.headers["ETag"]}
    )
    assert again.status_code == 304


# The shared helper -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../other-course/course.yaml", "/etc/passwd", "media/../../x", "media\\..\\x", "media//x", ""]
)
def test_names_that_could_leave_the_course_folder_are_refused_before_any_read(course_dir, name):
    with pytest.raises(UnsafeCourseFile):
        read_course_file(course_dir.path, name)


def test_a_link_in_a_middle_folder_is_refused_by_the_helper(course_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(INSTANCE_SECRET)
    (course_dir.path / "media" / "sub").symlink_to(outside)
    with pytest.raises(UnsafeCourseFile, match="symbolic link"):
        read_course_file(course_dir.path, "media/sub/secret.txt")


# Active media -------------------------------------------------------------------------------------------------

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
ACTIVE_SVGS = {
    "script": (SVG_OPEN + "<rect/>\n<script>alert(1)</script>\n</svg>", 3, "<script>"),
    "event handler": (SVG_OPEN + '<rect/>\n<rect onclick="alert(1)"/>\n</svg>', 3, "event handler"),
    "onload on root": ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 1, "event handler"),
    "foreignObject": (
        SVG_OPEN + '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>\n</svg>',
        2,
        "foreignObject",
    ),
    "javascript link": (
        SVG_OPEN + '\n<a href="javascript:alert(1)"><text>x</text></a></svg>',
        3,
        "javascript:",
    ),
    "obfuscated javascript": (
        SVG_OPEN + '<a xlink:href=" java&#x09;script&#x0A;:alert(1)"><text>x</text></a></svg>',
        2,
        "javascript:",
    ),
    "animated href": (
        SVG_OPEN + '<a><set attributeName="href" to="data:text/html,x"/><text>x</text></a></svg>',
        2,
        "may not change",
    ),
    "xhtml script": (
        SVG_OPEN + '<g>\n<script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script></g></svg>',
        3,
        "namespace",
    ),
    "external image": (SVG_OPEN + '<image href="https://tracker.example/x.png"/></svg>', 2, "refers outside"),
    "file image": (SVG_OPEN + '<image xlink:href="file:///etc/passwd"/></svg>', 2, "refers outside"),
    "embedded svg": (
        SVG_OPEN + '<image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>',
        2,
        "refers outside",
    ),
    "external use": (
        SVG_OPEN + '<use href="../../other-course/media/private.svg#a"/></svg>',
        2,
        "refers outside",
    ),
    "css import": (SVG_OPEN + '<style>@import url("https://x.example/a.css");</style></svg>', 2, "@import"),
    "css url": (SVG_OPEN + '<rect style="fill: url(https://x.example/p)"/></svg>', 2, "url("),
    "stylesheet instruction": (
        '<?xml-stylesheet href="https://x.example/s.xsl" type="text/xsl"?>\n' + SVG_OPEN + "</svg>",
        1,
        "processing instruction",
    ),
    "entities": (
        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + SVG_OPEN + "<text>&x;</text></svg>",
        1,
        "DOCTYPE",
    ),
    "default attributes": (
        '<!DOCTYPE svg [<!ATTLIST rect onclick CDATA "alert(1)">]>\n' + SVG_OPEN + "<rect/></svg>",
        1,
        "DOCTYPE",
    ),
    "css escape": (
        SVG_OPEN + "<style>rect { fill: \\75 rl(https://x.example/p) }</style></svg>",
        2,
        "CSS escape",
    ),
    "utf-16": (SVG_OPEN + "<script>alert(1)</script></svg>", 1, "UTF-8"),
    "not svg": (
        '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
        1,
        "root element",
    ),
}


@pytest.mark.parametrize("kind", sorted(ACTIVE_SVGS))
def test_active_svg_is_reported_at_its_line_and_never_served_or_packaged(site, app_config, kind):
    course, _sibling, _instance = site
    _load_first(course)
    text, line, words = ACTIVE_SVGS[kind]
    (course.path / "media" / "map.svg").write_bytes(text.encode("utf-16" if kind == "utf-16" else "utf-8"))
    problems = [str(p) for p in check_courses(course.root)]
    culprit = course.path / "media" / "map.svg"
    assert any(p.startswith(f"{culprit}:{line}: ") and words in p for p in problems), problems
    assert load_library(course.root).get(course.id) is None
    assert _client(app_config).get(f"/courses/{course.id}/media/map.svg").status_code == 404
    with pytest.raises(REFUSED):
        export_course(_as_loaded(course), "en", "scorm2004")


@pytest.mark.parametrize("name", ["page.html", "page.htm", "page.xhtml", "data.xml", "run.js", "icon.svgz"])
def test_html_and_other_active_files_are_refused_in_media(site, app_config, name):
    course, _sibling, _instance = site
    _load_first(course)
    culprit = course.path / "media" / name
    culprit.write_text("<script>alert(document.cookie)</script>")
    _assert_refused_everywhere(app_config, course, culprit, "not allowed in media/", name)


def test_plain_svg_from_drawing_tools_still_loads_serves_and_packages(site, app_config):
    course, _sibling, _instance = site
    drawing = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
        ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" viewBox="0 0 10 10" role="img">\n'
        "<!-- drawn by hand -->\n"
        "<title>A map</title><metadata><rdf:RDF><rdf:Description/></rdf:RDF></metadata>\n"
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>'
        "<style>rect { fill: url(#g); }</style></defs>\n"
        '<g inkscape:label="Layer 1"><rect id="r" width="10" height="10" style="stroke: url(\'#g\')"/>'
        '<use xlink:href="#r"/><a href="#r"><text>x</text></a>'
        '<image href="data:image/png;base64,iVBORw0KGgo="/></g>\n'
        "</svg>\n"
    )
    (course.path / "media" / "map.svg").write_text(drawing)
    (course.path / "media" / "notes.txt").write_text("plain text")
    assert check_courses(course.root) == []
    client = _client(app_config)
    assert client.get(f"/courses/{course.id}/media/map.svg").get_data() == drawing.encode()
    assert client.get(f"/courses/{course.id}/media/notes.txt").mimetype == "text/plain"
    package = zipfile.ZipFile(io.BytesIO(export_course(load_course(course.path), "en", "scorm12")))
    assert package.read("media/map.svg") == drawing.encode()
    assert package.read("media/notes.txt") == b"plain text"


def test_hidden_files_in_media_are_neither_served_nor_packaged(site, app_config):
    course, _sibling, _instance = site
    (course.path / "media" / ".env").write_text(INSTANCE_SECRET)
    client = _client(app_config)
    assert client.get(f"/courses/{course.id}/media/.env").status_code == 404
    package = zipfile.ZipFile(io.BytesIO(export_course(load_course(course.path), "en", "scorm12")))
    assert not any(name.endswith(".env") for name in package.namelist())
    assert not any(INSTANCE_SECRET.encode() in package.read(name) for name in package.namelist())


# Instance data stays out of every served folder -------------------------------------------------------------


@pytest.mark.parametrize("where", ["instance", "database", "outbox"])
def test_the_site_refuses_to_start_with_instance_data_inside_the_courses_folder(site, app_config, where):
    course, _sibling, _instance = site
    inside = course.root / "private"
    if where == "instance":
        app_config["INSTANCE_PATH"] = str(inside)
    elif where == "database":
        app_config["DATABASE_URL"] = f"sqlite:///{inside / 'site.sqlite3'}"
    else:
        app_config["MAIL_FILE_PATH"] = str(inside / "outbox")
    with pytest.raises(UnsafeLayout, match="inside COURSES_DIR"):
        create_app(app_config)


def test_stamping_a_translation_replaced_by_a_link_never_writes_through_it(course_dir, tmp_path):
    from learn_habitat.content.translations import stamp_translations

    course_dir.write_lesson("welcome", "## Pourquoi\n\nTexte.\n", language="fr")
    course = load_course(course_dir.path)
    victim = tmp_path / "victim.md"
    original = "---\ntitle: Not a lesson\n---\nprecious\n"
    victim.write_text(original)
    lesson = course_dir.path / "fr" / "welcome.md"
    lesson.unlink()
    lesson.symlink_to(victim)
    with pytest.raises(UnsafeCourseFile, match="symbolic link"):
        stamp_translations(course, ["fr"])
    assert victim.read_text() == original
