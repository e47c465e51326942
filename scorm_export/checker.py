"""Checks a SCORM package (a zip) the way an LMS will read it, and says where each problem is.

Two layers, because neither is enough alone. XSD validation against the official schemas (when a schema
folder is given) catches wrong element order and wrong values in every namespace the manifest uses. The
structural rules catch what no XSD can express: files that are not in the zip, identifierrefs that lead
nowhere, unsafe paths, the schemaversion an LMS uses to pick its runtime, a default organization with no SCO.

The zip is anyone's, so it is read as hostile: the checker parses the zip records itself, refuses anything two
unzip tools could read differently (symbolic links, duplicate or ambiguous names, a local header that
contradicts the central directory, overlapping entries), and inflates every entry with a streaming reader that
stops at the declared size and at the limits below; no size in a header is trusted. The manifest is parsed
without DTDs, entities or network, with bounded size, depth and element count. Every limit is a module
constant, read at call time, so time and memory stay proportional to the input and bounded by the limits.

Pure: imports neither Flask nor the web layer.
"""

from __future__ import annotations

import bisect
import io
import os
import re
import stat
import struct
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

MANIFEST = "imsmanifest.xml"

_MB = 1024 * 1024
# Limits (read when a package is checked, so a caller or a test may lower them).
MAX_PACKAGE_BYTES = 200 * _MB  # the zip file itself
MAX_ENTRIES = 10_000  # entries in the central directory
MAX_CENTRAL_DIRECTORY_BYTES = 16 * _MB
MAX_NAME_BYTES = 1024  # one entry name, encoded
MAX_PATH_DEPTH = 32  # folders in one entry name
MAX_ENTRY_BYTES = 100 * _MB  # one entry, unpacked
MAX_TOTAL_BYTES = 100 * _MB  # every entry, unpacked
MAX_MANIFEST_BYTES = 4 * _MB  # a real manifest is a few hundred kilobytes at most
MAX_XML_DEPTH = 64  # nested elements in the manifest
MAX_MANIFEST_ELEMENTS = 50_000
MAX_PROBLEMS = 500  # problems listed; the rest are counted
MAX_MESSAGE_CHARS = 1_000

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
        # Entry names and manifest values are the package author's: never let them drive a terminal.
        return f"{_printable(self.where)}: {_printable(self.message)}"


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
    problems = _Problems()
    names, manifest_bytes = _read_archive(package, problems)
    if manifest_bytes is None:
        note = _NO_SCHEMA_FOLDER if schemas_dir is None else "no readable manifest; XSD validation skipped"
        return _report(None, problems, False, note)

    root = _parse_manifest(manifest_bytes, problems)
    if root is None:
        note = (
            _NO_SCHEMA_FOLDER if schemas_dir is None else "manifest is not usable XML; XSD validation skipped"
        )
        return _report(None, problems, False, note)

    cp = etree.QName(root).namespace
    if etree.QName(root).localname != "manifest" or cp not in (CP_12, CP_2004):
        problems.add(
            _at(
                root.sourceline,
                f"the root element must be <manifest> in {CP_12} or {CP_2004}, not {root.tag}",
            )
        )
        note = _NO_SCHEMA_FOLDER if schemas_dir is None else "not an IMS manifest; XSD validation skipped"
        return _report(None, problems, False, note)

    standard, contradicted = _tell_standard(root, cp, problems)
    validated, note = _validate(root, standard, schemas_dir, problems)
    problems.extend(_Structure(root, cp, standard, names, check_scorm_types=not contradicted).check())
    return _report(standard, problems, validated, note)


_NO_SCHEMA_FOLDER = "no schema folder given; XSD validation skipped"


class _Problems:
    """The problems found so far: in order, without repeats, the first MAX_PROBLEMS kept and the rest counted."""

    def __init__(self):
        self.kept: dict[PackageProblem, None] = {}
        self.dropped = 0

    def add(self, problem: PackageProblem) -> None:
        """Record *problem* (clipped to MAX_MESSAGE_CHARS; an identical one adds nothing)."""
        problem = PackageProblem(_clip(problem.where), _clip(problem.message))
        if problem in self.kept:
            return
        if len(self.kept) < MAX_PROBLEMS:
            self.kept[problem] = None
        else:
            self.dropped += 1

    def extend(self, problems: Iterable[PackageProblem]) -> None:
        """Record each of *problems*."""
        for problem in problems:
            self.add(problem)

    def final(self) -> tuple[PackageProblem, ...]:
        """The problems to report, with a last one counting those not listed."""
        listed = tuple(self.kept)
        if self.dropped:
            listed += (PackageProblem("package", f"{self.dropped} more problem(s) not listed"),)
        return listed


