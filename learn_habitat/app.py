"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from learn_habitat import course_library, errors, fragments, i18n, lti, urls
from learn_habitat.accounts import auth as accounts_auth
from learn_habitat.config import apply_config
from learn_habitat.database import MIGRATIONS_DIR, render_migration_item, track_writes
from learn_habitat.extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def build_app(config=None) -> Flask:
    """Create and configure the app: settings, extensions, courses, blueprints."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("LEARN_HABITAT_INSTANCE_PATH")
    app = Flask("learn_habitat", instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    apply_config(app, config)

    if app.config["PROXY_FIX_X_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    with app.app_context():
        track_writes(db.engine)  # creates the engine object only; it connects at first use
    # Batch mode lets migrations alter tables on SQLite too.
    migrate.init_app(
        app, db, directory=MIGRATIONS_DIR, render_as_batch=True, render_item=render_migration_item
    )
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    accounts_auth.init_app(app, login_manager)
    i18n.init_app(app)
    urls.init_app(app)
    course_library.init_app(app)
    fragments.init_app(app)
    errors.init_app(app)

    from learn_habitat.accounts.routes import blueprint as accounts
    from learn_habitat.admin.routes import blueprint as admin
    from learn_habitat.api.routes import blueprint as api
    from learn_habitat.catalog.routes import blueprint as catalog
    from learn_habitat.learning.routes import blueprint as learning
    from learn_habitat.ops.routes import blueprint as ops
    from learn_habitat.privacy.routes import blueprint as privacy
    from learn_habitat.search.routes import blueprint as search
    from learn_habitat.site import routes as site
    from learn_habitat.tools.routes import blueprint as tools

    _version_static_urls(app)
    site.init_app(app)
    for blueprint in (ops, catalog, learning, tools, accounts, privacy, search, admin, api, site.blueprint):
        app.register_blueprint(blueprint)
    # The API authenticates with bearer tokens, never cookies, so cross-site forms cannot use it.
    csrf.exempt(api)
    if app.config["PREVIEW"]:
        from learn_habitat import preview

        preview.init_app(app)
    lti.init_app(app)
    return app


def _version_static_urls(app: Flask) -> None:
    """Static URLs carry a hash of the file (``site.css?v=1a2b3c4d``), so browsers may keep them a year
    and still fetch a new version the moment it changes: no revalidation round trip on every page."""
    import hashlib
    from functools import lru_cache

    @lru_cache(maxsize=64)
    def fingerprint(filename: str) -> str | None:
        path = Path(app.static_folder) / filename
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else None

    @app.url_defaults
    def add_static_version(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(values["filename"])
            if version:
                values["v"] = version
