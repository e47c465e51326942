"""Launch situations in both standards, against scorm-again: relaunch after completion, after a pause and after a
failed course never lowers what the LMS holds; review and browse write nothing that changes the record."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import test_scorm_runtime
from tests.browser.test_scorm_runtime import (
    STANDARDS,
    answer_quiz,
    build_small_course,
    calls_of,
    complete_course,
    current_lesson,
    end_session,
    fail_quiz_until_no_attempt_is_left,
    lesson_frame,
    next_lesson,
    set_calls,
    value_problems,
    values,
    walk_to,
)

STANDARD_NAMES = ["scorm12", "scorm2004"]
lms = test_scorm_runtime.lms  # the LMS page with scorm-again, shared with the runtime tests


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The small course made by the test (shipped courses change under their authors' hands)."""
    return build_small_course(tmp_path_factory.mktemp("course"))


STATUS_RANK = {"not attempted": 0, "browsed": 0, "incomplete": 1, "failed": 2, "completed": 3, "passed": 3}
SUCCESS_RANK = {"unknown": 0, "failed": 1, "passed": 2}


def outcome(cmi, standard):
    """What a gradebook reads: completion, success and score (1.2: lesson_status and score)."""
    if standard == "scorm2004":
        raw = cmi["score"]["raw"]
        return {
            "completion": cmi["completion_status"],
            "success": cmi["success_status"],
            "raw": float(raw) if raw != "" else None,
            "progress": float(cmi["progress_measure"]) if cmi["progress_measure"] != "" else None,
        }
    raw = cmi["core"]["score"]["raw"]
    return {"status": cmi["core"]["lesson_status"], "raw": float(raw) if raw != "" else None}


def lowering_writes(calls, before, standard):
    """Every SetValue that would report less than ``before`` (completion, success, status, score, progress)."""
    lowered = []
    for element, value in set_calls(calls):
        if (
            element == "cmi.completion_status"
            and before["completion"] == "completed"
            and value != "completed"
        ):
            lowered.append((element, value))
        if element == "cmi.success_status" and SUCCESS_RANK[value] < SUCCESS_RANK[before["success"]]:
            lowered.append((element, value))
        if element == "cmi.core.lesson_status" and STATUS_RANK[value] < STATUS_RANK[before["status"]]:
            lowered.append((element, value))
        raw = element in ("cmi.score.raw", "cmi.core.score.raw")
        if raw and before["raw"] is not None and float(value) < before["raw"]:
            lowered.append((element, value))
        if (
            element == "cmi.progress_measure"
            and before["progress"] is not None
            and float(value) < before["progress"]
        ):
            lowered.append((element, value))
    return lowered


def save_and_close(page, standard):
    """End the session, keep the LMS's data for the next launch, and close the tab; return the data."""
    end_session(page, standard)
    assert page.evaluate("window.lmsErrors") == []
    assert value_problems(calls_of(page), standard) == []
    cmi = page.evaluate("window.saveCmi()")
    page.close()
    return cmi


@pytest.mark.parametrize("standard", STANDARD_NAMES)
def test_a_completed_course_relaunched_opens_at_the_start_and_never_lowers_its_results(
    lms, course, browser, standard
):
    context = browser.new_context(viewport={"width": 900, "height": 900})
    page = lms(standard, course=course, context=context)
    complete_course(page, course)
    before = outcome(save_and_close(page, standard), standard)
    assert before == (
        {"completion": "completed", "success": "passed", "raw": 100, "progress": 1}
        if standard == "scorm2004"
        else {"status": "passed", "raw": 100}
    )

    again = lms(standard, course=course, context=context, resume=True)
    assert current_lesson(again) == course.lesson_ids[0]
    progress = again.evaluate(
        "document.querySelector('#sco').contentDocument.querySelector('#lh-progress').value"
    )
    assert progress == 100
    next_lesson(again)
    walk_to(again, course, course.quiz_ids()[0])
    assert lowering_writes(calls_of(again), before, standard) == []
    end_session(again, standard)
    assert lowering_writes(calls_of(again), before, standard) == []
    assert outcome(values(again, standard), standard) == before
    assert again.evaluate("window.lmsErrors") == []
    assert value_problems(calls_of(again), standard) == []
    context.close()