def _report(standard, problems: _Problems, validated, note) -> PackageReport:
    return PackageReport(standard, problems.final(), validated, None if validated else note)


def _at(line: int | None, message: str) -> PackageProblem:
    return PackageProblem(f"{MANIFEST}:{line or 1}", message)


def _clip(text: str) -> str:
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS]}… ({len(text)} characters)"


def _printable(text: str) -> str:
    """*text* with control, format and separator characters written as escapes (\\x1b, \\u202e)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


# -- the zip ------------------------------------------------------------------------------------------------
#
# The records are read here rather than through zipfile, which trusts the central directory alone: it never
# compares a local header's sizes with it, accepts overlapping entries, and inflates bzip2/lzma without an
# output bound. Anything two unzip tools could read differently is a problem, and such an entry is not inflated.

_END = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_END_SIGNATURE = b"PK\x06\x06"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
_MAX16, _MAX32 = 0xFFFF, 0xFFFFFFFF

_ENCRYPTED = 0x0001 | 0x0040 | 0x2000  # traditional encryption, strong encryption, masked local headers
_HAS_DESCRIPTOR = 0x0008  # sizes and CRC follow the data
_UTF8_NAME = 0x0800
_COMPARED_FLAGS = _ENCRYPTED | _HAS_DESCRIPTOR | _UTF8_NAME
_STORED, _DEFLATED, _AES = 0, 8, 99
_METHOD_NAMES = {
    1: "shrink",
    6: "implode",
    9: "deflate64",
    12: "bzip2",
    14: "lzma",
    93: "zstandard",
    95: "xz",
}
_ZIP64_EXTRA, _UNICODE_PATH_EXTRA = 0x0001, 0x7075
_DOS_DIRECTORY = 0x10
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # control, formatting (bidi), surrogate, line breaks
_CHUNK = 64 * 1024


@dataclass(eq=False)
class _Entry:
    """One central-directory record, and what checking it found."""

    raw_name: bytes
    name: str
    flags: int
    method: int
    crc: int
    compressed: int
    size: int
    offset: int
    zip64: bool = False
    refused: bool = False  # too broken or too dangerous to inflate
    data_start: int = 0
    end: int = 0  # where the entry's bytes end, data descriptor included
    local: tuple = field(default=())

    @property
    def where(self) -> str:
        """How problems with this entry name it."""
        return _where(self.name)

    @property
    def is_folder(self) -> bool:
        """True for a folder entry (its name ends with '/')."""
        return self.name.endswith("/")


class _Source:
    """Random access to the zip's bytes, from a file or from memory."""

    def __init__(self, handle):
        self.handle = handle
        self.size = handle.seek(0, os.SEEK_END)

    def read_at(self, offset: int, length: int) -> bytes:
        """Up to *length* bytes from *offset* (fewer at the end of the zip)."""
        if offset < 0 or length <= 0 or offset >= self.size:
            return b""
        self.handle.seek(offset)
        return self.handle.read(length)


def _read_archive(package, problems: _Problems) -> tuple[frozenset[str], bytes | None]:
    """The file names in the zip and the manifest's bytes (None when it cannot be had)."""
    if isinstance(package, bytes | bytearray | memoryview):
        handle, label = io.BytesIO(bytes(package)), "the bytes given"
    elif isinstance(package, str | os.PathLike):
        label = os.fspath(package)
        try:
            # A FIFO or a device would block or never end; only a regular file is a package.
            if not stat.S_ISREG(os.stat(label).st_mode):
                problems.add(PackageProblem("package", f"not a regular file: {label}"))
                return frozenset(), None
            handle = open(label, "rb")  # noqa: SIM115 (closed by the with below)
        except OSError as error:
            problems.add(PackageProblem("package", f"cannot read {label}: {error.strerror or error}"))
            return frozenset(), None
    else:
        raise TypeError(f"package must be a path or bytes, not {type(package).__name__}")
    with handle:
        source = _Source(handle)
        if source.size > MAX_PACKAGE_BYTES:
            problems.add(
                PackageProblem("package", f"is {source.size} bytes; the limit is {MAX_PACKAGE_BYTES} bytes")
            )
            return frozenset(), None
        return _ZipReader(source, label, problems).read()


