"""Course pipeline: cold load and render of the shipped courses, and of a generated 1,000-lesson course.

Cold figures come from a fresh interpreter (``python -m bench.pipeline child ...``) so that imports, caches
and memory start from nothing; peak memory is the child's peak RSS (getrusage) and, in a second child, the
peak of Python allocations (tracemalloc, which slows the run, so its time is not used). The per-lesson time
of the pipeline is compared with raw python-markdown on the same lesson bodies (one ``Markdown`` instance,
reset between lessons, no extensions), and broken down into its steps.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import (
    COURSES_DIR,
    PROJECT_ROOT,
    SCOREBOARD,
    Options,
    Table,
    heading,
    max_rss_bytes,
    mb,
    ms,
    note,
    ratio,
    shipped_library,
)

RATIO_TARGET = 1.5
LESSONS_PER_MODULE = 50
QUIZ_EVERY = 10

_VOCABULARY = """
city housing land tenure planning informal settlement upgrading water sanitation transport public space
density resilience climate finance municipality indicator data census household income affordability
rent mortgage microfinance community participation governance budget services streets mobility waste
energy heat flood risk neighbourhood market employment youth women migrants inclusion monitoring report
target baseline survey boundary urban rural region national local partnership agenda policy strategy
"""
WORDS = tuple(_VOCABULARY.split())


# The generated course -------------------------------------------------------------------------------


def _sentence(rng: random.Random, lesson_ids: list[str], index: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    roll = rng.random()
    if roll < 0.15:
        position = rng.randrange(len(words))
        words[position] = f"**{words[position]}**"
    elif roll < 0.25:
        position = rng.randrange(len(words))
        words[position] = f"*{words[position]}*"
    elif roll < 0.30 and index > 0:
        target = lesson_ids[rng.randrange(index)]
        words.append(f"(see [the earlier lesson]({target}.md))")
    elif roll < 0.33:
        words.append("([source](https://unhabitat.org/))")
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _paragraph(rng, lesson_ids, index) -> str:
    return " ".join(_sentence(rng, lesson_ids, index) for _ in range(rng.randint(3, 6)))


def _page_body(rng: random.Random, lesson_ids: list[str], index: int) -> str:
    """About the size and mix of a shipped lesson (~6 KB): headings, prose, lists, a table, a note."""
    parts = [_paragraph(rng, lesson_ids, index)]
    for section in range(4):
        parts.append(f"## {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)} {section + 1}")
        parts.append(_paragraph(rng, lesson_ids, index))
        parts.append(_paragraph(rng, lesson_ids, index))
        if section == 1:
            parts.append("\n".join(f"- {_sentence(rng, lesson_ids, index)}" for _ in range(5)))
        if section == 2:
            rows = [
                f"| {rng.choice(WORDS)} | {rng.randint(1, 99)}% | {_sentence(rng, lesson_ids, 0)} |"
                for _ in range(5)
            ]
            parts.append("| Item | Share | Note |\n|---|---:|---|\n" + "\n".join(rows))
        if section == 3:
            parts.append(f'!!! note "Remember"\n    {_sentence(rng, lesson_ids, index)}')
    parts.append(f"A closing thought on {rng.choice(WORDS)}.[^1]\n\n[^1]: {_sentence(rng, lesson_ids, 0)}")
    return "\n\n".join(parts) + "\n"


def _quiz_body(rng: random.Random) -> str:
    blocks = [_paragraph(rng, [], 0)]
    for _ in range(3):
        blocks.append(
            "::: question single\n"
            f"{_sentence(rng, [], 0)}\n\n"
            f"- [x] {_sentence(rng, [], 0)}\n    > {_sentence(rng, [], 0)}\n"
            f"- [ ] {_sentence(rng, [], 0)}\n    > {_sentence(rng, [], 0)}\n"
            f"- [ ] {_sentence(rng, [], 0)}\n    > {_sentence(rng, [], 0)}\n\n"
            f"?> {_sentence(rng, [], 0)}\n:::"
        )
    blocks.append(f"::: question true-false\n{_sentence(rng, [], 0)}\n\n= true\n:::")
    blocks.append(f"::: question numeric\n{_sentence(rng, [], 0)}\n\n= {rng.randint(10, 90)} ± 0.5\n:::")
    return "\n\n".join(blocks) + "\n"


def write_course(folder: Path, lessons: int, course_id: str = "generated-course") -> Path:
    """Write a valid course of ``lessons`` lessons (every tenth a quiz) in English under ``folder``."""
    rng = random.Random(lessons)
    root = folder / course_id
    (root / "en").mkdir(parents=True)
    lesson_ids = [f"lesson-{number:04d}" for number in range(1, lessons + 1)]
    modules = []
    for start in range(0, lessons, LESSONS_PER_MODULE):
        chunk = lesson_ids[start : start + LESSONS_PER_MODULE]
        listed = "\n".join(f"      - {lesson_id}" for lesson_id in chunk)
        modules.append(
            f'  - id: module-{start // LESSONS_PER_MODULE + 1:02d}\n    title:\n      en: "Module {start // LESSONS_PER_MODULE + 1}"\n    lessons:\n{listed}'
        )
    (root / "course.yaml").write_text(
        f'id: {course_id}\nversion: "1.0.0"\nsource_language: en\ntitle:\n  en: "A generated course of {lessons} lessons"\n'
        f'summary:\n  en: "Generated by bench/pipeline.py."\nenrolment: open\nmodules:\n'
        + "\n".join(modules)
        + "\n",
        encoding="utf-8",
    )
    for index, lesson_id in enumerate(lesson_ids):
        if (index + 1) % QUIZ_EVERY == 0:
            front = f'---\ntitle: "Quiz {index + 1}"\ntype: quiz\nminutes: 5\npass_mark: 70\n---\n\n'
            body = _quiz_body(rng)
        else:
            front = f'---\ntitle: "Lesson {index + 1}: {rng.choice(WORDS)}"\ntype: page\nminutes: 10\n---\n\n'
            body = _page_body(rng, lesson_ids, index)
        (root / "en" / f"{lesson_id}.md").write_text(front + body, encoding="utf-8")
    return root


# Child process: one cold load, then the breakdown in the same interpreter ----------------------------------


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children: load_library reads several courses in
    processes of its own (one per core), whose CPU time is part of the load's."""
    user, system, children_user, children_system, _ = os.times()
    return user + system + children_user + children_system


