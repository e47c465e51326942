"""Settings: secret key kept in instance/, database URLs, environment overrides."""

from __future__ import annotations

import os

from learn_habitat import create_app
from learn_habitat.config import database_url


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path / "instance")}
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert first == second == key_file.read_text()
    assert len(first) >= 64
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARN_HABITAT_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("LEARN_HABITAT_SESSION_COOKIE_SECURE", "true")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == f"sqlite:///{tmp_path / 'instance' / 'learn_habitat.sqlite3'}"
    )


def test_postgresql_urls_use_psycopg_3():
    assert database_url("postgresql://u@h/db", "/i") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db", "/i") == "postgresql+psycopg://u@h/db"
    assert database_url("mysql://u@h/db", "/i") == "mysql://u@h/db"


def test_session_cookie_defaults_are_safe(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