class _ZipReader:
    """Reads and checks the records of one zip, then inflates its entries within the limits."""

    def __init__(self, source: _Source, label: str, problems: _Problems):
        self.source = source
        self.label = label
        self.problems = problems

    def package_problem(self, message: str) -> None:
        """Record a problem with the zip as a whole."""
        self.problems.add(PackageProblem("package", message))

    def refuse(self, entry: _Entry, message: str) -> None:
        """Record a problem with *entry* and leave it uninflated."""
        self.problems.add(PackageProblem(entry.where, message))
        entry.refused = True

    def read(self) -> tuple[frozenset[str], bytes | None]:
        """The file names and the manifest's bytes (None when there is no usable manifest)."""
        directory = self.central_directory()
        if directory is None:
            return frozenset(), None
        entries = self.entries(*directory)
        if entries is None:
            return frozenset(), None
        names = frozenset(entry.name for entry in entries if not entry.is_folder)
        if not entries:
            self.package_problem(f"the zip is empty: there is no {MANIFEST} in the package")
            return names, None
        self.check_names(entries)
        self.check_placement(entries, directory[0])
        manifest = self.inflate_all(entries)
        if manifest is None and not any(entry.name == MANIFEST for entry in entries):
            self.package_problem(_where_is_the_manifest(names))
        return names, manifest

    # The end of central directory record, and the zip64 one when there is one.

    def central_directory(self) -> tuple[int, int, int] | None:
        """(offset, size, entry count) of the central directory, or None when it cannot be trusted."""
        size = self.source.size
        tail_start = max(0, size - _END.size - _MAX16)
        tail = self.source.read_at(tail_start, size - tail_start)
        # The end record is the one whose comment ends exactly at the end of the file. A second such record
        # (hidden in the first one's comment) makes two zips of one file: tools disagree on which is read.
        candidates = []
        position = tail.rfind(_END_SIGNATURE)
        while position >= 0 and len(candidates) < 2:
            if position + _END.size <= len(tail):
                (comment_length,) = struct.unpack_from("<H", tail, position + _END.size - 2)
                if position + _END.size + comment_length == len(tail):
                    candidates.append(position)
            position = tail.rfind(_END_SIGNATURE, 0, position)
        if not candidates:
            self.package_problem(f"not a zip file: {self.label}")
            return None
        if len(candidates) > 1:
            self.package_problem(
                "the zip has two end of central directory records, one inside the other's comment"
            )
            return None
        position = candidates[0]
        _, disk, directory_disk, disk_count, count, directory_size, offset, _ = _END.unpack_from(
            tail, position
        )
        end_at = tail_start + position
        directory_end = end_at
        locator = self.source.read_at(end_at - _ZIP64_LOCATOR.size, _ZIP64_LOCATOR.size)
        if end_at >= _ZIP64_LOCATOR.size and locator[:4] == _ZIP64_LOCATOR_SIGNATURE:
            _, locator_disk, record_at, disks = _ZIP64_LOCATOR.unpack(locator)
            record = self.source.read_at(record_at, _ZIP64_END.size)
            if len(record) < _ZIP64_END.size or record[:4] != _ZIP64_END_SIGNATURE:
                self.package_problem("the zip64 end of central directory record is missing or corrupt")
                return None
            _, record_size, _, _, *wide = _ZIP64_END.unpack(record)
            if record_at + 12 + record_size != end_at - _ZIP64_LOCATOR.size:
                self.package_problem("the zip64 end of central directory record does not end at its locator")
                return None
            for what, small, mark, big in (
                ("entry count", count, _MAX16, wide[3]),
                ("central directory size", directory_size, _MAX32, wide[4]),
                ("central directory offset", offset, _MAX32, wide[5]),
            ):
                # Each 32-bit field holds the same value or the mark that says "see the zip64 record".
                if small not in (mark, big):
                    self.package_problem(
                        f"the end record gives the {what} as {small} but the zip64 end record as {big}"
                    )
                    return None
            disk, directory_disk, disk_count, count, directory_size, offset = wide
            disk |= locator_disk | max(0, disks - 1)
            directory_end = record_at
        if disk or directory_disk or disk_count != count:
            self.package_problem(
                "the zip is split across several files (a spanned archive); an LMS needs one zip"
            )
            return None
        if count > MAX_ENTRIES:
            self.package_problem(f"the zip declares {count} entries; the limit is {MAX_ENTRIES}")
            return None
        if directory_size > MAX_CENTRAL_DIRECTORY_BYTES:
            self.package_problem(
                f"the central directory is {directory_size} bytes; the limit is {MAX_CENTRAL_DIRECTORY_BYTES}"
            )
            return None
        if offset + directory_size != directory_end:
            # zipfile quietly shifts every offset in this case; another tool would read other bytes.
            self.package_problem(
                f"the central directory is not where the end record says (offset {offset} and {directory_size} "
                f"bytes, but it ends at {directory_end}): the zip was truncated or data was added to it"
            )
            return None
        return offset, directory_size, count

    # The central directory.

    def entries(self, offset: int, size: int, count: int) -> list[_Entry] | None:
        """Every central-directory record, each checked on its own; None when the directory is corrupt."""
        directory = self.source.read_at(offset, size)
        entries: list[_Entry] = []
        position = 0
        while position < len(directory):
            if len(entries) >= MAX_ENTRIES:
                self.package_problem(
                    f"the zip has more than {MAX_ENTRIES} entries; the limit is {MAX_ENTRIES}"
                )
                return None
            if (
                position + _CENTRAL.size > len(directory)
                or directory[position : position + 4] != _CENTRAL_SIGNATURE
            ):
                self.package_problem(f"the central directory is corrupt after {len(entries)} entries")
                return None
            record = _CENTRAL.unpack_from(directory, position)
            name_length, extra_length, comment_length = record[12:15]
            start = position + _CENTRAL.size
            position = start + name_length + extra_length + comment_length
            if position > len(directory):
                self.package_problem(f"the central directory is corrupt after {len(entries)} entries")
                return None
            raw_name = directory[start : start + name_length]
            extra = directory[start + name_length : start + name_length + extra_length]
            entries.append(self.entry(record, raw_name, extra))
        if len(entries) != count:
            self.package_problem(
                f"the end record says the zip has {count} entries but the central directory holds {len(entries)}"
            )
        return entries

    def entry(self, record: tuple, raw_name: bytes, extra_bytes: bytes) -> _Entry:
        """One record read and checked on its own: name, extra fields, encryption, method, type, size."""
        flags, method, _, _, crc, compressed, size = record[5:12]
        disk, _, external, offset = record[15:]
        name, name_problem = _decode_name(raw_name, flags)
        entry = _Entry(raw_name, name, flags, method, crc, compressed, size, offset)
        if name_problem:
            self.problems.add(PackageProblem(_where(name), name_problem))
        else:
            reason = _unsafe_path_reason(name) or _entry_name_reason(name, len(raw_name))
            if reason:
                # An LMS that unpacks this entry could write outside the package folder (zip-slip) or to a
                # name other than the one the manifest uses.
                self.problems.add(PackageProblem(_where(name), f"unsafe zip entry name: it {reason}"))
        extra, extra_problem = _extra_fields(extra_bytes)
        if extra_problem:
            self.refuse(entry, extra_problem)
            return entry
        second_name = _unicode_path(extra.get(_UNICODE_PATH_EXTRA), raw_name)
        if second_name is not None and second_name != name:
            self.problems.add(
                PackageProblem(
                    entry.where,
                    f"carries a second name {second_name!r} in its Unicode Path extra field; "
                    "unzip tools disagree on which name to use",
                )
            )
        wide = _zip64_values(
            extra.get(_ZIP64_EXTRA), size=size, compressed=compressed, offset=offset, disk=disk
        )
        if wide is None:
            self.refuse(entry, "marks its sizes or offset as zip64 but has no zip64 extra field giving them")
            return entry
        if wide:
            entry.zip64 = True
            entry.size, entry.compressed = wide.get("size", size), wide.get("compressed", compressed)
            entry.offset, disk = wide.get("offset", offset), wide.get("disk", disk)
        if disk:
            self.refuse(entry, "starts on another disk of a spanned archive")
        elif flags & _ENCRYPTED or method == _AES:
            self.refuse(entry, "is encrypted; an LMS cannot unpack it")
        elif method not in (_STORED, _DEFLATED):
            kind = _METHOD_NAMES.get(method, "unknown")
            self.refuse(
                entry, f"uses compression method {method} ({kind}); use deflate (8) or no compression (0)"
            )
        self.check_type(entry, external)
        limit = MAX_MANIFEST_BYTES if name == MANIFEST else MAX_ENTRY_BYTES
        if entry.is_folder and entry.size:
            self.refuse(entry, f"is a folder entry but declares {entry.size} bytes of data")
        elif entry.size > limit:
            what = "a manifest" if name == MANIFEST else "one entry"
            self.refuse(entry, f"declares {entry.size} bytes unpacked; the limit for {what} is {limit}")
        elif method == _STORED and entry.compressed != entry.size:
            self.refuse(
                entry,
                f"is stored uncompressed but declares {entry.compressed} bytes stored and {entry.size} unpacked",
            )
        return entry

    def check_type(self, entry: _Entry, external: int) -> None:
        """A problem unless the entry is a plain file or a folder (Unix mode bits live in the top 16 bits)."""
        mode = external >> 16
        kind = stat.S_IFMT(mode)
        if kind == stat.S_IFLNK:
            self.refuse(entry, "is a symbolic link; an LMS that unpacks it may follow it outside the package")
        elif kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            self.refuse(entry, f"is a special file (Unix mode {mode:o}), not a file or a folder")
        elif (kind == stat.S_IFDIR or external & _DOS_DIRECTORY) and not entry.is_folder:
            self.refuse(entry, "is marked as a folder but its name does not end with '/'")

    def check_names(self, entries: list[_Entry]) -> None:
        """No name twice, none that another differs from only in case, no file where a folder must be."""
        first: dict[str, _Entry] = {}
        folded: dict[str, str] = {}
        for entry in entries:
            if entry.name in first:
                message = "appears more than once in the zip; unzip tools disagree on which copy wins"
                self.refuse(entry, message)
                first[entry.name].refused = True
                continue
            first[entry.name] = entry
            key = unicodedata.normalize("NFC", entry.name.casefold())
            other = folded.setdefault(key, entry.name)
            if other != entry.name:
                self.problems.add(
                    PackageProblem(
                        entry.where,
                        f"differs from {other!r} only in letter case or Unicode normalization; "
                        "on a case-insensitive disk one overwrites the other",
                    )
                )
        ordered = sorted(first)
        for entry in entries:
            if entry.is_folder:
                continue
            below = entry.name + "/"
            at = bisect.bisect_left(ordered, below)
            if at < len(ordered) and ordered[at].startswith(below):
                self.problems.add(
                    PackageProblem(entry.where, f"is a file, but {ordered[at]!r} needs a folder of that name")
                )

    # Local headers, data descriptors and where each entry's bytes lie.

    def check_placement(self, entries: list[_Entry], directory_offset: int) -> None:
        """Each entry's local header agrees with the central directory, and no two entries share bytes."""
        placed = [entry for entry in entries if not entry.refused and self.locate(entry, directory_offset)]
        if entries and min(entry.offset for entry in entries) > 0:
            first = min(entry.offset for entry in entries)
            self.package_problem(f"the zip starts with {first} bytes that belong to no entry")
        reach = None
        for entry in sorted(placed, key=lambda e: e.offset):
            if reach is not None and entry.offset < reach.end:
                # Entries that share compressed bytes multiply a small zip into a huge one (a zip bomb).
                self.refuse(entry, f"overlaps entry {reach.name!r}: the two share bytes in the zip")
                continue
            if reach is None or entry.end > reach.end:
                reach = entry
        for entry in placed:
            if not entry.refused:
                self.compare_local_header(entry)

    def locate(self, entry: _Entry, directory_offset: int) -> bool:
        """Read the fixed part of the local header and find the data; False (and a problem) if it is not there."""
        header = self.source.read_at(entry.offset, _LOCAL.size)
        if entry.offset + _LOCAL.size > directory_offset or header[:4] != _LOCAL_SIGNATURE:
            self.refuse(entry, "has no local header where the central directory points")
            return False
        entry.local = _LOCAL.unpack(header)
        name_length, extra_length = entry.local[10:12]
        entry.data_start = entry.offset + _LOCAL.size + name_length + extra_length
        entry.end = entry.data_start + entry.compressed
        if entry.end > directory_offset:
            self.refuse(entry, f"its data ({entry.compressed} bytes) runs past the end of the zip's data")
            return False
        if entry.flags & _HAS_DESCRIPTOR:
            return self.read_descriptor(entry, directory_offset)
        return True

    def read_descriptor(self, entry: _Entry, directory_offset: int) -> bool:
        """Check the data descriptor that follows the data against the central directory.

        Its sizes take 8 bytes when the local header has a zip64 field (which the central directory need not
        have), and its signature is optional: the layout that matches the central directory is the one read.
        """
        raw = self.source.read_at(entry.end, 24)
        starts = (4, 0) if raw[:4] == _DESCRIPTOR_SIGNATURE else (0,)
        widths = (8, 4) if entry.zip64 or _MAX32 in entry.local[8:10] else (4, 8)
        found = None
        for start in starts:
            for width in widths:
                length = start + 4 + 2 * width
                if len(raw) < length or entry.end + length > directory_offset:
                    continue
                values = struct.unpack_from("<L2Q" if width == 8 else "<3L", raw, start)
                if values == (entry.crc, entry.compressed, entry.size):
                    entry.end += length
                    return True
                found = found or values
        if found is None:
            self.refuse(entry, "its data descriptor is missing")
        else:
            crc, compressed, size = found
            self.refuse(
                entry,
                f"its data descriptor says {size} bytes ({compressed} compressed, CRC {crc:08x}) but the central "
                f"directory says {entry.size} ({entry.compressed} compressed, CRC {entry.crc:08x})",
            )
        return False

    def compare_local_header(self, entry: _Entry) -> None:
        """Tools that stream a zip read the local header only: it must say what the central directory says."""
        _, _, _, flags, method, _, _, crc, compressed, size, name_length, extra_length = entry.local
        raw_name = self.source.read_at(entry.offset + _LOCAL.size, name_length)
        if raw_name != entry.raw_name:
            shown, _ = _decode_name(raw_name, flags)
            self.refuse(
                entry, f"its local header names it {shown!r}; a tool that reads local headers unpacks that"
            )
            return
        if (flags ^ entry.flags) & _COMPARED_FLAGS or method != entry.method:
            self.refuse(
                entry,
                "its local header and the central directory disagree on its flags or compression method",
            )
            return
        if flags & _HAS_DESCRIPTOR:
            return  # the sizes follow the data, and read_descriptor compared them
        if _MAX32 in (size, compressed):
            extra_bytes = self.source.read_at(entry.offset + _LOCAL.size + name_length, extra_length)
            extra, _ = _extra_fields(extra_bytes)
            wide = _zip64_values(extra.get(_ZIP64_EXTRA), size=size, compressed=compressed)
            if wide is None:
                self.refuse(entry, "its local header marks its sizes as zip64 but gives no zip64 sizes")
                return
            size, compressed = wide.get("size", size), wide.get("compressed", compressed)
        if (crc, compressed, size) != (entry.crc, entry.compressed, entry.size):
            self.refuse(
                entry,
                f"its local header says {size} bytes ({compressed} compressed, CRC {crc:08x}) but the central "
                f"directory says {entry.size} ({entry.compressed} compressed, CRC {entry.crc:08x})",
            )

    # Inflating.

    def inflate_all(self, entries: list[_Entry]) -> bytes | None:
        """Inflate every entry within the limits, checking sizes and CRCs; the manifest's bytes, or None."""
        declared = sum(entry.size for entry in entries if not entry.refused)
        within_total = declared <= MAX_TOTAL_BYTES
        if not within_total:
            self.package_problem(f"declares {declared} bytes unpacked in all; the limit is {MAX_TOTAL_BYTES}")
        manifest = None
        for entry in sorted(entries, key=lambda e: e.name != MANIFEST):  # the manifest first
            if entry.refused or not (within_total or entry.name == MANIFEST):
                continue
            data, problem = self.inflate(entry, keep=entry.name == MANIFEST)
            if problem:
                self.refuse(entry, problem)
            elif entry.name == MANIFEST:
                manifest = data
        return manifest

    def inflate(self, entry: _Entry, keep: bool) -> tuple[bytes | None, str | None]:
        """(data if *keep*, why the entry is broken); stops as soon as the data outgrows the declared size."""
        position, remaining = entry.data_start, entry.compressed
        produced, crc, kept = 0, 0, []

        def take(data: bytes) -> bool:
            nonlocal produced, crc
            produced += len(data)
            if produced > entry.size:
                return False
            crc = zlib.crc32(data, crc)
            if keep:
                kept.append(data)
            return True

        def fetch() -> bytes:
            nonlocal position, remaining
            data = self.source.read_at(position, min(_CHUNK, remaining))
            position, remaining = position + len(data), remaining - len(data)
            return data

        too_big = f"unpacks to more than the {entry.size} bytes its headers declare"
        if entry.method == _STORED or (entry.compressed == 0 and entry.size == 0):
            while remaining:
                data = fetch()
                if not data:
                    return None, "its data is cut short"
                if not take(data):
                    return None, too_big
        else:
            inflater = zlib.decompressobj(-15)
            pending, full = b"", False
            while not inflater.eof:
                if not pending and not full:
                    pending = fetch()
                    if not pending:
                        return None, "its compressed data ends before the deflate stream does"
                try:
                    # At most _CHUNK bytes out per call, however much the input expands.
                    data = inflater.decompress(pending, _CHUNK)
                except zlib.error as error:
                    return None, f"its compressed data is corrupt ({error})"
                pending, full = inflater.unconsumed_tail, len(data) == _CHUNK
                if not take(data):
                    return None, too_big
            left = len(inflater.unused_data) + len(pending) + remaining
            if left:
                return (
                    None,
                    f"has {left} bytes after the end of its compressed data; its compressed size is wrong",
                )
        if produced != entry.size:
            return None, f"unpacks to {produced} bytes, but its headers declare {entry.size}"
        if crc != entry.crc:
            return None, f"its CRC-32 is {crc:08x}, but its headers say {entry.crc:08x}: the data is corrupt"
        return (b"".join(kept) if keep else None), None


