"""Absolute URLs, built from the configured PUBLIC_URL and never from the request's Host header."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def public_root() -> str:
    """The site's public address without a trailing slash, e.g. ``https://learn.example.org``."""
    return current_app.config["PUBLIC_URL"]


def external_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL on PUBLIC_URL, whatever Host the request named."""
    app = current_app._get_current_object()
    parts = urlsplit(public_root())
    anchor = values.pop("_anchor", None)
    app.inject_url_defaults(endpoint, values)
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def init_app(app) -> None:
    """Offer ``external_url`` to templates, in place of url_for's external form (which trusts the Host)."""
    app.jinja_env.globals["external_url"] = external_url
