"""Search across course titles and lesson text in the reader's language.

The engine (``analysis``, ``plain_text``, ``index``) is pure like ``learn_habitat.content``: it never imports
Flask, so the CLI, benchmarks and tests use it without an app. ``routes`` and ``services`` are the web side
(the ``search`` blueprint), imported only by the application factory.
"""

from learn_habitat.search.index import (
    MAX_QUERY_LENGTH,
    MAX_RESULTS,
    PAGE_SIZE,
    Hit,
    Part,
    SearchPage,
    build_index,
    search,
)

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_RESULTS",
    "PAGE_SIZE",
    "Hit",
    "Part",
    "SearchPage",
    "build_index",
    "search",
]