def _where(name: str) -> str:
    """The *where* of a problem with the entry called *name*."""
    return name or "(an entry with an empty name)"


def _decode_name(raw: bytes, flags: int) -> tuple[str, str | None]:
    """The entry name, and why it cannot be trusted (None when it can)."""
    if flags & _UTF8_NAME:
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            return raw.decode(
                "utf-8", "backslashreplace"
            ), "its name is not valid UTF-8, yet its UTF-8 flag is set"
    if raw.isascii():
        return raw.decode("ascii"), None
    return raw.decode("cp437"), (
        "its name has non-ASCII bytes without the UTF-8 flag: tools read it as cp437 or as their own code page, "
        "so the name it unpacks to depends on the tool"
    )


def _entry_name_reason(name: str, length: int) -> str | None:
    """Why an entry *name* (already safe as a path) is still not a name every LMS unpacks alike, or None."""
    if not name:
        return "is empty"
    if length > MAX_NAME_BYTES:
        return f"is {length} bytes long; the limit is {MAX_NAME_BYTES}"
    if any(unicodedata.category(character) in _INVISIBLE for character in name):
        return "contains a control or invisible formatting character"
    if ":" in name:
        return "contains ':', which Windows reads as a drive or a hidden data stream"
    parts = name.removesuffix("/").split("/")
    if any(part in ("", ".") for part in parts):
        return "has an empty or '.' folder name"
    if len(parts) > MAX_PATH_DEPTH:
        return f"is {len(parts)} folders deep; the limit is {MAX_PATH_DEPTH}"
    return None


