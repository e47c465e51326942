"""A certificate an employer can trust: issuer, organisation, signature line, learner, course, date, hours, a
verification address built from PUBLIC_URL with its QR code, and a PDF made on the server with embedded fonts."""

from __future__ import annotations

import re
import zlib

import pytest
import segno

from learn_habitat import create_app
from learn_habitat.course_library import current_library
from learn_habitat.database import utcnow
from learn_habitat.extensions import db
from learn_habitat.learning import certificates
from learn_habitat.learning.models import Completion
from tests.conftest import PASSWORD, make_user

COURSE = "adequate-housing"
CODE = "K7QM-2XHP-9RDA"
VERIFY_URL = f"https://learn.example.org/certificates/{CODE}"


@pytest.fixture
def certified(app_config):
    """An app with a full identity, and a signed-in learner who completed the course."""
    app_config.update(
        PUBLIC_URL="https://learn.example.org",
        EXTRA_TRUSTED_HOSTS=["localhost"],
        SITE_NAME="Habitat Academy",
        SITE_ORGANISATION="Example Cities Network",
        CERTIFICATE_SIGNATORY="Dr Nadia Rahman",
        CERTIFICATE_SIGNATORY_TITLE="Director of training",
    )
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    user_id = make_user(app, name="أمينة ديالو")
    with app.app_context():
        db.session.add(
            Completion(
                user_id=user_id,
                course_id=COURSE,
                course_version="1.1.0",
                completed_at=utcnow(),
                certificate_code=CODE,
                learner_name="أمينة ديالو",
            )
        )
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "learner@example.org", "password": PASSWORD})
    yield app, client
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules drawn by segno's SVG path ("M x y" / "m dx dy" moves, "h n" runs on row y - 0.5)."""
    path = re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)
    dark, x, y = set(), 0.0, 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d.\s]+)", path):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            run = values[0]
            dark.update((int(y - 0.5), int(x + i)) for i in range(int(run)))
            x += run
    return dark


def expected_modules(url: str) -> set[tuple[int, int]]:
    matrix = segno.make(url, error="m").matrix
    border = certificates.QR_BORDER
    return {(r + border, c + border) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}


@pytest.mark.parametrize("page", ["/courses/adequate-housing/certificate", f"/certificates/{CODE}"])
def test_certificate_and_verification_page_state_the_same_facts(certified, page):
    app, client = certified
    response = client.get(page, headers={"Host": "localhost"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with app.app_context():
        minutes = current_library().get("adequate-housing").duration_minutes
    hours = f"{round(minutes / 60, 1):g}"  # one decimal, as the certificate shows it (e.g. 128 minutes: 2.1)
    for fact in (
        "Habitat Academy",
        "Example Cities Network",
        "Dr Nadia Rahman",
        "Director of training",
        "أمينة ديالو",
        "Adequate housing",
        CODE,
        f"<dt>Learning hours</dt><dd>{hours}</dd>",
        f"Verify at {VERIFY_URL}",  # from PUBLIC_URL, not from the Host the request named
    ):
        assert fact in html, fact
    assert "learner@example.org" not in html
    assert "http://localhost/certificates" not in html


def test_the_qr_code_encodes_the_verification_address_and_has_a_name(certified):
    _app, client = certified
    html = client.get(f"/certificates/{CODE}").get_data(as_text=True)
    svg = re.search(r"<svg role=\"img\"[^>]*>.*?</svg>", html, re.S).group(0)
    assert "<title>QR code of the verification address</title>" in svg
    assert qr_modules(svg) == expected_modules(VERIFY_URL)
    assert qr_modules(svg) != expected_modules(VERIFY_URL + "X")  # the decoder tells codes apart
    assert "<script" not in svg and "href" not in svg


def test_the_verification_page_names_the_issuer(certified):
    _app, client = certified
    html = client.get(f"/certificates/{CODE}").get_data(as_text=True)
    assert "This certificate is genuine: it was issued by Habitat Academy." in html


def speak(app, language):
    """The signed-in learner's preferred language (it outranks the language cookie)."""
    from learn_habitat.accounts.models import User

    with app.app_context():
        db.session.execute(db.update(User).values(language=language))
        db.session.commit()


def pdf_streams(pdf: bytes) -> bytes:
    """Every stream of the PDF, inflated where it is compressed, one after the other."""
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        data = match.group(1)
        try:
            found.append(zlib.decompress(data))
        except zlib.error:
            found.append(data)
    return b"\n".join(found)


def unicode_in_cmaps(streams: bytes) -> set[str]:
    """The characters the embedded fonts' ToUnicode maps name: what text the PDF can show and be searched for."""
    characters = set()
    for hexes in re.findall(rb"<[0-9A-Fa-f]{4}> <([0-9A-Fa-f]{4,})>", streams):
        text = bytes.fromhex(hexes.decode()).decode("utf-16-be", errors="ignore")
        characters.update(text)
    return characters


@pytest.mark.parametrize(
    ("language", "font", "title"),
    [
        ("en", b"NotoSans", "Adequate housing"),
        ("ar", b"NotoNaskhArabic", "السكن اللائق"),
        ("zh", b"NotoSansCJK", "适足住房"),
    ],
)
def test_the_pdf_embeds_the_fonts_its_language_needs(certified, language, font, title):
    app, client = certified
    speak(app, language)
    response = client.get("/courses/adequate-housing/certificate.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = response.data
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    base_fonts = re.findall(rb"/BaseFont /[A-Z]{6}\+(\S+)", pdf)
    assert any(name.startswith(font) for name in base_fonts), base_fonts
    assert b"/FontFile2" in pdf  # the font programs are in the file, not left to the reader's machine
    characters = unicode_in_cmaps(pdf_streams(pdf))
    for text in (title, "أمينة ديالو", CODE):
        assert set(text.replace(" ", "")) <= characters, text
    # The learner's Arabic name pulls in the Arabic font whatever the page language.
    assert any(name.startswith(b"NotoNaskhArabic") for name in base_fonts)


def test_without_the_fonts_the_pdf_answers_with_the_packages_to_install(certified, tmp_path):
    app, client = certified
    app.config["CERTIFICATE_FONTS_DIR"] = str(tmp_path)  # an empty folder
    speak(app, "zh")
    response = client.get("/courses/adequate-housing/certificate.pdf")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    for package in ("fonts-noto-cjk", "fonts-noto-core"):
        assert f"<code>{package}</code>" in html


def test_a_fonts_folder_is_used_when_configured(certified, tmp_path):
    import shutil

    app, client = certified
    for name in ("NotoSans-Regular.ttf", "NotoNaskhArabic-Regular.ttf"):
        shutil.copy(f"/usr/share/fonts/truetype/noto/{name}", tmp_path / name)
    app.config["CERTIFICATE_FONTS_DIR"] = str(tmp_path)
    response = client.get("/courses/adequate-housing/certificate.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_someone_without_a_certificate_gets_no_pdf(client, learner):
    response = client.get("/courses/adequate-housing/certificate.pdf")
    assert response.status_code == 302
