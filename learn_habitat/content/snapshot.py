"""A loaded library written to a file and read back in milliseconds, and a fingerprint of what it was built from.

The file is a pickle: read one only from a folder the site alone writes (its instance folder), never a file
that came from elsewhere. Unpickling runs whatever the file names.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import re
import stat
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

from learn_habitat.content.model import CourseLibrary, frozen_mapping

SNAPSHOT_FORMAT = 1
_CODE_ROOT = (
    Path(__file__).resolve().parent.parent
)  # the learn_habitat package: the loader and the activities


def _reduce_frozen_mapping(mapping):
    return frozen_mapping, (dict(mapping),)


def pickled(value) -> bytes:
    """``value`` (courses, libraries, problems) as a pickle; frozen mappings are written as their items."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_frozen_mapping}
    pickler.dump(value)
    return buffer.getvalue()


def dump_library(library: CourseLibrary, path: str | Path) -> None:
    """Write ``library`` to ``path`` atomically (readers see the old file or the whole new one), mode 600."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = pickled((SNAPSHOT_FORMAT, library))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load_snapshot(path: str | Path) -> CourseLibrary | None:
    """The library written by :func:`dump_library`, or ``None`` if the file is missing or of another format."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return None
    try:
        version, library = pickle.loads(data)  # noqa: S301 - written by dump_library into the instance folder
    except Exception:  # a damaged file (a full disk, an older release): load the courses instead
        return None
    return library if version == SNAPSHOT_FORMAT and isinstance(library, CourseLibrary) else None


def courses_fingerprint(root: str | Path) -> str:
    """A hash of every file under ``root`` (names and contents) and of the code that renders them.

    Equal fingerprints mean that loading ``root`` again would give the same library.
    """
    digest = hashlib.sha256()
    digest.update(_code_fingerprint().encode())
    root = Path(root)
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            digest.update(str(path.relative_to(root)).encode("utf-8", "surrogateescape") + b"\0")
            _hash_entry(digest, path)
            digest.update(b"\0")
    return digest.hexdigest()


def _hash_entry(digest, path: Path) -> None:
    """Hash what is at ``path`` without following it: a regular file's bytes (streamed), a link's target
    text, anything else its type. Authors' folders are untrusted: opening a FIFO would block, and a link
    may point anywhere; the loader reports both, the hash only needs to change when they do."""
    try:
        status = os.lstat(path)
        if stat.S_ISLNK(status.st_mode):
            digest.update(b"link:" + os.fsencode(os.readlink(path)))
        elif stat.S_ISREG(status.st_mode):
            # Opened without following or waiting, and checked again: it may have been swapped meanwhile.
            handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(handle, "rb", buffering=0) as file:
                if not stat.S_ISREG(os.fstat(handle).st_mode):
                    raise OSError(f"{path} is no longer a regular file")
                while chunk := file.read(1 << 20):
                    digest.update(chunk)
        else:
            digest.update(b"special:%o" % stat.S_IFMT(status.st_mode))
    except OSError as error:  # unreadable: the loader reports it
        digest.update(repr(error).encode())


_code_hash: str | None = None


def _code_fingerprint() -> str:
    """The Python version, the versions of learn-habitat's dependencies and its source, hashed once."""
    global _code_hash
    if _code_hash is None:
        digest = hashlib.sha256(f"{SNAPSHOT_FORMAT} {sys.version}".encode())
        for name in _dependencies():
            try:
                digest.update(f"{name}=={metadata.version(name)}\n".encode())
            except metadata.PackageNotFoundError:
                digest.update(f"{name} missing\n".encode())
        for path in sorted(_CODE_ROOT.rglob("*.py")):
            digest.update(str(path.relative_to(_CODE_ROOT)).encode() + b"\0" + path.read_bytes())
        _code_hash = digest.hexdigest()
    return _code_hash


def _dependencies() -> list[str]:
    """The distributions learn-habitat requires (they render Markdown, sanitise HTML, read YAML ...)."""
    try:
        requirements = metadata.requires("learn-habitat") or []
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return []
    names = (re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0] for requirement in requirements)
    return sorted({name for name in names if name})
