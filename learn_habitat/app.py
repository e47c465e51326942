"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from learn_habitat import course_library, errors, i18n
from learn_habitat.config import apply_config
from learn_habitat.extensions import babel, db, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def build_app(config=None) -> Flask:
    """Create and configure the app: settings, extensions, courses, blueprints."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("LEARN_HABITAT_INSTANCE_PATH")
    app = Flask("learn_habitat", instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    apply_config(app, config)

    db.init_app(app)
    # Batch mode lets migrations alter tables on SQLite too.
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    course_library.init_app(app)
    errors.init_app(app)

    from learn_habitat.catalog.routes import blueprint as catalog
    from learn_habitat.ops.routes import blueprint as ops

    app.register_blueprint(ops)
    app.register_blueprint(catalog)
    return app
