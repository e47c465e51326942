"""Catalogue, course outline, lessons and course media."""

from flask import Blueprint, abort, current_app, render_template, send_from_directory
from flask_babel import get_locale

from learn_habitat.catalog import services
from learn_habitat.course_library import current_library

blueprint = Blueprint("catalog", __name__)


def _language() -> str:
    return str(get_locale())


@blueprint.get("/")
def index():
    """The catalogue of courses."""
    courses = services.list_courses(current_library(), _language())
    return render_template("catalog/index.html", courses=courses)


@blueprint.get("/courses/<course_id>/")
def course(course_id):
    """A course's outline: modules, lessons and estimated time."""
    try:
        found = services.find_course(current_library(), course_id)
    except services.NotFound:
        abort(404)
    return render_template("catalog/course.html", course=found)


@blueprint.get("/courses/<course_id>/<lesson_id>")
def lesson(course_id, lesson_id):
    """One lesson, with previous and next links."""
    try:
        view = services.lesson_view(current_library(), course_id, lesson_id, _language())
    except services.NotFound:
        abort(404)
    return render_template("catalog/lesson.html", view=view, course=view.course, lesson=view.lesson)


@blueprint.get("/courses/<course_id>/media/<path:filename>")
def media(course_id, filename):
    """A file from the course's media folder, never able to run script in our origin."""
    try:
        found = services.find_course(current_library(), course_id)
    except services.NotFound:
        abort(404)
    response = send_from_directory(found.media_dir, filename, max_age=current_app.config["MEDIA_MAX_AGE"])
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
