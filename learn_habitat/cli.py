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


@main.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="gunicorn workers (default: 2 x cores + 1).")
def serve_command(host, port, workers):
    """Serve the site with gunicorn; LEARN_HABITAT_DEBUG=1 gives Flask's reloading development server."""
    if os.environ.get("LEARN_HABITAT_DEBUG", "").lower() in {"1", "true", "yes"}:
        create_app().run(host=host, port=port, debug=True)
        return
    from learn_habitat.wsgi_server import run_gunicorn

    run_gunicorn(f"{host}:{port}", workers)


if __name__ == "__main__":
    main()
