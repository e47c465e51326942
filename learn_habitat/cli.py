"""The ``learn-habitat`` command: thin wrappers over the functions the site and tests use."""

from __future__ import annotations

import json
import os
import sys

import click
from flask.cli import FlaskGroup

from learn_habitat import create_app
from learn_habitat.config import default_courses_dir


def _courses_dir_default() -> str:
    path = os.environ.get("LEARN_HABITAT_COURSES_DIR") or default_courses_dir()
    # Relative paths make the checker's "path:line:" messages short and clickable in editors.
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
def main():
    """learn-habitat: serve, check and manage the learning site."""


@main.command("check", with_appcontext=False)
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=str))
def check_command(path):
    """Check every course under PATH (default: the courses folder); print path:line: message."""
    from learn_habitat.content import check_courses

    path = path or _courses_dir_default()
    problems = check_courses(path)
    for problem in problems:
        click.echo(str(problem))
    errors = [p for p in problems if p.is_error]
    if errors:
        click.echo(f"{len(errors)} error(s) in {path}", err=True)
        sys.exit(1)
    click.echo(f"{path}: no errors" + (f", {len(problems)} warning(s)" if problems else ""), err=True)


@main.command("courses", with_appcontext=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--path", type=click.Path(file_okay=False), default=None, help="Folder of courses.")
def courses_command(as_json, path):
    """List the valid courses with their languages and lessons."""
    from learn_habitat.content import load_library

    library = load_library(path or _courses_dir_default())
    listing = [
        {
            "id": course.id,
            "version": course.version,
            "title": course.title(course.source_language),
            "source_language": course.source_language,
            "languages": list(course.languages),
            "duration_minutes": course.duration_minutes,
            "modules": [
                {
                    "id": module.id,
                    "title": course.module_title(module, course.source_language),
                    "lessons": list(module.lesson_ids),
                }
                for module in course.modules
            ],
        }
        for course in sorted(library, key=lambda c: c.id)
    ]
    if as_json:
        click.echo(json.dumps({"courses": listing}, ensure_ascii=False, indent=2))
    else:
        for course in listing:
            lessons = sum(len(m["lessons"]) for m in course["modules"])
            click.echo(
                f"{course['id']}  {course['title']}  [{', '.join(course['languages'])}]  {lessons} lessons"
            )
            for module in course["modules"]:
                click.echo(f"  {module['id']}: {', '.join(module['lessons'])}")
    for problem in library.problems:
        click.echo(f"skipped: {problem}", err=True)


@main.command("translations", with_appcontext=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--stamp", is_flag=True, help="Record that the selected translations match their current source."
)
@click.option("--course", "course_ids", multiple=True, help="Only this course (repeatable).")
@click.option("--lang", "languages", multiple=True, help="Only this language (repeatable).")
@click.option("--lesson", "lesson_ids", multiple=True, help="Only this lesson (repeatable; with --stamp).")
@click.option("--path", type=click.Path(file_okay=False), default=None, help="Folder of courses.")
def translations_command(as_json, stamp, course_ids, languages, lesson_ids, path):
    """Report missing, outdated and up-to-date translations per course and language (or stamp them)."""
    from learn_habitat.content import SUPPORTED_LANGUAGES, load_library
    from learn_habitat.content.translations import stamp_translations, status_as_json, translation_status

    library = load_library(path or _courses_dir_default())
    unknown = [c for c in course_ids if library.get(c) is None]
    if unknown:
        raise click.ClickException(f"no valid course {', '.join(unknown)}")
    courses = [library.get(c) for c in course_ids] if course_ids else sorted(library, key=lambda c: c.id)
    selected = tuple(languages) or SUPPORTED_LANGUAGES
    if stamp:
        for course in courses:
            for changed in stamp_translations(course, selected, set(lesson_ids) or None):
                click.echo(f"stamped {os.path.relpath(changed)}")
        library = load_library(path or _courses_dir_default())
        courses = [library.get(c.id) for c in courses]
    statuses = [translation_status(course, selected) for course in courses]
    if as_json:
        click.echo(json.dumps(status_as_json(statuses), ensure_ascii=False, indent=2))
    elif not stamp:
        for status in statuses:
            click.echo(f"{status.course_id} (source: {status.source_language})")
            for code, item in status.languages.items():
                click.echo(
                    f"  {code}: {len(item.up_to_date)} up to date, {len(item.outdated)} outdated, "
                    f"{len(item.missing)} missing, {len(item.terminology)} terminology"
                )
                for label, ids in (("outdated", item.outdated), ("missing", item.missing)):
                    if ids:
                        click.echo(f"    {label}: {', '.join(ids)}")
                for problem in item.terminology:
                    click.echo(f"    terminology: {problem}")
    for problem in library.problems:
        if problem.is_error:
            click.echo(f"skipped: {problem}", err=True)


@main.group("xliff")
def xliff_group():
    """Exchange lessons with translators' CAT tools as XLIFF 2.1 (docs/translating.md)."""


@xliff_group.command("export", with_appcontext=False)
@click.argument("course_id")
@click.option("--lang", "language", required=True, help="The language to translate into.")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="The file (default: stdout).")
@click.option("--path", type=click.Path(file_okay=False), default=None, help="Folder of courses.")
def xliff_export_command(course_id, language, output, path):
    """Write COURSE's lessons as an XLIFF 2.1 file for translation into --lang."""
    from learn_habitat.xliff import XliffError, export_course

    try:
        data = export_course(path or _courses_dir_default(), course_id, language)
    except XliffError as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        with open(output, "wb") as handle:
            handle.write(data)
    else:
        click.echo(data, nl=False)  # bytes go to the binary stream: the file stays UTF-8 whatever the locale


