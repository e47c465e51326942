"""Per-question reporting in both standards, against scorm-again: one interaction per answered question (the
learner's answer, never the answer key) and one objective per quiz, with stable ids and values of the right types."""

from __future__ import annotations

import io
import json
import re
import zipfile

import lxml.html
import pytest

from scorm_export import export_course, exporters
from scorm_export.base import tracking_id
from tests.browser import test_scorm_runtime
from tests.browser.test_scorm_runtime import (
    answer_quiz,
    build_small_course,
    calls_of,
    end_session,
    set_calls,
    value_problems,
    walk_to,
)
from tests.learning.test_journey import right_answers

lms = test_scorm_runtime.lms  # the LMS page with scorm-again, shared with the runtime tests


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The small course made by the test (shipped courses change under their authors' hands)."""
    return build_small_course(tmp_path_factory.mktemp("course"))


TYPES = {
    "single": "choice",
    "multiple": "choice",
    "true-false": "true-false",
    "numeric": "numeric",
    "text": "fill-in",
}


def records(calls, prefix):
    """``{index: {field: value}}`` for every cmi.interactions.n.* or cmi.objectives.n.* the package wrote."""
    found = {}
    for element, value in set_calls(calls):
        match = re.match(rf"{re.escape(prefix)}\.(\d+)\.(.+)$", element)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return found


def expected_response(question, standard):
    """The learner's right answer in the data model's format for the question's type."""
    answer = right_answers(question)
    if question.kind == "multiple":
        return ("[,]" if standard == "scorm2004" else ",").join(answer)
    if question.kind == "true-false" and standard == "scorm12":
        return answer[0]
    if question.kind == "numeric":
        return f"{question.number:.7f}".rstrip("0").rstrip(".")
    return answer


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_each_answer_is_an_interaction_and_each_quiz_an_objective(lms, course, standard):
    quiz_id = course.quiz_ids()[0]
    questions = course.lesson(quiz_id, "en").activity.questions
    exporter = exporters()[standard]
    is2004 = standard == "scorm2004"
    page = lms(standard, course=course)
    walk_to(page, course, quiz_id)
    answer_quiz(page, course, quiz_id, right=False)
    answer_quiz(page, course, quiz_id, right=True)
    end_session(page, standard)
    calls = calls_of(page)
    assert page.evaluate("window.lmsErrors") == []
    assert value_problems(calls, standard) == []

    interactions = records(calls, "cmi.interactions")
    # Journaled: both attempts, one record per question each, in order.
    assert sorted(interactions) == list(range(2 * len(questions)))
    for attempt, right in enumerate((False, True)):
        for position, question in enumerate(questions):
            record = interactions[attempt * len(questions) + position]
            assert record["id"] == tracking_id(exporter, course, quiz_id, question.id)
            assert record["type"] == TYPES[question.kind]
            assert record["objectives.0.id"] == tracking_id(exporter, course, quiz_id)
            assert record["weighting"] == "1"
            assert record["result"] == ("correct" if right else ("incorrect" if is2004 else "wrong"))
            assert "latency" in record and ("timestamp" if is2004 else "time") in record
            response = record.get("learner_response" if is2004 else "student_response")
            if right:
                assert response == expected_response(question, standard), question.id
            if is2004:
                assert record["description"].startswith("{lang=en}")
    # What the learner answered is written, never the answer key.
    assert not [element for element, _ in set_calls(calls) if "correct_responses" in element]

    objectives = records(calls, "cmi.objectives")
    assert list(objectives) == [0]
    objective = objectives[0]
    assert objective["id"] == tracking_id(exporter, course, quiz_id)
    assert (objective["score.min"], objective["score.max"], objective["score.raw"]) == ("0", "100", "100")
    if is2004:
        assert (objective["success_status"], objective["completion_status"]) == ("passed", "completed")
        assert objective["score.scaled"] == "1"
    else:
        assert objective["status"] == "passed"


def package_config(course, language, standard):
    """The runtime configuration inside an exported package's launch page."""
    launch = (
        zipfile.ZipFile(io.BytesIO(export_course(course, language, standard))).read("index.html").decode()
    )
    return json.loads(lxml.html.fromstring(launch).get_element_by_id("lh-config").text)


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_tracking_ids_are_stable_across_exports_and_languages(course, standard):
    quiz_id = course.quiz_ids()[0]
    english = package_config(course, "en", standard)
    assert english["quizzes"] == package_config(course, "en", standard)["quizzes"]
    arabic = package_config(course, "ar", standard)
    ids = [(q["objective"], [x["interaction"] for x in q["questions"]]) for q in english["quizzes"].values()]
    assert ids == [
        (q["objective"], [x["interaction"] for x in q["questions"]]) for q in arabic["quizzes"].values()
    ]
    prefix = (
        f"urn:learn-habitat:{course.id}:{course.version}:"
        if standard == "scorm2004"
        else f"{course.id}.{course.version}."
    )
    separator = ":" if standard == "scorm2004" else "."
    assert english["quizzes"][quiz_id]["objective"] == f"{prefix}{quiz_id}"
    assert english["quizzes"][quiz_id]["questions"][0]["interaction"] == f"{prefix}{quiz_id}{separator}q1"
    # The quiz data carries the review rule and the attempts (the same rule as the site's).
    quiz_page = zipfile.ZipFile(io.BytesIO(export_course(course, "en", standard))).read(f"{quiz_id}.html")
    data = json.loads(lxml.html.fromstring(quiz_page).get_element_by_id("lh-quiz").text)
    activity = course.lesson(quiz_id, "en").activity
    assert (data["reveal"], data["maxAttempts"]) == (activity.reveal_answers, activity.max_attempts)


def test_scorm12_ids_stay_within_255_characters_for_long_lesson_ids(course):
    long_id = "a-very-long-lesson-id-" * 20
    first = tracking_id(exporters()["scorm12"], course, long_id, "q1")
    second = tracking_id(exporters()["scorm12"], course, long_id, "q2")
    assert len(first) <= 255 and len(second) <= 255 and first != second
    assert re.fullmatch(r"[\x21-\x7e]+", first)