def child(mode: str, path: str, details: bool) -> dict:
    """Load ``path`` (a library or one course) in this fresh interpreter; report time and peak memory.

    With ``details`` (one course), then time raw python-markdown and each pipeline step on the same lessons,
    right after the load, so that the ratio compares figures taken under the same machine load.
    """
    started, cpu_started = time.perf_counter(), cpu_seconds()
    from learn_habitat.content import load_course, load_library

    imported, cpu_imported = time.perf_counter(), cpu_seconds()
    rss_imported = max_rss_bytes()
    if mode == "library":
        library = load_library(path)
        courses = list(library)
    else:
        courses = [load_course(path)]
    loaded, cpu_loaded = time.perf_counter(), cpu_seconds()
    result = {
        "import_seconds": imported - started,
        "import_cpu": cpu_imported - cpu_started,
        "load_seconds": loaded - imported,
        "load_cpu": cpu_loaded - cpu_imported,
        "lessons": sum(len(by_id) for course in courses for by_id in course.lessons.values()),
        "courses": len(courses),
        "rss_imported": rss_imported,
        "rss_peak": max_rss_bytes(),
    }
    if details:
        result.update(breakdown(Path(path)))
        result["lesson_view_seconds"], result["lesson_ids_seconds"] = request_helpers(courses[0])
    return result


def cold(mode: str, path: Path, details: bool = False) -> dict:
    """Run :func:`child` in a fresh interpreter."""
    command = [sys.executable, "-m", "bench.pipeline", "child", mode, str(path)] + (
        ["--details"] if details else []
    )
    found = subprocess.run(
        command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=900, check=False
    )
    if found.returncode != 0:
        raise RuntimeError(f"cold load of {path} failed: {found.stderr[-800:]}")
    return json.loads(found.stdout.strip().splitlines()[-1])


