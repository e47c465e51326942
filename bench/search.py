"""Search: building the index of each page language over the shipped courses, its memory, and query time.

The index is built once per library and language (at the first search in that language) and then only read.
Build time is measured per language on a fresh library index; memory is the growth of Python allocations
(tracemalloc, in a second build whose time is not used) for all six languages; query time is the median of
repeated searches of a real word per language (a page of ten results with passages).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

from bench import Options, Table, heading, mb, ms, note, shipped_library

QUERIES = {
    "en": "adequate housing",
    "ar": "الإِسْكَان",
    "es": "viviendas",
    "fr": "developpement",
    "ru": "городов",
    "zh": "住房",
}


def run(options: Options) -> None:
    """Print build time per language, memory and query times."""
    from learn_habitat.search import index as search_index

    heading("Search: index build and query time (shipped courses)")
    library = shipped_library()
    fresh = search_index.LibraryIndex()
    builds = Table("Index build, first search in each language", ["language", "documents", "build ms"])
    for language in QUERIES:
        started = time.perf_counter()
        built = fresh.for_language(library, language)
        builds.add(language, len(built.documents), ms(time.perf_counter() - started))
    builds.print()

    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    traced = search_index.LibraryIndex()
    for language in QUERIES:
        traced.for_language(library, language)
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    note(
        f"memory kept by the six indexes: {mb(after - before)} MB (peak while building {mb(peak - before)} MB)"
    )

    repeats = 20 if options.quick else 200
    queries = Table("Query time (after the build)", ["language", "query", "results", "median ms", "max ms"])
    search_index.build_index(library, QUERIES)
    for language, query in QUERIES.items():
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            page = search_index.search(library, query, language)
            times.append(time.perf_counter() - started)
        queries.add(language, query, page.total, ms(statistics.median(times)), ms(max(times)))
    queries.print()
