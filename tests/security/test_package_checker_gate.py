"""The package checker is a gate for anyone's zip: hostile zips and manifests give clear problems, never a
traceback, and the checker's time and memory stay bounded by its limits, not by what the headers claim."""

from __future__ import annotations

import io
import os
import stat
import struct
import threading
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learn_habitat.cli import main
from scorm_export import checker, export_course
from scorm_export.checker import MANIFEST, PackageProblem, PackageReport, check_package
from tests.conftest import PROJECT_ROOT
from tests.scorm_export.test_package_checker import SCORM12_FILES, SCORM12_MANIFEST

SCHEMAS = PROJECT_ROOT.parent / "shared" / "scorm-schemas"
MEMORY_BOUND = 64 * 1024 * 1024
PROPERTY_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- a zip writer that can lie: every header field is set on its own ----------------------------------------


@dataclass
class Raw:
    """One entry as a hostile zip writer may write it."""

    name: bytes
    data: bytes = b""  # the bytes after the local header (already compressed)
    method: int = 0
    flags: int = 0
    content: bytes | None = None  # the unpacked bytes, for the default CRC and size (None: data)
    crc: int | None = None
    size: int | None = None
    compressed: int | None = None
    external_attr: int = 0o100644 << 16
    extra: bytes = b""
    local_name: bytes | None = None
    local_size: int | None = None
    local_flags: int | None = None
    offset: int | None = None  # None: where the local header is written


def deflated(name: str | bytes, content: bytes, **fields) -> Raw:
    """An entry whose data is *content* deflated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return Raw(name.encode() if isinstance(name, str) else name, data, method=8, content=content, **fields)


def stored(name: str | bytes, content: bytes, **fields) -> Raw:
    """An entry whose data is *content* as is."""
    return Raw(name.encode() if isinstance(name, str) else name, content, method=0, content=content, **fields)


def build(entries: list[Raw], count: int | None = None, prefix: bytes = b"") -> bytes:
    """A zip of *entries* exactly as described (offsets count from the start of the prefix)."""
    out = bytearray(prefix)
    central = bytearray()
    for entry in entries:
        content = entry.data if entry.content is None else entry.content
        crc = zlib.crc32(content) if entry.crc is None else entry.crc
        size = len(content) if entry.size is None else entry.size
        compressed = len(entry.data) if entry.compressed is None else entry.compressed
        offset = len(out) if entry.offset is None else entry.offset
        local_name = entry.name if entry.local_name is None else entry.local_name
        local_size = size if entry.local_size is None else entry.local_size
        local_flags = entry.flags if entry.local_flags is None else entry.local_flags
        out += struct.pack(
            "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, local_flags, entry.method, 0, 0x21, crc, compressed,
            local_size, len(local_name), 0,
        )  # fmt: skip
        out += local_name + entry.data
        central += struct.pack(
            "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, entry.flags, entry.method, 0, 0x21, crc,
            compressed, size, len(entry.name), len(entry.extra), 0, 0, 0, entry.external_attr, offset,
        )  # fmt: skip
        central += entry.name + entry.extra
    start = len(out)
    out += central
    total = len(entries) if count is None else count
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, total, total, len(central), start, 0)
    return bytes(out)


def package_entries(**replaced: bytes) -> list[Raw]:
    """The valid SCORM 1.2 fixture as raw entries, with some contents replaced."""
    files = {name: content.encode() for name, content in SCORM12_FILES.items()}
    files.update(replaced)
    return [deflated(name, content) for name, content in files.items()]


def problems_of(report: PackageReport, where: str) -> list[str]:
    """The messages of the problems reported at *where*."""
    return [problem.message for problem in report.problems if problem.where == where]


def assert_clear(report: PackageReport) -> None:
    """A result anyone can act on: valid, or problems that each say where and what, in printable text."""
    assert isinstance(report, PackageReport)
    assert report.ok == (not report.problems)
    assert len(report.problems) <= checker.MAX_PROBLEMS + 1
    for problem in report.problems:
        assert isinstance(problem, PackageProblem)
        assert problem.where and problem.message.strip()
        assert str(problem).isprintable(), repr(str(problem))


def deflate_bomb(megabytes: int) -> bytes:
    """*megabytes* of zeros deflated (about a thousand to one)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(1024 * 1024)
    return b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()