@xliff_group.command("import", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--path", type=click.Path(file_okay=False), default=None, help="Folder of courses.")
def xliff_import_command(file, path):
    """Write the lessons translated in FILE; refuse (exit 1, nothing written) a damaged file."""
    from learn_habitat.xliff import XliffError, import_xliff

    with open(file, "rb") as handle:
        data = handle.read()
    try:
        report = import_xliff(path or _courses_dir_default(), data, file)
    except XliffError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"{file}: refused, nothing written", err=True)
        sys.exit(1)
    for written in report.written:
        stamped = " (stamped)" if written in report.stamped else ""
        click.echo(f"wrote {os.path.relpath(written)}{stamped}")
    for lesson, reason in report.skipped:
        click.echo(f"not written: {lesson}: {reason}")
    click.echo(
        f"{len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.skipped)} not written"
    )


@main.command("export-scorm", with_appcontext=False)
@click.argument("course_id", required=False)
@click.option(
    "--lang",
    "language",
    default=None,
    help="Language of the package (default: the course's source language).",
)
@click.option("--standard", type=click.Choice(["scorm12", "scorm2004"]), default=None, help="SCORM version.")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="The zip to write.")
@click.option("--all", "export_all", is_flag=True, help="Every course x language x standard.")
@click.option(
    "--output-dir", type=click.Path(file_okay=False), default=None, help="With --all: where to write."
)
@click.option("--path", type=click.Path(file_okay=False), default=None, help="Folder of courses.")
def export_scorm_command(course_id, language, standard, output, export_all, output_dir, path):
    """Export COURSE_ID as a SCORM package, or --all of them into --output-dir."""
    from pathlib import Path

    from learn_habitat.content import load_library
    from scorm_export import ExportError, export_course, exporters, package_filename

    library = load_library(path or _courses_dir_default())
    if export_all:
        if course_id or output or not output_dir:
            raise click.UsageError("use --all with --output-dir only")
        target = Path(output_dir)
        target.mkdir(parents=True, exist_ok=True)
        for course in sorted(library, key=lambda c: c.id):
            for code in course.languages:
                for name in sorted(exporters()):
                    destination = target / package_filename(course.id, code, name)
                    destination.write_bytes(export_course(course, code, name))
                    click.echo(str(destination))
        return
    if not course_id or not standard or not output:
        raise click.UsageError("give COURSE_ID, --standard and --output (or --all --output-dir DIR)")
    course = library.get(course_id)
    if course is None:
        raise click.ClickException(f"no valid course {course_id!r}")
    try:
        data = export_course(course, language or course.source_language, standard)
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    Path(output).write_bytes(data)
    click.echo(f"{output}: {len(data)} bytes")