def breakdown(course_folder: Path) -> dict:
    """CPU seconds per lesson of raw python-markdown and of each pipeline step, on the same lesson files."""
    import markdown

    from learn_habitat import activities
    from learn_habitat.activities.base import LessonSource
    from learn_habitat.content.render import LessonRenderer, sanitise_html
    from learn_habitat.content.yamlsource import parse_yaml, split_front_matter

    paths = sorted((course_folder / "en").glob("*.md"))
    count = len(paths)
    raw_md = markdown.Markdown(output_format="html")
    types = activities.activity_types()
    renderers = {
        kind: LessonRenderer(extensions=types[kind].markdown_extensions()) for kind in ("page", "quiz")
    }
    totals = dict.fromkeys(("read", "raw_markdown", "front_matter", "render", "sanitise", "quiz_build"), 0.0)
    quizzes = 0
    for path in paths:  # step by step per lesson, so every step sees the same machine load
        clock = time.process_time()
        text = path.read_text(encoding="utf-8")
        front_text, body, body_line = split_front_matter(text)
        totals["read"] += time.process_time() - clock

        clock = time.process_time()
        raw_md.reset()
        raw_md.convert(body)
        totals["raw_markdown"] += time.process_time() - clock

        clock = time.process_time()
        front = parse_yaml(front_text, 2)
        totals["front_matter"] += time.process_time() - clock

        kind = front["type"]
        clock = time.process_time()
        rendered = renderers[kind].render(body)
        totals["render"] += time.process_time() - clock

        clock = time.process_time()
        sanitise_html(rendered.html)  # a second pass over the same HTML: the cost of the sanitiser alone
        totals["sanitise"] += time.process_time() - clock

        if kind == "quiz":
            quizzes += 1
            source = LessonSource(path.stem, "en", str(path), front, body, body_line)
            clock = time.process_time()
            types["quiz"].build(source, rendered)
            totals["quiz_build"] += time.process_time() - clock
    return {"steps": {name: value / count for name, value in totals.items()}, "quizzes": quizzes}


def request_helpers(course) -> tuple[float, float]:
    """Seconds per call of lesson_view (last lesson) and of ``Course.lesson_ids``, no database involved."""
    from learn_habitat.catalog.services import lesson_view

    class _Library:
        def get(self, course_id):
            return course if course_id == course.id else None

    library, last, calls = _Library(), course.lesson_ids[-1], 1000
    started = time.perf_counter()
    for _ in range(calls):
        lesson_view(library, course.id, last, "en")
    per_view = (time.perf_counter() - started) / calls
    started = time.perf_counter()
    for _ in range(calls):
        course.lesson_ids  # noqa: B018 - the property builds a new tuple on every access
    return per_view, (time.perf_counter() - started) / calls


# The section --------------------------------------------------------------------------------------------


