"""What a certificate says, its QR code and its PDF: the same facts on the page, the verification page and paper.

The PDF is made on the server with fpdf2 and embeds its fonts, so it prints the same everywhere; Arabic is shaped
right to left with HarfBuzz. Fonts come from CERTIFICATE_FONTS_DIR or from fontconfig; when one a certificate
needs is missing, :class:`MissingFonts` names the Debian packages that provide it.
"""

from __future__ import annotations

import datetime
import io
import logging
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from markupsafe import Markup

from learn_habitat.content.media import svg_problems

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertificateFacts:
    """Everything a certificate states; the learner's email is never among them."""

    code: str
    learner_name: str
    course_title: str
    completed_at: datetime.datetime
    hours: float
    issuer: str
    organisation: str | None
    signatory: str | None
    signatory_title: str | None
    verification_url: str
    logo_svg: bytes | None


def certificate_facts(completion, course, language: str, identity, verification_url: str) -> CertificateFacts:
    """The facts of ``completion`` in ``language``; ``course`` may be ``None`` when it is no longer offered."""
    minutes = course.duration_minutes if course is not None else 0
    return CertificateFacts(
        code=completion.certificate_code,
        learner_name=completion.learner_name,
        course_title=course.title(language) if course is not None else completion.course_id,
        completed_at=completion.completed_at,
        hours=round(minutes / 60, 1),
        issuer=identity.name,
        organisation=identity.organisation,
        signatory=identity.signatory,
        signatory_title=identity.signatory_title,
        verification_url=verification_url,
        logo_svg=identity.logo_svg,
    )


# ------------------------------------------------------------------------------------------------ QR code

QR_ERROR = "m"
QR_BORDER = 2


def qr_code(url: str):
    """The QR code of ``url`` (segno), the same one the page and the PDF show."""
    return segno.make(url, error=QR_ERROR)


def qr_svg(url: str, label: str) -> Markup:
    """An inline SVG of the QR code of ``url`` named ``label`` for assistive technology: only a path, no script,
    checked with the media rules all the same."""
    buffer = io.BytesIO()
    qr_code(url).save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        title=label,
        nl=False,
        border=QR_BORDER,
        svgclass="certificate-qr-code",
        lineclass=None,
        omitsize=True,
    )
    svg = buffer.getvalue()
    problems = svg_problems(svg)
    if problems:  # cannot happen with segno's output; refuse rather than inline something unexpected
        raise ValueError(f"the QR code SVG was refused: {problems[0][1]}")
    # Safe to inline: segno wrote it (the label escaped) and the media rules just accepted it.
    return Markup(svg.decode("utf-8").replace("<svg ", '<svg role="img" focusable="false" ', 1))


# ------------------------------------------------------------------------------------------------- fonts


@dataclass(frozen=True)
class FontNeed:
    """A font the PDF may need, where to find it and which Debian package provides it."""

    name: str
    family: str
    files: tuple[str, ...]
    package: str


FONTS = {
    "latin": FontNeed("latin", "Noto Sans", ("NotoSans-Regular.ttf",), "fonts-noto-core"),
    "arabic": FontNeed("arabic", "Noto Naskh Arabic", ("NotoNaskhArabic-Regular.ttf",), "fonts-noto-core"),
    "cjk": FontNeed("cjk", "Noto Sans CJK SC", ("NotoSansCJK-Regular.ttc",), "fonts-noto-cjk"),
}
LANGUAGE_FONTS = {"ar": "arabic", "zh": "cjk"}
_SCRIPT_RANGES = {
    "arabic": ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    "cjk": ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x2FA1F)),
}


class MissingFonts(LookupError):
    """Fonts a certificate needs are not installed; ``needs`` says which and the packages that provide them."""

    def __init__(self, needs: list[FontNeed]):
        super().__init__(", ".join(f"{need.family} ({need.package})" for need in needs))
        self.needs = needs


