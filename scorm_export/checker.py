"""Checks a SCORM package (a zip) the way an LMS will read it, and says where each problem is.

Two layers, because neither is enough alone. XSD validation against the official schemas (when a schema
folder is given) catches wrong element order and wrong values in every namespace the manifest uses. The
structural rules catch what no XSD can express: files that are not in the zip, identifierrefs that lead
nowhere, unsafe paths, the schemaversion an LMS uses to pick its runtime, a default organization with no SCO.

Pure: imports neither Flask nor the web layer.
"""

from __future__ import annotations

import io
import os
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

MANIFEST = "imsmanifest.xml"
# A manifest is a few hundred kilobytes at most; refusing larger ones keeps a zip bomb from filling memory.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024

CP_12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD_12 = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
CP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP_2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ_2004 = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV_2004 = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS_2004 = "http://www.imsglobal.org/xsd/imsss"
LOM_2004 = "http://ltsc.ieee.org/xsd/LOM"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_BASE = f"{{{XML_NS}}}base"

SCHEMA_VERSIONS = {"1.2": "scorm12", "2004 4th Edition": "scorm2004"}
_EXPECTED_VERSIONS = "'1.2' (SCORM 1.2) or '2004 4th Edition' (SCORM 2004)"

# The attribute that says whether a resource is a SCO: spelled differently in the two standards.
_SCORM_TYPE = {"scorm12": (ADLCP_12, "scormtype"), "scorm2004": (ADLCP_2004, "scormType")}
_SCORM_TYPES = ("sco", "asset")

_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class PackageProblem:
    """One thing wrong with a package, and where it is."""

    where: str  # "imsmanifest.xml:LINE" for manifest problems, the zip entry name, or "package"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class PackageReport:
    """Everything :func:`check_package` found, with whether the official schemas were used."""

    standard: str | None  # "scorm12", "scorm2004" or None when it cannot be told
    problems: tuple[PackageProblem, ...]
    schema_validated: bool  # True only if the manifest was validated against the official XSDs
    schema_note: str | None  # why schema validation was skipped, else None

    @property
    def ok(self) -> bool:
        """True when the package has no problems."""
        return not self.problems


def check_package(package, schemas_dir=None) -> PackageReport:
    """Check a SCORM package given as a path to a .zip or the zip's bytes; validate with XSDs if given a folder."""
    problems: list[PackageProblem] = []
    names, manifest_bytes = _read_archive(package, problems)
    if manifest_bytes is None:
        note = _NO_SCHEMA_FOLDER if schemas_dir is None else "no readable manifest; XSD validation skipped"
        return _report(None, problems, False, note)

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(manifest_bytes, parser)
    except etree.XMLSyntaxError as error:
        problems.append(_at(error.lineno or 1, f"is not well-formed XML: {error.msg}"))
        note = _NO_SCHEMA_FOLDER if schemas_dir is None else "manifest is not XML; XSD validation skipped"
        return _report(None, problems, False, note)

    cp = etree.QName(root).namespace
    if etree.QName(root).localname != "manifest" or cp not in (CP_12, CP_2004):
        problems.append(
            _at(
                root.sourceline,
                f"the root element must be <manifest> in {CP_12} or {CP_2004}, not {root.tag}",
            )
        )
        note = _NO_SCHEMA_FOLDER if schemas_dir is None else "not an IMS manifest; XSD validation skipped"
        return _report(None, problems, False, note)

    standard, contradicted = _tell_standard(root, cp, problems)
    validated, note = _validate(root, standard, schemas_dir, problems)
    _Structure(root, cp, standard, names, check_scorm_types=not contradicted).check(problems)
    return _report(standard, problems, validated, note)


_NO_SCHEMA_FOLDER = "no schema folder given; XSD validation skipped"


def _report(standard, problems, validated, note) -> PackageReport:
    # An identical (where, message) pair adds nothing the first one did not say.
    return PackageReport(standard, tuple(dict.fromkeys(problems)), validated, None if validated else note)


