"""Short load and fault runs for CI: simulated learners against a real gunicorn lose no progress, and a
database outage gives clean 503s, then the site recovers by itself.

Each run is ``python -m loadtest.run`` in a subprocess: locust patches the standard library with gevent,
so it never enters this process. The long form is ``make loadtest`` (see loadtest/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
POSTGRESQL_URL = os.environ.get("LEARN_HABITAT_TEST_DATABASE_URL")
LEARNERS = "20"
# Seconds. A run is about 30 s: 5 s to set up, 5-10 s of sign-up (password hashing), 15 s of load,
# a few seconds to stop; several times that on a busy machine.
RUN_TIMEOUT = 240


def run_load(tmp_path: Path, *arguments: str) -> dict:
    """Run the load test; return its report, or fail with its whole output."""
    report = tmp_path / "report.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "loadtest.run", "--users", LEARNERS, "--report", str(report), *arguments],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.terminate()  # the runner then stops gunicorn and locust and drops its database
        try:
            output, _ = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        pytest.fail(f"the load test did not finish in {RUN_TIMEOUT} s:\n{output}")
    assert process.returncode == 0, f"the load test failed (exit {process.returncode}):\n{output}"
    return json.loads(report.read_text(encoding="utf-8"))


def postgresql_url() -> str:
    """The PostgreSQL server the suite uses, or skip when there is none."""
    if not POSTGRESQL_URL:
        pytest.skip(
            "PostgreSQL runs need LEARN_HABITAT_TEST_DATABASE_URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test; .ci/run sets it when the server answers)"
        )
    import psycopg

    try:
        psycopg.connect(POSTGRESQL_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        pytest.skip(f"PostgreSQL at {POSTGRESQL_URL} does not answer: {error}")
    return POSTGRESQL_URL


def assert_nothing_lost(report: dict) -> None:
    progress = report["progress"]
    assert report["violations"] == []
    assert progress["views_acknowledged"] > 0, "no learner got as far as a lesson"
    assert progress["progress_rows_found"] == progress["progress_rows_expected"]
    assert progress["attempts_found"] == progress["attempts_expected"]
    assert progress["duplicate_rows"] == 0


def test_twenty_learners_on_sqlite_get_no_5xx_and_lose_no_progress(tmp_path):
    report = run_load(tmp_path, "--duration", "15", "--database", "sqlite")
    assert_nothing_lost(report)
    assert not any(status.startswith("5") for status in report["traffic"]["statuses"])


def test_twenty_learners_on_postgresql_get_no_5xx_and_lose_no_progress(tmp_path):
    url = postgresql_url()
    report = run_load(tmp_path, "--duration", "15", "--database", "postgresql", "--postgresql-url", url)
    assert_nothing_lost(report)
    assert not any(status.startswith("5") for status in report["traffic"]["statuses"])


def test_a_database_outage_answers_503_and_the_site_recovers_by_itself(tmp_path):
    url = postgresql_url()
    report = run_load(
        tmp_path,
        "--duration",
        "15",
        "--database",
        "postgresql",
        "--postgresql-url",
        url,
        "--outage",
        "--outage-seconds",
        "3",
    )
    assert_nothing_lost(report)
    seen = report["traffic"]["outage"]
    assert seen["clean_503s_api"] + seen["clean_503s_page"] > 0
    assert seen["database_successes_after_restore"] > 0
    assert "500" not in report["traffic"]["statuses"]


def test_a_connection_dropped_after_the_view_ran_still_gets_its_answer(tmp_path):
    """Deterministic form of a failure the outage run meets by chance: the database drops the connection
    between the view's last query and the end of the request. The account is saved, so the answer must be
    its 201, not a 500."""
    import psycopg
    from sqlalchemy.engine import make_url

    from learn_habitat import create_app
    from learn_habitat.extensions import db

    server = make_url(postgresql_url())
    name = f"learn_habitat_fault_{uuid.uuid4().hex[:10]}"
    admin = psycopg.conninfo.make_conninfo(
        host=server.host or "127.0.0.1",
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        dbname=server.database,
    )
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        app = create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "test-secret-key",
                "DATABASE_URL": server.set(database=name).render_as_string(hide_password=False),
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            db.create_all()

        @app.after_request
        def drop_the_connection(response):
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
            return response

        try:
            response = app.test_client().post(
                "/api/v1/users",
                json={
                    "email": "kofi@example.org",
                    "name": "Kofi Mensah",
                    "password": "a long enough password",
                },
            )
        finally:
            with app.app_context():
                db.engine.dispose()
        # Sign-up is accepted; the account is recorded off the request path.
        assert response.status_code == 202
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