def peak_memory(function, *args):
    """(result, peak bytes Python allocated while *function* ran)."""
    tracemalloc.start()
    try:
        result = function(*args)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_raw_writer_makes_a_package_the_checker_accepts():
    report = check_package(build(package_entries()))
    assert report.ok, [str(p) for p in report.problems]
    assert report.standard == "scorm12"


# -- entries that unpack to something other than a plain file --------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (stat.S_IFLNK | 0o777, "is a symbolic link"),
        (stat.S_IFIFO | 0o644, "is a special file"),
        (stat.S_IFCHR | 0o644, "is a special file"),
        (stat.S_IFDIR | 0o755, "is marked as a folder but its name does not end with '/'"),
    ],
)
def test_symlinks_and_special_files_are_refused_by_their_mode_bits(mode, message):
    link = stored("content/passwd.html", b"/etc/passwd", external_attr=mode << 16)
    report = check_package(build([*package_entries(), link]))
    assert [m for m in problems_of(report, "content/passwd.html") if message in m], report.problems


def test_a_folder_entry_that_holds_data_is_refused():
    report = check_package(build([*package_entries(), stored("content/", b"hidden", external_attr=0x10)]))
    assert problems_of(report, "content/") == ["is a folder entry but declares 6 bytes of data"]


def test_encrypted_entries_are_refused():
    report = check_package(build([*package_entries(), stored("secret.html", b"x" * 12, flags=0x1)]))
    assert problems_of(report, "secret.html") == ["is encrypted; an LMS cannot unpack it"]


@pytest.mark.parametrize(
    ("method", "name"), [(12, "bzip2"), (14, "lzma"), (9, "deflate64"), (93, "zstandard")]
)
def test_compression_methods_other_than_deflate_and_stored_are_refused(method, name):
    entry = Raw(b"content/data.bin", b"\x00" * 40, method=method, content=b"\x00" * 4000)
    report = check_package(build([*package_entries(), entry]))
    (message,) = problems_of(report, "content/data.bin")
    assert f"compression method {method} ({name})" in message


# -- names --------------------------------------------------------------------------------------------------


def test_a_name_that_appears_twice_is_refused():
    report = check_package(build([*package_entries(), stored("content/glossary.html", b"<p>other copy")]))
    assert problems_of(report, "content/glossary.html") == [
        "appears more than once in the zip; unzip tools disagree on which copy wins"
    ]


def test_two_manifests_are_refused_and_neither_is_trusted():
    other = SCORM12_MANIFEST.replace("Adequate housing", "Something else").encode()
    report = check_package(build([*package_entries(), deflated(MANIFEST, other)]))
    assert problems_of(report, MANIFEST) == [
        "appears more than once in the zip; unzip tools disagree on which copy wins"
    ]
    assert report.standard is None


def test_names_that_differ_only_in_case_or_normalization_are_refused():
    entries = [
        *package_entries(),
        stored("content/Glossary.html", b"x"),
        stored("caf\u00e9.txt".encode(), b"a", flags=0x800),
    ]
    report = check_package(build([*entries, stored("cafe\u0301.txt".encode(), b"b", flags=0x800)]))
    assert (
        "differs from 'content/glossary.html' only in letter case"
        in problems_of(report, "content/Glossary.html")[0]
    )
    assert problems_of(report, "cafe\u0301.txt")


def test_a_file_where_a_folder_must_be_is_refused():
    report = check_package(build([*package_entries(), stored("content/quiz", b"x")]))
    assert problems_of(report, "content/quiz") == [
        "is a file, but 'content/quiz/questions.js' needs a folder of that name"
    ]


def test_a_name_that_is_not_utf8_despite_the_utf8_flag_is_refused():
    report = check_package(build([*package_entries(), stored(b"content/caf\xe9.html", b"x", flags=0x800)]))
    assert problems_of(report, "content/caf\\xe9.html") == [
        "its name is not valid UTF-8, yet its UTF-8 flag is set"
    ]


def test_a_non_ascii_name_without_the_utf8_flag_is_refused_as_ambiguous():
    report = check_package(build([*package_entries(), stored(b"content/caf\x82.html", b"x")]))
    (message,) = problems_of(report, "content/caf\u00e9.html")  # how cp437 reads it
    assert "non-ASCII bytes without the UTF-8 flag" in message


