"""XLIFF 2.1 documents: written and read with lxml, following the OASIS XLIFF Version 2.1 specification.

Only what learn-habitat needs is written: ``<xliff>``, ``<file>``, ``<notes>``, ``<unit>``, ``<originalData>``,
``<segment>``, ``<source>``/``<target>`` with ``<ph>`` and ``<pc>``, the Metadata module (``mda:``) for the
facts import checks, and the Glossary module (``gls:``) for the termbase entries a unit uses. Reading accepts
what CAT tools add inside a target: ``<mrk>`` annotations (their text is kept), ``<cp>`` characters, ``<sm>``/
``<em>`` markers (dropped), copies of the answer separator (``copyOf``). Anything else is refused with its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from learn_habitat.xliff.segmenter import EMPHASIS, FLEXIBLE, SEPARATOR, Placeholder, Span, Unit, codes

XLIFF = "urn:oasis:names:tc:xliff:document:2.0"  # XLIFF 2.1 keeps the 2.0 core namespace
GLS = "urn:oasis:names:tc:xliff:glossary:2.0"
MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
XML = "http://www.w3.org/XML/1998/namespace"
VERSION = "2.1"
META_CATEGORY = "learn-habitat"
STATES = ("initial", "translated", "reviewed", "final")
_DISPLAY_SEPARATOR = "\u21b5= "
COPY = "-copy"  # a copied separator's id is "<id>-copy<n>"


def q(name: str, namespace: str = XLIFF) -> str:
    """A qualified lxml tag name."""
    return f"{{{namespace}}}{name}"


# --- writing ------------------------------------------------------------------------------------------------


def new_document(source_language: str, target_language: str) -> etree._Element:
    """An empty ``<xliff>`` root for one language pair."""
    root = etree.Element(q("xliff"), nsmap={None: XLIFF, "gls": GLS, "mda": MDA})
    root.set("version", VERSION)
    root.set("srcLang", source_language)
    root.set("trgLang", target_language)
    return root


def add_file(root, file_id: str, original: str, meta: dict, notes: list[tuple[str, str]], rtl: bool):
    """A ``<file>`` with its metadata and notes; units are added with :func:`add_unit`."""
    element = etree.SubElement(root, q("file"), id=file_id, original=original)
    element.set(q("space", XML), "preserve")
    if rtl:
        element.set("trgDir", "rtl")
    metadata = etree.SubElement(element, q("metadata", MDA))
    group = etree.SubElement(metadata, q("metaGroup", MDA), category=META_CATEGORY)
    for key, value in meta.items():
        etree.SubElement(group, q("meta", MDA), type=key).text = value
    _add_notes(element, notes)
    return element


def _add_notes(parent, notes):
    if notes:
        container = etree.SubElement(parent, q("notes"))
        for category, text in notes:
            etree.SubElement(container, q("note"), category=category).text = text


@dataclass(frozen=True)
class GlossaryEntry:
    """One termbase entry shown to the translator of a unit."""

    term: str
    translations: tuple
    definition: str
    source: str


def add_unit(parent, unit: Unit, target: tuple | None, state: str, glossary=(), notes=()):
    """A ``<unit>``: glossary, notes, the original data of its codes, and one segment."""
    element = etree.SubElement(parent, q("unit"), id=unit.id)
    if glossary:
        module = etree.SubElement(element, q("glossary", GLS))
        for entry in glossary:
            item = etree.SubElement(module, q("glossEntry", GLS))
            etree.SubElement(item, q("term", GLS), source=entry.source).text = entry.term
            for translation in entry.translations:
                etree.SubElement(item, q("translation", GLS), source=entry.source).text = translation
            if entry.definition:
                etree.SubElement(item, q("definition", GLS), source=entry.source).text = entry.definition
    _add_notes(element, list(notes))
    data = original_data(unit)
    if data:
        container = etree.SubElement(element, q("originalData"))
        for data_id, text in data.items():
            etree.SubElement(container, q("data"), id=data_id).text = text
    segment = etree.SubElement(element, q("segment"), state=state)
    _write_inline(etree.SubElement(segment, q("source")), unit.content)
    _write_inline(etree.SubElement(segment, q("target")), target or ())
    return element


def original_data(unit: Unit) -> dict:
    """``{data id: protected text}`` for every code of the unit's source."""
    data = {}
    for code in codes(unit.content):
        if isinstance(code, Span):
            data[f"d{code.id}s"], data[f"d{code.id}e"] = code.start, code.end
        else:
            data[f"d{code.id}"] = code.data
    return data


