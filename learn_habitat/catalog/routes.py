"""Catalogue, course outline, lessons and course media."""

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from learn_habitat.accounts.auth import signed_in_user
from learn_habitat.catalog import services
from learn_habitat.course_library import current_library
from learn_habitat.i18n import current_language
from learn_habitat.learning import services as learning
from learn_habitat.learning.forms import EnrolForm

blueprint = Blueprint("catalog", __name__)


@blueprint.get("/")
def index():
    """The catalogue of courses."""
    courses = services.list_courses(current_library(), current_language())
    return render_template("catalog/index.html", courses=courses)


@blueprint.get("/courses/<course_id>/")
def course(course_id):
    """A course's outline: modules, lessons and estimated time."""
    try:
        found = services.find_course(current_library(), course_id)
    except services.NotFound:
        abort(404)
    user = signed_in_user()
    enrolled = learning.find_enrolment(user, found.id) is not None
    return render_template(
        "catalog/course.html",
        course=found,
        enrolled=enrolled,
        progress=learning.course_progress(user, found) if enrolled else None,
        enrol_form=EnrolForm(),
        can_report=learning.is_course_author(user, found.id),
    )


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
