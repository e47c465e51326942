"""Exported packages run against a real LMS-side runtime (scorm-again) in Chromium, for both standards."""

from __future__ import annotations

import functools
import io
import json
import shutil
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scorm_export import export_course
from tests.conftest import PROJECT_ROOT
from tests.learning.test_journey import right_answers

SCORM_AGAIN = PROJECT_ROOT / "node_modules" / "scorm-again" / "dist" / "scorm-again.js"
COURSE = "monitoring-sdg-11"

HARNESS = """<!doctype html>
<html><head><meta charset="utf-8"><title>LMS</title><script src="lib/scorm-again.js"></script></head>
<body>
<script>
  window.lmsCalls = [];
  window.lmsErrors = [];
  var api = new window.%(api_class)s({autocommit: false, logLevel: 5});
  var saved = window.localStorage.getItem("cmi");
  if (saved && location.search.indexOf("resume") >= 0) { api.loadFromJSON(JSON.parse(saved)); }
  ["%(methods)s"].join().split(",").forEach(function (method) {
    var original = api[method].bind(api);
    api[method] = function (a, b) {
      var result = original(a, b);
      var code = String(api.%(last_error)s());
      window.lmsCalls.push([method, a, b === undefined ? null : String(b), String(result), code]);
      if (code !== "0") { window.lmsErrors.push([method, a, b === undefined ? null : String(b), code]); }
      return result;
    };
  });
  window.%(api_name)s = api;
  window.endSession = function () {
    document.getElementById("sco").src = "about:blank";
  };
  window.saveCmi = function () {
    var data = JSON.parse(JSON.stringify(api.cmi));
    // What an LMS does between sessions: a suspended attempt is resumed next time.
    var core = data.core || data;
    core.entry = core.exit === "suspend" ? "resume" : "";
    window.localStorage.setItem("cmi", JSON.stringify(data));
    return data;
  };
</script>
<iframe id="sco" src="pkg/index.html" style="width: 100%%; height: 95vh; border: 0"></iframe>
</body></html>
"""

STANDARDS = {
    "scorm12": {
        "api_class": "Scorm12API",
        "api_name": "API",
        "last_error": "LMSGetLastError",
        "methods": "LMSInitialize,LMSFinish,LMSGetValue,LMSSetValue,LMSCommit",
        "initialize": "LMSInitialize",
        "terminate": "LMSFinish",
        "commit": "LMSCommit",
        "location": "cmi.core.lesson_location",
    },
    "scorm2004": {
        "api_class": "Scorm2004API",
        "api_name": "API_1484_11",
        "last_error": "GetLastError",
        "methods": "Initialize,Terminate,GetValue,SetValue,Commit",
        "initialize": "Initialize",
        "terminate": "Terminate",
        "commit": "Commit",
        "location": "cmi.location",
    },
}


@pytest.fixture
def lms(tmp_path, shipped_library, browser):
    """Serve a package and an LMS page that hosts it with scorm-again; yield a function opening it."""
    if not SCORM_AGAIN.exists():
        pytest.skip("scorm-again is not installed: run 'npm ci' (make test does it)")
    servers = []

    def open_lms(standard, language="en", context=None, resume=False):
        root = tmp_path / f"{standard}-{language}"
        if not root.exists():
            (root / "lib").mkdir(parents=True)
            shutil.copy(SCORM_AGAIN, root / "lib" / "scorm-again.js")
            package = export_course(shipped_library.get(COURSE), language, standard)
            zipfile.ZipFile(io.BytesIO(package)).extractall(root / "pkg")
            (root / "lms.html").write_text(HARNESS % STANDARDS[standard], encoding="utf-8")
            handler = functools.partial(QuietHandler, directory=str(root))
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            root.joinpath(".port").write_text(str(server.server_port))
        port = root.joinpath(".port").read_text()
        context = context or browser.new_context(viewport={"width": 900, "height": 900})
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/lms.html" + ("?resume" if resume else ""))
        page.wait_for_function(
            "window.lmsCalls.length > 0 && window.lmsCalls[0][0].indexOf('Initialize') >= 0"
        )
        wait_for_next_lesson(page)
        return page

    yield open_lms
    for server in servers:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


LESSON_SHOWN = """id => { try {
  var doc = document.querySelector('#sco').contentDocument.querySelector('#lh-lesson').contentDocument;
  var shown = doc && doc.body && doc.body.getAttribute('data-lesson');
  return !!shown && shown !== id;
} catch (error) { return false; } }"""


