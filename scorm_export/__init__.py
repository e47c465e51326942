"""Turns a loaded course into SCORM packages. A pure library: it never imports Flask.

Exporters (SCORM 1.2, SCORM 2004, ...) register by name through the ``learn_habitat.exporters``
entry-point group; they arrive with the SCORM export work.
"""
