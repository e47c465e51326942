"""Who runs the site, from configuration: name, organisation, logo and colours, checked once at start-up.

The logo is an SVG held to the same rules as course media (learn_habitat.content.media); the colours must keep
text readable (WCAG 2.2, 1.4.3: 4.5:1), or the accessible defaults stay and a warning is logged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from learn_habitat.content.media import MAX_SVG_BYTES, svg_problems

DEFAULT_ACCENT = "#0b5f5a"
DEFAULT_HEADER = "#08413e"
WHITE = "#ffffff"
PAGE_BACKGROUND = "#fdfdfb"  # --bg in site.css
MIN_CONTRAST = 4.5
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_NAME = 120

log = logging.getLogger(__name__)


class IdentityError(ValueError):
    """A setting of the site's identity that the site refuses to start with."""


@dataclass(frozen=True)
class SiteIdentity:
    """The checked identity: what pages, certificates and packages show."""

    name: str = "learn-habitat"
    organisation: str | None = None
    logo_svg: bytes | None = None
    accent: str = DEFAULT_ACCENT
    header: str = DEFAULT_HEADER
    signatory: str | None = None
    signatory_title: str | None = None

    @property
    def custom_colours(self) -> bool:
        """Whether the colours differ from the stylesheet's own."""
        return (self.accent, self.header) != (DEFAULT_ACCENT, DEFAULT_HEADER)

    def theme_css(self) -> str:
        """The stylesheet that puts the configured colours in place of the defaults."""
        return f":root {{ --accent: {self.accent}; --accent-dark: {self.header}; }}\n"


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG's contrast ratio between two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def checked_colour(setting: str, value, default: str, against: tuple[str, ...]) -> str:
    """``value`` when it is ``#rrggbb`` with 4.5:1 against each of ``against``; else ``default``, with a warning."""
    if value is None or value == "":
        return default
    text = str(value).strip()
    if not _HEX_COLOUR.fullmatch(text):
        log.warning(
            "%s must be a colour written #rrggbb, not %r: the default %s is used", setting, text, default
        )
        return default
    text = text.lower()
    for other in against:
        ratio = contrast_ratio(text, other)
        if ratio < MIN_CONTRAST:
            log.warning(
                "%s %s has a contrast of only %.2f:1 with %s (at least %.1f:1 is needed): the default %s is used",
                setting,
                text,
                ratio,
                other,
                MIN_CONTRAST,
                default,
            )
            return default
    return text


def read_logo(path: str | Path) -> bytes:
    """The logo's bytes, when it is an SVG the media checker would let into a course; else IdentityError."""
    path = Path(path)
    if path.suffix.lower() != ".svg":
        raise IdentityError(f"SITE_LOGO must be an SVG file, not {path.name!r}")
    try:
        if path.stat().st_size > MAX_SVG_BYTES:
            raise IdentityError(f"SITE_LOGO {path} is larger than {MAX_SVG_BYTES:,} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise IdentityError(f"SITE_LOGO {path} cannot be read: {exc.strerror or exc}") from exc
    problems = svg_problems(data)
    if problems:
        line, message = problems[0]
        raise IdentityError(f"SITE_LOGO {path}:{line}: {message}")
    return data


def _short_text(setting: str, value) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if len(text) > MAX_NAME:
        raise IdentityError(f"{setting} must be at most {MAX_NAME} characters")
    return text or None


def load_identity(config, instance_path: str) -> SiteIdentity:
    """The identity from the app's settings: IdentityError for a name or logo it cannot use, a logged warning
    (and the default) for a colour that is unreadable."""
    logo = config.get("SITE_LOGO")
    logo_svg = None
    if logo:
        logo_path = Path(logo) if Path(logo).is_absolute() else Path(instance_path) / logo
        logo_svg = read_logo(logo_path)
    return SiteIdentity(
        name=_short_text("SITE_NAME", config.get("SITE_NAME")) or "learn-habitat",
        organisation=_short_text("SITE_ORGANISATION", config.get("SITE_ORGANISATION")),
        logo_svg=logo_svg,
        accent=checked_colour(
            "SITE_ACCENT_COLOUR", config.get("SITE_ACCENT_COLOUR"), DEFAULT_ACCENT, (WHITE, PAGE_BACKGROUND)
        ),
        header=checked_colour(
            "SITE_HEADER_COLOUR", config.get("SITE_HEADER_COLOUR"), DEFAULT_HEADER, (WHITE,)
        ),
        signatory=_short_text("CERTIFICATE_SIGNATORY", config.get("CERTIFICATE_SIGNATORY")),
        signatory_title=_short_text("CERTIFICATE_SIGNATORY_TITLE", config.get("CERTIFICATE_SIGNATORY_TITLE")),
    )
