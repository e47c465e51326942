"""Seed a bench database with learners, enrolments, progress, quiz attempts and completions, in bulk.

PostgreSQL gets COPY through psycopg; SQLite gets ``executemany`` in one transaction per table. The schema
must exist already (created by the migrations). Rows are generated deterministically from the shipped
courses, so two runs give the same data:

- every learner is enrolled in every course (100,000 learners x 3 courses = 300,000 enrolments);
- per enrolment, the first k lessons of the course were opened, k cycling through 11, 11, 11, 5, 11, 11, 11,
  9 for the 11-lesson courses: 10 lessons per enrolment on average, so 3,000,000 progress rows; pages are
  complete once opened, quizzes when passed (9 enrolments in 10 pass);
- every fifth enrolment has one attempt per quiz it reached, with one answer row per question;
- a completion with a certificate code for each enrolment whose every lesson is complete;
- last activity spread over 90 days, so "active in the last 30 days" is about a third.

Standalone: ``python -m bench.seed postgresql://postgres@127.0.0.1:5432/learn_habitat_bench [--learners N]``
(on a database whose schema is already at the latest migration).
"""

from __future__ import annotations

import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench import BENCH_PASSWORD

# Lessons opened per enrolment, as a share of the course's lessons (11 of 11, ..., 5 of 11, 9 of 11).
OPENED_PATTERN = (11, 11, 11, 5, 11, 11, 11, 9)
PATTERN_BASE = 11
QUIZ_ATTEMPT_EVERY = 5  # one enrolment in five has quiz attempts
FAILED_QUIZ_EVERY = 10  # one enrolment in ten has not passed its quizzes
ACTIVITY_DAYS = 90
LANGUAGES = ("en", "ar", "fr", "es", "ru", "zh")
FIRST_NAMES = (
    "Amina",
    "Kofi",
    "Lucía",
    "Wei",
    "Olga",
    "Omar",
    "Priya",
    "Jean",
    "Ana",
    "Tariq",
    "Mei",
    "Ivan",
)
LAST_NAMES = ("Mensah", "García", "Chen", "Ivanova", "Haddad", "Dubois", "Silva", "Okafor", "Nguyen", "Khan")
BATCH_ROWS = 50_000


@dataclass(frozen=True)
class Sizes:
    """How many learners to create; enrolments and progress follow from the courses and the pattern."""

    learners: int

    @staticmethod
    def full() -> Sizes:
        return Sizes(learners=100_000)

    @staticmethod
    def quick() -> Sizes:
        return Sizes(learners=5_000)


@dataclass(frozen=True)
class CourseShape:
    """What the generator needs to know about one course."""

    id: str
    version: str
    lesson_ids: tuple[str, ...]
    quiz_questions: dict  # quiz lesson id -> question ids


def course_shapes(library) -> list[CourseShape]:
    """The shipped courses, reduced to ids, version, lesson order and quiz questions."""
    shapes = []
    for course in sorted(library, key=lambda c: c.id):
        quizzes = {
            lesson_id: tuple(
                q.id for q in course.lesson(lesson_id, course.source_language).activity.questions
            )
            for lesson_id in course.quiz_ids()
        }
        shapes.append(CourseShape(course.id, course.version, course.lesson_ids, quizzes))
    return shapes


def learner_email(number: int) -> str:
    """The email of learner ``number`` (1-based)."""
    return f"learner{number}@bench.example.org"


class _Clock:
    """Timestamps as text in the format each database stores, for a few hundred distinct instants."""

    def __init__(self, dialect: str):
        now = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
        fmt = "%Y-%m-%d %H:%M:%S+00" if dialect == "postgresql" else "%Y-%m-%d %H:%M:%S.000000"
        self.hours = [
            (now - timedelta(hours=hours)).strftime(fmt) for hours in range(ACTIVITY_DAYS * 24 + 24 * 200)
        ]

    def ago(self, hours: int) -> str:
        return self.hours[hours]


