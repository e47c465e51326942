"""``python -m bench [--quick] [--only page-weight,throughput,pipeline,scorm,scale,search,startup]``: run the suite."""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import platform
import sqlite3
import sys
import time
import traceback
from datetime import UTC, datetime

from bench import SCOREBOARD, Options, heading, postgres_version, project_revision

# Section name -> module; in the order they run.
SECTIONS = {
    "page-weight": "bench.page_weight",
    "throughput": "bench.throughput",
    "pipeline": "bench.pipeline",
    "scorm": "bench.scorm",
    "scale": "bench.scale",
    "search": "bench.search",
    "startup": "bench.startup",
}
TIME_BUDGET_SECONDS = 600


def parse_options(argv=None) -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes and shorter runs, for a smoke run"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated sections to run (default: all): " + ", ".join(SECTIONS),
    )
    args = parser.parse_args(argv)
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = [name for name in only if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    options = Options(quick=args.quick, only=only)
    if options.quick:
        options.seconds_per_load_test = 2.0
    return options


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("MemTotal"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GB RAM"
    except OSError:
        pass
    return "unknown RAM"


def print_machine(options: Options) -> None:
    """What the figures were measured on."""
    heading(
        "learn-habitat benchmarks"
        + (" (--quick: smaller sizes, not the reference figures)" if options.quick else "")
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"date        {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, revision {project_revision()}")
    print(
        f"machine     {multiprocessing.cpu_count()} cores ({_cpu_model()}), {_memory()}, load average {load}"
    )
    print(
        f"software    Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {postgres_version() or 'not available'}, {platform.system()} {platform.release()}"
    )
    print(f"command     {' '.join([os.path.basename(sys.executable), '-m', 'bench', *sys.argv[1:]])}")
    sys.stdout.flush()


def main(argv=None) -> int:
    """Run the chosen sections, then the targets and the total time."""
    options = parse_options(argv)
    started = time.perf_counter()
    print_machine(options)
    chosen = options.only or tuple(SECTIONS)
    section_times = []
    for name in SECTIONS:
        if name not in chosen:
            continue
        section_started = time.perf_counter()
        try:
            importlib.import_module(SECTIONS[name]).run(options)
        except KeyboardInterrupt:
            print("\ninterrupted")
            return 130
        except Exception as error:  # a broken section is reported; the others still run
            traceback.print_exc()
            SCOREBOARD.failures.append((name, f"{type(error).__name__}: {error}"))
        section_times.append((name, time.perf_counter() - section_started))
    total = time.perf_counter() - started
    if not options.quick and set(chosen) == set(SECTIONS):
        SCOREBOARD.check(
            "suite", "whole run", f"{total:.0f} s", f"< {TIME_BUDGET_SECONDS} s", total < TIME_BUDGET_SECONDS
        )
    heading("Summary")
    SCOREBOARD.print()
    print()
    for name, seconds in section_times:
        print(f"  {name:<12} {seconds:6.1f} s")
    print(f"  {'total':<12} {total:6.1f} s ({total / 60:.1f} min; budget {TIME_BUDGET_SECONDS // 60} min)")
    return 1 if SCOREBOARD.failures else 0


if __name__ == "__main__":
    sys.exit(main())
