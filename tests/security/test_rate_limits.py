"""Rate limits that hold with the default server: counters shared by every gunicorn worker of a host (a SQLite
file in the instance folder unless RATELIMIT_STORAGE_URI names Redis), and limits on enrolment-key guesses."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)

from learn_habitat import create_app
from learn_habitat.config import Defaults
from learn_habitat.content import load_library
from learn_habitat.extensions import db
from learn_habitat.learning.services import set_enrolment_key
from learn_habitat.rate_limit_storage import SQLiteFileStorage, path_from_uri, storage_uri
from tests.conftest import PASSWORD, PROJECT_ROOT, SHIPPED_COURSES, CourseFolder, make_user
from tests.served_site import served_site

# The shared storage ----------------------------------------------------------------------------------------


def test_the_default_storage_is_a_private_sqlite_file_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "RATELIMIT_ENABLED": True})
    uri = app.config["RATELIMIT_STORAGE_URI"]
    assert uri.startswith("sqlite-file:///")
    path = Path(path_from_uri(uri))
    assert path == tmp_path / "instance" / "rate_limits.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # keys hold addresses and emails


def test_a_configured_storage_uri_is_kept(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_sqlite_file_uris_name_an_absolute_path(tmp_path):
    odd = tmp_path / "a folder with spaces #1" / "limits?.sqlite3"
    assert path_from_uri(storage_uri(odd)) == str(odd)
    assert isinstance(storage_from_string(storage_uri(odd)), SQLiteFileStorage)
    for wrong in ("sqlite-file://", "sqlite-file://relative/file", "sqlite-file://host/abs/file"):
        with pytest.raises(ConfigurationError):
            storage_from_string(wrong)


@pytest.fixture
def storage(tmp_path):
    return storage_from_string(storage_uri(tmp_path / "limits.sqlite3"))


def test_a_fixed_window_counts_until_it_expires_and_then_starts_again(storage):
    now = [1_000_000.0]
    storage.clock = lambda: now[0]
    limiter = FixedWindowRateLimiter(storage)
    item = parse("3 per minute")
    assert [limiter.hit(item, "10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "10.0.0.2")  # another key counts apart
    assert limiter.get_window_stats(item, "10.0.0.1").reset_time == 1_000_060.0
    now[0] += 59.5
    assert not limiter.hit(item, "10.0.0.1")
    now[0] += 0.5
    assert limiter.hit(item, "10.0.0.1")
    assert limiter.get_window_stats(item, "10.0.0.1").remaining == 2
    limiter.clear(item, "10.0.0.1")
    assert limiter.get_window_stats(item, "10.0.0.1").remaining == 3
    assert limiter.hit(item, "10.0.0.3")
    assert storage.reset() == 1  # 10.0.0.3's counter; 10.0.0.2's expired and was removed
    assert storage.check()


def test_a_moving_window_frees_each_hit_a_window_after_it(storage):
    now = [2_000_000.0]
    storage.clock = lambda: now[0]
    limiter = MovingWindowRateLimiter(storage)
    item = parse("2 per minute")
    assert limiter.hit(item, "k")
    now[0] += 30
    assert limiter.hit(item, "k")
    assert not limiter.hit(item, "k")
    assert limiter.get_window_stats(item, "k").reset_time == 2_000_060.0
    now[0] += 30.5  # the first hit left the window, the second not yet
    assert limiter.hit(item, "k")
    assert not limiter.hit(item, "k")


def test_a_sliding_window_counter_weighs_the_previous_window(storage):
    now = [60 * 50_000.0]  # the start of a window
    storage.clock = lambda: now[0]
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("4 per minute")
    assert [limiter.hit(item, "k") for _ in range(5)] == [True, True, True, True, False]
    now[0] += 90  # half-way through the next window: the previous one weighs 4 x 0.5 = 2
    assert [limiter.hit(item, "k") for _ in range(3)] == [True, True, False]


COUNTING_PROCESS = textwrap.dedent(
    """
    import sys
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import STRATEGIES
    import learn_habitat.rate_limit_storage  # registers sqlite-file://

    uri, strategy, hits = sys.argv[1], sys.argv[2], int(sys.argv[3])
    limiter = STRATEGIES[strategy](storage_from_string(uri))
    sys.stdin.readline()  # start together
    print(sum(limiter.hit(parse("30 per hour"), "shared") for _ in range(hits)))
    """
)


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
def test_processes_hitting_one_file_at_once_get_exactly_the_limit_between_them(tmp_path, strategy):
    uri = storage_uri(tmp_path / "limits.sqlite3")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTING_PROCESS, uri, strategy, "20"],
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    allowed = []
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        allowed.append(int(output))
    assert sum(allowed) == 30  # of 80 hits from 4 processes, against "30 per hour"


# `learn-habitat serve`: several gunicorn workers, one limit ------------------------------------------------


@pytest.fixture
def served(tmp_path):
    """`learn-habitat serve` with 3 gunicorn workers and nothing about rate limits configured."""
    with served_site(tmp_path, SHIPPED_COURSES) as site:
        yield site


def test_sign_in_limit_holds_across_the_workers_of_learn_habitat_serve(served):
    status, headers, page = served.request("GET", "/login")
    assert status == 200
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    cookie = next(value.split(";", 1)[0] for name, value in headers if name.lower() == "set-cookie")

    def sign_in(number):
        # A different account each time: only the per-address limit applies.
        body = urlencode(
            {"email": f"guess{number}@example.org", "password": "not the password", "csrf_token": csrf}
        )
        return served.request(
            "POST",
            "/login",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )[0]

    with ThreadPoolExecutor(max_workers=5) as pool:  # concurrent, so several workers answer
        statuses = list(pool.map(sign_in, range(20)))
    documented = int(Defaults.LOGIN_RATE_LIMIT.split()[0])
    assert documented == 10
    assert sorted(statuses) == [401] * documented + [429] * (20 - documented)
    workers = set(re.findall(r'"POST /login HTTP/1\.1" \d+ .* <(\d+)>$', served.log(), re.MULTILINE))
    assert len(workers) >= 2, "the sign-ins should have been answered by more than one worker"


# Enrolment keys ---------------------------------------------------------------------------------------------


@pytest.fixture
def key_app(app_config, tmp_path):
    """A key course and an open course, rate limits on (default storage) with small enrolment-key limits."""
    root = tmp_path / "key-courses"
    for mode in ("key", "open"):
        folder = CourseFolder(root, f"{mode}-course")
        folder.replace("course.yaml", "completion:", f"enrolment: {mode}\ncompletion:")
    app_config.update(
        COURSE_LIBRARY=load_library(root),
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="1000 per minute",
        ACCOUNT_RATE_LIMIT="1000 per minute",
        ENROLMENT_KEY_RATE_LIMIT="5 per minute",
        ENROLMENT_KEY_ACCOUNT_RATE_LIMIT="3 per minute",
    )
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        set_enrolment_key("key-course", "habitat-2026")
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


class Learner:
    """A signed-in learner who can enrol through the site form and through the API, from one address."""

    def __init__(self, app, name, address="10.1.1.1"):
        self.email = f"{name}@example.org"
        make_user(app, self.email, name.title())
        self.site = app.test_client()
        self.address = {"REMOTE_ADDR": address}
        self.site.post("/login", data={"email": self.email, "password": PASSWORD}, environ_base=self.address)
        api = app.test_client()
        response = api.post(
            "/api/v1/tokens", json={"email": self.email, "password": PASSWORD}, environ_base=self.address
        )
        assert response.status_code == 201
        self.api = api
        self.token = response.get_json()["token"]

    def enrol_on_site(self, key, course="key-course"):
        return self.site.post(f"/courses/{course}/enrol", data={"key": key}, environ_base=self.address)

    def enrol_by_api(self, key, course="key-course"):
        return self.api.post(
            f"/api/v1/courses/{course}/enrolment",
            json={"key": key},
            headers={"Authorization": f"Bearer {self.token}"},
            environ_base=self.address,
        )


def test_enrolment_key_guesses_are_limited_per_account_and_course_on_site_and_api_together(key_app):
    learner = Learner(key_app, "guesser")
    assert learner.enrol_on_site("wrong-1").status_code == 302  # back to the course page, not enrolled
    assert learner.enrol_by_api("wrong-2").status_code == 403
    assert learner.enrol_on_site("wrong-3").status_code == 302
    # The fourth guess is refused before the key is compared, whichever way it comes, even the right key.
    refused = learner.enrol_by_api("habitat-2026")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert learner.enrol_on_site("habitat-2026").status_code == 429
    assert learner.api.get(
        "/api/v1/me/enrolments", headers={"Authorization": f"Bearer {learner.token}"}
    ).get_json() == {"enrolments": []}
    # Another learner from another address guesses on their own count.
    other = Learner(key_app, "classmate", address="10.2.2.2")
    assert other.enrol_by_api("habitat-2026").status_code == 201


def test_enrolment_key_guesses_are_limited_per_address_across_accounts(key_app):
    first, second = Learner(key_app, "first"), Learner(key_app, "second")
    assert [first.enrol_by_api(f"wrong-{n}").status_code for n in range(3)] == [403, 403, 403]
    assert [second.enrol_on_site("wrong").status_code for _ in range(2)] == [302, 302]
    # Five guesses from 10.1.1.1: a third account there is refused at once, by the site and by the API.
    third = Learner(key_app, "third")
    assert third.enrol_by_api("habitat-2026").status_code == 429
    assert third.enrol_on_site("habitat-2026").status_code == 429
    elsewhere = Learner(key_app, "elsewhere", address="10.3.3.3")
    assert elsewhere.enrol_on_site("habitat-2026").status_code == 302
    assert elsewhere.enrol_by_api("habitat-2026").status_code == 200  # enrolled by the form just before


def test_enrolling_in_an_open_course_is_not_counted_as_a_key_guess(key_app):
    learner = Learner(key_app, "keen")
    headers = {"Authorization": f"Bearer {learner.token}"}
    for _ in range(4):
        assert learner.enrol_by_api(None, course="open-course").status_code == 201
        assert learner.api.delete("/api/v1/courses/open-course/enrolment", headers=headers).status_code == 204
        assert learner.enrol_on_site("", course="open-course").status_code == 302
        assert learner.api.delete("/api/v1/courses/open-course/enrolment", headers=headers).status_code == 204
    assert learner.enrol_by_api("habitat-2026").status_code == 201


def test_api_enrolments_without_a_valid_token_are_not_counted(key_app):
    client = key_app.test_client()
    for token in (None, "lh_not-a-token") * 4:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.post(
            "/api/v1/courses/key-course/enrolment",
            json={"key": "guess"},
            headers=headers,
            environ_base={"REMOTE_ADDR": "10.1.1.1"},
        )
        assert response.status_code == 401
    assert Learner(key_app, "after").enrol_by_api("habitat-2026").status_code == 201


def test_a_failed_write_counts_nothing_and_leaves_the_file_usable(storage):
    with pytest.raises(RuntimeError), storage._write() as (connection, now):
        storage._increment(connection, "k", 60, 1, now)
        raise RuntimeError("the request failed half-way")
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