@pytest.mark.parametrize("standard", STANDARD_NAMES)
def test_a_failed_course_relaunched_stays_failed_and_resumes_where_the_learner_stopped(
    lms, course, browser, standard
):
    quiz_id = course.quiz_ids()[0]
    context = browser.new_context(viewport={"width": 900, "height": 900})
    page = lms(standard, course=course, context=context)
    walk_to(page, course, quiz_id)
    answer_quiz(page, course, quiz_id, right=False)
    # With attempts left the course is still in progress: an LMS must not close the attempt as failed.
    early = outcome(values(page, standard), standard)
    assert early.get("success", "unknown") == "unknown" and early.get("status", "incomplete") == "incomplete"
    fail_quiz_until_no_attempt_is_left(page, course, quiz_id)
    before = outcome(save_and_close(page, standard), standard)
    if standard == "scorm2004":
        assert (before["completion"], before["success"]) == ("incomplete", "failed")
    else:
        assert before["status"] == "failed"

    again = lms(standard, course=course, context=context, resume=True)
    assert current_lesson(again) == quiz_id
    frame = lesson_frame(again)
    expect(frame.locator("#quiz-form button[type=submit]")).to_be_disabled()
    next_lesson(again)
    end_session(again, standard)
    assert lowering_writes(calls_of(again), before, standard) == []
    after = outcome(values(again, standard), standard)
    assert after == {**before, **({"progress": after["progress"]} if standard == "scorm2004" else {})}
    assert value_problems(calls_of(again), standard) == []
    context.close()


WRITES = ("SetValue", "LMSSetValue", "Commit", "LMSCommit")


@pytest.mark.parametrize("standard", STANDARD_NAMES)
@pytest.mark.parametrize(("mode", "restored"), [("review", True), ("review", False), ("browse", True)])
def test_review_and_browse_show_the_course_and_write_nothing(lms, course, browser, standard, mode, restored):
    quiz_id = course.quiz_ids()[0]
    context = browser.new_context(viewport={"width": 900, "height": 900})
    if restored:
        # A paused attempt: three lessons seen, one quiz tried.
        page = lms(standard, course=course, context=context)
        walk_to(page, course, quiz_id)
        answer_quiz(page, course, quiz_id, right=False)
        saved = save_and_close(page, standard)
    page = lms(standard, course=course, context=context, resume=restored, mode=mode)
    cmi_before = values(page, standard)
    assert current_lesson(page) == (quiz_id if restored else course.lesson_ids[0])
    shell = page.frame_locator("#sco")
    assert shell.locator("p.shell-mode").is_visible()
    walk_to(page, course, quiz_id)
    frame = lesson_frame(page)
    # The quiz page hears the mode from the runtime (postMessage): wait for it, never for a fixed time.
    expect(frame.locator("#quiz-form button[type=submit]")).to_be_disabled()
    expect(frame.locator("#quiz-form input").first).to_be_disabled()
    if restored:
        expect(frame.locator("#quiz-result")).to_contain_text(f"{saved_best(saved, standard)}%")
    next_lesson(page)
    end_session(page, standard)
    calls = calls_of(page)
    assert [c for c in calls if c[0] in WRITES] == []
    assert [c[0] for c in calls][0] == STANDARDS[standard]["initialize"]
    assert calls[-1][0] == STANDARDS[standard]["terminate"]
    cmi_after = values(page, standard)
    assert outcome(cmi_after, standard) == outcome(cmi_before, standard)
    assert cmi_after.get("suspend_data") == cmi_before.get("suspend_data")
    assert page.evaluate("window.lmsErrors") == []
    context.close()


def saved_best(saved, standard):
    """The best quiz result the package kept in the suspend data (one quiz tried)."""
    entry = saved["suspend_data"].split(";")[2]
    return int(entry.split(".")[1], 36)
