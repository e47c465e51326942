"""A guarded start: ``serve`` refuses a database whose schema is behind the code, and ``/readyz`` tells a
load balancer whether this server can do its work (``/healthz`` only says the process is up)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask_migrate import downgrade, upgrade

from learn_habitat import create_app
from learn_habitat.cli import main
from learn_habitat.database import migration_heads
from learn_habitat.extensions import db


@pytest.fixture
def blank_database(app_config):
    """The test database with no tables and no migration applied."""
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()
    yield app
    with app.app_context():
        downgrade(revision="base")
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()


def _serve(app_config, monkeypatch):
    """Run ``learn-habitat serve`` against the test database; gunicorn must never be reached."""
    import learn_habitat.wsgi_server

    def started(*args, **kwargs):
        raise AssertionError("the server started")

    monkeypatch.setattr(learn_habitat.wsgi_server, "run_gunicorn", started)
    monkeypatch.setenv("LEARN_HABITAT_INSTANCE_PATH", app_config["INSTANCE_PATH"])
    monkeypatch.setenv("LEARN_HABITAT_DATABASE_URL", app_config["DATABASE_URL"])
    monkeypatch.setenv("LEARN_HABITAT_COURSES_DIR", app_config["COURSES_DIR"])
    return CliRunner().invoke(main, ["serve", "--port", "1"])


def test_serve_refuses_a_database_that_was_never_upgraded(blank_database, app_config, monkeypatch):
    result = _serve(app_config, monkeypatch)
    assert result.exit_code == 2
    assert "learn-habitat db upgrade" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_serve_refuses_a_schema_one_migration_behind(blank_database, app_config, monkeypatch):
    with blank_database.app_context():
        upgrade()
        downgrade(revision="-1")
        db.engine.dispose()
    result = _serve(app_config, monkeypatch)
    assert result.exit_code == 2
    assert "behind" in result.output and "learn-habitat db upgrade" in result.output


def test_serve_refuses_an_unreachable_database(app_config, tmp_path, monkeypatch):
    app_config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    result = _serve(app_config, monkeypatch)
    assert result.exit_code == 2
    assert "cannot reach the database" in result.output


def test_serve_starts_on_an_upgraded_database(blank_database, app_config, monkeypatch):
    with blank_database.app_context():
        upgrade()
        db.engine.dispose()
    result = _serve(app_config, monkeypatch)
    assert isinstance(result.exception, AssertionError) and "the server started" in str(result.exception)


def test_readiness_is_200_on_a_healthy_server(blank_database):
    with blank_database.app_context():
        upgrade()
    response = blank_database.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "schema": "ok", "courses": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readiness_is_503_on_a_schema_behind_the_code(blank_database):
    with blank_database.app_context():
        upgrade()
        downgrade(revision="-1")
    response = blank_database.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["schema"].startswith("behind")
    assert body["checks"]["database"] == "ok"


def test_readiness_is_503_when_the_database_is_down_while_liveness_stays_200(app_config, tmp_path):
    app_config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    client = create_app(app_config).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unreachable"
    assert client.get("/healthz").status_code == 200


def test_readiness_is_503_without_any_course(blank_database, app_config, tmp_path):
    with blank_database.app_context():
        upgrade()
        db.engine.dispose()
    (tmp_path / "no-courses").mkdir()
    app_config.update(COURSE_LIBRARY=None, COURSES_DIR=str(tmp_path / "no-courses"))
    app = create_app(app_config)
    response = app.test_client().get("/readyz")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert response.get_json()["checks"]["courses"] == "none loaded"


def test_the_code_has_exactly_one_migration_head():
    assert len(migration_heads()) == 1


def test_serve_builds_the_app_once_and_hands_the_checked_app_to_gunicorn(
    blank_database, app_config, monkeypatch
):
    import learn_habitat.cli
    import learn_habitat.wsgi_server
    from learn_habitat.wsgi_server import _Server

    with blank_database.app_context():
        upgrade()
        db.engine.dispose()
    built, handed = [], {}
    monkeypatch.setattr(learn_habitat.cli, "create_app", lambda: built.append(create_app()) or built[-1])
    monkeypatch.setattr(
        learn_habitat.wsgi_server, "run_gunicorn", lambda bind, workers, **kw: handed.update(kw)
    )
    monkeypatch.setenv("LEARN_HABITAT_INSTANCE_PATH", app_config["INSTANCE_PATH"])
    monkeypatch.setenv("LEARN_HABITAT_DATABASE_URL", app_config["DATABASE_URL"])
    monkeypatch.setenv("LEARN_HABITAT_COURSES_DIR", app_config["COURSES_DIR"])
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 0, result.output
    assert len(built) == 1 and handed == {"app": built[0], "live_updates": True}
    assert _Server({"bind": "127.0.0.1:1"}, built[0]).wsgi() is built[0]  # gunicorn's load() builds nothing