# Exit statuses of check-package (documented in its --help and in docs/scorm-export.md).
EXIT_PACKAGE_VALID = 0
EXIT_PACKAGE_PROBLEMS = 1
EXIT_SCHEMAS_SKIPPED = 3  # 2 is click's usage error
SCHEMAS_ENV = "LEARN_HABITAT_SCORM_SCHEMAS"


def _where_to_get_schemas() -> str:
    """How to give check-package the official schemas, naming the folder beside the checkout if it is there."""
    beside = os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "scorm-schemas"
    )
    beside = os.path.normpath(beside)
    hint = (
        "To validate the manifest against the official XML Schemas, get the SCORM schema files: ADL's SCORM 2004 "
        "4th Edition XSDs (github.com/adlnet/SCORM-2004-4ed-Test-Suite, folder software_development/xml/xsd) and "
        "the IMS/ADL SCORM 1.2 XSDs shipped in SCORM 1.2 sample packages, in a folder holding scorm2004-4th/ and "
        "scorm12/. "
        f"Give the folder with --schemas DIR or the environment variable {SCHEMAS_ENV}."
    )
    if os.path.isfile(os.path.join(beside, "scorm2004-4th", "imscp_v1p1.xsd")):
        hint += f" They are at {beside}: run again with --schemas {beside}"
    return hint


@main.command("check-package", with_appcontext=False)
@click.argument("package", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--schemas",
    type=click.Path(file_okay=False),
    default=None,
    help=f"Folder of the official schemas (default: ${SCHEMAS_ENV}).",
)
def check_package_command(package, schemas):
    """Check a SCORM package: manifest against the official schemas, and the rules they cannot express.

    The zip is read as untrusted input, within fixed size limits.

    \b
    Exit status:
      0  no problems; the manifest is valid against the official schemas
      1  problems found (one line each: FILE: WHERE: MESSAGE)
      2  usage error (no such FILE, unknown option)
      3  no problems found, but schema validation was skipped (no --schemas DIR
         or $LEARN_HABITAT_SCORM_SCHEMAS, or schema files missing there);
         the message says where to get the schemas
    """
    from scorm_export.checker import check_package

    schemas = schemas or os.environ.get(SCHEMAS_ENV) or None
    report = check_package(package, schemas)
    for problem in report.problems:
        click.echo(f"{package}: {problem}")
    standard = {"scorm12": "SCORM 1.2", "scorm2004": "SCORM 2004 4th Edition"}.get(
        report.standard, "unknown standard"
    )
    if report.schema_validated:
        click.echo(f"{package}: {standard}; manifest valid against the official schemas", err=True)
    else:
        click.echo(f"{package}: {standard}; schema validation skipped: {report.schema_note}", err=True)
        if report.standard is not None:
            click.echo(_where_to_get_schemas(), err=True)
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s)", err=True)
        sys.exit(EXIT_PACKAGE_PROBLEMS)
    if not report.schema_validated:
        click.echo(f"{package}: no problems found, but not validated against the schemas", err=True)
        sys.exit(EXIT_SCHEMAS_SKIPPED)
    click.echo(f"{package}: no problems", err=True)
    sys.exit(EXIT_PACKAGE_VALID)


@main.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Full name for a new account.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin_command(email, name, password_stdin):
    """Create an admin account for EMAIL, or make an existing account an admin."""
    from learn_habitat.accounts.services import AccountError, create_or_promote_admin, find_user_by_email
    from learn_habitat.extensions import db

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif find_user_by_email(email) is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = None  # promoting an existing account keeps its password
    try:
        user, created = create_or_promote_admin(email, password, name)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(getattr(error, "text", error.message)) from None
    from learn_habitat.admin import audit

    audit.record(None, "create_admin" if created else "promote_admin", user.email)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Promoted'} admin {user.email}")


