"""Parts of pages rendered once and reused (learn_habitat/fragments.py): never one visitor's page for another,
never a value of the request inside the cached text, never an older course after a live update."""

from __future__ import annotations

import re

import pytest
from jinja2 import ChoiceLoader, DictLoader, UndefinedError

from learn_habitat.course_library import live_library
from learn_habitat.fragments import EXTENSION_KEY, fragment
from tests.conftest import make_user

LESSON = "/courses/adequate-housing/seven-elements-of-adequacy"


def _add_templates(app, templates: dict) -> None:
    app.jinja_loader = ChoiceLoader([DictLoader(templates), app.jinja_loader])


@pytest.mark.parametrize(
    "source",
    [
        "{{ current_user.name }}",
        "{{ request.path }}",
        "{{ session.get('x') }}",
        "{{ csrf_token() }}",
        "{{ get_flashed_messages() }}",
        "{{ config.SECRET_KEY }}",
    ],
)
def test_a_fragment_cannot_read_the_request_or_the_visitor(app, source):
    _add_templates(app, {"probe.html": source})
    with app.test_request_context("/"), pytest.raises(UndefinedError):
        fragment({}, "probe.html")


def test_slots_are_filled_per_use_and_escaped(app):
    _add_templates(
        app, {"probe.html": '<input value="{{ slot.token }}"><a href="{{ slot.next }}">{{ word }}</a>'}
    )
    cache = app.extensions[EXTENSION_KEY]
    with app.test_request_context("/"):
        first = cache.render("probe.html", ("k",), {"word": "<b>"}, {"token": "a", "next": '/x?"><script>'})
        second = cache.render(
            "probe.html", ("k",), {"word": "ignored: same key"}, {"token": "b", "next": "/y"}
        )
    assert first == '<input value="a"><a href="/x?&#34;&gt;&lt;script&gt;">&lt;b&gt;</a>'
    assert second == '<input value="b"><a href="/y">&lt;b&gt;</a>'  # rendered once, slots filled again
    assert "\x00" not in first + second


def _header(html: str) -> str:
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def test_each_kind_of_visitor_gets_its_own_header(app, client, auth):
    make_user(app, "author@example.org", "Ann Author", role="author")
    make_user(app)
    guest = _header(client.get("/").get_data(as_text=True))
    auth.login()
    learner = client.get("/").get_data(as_text=True)
    learner_token = re.search(r'name="csrf_token" value="([^"]+)"', _header(learner)).group(1)
    auth.logout()
    auth.login("author@example.org")
    author = client.get("/").get_data(as_text=True)
    author_token = re.search(r'name="csrf_token" value="([^"]+)"', _header(author)).group(1)
    assert "Sign in" in guest and "Sign out" not in guest
    assert "Sign out" in _header(learner) and "Reports" not in _header(learner)
    assert "Sign out" in _header(author) and "Reports" in _header(author)
    assert learner_token != author_token  # each session's own token, filled into the same cached header


def test_the_language_form_returns_to_this_page_with_its_query(app, client):
    html = client.get("/search?q=%22%3E%3Cscript%3E").get_data(as_text=True)
    assert 'name="next" value="/search?q=%22%3E%3Cscript%3E"' in html
    html = client.get("/courses/adequate-housing/").get_data(as_text=True)
    assert 'name="next" value="/courses/adequate-housing/"' in html


def test_a_lesson_is_shown_in_the_language_of_each_request(app, client, learner, shipped_library):
    from learn_habitat.accounts.models import User
    from learn_habitat.extensions import db
    from learn_habitat.learning import services

    with app.app_context():
        services.enrol(db.session.get(User, learner), shipped_library.get("adequate-housing"))
        db.session.commit()
    english = client.get(LESSON).get_data(as_text=True)
    client.post("/language", data={"language": "fr", "next": LESSON})
    french = client.get(LESSON).get_data(as_text=True)
    assert 'aria-label="Previous and next lesson"' in english
    assert 'aria-label="Leçon précédente et leçon suivante"' in french
    assert "Se déconnecter" in french and "Se déconnecter" not in english


def test_a_published_course_replaces_the_rendered_lessons(app_config, course_dir, tmp_path):
    from learn_habitat import create_app

    app_config.update(COURSES_DIR=str(course_dir.root), COURSE_LIBRARY=None, COURSE_CACHE=False)
    app = create_app(app_config)
    client = app.test_client()
    path = f"/courses/{course_dir.id}/welcome"
    before = client.get(path).get_data(as_text=True)
    assert "Now read" not in before
    course_dir.replace("en/welcome.md", "Read", "Now read")
    library = live_library(app)
    library.publish(library.refresh().library)
    after = client.get(path).get_data(as_text=True)
    assert "Now read" in after
    with app.app_context():
        from learn_habitat.extensions import db

        db.engine.dispose()
