"""The baseline: the cheapest signed-in, database-backed page Flask can serve, for the pages' ratios.

A tiny app of its own (Flask + Flask-SQLAlchemy + Flask-Login, no learn-habitat code): the user is loaded
through Flask-Login from a server-side session row (``user_session`` joined to the user by the hash of the
session key, with an age limit, as learn-habitat's user loader does), then the page runs one indexed query
(the learner's row for the course, by a unique index) and renders a Jinja template of the same size as the
lesson page (the lesson's HTML inside a layout with a header, navigation and footer). Whatever a
learn-habitat page costs beyond this is the site's own work.

``python -m bench.baseline --port N`` serves it with gunicorn exactly as ``learn-habitat serve`` does (same
options, same default workers) on ``BASELINE_DATABASE_URL``; the throughput section starts it so.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from datetime import UTC, datetime, timedelta

# At module level: the models' annotations (strings, see __future__) are resolved here.
from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BODY_ENV = "BASELINE_BODY_FILE"  # the HTML the page shows (the lesson's), written by the bench
DATABASE_ENV = "BASELINE_DATABASE_URL"
SESSION_MAX_AGE = timedelta(days=30)
PATH = "/page"

TEMPLATE = """<!doctype html>
<html lang="{{ language }}" dir="ltr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }} · Baseline</title>
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <a class="skip" href="#main">Skip to content</a>
  <header class="site-header">
    <a class="brand" href="/">Baseline</a>
    <nav aria-label="Main"><ul>
      <li><a href="/">Courses</a></li><li><a href="/dashboard">My courses</a></li>
      <li><span>{{ current_user.name }}</span></li>
    </ul></nav>
  </header>
  <main id="main">
    <nav class="breadcrumbs"><ol><li><a href="/">Courses</a></li><li>{{ row.course_id }}</li></ol></nav>
    <article class="lesson">
      <header><h1>{{ title }}</h1><p class="meta">Last activity {{ row.last_activity_at }}</p></header>
      <div class="lesson-body">{{ body|safe }}</div>
    </article>
  </main>
  <footer class="site-footer"><p>Signed in as {{ current_user.email }}</p></footer>
</body>
</html>
"""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_app(database_url: str | None = None, body: str | None = None):
    """The baseline app on ``database_url`` (else ``BASELINE_DATABASE_URL``); tables created if missing."""
    from flask import Flask, abort, render_template, request
    from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
    from flask_sqlalchemy import SQLAlchemy
    from jinja2 import DictLoader

    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    class User(UserMixin, db.Model):
        __tablename__ = "baseline_user"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(254), unique=True)
        name: Mapped[str] = mapped_column(String(120))
        language: Mapped[str] = mapped_column(String(8))
        session_key = None

        def get_id(self):
            return self.session_key

    class UserSession(db.Model):
        __tablename__ = "baseline_user_session"
        id: Mapped[int] = mapped_column(primary_key=True)
        key_hash: Mapped[str] = mapped_column(String(64), unique=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("baseline_user.id"))
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    class Row(db.Model):
        __tablename__ = "baseline_row"
        __table_args__ = (
            UniqueConstraint("user_id", "course_id"),
            Index("ix_baseline_row_course", "course_id"),
        )
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("baseline_user.id"))
        course_id: Mapped[str] = mapped_column(String(100))
        last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    from learn_habitat.config import database_url as site_database_url

    app = Flask("bench_baseline")
    app.config.update(
        SECRET_KEY="learn-habitat-bench-baseline-not-a-secret",
        # The same driver (psycopg 3 for PostgreSQL) and pool settings as the site.
        SQLALCHEMY_DATABASE_URI=site_database_url(database_url or os.environ[DATABASE_ENV], ""),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    )
    # A named template, compiled once and cached as the site's are (render_template_string would compile
    # the source on every request and make the baseline slower than the framework's limit).
    app.jinja_loader = DictLoader({"page.html": TEMPLATE})
    db.init_app(app)
    login = LoginManager(app)
    login.session_protection = "basic"
    if body is None:
        with open(os.environ[BODY_ENV], encoding="utf-8") as source:
            body = source.read()

    @login.user_loader
    def load_user(key):
        user = db.session.scalar(
            db.select(User)
            .join(UserSession, UserSession.user_id == User.id)
            .where(
                UserSession.key_hash == _hash(key),
                UserSession.created_at >= datetime.now(UTC) - SESSION_MAX_AGE,
            )
        )
        if user is not None:
            user.session_key = key
        return user

    @app.post("/login")
    def sign_in():
        user = db.session.scalar(db.select(User).where(User.email == request.form["email"]))
        if user is None:
            abort(403)
        key = secrets.token_urlsafe(32)
        db.session.add(UserSession(key_hash=_hash(key), user_id=user.id, created_at=datetime.now(UTC)))
        db.session.commit()
        user.session_key = key
        login_user(user)
        return "signed in"

    @app.get(PATH)
    @login_required
    def page():
        row = db.session.scalar(
            db.select(Row).where(Row.user_id == current_user.id, Row.course_id == "adequate-housing")
        )
        if row is None:
            abort(404)
        return render_template("page.html", title="A lesson", language="en", row=row, body=body)

    with app.app_context():
        db.create_all()
        db.engine.dispose()  # gunicorn forks the workers from this process: no connection may cross a fork
    app.extensions["baseline_models"] = (db, User, Row)
    return app


def add_user(app, email: str) -> None:
    """One user with one row (what the page reads)."""
    db, User, Row = app.extensions["baseline_models"]
    with app.app_context():
        user = User(email=email, name="Baseline Learner", language="en")
        db.session.add(user)
        db.session.flush()
        db.session.add(Row(user_id=user.id, course_id="adequate-housing", last_activity_at=datetime.now(UTC)))
        db.session.commit()


def sign_in_test_client(client, email: str) -> None:
    """Sign the test client in."""
    response = client.post("/login", data={"email": email})
    if response.status_code != 200:
        raise RuntimeError(f"baseline sign-in answered {response.status_code}")


def main(argv=None) -> None:
    """``python -m bench.baseline --port N``: serve with gunicorn as ``learn-habitat serve`` does."""
    import argparse

    from learn_habitat.wsgi_server import run_gunicorn

    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    run_gunicorn(f"{args.host}:{args.port}", app=create_app())


if __name__ == "__main__":
    sys.exit(main())