def test_a_second_name_in_the_unicode_path_field_is_refused():
    raw = b"content/a.html"
    field = b"\x01" + zlib.crc32(raw).to_bytes(4, "little") + b"../../a.html"
    extra = struct.pack("<2H", 0x7075, len(field)) + field
    report = check_package(build([*package_entries(), stored(raw, b"x", extra=extra)]))
    (message,) = problems_of(report, "content/a.html")
    assert "second name '../../a.html'" in message


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("content/evil\x00.html", "contains a control or invisible formatting character"),
        ("content/\x1b[2Jevil.html", "contains a control or invisible formatting character"),
        ("content/line\nbreak.html", "contains a control or invisible formatting character"),
        ("content/gnp.\u202ehtml", "contains a control or invisible formatting character"),
        ("content/index.html:stream", "contains ':'"),
        ("content//index.html", "has an empty or '.' folder name"),
        ("content/./index.html", "has an empty or '.' folder name"),
        ("", "is empty"),
        ("a/" * 40 + "deep.html", "folders deep; the limit is 32"),
        ("n" * 1100, "is 1100 bytes long; the limit is 1024"),
    ],
)
def test_names_that_unpack_differently_or_fool_a_terminal_are_refused(name, reason):
    report = check_package(build([*package_entries(), stored(name.encode(), b"x", flags=0x800)]))
    where = checker._clip(name) or "(an entry with an empty name)"
    (problem,) = [p for p in report.problems if p.where == where]
    assert "unsafe zip entry name" in problem.message and reason in problem.message
    assert str(problem).isprintable()


def test_printed_problems_escape_control_characters_from_the_zip():
    report = check_package(build([*package_entries(), stored(b"\x1b]0;owned\x07.html", b"x", flags=0x800)]))
    printed = [str(problem) for problem in report.problems]
    assert printed and all("\x1b" not in line and "\x07" not in line for line in printed)
    assert any(line.startswith("\\x1b]0;owned\\x07.html: ") for line in printed)


# -- headers that lie -------------------------------------------------------------------------------------


def test_a_local_header_that_names_another_file_is_refused():
    entry = stored("content/notes.txt", b"harmless", local_name=b"content/../../x")
    report = check_package(build([*package_entries(), entry]))
    (message,) = problems_of(report, "content/notes.txt")
    assert "its local header names it 'content/../../x'" in message


def test_a_local_header_that_gives_other_sizes_is_refused():
    entry = deflated("content/notes.txt", b"harmless " * 10, local_size=5)
    report = check_package(build([*package_entries(), entry]))
    (message,) = problems_of(report, "content/notes.txt")
    assert message.startswith("its local header says 5 bytes")


def test_a_local_header_with_other_flags_is_refused():
    entry = stored("content/notes.txt", b"harmless", local_flags=0x1)
    report = check_package(build([*package_entries(), entry]))
    assert "disagree on its flags" in problems_of(report, "content/notes.txt")[0]


def test_a_declared_size_smaller_than_the_data_is_caught_while_inflating():
    bomb = Raw(b"content/video.bin", deflate_bomb(120), method=8, size=1000, crc=0)
    report, peak = peak_memory(check_package, build([*package_entries(), bomb]))
    assert problems_of(report, "content/video.bin") == [
        "unpacks to more than the 1000 bytes its headers declare"
    ]
    assert peak < MEMORY_BOUND


def test_a_declared_size_larger_than_the_data_is_reported():
    entry = deflated("content/notes.txt", b"short", size=50, local_size=50)
    report = check_package(build([*package_entries(), entry]))
    assert problems_of(report, "content/notes.txt") == ["unpacks to 5 bytes, but its headers declare 50"]


def test_a_wrong_crc_is_reported():
    report = check_package(build([*package_entries(), deflated("content/notes.txt", b"text", crc=1234)]))
    (message,) = problems_of(report, "content/notes.txt")
    assert message.startswith("its CRC-32 is") and "the data is corrupt" in message


def test_a_manifest_whose_size_lies_is_not_parsed():
    manifest = deflated(MANIFEST, SCORM12_MANIFEST.encode(), size=100)
    entries = [manifest, *package_entries()[1:]]
    report = check_package(build(entries))
    assert problems_of(report, MANIFEST) == ["unpacks to more than the 100 bytes its headers declare"]
    assert report.standard is None


