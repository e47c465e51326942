"""The XLIFF round trip: lessons out to professional translators' CAT tools and back (docs/translating.md).

Pure like :mod:`learn_habitat.content`, on which it builds: it never imports flask.

- :mod:`.segmenter` splits a lesson into translatable units and a skeleton, and rebuilds it byte for byte;
- :mod:`.document` writes and reads XLIFF 2.1 (core, Glossary and Metadata modules) with lxml;
- :mod:`.exchange` exports a course for one language and imports a translated file, refusing damaged ones.
"""

from learn_habitat.xliff.exchange import ImportReport, XliffError, export_course, import_xliff

__all__ = ["ImportReport", "XliffError", "export_course", "import_xliff"]