def _extra_fields(extra: bytes) -> tuple[dict[int, bytes], str | None]:
    """The extra fields by id, and what is wrong with them (None when nothing is)."""
    fields: dict[int, bytes] = {}
    position = 0
    while position + 4 <= len(extra):  # fewer than 4 bytes left is padding some tools add
        kind, length = struct.unpack_from("<2H", extra, position)
        position += 4
        if position + length > len(extra):
            return fields, "has a malformed extra field"
        if kind in fields:
            # Two zip64 (or two name) fields: each tool picks one of them.
            return fields, f"repeats extra field 0x{kind:04x}; unzip tools disagree on which one counts"
        fields[kind] = extra[position : position + length]
        position += length
    return fields, None


def _zip64_values(data: bytes | None, **values: int) -> dict[str, int] | None:
    """The zip64 replacements of the *values* set to their 'see zip64' mark; None if the field lacks them."""
    wanted = [name for name, value in values.items() if value == (_MAX16 if name == "disk" else _MAX32)]
    found: dict[str, int] = {}
    position = 0
    for name in wanted:
        width = 4 if name == "disk" else 8
        if data is None or position + width > len(data):
            return None
        found[name] = int.from_bytes(data[position : position + width], "little")
        position += width
    return found


def _unicode_path(data: bytes | None, raw_name: bytes) -> str | None:
    """The name in an Info-ZIP Unicode Path field that applies to *raw_name*, else None."""
    if data is None or len(data) < 5 or data[0] != 1:
        return None
    if int.from_bytes(data[1:5], "little") != zlib.crc32(raw_name):
        return None  # written for another name: tools ignore it
    return data[5:].decode("utf-8", "backslashreplace")


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