def test_compressed_bytes_after_the_end_of_the_stream_are_reported():
    entry = deflated("content/notes.txt", b"text")
    entry.data += b"hidden payload"
    report = check_package(build([*package_entries(), entry]))
    assert problems_of(report, "content/notes.txt") == [
        "has 14 bytes after the end of its compressed data; its compressed size is wrong"
    ]


def test_corrupt_deflate_data_is_reported():
    entry = Raw(b"content/notes.txt", b"\xff" * 20, method=8, content=b"x" * 40)
    report = check_package(build([*package_entries(), entry]))
    assert problems_of(report, "content/notes.txt")[0].startswith("its compressed data is corrupt")


def test_entries_that_share_bytes_are_refused():
    # Many central-directory records pointing at one deflate stream: the "overlapping files" zip bomb.
    entries = package_entries()
    kernel = deflated("content/kernel.bin", bytes(1_000_000))
    kernel_offset = sum(30 + len(entry.name) + len(entry.data) for entry in entries)
    copies = [deflated(f"content/copy{n}.bin", bytes(1_000_000), offset=kernel_offset) for n in range(20)]
    report = check_package(build([*entries, kernel, *copies]))
    for n in range(20):
        assert problems_of(report, f"content/copy{n}.bin") == [
            "overlaps entry 'content/kernel.bin': the two share bytes in the zip"
        ]


def test_an_entry_declared_larger_than_the_limit_is_refused_without_inflating(monkeypatch):
    inflated = []
    inflate = checker._ZipReader.inflate

    def spy(reader, entry, keep):
        inflated.append(entry.name)
        return inflate(reader, entry, keep)

    monkeypatch.setattr(checker._ZipReader, "inflate", spy)
    huge = Raw(b"content/video.bin", deflate_bomb(1), method=8, size=checker.MAX_ENTRY_BYTES + 1)
    report = check_package(build([*package_entries(), huge]))
    assert problems_of(report, "content/video.bin") == [
        f"declares {checker.MAX_ENTRY_BYTES + 1} bytes unpacked; the limit for one entry is {checker.MAX_ENTRY_BYTES}"
    ]
    assert "content/video.bin" not in inflated
    assert "content/glossary.html" in inflated  # the spy sees the entries that are inflated


def test_a_package_declared_larger_than_the_total_limit_is_refused(monkeypatch):
    monkeypatch.setattr(checker, "MAX_TOTAL_BYTES", 10_000)
    report = check_package(
        build(package_entries(**{"content/a.bin": bytes(6_000), "content/b.bin": bytes(6_000)}))
    )
    (message,) = problems_of(report, "package")
    assert message.endswith("bytes unpacked in all; the limit is 10000")


def test_a_manifest_over_its_limit_is_refused_before_inflating():
    padding = b"<!--" + b" " * (checker.MAX_MANIFEST_BYTES + 1) + b"-->"
    manifest = SCORM12_MANIFEST.encode().replace(b"<metadata>", padding + b"<metadata>", 1)
    report = check_package(build(package_entries(**{MANIFEST: manifest})))
    (message,) = problems_of(report, MANIFEST)
    assert message.endswith(f"the limit for a manifest is {checker.MAX_MANIFEST_BYTES}")


@pytest.mark.parametrize("extra", [b"", struct.pack("<2H", 1, 4) + b"\x00" * 4])
def test_zip64_marks_without_zip64_values_are_refused(extra):
    entry = stored("content/notes.txt", b"text", size=0xFFFFFFFF, extra=extra)
    report = check_package(build([*package_entries(), entry]))
    assert problems_of(report, "content/notes.txt") == [
        "marks its sizes or offset as zip64 but has no zip64 extra field giving them"
    ]


def test_a_zip64_size_beyond_the_limit_is_refused():
    extra = struct.pack("<2HQ", 1, 8, 2**62)
    entry = Raw(b"content/video.bin", deflate_bomb(1), method=8, size=0xFFFFFFFF, extra=extra)
    report = check_package(build([*package_entries(), entry]))
    assert problems_of(report, "content/video.bin") == [
        f"declares {2**62} bytes unpacked; the limit for one entry is {checker.MAX_ENTRY_BYTES}"
    ]


