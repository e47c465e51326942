"""The preview's version endpoint (polled by preview.js to reload the page) and the problems banner."""

from __future__ import annotations

import os

from flask import Blueprint, current_app, has_request_context, request

from learn_habitat.course_library import current_library, live_library

blueprint = Blueprint("preview", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@blueprint.get("/preview/version")
def version():
    """The generation of the courses shown: it changes each time a saved change is read."""
    return {"generation": live_library(current_app).generation}, 200, NO_STORE


@blueprint.app_context_processor
def preview_context():
    """What base.html needs for the banner: the generation, and the problems of this page's files."""
    if not has_request_context():  # a mail rendered outside a request
        return {}
    library = live_library(current_app)
    return {
        "preview": {
            "generation": library.generation,
            "problems": page_problems(current_library(), library.courses_dir, request.view_args or {}),
        }
    }


def page_problems(library, courses_dir: str, view_args: dict) -> list:
    """The problems a page concerns: a lesson page, its lesson's files (every language); a course page, every
    file of the course; other pages, the files of the courses that could not be shown at all, and the termbase."""
    course_id, lesson_id = view_args.get("course_id"), view_args.get("lesson_id")
    course = library.get(course_id) if course_id else None
    if course is not None:
        folder = os.path.abspath(course.path)
        in_course = [p for p in library.problems if _is_within(p.path, folder)]
        if lesson_id is None:
            return in_course
        return [p for p in in_course if os.path.basename(p.path) == f"{lesson_id}.md"]
    served = [os.path.abspath(c.path) for c in library]
    return [p for p in library.problems if not any(_is_within(p.path, folder) for folder in served)]


def _is_within(path: str, folder: str) -> bool:
    path = os.path.abspath(path)
    return path == folder or path.startswith(folder + os.sep)
