"""The site's identity on every page (name, logo, colours, footer links) and its own pages."""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, render_template
from flask_babel import lazy_gettext as _l

from learn_habitat.i18n import current_language
from learn_habitat.site import pages
from learn_habitat.site.identity import SiteIdentity, load_identity

blueprint = Blueprint("site", __name__)

PAGE_TITLES = {
    "about": _l("About"),
    "contact": _l("Contact"),
    "privacy": _l("Privacy"),
    "terms": _l("Terms of use"),
}
# Logo and theme are versioned by content: cached for a year, refetched the moment they change.
ASSET_MAX_AGE = 365 * 24 * 3600


def current_identity() -> SiteIdentity:
    """The identity checked when the app started."""
    return current_app.extensions["site_identity"]


def init_app(app) -> None:
    """Check the identity settings (refusing to start on an unusable logo) and offer them to templates."""
    identity = load_identity(app.config, app.instance_path)
    app.extensions["site_identity"] = identity
    if not app.config.get("SITE_PAGES_DIR"):
        app.config["SITE_PAGES_DIR"] = pages.default_pages_dir()
    logo_version = hashlib.sha256(identity.logo_svg).hexdigest()[:10] if identity.logo_svg else None
    theme_version = hashlib.sha256(identity.theme_css().encode()).hexdigest()[:10]

    @app.context_processor
    def identity_context():
        return {
            "site": identity,
            "site_logo_version": logo_version,
            "site_theme_version": theme_version if identity.custom_colours else None,
            "site_pages": PAGE_TITLES,
        }


@blueprint.get("/<any(about, contact, privacy, terms):slug>")
def page(slug):
    """About, contact, privacy or terms, in the page language or else in English (with a notice)."""
    try:
        found = pages.find_page(current_app.config["SITE_PAGES_DIR"], slug, current_language())
    except pages.PageNotFound:
        abort(404)
    return render_template("site/page.html", page=found, title=PAGE_TITLES[slug])


@blueprint.get("/site/logo.svg")
def logo():
    """The configured logo, served so that it can never run script in our origin."""
    identity = current_identity()
    if identity.logo_svg is None:
        abort(404)
    response = current_app.response_class(identity.logo_svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    return response


@blueprint.get("/site/theme.css")
def theme():
    """The configured colours as CSS custom properties (the site's CSP forbids inline styles)."""
    response = current_app.response_class(current_identity().theme_css(), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    return response
