"""Turns a loaded course, in one language, into a SCORM package. A pure library: it never imports Flask.

Exporters (``scorm12``, ``scorm2004``, ...) are found through the ``learn_habitat.exporters``
entry-point group, the same way an outside package would add one.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points
from types import MappingProxyType

from scorm_export.base import Exporter, ExportError

ENTRY_POINT_GROUP = "learn_habitat.exporters"

__all__ = ["ENTRY_POINT_GROUP", "ExportError", "Exporter", "export_course", "exporters", "package_filename"]


@lru_cache(maxsize=1)
def exporters() -> MappingProxyType:
    """Every installed exporter, by name."""
    found = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        exporter_class = entry_point.load()
        if not (isinstance(exporter_class, type) and issubclass(exporter_class, Exporter)):
            raise TypeError(f"{entry_point.value} is not an Exporter subclass")
        found[entry_point.name] = exporter_class()
    return MappingProxyType(found)


def export_course(course, language: str, standard: str) -> bytes:
    """The zip of ``course`` in ``language`` for ``standard`` (an exporter name)."""
    exporter = exporters().get(standard)
    if exporter is None:
        raise ExportError(f"unknown standard {standard!r} (known: {', '.join(sorted(exporters()))})")
    return exporter.export(course, language)


def package_filename(course_id: str, language: str, standard: str) -> str:
    """The file name a package is given, e.g. ``new-urban-agenda_ar_scorm2004.zip``."""
    return f"{course_id}_{language}_{standard}.zip"
