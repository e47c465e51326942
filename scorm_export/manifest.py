"""Pieces the SCORM 1.2 and 2004 manifests share, built with lxml."""

from __future__ import annotations

import re

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot hold at all, not even escaped (YAML can: "\v" in a quoted title).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML cannot hold; lxml escapes the rest as it writes."""
    return _NOT_XML.sub("", value)


def element(parent, tag: str, text: str | None = None, **attributes):
    """A child element with optional text and attributes (``None`` attributes are left out)."""
    node = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items() if v is not None})
    if text is not None:
        node.text = xml_text(text)
    return node


def package_files(content) -> list[str]:
    """Every file of the package, launch file first, then in path order."""
    from scorm_export.base import LAUNCH_FILE

    return [LAUNCH_FILE, *sorted(name for name in content.files if name != LAUNCH_FILE)]


def serialise(root) -> bytes:
    """The manifest as UTF-8 XML with a declaration, stable byte for byte."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