def generate(shapes: list[CourseShape], sizes: Sizes, dialect: str, password_hash: str):
    """Yield ``(table, columns, rows)`` batches in foreign-key order; rows are tuples of text or None."""
    clock = _Clock(dialect)
    true, false = ("t", "f") if dialect == "postgresql" else (1, 0)
    learners = sizes.learners

    def users():
        batch = []
        for number in range(1, learners + 1):
            name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {LAST_NAMES[number % len(LAST_NAMES)]} {number}"
            batch.append(
                (
                    number,
                    learner_email(number),
                    name,
                    password_hash,
                    LANGUAGES[number % len(LANGUAGES)],
                    "learner",
                    clock.ago(ACTIVITY_DAYS * 24 + number % 4000),
                    clock.ago(ACTIVITY_DAYS * 24 + number % 4000),  # confirmed on sign-up: may sign in
                )
            )
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch

    yield (
        "user_account",
        ("id", "email", "name", "password_hash", "language", "role", "created_at", "email_confirmed_at"),
        users(),
    )

    def opened(enrolment_number: int, shape: CourseShape) -> int:
        share = OPENED_PATTERN[enrolment_number % len(OPENED_PATTERN)]
        return max(1, round(len(shape.lesson_ids) * share / PATTERN_BASE))

    def each_enrolment():
        number = 0
        for user in range(1, learners + 1):
            for shape in shapes:
                number += 1
                yield number, user, shape, opened(number, shape)

    def enrolments():
        batch = []
        for number, user, shape, count in each_enrolment():
            last = (number * 7919) % (ACTIVITY_DAYS * 24)
            batch.append(
                (
                    number,
                    user,
                    shape.id,
                    clock.ago(last + 24 * 30),
                    shape.lesson_ids[count - 1],
                    clock.ago(last),
                )
            )
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch

    yield (
        "enrolment",
        ("id", "user_id", "course_id", "enrolled_at", "last_lesson_id", "last_activity_at"),
        enrolments(),
    )

    def progress():
        batch, row_id = [], 0
        for number, user, shape, count in each_enrolment():
            last = (number * 7919) % (ACTIVITY_DAYS * 24)
            passed = number % FAILED_QUIZ_EVERY != 3
            for position, lesson_id in enumerate(shape.lesson_ids[:count]):
                row_id += 1
                seen = clock.ago(last + (count - position) * 2)
                done = seen if (lesson_id not in shape.quiz_questions or passed) else None
                batch.append((row_id, user, shape.id, lesson_id, seen, done))
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch

    yield (
        "lesson_progress",
        ("id", "user_id", "course_id", "lesson_id", "viewed_at", "completed_at"),
        progress(),
    )

    def each_attempt():
        attempt_id = 0
        for number, user, shape, count in each_enrolment():
            if number % QUIZ_ATTEMPT_EVERY:
                continue
            passed = number % FAILED_QUIZ_EVERY != 3
            last = (number * 7919) % (ACTIVITY_DAYS * 24)
            for lesson_id in shape.lesson_ids[:count]:
                questions = shape.quiz_questions.get(lesson_id)
                if questions:
                    attempt_id += 1
                    right = len(questions) if passed else len(questions) // 2
                    yield attempt_id, user, shape, lesson_id, passed, last, questions, right

    def attempts():
        batch = []
        for attempt_id, user, shape, lesson_id, passed, last, questions, right in each_attempt():
            batch.append(
                (
                    attempt_id,
                    user,
                    shape.id,
                    lesson_id,
                    f"bench-{attempt_id}",
                    1,
                    right / len(questions),
                    true if passed else false,
                    "en",
                    "{}",
                    clock.ago(last),
                )
            )
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch

    yield (
        "quiz_attempt",
        (
            "id",
            "user_id",
            "course_id",
            "lesson_id",
            "submission_id",
            "number",
            "score",
            "passed",
            "language",
            "answers",
            "created_at",
        ),
        attempts(),
    )

    def question_answers():
        batch, answer_id = [], 0
        for attempt_id, _user, shape, lesson_id, _passed, _last, questions, right in each_attempt():
            for index, question_id in enumerate(questions):
                answer_id += 1
                batch.append(
                    (
                        answer_id,
                        attempt_id,
                        shape.id,
                        lesson_id,
                        question_id,
                        true if index < right else false,
                    )
                )
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch

    yield (
        "question_answer",
        ("id", "attempt_id", "course_id", "lesson_id", "question_id", "correct"),
        question_answers(),
    )

    def completions():
        batch, completion_id = [], 0
        for number, user, shape, count in each_enrolment():
            if count < len(shape.lesson_ids) or number % FAILED_QUIZ_EVERY == 3:
                continue
            completion_id += 1
            last = (number * 7919) % (ACTIVITY_DAYS * 24)
            name = f"{FIRST_NAMES[user % len(FIRST_NAMES)]} {LAST_NAMES[user % len(LAST_NAMES)]} {user}"
            batch.append(
                (
                    completion_id,
                    user,
                    shape.id,
                    shape.version,
                    clock.ago(last),
                    f"BENCH-{completion_id:08d}",
                    name,
                )
            )
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch

    yield (
        "completion",
        ("id", "user_id", "course_id", "course_version", "completed_at", "certificate_code", "learner_name"),
        completions(),
    )


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    return str(value)  # generated values hold no tab, newline or backslash


SEEDED_TABLES = (
    "user_account",
    "enrolment",
    "lesson_progress",
    "quiz_attempt",
    "question_answer",
    "completion",
)