def run(options: Options) -> None:
    """Cold load of the shipped courses, the generated course, the ratio to raw python-markdown."""
    heading("3. Course pipeline (load, validate, render)")
    big = options.pick(1000, 200)
    small = options.pick(100, 50)
    note(
        "CPU time (process_time) is the figure to read on this shared machine: wall time also counts waiting "
        "for the CPU behind other processes. Ratios use CPU time of the same interpreter."
    )

    shipped = cold("library", COURSES_DIR)
    table = Table(
        "Cold load and render (fresh interpreter for each row)",
        [
            "what",
            "lessons",
            "import CPU s",
            "load CPU s",
            "load wall s",
            "CPU ms/lesson",
            "RSS after import MB",
            "peak RSS MB",
        ],
    )

    def add_row(label, found):
        table.add(
            label,
            found["lessons"],
            f"{found['import_cpu']:.2f}",
            f"{found['load_cpu']:.2f}",
            f"{found['load_seconds']:.2f}",
            ms(found["load_cpu"] / found["lessons"]),
            mb(found["rss_imported"]),
            mb(found["rss_peak"]),
        )

    add_row(f"shipped courses/: {shipped['courses']} courses x 6 languages (load_library)", shipped)
    with tempfile.TemporaryDirectory(prefix="lh-bench-pipeline-") as tmp:
        folder = Path(tmp)
        results = {}
        for size in (big, small):
            results[size] = cold("course", write_course(folder / str(size), size), details=True)
            add_row(
                f"generated {size}-lesson course, 1 language, {results[size]['quizzes']} quizzes (load_course)",
                results[size],
            )
    table.print()
    note(
        "peak RSS: the interpreter's maximum resident memory (VmHWM): Python, libraries and the loaded courses."
    )

    library = shipped_library()
    per_course = Table(
        "Warm load per shipped course (imports done; all 6 languages of the course)",
        ["course", "lessons", "CPU ms", "CPU ms/lesson"],
    )
    from learn_habitat.content import load_course

    for course in sorted(library, key=lambda c: c.id):
        started = time.process_time()
        load_course(course.path)
        seconds = time.process_time() - started
        lessons = sum(len(by_id) for by_id in course.lessons.values())
        per_course.add(course.id, lessons, ms(seconds), ms(seconds / lessons))
    per_course.print()

    found = results[big]
    steps = found["steps"]
    raw = steps["raw_markdown"]
    pipeline = found["load_cpu"] / found["lessons"]
    value = pipeline / raw
    comparison = Table(
        f"CPU time per lesson, generated {big}-lesson course (each step timed lesson by lesson after the cold load)",
        ["step", "CPU ms/lesson", "ratio to raw python-markdown"],
    )
    comparison.add("raw python-markdown (one instance, no extensions, same bodies)", ms(raw), "1.00")
    rows = [
        ("read file + split front matter", steps["read"]),
        ("front matter YAML (line-tracking loader on libyaml)", steps["front_matter"]),
        ("LessonRenderer.render: site extensions + nh3", steps["render"]),
        ("  nh3 sanitising alone (second pass, for scale)", steps["sanitise"]),
        (f"quiz build, averaged over all lessons ({found['quizzes']} quizzes)", steps["quiz_build"]),
    ]
    for label, seconds in rows:
        comparison.add(label, ms(seconds), ratio(seconds / raw))
    measured = steps["read"] + steps["front_matter"] + steps["render"] + steps["quiz_build"]
    comparison.add(
        "checks and objects (whole pipeline minus the steps above)",
        ms(pipeline - measured),
        ratio((pipeline - measured) / raw),
    )
    comparison.add("whole pipeline (cold load_course / lessons)", ms(pipeline), ratio(value))
    comparison.print()
    with_extensions = steps["render"] - steps["sanitise"]
    note(
        f"Against python-markdown with the site's extensions (render minus nh3, {ms(with_extensions)} ms), the whole "
        f"pipeline's ratio is {ratio(pipeline / with_extensions)}: most of the gap to raw python-markdown is the "
        "extensions the lessons need (tables, footnotes, admonitions, toc anchors, link checks)."
    )
    per_quiz = steps["quiz_build"] * found["lessons"] / max(1, found["quizzes"])
    note(
        f"A quiz's build alone takes {ms(per_quiz)} ms CPU: every prompt, option, feedback and hint is a "
        "separate Markdown reset + convert + nh3 pass (QuizActivity._block)."
    )
    small_found = results[small]
    small_ratio = small_found["load_cpu"] / small_found["lessons"] / small_found["steps"]["raw_markdown"]
    note(
        f"Scaling: ratio to raw python-markdown {ratio(value)} at {big} lessons and {ratio(small_ratio)} at {small} "
        "lessons: the pipeline is linear in the number of lessons."
        if value <= small_ratio * 1.25
        else f"Scaling: ratio {ratio(value)} at {big} lessons vs {ratio(small_ratio)} at {small}: worse than linear."
    )

    helpers = Table(
        "Per-request course lookups (pure Python, no database; wall time)",
        ["course", "lesson_view, last lesson µs", "course.lesson_ids µs"],
    )
    helpers.add(
        "shipped 11-lesson course",
        *(f"{v * 1e6:.1f}" for v in request_helpers(library.get("adequate-housing"))),
    )
    helpers.add(
        f"generated {big}-lesson course",
        f"{found['lesson_view_seconds'] * 1e6:.1f}",
        f"{found['lesson_ids_seconds'] * 1e6:.1f}",
    )
    helpers.print()
    note(
        "Course.lesson_ids builds a new tuple of every lesson id on each access; lesson_view reads it several times."
    )

    SCOREBOARD.check(
        "pipeline",
        f"CPU per lesson / raw python-markdown ({big} lessons)",
        ratio(value),
        "<= 1.50",
        value <= RATIO_TARGET,
    )


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "child":
        print(json.dumps(child(sys.argv[2], sys.argv[3], "--details" in sys.argv[4:])))
    else:
        sys.exit("usage: python -m bench.pipeline child library|course PATH [--details]")
