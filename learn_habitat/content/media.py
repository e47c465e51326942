"""Which files a course's ``media/`` may hold: passive types only, and SVG without anything active.

On the site, media is served with a sandboxing Content-Security-Policy; inside a SCORM package nothing protects
the learner, and an LMS serves the package from its own origin. So active media (HTML, XML, script, SVG with
script, event handlers, ``foreignObject``, ``javascript:`` or external references) is refused by the checker
and never served or bundled. SVG is parsed with lxml (no network, no DTD, no entity expansion), so what is
judged is the tree a browser builds, not a pattern over text.

Pure: imports neither Flask nor the web layer.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from lxml import etree

from learn_habitat.content.course_files import CourseFileTooLarge, open_course_file, read_course_file

# Extension -> the Content-Type the site sends. Everything else is refused: a file an author puts in media/
# must be something a browser shows or downloads, never a document that runs.
MEDIA_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".vtt": "text/vtt",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Editors write their own data in these namespaces; browsers ignore it (it is never rendered or run).
EDITOR_NAMESPACES = frozenset(
    {
        "http://www.inkscape.org/namespaces/inkscape",
        "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
        "http://ns.adobe.com/AdobeIllustrator/10.0/",
        "http://ns.adobe.com/SaveForWeb/1.0/",
    }
)
# Inside <metadata> anything goes (RDF, Dublin Core): browsers never render or run it.
METADATA = f"{{{SVG_NS}}}metadata"
REFUSED_ELEMENTS = {
    "script": "a <script> element",
    "foreignObject": "a <foreignObject> element (it can hold HTML)",
    "handler": "a <handler> element (it runs script)",
    "listener": "a <listener> element",
    "iframe": "an <iframe> element",
    "embed": "an <embed> element",
    "object": "an <object> element",
}
ANIMATION_ELEMENTS = frozenset({"animate", "set", "animateMotion", "animateTransform", "animateColor"})
REFERENCE_ATTRIBUTES = frozenset({"href", "src", "base"})
# Images embedded in an SVG must be raster: an embedded SVG or HTML could carry script of its own.
DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|avif)[;,]", re.IGNORECASE)
URL_FUNCTION = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
# What a browser strips before it reads a URL's scheme: "java\tscript:" and "&#10;javascript:" still run.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
MAX_SVG_BYTES = 5_000_000


def media_type(name: str) -> str | None:
    """The Content-Type of a media file by its extension, or ``None`` when that kind of file is refused."""
    return MEDIA_TYPES.get(posixpath.splitext(name)[1].lower())


def type_problem(name: str) -> str | None:
    """Why a media file of this name is refused by its type, or ``None`` when the type is allowed."""
    if media_type(name) is None:
        extension = posixpath.splitext(name)[1].lower()
        known = ", ".join(sorted(MEDIA_TYPES))
        return f"files of type {extension or '(none)'!r} are not allowed in media/ (allowed: {known})"
    return None


def media_problems(name: str, data: bytes) -> list[tuple[int, str]]:
    """``(line, message)`` for each reason the media file ``name`` with content ``data`` is refused."""
    refused = type_problem(name)
    if refused is not None:
        return [(1, refused)]
    if name.lower().endswith(".svg"):
        return svg_problems(data)
    return []


def media_file_problems(folder: str | Path, relative: str) -> list[tuple[int, str]]:
    """:func:`media_problems` for the file ``relative`` of a course folder; only an SVG's bytes are read.

    Raises :class:`UnsafeCourseFile` or :class:`OSError` when the file cannot be opened safely.
    """
    refused = type_problem(relative)
    if refused is not None:
        return [(1, refused)]
    if relative.lower().endswith(".svg"):
        try:
            data = read_course_file(folder, relative, MAX_SVG_BYTES)
        except CourseFileTooLarge as exc:
            return [(1, f"the SVG is too large ({exc.size:,} bytes; at most {exc.limit:,})")]
        return svg_problems(data)
    descriptor, _status = open_course_file(folder, relative)
    os.close(descriptor)
    return []


def svg_problems(data: bytes) -> list[tuple[int, str]]:
    """``(line, message)`` for everything in an SVG that could run script or fetch another resource."""
    if len(data) > MAX_SVG_BYTES:
        return [(1, f"the SVG is too large ({len(data):,} bytes; at most {MAX_SVG_BYTES:,})")]
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        # libxml2's messages may run over lines; a problem is one line (tests/fuzz/test_course_properties.py).
        return [
            (line, f"the SVG is not well-formed XML: {' '.join(str(exc.msg).split()).replace(' ,', ',')}")
        ]
    problems: list[tuple[int, str]] = []
    document = root.getroottree()
    if not _is_utf8(data, document.docinfo.encoding):
        # The DOCTYPE check below reads the bytes, so they must be read the way the parser read them.
        return [(1, "the SVG must be saved as UTF-8")]
    if _has_internal_subset(data):
        # Entities and default attributes declared there would change the tree a browser builds. A plain
        # <!DOCTYPE svg PUBLIC ...> line, as drawing tools write it, is fine: no DTD is ever fetched.
        problems.append(
            (1, "the SVG declares entities or attributes in its <!DOCTYPE [...]>; remove that part")
        )
    for node in _siblings_of_root(root):
        if node.tag is etree.ProcessingInstruction:
            problems.append(
                (node.sourceline or 1, f"the processing instruction <?{node.target} ...?> is refused")
            )
    if root.tag != f"{{{SVG_NS}}}svg":
        problems.append((root.sourceline or 1, "the file's root element must be <svg> in the SVG namespace"))
    for element in root.iter():
        problems.extend(_element_problems(element))
    return problems


def _element_problems(element) -> list[tuple[int, str]]:
    line = element.sourceline or 1
    if element.tag is etree.ProcessingInstruction:
        return [(line, f"the processing instruction <?{element.target} ...?> is refused")]
    if element.tag is etree.Entity:
        return [(line, f"the entity reference &{element.name}; is refused")]
    if not isinstance(element.tag, str):
        return []
    qname = etree.QName(element)
    in_metadata = any(ancestor.tag == METADATA for ancestor in element.iterancestors())
    if in_metadata:
        return []
    problems = []
    if qname.namespace == SVG_NS:
        why = REFUSED_ELEMENTS.get(qname.localname)
        if why:
            problems.append((line, f"the SVG holds {why}; active content is not allowed in media"))
    elif qname.namespace not in EDITOR_NAMESPACES:
        # An element of another namespace (XHTML above all: <html:script> runs inside an SVG document).
        problems.append(
            (line, f"the SVG holds an element <{qname.localname}> from the namespace {qname.namespace!r}")
        )
    for attribute, value in element.attrib.items():
        problems.extend(_attribute_problems(qname.localname, element, attribute, value, line))
    if qname.localname == "style" and element.text:
        problems.extend(_css_problems(element.text, line, "the <style> element"))
    return problems


def _attribute_problems(tag: str, element, attribute: str, value: str, line: int) -> list[tuple[int, str]]:
    name = etree.QName(attribute)
    local = name.localname.lower()
    shown = f"{tag} {name.localname}"
    if local.startswith("on"):
        return [(line, f"the attribute {shown}=... is an event handler (script); remove it")]
    if _is_javascript(value):
        return [(line, f"the attribute {shown} holds a javascript: URL")]
    if tag in ANIMATION_ELEMENTS and local == "attributename":
        target = value.strip().split(":")[-1].lower()
        if target.startswith("on") or target in REFERENCE_ATTRIBUTES:
            return [
                (line, f"<{tag}> may not change the attribute {value.strip()!r} (it could insert script)")
            ]
    if local in REFERENCE_ATTRIBUTES and name.namespace in (None, XLINK_NS):
        reference = value.strip()
        if not reference.startswith("#") and not DATA_IMAGE.match(reference):
            return [
                (
                    line,
                    f"the attribute {shown}={reference[:80]!r} refers outside the SVG: only '#id' and "
                    "embedded PNG, JPEG, GIF or WebP images are allowed",
                )
            ]
    if local == "style":
        return _css_problems(value, line, f"the attribute {shown}")
    if "url(" in value.lower():
        return _css_problems(value, line, f"the attribute {shown}")
    return []


def _css_problems(text: str, line: int, where: str) -> list[tuple[int, str]]:
    lowered = text.lower()
    if "@import" in lowered:
        return [(line, f"{where} imports another stylesheet (@import)")]
    if "\\" in text:
        # CSS escapes spell any word ("\75 rl(" is "url("): none is needed in a drawing, so none is read.
        return [(line, f"{where} uses a CSS escape (a backslash)")]
    if "image-set(" in lowered or "src(" in lowered:
        return [(line, f"{where} refers outside the SVG (image-set() or src())")]
    if _is_javascript(text) or "expression(" in text.lower():
        return [(line, f"{where} holds script")]
    for match in URL_FUNCTION.finditer(text):
        target = match.group(1)
        if not target.startswith("#") and not DATA_IMAGE.match(target):
            return [
                (line, f"{where} refers outside the SVG with url({target[:80]}); only url(#id) is allowed")
            ]
    return []


def _is_javascript(value: str) -> bool:
    compact = _IGNORED_IN_SCHEME.sub("", value).lower()
    return "javascript:" in compact or "vbscript:" in compact


def _is_utf8(data: bytes, declared: str | None) -> bool:
    if (declared or "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii", "ascii"):
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _has_internal_subset(data: bytes) -> bool:
    """Whether the DOCTYPE has a ``[...]`` part; quoted public and system ids are skipped, not searched."""
    text = data.decode("utf-8-sig")
    start = text.find("<!DOCTYPE")
    if start < 0:
        return False
    quote = None
    for character in text[start:]:
        if quote:
            quote = None if character == quote else quote
        elif character in "'\"":
            quote = character
        elif character == "[":
            return True
        elif character == ">":
            return False
    return True


def _siblings_of_root(root):
    node = root.getprevious()
    while node is not None:
        yield node
        node = node.getprevious()
    node = root.getnext()
    while node is not None:
        yield node
        node = node.getnext()
