"""Simulated learners for ``python -m loadtest.run`` (run by locust, never imported by pytest).

Each learner registers through the API, takes a token, enrols in a course, browses the catalogue and
course pages, and opens the lessons in order (``POST .../view``), now and then opening one again (at
times twice at once, like a double click) and answering the quizzes, right or wrong. A quarter of
the learners also sign in through the login form and read some lessons as HTML pages, which records
progress too and exercises the friendly error page.

Each learner keeps a ledger of what it tried and what the site acknowledged; with every request's
time and status it is written as JSON to ``$LOADTEST_RECORD`` when the test stops, for the runner to
check against the database. Settings come from the environment the runner sets:

    LOADTEST_RUN_ID     distinguishes this run's accounts (load-<run id>-<n>@example.org)
    LOADTEST_RECORD     where to write the ledger
    LOADTEST_ANSWERS    JSON answer key: {course: {quiz lesson: {question id: right answer}}}
    LOADTEST_OUTBOX     the site's mail folder (file backend): sign-up is confirmed by the mailed link
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, events, task

RUN_ID = os.environ.get("LOADTEST_RUN_ID", "manual")
RECORD_PATH = os.environ.get("LOADTEST_RECORD", "loadtest-record.json")
ANSWERS_PATH = os.environ.get("LOADTEST_ANSWERS")
OUTBOX = os.environ.get("LOADTEST_OUTBOX", "")
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/register/confirm/\S+)")
MAIL_WAIT_SECONDS = 60
PASSWORD = "load test password 1234"
HTML_SHARE = 0.25  # learners who also sign in through the form and read lessons as pages
FRIENDLY_PAGE_MARK = "Back in a moment"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

ANSWERS: dict = {}
if ANSWERS_PATH:
    with open(ANSWERS_PATH, encoding="utf-8") as handle:
        ANSWERS = json.load(handle)

_numbers = itertools.count(1)
LEDGERS: list[dict] = []  # one per learner
REQUESTS: list[list] = []  # [start, end, method, name, status, note]


_environment = None


@events.init.add_listener
def _remember_environment(environment, **_kwargs):
    global _environment
    _environment = environment


@events.test_stop.add_listener
@events.quit.add_listener
def _write_record(**_kwargs):
    """Write every learner's ledger and the request log for the runner (again at exit: same content)."""
    total = _environment.stats.total if _environment is not None else None
    record = {
        "run_id": RUN_ID,
        # Locust's own count, to cross-check the request log against.
        "locust_total": {"requests": total.num_requests, "failures": total.num_failures} if total else None,
        "learners": LEDGERS,
        "requests": REQUESTS,
    }
    with open(RECORD_PATH + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    os.replace(RECORD_PATH + ".tmp", RECORD_PATH)


def _json(response) -> dict:
    try:
        data = response.json()
    except Exception:  # noqa: BLE001 - any unparsable body is simply "not the JSON we expected"
        return {}
    return data if isinstance(data, dict) else {}


class Learner(FastHttpUser):
    """One learner working through courses."""

    network_timeout = 60.0
    connection_timeout = 10.0

    def wait_time(self) -> float:
        """A reader's pause between steps; signing up goes quicker (no reading, and the load test
        proper starts when everyone is enrolled)."""
        return random.uniform(0.3, 1.5) if self.course_queue is not None else random.uniform(0.05, 0.2)

    def on_start(self):
        number = next(_numbers)
        self.email = f"load-{RUN_ID}-{number}@example.org"
        self.ledger = {
            "email": self.email,
            "registered": False,
            "enrolled": [],  # courses whose enrolment was acknowledged
            # "course/lesson" -> {"tried": n, "acknowledged": n}
            "views": {},
            # {"course", "lesson", "submission_id", "acknowledged", "passed"}
            "attempts": [],
            "completed_courses": [],  # courses the site said were complete
        }
        LEDGERS.append(self.ledger)
        self.html = random.random() < HTML_SHARE
        self.signed_in = False
        self.token = None
        self.course_queue = None  # course ids still to take
        self.course = None  # {"id": ..., "lessons": [(id, type), ...]}
        self.position = 0
        self.pending_attempt = None  # the attempt to send (again, after a 503)

    # One step per task run ----------------------------------------------------------------------

    @task
    def step(self):
        """Do the next thing a learner would do."""
        if not self.ledger["registered"]:
            self.register()
        elif self.token is None:
            self.take_token()
        elif self.html and not self.signed_in:
            self.sign_in()
        elif self.course is None and self.course_queue != []:
            self.start_course()
        elif self.pending_attempt is not None:
            self.answer_quiz()
        elif self.course is None:
            self.browse()  # every course done: keep reading around
        else:
            roll = random.random()
            if roll < 0.55:
                self.open_next_lesson()
            elif roll < 0.67:
                self.open_again()
            else:
                self.browse()

    # Accounts -----------------------------------------------------------------------------------

    def register(self):
        """Sign up through the API (202 whether or not the address is known), then confirm by the mailed
        link with the password, as a person would."""
        if not self.ledger.get("signed_up"):
            status, _response = self.call(
                "POST",
                "/api/v1/users",
                json={"email": self.email, "name": f"Load Learner {self.email[:30]}", "password": PASSWORD},
                expect=(202,),
            )
            self.ledger["signed_up"] = status == 202
            return
        link = self.mailed_confirmation_link()
        if link is None:
            return
        status, response = self.call("GET", link, name="/register/confirm/[token]", expect=(200,))
        match = CSRF_FIELD.search(response.text or "") if status == 200 else None
        if match is None:
            return
        status, _response = self.call(
            "POST",
            link,
            name="/register/confirm/[token]",
            data={"csrf_token": match.group(1), "password": PASSWORD},
            expect=(302,),
            allow_redirects=False,
        )
        if status == 302:
            self.ledger["registered"] = True

    def mailed_confirmation_link(self) -> str | None:
        """The path of the confirmation link mailed to this learner; the mail is sent off the request path,
        so wait for it (bounded)."""
        deadline = time.monotonic() + MAIL_WAIT_SECONDS
        while time.monotonic() < deadline:
            for name in sorted(os.listdir(OUTBOX)) if os.path.isdir(OUTBOX) else []:
                with open(os.path.join(OUTBOX, name), encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
                if re.search(rf"^To: {re.escape(self.email)}$", text, re.M):
                    found = CONFIRM_LINK.search(text)
                    if found:
                        return found.group(1)
            gevent.sleep(0.5)
        return None

    def take_token(self):
        status, response = self.call(
            "POST", "/api/v1/tokens", json={"email": self.email, "password": PASSWORD}, expect=(201,)
        )
        if status == 201:
            self.token = _json(response).get("token")

    def sign_in(self):
        status, response = self.call("GET", "/login", expect=(200,))
        match = CSRF_FIELD.search(response.text or "") if status == 200 else None
        if match is None:
            return
        form = urlencode({"email": self.email, "password": PASSWORD, "csrf_token": match.group(1)})
        status, _ = self.call(
            "POST",
            "/login",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            expect=(302, 303),
            allow_redirects=False,
        )
        if status in (302, 303):
            self.signed_in = True

    # Courses ------------------------------------------------------------------------------------

    def start_course(self):
        if self.course_queue is None:
            status, response = self.call("GET", "/api/v1/courses", expect=(200,))
            if status != 200:
                return
            ids = [c["id"] for c in _json(response).get("courses", []) if c.get("enrolment") == "open"]
            random.shuffle(ids)
            self.course_queue = ids
            return
        course_id = self.course_queue[0]
        status, response = self.call(
            "GET", f"/api/v1/courses/{course_id}", name="/api/v1/courses/[id]", expect=(200,)
        )
        if status != 200:
            return
        lessons = [
            (lesson["id"], lesson["type"])
            for module in _json(response).get("modules", [])
            for lesson in module["lessons"]
        ]
        status, _ = self.call(
            "POST",
            f"/api/v1/courses/{course_id}/enrolment",
            name="/api/v1/courses/[id]/enrolment",
            expect=(200, 201),
        )
        if status in (200, 201):
            if course_id not in self.ledger["enrolled"]:
                self.ledger["enrolled"].append(course_id)
            self.course_queue.pop(0)
            self.course = {"id": course_id, "lessons": lessons}
            self.position = 0

    def open_next_lesson(self):
        lesson_id, lesson_type = self.course["lessons"][self.position]
        if self.signed_in and random.random() < 0.4:
            acknowledged = self.read_page(lesson_id)
        else:
            acknowledged = self.view(lesson_id)
        if not acknowledged:
            return  # try the same lesson again at the next step
        if (
            lesson_type == "quiz"
            and lesson_id in ANSWERS.get(self.course["id"], {})
            and random.random() < 0.8
        ):
            self.pending_attempt = self.new_attempt(lesson_id)
        else:
            self.move_on()

    def open_again(self):
        done = [lid for lid, _ in self.course["lessons"][: self.position]]
        if not done:
            return self.open_next_lesson()
        lesson_id = random.choice(done)
        if random.random() < 0.3:
            # A double click: the same view twice at the same moment; both must answer 200.
            gevent.joinall(
                [gevent.spawn(self.view, lesson_id), gevent.spawn(self.view, lesson_id)], timeout=90
            )
        else:
            self.view(lesson_id)

    def view(self, lesson_id: str) -> bool:
        course_id = self.course["id"]
        entry = self.ledger["views"].setdefault(f"{course_id}/{lesson_id}", {"tried": 0, "acknowledged": 0})
        entry["tried"] += 1  # before sending: the server may save it even if the answer is lost
        status, response = self.call(
            "POST",
            f"/api/v1/courses/{course_id}/lessons/{lesson_id}/view",
            name="/api/v1/courses/[id]/lessons/[id]/view",
            expect=(200,),
        )
        if status != 200:
            return False
        entry["acknowledged"] += 1
        if _json(response).get("completed"):
            self.note_completed(course_id)
        return True

    def read_page(self, lesson_id: str) -> bool:
        course_id = self.course["id"]
        entry = self.ledger["views"].setdefault(f"{course_id}/{lesson_id}", {"tried": 0, "acknowledged": 0})
        entry["tried"] += 1
        status, _ = self.call(
            "GET", f"/courses/{course_id}/{lesson_id}", name="/courses/[id]/[lesson] (page)", expect=(200,)
        )
        if status != 200:
            return False
        entry["acknowledged"] += 1
        return True

    def new_attempt(self, lesson_id: str) -> dict:
        key = ANSWERS[self.course["id"]][lesson_id]
        right = random.random() < 0.7
        answers = dict(key) if right else {question: "not the answer" for question in key}
        attempt = {
            "course": self.course["id"],
            "lesson": lesson_id,
            "submission_id": uuid.uuid4().hex,
            "answers": answers,
            "acknowledged": False,
            "passed": None,
        }
        self.ledger["attempts"].append(attempt)
        return attempt

    def answer_quiz(self):
        attempt = self.pending_attempt
        status, response = self.call(
            "POST",
            f"/api/v1/courses/{attempt['course']}/lessons/{attempt['lesson']}/attempts",
            name="/api/v1/courses/[id]/lessons/[id]/attempts",
            json={"answers": attempt["answers"], "submission_id": attempt["submission_id"]},
            expect=(200, 201, 409),
        )
        body = _json(response)
        if status in (200, 201):
            attempt["acknowledged"] = True
            attempt["passed"] = bool(body.get("passed"))
            if body.get("course_completed"):
                self.note_completed(attempt["course"])
            if attempt["passed"] or body.get("attempts_left") == 0:
                self.pending_attempt = None
                self.move_on()
            else:
                self.pending_attempt = self.new_attempt(attempt["lesson"])
        elif status == 409:  # no attempts left (or a conflicting one being saved): move on
            self.pending_attempt = None
            self.move_on()
        # Otherwise (503 during an outage) send the same submission again at the next step.

    def move_on(self):
        self.position += 1
        if self.position >= len(self.course["lessons"]):
            self.course = None

    def note_completed(self, course_id: str):
        if course_id not in self.ledger["completed_courses"]:
            self.ledger["completed_courses"].append(course_id)

    def browse(self):
        course_id = (self.course or {}).get("id") or random.choice(
            self.ledger["enrolled"] or ["new-urban-agenda"]
        )
        choices = [
            ("GET", "/", "/"),
            ("GET", f"/courses/{course_id}/", "/courses/[id]/"),
            ("GET", "/api/v1/courses", "/api/v1/courses"),
            ("GET", "/api/v1/me/enrolments", "/api/v1/me/enrolments"),
        ]
        if course_id in self.ledger["enrolled"]:
            choices.append(("GET", f"/api/v1/courses/{course_id}/progress", "/api/v1/courses/[id]/progress"))
        if self.signed_in:
            choices.append(("GET", "/dashboard", "/dashboard"))
        method, path, name = random.choice(choices)
        self.call(method, path, name=name, expect=(200,))

    # Every request goes through here ------------------------------------------------------------

    def call(
        self, method, path, name=None, expect=(200,), json=None, data=None, headers=None, allow_redirects=True
    ):
        """Send one request, judge it, log it; return (status, response)."""
        headers = dict(headers or {})
        if self.token and path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
        start = time.time()
        with self.client.request(
            method,
            path,
            name=name or path,
            json=json,
            data=data,
            headers=headers,
            allow_redirects=allow_redirects,
            catch_response=True,
        ) as response:
            end = time.time()
            status = response.status_code or 0
            note = ""
            if status in expect:
                response.success()
            elif status == 503:
                note = "clean-503" if self._clean_unavailable(path, response) else "unclean-503"
                response.failure(f"503 ({note})")
            else:
                error = getattr(response, "error", None)
                note = f"{type(error).__name__}: {error}" if status == 0 else (response.text or "")[:300]
                response.failure(f"unexpected {status}")
        REQUESTS.append([round(start, 3), round(end, 3), method, name or path, status, note])
        return status, response

    @staticmethod
    def _clean_unavailable(path: str, response) -> bool:
        """A 503 as promised: Retry-After, and the JSON error code or the friendly page."""
        if not response.headers.get("Retry-After"):
            return False
        if path.startswith("/api/"):
            return _json(response).get("error", {}).get("code") == "service_unavailable"
        return FRIENDLY_PAGE_MARK in (response.text or "")
