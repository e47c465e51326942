"""The catalogue, course and lesson pages through Flask's test client."""

from __future__ import annotations

import logging
import re

import markdown
import pytest

from learn_habitat import create_app
from tests.conftest import CourseFolder


def test_catalogue_lists_the_three_courses(client):
    page = client.get("/").get_data(as_text=True)
    for title in ("The New Urban Agenda", "Monitoring SDG 11", "Adequate housing"):
        assert title in page
    assert '<html lang="en" dir="ltr">' in page


def test_course_page_shows_the_outline_with_times(app, client):
    from learn_habitat.course_library import current_library

    with app.app_context():
        course = current_library().get("new-urban-agenda")
    page = client.get("/courses/new-urban-agenda/").get_data(as_text=True)
    for module in course.modules:
        assert course.module_title(module, "en") in page
        for lesson_id in module.lesson_ids:
            assert f'href="/courses/new-urban-agenda/{lesson_id}"' in page
    assert "min" in page


def test_course_url_without_slash_redirects(client):
    response = client.get("/courses/new-urban-agenda")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/courses/new-urban-agenda/")


def test_lesson_pages_link_previous_and_next_in_course_order(app, client, admin):
    from learn_habitat.course_library import current_library

    with app.app_context():
        course = current_library().get("monitoring-sdg-11")
    order = course.lesson_ids
    for index, lesson_id in enumerate(order):
        page = client.get(f"/courses/monitoring-sdg-11/{lesson_id}").get_data(as_text=True)
        assert page.count("<h1") == 1
        previous = re.search(r'<a class="pager-prev" rel="prev" href="([^"]+)"', page)
        following = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', page)
        if index == 0:
            assert previous is None
        else:
            assert previous.group(1) == f"/courses/monitoring-sdg-11/{order[index - 1]}"
        if index == len(order) - 1:
            assert following is None
        else:
            assert following.group(1) == f"/courses/monitoring-sdg-11/{order[index + 1]}"


def test_walking_rel_next_visits_every_lesson(client, admin):
    url, visited = "/courses/adequate-housing/housing-as-a-human-right", []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        visited.append(url.rsplit("/", 1)[1])
        match = re.search(r'rel="next" href="([^"]+)"', response.get_data(as_text=True))
        url = match.group(1) if match else None
    assert len(visited) >= 6
    assert len(set(visited)) == len(visited)


def test_unknown_course_and_lesson_get_a_styled_404(client):
    for url in ("/courses/no-such-course/", "/courses/new-urban-agenda/no-such-lesson", "/nowhere"):
        response = client.get(url)
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "Page not found" in page
        assert "/static/css/site.css" in page


def test_media_is_served_and_cannot_run_scripts(app, client):
    from learn_habitat.course_library import current_library

    with app.app_context():
        course = current_library().get("adequate-housing")
    html = " ".join(course.lesson(lid, "en").html for lid in course.lesson_ids)
    src = re.search(r'src="(media/[^"]+)"', html).group(1)
    with client.get(f"/courses/adequate-housing/{src}") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.get_data().startswith(b"<svg")
    assert client.get("/courses/adequate-housing/media/../course.yaml").status_code == 404


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"


def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_make_no_external_requests(client):
    for url in ("/", "/courses/new-urban-agenda/", "/courses/new-urban-agenda/from-vancouver-to-quito"):
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', page.replace('href="https://', "EXTERNAL_LINK")), (
            url
        )
        stylesheet_and_scripts = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', page)
        # Our own files, or an inline data: URL (the empty icon that spares a /favicon.ico request).
        assert all(url.startswith(("/static/", "data:")) for url in stylesheet_and_scripts)


def test_serving_a_lesson_does_not_parse_markdown(client, admin, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("Markdown was parsed while serving a request")

    monkeypatch.setattr(markdown.Markdown, "convert", refuse)
    assert client.get("/courses/new-urban-agenda/vision-and-principles").status_code == 200


def test_a_broken_course_does_not_take_the_site_down(app_config, tmp_path, caplog):
    root = tmp_path / "site-courses"
    CourseFolder(root, "good-course")
    broken = CourseFolder(root, "bad-course")
    broken.replace("course.yaml", "  en: Demo course", "  en: [unclosed")
    app_config["COURSES_DIR"] = str(root)
    app_config["COURSE_LIBRARY"] = None
    with caplog.at_level(logging.WARNING):
        app = create_app(app_config)
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/courses/good-course/welcome").status_code == 200  # first lesson: open to guests
    assert client.get("/courses/bad-course/").status_code == 404
    assert any("bad-course/course.yaml" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "path", ["/", "/courses/adequate-housing/", "/courses/adequate-housing/housing-finance"]
)
def test_pages_have_one_h1_a_skip_link_and_a_viewport(client, admin, path):
    page = client.get(path).get_data(as_text=True)
    assert page.count("<h1") == 1
    assert 'href="#main"' in page
    assert 'name="viewport"' in page


def test_static_files_have_fingerprinted_urls_and_long_cache_lifetimes(client):
    page = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/static/css/site\.css\?v=[0-9a-f]{10}", href)
    with client.get(href) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
