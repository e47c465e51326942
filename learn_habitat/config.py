"""Settings: defaults here, then ``instance/config.py``, then ``LEARN_HABITAT_*`` environment
variables, then the mapping given to ``create_app`` (tests)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "LEARN_HABITAT"
SECRET_KEY_FILE = "secret_key"


def default_courses_dir() -> str:
    """``courses/`` of the source checkout, else of the working directory."""
    beside_package = PROJECT_ROOT / "courses"
    return str(beside_package if beside_package.is_dir() else Path.cwd() / "courses")


class Defaults:
    """Values used when nothing else sets them."""

    DEBUG = False
    DATABASE_URL = None  # None: SQLite under instance/
    COURSES_DIR = None  # None: default_courses_dir()
    # `learn-habitat serve` watches COURSES_DIR and serves a changed course within seconds (docs/deploy.md).
    LIVE_COURSE_UPDATES = True
    # The rendered courses are kept in instance/course-cache/, keyed by a hash of the courses and the code.
    COURSE_CACHE = True
    PREVIEW = (
        False  # `learn-habitat preview`: every lesson readable without an account, problems on the pages
    )
    PREVIEW_COURSES = None  # with PREVIEW: the course folders shown (None: all)
    SECRET_KEY = None  # None: generated once into instance/secret_key
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set LEARN_HABITAT_SESSION_COOKIE_SECURE=true behind https
    PREFERRED_URL_SCHEME = "http"
    # Every absolute URL (mail links, the OpenAPI servers entry, certificate verification) is built from this,
    # never from the request's Host header. The default suits `make run`; set the site's https address in production.
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Requests whose Host is not PUBLIC_URL's host (or one of these) are refused with 400 (Flask's TRUSTED_HOSTS).
    # A name starting with a dot admits its subdomains. Example: '["10.0.0.7"]' for a health check by address.
    EXTRA_TRUSTED_HOSTS: list[str] = []
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "en"
    # The IANA time zone every date and time on pages and in mail is shown in ("Europe/Paris"); CSV and JSON
    # exports always give ISO 8601 in UTC.
    DISPLAY_TIMEZONE = "UTC"
    MEDIA_MAX_AGE = 3600
    # Static URLs carry a content hash (see app._version_static_urls), so they may be cached for a year.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: a slow reader's form still posts
    # Mail: messages go to instance/outbox/ unless MAIL_BACKEND=smtp (with MAIL_SERVER, MAIL_PORT, ...).
    MAIL_BACKEND = "file"
    MAIL_FILE_PATH = None  # None: instance/outbox
    MAIL_DEFAULT_SENDER = "learn-habitat <no-reply@localhost>"
    # Rate limits (Flask-Limiter syntax). Counters live where RATELIMIT_STORAGE_URI says; None: a SQLite file in
    # instance/ that every gunicorn worker of this host shares (learn_habitat.rate_limit_storage). Several hosts
    # share Redis instead: redis://host:6379/0. memory:// counts per process: for tests only.
    RATELIMIT_STORAGE_URI = None
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"  # per IP, on every sign-in, registration and password form
    ACCOUNT_RATE_LIMIT = "5 per minute"  # per account named in a sign-in or password form
    # Enrolment-key guesses (site form and API), only on courses with "enrolment: key": per IP (generous, as a
    # whole classroom may share one address) and per account and course.
    ENROLMENT_KEY_RATE_LIMIT = "20 per minute; 200 per day"
    ENROLMENT_KEY_ACCOUNT_RATE_LIMIT = "5 per minute; 20 per day"
    PROXY_FIX_X_FOR = 0  # number of proxies in front that set X-Forwarded-For (and -Proto)
    REPORT_PAGE_SIZE = 50
    # Who runs the site (docs/reference.md#identity): shown in the header, footer, certificates and packages.
    SITE_NAME = "learn-habitat"
    SITE_ORGANISATION = None  # None: no organisation is named anywhere
    SITE_LOGO = None  # path to an SVG (relative: to instance/); checked like course media at start-up
    # Two colours as #rrggbb; each must reach 4.5:1 against white, else the default is kept and a warning logged.
    SITE_ACCENT_COLOUR = None  # links and buttons; None: #0b5f5a
    SITE_HEADER_COLOUR = None  # the header band under white text; None: #08413e
    SITE_PAGES_DIR = None  # about/contact/privacy/terms in Markdown per language; None: site/ of the checkout
    CERTIFICATE_SIGNATORY = None  # the name on the certificate's signature line; None: no signature line
    CERTIFICATE_SIGNATORY_TITLE = None  # their role under it, e.g. "Director of training"
    CERTIFICATE_FONTS_DIR = None  # fonts for the PDF certificate; None: found with fontconfig (fc-list)


def apply_config(app, overrides=None) -> None:
    """Fill ``app.config`` in order of precedence and derive the values that depend on others."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("COURSES_DIR"):
        app.config["COURSES_DIR"] = default_courses_dir()
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
            app.config.get("DATABASE_URL"), app.instance_path
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        from learn_habitat.rate_limit_storage import default_storage_uri

        app.config["RATELIMIT_STORAGE_URI"] = default_storage_uri(app.instance_path)
    if not app.config.get("MAIL_FILE_PATH"):
        app.config["MAIL_FILE_PATH"] = os.path.join(app.instance_path, "outbox")
    app.config["PUBLIC_URL"] = public_url(app.config["PUBLIC_URL"])
    app.config["DISPLAY_TIMEZONE"] = display_timezone(app.config.get("DISPLAY_TIMEZONE"))
    extra = app.config.get("EXTRA_TRUSTED_HOSTS") or []
    extra = extra.split(",") if isinstance(extra, str) else list(extra)
    # A TRUSTED_HOSTS set by hand (Flask's own name) is kept, and PUBLIC_URL's host is always added.
    app.config["TRUSTED_HOSTS"] = trusted_hosts(
        app.config["PUBLIC_URL"], [*extra, *(app.config.get("TRUSTED_HOSTS") or [])]
    )


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def display_timezone(name: str | None) -> str:
    """The DISPLAY_TIMEZONE setting, checked at start-up: an IANA name such as "UTC" or "Europe/Paris"."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(name or "UTC").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"DISPLAY_TIMEZONE must be an IANA time zone such as Europe/Paris, not {name!r}"
        ) from exc
    return name


def public_url(url: str) -> str:
    """The site's public address, checked: http(s), a host, no query or fragment, no trailing slash."""
    parts = urlsplit(str(url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"PUBLIC_URL must look like https://learn.example.org, not {url!r}")
    if parts.username or parts.password:
        raise ValueError("PUBLIC_URL must not contain a user name or password")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def trusted_hosts(url: str, extra: list[str]) -> list[str]:
    """The Host names requests may carry: PUBLIC_URL's, both loopback names when that is local, and ``extra``."""
    host = urlsplit(url).hostname  # werkzeug compares names without their port
    names = [host, *(LOOPBACK_NAMES if host in LOOPBACK_NAMES else ()), *extra]
    return list(dict.fromkeys(name.strip().lower() for name in names if name and name.strip()))


def database_url(url: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL to use; PostgreSQL URLs are pointed at psycopg 3."""
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "learn_habitat.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: str) -> str:
    """Read the secret key kept in ``instance/``, creating it (readable by the owner only) when absent."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