def wait_for_next_lesson(page, previous=None):
    """Wait until the lesson frame shows a lesson other than ``previous``."""
    page.wait_for_function(LESSON_SHOWN, arg=previous)


TERMINATED = "name => window.lmsCalls.some(function (call) { return call[0] === name; })"


def lesson_frame(page):
    return page.frame_locator("#sco").frame_locator("#lh-lesson")


def current_lesson(page):
    frame = lesson_frame(page)
    return frame.locator("body").get_attribute("data-lesson")


def answer_quiz(page, course, lesson_id, right=True):
    frame = lesson_frame(page)
    for question in course.lesson(lesson_id, "en").activity.questions:
        answer = right_answers(question) if right else None
        if question.kind == "single" or question.kind == "true-false":
            if right:
                frame.locator(f"#{question.id}-{answer}").check()
            else:
                wrong = (
                    next(o.key for o in question.options if not o.correct)
                    if question.options
                    else ("false" if question.accepted[0] == "true" else "true")
                )
                frame.locator(f"#{question.id}-{wrong}").check()
        elif question.kind == "multiple":
            keys = answer if right else [next(o.key for o in question.options if not o.correct)]
            for key in keys:
                frame.locator(f"#{question.id}-{key}").check()
        else:
            frame.locator(f"#{question.id}-answer").fill(answer if right else "not this")
    frame.locator("#quiz-form button[type=submit]").click()
    frame.locator("#quiz-result").wait_for(state="visible")
    return frame.locator("#quiz-result").inner_text()


def values(page, standard):
    """The LMS's view of the data model, as scorm-again holds it."""
    return page.evaluate(
        "name => JSON.parse(JSON.stringify(window[name].cmi))", STANDARDS[standard]["api_name"]
    )


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_walk_every_lesson_answer_quizzes_complete_and_pass(lms, shipped_library, standard):
    course = shipped_library.get(COURSE)
    page = lms(standard)
    visited = []
    while True:
        lesson_id = current_lesson(page)
        frame = lesson_frame(page)
        assert frame.locator("h1").count() == 1
        visited.append(lesson_id)
        if lesson_id in course.quiz_ids():
            assert "100" in answer_quiz(page, course, lesson_id)
        following = frame.locator("a[rel=next]")
        if not following.count():
            break
        following.click()
        wait_for_next_lesson(page, lesson_id)
    assert visited == list(course.lesson_ids)

    cmi = values(page, standard)
    if standard == "scorm2004":
        assert cmi["completion_status"] == "completed"
        assert cmi["success_status"] == "passed"
        assert float(cmi["score"]["raw"]) == 100
        assert float(cmi["score"]["scaled"]) == 1
        assert float(cmi["progress_measure"]) == 1
    else:
        assert cmi["core"]["lesson_status"] == "passed"
        assert float(cmi["core"]["score"]["raw"]) == 100
        assert float(cmi["core"]["score"]["max"]) == 100
    page.evaluate("window.endSession()")
    page.wait_for_function(TERMINATED, arg=STANDARDS[standard]["terminate"])
    calls = page.evaluate("window.lmsCalls")
    assert page.evaluate("window.lmsErrors") == []
    commits = [c for c in calls if c[0] == STANDARDS[standard]["commit"]]
    # Commits at sensible points: after each quiz and every few lessons, never once per click.
    assert len(course.quiz_ids()) <= len(commits) < len(course.lesson_ids)
    exit_value = [c[2] for c in calls if c[1] in ("cmi.exit", "cmi.core.exit")][-1]
    assert exit_value == ("normal" if standard == "scorm2004" else "")
    session_time = [c[2] for c in calls if c[1] in ("cmi.session_time", "cmi.core.session_time")][-1]
    if standard == "scorm2004":
        assert session_time.startswith("PT") and session_time.endswith("S")
    else:
        assert len(session_time.split(":")) == 3