def _postgres_keys_and_indexes(connection) -> tuple[list, list]:
    """Unique and foreign-key constraints and the other non-primary indexes of the seeded tables, as DDL
    (primary keys stay: ids arrive in order, and other tables' foreign keys depend on them)."""
    constraints = connection.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c
        WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype IN ('u', 'f')
        """,
        (list(SEEDED_TABLES),),
    ).fetchall()
    indexes = connection.execute(
        """
        SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        (list(SEEDED_TABLES),),
    ).fetchall()
    return constraints, indexes


def seed_postgresql(url: str, shapes, sizes: Sizes, password_hash: str, report) -> None:
    """Bulk load as pg_restore does: drop keys and indexes, COPY every table, then rebuild them exactly as
    the migrations made them (same names and definitions), reset the id sequences and VACUUM ANALYZE, as
    autovacuum would have done on a production database."""
    import psycopg

    with psycopg.connect(url) as connection:
        connection.execute("SET maintenance_work_mem = '256MB'")
        started = time.perf_counter()
        constraints, indexes = _postgres_keys_and_indexes(connection)
        order = {"f": 0, "u": 1}
        for table, name, _, _ in sorted(constraints, key=lambda c: order[c[3]]):
            connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        connection.commit()
        report(f"drop {len(constraints)} keys, {len(indexes)} indexes", None, time.perf_counter() - started)
        for table, columns, batches in generate(shapes, sizes, "postgresql", password_hash):
            started, rows = time.perf_counter(), 0
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for batch in batches:
                    copy.write("".join("\t".join(map(_copy_text, row)) + "\n" for row in batch))
                    rows += len(batch)
            connection.commit()
            report(table, rows, time.perf_counter() - started)
        started = time.perf_counter()
        for table, name, definition, _ in sorted(constraints, key=lambda c: -order[c[3]]):
            connection.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, _, definition in indexes:
            connection.execute(definition)
        for table in SEEDED_TABLES:
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(1, (SELECT max(id) FROM {table})))"
            )
        connection.commit()
        report(
            f"rebuild {len(constraints)} keys, {len(indexes)} indexes", None, time.perf_counter() - started
        )
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    report("VACUUM ANALYZE", None, time.perf_counter() - started)


def seed_sqlite(path: str, shapes, sizes: Sizes, password_hash: str, report, budget_seconds: float) -> bool:
    """executemany per table in one transaction; stops a table when ``budget_seconds`` are spent.

    Returns ``False`` when the budget cut the seeding short (the report then says how far it got).
    """
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")  # a bulk load: durability is not the point here
    connection.execute("PRAGMA cache_size=-200000")
    # Secondary indexes are dropped and rebuilt after the load (unique constraints are part of the tables).
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join('?' * len(SEEDED_TABLES))})",
        SEEDED_TABLES,
    ).fetchall()
    for name, _ in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    complete = True
    overall = time.perf_counter()
    for table, columns, batches in generate(shapes, sizes, "sqlite", password_hash):
        started, rows = time.perf_counter(), 0
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        with connection:
            for batch in batches:
                connection.executemany(statement, batch)
                rows += len(batch)
                if time.perf_counter() - overall > budget_seconds:
                    complete = False
                    break
        report(table, rows, time.perf_counter() - started)
        if not complete:
            break
    started = time.perf_counter()
    with connection:
        for _, sql in indexes:
            connection.execute(sql)
    report(f"rebuild {len(indexes)} indexes", None, time.perf_counter() - started)
    connection.close()
    return complete


def bench_password_hash() -> str:
    """One scrypt hash of the bench password, shared by every seeded learner (hashing 100,000 would take hours)."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(BENCH_PASSWORD)


def main(argv=None) -> int:
    """Seed the database at the given URL (its schema must exist)."""
    import argparse

    from bench import shipped_library

    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.splitlines()[0])
    parser.add_argument("url", help="postgresql://... or sqlite:///path")
    parser.add_argument("--learners", type=int, default=Sizes.full().learners)
    args = parser.parse_args(argv)
    shapes = course_shapes(shipped_library())

    def report(table, rows, seconds):
        print(f"{table:<16} {rows if rows is not None else '':>10} rows  {seconds:7.1f} s", flush=True)

    sizes = Sizes(args.learners)
    if args.url.startswith("postgres"):
        seed_postgresql(
            args.url.replace("postgresql+psycopg://", "postgresql://"),
            shapes,
            sizes,
            bench_password_hash(),
            report,
        )
    else:
        seed_sqlite(
            args.url.removeprefix("sqlite:///"), shapes, sizes, bench_password_hash(), report, float("inf")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
