"""The search page."""

from flask import Blueprint, render_template, request

from learn_habitat.accounts.auth import signed_in_user
from learn_habitat.course_library import current_library
from learn_habitat.i18n import current_language
from learn_habitat.search import PAGE_SIZE, services

blueprint = Blueprint("search", __name__)


@blueprint.get("/search")
def results():
    """Courses and lessons in the page's language that contain the words of ``q``."""
    found = services.search_courses(
        current_library(),
        signed_in_user(),
        request.args.get("q", ""),
        current_language(),
        request.args.get("page", 1, type=int),
    )
    return render_template("search/results.html", found=found, page_size=PAGE_SIZE)