@main.command("add-author")
@click.argument("email")
@click.argument("course_id")
def add_author_command(email, course_id):
    """Let the account EMAIL see the reports of COURSE_ID (it becomes an author)."""
    from learn_habitat.accounts.models import Role
    from learn_habitat.accounts.services import find_user_by_email, set_role
    from learn_habitat.course_library import current_library
    from learn_habitat.extensions import db
    from learn_habitat.learning.services import assign_author

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account uses {email}")
    if current_library().get(course_id) is None:
        raise click.ClickException(f"no course {course_id!r}")
    if not user.is_author:
        set_role(user, Role.AUTHOR)
    assign_author(user, course_id)
    from learn_habitat.admin import audit

    audit.record(None, "add_author", course_id, author=user.email)
    db.session.commit()
    click.echo(f"{user.email} is an author of {course_id}")


@main.command("set-enrolment-key")
@click.argument("course_id")
@click.option("--key-stdin", is_flag=True, help="Read the key from standard input.")
def set_enrolment_key_command(course_id, key_stdin):
    """Set the key learners type to enrol in COURSE_ID (a course with 'enrolment: key')."""
    from learn_habitat.extensions import db
    from learn_habitat.learning.services import LearningError, set_enrolment_key

    key = sys.stdin.readline().strip() if key_stdin else click.prompt("Key", hide_input=True)
    try:
        set_enrolment_key(course_id, key)
    except LearningError as error:
        raise click.ClickException(getattr(error, "text", error.message)) from None
    from learn_habitat.admin import audit

    audit.record(None, "set_enrolment_key", course_id)
    db.session.commit()
    click.echo(f"enrolment key of {course_id} saved")


@main.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="gunicorn workers (default: 2 x cores + 1).")
def serve_command(host, port, workers):
    """Serve the site with gunicorn; LEARN_HABITAT_DEBUG=1 gives Flask's reloading development server.

    Refuses to start (exit 2) while the database cannot be reached or its schema is behind the code. Course
    changes are served within seconds, without a restart (LEARN_HABITAT_LIVE_COURSE_UPDATES=false turns it off).
    """
    app = create_app()
    _refuse_unready_database(app)
    live = bool(app.config.get("LIVE_COURSE_UPDATES"))
    if os.environ.get("LEARN_HABITAT_DEBUG", "").lower() in {"1", "true", "yes"}:
        # The reloader runs the site in a child process (WERKZEUG_RUN_MAIN): only that one watches the courses.
        if live and os.environ.get("WERKZEUG_RUN_MAIN") == "true":
            from learn_habitat.live_courses import CourseWatcher

            CourseWatcher(app).start()
        app.run(host=host, port=port, debug=True)
        return
    from learn_habitat.wsgi_server import run_gunicorn

    run_gunicorn(f"{host}:{port}", workers, app=app, live_updates=live)


@main.command("preview", with_appcontext=False)
@click.argument("course", required=False)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Keep 127.0.0.1: the preview has no accounts."
)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--path", type=click.Path(file_okay=False), default=None, help="Folder of courses.")
def preview_command(course, host, port, path):
    """Preview the courses (only COURSE, a folder name or path, if given) while you write them.

    Pages reload themselves when you save, and show the checker's problems of their files (path:line). No
    database or account is needed: every lesson is open, and nothing is kept after you stop (Ctrl+C).
    """
    import logging

    from learn_habitat.live_courses import CourseWatcher
    from learn_habitat.preview import create_preview_app

    try:
        app, folder = create_preview_app(path or _courses_dir_default(), course, host, port)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    app.logger.setLevel(logging.INFO)
    watcher = CourseWatcher(app).start()
    click.echo(
        f"Previewing {app.config['COURSES_DIR']}: open http://{host}:{port}/ (Ctrl+C to stop)", err=True
    )
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    finally:
        watcher.stop()
        folder.cleanup()


