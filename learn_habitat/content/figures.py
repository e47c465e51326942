"""Figures in each learner's language: ``media/map.svg`` is the source, ``media/map.ar.svg`` its Arabic variant.

A lesson always names the source file; the renderer shows the variant of the lesson's language when there is
one. A translated lesson whose figure has text (an SVG with ``<text>``, or any figure that has variants in
other languages) and no variant in its language shows the source figure with a visible notice, and the checker
warns. Pure: the notice is translated with Babel from the interface catalogues, without Flask.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations
from lxml import etree

from learn_habitat.content.model import SUPPORTED_LANGUAGES
from learn_habitat.text import N_

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
NOT_YET_TRANSLATED = N_("This figure is not yet available in %(language)s.")
NOTICE_CLASS = "figure-notice"
_VARIANT = re.compile(
    rf"^(?P<stem>.+)\.(?P<language>{'|'.join(SUPPORTED_LANGUAGES)})(?P<extension>\.[^./]+)$"
)
_SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def variant_name(name: str, language: str) -> str:
    """The name of ``name``'s variant in ``language``: ``map.svg`` -> ``map.ar.svg``."""
    stem, extension = posixpath.splitext(name)
    return f"{stem}.{language}{extension}"


def source_of_variant(name: str) -> tuple[str, str] | None:
    """``(source name, language)`` when ``name`` is a language variant (``map.ar.svg``), else ``None``."""
    match = _VARIANT.match(name)
    if match is None:
        return None
    return match.group("stem") + match.group("extension"), match.group("language")


def svg_has_text(data: bytes) -> bool:
    """Whether an SVG shows text (a ``<text>`` element with something in it), i.e. needs translating."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return False
    return any("".join(element.itertext()).strip() for element in root.iter(_SVG_TEXT))


@dataclass(frozen=True)
class FigureSet:
    """A course's usable media files, which of them hold text, and its source language."""

    files: frozenset = frozenset()
    with_text: frozenset = frozenset()
    source_language: str = "en"

    def needs_translation(self, name: str) -> bool:
        """Whether the figure has text to translate: an SVG with text, or variants in other languages."""
        return name in self.with_text or any(
            variant_name(name, language) in self.files for language in SUPPORTED_LANGUAGES
        )

    def choose(self, name: str, language: str | None) -> tuple[str, bool]:
        """``(file to show, whether the learner sees the source figure for want of a translation)``."""
        if not language or language == self.source_language or source_of_variant(name):
            return name, False
        variant = variant_name(name, language)
        if variant in self.files:
            return variant, False
        return name, self.needs_translation(name)


@lru_cache(maxsize=16)
def _translations(language: str):
    if language == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [language])


def not_yet_translated_notice(language: str) -> str:
    """The notice under a figure shown in the source language, in ``language`` and naming it."""
    name = Locale.parse(language).get_display_name(language) or language
    return _translations(language).gettext(NOT_YET_TRANSLATED) % {"language": name}