def fonts_needed(language: str, texts) -> list[str]:
    """The fonts (names of FONTS) to write ``texts`` in ``language``: Latin always (codes, addresses), the
    language's own, and those of any script the texts use (a learner's name may be written in any)."""
    needed = ["latin"]
    if language in LANGUAGE_FONTS:
        needed.insert(0, LANGUAGE_FONTS[language])
    characters = {ord(character) for text in texts for character in str(text or "")}
    for name, ranges in _SCRIPT_RANGES.items():
        if name not in needed and any(low <= code <= high for code in characters for low, high in ranges):
            needed.append(name)
    return needed


def find_font(need: FontNeed, fonts_dir: str | None) -> tuple[str, int] | None:
    """``(file, index in a collection)`` of a font, from ``fonts_dir`` when set, else from fontconfig."""
    if fonts_dir:
        for name in need.files:
            path = Path(fonts_dir) / name
            if path.is_file():
                return str(path), _collection_index(str(path), need.family)
        return None
    return _fontconfig_font(need.family)


@lru_cache(maxsize=16)
def _fontconfig_font(family: str) -> tuple[str, int] | None:
    # fc-list, not fc-match: fc-match always answers, with the nearest font when the one asked for is absent.
    program = shutil.which("fc-list")
    if program is None:
        return None
    try:
        found = subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
            [program, "--format", "%{file}\t%{index}\n", f":family={family}:style=Regular"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in sorted(found.splitlines()):
        path, _, index = line.partition("\t")
        if path and Path(path).is_file():
            return path, int(index or 0)
    return None


@lru_cache(maxsize=16)
def _collection_index(path: str, family: str) -> int:
    """Which font of a ``.ttc`` collection is ``family`` (0 for a single font)."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    with TTCollection(path, lazy=True) as collection:
        for index, font in enumerate(collection.fonts):
            if font["name"].getDebugName(1) == family:
                return index
    return 0


def resolve_fonts(names: list[str], fonts_dir: str | None) -> dict[str, tuple[str, int]]:
    """Each needed font's file and index; MissingFonts names every one that is absent."""
    found, missing = {}, []
    for name in names:
        location = find_font(FONTS[name], fonts_dir)
        if location is None:
            missing.append(FONTS[name])
        else:
            found[name] = location
    if missing:
        raise MissingFonts(missing)
    return found


# --------------------------------------------------------------------------------------------------- PDF

PAGE_WIDTH, PAGE_HEIGHT = 297, 210  # A4 landscape, in millimetres
MARGIN = 18


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[index : index + 2], 16) for index in (1, 3, 5))


