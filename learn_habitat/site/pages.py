"""The site's own pages (about, contact, privacy, terms): Markdown per language in SITE_PAGES_DIR, rendered and
sanitised exactly like lessons, falling back to English when a language has no text of its own."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from learn_habitat.config import PROJECT_ROOT
from learn_habitat.content.render import LessonRenderer

PAGE_SLUGS = ("about", "contact", "privacy", "terms")
FALLBACK_LANGUAGE = "en"
MAX_PAGE_BYTES = 200_000


class PageNotFound(LookupError):
    """No text for this page, in the language asked for or in English."""


@dataclass(frozen=True)
class SitePage:
    """One footer page: its sanitised HTML and the language that HTML is written in."""

    slug: str
    language: str
    html: str
    is_fallback: bool


def default_pages_dir() -> str:
    """``site/`` of the source checkout, else of the working directory."""
    beside_package = PROJECT_ROOT / "site"
    return str(beside_package if beside_package.is_dir() else Path.cwd() / "site")


def find_page(folder: str | Path, slug: str, language: str) -> SitePage:
    """The page ``slug`` in ``language``, else in English; PageNotFound when neither is written."""
    if slug not in PAGE_SLUGS:
        raise PageNotFound(slug)
    for candidate in dict.fromkeys((language, FALLBACK_LANGUAGE)):
        path = Path(folder) / candidate / f"{slug}.md"
        try:
            status = path.stat()
        except OSError:
            continue
        if status.st_size > MAX_PAGE_BYTES:
            raise PageNotFound(f"{path} is larger than {MAX_PAGE_BYTES:,} bytes")
        html = _rendered(str(path), candidate, status.st_mtime_ns)
        return SitePage(slug=slug, language=candidate, html=html, is_fallback=candidate != language)
    raise PageNotFound(slug)


@lru_cache(maxsize=64)
def _rendered(path: str, language: str, _modified_ns: int) -> str:
    # Keyed by the modification time too: an edited page shows without a restart.
    body = Path(path).read_text(encoding="utf-8")
    return LessonRenderer(language=language).render(body).html