@pytest.mark.parametrize("standard", ["scorm12", "scorm2004"])
def test_partial_session_then_resume_lands_on_the_same_lesson(lms, shipped_library, browser, standard):
    course = shipped_library.get(COURSE)
    context = browser.new_context(viewport={"width": 900, "height": 900})
    page = lms(standard, context=context)
    for _ in range(3):
        lesson_id = current_lesson(page)
        lesson_frame(page).locator("a[rel=next]").click()
        wait_for_next_lesson(page, lesson_id)
    stopped_at = current_lesson(page)
    assert stopped_at == course.lesson_ids[3]
    page.evaluate("window.endSession()")
    page.wait_for_function(TERMINATED, arg=STANDARDS[standard]["terminate"])
    assert page.evaluate("window.lmsErrors") == []
    calls = page.evaluate("window.lmsCalls")
    assert [c[2] for c in calls if c[1] in ("cmi.exit", "cmi.core.exit")][-1] == "suspend"
    cmi = page.evaluate("window.saveCmi()")
    suspend = cmi["suspend_data"]
    assert 0 < len(suspend) <= 4096
    page.close()

    resumed = lms(standard, context=context, resume=True)
    wait_for_next_lesson(resumed)
    assert current_lesson(resumed) == stopped_at
    state = resumed.evaluate("document.querySelector('#sco').contentWindow.LHRuntime.state()")
    assert state == suspend.replace(suspend.split(";")[1], state.split(";")[1])  # same format
    progress = resumed.evaluate(
        "document.querySelector('#sco').contentDocument.querySelector('#lh-progress').value"
    )
    pages_seen = [
        lid for lid in course.lesson_ids[:4] if lid not in course.quiz_ids()
    ]  # a quiz counts once passed
    assert progress == round(100 * len(pages_seen) / len(course.lesson_ids))
    assert resumed.evaluate("window.lmsErrors") == []


def test_suspend_data_stays_within_4096_characters_for_a_60_lesson_course(tmp_path, browser):
    """Every lesson visited and every quiz tried in a 60-lesson course still fits SCORM 1.2's limit."""
    from learn_habitat.content import load_course
    from tests.activities.test_quiz import QUIZ_BODY, QUIZ_FRONT
    from tests.conftest import CourseFolder

    folder = CourseFolder(tmp_path / "big", "big-course")
    ids = [f"lesson-{n:02d}" for n in range(1, 61)]
    listing = "\n".join(f"      - {lesson_id}" for lesson_id in ids)
    folder.replace("course.yaml", "      - welcome\n      - details", listing)
    (folder.path / "en" / "welcome.md").unlink()
    (folder.path / "en" / "details.md").unlink()
    for index, lesson_id in enumerate(ids):
        if index % 2:
            folder.write_lesson(lesson_id, QUIZ_BODY, front=QUIZ_FRONT)
        else:
            folder.write_lesson(lesson_id, f"## Part {index}\\n\\nText of lesson {index}.\\n")
    course = load_course(folder.path)
    package = export_course(course, "en", "scorm12")
    root = tmp_path / "site"
    zipfile.ZipFile(io.BytesIO(package)).extractall(root)
    context = browser.new_context()
    page = context.new_page()
    page.goto((root / "index.html").as_uri())
    page.wait_for_function("window.LHRuntime !== undefined")
    encoded = page.evaluate(
        """ids => { var r = window.LHRuntime; var frame = document.getElementById('lh-lesson');
        ids.forEach(function (id, i) { if (i % 2) { r.recordQuiz(id, 99); r.recordQuiz(id, 100); } });
        return r.state(); }""",
        ids,
    )
    assert len(encoded) <= 4096
    assert encoded.count(",") == 29
    context.close()


def test_a_package_works_without_an_lms(tmp_path, shipped_library, browser):
    """Opened straight from disk, the course still runs: navigation, quizzes, progress kept locally."""
    course = shipped_library.get(COURSE)
    root = tmp_path / "standalone"
    zipfile.ZipFile(io.BytesIO(export_course(course, "en", "scorm2004"))).extractall(root)
    context = browser.new_context()
    page = context.new_page()
    page.goto((root / "index.html").as_uri())
    frame = page.frame_locator("#lh-lesson")
    assert frame.locator("h1").inner_text() == course.lesson(course.lesson_ids[0], "en").title
    frame.locator("a[rel=next]").click()
    assert frame.locator("body").get_attribute("data-lesson") == course.lesson_ids[1]
    context.close()


def test_arabic_package_is_right_to_left(lms, shipped_library):
    page = lms("scorm2004", language="ar")
    frame = lesson_frame(page)
    assert frame.locator("html").get_attribute("dir") == "rtl"
    assert frame.locator("html").get_attribute("lang") == "ar"
    course = shipped_library.get(COURSE)
    assert frame.locator("h1").inner_text() == course.lesson(course.lesson_ids[0], "ar").title
    assert json.loads(json.dumps(page.evaluate("window.lmsErrors"))) == []