def certificate_pdf(
    facts: CertificateFacts, language: str, texts: Mapping[str, str], accent: str, fonts_dir: str | None
) -> bytes:
    """The certificate as a one-page A4 PDF with its fonts embedded; ``texts`` are its sentences, translated.

    Raises :class:`MissingFonts` when a font it needs is not installed.
    """
    from fpdf import FPDF

    written = [*texts.values(), facts.learner_name, facts.course_title, facts.issuer, facts.organisation]
    written += [facts.signatory, facts.signatory_title]
    names = fonts_needed(language, written)
    fonts = resolve_fonts(names, fonts_dir)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN)
    for name, (path, index) in fonts.items():
        pdf.add_font(name, "", path, collection_font_number=index)
    pdf.set_text_shaping(True)  # HarfBuzz: Arabic joined and laid out right to left, in the language's order
    pdf.set_fallback_fonts(names[1:])
    main = names[0]
    pdf.set_title(f"{texts['title']}: {facts.course_title}")
    pdf.set_author(facts.issuer)
    pdf.set_subject(facts.verification_url)
    pdf.set_creator("learn-habitat")
    pdf.set_lang(language)
    pdf.set_creation_date(facts.completed_at)
    pdf.add_page()
    red, green, blue = _rgb(accent)
    pdf.set_draw_color(red, green, blue)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_WIDTH - 16, PAGE_HEIGHT - 16)
    pdf.set_line_width(0.4)
    pdf.rect(11, 11, PAGE_WIDTH - 22, PAGE_HEIGHT - 22)
    width = PAGE_WIDTH - 2 * MARGIN
    y = MARGIN + 2
    if facts.logo_svg:
        try:
            pdf.image(io.BytesIO(facts.logo_svg), x=(PAGE_WIDTH - 18) / 2, y=y, h=18)
            y += 21
        except Exception:  # noqa: BLE001 - a logo fpdf2 cannot draw must not cost the learner the certificate
            log.warning("the logo could not be drawn in the PDF certificate", exc_info=True)

    def line(text, size, gap, colour=(28, 37, 48)):
        nonlocal y
        pdf.set_font(main, size=size)
        pdf.set_text_color(*colour)
        pdf.set_xy(MARGIN, y)
        pdf.multi_cell(width, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() + gap

    muted = (77, 91, 105)
    line(facts.issuer, 13, 1, muted)
    if facts.organisation:
        line(facts.organisation, 11, 1, muted)
    y += 3
    line(texts["title"], 26, 5, (red, green, blue))
    line(texts["certifies"], 12, 1, muted)
    line(facts.learner_name, 22, 3)
    line(texts["completed"], 12, 1, muted)
    line(facts.course_title, 17, 5)
    line(texts["facts"], 11, 2)
    bottom = PAGE_HEIGHT - MARGIN - 4
    if facts.signatory:
        pdf.set_draw_color(28, 37, 48)
        pdf.set_line_width(0.3)
        pdf.line(MARGIN + 8, bottom - 12, MARGIN + 78, bottom - 12)
        pdf.set_font(main, size=11)
        pdf.set_text_color(28, 37, 48)
        pdf.set_xy(MARGIN + 8, bottom - 10)
        pdf.multi_cell(70, 5, facts.signatory, align="C", new_x="LMARGIN", new_y="NEXT")
        if facts.signatory_title:
            pdf.set_font(main, size=9)
            pdf.set_x(MARGIN + 8)
            pdf.multi_cell(70, 4.5, facts.signatory_title, align="C", new_x="LMARGIN", new_y="NEXT")
    _draw_qr(pdf, facts.verification_url, x=PAGE_WIDTH - MARGIN - 36, y=bottom - 36, size=34)
    pdf.set_font(main, size=9)
    pdf.set_text_color(*muted)
    pdf.set_xy(MARGIN + 84, bottom - 12)
    pdf.multi_cell(width - 84 - 40, 4.5, texts["verify"], align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _draw_qr(pdf, url: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (dark modules only), with its quiet zone."""
    code = qr_code(url)
    matrix = code.matrix
    cells = len(matrix) + 2 * QR_BORDER
    module = size / cells
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, values in enumerate(matrix):
        column = 0
        while column < len(values):
            if values[column]:
                start = column
                while column < len(values) and values[column]:
                    column += 1
                pdf.rect(
                    x + (QR_BORDER + start) * module,
                    y + (QR_BORDER + row) * module,
                    (column - start) * module,
                    module,
                    style="F",
                )
            else:
                column += 1


def pdf_texts(facts: CertificateFacts) -> dict[str, str]:
    """The certificate's sentences in the current language, as the HTML certificate words them."""
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    from learn_habitat.i18n import format_day

    return {
        "title": _("Certificate of completion"),
        "certifies": _("This certifies that"),
        "completed": _("has completed the course"),
        "facts": "   ·   ".join(
            (
                f"{_('Date')}: {format_day(facts.completed_at)}",
                f"{_('Learning hours')}: {format_decimal(facts.hours)}",
                f"{_('Verification code')}: {facts.code}",
            )
        ),
        "verify": _("Verify at %(url)s", url=facts.verification_url),
    }