def code_attributes(code) -> dict:
    """The attributes written on a code's element; import requires them unchanged."""
    if isinstance(code, Span):
        return {
            "id": code.id,
            "dataRefStart": f"d{code.id}s",
            "dataRefEnd": f"d{code.id}e",
            "dispStart": code.start,
            "dispEnd": code.end,
            "equivStart": "",
            "equivEnd": "",
            "canCopy": "no",
            "canDelete": "no",
            "type": code.type,
        }
    if code.type == SEPARATOR:
        return {
            "id": code.id,
            "dataRef": f"d{code.id}",
            "disp": _DISPLAY_SEPARATOR,
            "equiv": "\n",
            "type": "other",
        }
    if code.type == EMPHASIS:
        # canCopy and canDelete left at their default, yes: Chinese drops italics for 《》, a translation may
        # italicise an English title the source does not. Import only checks the markers stay paired.
        return {"id": code.id, "dataRef": f"d{code.id}", "disp": code.data, "equiv": "", "type": "fmt"}
    visible = code.type in ("other", "link")  # code spans and URLs read as what they are
    return {
        "id": code.id,
        "dataRef": f"d{code.id}",
        "disp": code.data,
        "equiv": code.data if visible else "",
        "canCopy": "no",
        "canDelete": "no",
        "type": code.type,
    }


def _write_inline(element, content: tuple) -> None:
    last = None
    for item in content:
        if isinstance(item, str):
            if last is None:
                element.text = (element.text or "") + item
            else:
                last.tail = (last.tail or "") + item
            continue
        if isinstance(item, Span):
            last = etree.SubElement(element, q("pc"), code_attributes(item))
            _write_inline(last, item.content)
        else:
            if COPY in item.id:  # a copy of an answer separator, for an answer the source does not have
                attributes = _copy_attributes(code_attributes(item), item.id)
            else:
                attributes = code_attributes(item)
            last = etree.SubElement(element, q("ph"), attributes)


def _copy_attributes(attributes: dict, copy_id: str) -> dict:
    """A copied code points to its base with ``copyOf``, and takes its original data from it."""
    copied = {key: value for key, value in attributes.items() if key != "dataRef"}
    return {**copied, "id": copy_id, "copyOf": copy_id.split(COPY)[0]}


_CONTAINERS = {q(n) for n in ("xliff", "file", "notes", "unit", "segment", "originalData")} | {
    q("metadata", MDA),
    q("metaGroup", MDA),
    q("glossary", GLS),
    q("glossEntry", GLS),
}


def serialise(root) -> bytes:
    """The document as UTF-8 bytes, indented between structural elements only (never inside text)."""
    _indent(root, 0)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _indent(element, level: int) -> None:
    children = list(element)
    if element.tag not in _CONTAINERS or not children:
        return
    element.text = "\n" + "  " * (level + 1)
    for child in children:
        _indent(child, level + 1)
        child.tail = "\n" + "  " * (level + 1)
    children[-1].tail = "\n" + "  " * level


# --- reading ------------------------------------------------------------------------------------------------


class InlineError(ValueError):
    """A target's inline content that cannot be taken back; ``line`` is where in the XLIFF file."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse(data: bytes):
    """The root element of an XLIFF file; raise ``etree.XMLSyntaxError`` when it is not well formed.

    No DTD, no entities resolved, no network: a translation file is untrusted input.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser)


def metadata(file_element) -> dict:
    """``{type: value}`` of the learn-habitat metadata group of a ``<file>``."""
    found = {}
    for group in file_element.findall(f"{q('metadata', MDA)}/{q('metaGroup', MDA)}"):
        if group.get("category") == META_CATEGORY:
            for meta in group.findall(q("meta", MDA)):
                found[meta.get("type")] = meta.text or ""
    return found


def read_data(unit_element) -> dict:
    """``{data id: text}`` of a unit's ``<originalData>``."""
    return {
        data.get("id"): data.text or "" for data in unit_element.findall(f"{q('originalData')}/{q('data')}")
    }