def test_two_zip64_fields_in_one_entry_are_refused():
    field = struct.pack("<2HQ", 1, 8, 4)
    entry = stored("content/notes.txt", b"text", size=0xFFFFFFFF, extra=field + field)
    report = check_package(build([*package_entries(), entry]))
    assert problems_of(report, "content/notes.txt") == [
        "repeats extra field 0x0001; unzip tools disagree on which one counts"
    ]


def test_a_zip64_end_record_that_contradicts_the_end_record_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as archive:
        for name, content in SCORM12_FILES.items():
            archive.writestr(name, content)
    data = bytearray(buffer.getvalue())
    # Force a zip64 end record by hand: record + locator before the end record, which keeps its own values.
    end = data.rindex(b"PK\x05\x06")
    _, _, _, _, count, size, offset, _ = struct.unpack_from("<4s4H2LH", data, end)
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size + 1, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    patched = bytes(data[:end]) + record + locator + bytes(data[end:])
    report = check_package(patched)
    assert problems_of(report, "package") == [
        f"the end record gives the central directory size as {size} but the zip64 end record as {size + 1}"
    ]


def test_an_end_record_whose_entry_count_lies_is_reported():
    report = check_package(build(package_entries(), count=3))
    assert problems_of(report, "package") == [
        f"the end record says the zip has 3 entries but the central directory holds {len(SCORM12_FILES)}"
    ]


def test_more_entries_than_the_limit_are_refused_whatever_the_end_record_says(monkeypatch):
    monkeypatch.setattr(checker, "MAX_ENTRIES", 20)
    many = [*package_entries(), *(stored(f"content/f{n}.txt", b"x") for n in range(30))]
    assert problems_of(check_package(build(many)), "package") == [
        "the zip declares 40 entries; the limit is 20"
    ]
    assert problems_of(check_package(build(many, count=5)), "package") == [
        "the zip has more than 20 entries; the limit is 20"
    ]


def test_data_before_the_zip_is_refused():
    entries = package_entries()
    # Prepended bytes with the offsets left as they were: zipfile silently shifts them; others read garbage.
    shifted = build(entries)
    report = check_package(b"MZ" + b"\x00" * 98 + shifted)
    assert problems_of(report, "package")[0].startswith(
        "the central directory is not where the end record says"
    )
    # Prepended bytes with offsets that account for them: a polyglot (an executable or HTML page that is a zip).
    report = check_package(build(entries, prefix=b"<html>not a package</html>"))
    assert problems_of(report, "package") == ["the zip starts with 26 bytes that belong to no entry"]