def _at(line: int | None, message: str) -> PackageProblem:
    return PackageProblem(f"{MANIFEST}:{line or 1}", message)


# -- the zip ------------------------------------------------------------------------------------------------


def _read_archive(package, problems: list[PackageProblem]) -> tuple[frozenset[str], bytes | None]:
    """The file names in the zip and the manifest's bytes (None when it cannot be had)."""
    if isinstance(package, bytes | bytearray | memoryview):
        source, label = io.BytesIO(bytes(package)), "the bytes given"
    elif isinstance(package, str | os.PathLike):
        source, label = os.fspath(package), os.fspath(package)
    else:
        raise TypeError(f"package must be a path or bytes, not {type(package).__name__}")
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        problems.append(PackageProblem("package", f"not a zip file: {label}"))
        return frozenset(), None
    except OSError as error:
        problems.append(PackageProblem("package", f"cannot read {label}: {error.strerror or error}"))
        return frozenset(), None

    with archive:
        infos = archive.infolist()
        for info in infos:
            reason = _unsafe_path_reason(info.filename)
            if reason:
                # An LMS that unpacks this entry could write outside the package folder (zip-slip).
                problems.append(PackageProblem(info.filename, f"unsafe zip entry name: it {reason}"))
        names = frozenset(info.filename for info in infos if not info.is_dir())
        manifest = next((info for info in infos if info.filename == MANIFEST), None)
        if manifest is None:
            problems.append(PackageProblem("package", _where_is_the_manifest(names)))
            return names, None
        if manifest.file_size > MAX_MANIFEST_BYTES:
            problems.append(
                PackageProblem(MANIFEST, f"is {manifest.file_size} bytes; that is not a manifest")
            )
            return names, None
        try:
            return names, archive.read(manifest)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
            problems.append(PackageProblem(MANIFEST, f"cannot be read from the zip: {error}"))
            return names, None


def _where_is_the_manifest(names: frozenset[str]) -> str:
    elsewhere = sorted(name for name in names if name.rsplit("/", 1)[-1].lower() == MANIFEST)
    if elsewhere:
        # LMSs look for exactly this name at the root; zipping the folder instead of its contents is common.
        return f"{MANIFEST} must be at the root of the zip; found {', '.join(elsewhere)}"
    return f"there is no {MANIFEST} in the package"


def _unsafe_path_reason(path: str) -> str | None:
    """Why *path* is not a forward-slash path relative to the package root, or None."""
    if "\\" in path:
        return "contains a backslash; use forward slashes"
    if path.startswith("/") or _DRIVE_LETTER.match(path):
        return "is an absolute path"
    if ".." in path.split("/"):
        return "climbs out of its folder with '..'"
    return None


# -- which standard ----------------------------------------------------------------------------------------


def _tell_standard(root, cp: str, problems: list[PackageProblem]) -> tuple[str | None, bool]:
    """The standard, and whether the schemaversion and the namespaces contradict each other."""
    by_namespaces = _standard_from_namespaces(root, cp)
    metadata = root.find(f"{{{cp}}}metadata")
    version = None if metadata is None else metadata.find(f"{{{cp}}}schemaversion")
    if version is None:
        where = root if metadata is None else metadata
        problems.append(
            _at(where.sourceline, f"metadata/schemaversion is missing; it must be {_EXPECTED_VERSIONS}")
        )
        return by_namespaces, False
    # LMSs pick their runtime from this string (Moodle falls back to 1.2 on anything unknown), so no synonyms.
    # Surrounding whitespace is layout, not content.
    value = (version.text or "").strip()
    by_version = SCHEMA_VERSIONS.get(value)
    if by_version is None:
        problems.append(
            _at(version.sourceline, f"schemaversion must be exactly {_EXPECTED_VERSIONS}, not {value!r}")
        )
        return by_namespaces, False
    if by_namespaces is not None and by_namespaces != by_version:
        problems.append(
            _at(
                version.sourceline,
                f"schemaversion {value!r} says {by_version} but the manifest uses the {by_namespaces} namespaces",
            )
        )
        return by_version, True
    return by_version, False


