"""Parts of pages rendered once and reused: the site's header and footer for one kind of visitor in one
language, a lesson's navigation and text in one language.

Most of a lesson page is the same for everyone who reads that lesson in that language; rendering it on every
request was most of the page's cost. A fragment is a template rendered *without the request*: its context
holds only what the caller passes (which its key must determine) and the site-wide globals (``url_for``,
``_``, filters); the per-request names (``request``, ``session``, ``current_user``, ``csrf_token``, ...) are
not defined there, and using one is an error (StrictUndefined), so a fragment cannot leak one visitor's page
to another. Values that change per request (the CSRF token, the current path) enter through *slots*: the
fragment is rendered once with a marker in their place, and each use replaces the marker with the escaped
value.

The cache belongs to one app and one course library: when a new library is published (live course updates),
the fragments rendered from the old one are dropped before the first request that reads the new one.
"""

from __future__ import annotations

from flask import current_app
from jinja2 import StrictUndefined, pass_context
from markupsafe import Markup, escape

from learn_habitat.content import text_direction
from learn_habitat.course_library import current_library
from learn_habitat.i18n import current_language

EXTENSION_KEY = "learn_habitat.fragments"
# Names a fragment must not see: they belong to one request or one visitor.
PER_REQUEST_GLOBALS = frozenset(
    {"request", "session", "g", "current_user", "csrf_token", "get_flashed_messages", "config"}
)
MAX_ENTRIES = 4096  # about 40 MB at the worst; cleared when full (a course library rarely needs 1,000)


def _marker(name: str) -> str:
    # NUL never occurs in a rendered template, so a marker cannot collide with content.
    return f"\x00slot:{name}\x00"


class FragmentCache:
    """Rendered fragments of one app, keyed by (template, language, the caller's key)."""

    def __init__(self, app, max_entries: int = MAX_ENTRIES):
        self._app = app
        self._environment = None  # made at first use, once every blueprint has added its globals
        self._library = None
        self._entries: dict[tuple, str] = {}
        self.max_entries = max_entries

    def _jinja(self):
        if self._environment is None:
            environment = self._app.jinja_env.overlay(undefined=StrictUndefined)
            environment.globals = {
                name: value
                for name, value in self._app.jinja_env.globals.items()
                if name not in PER_REQUEST_GLOBALS
            }
            self._environment = environment
        return self._environment

    def render(
        self, template: str, key: tuple, context: dict, slots: dict | None = None, language: str | None = None
    ) -> Markup:
        """``template`` rendered with ``context`` (once per ``key`` and page language), its slots filled."""
        library = current_library()
        if library is not self._library:  # a new library was published: nothing rendered before applies
            self._entries.clear()
            self._library = library
        language = language or current_language()
        entry_key = (template, language, key)
        html = self._entries.get(entry_key)
        if html is None:
            markers = {name: Markup(_marker(name)) for name in slots or ()}
            html = (
                self._jinja()
                .get_template(template)
                .render(
                    context, page_language=language, page_direction=text_direction(language), slot=markers
                )
            )
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[entry_key] = html
        for name, value in (slots or {}).items():
            html = html.replace(_marker(name), str(escape(value)))
        return Markup(html)


@pass_context
def fragment(page_context, template: str, *key, slots: dict | None = None, **context) -> Markup:
    """Template global: ``{{ fragment("learning/_lesson_text.html", course.id, lesson.id, lesson=lesson) }}``.

    The positional arguments are the key: everything in ``context`` must follow from them and the page
    language (the course library is part of every key already).
    """
    return current_app.extensions[EXTENSION_KEY].render(
        template, key, context, slots, page_context.get("page_language")
    )


def init_app(app) -> None:
    """Give templates ``fragment(...)``."""
    app.extensions[EXTENSION_KEY] = FragmentCache(app)
    app.add_template_global(fragment, "fragment")
