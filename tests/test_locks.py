"""Every install comes from a lock: the locks must satisfy setup.cfg and agree with each other."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def read_lock(name: str) -> dict[str, tuple[str, str | None]]:
    """``{canonical name: (version, marker)}`` of one lock; every pin must carry hashes."""
    pins = {}
    lines = (LOCKS / name).read_text().splitlines()
    for number, line in enumerate(lines):
        match = PINNED.match(line)
        if not match:
            continue
        following = lines[number + 1] if number + 1 < len(lines) else ""
        assert "--hash=sha256:" in following, f"{name}: {match.group(1)} has no hash"
        pins[canonicalize_name(match.group(1))] = (match.group(2), match.group(3))
    return pins


def declared(section: str, option: str) -> list[Requirement]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return [Requirement(line) for line in parser.get(section, option).strip().splitlines() if line.strip()]


def applies_here(marker: str | None) -> bool:
    return marker is None or Marker(marker).evaluate()


RUN, TEST = read_lock("run.txt"), read_lock("test.txt")


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("run.txt", declared("options", "install_requires")),
        ("test.txt", declared("options", "install_requires") + declared("options.extras_require", "test")),
    ],
)
def test_each_lock_pins_every_declared_dependency_within_its_range(lock, requirements):
    pins = read_lock(lock)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, (
            f"{requirement.name} is in setup.cfg but not in requirements/{lock}: run make lock"
        )
        version, _marker = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{lock} pins {requirement.name}=={version}, outside setup.cfg's "
            f"'{requirement.specifier}': run make lock"
        )


def test_the_test_lock_keeps_every_version_of_the_run_lock():
    assert set(RUN) <= set(TEST)
    changed = {name: (RUN[name][0], TEST[name][0]) for name in RUN if RUN[name][0] != TEST[name][0]}
    assert changed == {}, "the site must be tested with the versions it runs with"


def test_the_build_tools_are_locked_for_the_editable_install():
    for name in ("setuptools", "wheel"):
        assert name in RUN and name in TEST


@pytest.mark.parametrize("lock", ["run.txt", "test.txt"])
def test_the_installed_versions_are_the_locked_ones(lock):
    """What this suite runs on came from the lock (make install never resolves anything itself)."""
    from importlib.metadata import PackageNotFoundError, version

    missing, different = [], {}
    for name, (locked, marker) in read_lock(lock).items():
        if not applies_here(marker):
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            missing.append(name)
            continue
        if installed != locked:
            different[name] = (installed, locked)
    assert missing == [] and different == {}