def _standard_from_namespaces(root, cp: str) -> str | None:
    """The standard whose namespaces the manifest uses, or None when they say nothing or both."""
    used = set()
    for element in root.iter():
        if isinstance(element.tag, str):
            used.add(etree.QName(element).namespace)
            used.update(etree.QName(name).namespace for name in element.attrib)
    says_12 = cp == CP_12 or ADLCP_12 in used
    says_2004 = bool(used & {ADLCP_2004, ADLSEQ_2004, ADLNAV_2004, IMSSS_2004})
    if says_12 != says_2004:
        return "scorm12" if says_12 else "scorm2004"
    return None


# -- XSD validation ----------------------------------------------------------------------------------------

# Per standard: (namespace, file under the schema folder) in import order. The xml namespace comes first:
# libxml2 keeps the first import of a namespace, so the schemas' own imports of it (a network URL in
# imscp_v1p1.xsd, the ims_xml.xsd that libxml2 rejects in SCORM 1.2) are never loaded.
_DRIVER_IMPORTS = {
    "scorm2004": (
        (XML_NS, "scorm2004-4th/xml.xsd"),
        (CP_2004, "scorm2004-4th/imscp_v1p1.xsd"),
        (ADLCP_2004, "scorm2004-4th/adlcp_v1p3.xsd"),
        (ADLSEQ_2004, "scorm2004-4th/adlseq_v1p3.xsd"),
        (ADLNAV_2004, "scorm2004-4th/adlnav_v1p3.xsd"),
        (IMSSS_2004, "scorm2004-4th/imsss_v1p0.xsd"),
        (LOM_2004, "scorm2004-4th/lom.xsd"),
    ),
    "scorm12": (
        (XML_NS, "scorm2004-4th/xml.xsd"),
        (CP_12, "scorm12/imscp_rootv1p1p2.xsd"),
        (ADLCP_12, "scorm12/adlcp_rootv1p2.xsd"),
        (IMSMD_12, "scorm12/imsmd_rootv1p2p1.xsd"),
    ),
}
# imsmd_rootv1p2p1.xsd has an `xsd:any namespace="##any"` after optional elements, a non-deterministic
# content model that libxml2 refuses; it is served from memory with "##other" under this made-up URL.
_PATCHED_IMSMD = "learn-habitat-memory:scorm12/imsmd_rootv1p2p1.xsd"
_VALIDATION_LOCK = threading.Lock()


def _validate(root, standard, schemas_dir, problems: list[PackageProblem]) -> tuple[bool, str | None]:
    """Validate against the driver schema of *standard*; (validated, why not)."""
    if schemas_dir is None:
        return False, _NO_SCHEMA_FOLDER
    if standard is None:
        return False, "the SCORM version could not be told; XSD validation skipped"
    folder = Path(schemas_dir).resolve()
    missing = [file for _, file in _DRIVER_IMPORTS[standard] if not (folder / file).is_file()]
    if missing:
        return False, f"schema files missing in {folder}: {', '.join(missing)}; XSD validation skipped"
    try:
        schema = _driver_schema(str(folder), standard)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as error:
        return False, f"the schemas in {folder} did not compile ({error}); XSD validation skipped"
    # One XMLSchema object is shared through the cache and keeps its error log on itself.
    with _VALIDATION_LOCK:
        schema.validate(root.getroottree())
        errors = list(schema.error_log)
    problems.extend(_at(error.line, f"XSD: {error.message}") for error in errors)
    return True, None