def test_a_zip_cut_short_is_reported():
    data = build(package_entries())
    assert problems_of(check_package(data[: len(data) // 2]), "package") == [
        "not a zip file: the bytes given"
    ]
    directory = data.rindex(b"PK\x01\x02")
    cut = data[:100] + data[directory - 50 :]
    report = check_package(cut)
    assert_clear(report)
    assert not report.ok


def test_a_second_end_record_hidden_in_the_comment_is_refused():
    inner = build([stored("evil.html", b"x")])
    outer = build(package_entries())
    # The outer end record's comment holds a complete second zip whose own end record ends the file.
    comment = inner
    patched = outer[:-2] + struct.pack("<H", len(comment)) + comment
    report = check_package(patched)
    assert problems_of(report, "package") == [
        "the zip has two end of central directory records, one inside the other's comment"
    ]


def test_a_package_file_over_the_size_limit_is_refused_before_reading(monkeypatch, tmp_path):
    monkeypatch.setattr(checker, "MAX_PACKAGE_BYTES", 1_000)
    path = tmp_path / "package.zip"
    path.write_bytes(build(package_entries()))
    assert problems_of(check_package(path), "package") == [
        f"is {path.stat().st_size} bytes; the limit is 1000 bytes"
    ]


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in, so it writes data descriptors after each entry."""

    def __init__(self):
        self.written = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.written += data
        return len(data)


def _written(seekable: bool, force_zip64: bool, comment: bytes = b"") -> bytes:
    stream = io.BytesIO() if seekable else _Unseekable()
    files = {**SCORM12_FILES, "content/caf\u00e9 \u0645\u0631\u062d\u0628\u0627.html": "x"}
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            with archive.open(name, "w", force_zip64=force_zip64) as handle:
                handle.write(content.encode())
        archive.mkdir("content/empty")
        archive.comment = comment
    return stream.getvalue() if seekable else bytes(stream.written)


@pytest.mark.parametrize(
    "package",
    [
        _written(seekable=True, force_zip64=False, comment=b"made by a tool; PK\x05\x06 in a comment"),
        _written(seekable=False, force_zip64=False),
        _written(seekable=True, force_zip64=True),
        _written(seekable=False, force_zip64=True),
    ],
    ids=["comment", "data-descriptors", "zip64-local-headers", "zip64-data-descriptors"],
)
def test_ordinary_zip_layouts_pass_the_gate(package):
    report = check_package(package)
    assert report.ok, [str(p) for p in report.problems]


def test_an_empty_zip_says_so():
    assert problems_of(check_package(build([])), "package") == [
        "the zip is empty: there is no imsmanifest.xml in the package"
    ]


def test_a_fifo_is_not_opened(tmp_path):
    fifo = tmp_path / "package.zip"
    os.mkfifo(fifo)
    reports = []
    worker = threading.Thread(target=lambda: reports.append(check_package(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # unblock the open() so the thread can end, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("check_package blocked opening a FIFO")
    assert [str(p) for p in reports[0].problems] == [f"package: not a regular file: {fifo}"]


# -- memory stays bounded ---------------------------------------------------------------------------------


def test_an_honest_large_entry_is_streamed_not_held_in_memory():
    big = deflated("content/video.bin", bytes(90 * 1024 * 1024))
    report, peak = peak_memory(check_package, build([*package_entries(), big]))
    assert report.ok, [str(p) for p in report.problems]
    assert peak < MEMORY_BOUND


def test_a_nested_zip_bomb_is_not_opened_and_memory_stays_bounded():
    layer = deflate_bomb(20)
    inner = build([Raw(f"layer{n}.bin".encode(), layer, method=8, size=20 * 2**20) for n in range(10)])
    nested = build([deflated(f"bomb{n}.zip", inner) for n in range(10)])
    report, peak = peak_memory(
        check_package, build([*package_entries(), stored("content/nested.zip", nested)])
    )
    assert report.ok, [str(p) for p in report.problems]
    assert peak < MEMORY_BOUND


# -- the manifest's XML ------------------------------------------------------------------------------------


def with_manifest(manifest: bytes) -> PackageReport:
    """The report for the SCORM 1.2 fixture with *manifest* in place of its own."""
    return check_package(build(package_entries(**{MANIFEST: manifest})))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE manifest [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %c "%s">' % (98 + n, b"&%c;" % (97 + n) * 10) for n in range(9))
    + b"]>\n<manifest>&j;</manifest>"
)


@pytest.mark.parametrize(
    "manifest",
    [
        SCORM12_MANIFEST.encode()
        .replace(
            b"<manifest ", b'<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<manifest ', 1
        )
        .replace(b"<title>Glossary</title>", b"<title>&x;</title>"),
        SCORM12_MANIFEST.encode().replace(
            b"<manifest ", b'<!DOCTYPE manifest SYSTEM "http://example.org/x.dtd">\n<manifest ', 1
        ),
    ],
    ids=["external-entity", "external-dtd"],
)
def test_a_manifest_with_a_doctype_is_refused(manifest):
    report = with_manifest(manifest)
    assert problems_of(report, f"{MANIFEST}:1") == [
        "declares a DOCTYPE; a manifest needs none, and the checker neither loads DTDs nor expands entities"
    ]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (BILLION_LAUGHS, "is not well-formed XML: "),
        (b'<?xml version="1.0" encoding="no-such-encoding"?>\n<manifest/>', "is not well-formed XML: "),
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest>\xff\xfe</manifest>',
            "is not well-formed XML: ",
        ),
        (b"<a>" * 300 + b"</a>" * 300, "is not well-formed XML: "),
        (b"", "is not well-formed XML: "),
        (
            b"<manifest>" + b"<item>" * 70 + b"</item>" * 70 + b"</manifest>",
            "elements are nested more than 64 deep",
        ),
    ],
    ids=[
        "entity-expansion",
        "unknown-encoding",
        "invalid-bytes",
        "beyond-libxml2-depth",
        "empty",
        "too-deep",
    ],
)
def test_every_xml_error_is_a_reported_problem(manifest, message):
    report = with_manifest(manifest)
    assert_clear(report)
    assert [
        p for p in report.problems if p.where.startswith(f"{MANIFEST}:") and p.message.startswith(message)
    ]


def test_a_manifest_with_too_many_elements_is_refused():
    crowd = b"<x/>" * (checker.MAX_MANIFEST_ELEMENTS + 1)
    manifest = SCORM12_MANIFEST.encode().replace(
        b"<schema>ADL SCORM</schema>", b"<schema>" + crowd + b"</schema>"
    )
    report = with_manifest(manifest)
    assert [
        p for p in report.problems if p.where.startswith(MANIFEST) and "more than 50000 elements" in p.message
    ]


def test_a_manifest_naming_thousands_of_missing_files_lists_a_bounded_number_of_problems():
    files = "".join(f'<file href="missing/{n}.html"/>' for n in range(5_000))
    base = "x/" * 20_000  # a long xml:base over every one of them
    manifest = SCORM12_MANIFEST.replace(
        '<resource identifier="RES-GLOSSARY" type="webcontent" adlcp:scormtype="asset" href="glossary.html">',
        f'<resource identifier="RES-GLOSSARY" type="webcontent" adlcp:scormtype="asset" href="glossary.html" '
        f'xml:base="{base}">{files}',
    )
    report, peak = peak_memory(with_manifest, manifest.encode())
    assert len(report.problems) == checker.MAX_PROBLEMS + 1
    last = report.problems[-1]
    assert last.where == "package" and last.message.endswith("more problem(s) not listed")
    assert int(last.message.split()[0]) > 5_000 - checker.MAX_PROBLEMS
    assert all(len(problem.message) <= checker.MAX_MESSAGE_CHARS + 30 for problem in report.problems)
    assert peak < MEMORY_BOUND


# -- check-package without schemas says where to get them ------------------------------------------------------


def write_package(tmp_path, entries: list[Raw] | None = None):
    path = tmp_path / "package.zip"
    path.write_bytes(build(package_entries() if entries is None else entries))
    return str(path)


def test_check_package_without_schemas_says_where_to_get_them_and_exits_3(tmp_path):
    result = CliRunner().invoke(
        main, ["check-package", write_package(tmp_path)], env={"LEARN_HABITAT_SCORM_SCHEMAS": ""}
    )
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    for hint in (
        "schema validation skipped",
        "--schemas DIR",
        "LEARN_HABITAT_SCORM_SCHEMAS",
    ):
        assert hint in result.stderr
    assert "adlnet" in result.stderr


def test_check_package_with_missing_schema_files_exits_3(tmp_path):
    empty = tmp_path / "schemas"
    empty.mkdir()
    result = CliRunner().invoke(main, ["check-package", write_package(tmp_path), "--schemas", str(empty)])
    assert result.exit_code == 3
    assert "schema files missing" in result.stderr and "--schemas DIR" in result.stderr


def test_check_package_exit_statuses_are_documented_in_its_help():
    result = CliRunner().invoke(main, ["check-package", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Exit status:" in text
    for line in (
        "0 no problems",
        "1 problems found",
        "2 usage error",
        "3 no problems found, but schema validation was skipped",
    ):
        assert line in text


def test_check_package_exits_1_on_problems_and_0_when_valid_against_the_schemas(tmp_path):
    if not (SCHEMAS / "scorm2004-4th" / "imscp_v1p1.xsd").is_file():
        pytest.skip(f"the official SCORM schemas are not at {SCHEMAS}")
    runner = CliRunner()
    valid = runner.invoke(main, ["check-package", write_package(tmp_path), "--schemas", str(SCHEMAS)])
    assert valid.exit_code == 0, valid.output
    link = stored("content/link.html", b"/etc/passwd", external_attr=(stat.S_IFLNK | 0o777) << 16)
    broken = runner.invoke(
        main,
        ["check-package", write_package(tmp_path, [*package_entries(), link]), "--schemas", str(SCHEMAS)],
    )
    assert broken.exit_code == 1
    assert "content/link.html: is a symbolic link" in broken.stdout


# -- properties: whatever the bytes, a clear result ------------------------------------------------------------


@pytest.fixture(scope="module")
def exported_package(shipped_library, tmp_path_factory):
    """A real package made by our exporter, to mutate (a path: hypothesis prints arguments, not 150 kB)."""
    path = tmp_path_factory.mktemp("exported") / "adequate-housing_en_scorm2004.zip"
    path.write_bytes(export_course(shipped_library.get("adequate-housing"), "en", "scorm2004"))
    return path


names = st.one_of(
    st.sampled_from(
        ["imsmanifest.xml", "index.html", "content/", "a/../b", "/abs", "C:x", "a\\b", "A.html", "a.html"]
    ),
    st.text(max_size=12),
).map(lambda name: name.encode("utf-8", "surrogatepass"))
raw_entries = st.builds(
    Raw,
    name=names | st.binary(max_size=12),
    data=st.binary(max_size=64),
    method=st.sampled_from([0, 8, 12, 99, 0xFFFF]),
    flags=st.sampled_from([0, 0x1, 0x8, 0x800, 0x808, 0xFFFF]),
    crc=st.none() | st.integers(0, 2**32 - 1),
    size=st.none() | st.sampled_from([0, 1, 2**31, 0xFFFFFFFF]),
    compressed=st.none() | st.sampled_from([0, 1, 0xFFFFFFFF]),
    external_attr=st.sampled_from([0, 0x10, 0o100644 << 16, 0o120777 << 16, 0o040755 << 16]),
    extra=st.sampled_from(
        [b"", b"\x01\x00\x08\x00" + b"\xff" * 8, b"\x01\x00\xff\xff", b"\x75\x70\x03\x00\x01ab"]
    ),
    local_name=st.none() | names,
    offset=st.none() | st.integers(0, 2**32 - 1),
)


@settings(PROPERTY_SETTINGS, max_examples=80)
@given(
    entries=st.lists(raw_entries, max_size=6),
    valid=st.booleans(),
    count=st.none() | st.integers(0, 0xFFFF),
    manifest=st.none() | st.binary(max_size=200) | st.sampled_from([BILLION_LAUGHS, b"<manifest/>", b"<"]),
)
def test_generated_zips_always_give_a_clear_result(entries, valid, count, manifest):
    base = package_entries(**({} if manifest is None else {MANIFEST: manifest})) if valid else []
    assert_clear(check_package(build([*base, *entries], count=count)))


mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "write", "cut", "insert", "delete"]),
        st.integers(0, 2**31),
        st.binary(min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=6,
)


def mutate(data: bytes, steps) -> bytes:
    """*data* changed by each (kind, position, bytes) step."""
    buffer = bytearray(data)
    for kind, position, chunk in steps:
        at = position % (len(buffer) + 1)
        if kind == "flip" and buffer:
            buffer[at % len(buffer)] ^= chunk[0] or 1
        elif kind == "write":
            buffer[at : at + len(chunk)] = chunk
        elif kind == "cut":
            del buffer[at:]
        elif kind == "insert":
            buffer[at:at] = chunk
        else:
            del buffer[at : at + len(chunk)]
    return bytes(buffer)


@settings(PROPERTY_SETTINGS, max_examples=80)
@given(steps=mutations, near_the_end=st.booleans())
def test_mutated_exported_packages_always_give_a_clear_result_in_bounded_memory(
    exported_package, steps, near_the_end
):
    package = exported_package.read_bytes()
    if near_the_end:
        # The directory and the end record sit in the last kilobytes; aim half the mutations there.
        tail = max(0, len(package) - 4096)
        steps = [(kind, tail + position % 4096, chunk) for kind, position, chunk in steps]
    report, peak = peak_memory(check_package, mutate(package, steps))
    assert_clear(report)
    assert peak < MEMORY_BOUND


@settings(PROPERTY_SETTINGS, max_examples=25)
@given(steps=mutations)
def test_check_package_command_always_exits_with_a_documented_status(
    exported_package, tmp_path_factory, steps
):
    path = tmp_path_factory.mktemp("mutated") / "package.zip"
    path.write_bytes(mutate(exported_package.read_bytes(), steps))
    result = CliRunner().invoke(main, ["check-package", str(path)], env={"LEARN_HABITAT_SCORM_SCHEMAS": ""})
    assert result.exit_code in (1, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert all(line.isprintable() for line in result.stdout.splitlines())
