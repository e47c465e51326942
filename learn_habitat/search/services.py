"""Search for the site: the engine's results, and how much of each the reader may see."""

from __future__ import annotations

from dataclasses import dataclass

from learn_habitat.content import CourseLibrary
from learn_habitat.learning.services import can_read_lesson
from learn_habitat.search.index import Hit, SearchPage, search


@dataclass(frozen=True)
class Result:
    """A hit, and whether its passage may be shown to this reader."""

    hit: Hit
    show_passage: bool


@dataclass(frozen=True)
class SiteSearch:
    """A page of results as the site shows it."""

    page: SearchPage
    results: tuple[Result, ...]


def search_courses(library: CourseLibrary, user, query: str, language: str, page: int = 1) -> SiteSearch:
    """Courses and lessons in ``language`` matching ``query``; anyone may search.

    Lessons of open courses are free to read after enrolling, so their passages are shown to everyone. A
    course with a key or closed enrolment shows passages only to those who may read the lesson: the hit still
    links to it (the lesson page applies its usual rule), but its text is not given away here.
    """
    found = search(library, query, language, page)
    results = []
    for hit in found.hits:
        course = library.get(hit.course_id)
        show = (
            hit.lesson_id is None
            or course.enrolment == "open"
            or can_read_lesson(user, course, hit.lesson_id)
        )
        results.append(Result(hit, show))
    return SiteSearch(found, tuple(results))