# -- the manifest's XML ------------------------------------------------------------------------------------


def _parse_manifest(data: bytes, problems: _Problems):
    """The manifest's root element, or None (with a problem) when it is not XML a checker should walk."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.LxmlError as error:
        message = getattr(error, "msg", None) or str(error)
        problems.add(_at(getattr(error, "lineno", None), f"is not well-formed XML: {message}"))
        return None
    if root.getroottree().docinfo.doctype:
        problems.add(
            _at(
                1,
                "declares a DOCTYPE; a manifest needs none, and the checker neither loads DTDs nor expands entities",
            )
        )
        return None
    depth = count = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        count += 1
        if depth > MAX_XML_DEPTH:
            problems.add(_at(element.sourceline, f"elements are nested more than {MAX_XML_DEPTH} deep"))
            return None
        if count > MAX_MANIFEST_ELEMENTS:
            problems.add(
                _at(element.sourceline, f"the manifest has more than {MAX_MANIFEST_ELEMENTS} elements")
            )
            return None
    return root


# -- which standard ----------------------------------------------------------------------------------------


def _tell_standard(root, cp: str, problems: _Problems) -> tuple[str | None, bool]:
    """The standard, and whether the schemaversion and the namespaces contradict each other."""
    by_namespaces = _standard_from_namespaces(root, cp)
    metadata = root.find(f"{{{cp}}}metadata")
    version = None if metadata is None else metadata.find(f"{{{cp}}}schemaversion")
    if version is None:
        where = root if metadata is None else metadata
        problems.add(
            _at(where.sourceline, f"metadata/schemaversion is missing; it must be {_EXPECTED_VERSIONS}")
        )
        return by_namespaces, False
    # LMSs pick their runtime from this string (Moodle falls back to 1.2 on anything unknown), so no synonyms.
    # Surrounding whitespace is layout, not content.
    value = (version.text or "").strip()
    by_version = SCHEMA_VERSIONS.get(value)
    if by_version is None:
        problems.add(
            _at(version.sourceline, f"schemaversion must be exactly {_EXPECTED_VERSIONS}, not {value!r}")
        )
        return by_namespaces, False
    if by_namespaces is not None and by_namespaces != by_version:
        problems.add(
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


def _validate(root, standard, schemas_dir, problems: _Problems) -> tuple[bool, str | None]:
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
        errors = schema.error_log
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
        self.folders: dict = {}  # element -> the folder its xml:base chain names ('' at the root)

    def q(self, name: str) -> str:
        """The Clark name of a content-packaging element."""
        return f"{{{self.cp}}}{name}"

    def check(self) -> Iterator[PackageProblem]:
        """Every structural problem, rule by rule."""
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
            yield from check()

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

    def folder(self, element) -> str | None:
        """The folder that the xml:base values in effect at *element* name, or None under a bad xml:base.

        Each element's folder is computed once from its parent's, so a manifest of many files under long
        xml:base values costs time in proportion to its size.
        """
        chain = []
        node = element
        while node is not None and node not in self.folders:
            chain.append(node)
            node = node.getparent()
        folder = "" if node is None else self.folders[node]
        for node in reversed(chain):
            base = node.get(XML_BASE) if isinstance(node.tag, str) else None
            if node in self.bad_bases:
                folder = (
                    None  # the xml:base problem is already reported; guessing a path would only add noise
                )
            elif folder is not None and base is not None:
                folder = _folder_of(_normal_path(folder + unquote(base)))
            self.folders[node] = folder
        return folder

    def check_exists(self, element, path: str, what: str) -> Iterator[PackageProblem]:
        """A problem if *path*, resolved against the xml:base values in effect, is not a file in the zip."""
        folder = self.folder(element)
        if folder is None:
            return
        if len(folder) + len(path) > 4 * MAX_NAME_BYTES:
            yield _at(
                element.sourceline, f"{what} is not in the package (its path is longer than any entry name)"
            )
            return
        resolved = _normal_path(folder + path)
        if resolved in self.names:
            return
        bases = [e.get(XML_BASE) for e in (element, *element.iterancestors()) if e.get(XML_BASE) is not None]
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


def _normal_path(path: str) -> str:
    """*path* without empty and '.' segments (a trailing '/' is kept)."""
    parts = path.split("/")
    kept = "/".join(part for part in parts[:-1] if part not in ("", "."))
    last = parts[-1] if parts[-1] != "." else ""
    return f"{kept}/{last}" if kept else last


def _folder_of(path: str) -> str:
    """The folder part of a relative URL path, ending with '/' (or '' for the package root)."""
    return path[: path.rfind("/") + 1]


def _is_scorm_type_look_alike(name: str, expected: str) -> bool:
    """True for scormtype/scormType attributes in the wrong case or namespace."""
    return name != expected and etree.QName(name).localname.lower() == "scormtype"