@lru_cache(maxsize=8)
def _driver_schema(folder: str, standard: str) -> etree.XMLSchema:
    """The compiled driver schema for *standard* from the schema *folder* (cached: it parses some 30 files)."""
    base = Path(folder)
    imports = []
    for namespace, file in _DRIVER_IMPORTS[standard]:
        location = _PATCHED_IMSMD if namespace == IMSMD_12 else (base / file).as_uri()
        imports.append(f'<xs:import namespace="{namespace}" schemaLocation="{location}"/>')
    driver = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{}</xs:schema>'.format("".join(imports))
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalSchemaResolver(base))
    document = etree.fromstring(driver.encode(), parser, base_url=(base / "driver.xsd").as_uri())
    return etree.XMLSchema(etree.ElementTree(document))


class _LocalSchemaResolver(etree.Resolver):
    """Serves the W3C xml.xsd and the patched imsmd schema locally; nothing is fetched from the network."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, system_url, public_id, context):
        """Local stand-ins for the schemas the official files point to, else None (libxml2's default)."""
        if system_url == _PATCHED_IMSMD:
            original = self.folder / "scorm12/imsmd_rootv1p2p1.xsd"
            text = original.read_bytes().replace(b'namespace="##any"', b'namespace="##other"')
            return self.resolve_string(text, context, base_url=original.as_uri())
        parts = urlsplit(system_url or "")
        last = parts.path.rsplit("/", 1)[-1]
        if (parts.netloc.lower() == "www.w3.org" and last == "xml.xsd") or last == "ims_xml.xsd":
            return self.resolve_filename(str(self.folder / "scorm2004-4th/xml.xsd"), context)
        return None


# -- structural rules --------------------------------------------------------------------------------------


class _Structure:
    """The rules an LMS relies on that XSD cannot express, read namespace-aware."""

    def __init__(self, root, cp: str, standard: str | None, names: frozenset[str], check_scorm_types: bool):
        self.root = root
        self.cp = cp
        self.names = names
        self.folded = {}
        for name in sorted(names):
            self.folded.setdefault(name.casefold(), name)
        # Without a standard (or with one the namespaces contradict) the attribute's name is unknown, and the
        # version problem already reported says why.
        self.scorm_type = _SCORM_TYPE.get(standard) if check_scorm_types else None
        self.resources = {}
        for resource in root.iter(self.q("resource")):
            if resource.get("identifier") is not None:
                self.resources.setdefault(resource.get("identifier"), resource)
        self.bad_bases: set = set()

    def q(self, name: str) -> str:
        """The Clark name of a content-packaging element."""
        return f"{{{self.cp}}}{name}"

    def check(self, problems: list[PackageProblem]) -> None:
        """Append every structural problem to *problems*."""
        for check in (
            self.unique_identifiers,
            self.default_organization,
            self.titles,
            self.item_references,
            self.xml_bases,
            self.resource_files,
            self.dependencies,
            self.scorm_types,
            self.metadata_locations,
            self.reachable_sco,
        ):
            problems.extend(check())

    def unique_identifiers(self) -> Iterator[PackageProblem]:
        """Every organization, item and resource has an identifier, unique across the manifest."""
        first_line: dict[str, int] = {}
        for element in self.root.iter(*(self.q(n) for n in ("manifest", "organization", "item", "resource"))):
            kind = etree.QName(element).localname
            identifier = element.get("identifier")
            if identifier is None or not identifier.strip():
                yield _at(element.sourceline, f"<{kind}> has no identifier")
            elif identifier in first_line:
                yield _at(
                    element.sourceline,
                    f"identifier {identifier!r} is used more than once (first at line {first_line[identifier]})",
                )
            else:
                first_line[identifier] = element.sourceline

    def organizations(self) -> list:
        """The organization elements of the top-level manifest."""
        return self.root.findall(f"{self.q('organizations')}/{self.q('organization')}")

    def default_organization_element(self):
        """The organization an LMS launches: the one @default names, else the first; None if neither exists."""
        holder = self.root.find(self.q("organizations"))
        if holder is None:
            return None
        default = holder.get("default")
        organizations = self.organizations()
        if default is None:
            return organizations[0] if organizations else None
        return next((o for o in organizations if o.get("identifier") == default), None)

    def default_organization(self) -> Iterator[PackageProblem]:
        """The default organization exists."""
        holder = self.root.find(self.q("organizations"))
        if holder is None:
            yield _at(self.root.sourceline, "the manifest has no <organizations>")
            return
        if not self.organizations():
            yield _at(holder.sourceline, "there is no <organization>, so an LMS has nothing to launch")
            return
        default = holder.get("default")
        if default is not None and self.default_organization_element() is None:
            yield _at(
                holder.sourceline,
                f"organizations/@default is {default!r}, but no organization has that identifier",
            )

    def titles(self) -> Iterator[PackageProblem]:
        """Every organization and item has a non-empty title: it is what the LMS shows."""
        for element in self.root.iter(self.q("organization"), self.q("item")):
            kind = etree.QName(element).localname
            title = element.find(self.q("title"))
            label = f"{kind} {element.get('identifier')!r}"
            if title is None:
                yield _at(element.sourceline, f"{label} has no title")
            elif not "".join(title.itertext()).strip():
                yield _at(title.sourceline, f"{label} has an empty title")

    def item_references(self) -> Iterator[PackageProblem]:
        """Every item's identifierref names a resource, and that resource can be launched."""
        for item in self.root.iter(self.q("item")):
            reference = item.get("identifierref")
            if reference is None:
                continue
            resource = self.resources.get(reference)
            if resource is None:
                yield _at(
                    item.sourceline,
                    f"item {item.get('identifier')!r} refers to resource {reference!r}, which does not exist",
                )
            elif not (resource.get("href") or "").strip():
                yield _at(
                    item.sourceline,
                    f"item {item.get('identifier')!r} launches resource {reference!r}, which has no href",
                )

    def xml_bases(self) -> Iterator[PackageProblem]:
        """Every xml:base is a relative folder inside the package (it prefixes the paths below it)."""
        for element in self.root.iter():
            base = element.get(XML_BASE) if isinstance(element.tag, str) else None
            if base is None:
                continue
            parts = urlsplit(base)
            reason = _unsafe_path_reason(unquote(base))
            if not reason and (parts.scheme or parts.netloc):
                reason = "is not a folder inside the package"
            if reason:
                self.bad_bases.add(element)
                yield _at(element.sourceline, f"xml:base {base!r} {reason}")

    def resource_files(self) -> Iterator[PackageProblem]:
        """Every resource href and file href is a safe relative path to a file that is in the zip."""
        for resource in self.resources_in_document_order():
            href = resource.get("href")
            if href is not None:
                label = f"resource {resource.get('identifier')!r} href"
                yield from self.check_href(resource, href, label, launch=True)
            for file in resource.iterchildren(self.q("file")):
                yield from self.check_href(file, file.get("href") or "", "file href", launch=False)

    def resources_in_document_order(self) -> Iterator:
        """All resource elements, nested manifests included."""
        return self.root.iter(self.q("resource"))

    def check_href(self, element, href: str, what: str, launch: bool) -> Iterator[PackageProblem]:
        """Problems with one href: unsafe, or naming a file the zip lacks.

        A launch URL (resource/@href) may be an http(s) URL or carry a query or fragment; any other href
        names a file in the package and nothing else.
        """
        parts = urlsplit(href)
        if _DRIVE_LETTER.match(href):
            yield _at(element.sourceline, f"{what} {href!r} is an absolute path")
            return
        if parts.scheme or parts.netloc:
            if launch and parts.scheme.lower() in ("http", "https") and parts.netloc:
                return  # content hosted elsewhere: nothing to find in the zip
            allowed = "a relative path inside the package or an http(s) URL" if launch else "a relative path"
            yield _at(element.sourceline, f"{what} {href!r} must be {allowed}")
            return
        # Decoded before the safety check too, so "%2E%2E/" cannot smuggle a "../" past it.
        path = unquote(parts.path if launch else href)
        if not path.strip():
            yield _at(element.sourceline, f"{what} is empty")
            return
        reason = _unsafe_path_reason(path)
        if reason:
            yield _at(element.sourceline, f"{what} {href!r} {reason}")
            return
        yield from self.check_exists(element, path, f"{what} {href!r}")

    def check_exists(self, element, path: str, what: str) -> Iterator[PackageProblem]:
        """A problem if *path*, resolved against the xml:base values in effect, is not a file in the zip."""
        bases = [e.get(XML_BASE) for e in (element, *element.iterancestors()) if e.get(XML_BASE) is not None]
        if any(e in self.bad_bases for e in (element, *element.iterancestors())):
            return  # the xml:base problem is already reported; guessing a path would only add noise
        folder = ""
        for base in reversed(bases):
            folder = _folder_of(folder + unquote(base))
        resolved = "/".join(part for part in (folder + path).split("/") if part not in ("", "."))
        if resolved in self.names:
            return
        message = f"{what} is not in the package"
        if bases:
            message += f" (looked for {resolved!r}, with xml:base applied)"
            if any(not base.endswith("/") for base in bases):
                message += "; an xml:base without a trailing '/' names a file, not a folder"
        near = self.folded.get(resolved.casefold())
        if near:
            message += f"; the zip has {near!r}, and names are case-sensitive"
        yield _at(element.sourceline, message)

    def dependencies(self) -> Iterator[PackageProblem]:
        """Every dependency names a resource."""
        for dependency in self.root.iter(self.q("dependency")):
            reference = dependency.get("identifierref")
            if reference not in self.resources:
                owner = dependency.getparent().get("identifier")
                yield _at(
                    dependency.sourceline,
                    f"resource {owner!r} depends on {reference!r}, which is not a resource",
                )

    def scorm_types(self) -> Iterator[PackageProblem]:
        """Every resource says adlcp:scormtype (1.2) / adlcp:scormType (2004), and it is sco or asset."""
        if self.scorm_type is None:
            return
        namespace, attribute = self.scorm_type
        key = f"{{{namespace}}}{attribute}"
        for resource in self.resources_in_document_order():
            label = f"resource {resource.get('identifier')!r}"
            value = resource.get(key)
            if value is None:
                message = f"{label} has no adlcp:{attribute} (in {namespace}); it must be 'sco' or 'asset'"
                look_alike = next(
                    (name for name in resource.attrib if _is_scorm_type_look_alike(name, key)), None
                )
                if look_alike:
                    message += f"; found {look_alike} instead"
                yield _at(resource.sourceline, message)
            elif value not in _SCORM_TYPES:
                yield _at(
                    resource.sourceline,
                    f"{label} has adlcp:{attribute}={value!r}; it must be 'sco' or 'asset'",
                )

    def metadata_locations(self) -> Iterator[PackageProblem]:
        """Every adlcp:location (metadata kept in a separate file) names a file that is in the zip."""
        for location in self.root.iter(f"{{{ADLCP_12}}}location", f"{{{ADLCP_2004}}}location"):
            href = (location.text or "").strip()
            yield from self.check_href(location, href, "adlcp:location", launch=False)

    def reachable_sco(self) -> Iterator[PackageProblem]:
        """The default organization launches at least one SCO; assets alone report no progress."""
        organization = self.default_organization_element()
        if organization is None or self.scorm_type is None:
            return
        namespace, attribute = self.scorm_type
        key = f"{{{namespace}}}{attribute}"
        for item in organization.iter(self.q("item")):
            resource = self.resources.get(item.get("identifierref"))
            if resource is not None and resource.get(key) == "sco":
                return
        yield _at(
            organization.sourceline,
            f"the default organization {organization.get('identifier')!r} reaches no SCO",
        )


def _folder_of(path: str) -> str:
    """The folder part of a relative URL path, ending with '/' (or '' for the package root)."""
    return path[: path.rfind("/") + 1]


def _is_scorm_type_look_alike(name: str, expected: str) -> bool:
    """True for scormtype/scormType attributes in the wrong case or namespace."""
    return name != expected and etree.QName(name).localname.lower() == "scormtype"
