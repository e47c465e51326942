"""Start-up and memory: ``learn-habitat serve`` started the way an operator starts it, polled until /healthz answers.

Three starts on one migrated SQLite database, each with the default workers (2 x cores + 1) and a copy of the
shipped courses (so the section can edit one): a cold start (no rendered courses kept in the instance folder
yet), a warm start (the snapshot written by the cold start is read back), then, on the warm server, a live
update: a word added to a lesson, timed until every request answers with it. Memory per process comes from
/proc/<pid>/smaps_rollup: RSS counts pages shared with the master (the courses, forked), USS only the pages the
process alone holds, PSS shares the shared pages among their users. Reported, never asserted.

``python -m bench.startup`` runs this section alone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import COURSES_DIR, SCOREBOARD, Options, Table, heading, mb, note
from bench.server import Server, learn_habitat_command, site_environment

STARTUP_TIMEOUT = 120.0
HEALTHZ_TARGET_SECONDS = 3.0
# A lesson a guest may read (the first lesson of an open course), and where to add a word to it.
PROBE_COURSE, PROBE_LESSON = "new-urban-agenda", None


def _environment(folder: Path, courses: Path) -> dict:
    return site_environment(f"sqlite:///{folder / 'bench.sqlite3'}", folder / "instance", courses)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def _memory(pid: int) -> dict[str, int]:
    """RSS, PSS and USS of one process, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) * 1024
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "uss": fields["Private_Clean"] + fields["Private_Dirty"],
    }


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far: unlike wall time, not stretched by a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Started:
    """One ``learn-habitat serve``, from its start to the first 200 from /healthz."""

    def __init__(self, folder: Path, courses: Path, log_name: str):
        self.server = Server.site(folder, _environment(folder, courses), log_name)
        self.base = self.server.base
        try:
            self.seconds = self.server.wait_ready(timeout=STARTUP_TIMEOUT)
        except Exception:
            self.server.stop()
            raise
        self.cpu_seconds = _cpu_seconds(self.server.process.pid)

    @property
    def pid(self) -> int:
        """The master's pid."""
        return self.server.process.pid

    def workers(self, expected: int) -> list[int]:
        """The worker pids, once all ``expected`` have booted (and answered: they touched their pages)."""
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            workers = self.server.worker_pids()
            if len(workers) == expected:
                return workers
            time.sleep(0.1)
        return self.server.worker_pids()

    def stop(self) -> None:
        """Stop the master and its workers."""
        self.server.stop(timeout=30)


def _probe_lesson(courses: Path) -> tuple[str, Path]:
    """The URL path of the probe lesson and its English file."""
    from learn_habitat.content import load_course

    course = load_course(courses / PROBE_COURSE)
    lesson_id = course.lesson_ids[0]
    return f"/courses/{course.id}/{lesson_id}", Path(course.lesson(lesson_id, "en").source_path)


def _memory_rows(table: Table, label: str, server: Started, workers: int) -> None:
    for _ in range(workers * 4):  # let every worker answer a page: its working set, not a fresh fork's
        _get(server.base + "/courses")
    master = _memory(server.pid)
    table.add(label, "master", mb(master["rss"]), mb(master["pss"]), mb(master["uss"]))
    sizes = []
    for pid in server.workers(workers):
        with contextlib.suppress(OSError):  # a worker replaced meanwhile
            sizes.append(_memory(pid))
    if sizes:
        table.add(
            label,
            f"worker (mean of {len(sizes)})",
            mb(sum(s["rss"] for s in sizes) / len(sizes)),
            mb(sum(s["pss"] for s in sizes) / len(sizes)),
            mb(sum(s["uss"] for s in sizes) / len(sizes)),
        )
        total = master["pss"] + sum(s["pss"] for s in sizes)
        table.add(label, "all processes (PSS sum)", "", mb(total), "")


def run(options: Options) -> None:
    """Print seconds to /healthz (cold and warm), memory per worker, and seconds for a live update."""
    from learn_habitat.wsgi_server import default_workers

    heading("Start-up: `learn-habitat serve` until /healthz answers; memory per worker; a live course update")
    workers = default_workers()
    folder = Path(tempfile.mkdtemp(prefix="learn-habitat-bench-startup-"))
    courses = folder / "courses"
    try:
        shutil.copytree(COURSES_DIR, courses)
        env = _environment(folder, courses)
        subprocess.run(
            [*learn_habitat_command(), "db", "upgrade"], env=env, cwd=folder, check=True, capture_output=True
        )
        lesson_path, lesson_file = _probe_lesson(courses)

        times = Table(
            f"Seconds from start to the first 200 from /healthz ({workers} workers)",
            ["start", "seconds", "master CPU s"],
        )
        memory = Table("Memory per process (MB)", ["start", "process", "RSS", "PSS", "USS"])
        shutil.rmtree(folder / "instance" / "course-cache", ignore_errors=True)  # `db upgrade` wrote one
        cold = Started(folder, courses, "cold.log")
        times.add("cold: courses rendered", f"{cold.seconds:.2f}", f"{cold.cpu_seconds:.2f}")
        cold.stop()
        warm = Started(folder, courses, "warm.log")
        try:
            times.add(
                "warm: rendered courses read from instance/course-cache (written by `db upgrade`, as `make run` does)",
                f"{warm.seconds:.2f}",
                f"{warm.cpu_seconds:.2f}",
            )
            _memory_rows(memory, "warm", warm, workers)
            marker = f"benchword{int(time.time())}"
            text = lesson_file.read_text(encoding="utf-8")
            edited = time.perf_counter()
            lesson_file.write_text(text + f"\n\nA word added by the benchmark: {marker}.\n", encoding="utf-8")
            seen = None
            while time.perf_counter() - edited < 60:
                status, page = _get(warm.base + lesson_path)
                if status == 200 and marker in page:
                    seen = time.perf_counter() - edited
                    break
                time.sleep(0.05)
            times.add(
                "live update: lesson saved -> new text served",
                "not seen" if seen is None else f"{seen:.2f}",
                "",
            )
            time.sleep(3)  # the master replaces its workers after publishing; let the new ones settle
            _memory_rows(memory, "after the update", warm, workers)
        finally:
            warm.stop()
        times.print()
        for label, started in (
            ("cold (nothing rendered yet)", cold),
            ("warm (as after `make run`'s upgrade)", warm),
        ):
            SCOREBOARD.check(
                "startup",
                f"/healthz after `learn-habitat serve`, {label}",
                f"{started.seconds:.2f} s",
                f"<= {HEALTHZ_TARGET_SECONDS:.0f} s",
                started.seconds <= HEALTHZ_TARGET_SECONDS,
            )
        note(
            f"load average during the run: {', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores"
        )
        note("the live update includes the watcher's 1 s debounce and reading the changed course again")
        memory.print()
        note(
            "RSS counts the courses each worker shares with the master; USS is what a worker adds on its own"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    run(Options(quick="--quick" in sys.argv))