def _refuse_unready_database(app) -> None:
    """A server on an old schema would answer pages and fail every write: say so and stop instead."""
    from sqlalchemy.exc import SQLAlchemyError

    from learn_habitat.database import schema_status
    from learn_habitat.extensions import db

    with app.app_context():
        try:
            with db.engine.connect() as connection:
                status = schema_status(connection)
        except SQLAlchemyError as exc:
            reason = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0]
            click.echo(
                f"error: cannot reach the database ({reason}); check LEARN_HABITAT_DATABASE_URL", err=True
            )
            sys.exit(2)
        finally:
            db.engine.dispose()  # gunicorn forks workers: none may inherit this connection
    if not status.is_current:
        click.echo(f"error: {status.describe()}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()


@main.group("lti")
def lti_group():
    """LTI 1.3: register partner platforms, print the tool's settings, send queued scores, rotate keys."""


@lti_group.command("config")
def lti_config_command():
    """Print what a platform's admin types in (all URLs from PUBLIC_URL)."""
    from learn_habitat.lti.services import tool_configuration

    config = tool_configuration()
    for label, key in (
        ("Tool URL", "tool_url"),
        ("Initiate login URL", "login_url"),
        ("Launch (target link) URL", "launch_url"),
        ("Redirection URI(s)", "redirect_uris"),
        ("Deep linking URL", "deep_linking_url"),
        ("Public keyset (JWKS) URL", "jwks_url"),
    ):
        value = config[key]
        click.echo(f"{label}: {' '.join(value) if isinstance(value, list) else value}")


@lti_group.command("add-platform")
@click.option("--issuer", required=True, help="The platform's issuer (platform ID).")
@click.option("--client-id", required=True, help="The client id the platform assigned to this tool.")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True, help="Repeatable.")
@click.option("--login-url", required=True, help="The platform's authentication request URL.")
@click.option("--token-url", required=True, help="The platform's access token URL.")
@click.option("--jwks-url", required=True, help="The platform's public keyset URL.")
@click.option("--name", default="", help="A name to show admins.")
@click.option("--frame-origin", "frame_origins", multiple=True, help="An origin that frames the site.")
def lti_add_platform_command(
    issuer, client_id, deployment_ids, login_url, token_url, jwks_url, name, frame_origins
):
    """Register a partner LMS."""
    from learn_habitat.admin import audit
    from learn_habitat.extensions import db
    from learn_habitat.lti.services import LtiError, register_platform

    try:
        platform = register_platform(
            name,
            issuer,
            client_id,
            login_url,
            token_url,
            jwks_url,
            list(deployment_ids),
            " ".join(frame_origins),
        )
    except LtiError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    audit.record(
        None,
        "lti_add_platform",
        platform.issuer,
        client_id=platform.client_id,
        deployments=" ".join(deployment_ids),
    )
    db.session.commit()
    click.echo(f"Registered {platform.issuer} (client id {platform.client_id})")


@lti_group.command("remove-platform")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
def lti_remove_platform_command(issuer, client_id):
    """Forget a partner LMS: its launches stop at once."""
    from learn_habitat.admin import audit
    from learn_habitat.extensions import db
    from learn_habitat.lti.services import find_registration, remove_platform

    platform = find_registration(issuer, client_id)
    if platform is None:
        raise click.ClickException(f"no platform {issuer} with client id {client_id}")
    audit.record(None, "lti_remove_platform", platform.issuer, client_id=platform.client_id)
    remove_platform(platform)
    db.session.commit()
    click.echo(f"Removed {issuer} (client id {client_id})")


@lti_group.command("send-scores")
def lti_send_scores_command():
    """Send the queued scores whose time has come (those that fail wait longer each time)."""
    from flask import current_app

    from learn_habitat.lti.keys import signing_key
    from learn_habitat.lti.outbox import pending_scores, send_due_scores

    sent, failed = send_due_scores(signing_key(current_app.instance_path))
    click.echo(f"sent {sent}, failed {failed}, waiting {len(pending_scores())}")


@lti_group.command("rotate-key")
@click.option("--retire", "retire_kid", default=None, help="Instead, stop publishing the key with this kid.")
def lti_rotate_key_command(retire_kid):
    """Make a new signing key (older keys stay published until retired)."""
    from flask import current_app

    from learn_habitat.admin import audit
    from learn_habitat.extensions import db
    from learn_habitat.lti import keys

    if retire_kid:
        if not keys.retire_key(current_app.instance_path, retire_kid):
            raise click.ClickException(
                f"no retirable key {retire_kid} (the signing key, the newest, is never retired)"
            )
        audit.record(None, "lti_retire_key", retire_kid)
        click.echo(f"Retired {retire_kid}")
    else:
        key = keys.generate_key(current_app.instance_path)
        audit.record(None, "lti_rotate_key", key.kid)
        click.echo(f"New signing key {key.kid}")
    db.session.commit()
