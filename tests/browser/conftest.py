"""A live server on 127.0.0.1 and a real headless Chromium driven by Playwright."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from learn_habitat import create_app
from learn_habitat.extensions import db


@pytest.fixture
def live_app(app_config):
    """The app on a fresh database, served over HTTP on a free local port."""
    app_config["DATABASE_URL"] = app_config["DATABASE_URL"]
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = app.config["LIVE_URL"]  # mailed links and certificates point at this server
    yield app
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def page(browser, live_app):
    """A fresh browser tab with its own cookies; no request may leave 127.0.0.1."""
    context = browser.new_context(
        base_url=live_app.config["LIVE_URL"], viewport={"width": 420, "height": 900}
    )
    outside = []
    context.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(("http://127.0.0.1", "data:")) else None
        ),
    )
    tab = context.new_page()
    yield tab
    context.close()
    assert outside == [], f"requests left the machine: {outside}"
