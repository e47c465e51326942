"""The interface catalogues: complete for every shipped language, and in step with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from learn_habitat.content import SUPPORTED_LANGUAGES
from tests.conftest import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "learn_habitat" / "translations"
TRANSLATED = [code for code in SUPPORTED_LANGUAGES if code != "en"]


def read_catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language):
    catalogue = read_catalogue(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    template = read_catalogue(TRANSLATIONS / "messages.pot")
    expected = {
        message.id if isinstance(message.id, str) else message.id[0] for message in template if message.id
    }
    found = {
        message.id if isinstance(message.id, str) else message.id[0] for message in catalogue if message.id
    }
    assert expected <= found, sorted(expected - found)
    empty, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if not all(s and s.strip() for s in strings) or len(strings) < catalogue.num_plurals * bool(
            message.pluralizable
        ):
            empty.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert empty == []
    assert fuzzy == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_their_placeholders(language):
    catalogue = read_catalogue(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    errors = [(message.id, [str(e) for e in found]) for message, found in catalogue.check() if found]
    assert errors == []


def test_the_template_lists_every_string_in_the_code(tmp_path):
    """A string added to the code but not to the catalogues would show in English: extract and compare."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
    )
    ids = lambda catalogue: {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}  # noqa: E731
    missing = ids(read_catalogue(fresh)) - ids(read_catalogue(TRANSLATIONS / "messages.pot"))
    assert missing == set(), "run 'make messages' and translate: " + ", ".join(sorted(missing))
