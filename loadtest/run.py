"""Run simulated learners against a fresh instance, then prove nothing was lost.

    python -m loadtest.run [--users 100] [--duration 60] [--database sqlite|postgresql] [--outage]

Steps: a temporary instance folder and a fresh database (a SQLite file, or a PostgreSQL database of
its own, created and dropped on the server named by ``--postgresql-url``), ``learn-habitat db
upgrade``, ``learn-habitat serve`` (gunicorn) on a free local port with rate limits off, then locust,
headless, in a subprocess. The learners first sign up (a burst of password hashing); once every one
is enrolled, the load lasts ``--duration`` seconds more, then the runner stops locust. Afterwards the
learners' ledgers are checked against the database and a summary is printed. Exit status: 0 when
every check holds, 1 on any violation, 2 when the run could not be made at all.

With ``--outage`` (PostgreSQL only) the app reaches PostgreSQL through ``loadtest.dbproxy``; mid-run
the proxy cuts every connection and refuses new ones for ``--outage-seconds``, then accepts again.
During the cut the site must answer 503 cleanly (the friendly page, or JSON ``service_unavailable``
under /api/), never a 500, and it must recover by itself once the line is back.

Checks:
- no 5xx at all, except clean 503s inside the outage window (the cut plus ``OUTAGE_GRACE`` seconds);
  no connection errors and no unexpected 4xx either;
- every view acknowledged with a 200 has exactly one ``lesson_progress`` row, completed for pages;
  every acknowledged quiz attempt is stored once, with the grade the learner was told, and a passed
  quiz is complete; acknowledged enrolments and course completions are stored; no row exists for
  something a learner never tried, and no completion without every lesson complete.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
DEFAULT_POSTGRESQL_URL = "postgresql://postgres@127.0.0.1:5432/test"
OUTAGE_GRACE = 2.0  # seconds after the line is back during which a request queued in the cut may still 503
RECOVERY_ROOM = 4.0  # seconds of load after the grace, to see the site working again
STARTUP_TIMEOUT = 90.0
SHUTDOWN_TIMEOUT = 30.0


class SetupError(Exception):
    """The run could not be made (not a finding about the app)."""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100, help="simulated learners (default 100)")
    parser.add_argument(
        "--duration",
        type=int,
        default=60,
        help="seconds of load once every learner has signed up and enrolled (default 60)",
    )
    parser.add_argument(
        "--spawn-rate", type=float, default=None, help="learners started per second (default 10)"
    )
    parser.add_argument(
        "--signup-timeout",
        type=float,
        default=120.0,
        help="the longest wait for every learner to sign up before the --duration clock starts anyway",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgresql-url",
        default=os.environ.get("LEARN_HABITAT_TEST_DATABASE_URL") or DEFAULT_POSTGRESQL_URL,
        help="a database on the server to use; the run creates and drops its own database beside it "
        "(default: $LEARN_HABITAT_TEST_DATABASE_URL, else %(default)s)",
    )
    parser.add_argument("--outage", action="store_true", help="cut the database mid-run (PostgreSQL only)")
    parser.add_argument("--outage-seconds", type=float, default=5.0, help="length of the cut (default 5)")
    parser.add_argument(
        "--outage-at",
        type=float,
        default=None,
        help="seconds into --duration to cut (default: 30%%, or as late as leaves room to see the recovery)",
    )
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: serve's)")
    parser.add_argument("--report", type=Path, default=None, help="also write the summary as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, ledgers)")
    args = parser.parse_args(argv)
    if args.outage and args.database != "postgresql":
        parser.error("--outage needs --database postgresql (the proxy sits in front of PostgreSQL)")
    if args.users < 1 or args.duration < 5:
        parser.error("use at least 1 user and 5 seconds")
    # Ten learners a second (more for big runs, so sign-up never takes longer than ten seconds to start).
    args.spawn_rate = args.spawn_rate or max(10.0, round(args.users / 10, 1))
    latest_cut = args.duration - args.outage_seconds - OUTAGE_GRACE - RECOVERY_ROOM
    if args.outage_at is None:
        args.outage_at = max(1.0, min(args.duration * 0.3, latest_cut))
    if args.outage and args.outage_at > latest_cut:
        parser.error(
            f"the outage must end at least {OUTAGE_GRACE + RECOVERY_ROOM:g} s before the run does, to see the "
            "recovery: lengthen --duration or shorten --outage-seconds"
        )
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # Stopped from outside (a CI timeout): unwind, so the cleanup below still stops what we started;
    # a second SIGTERM (timeout(1) signals the whole process group) must not cut the cleanup short.
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="learn-habitat-load-"))
    run = LoadRun(args, workdir)
    try:
        report = run.execute()
    except SetupError as error:
        print(f"load test could not run: {error}", file=sys.stderr)
        run.show_logs()
        return 2
    finally:
        run.cleanup()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print_summary(report)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 1 if report["violations"] else 0


def stop_on_sigterm(_signal, _frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(143)


class LoadRun:
    """One run: database, server, proxy, locust; then the analysis."""

    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:10]
        self.began = time.monotonic()
        self.database_name: str | None = None
        self.admin_url = None  # sqlalchemy URL of the database used to create and drop ours
        self.direct_url: str | None = None  # our database, straight (never through the proxy)
        self.proxy = None
        self.server: subprocess.Popen | None = None
        self.locust: subprocess.Popen | None = None
        self.server_log = workdir / "gunicorn.log"
        self.locust_log = workdir / "locust.log"
        self.record_path = workdir / "record.json"

    # The run -------------------------------------------------------------------------------------

    def progress(self, message: str) -> None:
        print(f"[{time.monotonic() - self.began:5.1f} s] {message}", file=sys.stderr, flush=True)

    def execute(self) -> dict:
        args = self.args
        direct_url, served_url = self.create_database()
        self.direct_url = direct_url
        # The schema upgrade and the answer key each load the courses (seconds of work): do them side by
        # side. The server starts after the upgrade: `learn-habitat serve` refuses an old schema.
        upgrade = self.learn_habitat("db", "upgrade", database_url=direct_url)
        lesson_types = self.write_answer_key()
        self.finish(upgrade, "db upgrade")
        port = free_port()
        self.start_server(port, served_url)
        self.wait_for_server()
        self.progress(f"{args.database} database ready; gunicorn answers on {self.base_url}")
        timeline = self.run_locust(port)
        self.progress("learners stopped; checking")
        self.stop_server()
        record = self.read_record()
        stats = request_figures(record, timeline["load_began"])
        traffic = judge_requests(record["requests"], timeline["cut"])
        progress = check_progress(direct_url, record, lesson_types, self.run_id)
        violations = traffic.pop("violations") + progress.pop("violations")
        if not any(
            entry["acknowledged"] for learner in record["learners"] for entry in learner["views"].values()
        ):
            violations.append("no view was acknowledged at all: the run proves nothing")
        return {
            "users": args.users,
            "duration": args.duration,
            "database": args.database,
            "signup_s": timeline["signup_s"],
            "signed_up": timeline["signed_up"],
            "outage": timeline["cut"],
            "stats": stats,
            "traffic": traffic,
            "progress": progress,
            "violations": violations,
        }

    def write_answer_key(self) -> dict:
        """Write the quizzes' right answers for the learners; return {course: {lesson: type}}."""
        from learn_habitat.content import load_library

        library = load_library(PROJECT_ROOT / "courses")
        answers, types = {}, {}
        for course in library:
            types[course.id] = {}
            for lesson_id in course.lesson_ids:
                lesson = course.lesson(lesson_id, course.source_language)
                types[course.id][lesson_id] = lesson.type
                if lesson.type == "quiz":
                    answers.setdefault(course.id, {})[lesson_id] = {
                        question.id: right_answer(question) for question in lesson.activity.questions
                    }
        (self.workdir / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
        return types

    def create_database(self) -> tuple[str, str]:
        """Return (URL for checks and migrations, URL the served app uses)."""
        if self.args.database == "sqlite":
            url = f"sqlite:///{self.workdir / 'load.sqlite3'}"
            return url, url
        import psycopg
        from sqlalchemy.engine import make_url

        admin = make_url(self.args.postgresql_url).set(drivername="postgresql")
        self.database_name = f"learn_habitat_load_{self.run_id}"
        try:
            with psycopg.connect(admin_conninfo(admin), autocommit=True, connect_timeout=5) as connection:
                connection.execute(f'CREATE DATABASE "{self.database_name}"')
        except psycopg.Error as error:
            self.database_name = None
            raise SetupError(f"cannot create a database on {admin.render_as_string()}: {error}") from None
        self.admin_url = admin
        direct = admin.set(database=self.database_name)
        served = direct
        if self.args.outage:
            from loadtest.dbproxy import DatabaseProxy

            self.proxy = DatabaseProxy(direct.host or "127.0.0.1", direct.port or 5432)
            served = direct.set(host="127.0.0.1", port=self.proxy.start())
        return direct.render_as_string(hide_password=False), served.render_as_string(hide_password=False)

    def environment(self, database_url: str) -> dict:
        # The instance is ours alone: nothing from the caller's LEARN_HABITAT_* settings leaks in.
        env = {key: value for key, value in os.environ.items() if not key.startswith("LEARN_HABITAT_")}
        env.update(
            LEARN_HABITAT_INSTANCE_PATH=str(self.workdir / "instance"),
            LEARN_HABITAT_DATABASE_URL=database_url,
            LEARN_HABITAT_COURSES_DIR=str(PROJECT_ROOT / "courses"),
            LEARN_HABITAT_RATELIMIT_ENABLED="false",
        )
        return env

    def learn_habitat(self, *arguments: str, database_url: str) -> subprocess.Popen:
        """Start a ``learn-habitat`` command on this run's instance."""
        return subprocess.Popen(
            [*learn_habitat_command(), *arguments],
            cwd=PROJECT_ROOT,
            env=self.environment(database_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @staticmethod
    def finish(process: subprocess.Popen, what: str) -> None:
        try:
            output, _ = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise SetupError(f"learn-habitat {what} did not finish in 120 s") from None
        if process.returncode != 0:
            raise SetupError(f"learn-habitat {what} failed:\n{output}")

    def start_server(self, port: int, database_url: str) -> None:
        command = [*learn_habitat_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        if self.args.workers:
            command += ["--workers", str(self.args.workers)]
        with open(self.server_log, "wb") as log:
            self.server = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.environment(database_url),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.base_url = f"http://127.0.0.1:{port}"

    def wait_for_server(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SetupError(f"gunicorn exited with status {self.server.returncode}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise SetupError(f"/healthz did not answer within {STARTUP_TIMEOUT:.0f} s")

    def run_locust(self, port: int) -> dict:
        """Run the learners: sign-up, then ``--duration`` seconds of load, with the cut if asked."""
        args = self.args
        env = dict(os.environ)
        env.update(
            LOADTEST_RUN_ID=self.run_id,
            LOADTEST_RECORD=str(self.record_path),
            # Sign-up is confirmed by a mailed link: the learners read it where the file backend writes it.
            LOADTEST_OUTBOX=str(self.workdir / "instance" / "outbox"),
            LOADTEST_ANSWERS=str(self.workdir / "answers.json"),
        )
        # The runner stops locust itself (SIGTERM) once the load has lasted --duration; -t is only a bound.
        limit = round(args.signup_timeout + args.duration + 30)
        command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
        command += ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{limit}s"]
        command += ["--host", f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "WARNING"]
        command += ["--exit-code-on-error", "0"]
        started = time.time()
        with open(self.locust_log, "wb") as log:
            self.locust = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        # Sign-up costs a password hash or two per learner (scrypt: CPU-bound); the load proper begins
        # when every learner is enrolled, so a slow machine gets a shorter run, not one without reading.
        from sqlalchemy import create_engine

        engine = create_engine(sqlalchemy_url(self.direct_url))
        try:
            enrolled = self.wait_for_signups(engine, started)
            load_began = time.time()
            self.progress(
                f"{enrolled} of {args.users} learners signed up and enrolled; {args.duration} s of load"
            )
            timeline = {
                "load_began": load_began,
                "signup_s": round(load_began - started, 2),
                "signed_up": enrolled,
                "cut": None,
            }
            if args.outage:
                self.sleep_while_locust_runs(load_began + args.outage_at - time.time())
                cut = {"start": time.time(), "learners_reading": count(engine, LEARNERS_READING)}
                cut["connections_closed"] = self.proxy.cut()
                self.sleep_while_locust_runs(args.outage_seconds)
                self.proxy.restore()
                cut["end"] = time.time()
                cut["seconds"] = round(cut["end"] - cut["start"], 2)
                cut["at"] = round(cut["start"] - load_began, 2)
                timeline["cut"] = cut
                self.progress(
                    f"database cut for {cut['seconds']} s with {cut['learners_reading']} learners reading"
                )
            self.sleep_while_locust_runs(load_began + args.duration - time.time())
        finally:
            engine.dispose()
        if self.locust.poll() is None:
            self.locust.send_signal(signal.SIGTERM)  # locust stops its users and writes the ledger
        try:
            self.locust.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise SetupError("locust did not stop within 60 s") from None
        if self.locust.returncode not in (0, 1):
            raise SetupError(f"locust exited with status {self.locust.returncode}")
        return timeline

    def wait_for_signups(self, engine, started: float) -> int:
        """Wait until every learner is enrolled (or --signup-timeout); return how many are."""
        enrolled = 0
        while time.time() < started + self.args.signup_timeout:
            enrolled = count(engine, LEARNERS_ENROLLED)
            if enrolled >= self.args.users or not self.sleep_while_locust_runs(0.25):
                break
        if self.locust.poll() is not None:
            raise SetupError(f"locust ended during sign-up (exit status {self.locust.returncode})")
        return enrolled

    def sleep_while_locust_runs(self, seconds: float) -> bool:
        deadline = time.monotonic() + max(0.0, seconds)
        while time.monotonic() < deadline:
            if self.locust.poll() is not None:
                return False
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        return True

    def stop_server(self) -> None:
        """Ask gunicorn to stop; :meth:`cleanup` waits for it (its workers take seconds to exit)."""
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)

    def read_record(self) -> dict:
        try:
            return json.loads(self.record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SetupError(f"locust wrote no ledger ({error})") from None

    # Afterwards ----------------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Stop what this run started and drop its database, whatever happened."""
        try:
            for process in (self.locust, self.server):
                if process is not None and process.poll() is None:
                    process.terminate()  # a second SIGTERM to gunicorn changes nothing
                    try:
                        process.wait(timeout=SHUTDOWN_TIMEOUT)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=SHUTDOWN_TIMEOUT)
            if self.proxy is not None:
                self.proxy.stop()
        finally:
            self.drop_database()

    def drop_database(self) -> None:
        if not self.database_name:
            return
        import psycopg

        try:
            with psycopg.connect(
                admin_conninfo(self.admin_url), autocommit=True, connect_timeout=5
            ) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        except psycopg.Error as error:
            print(f"could not drop database {self.database_name}: {error}", file=sys.stderr)
        self.database_name = None

    def show_logs(self) -> None:
        for path in (self.server_log, self.locust_log):
            if path.exists():
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
                print(f"--- last lines of {path.name} ---", file=sys.stderr)
                print("\n".join(lines[-30:]), file=sys.stderr)


# Helpers -------------------------------------------------------------------------------------------


def learn_habitat_command() -> list[str]:
    """The ``learn-habitat`` console script beside this interpreter (or the module, if not installed)."""
    script = Path(sys.executable).parent / "learn-habitat"
    return [str(script)] if script.exists() else [sys.executable, "-m", "learn_habitat.cli"]


# Polled during the run, straight from the database (never through the proxy).
LEARNERS_ENROLLED = "SELECT COUNT(DISTINCT user_id) FROM enrolment"
LEARNERS_READING = "SELECT COUNT(DISTINCT user_id) FROM lesson_progress"


def sqlalchemy_url(url: str) -> str:
    """The URL with the psycopg 3 driver named, as the app does."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def count(engine, sql: str) -> int:
    from sqlalchemy import text

    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin_conninfo(url) -> str:
    """A libpq connection string from a SQLAlchemy URL."""
    from psycopg.conninfo import make_conninfo

    parts = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }
    return make_conninfo(**{key: value for key, value in parts.items() if value is not None})


def right_answer(question):
    """What a learner who knows the answer sends for ``question``."""
    if question.kind == "single":
        return next(option.key for option in question.options if option.correct)
    if question.kind == "multiple":
        return [option.key for option in question.options if option.correct]
    if question.kind == "numeric":
        return f"{question.number:g}"
    return question.accepted[0]  # true-false and text


def request_figures(record: dict, load_began: float) -> dict:
    """Requests per second and exact percentiles from the request log: the whole run, the load after
    sign-up (sign-up is a burst of password hashing), and each endpoint over the whole run."""
    requests = record["requests"]

    def figures(rows: list[list]) -> dict:
        times = sorted((end - start) * 1000 for start, end, *_ in rows)
        elapsed = max(r[1] for r in rows) - min(r[0] for r in rows) if rows else 0
        return {
            "requests": len(rows),
            "failures": sum(1 for *_, note in rows if note),
            "rps": round(len(rows) / elapsed, 1) if elapsed else 0.0,
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "max": round(times[-1]) if times else None,
        }

    by_endpoint = defaultdict(list)
    for row in requests:
        by_endpoint[f"{row[2]} {row[3]}"].append(row)
    endpoints = [{"endpoint": name, **figures(rows)} for name, rows in by_endpoint.items()]
    total = figures(requests)
    total["locust_counted"] = record.get("locust_total")
    return {
        "total": total,
        "after_signup": figures([row for row in requests if row[0] >= load_began]),
        "endpoints": sorted(endpoints, key=lambda e: -e["requests"]),
    }


def percentile(ordered: list[float], percent: float) -> int | None:
    """Nearest-rank percentile of an ordered list, in whole milliseconds."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * percent // 100))  # ceiling
    return round(ordered[int(rank) - 1])


# Endpoints that answer without the database for anonymous visitors (the learners' catalogue visits).
DATABASE_FREE = frozenset({"/", "/api/v1/courses", "/api/v1/courses/[id]", "/courses/[id]/", "/login"})


def judge_requests(requests: list[list], cut: dict | None) -> dict:
    """Sort every response into expected or not, with the outage window in mind."""
    window = (cut["start"], cut["end"] + OUTAGE_GRACE) if cut else None
    statuses = Counter()
    problems = defaultdict(lambda: {"count": 0, "example": ""})
    clean_503_in_window = Counter()  # "page" or "api"
    last_503_end = None
    for start, end, method, name, status, note in requests:
        statuses[status] += 1
        if not note:
            continue  # an expected status
        in_window = window is not None and start <= window[1] and end >= window[0]
        if status == 503 and note == "clean-503" and in_window:
            clean_503_in_window["api" if name.startswith("/api/") else "page"] += 1
            last_503_end = max(last_503_end or end, end)
            continue
        if status == 503 and note == "clean-503":
            kind = "503 outside the outage window"
        elif status == 503:
            kind = "503 without the friendly page / JSON error"
        elif status == 0:
            kind = "connection error"
        elif status >= 500:
            kind = f"{status}"
        else:
            kind = f"unexpected {status}"
        problem = problems[(kind, f"{method} {name}")]
        problem["count"] += 1
        problem["example"] = problem["example"] or note[:200]
    violations = [
        f"{p['count']} x {kind} on {endpoint}" + (f" ({p['example']})" if p["example"] else "")
        for (kind, endpoint), p in sorted(problems.items())
    ]
    outage = None
    if cut:
        # Requests that need the database: the API with a token or an account, and signed-in pages.
        recovered = sorted(
            end
            for start, end, method, name, status, note in requests
            if start >= cut["end"] and 200 <= status < 400 and name not in DATABASE_FREE
        )
        outage = {
            "clean_503s_api": clean_503_in_window["api"],
            "clean_503s_page": clean_503_in_window["page"],
            "last_503_after_restore_s": round(last_503_end - cut["end"], 2) if last_503_end else None,
            "first_success_after_restore_s": round(recovered[0] - cut["end"], 2) if recovered else None,
            "database_successes_after_restore": len(recovered),
        }
        if not clean_503_in_window:
            violations.append("the cut was not seen: no clean 503 during the outage (the run proves nothing)")
        if not recovered:
            violations.append(
                "the site did not recover: no database request succeeded after the line came back"
            )
    return {
        "statuses": {str(key): value for key, value in sorted(statuses.items())},
        "outage": outage,
        "violations": violations,
    }


def check_progress(database_url: str, record: dict, lesson_types: dict, run_id: str) -> dict:
    """Compare what the site acknowledged with what the database holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(database_url))
    pattern = {"pattern": f"load-{run_id}-%"}
    with engine.connect() as connection:

        def rows(sql):
            return connection.execute(text(sql), pattern).all()

        users = dict(rows("SELECT email, id FROM user_account WHERE email LIKE :pattern"))
        progress_rows = rows(
            "SELECT u.email, p.course_id, p.lesson_id, COUNT(*), "
            "SUM(CASE WHEN p.completed_at IS NULL THEN 0 ELSE 1 END) "
            "FROM lesson_progress p JOIN user_account u ON u.id = p.user_id "
            "WHERE u.email LIKE :pattern GROUP BY u.email, p.course_id, p.lesson_id"
        )
        attempt_rows = rows(
            "SELECT u.email, a.submission_id, a.course_id, a.lesson_id, a.passed "
            "FROM quiz_attempt a JOIN user_account u ON u.id = a.user_id WHERE u.email LIKE :pattern"
        )
        enrolment_rows = rows(
            "SELECT u.email, e.course_id FROM enrolment e JOIN user_account u ON u.id = e.user_id "
            "WHERE u.email LIKE :pattern"
        )
        completion_rows = rows(
            "SELECT u.email, c.course_id, COUNT(*) FROM completion c JOIN user_account u ON u.id = c.user_id "
            "WHERE u.email LIKE :pattern GROUP BY u.email, c.course_id"
        )
    engine.dispose()

    found = {
        (email, course, lesson): (count, completed)
        for email, course, lesson, count, completed in progress_rows
    }
    attempts_found = defaultdict(list)
    for email, submission_id, course, lesson, passed in attempt_rows:
        attempts_found[(email, submission_id)].append((course, lesson, bool(passed)))
    enrolments_found = set(enrolment_rows)
    completions_found = {(email, course): count for email, course, count in completion_rows}

    problems = Counter()
    examples = {}

    def violation(kind: str, example: str) -> None:
        problems[kind] += 1
        examples.setdefault(kind, example)

    expected_rows = found_rows = acknowledged_views = 0
    attempts_expected = attempts_matched = 0
    tried = set()
    for learner in record["learners"]:
        email = learner["email"]
        if learner["registered"] and email not in users:
            violation("acknowledged account missing", email)
        for course in learner["enrolled"]:
            if (email, course) not in enrolments_found:
                violation("acknowledged enrolment missing", f"{email} {course}")
        must_complete, must_exist = set(), set()
        for key, entry in learner["views"].items():
            course, lesson = key.split("/", 1)
            tried.add((email, course, lesson))
            if entry["acknowledged"]:
                acknowledged_views += entry["acknowledged"]
                must_exist.add((course, lesson))
                if lesson_types[course][lesson] == "page":
                    must_complete.add((course, lesson))
        submissions = set()
        for attempt in learner["attempts"]:
            tried.add((email, attempt["course"], attempt["lesson"]))
            submissions.add(attempt["submission_id"])
            if not attempt["acknowledged"]:
                continue
            attempts_expected += 1
            must_exist.add((attempt["course"], attempt["lesson"]))
            if attempt["passed"]:
                must_complete.add((attempt["course"], attempt["lesson"]))
            stored = attempts_found.get((email, attempt["submission_id"]), [])
            if len(stored) != 1:
                violation("acknowledged quiz attempt missing", f"{email} {attempt['submission_id']}")
            elif stored[0] != (attempt["course"], attempt["lesson"], attempt["passed"]):
                violation("stored attempt differs from the answer given", f"{email} {stored[0]}")
            else:
                attempts_matched += 1
        for email_, submission_id in attempts_found:
            if email_ == email and submission_id not in submissions:
                violation("attempt stored that was never sent", f"{email} {submission_id}")
        for course, lesson in sorted(must_exist):
            expected_rows += 1
            count, completed = found.get((email, course, lesson), (0, 0))
            if count == 0:
                violation("acknowledged progress missing (lost)", f"{email} {course}/{lesson}")
                continue
            found_rows += 1
            if (course, lesson) in must_complete and not completed:
                violation("acknowledged completion not recorded", f"{email} {course}/{lesson}")
        for course in learner["completed_courses"]:
            if completions_found.get((email, course), 0) != 1:
                violation("acknowledged course completion missing", f"{email} {course}")

    duplicates = sum(1 for count, _ in found.values() if count > 1)
    if duplicates:
        violation("duplicate lesson_progress rows", str(next(k for k, v in found.items() if v[0] > 1)))
    for key in found:
        if key not in tried:
            violation("progress stored for a lesson never opened", " ".join(key))
    completed_per_course = Counter((email, course) for (email, course, _), (_, done) in found.items() if done)
    for (email, course), count in completions_found.items():
        if count != 1:
            violation("course completed more than once", f"{email} {course}")
        if completed_per_course[(email, course)] != len(lesson_types[course]):
            violation("course completion without every lesson complete", f"{email} {course}")

    return {
        "learners": len(record["learners"]),
        "accounts_found": len(users),
        "views_acknowledged": acknowledged_views,
        "progress_rows_expected": expected_rows,
        "progress_rows_found": found_rows,
        "progress_rows_total": len(found),
        "progress_rows_unacknowledged": len(found) - found_rows,
        "duplicate_rows": duplicates,
        "attempts_expected": attempts_expected,
        "attempts_found": attempts_matched,
        "enrolments_found": len(enrolments_found),
        "completions_found": len(completions_found),
        "violations": [
            f"{count} x {kind} (e.g. {examples[kind]})" for kind, count in sorted(problems.items())
        ],
    }


def signed(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:+.2f} s"


def print_summary(report: dict) -> None:
    """The figures, then PASS or every violation."""
    total = report["stats"]["total"]
    outage = report["outage"]
    progress = report["progress"]
    traffic = report["traffic"]
    title = f"{report['users']} learners, {report['database']}, sign-up {report['signup_s']} s "
    title += f"({report['signed_up']} enrolled) then {report['duration']} s of load"
    title += f", database cut for {outage['seconds']} s at +{outage['at']} s" if outage else ", no outage"
    print(f"\nlearn-habitat load test: {title}")
    for label, figures in (("whole run", total), ("after sign-up", report["stats"]["after_signup"])):
        print(
            f"  {label:<14} {figures['requests']} requests, {figures['rps']}/s, {figures['failures']} not as "
            f"expected (outage 503s included); p50 {figures['p50']} ms, p95 {figures['p95']} ms, "
            f"p99 {figures['p99']} ms, max {figures['max']} ms"
        )
    counted = total.get("locust_counted") or {}
    if counted.get("requests") not in (None, total["requests"]):
        print(f"  note           locust counted {counted['requests']} requests, the log {total['requests']}")
    print(
        "  statuses       " + ", ".join(f"{status}: {count}" for status, count in traffic["statuses"].items())
    )
    width = max((len(e["endpoint"]) for e in report["stats"]["endpoints"]), default=10)
    for entry in report["stats"]["endpoints"]:
        print(
            f"    {entry['endpoint']:<{width}}  {entry['requests']:>6}  {entry['failures']:>4} failed  "
            f"p50 {entry['p50']:>5}  p95 {entry['p95']:>5}  p99 {entry['p99']:>5} ms"
        )
    if outage:
        seen = traffic["outage"]
        print(
            f"  outage         cut with {outage['learners_reading']} learners reading; "
            f"{outage['connections_closed']} database connections closed; clean 503s: "
            f"{seen['clean_503s_api']} JSON, {seen['clean_503s_page']} friendly pages"
        )
        print(
            f"                 after the line came back: last 503 at {signed(seen['last_503_after_restore_s'])}, "
            f"first database success at {signed(seen['first_success_after_restore_s'])}, "
            f"{seen['database_successes_after_restore']} database successes in all"
        )
    print(
        f"  progress       {progress['learners']} learners, {progress['accounts_found']} accounts; "
        f"{progress['views_acknowledged']} views acknowledged; lesson_progress rows expected "
        f"{progress['progress_rows_expected']}, found {progress['progress_rows_found']} "
        f"(+{progress['progress_rows_unacknowledged']} from unanswered requests), duplicates "
        f"{progress['duplicate_rows']}"
    )
    print(
        f"                 quiz attempts acknowledged {progress['attempts_expected']}, found "
        f"{progress['attempts_found']}; enrolments {progress['enrolments_found']}, course completions "
        f"{progress['completions_found']}"
    )
    if report["violations"]:
        print(f"  FAIL: {len(report['violations'])} violation(s)")
        for line in report["violations"]:
            print(f"    - {line}")
    else:
        print("  PASS: no 5xx outside the planned outage, no lost or duplicated progress")


if __name__ == "__main__":
    sys.exit(main())