@dataclass
class InlineReading:
    """A target read against its unit: content with source codes, and the problems found."""

    content: tuple = ()
    problems: list = field(default_factory=list)  # (line, message)


def read_inline(element, unit: Unit) -> InlineReading:
    """The content of ``<source>`` or ``<target>``, its codes checked against the unit's source codes.

    Every code must appear exactly once with the attributes it was written with, except the answer
    separator, which may be dropped or copied (``copyOf``). The returned content carries the codes of the
    source lesson, never text taken from the XLIFF file.
    """
    expected = {code.id: code for code in codes(unit.content)}
    seen: dict = {}
    reading = InlineReading()
    reading.content = tuple(_read_children(element, expected, seen, reading))
    markers = {code_id: code.data for code_id, code in expected.items() if code.type == EMPHASIS}
    for marker in set(markers.values()):
        wanted = sum(1 for data in markers.values() if data == marker)
        found = sum(seen.get(code_id, 0) for code_id, data in markers.items() if data == marker)
        if (wanted - found) % 2:
            reading.problems.append(
                (element.sourceline, f"the emphasis markers {marker!r} are no longer paired")
            )
    for code_id, code in expected.items():
        count = seen.get(code_id, 0)
        if code.type in FLEXIBLE:
            continue
        if count == 0:
            reading.problems.append(
                (element.sourceline, f"the protected code {code_id} ({_shown(code)}) is missing")
            )
        elif count > 1:
            reading.problems.append(
                (element.sourceline, f"the protected code {code_id} ({_shown(code)}) appears {count} times")
            )
    return reading


def _shown(code) -> str:
    return repr(code.start + "…" + code.end) if isinstance(code, Span) else repr(code.data)


def _read_children(element, expected, seen, reading) -> list:
    out = []
    if element.text:
        out.append(element.text)
    for child in element:
        if not isinstance(child.tag, str):  # comments and processing instructions
            pass
        elif child.tag == q("mrk"):
            out += _read_children(child, expected, seen, reading)
        elif child.tag == q("cp"):
            try:
                out.append(chr(int(child.get("hex", ""), 16)))
            except ValueError:
                reading.problems.append(
                    (child.sourceline, f"<cp hex={child.get('hex')!r}> is not a character")
                )
        elif child.tag in (q("sm"), q("em")):
            pass
        elif child.tag in (q("ph"), q("pc")):
            code = _read_code(child, expected, seen, reading)
            if code is not None:
                out.append(code)
        else:
            reading.problems.append(
                (child.sourceline, f"unexpected element <{etree.QName(child).localname}>")
            )
        if child.tail:
            out.append(child.tail)
    merged: list = []
    for item in out:
        if isinstance(item, str) and merged and isinstance(merged[-1], str):
            merged[-1] += item
        else:
            merged.append(item)
    return merged


def _read_code(child, expected, seen, reading):
    kind = etree.QName(child).localname
    code_id = child.get("id")
    base = child.get("copyOf") or code_id
    code = expected.get(base)
    if code is None:
        reading.problems.append(
            (child.sourceline, f"<{kind} id={code_id!r}> is not a code of this unit's source")
        )
        return None
    if child.get("copyOf") is not None and code.type not in FLEXIBLE:
        reading.problems.append(
            (child.sourceline, f"the protected code {base} ({_shown(code)}) cannot be copied")
        )
        return None
    wanted = code_attributes(code)
    found = dict(child.attrib)
    if child.get("copyOf") is not None:
        wanted = _copy_attributes(wanted, str(code_id))
    if (kind == "pc") != isinstance(code, Span) or found != wanted:
        changed = sorted(key for key in set(wanted) | set(found) if wanted.get(key) != found.get(key))
        reading.problems.append(
            (
                child.sourceline,
                f"the protected code {base} ({_shown(code)}) was changed"
                + (f" ({', '.join(changed)})" if changed else f" (<{kind}> instead of the original element)"),
            )
        )
        return None
    seen[base] = seen.get(base, 0) + 1
    if isinstance(code, Span):
        inner = tuple(_read_children(child, expected, seen, reading))
        return Span(code.id, code.start, code.end, inner, code.type)
    return Placeholder(code.id, code.data, code.type)
