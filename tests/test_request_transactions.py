"""How a request's transaction ends (learn_habitat.database.end_transaction): a COMMIT when it only read, so
that PostgreSQL keeps the connection's prepared statements across requests; a ROLLBACK otherwise, so that
nothing a request did not commit is ever kept."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from learn_habitat.accounts.models import User
from learn_habitat.admin import audit
from learn_habitat.admin.models import AuditEvent
from learn_habitat.extensions import db
from tests.conftest import make_user


@pytest.fixture
def endings(app):
    """Every COMMIT and ROLLBACK the app's engine sends, in order."""
    found: list[str] = []
    with app.app_context():
        engine = db.engine
    listeners = {
        "commit": lambda _conn: found.append("commit"),
        "rollback": lambda _conn: found.append("rollback"),
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield found
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


def _route(app, rule, view):
    app.add_url_rule(rule, view.__name__, view)


def _count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_a_request_that_only_read_ends_with_a_commit(app, client, learner, endings):
    assert client.get("/dashboard").status_code == 200
    assert endings[-1:] == ["commit"]


def test_a_request_that_wrote_without_committing_is_rolled_back(app, endings):
    def write_and_forget():
        audit.record(None, "probe", "x")
        db.session.flush()  # written to the database, in a transaction never committed
        return "written, not committed"

    _route(app, "/probe/write", write_and_forget)
    assert app.test_client().get("/probe/write").status_code == 200
    assert endings[-1:] == ["rollback"]
    with app.app_context():
        probes = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "probe")
        assert db.session.scalar(probes) == 0


def test_unflushed_changes_are_not_committed_by_the_ending(app, endings):
    make_user(app)
    before = _count_users(app)

    def add_and_forget():
        db.session.scalar(select(User))  # a read, then a change left in the session, never flushed
        db.session.add(User(email="ghost@example.org", name="Ghost", password_hash="x", language="en"))
        return "added, not flushed"

    _route(app, "/probe/add", add_and_forget)
    assert app.test_client().get("/probe/add").status_code == 200
    assert endings[-1:] == ["rollback"]
    assert _count_users(app) == before


def test_a_request_that_failed_is_rolled_back(app, endings):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def read_then_fail():
        db.session.scalar(select(User))
        raise RuntimeError("boom")

    _route(app, "/probe/fail", read_then_fail)
    assert app.test_client().get("/probe/fail").status_code == 500
    assert endings[-1:] == ["rollback"]


def test_postgresql_keeps_prepared_statements_across_requests(app, client, learner, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are PostgreSQL's (psycopg prepares a query run five times)")
    for _ in range(8):
        assert client.get("/dashboard").status_code == 200
    with app.app_context():
        prepared = db.session.scalar(select(func.count()).select_from(db.text("pg_prepared_statements")))
    assert prepared > 0
