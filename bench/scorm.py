"""SCORM export: time and size of every package, all courses x languages x standards.

Each package is built with ``scorm_export.export_course`` from the loaded library, as the CLI and the admin
download do. The exporter reloads the course from its folder (rendering every language again, with links
between package pages), so the time of that reload alone is shown beside the export times.
"""

from __future__ import annotations

import io
import statistics
import time
import zipfile

from bench import Options, Table, heading, kb, ms, note, shipped_library


def run(options: Options) -> None:
    """Export every package once and print time and size per package, then totals."""
    from learn_habitat.content import load_course
    from scorm_export import export_course, exporters

    heading("4. SCORM export (scorm_export.export_course)")
    library = shipped_library()
    courses = sorted(library, key=lambda c: c.id)
    if options.quick:
        courses = courses[:1]
    standards = sorted(exporters())
    table = Table(
        "Every package (CPU ms: this process's CPU time; wall ms includes waiting behind other processes)",
        ["course", "lang", "standard", "CPU ms", "wall ms", "zip KB", "files", "unzipped KB"],
    )
    cpu_times, sizes, reloads = [], [], {}
    for course in courses:
        started = time.process_time()
        load_course(course.path, lesson_href="{lesson}.html", media_href="media/{name}")
        reloads[course.id] = time.process_time() - started
        for language in course.languages:
            for standard in standards:
                cpu, wall = time.process_time(), time.perf_counter()
                package = export_course(course, language, standard)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                with zipfile.ZipFile(io.BytesIO(package)) as archive:
                    infos = archive.infolist()
                unzipped = sum(info.file_size for info in infos)
                table.add(
                    course.id,
                    language,
                    standard,
                    ms(cpu),
                    ms(wall),
                    kb(len(package)),
                    len(infos),
                    kb(unzipped),
                )
                cpu_times.append(cpu)
                sizes.append(len(package))
    table.print()

    totals = Table(
        "Totals",
        ["packages", "CPU s total", "CPU ms median", "CPU ms max", "KB median", "KB max", "KB total"],
    )
    totals.add(
        len(sizes),
        f"{sum(cpu_times):.1f}",
        ms(statistics.median(cpu_times)),
        ms(max(cpu_times)),
        kb(statistics.median(sizes)),
        kb(max(sizes)),
        kb(sum(sizes)),
    )
    totals.print()
    reload_table = Table(
        "Of which: the exporter's reload of the course (load_course with package links, every language)",
        ["course", "reload CPU ms", "share of a package's CPU time"],
    )
    median_export = statistics.median(cpu_times)
    for course_id, seconds in reloads.items():
        reload_table.add(course_id, ms(seconds), f"{100 * seconds / median_export:.0f}%")
    reload_table.print()
    note(
        "build_package_content() calls load_course(course.path, ...) for every package: all 6 languages are read "
        "and rendered again to export one. The admin download caches packages per process (64 entries)."
    )
