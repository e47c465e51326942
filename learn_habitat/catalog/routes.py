"""Catalogue, course outline, lessons and course media."""

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import wrap_file

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
    state = learning.learner_state(user, found) if user is not None else None
    enrolled = state is not None and state.enrolled
    return render_template(
        "catalog/course.html",
        course=found,
        about=services.describe_course(found, current_language()),
        enrolled=enrolled,
        progress=state.progress if enrolled else None,
        enrol_form=EnrolForm(),
        can_report=learning.is_course_author(user, found.id),
    )


@blueprint.get("/courses/<course_id>/media/<path:filename>")
def media(course_id, filename):
    """A file from the course's media folder, never able to run script in our origin."""
    try:
        media_file = services.open_media(current_library(), course_id, filename)
    except services.NotFound:
        abort(404)
    # Built from the open file, never from a path: the name is not looked up a second time after the check.
    response = current_app.response_class(
        wrap_file(request.environ, media_file.handle), mimetype=media_file.mimetype, direct_passthrough=True
    )
    response.content_length = media_file.size
    response.last_modified = media_file.modified
    response.set_etag(media_file.etag)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["MEDIA_MAX_AGE"]
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=media_file.size)
    except RequestedRangeNotSatisfiable:
        media_file.handle.close()
        raise
