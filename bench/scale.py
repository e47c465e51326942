"""Scale: the learner and report pages on a database of 100,000 learners, 300,000 enrolments and
3,000,000 progress rows (seeded by ``bench.seed``), on PostgreSQL and on SQLite.

Measured inside the app (``create_app`` on the bench database, schema from the migrations): the learner's
dashboard and course page with progress and a lesson page (which records the view) through the test client,
signed in through the login form; the report services (``course_summary``, ``lesson_stats``,
``question_stats``, ``learner_page`` page 1) and the CSV export (``learner_csv``, 100,000 rows) called
directly. Each is timed cold (first call) and warm (median of the next calls); its peak memory is measured
in one more call under tracemalloc. Every SQL statement the operation runs is captured and explained:
on PostgreSQL with EXPLAIN (no ANALYZE), flagging any sequential scan of a big table; on SQLite with
EXPLAIN QUERY PLAN, flagging full table scans.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from bench import (
    BENCH_USER_AGENT,
    SCOREBOARD,
    Options,
    StatementLog,
    Table,
    heading,
    make_app,
    mb,
    ms,
    note,
    postgres_database,
    postgres_version,
    shipped_library,
    sign_in_test_client,
    traced_peak,
)
from bench import seed as seeding

BIG_TABLES = ("user_account", "enrolment", "lesson_progress", "quiz_attempt", "question_answer")
COURSE_ID = "adequate-housing"
SQLITE_SEED_BUDGET_SECONDS = 240
SQLITE_MEASURE_RESERVE_SECONDS = 100  # what the SQLite measurements and the summary need after seeding
WARM_SECONDS = 2.0


REPORT_TARGET_SECONDS = 0.1  # every report query on PostgreSQL at full size


@dataclass
class Operation:
    name: str
    call: object  # () -> short description of the result
    warm_runs: int
    reads_everything: bool = False  # a full scan is its right plan (the export of every learner)


@dataclass
class Measured:
    name: str
    reads_everything: bool
    outcome: str
    cold: float
    warm: float | None
    peak: int
    statements: list
    pings: int
    accesses: list = field(default_factory=list)  # (table, access path, index or "")
    flagged: list = field(default_factory=list)


# What is measured -------------------------------------------------------------------------------------


def operations(app, learner_email: str) -> list[Operation]:
    """The pages and report services, as callables."""
    from learn_habitat.admin import services as reports

    library = shipped_library()
    course = library.get(COURSE_ID)
    client = app.test_client()
    sign_in_test_client(client, learner_email)
    headers = {"User-Agent": BENCH_USER_AGENT}

    def page(path):
        def call():
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}")
            return f"{len(response.get_data()) / 1024:.1f} KB HTML"

        return call

    def service(function):
        def call():
            with app.app_context():
                return function()

        return call

    def summary():
        found = reports.course_summary(course)
        return f"{found.enrolled:,} enrolled, {found.completed:,} completed"

    def lessons():
        return f"{len(reports.lesson_stats(course))} lessons"

    def questions():
        return f"{len(reports.question_stats(course))} questions"

    def learners():
        rows, total = reports.learner_page(course, "all", "", 1, app.config["REPORT_PAGE_SIZE"])
        return f"{len(rows)} of {total:,} learners"

    def csv_export():
        rows = size = 0
        for chunk in reports.learner_csv(course):
            rows += chunk.count("\n")
            size += len(chunk.encode("utf-8"))
        return f"{rows - 1:,} rows, {size / 1024 / 1024:.1f} MB"

    lesson = course.lesson_ids[1]
    return [
        Operation("learner dashboard (GET /dashboard)", page("/dashboard"), 5),
        Operation(
            f"course page with progress (GET /courses/{COURSE_ID}/)", page(f"/courses/{COURSE_ID}/"), 5
        ),
        Operation("lesson page, records the view (GET)", page(f"/courses/{COURSE_ID}/{lesson}"), 5),
        Operation("report: course_summary", service(summary), 3),
        Operation("report: lesson_stats", service(lessons), 3),
        Operation("report: question_stats", service(questions), 3),
        Operation("report: learner_page, page 1 of 50", service(learners), 3),
        Operation("CSV export: learner_csv (all learners)", service(csv_export), 1, reads_everything=True),
    ]


def measure(operation: Operation, engine) -> Measured:
    """Cold, warm median and traced peak of one operation, with the SQL it ran (cold call)."""
    with StatementLog(engine) as log:
        started = time.perf_counter()
        outcome = operation.call()
        cold = time.perf_counter() - started
    warm = []
    while len(warm) < operation.warm_runs and sum(warm) < WARM_SECONDS:  # slow operations: fewer repeats
        started = time.perf_counter()
        operation.call()
        warm.append(time.perf_counter() - started)
    peak, _ = traced_peak(operation.call)
    return Measured(
        operation.name,
        operation.reads_everything,
        outcome,
        cold,
        statistics.median(warm) if warm else None,
        peak,
        [(s, p) for s, p in log.statements if _explainable(s)],
        log.checkouts,
    )


def _explainable(statement: str) -> bool:
    return statement.lstrip().split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


# Plans ------------------------------------------------------------------------------------------------------


def explain_postgresql(engine, measured: Measured) -> None:
    """EXPLAIN each statement (client-side binding, so parameters are planned as values); note scans."""
    import psycopg

    raw = engine.raw_connection()
    try:
        cursor = psycopg.ClientCursor(raw.driver_connection)
        for statement, parameters in measured.statements:
            cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters or None)
            plan = cursor.fetchone()[0]
            for node in _plan_nodes(plan[0]["Plan"]):
                kind = node["Node Type"]
                if "Scan" not in kind or kind == "Bitmap Heap Scan":
                    continue  # a bitmap heap scan reads what its bitmap index scan (listed) found
                if not node.get("Relation Name") and not node.get("Index Name"):
                    continue  # subquery, CTE or function scans read no table themselves
                table = node.get("Relation Name") or _index_table(node.get("Index Name", ""))
                access = (table, kind, node.get("Index Name", ""))
                if access not in measured.accesses:
                    measured.accesses.append(access)
                if kind == "Seq Scan" and table in BIG_TABLES and table not in measured.flagged:
                    measured.flagged.append(table)
        raw.driver_connection.rollback()
    finally:
        raw.close()


def _plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def _index_table(index_name: str) -> str:
    for table in sorted(BIG_TABLES + ("completion", "access_token"), key=len, reverse=True):
        if table in index_name:
            return table
    return "?"


def explain_sqlite(engine, measured: Measured) -> None:
    """EXPLAIN QUERY PLAN each statement; a SCAN of a big table without an index is flagged."""
    with engine.connect() as connection:
        for statement, parameters in measured.statements:
            rows = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, tuple(parameters or ())
            ).all()
            for row in rows:
                detail = row[-1]
                words = detail.split()
                if words[0] not in ("SCAN", "SEARCH"):
                    continue
                table = words[1]
                index, kind = "", words[0]
                if "AUTOMATIC" in detail:  # SQLite builds a temporary index for this one statement
                    index, kind = "(automatic, built per query)", kind + " automatic index"
                elif "PRIMARY KEY" in detail:
                    index, kind = "(primary key)", kind + " primary key"
                elif " INDEX " in detail:
                    index = detail.split(" INDEX ", 1)[1].split(" (")[0]
                    kind += " covering index" if "COVERING INDEX" in detail else " index"
                access = (table, kind, index)
                if access not in measured.accesses:
                    measured.accesses.append(access)
                if words[0] == "SCAN" and table in BIG_TABLES and not index and table not in measured.flagged:
                    measured.flagged.append(table)
        connection.rollback()


# The section ---------------------------------------------------------------------------------------------


def run(options: Options) -> None:
    """Seed and measure PostgreSQL (the production database), then SQLite."""
    sizes = options.pick(seeding.Sizes.full(), seeding.Sizes.quick())
    heading(
        f"5. Scale: {sizes.learners:,} learners, {sizes.learners * 3:,} enrolments, "
        f"~{sizes.learners * 30:,} progress rows"
    )
    backends = []
    if postgres_version():
        backends.append("PostgreSQL")
    else:
        note("PostgreSQL does not answer at 127.0.0.1:5432: only SQLite is measured.")
        SCOREBOARD.check("scale", "PostgreSQL: no Seq Scan on big tables", "not measured", "0", None)
    backends.append("SQLite")
    for backend in backends:
        try:
            measure_backend(backend, sizes, options)
        except Exception as error:  # one backend failing must not hide the other's figures
            note(f"{backend}: failed: {type(error).__name__}: {error}")
            SCOREBOARD.failures.append((f"scale ({backend})", str(error)))


def measure_backend(backend: str, sizes, options: Options) -> None:
    """Create, seed and measure one database; print seeding, timings and plans."""
    from learn_habitat.extensions import db

    library = shipped_library()
    shapes = seeding.course_shapes(library)
    with tempfile.TemporaryDirectory(prefix="lh-bench-scale-") as tmp:
        folder = Path(tmp)
        sqlite_path = folder / "scale.sqlite3"
        context = postgres_database() if backend == "PostgreSQL" else nullcontext(f"sqlite:///{sqlite_path}")
        with context as url:
            app = make_app(url, folder / "instance", library)
            from bench import create_schema

            create_schema(app)
            seed_table = Table(
                f"{backend}: seeding ({'COPY via psycopg' if backend == 'PostgreSQL' else 'executemany'}; "
                "keys and indexes rebuilt after the load)",
                ["step", "rows", "seconds", "rows/s"],
            )

            def report(step, rows, seconds):
                seed_table.add(
                    step,
                    f"{rows:,}" if rows is not None else "",
                    f"{seconds:.1f}",
                    f"{rows / seconds:,.0f}" if rows else "",
                )

            started = time.perf_counter()
            complete = True
            if backend == "PostgreSQL":
                seeding.seed_postgresql(url, shapes, sizes, seeding.bench_password_hash(), report)
            else:
                # PostgreSQL is the production database; SQLite gets what is left of the suite's budget.
                budget = max(
                    30.0,
                    min(SQLITE_SEED_BUDGET_SECONDS, options.remaining() - SQLITE_MEASURE_RESERVE_SECONDS),
                )
                complete = seeding.seed_sqlite(
                    str(sqlite_path), shapes, sizes, seeding.bench_password_hash(), report, budget
                )
            seed_table.add("total", "", f"{time.perf_counter() - started:.1f}", "")
            seed_table.print()
            if not complete:
                note(
                    f"SQLite seeding stopped at its time budget ({budget:.0f} s, what the 10-minute suite had left): "
                    "the rates above say how long the full data set would take; the figures below are for the "
                    "rows loaded."
                )
            with app.app_context():
                engine = db.engine
                size = _database_size(engine, backend, sqlite_path)
            note(f"database size after seeding: {size / 1024 / 1024:,.0f} MB")

            learner = seeding.learner_email(sizes.learners // 2 + 1)
            results = []
            for operation in operations(app, learner):
                found = measure(operation, engine)
                if backend == "PostgreSQL":
                    explain_postgresql(engine, found)
                else:
                    explain_sqlite(engine, found)
                results.append(found)
            _print_results(backend, results)
            engine.dispose()

    sizes_label = f"{sizes.learners * 30:,} progress rows"
    for found in results:
        if backend != "PostgreSQL":
            continue
        if found.reads_everything:
            note(f"{found.name} reads every learner of the course: a full scan is its right plan.")
        else:
            SCOREBOARD.check(
                "scale",
                f"PostgreSQL, no Seq Scan on big tables: {found.name}",
                ", ".join(found.flagged) or "none",
                "none",
                not found.flagged,
            )
        if found.name.startswith("report:") and found.warm is not None:
            SCOREBOARD.check(
                "scale",
                f"PostgreSQL, {found.name}, warm, {sizes_label}",
                ms(found.warm) + " ms",
                f"< {REPORT_TARGET_SECONDS * 1000:.0f} ms",
                found.warm < REPORT_TARGET_SECONDS,
            )


def _database_size(engine, backend: str, sqlite_path: Path) -> int:
    if backend == "PostgreSQL":
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    return sum(os.path.getsize(p) for p in sqlite_path.parent.glob(sqlite_path.name + "*"))


def _print_results(backend: str, results: list[Measured]) -> None:
    table = Table(
        f"{backend}: time and peak memory (cold = first call; warm = median of the next calls)",
        [
            "operation",
            "result",
            "cold ms",
            "warm ms",
            "Python peak MB",
            "SQL",
            "pings",
            "full scans of big tables",
        ],
    )
    for found in results:
        table.add(
            found.name,
            found.outcome,
            ms(found.cold),
            ms(found.warm),
            mb(found.peak),
            len(found.statements),
            found.pings,
            ", ".join(found.flagged) or "none",
        )
    table.print()
    plans = Table(
        f"{backend}: access paths of every statement ({'EXPLAIN' if backend == 'PostgreSQL' else 'EXPLAIN QUERY PLAN'})",
        ["operation", "table", "access", "index", ""],
    )
    for found in results:
        first = True
        for table_name, access, index in sorted(found.accesses):
            flagged = table_name in BIG_TABLES and not index
            plans.add(
                found.name if first else "",
                table_name,
                access,
                index,
                "<-- full scan of a big table" if flagged else "",
            )
            first = False
    plans.print()
    note(
        "Python peak: largest allocation by Python during one call (tracemalloc); pings: pool checkouts (pool_pre_ping)."
    )
