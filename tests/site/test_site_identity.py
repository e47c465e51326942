"""The site's identity comes from configuration: name, organisation, logo and colours, checked at start-up."""

from __future__ import annotations

import logging

import pytest

from learn_habitat import create_app
from learn_habitat.site.identity import (
    DEFAULT_ACCENT,
    DEFAULT_HEADER,
    IdentityError,
    contrast_ratio,
    load_identity,
)

SAFE_LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#036"/></svg>'
UNSAFE_LOGO = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(DEFAULT_ACCENT, "#ffffff") >= 4.5


def test_the_default_identity_is_neutral(client):
    html = client.get("/").get_data(as_text=True)
    assert "<span>learn-habitat</span></a>" in html
    assert "· learn-habitat</title>" in html
    assert "footer-identity" not in html  # no organisation configured: none is named
    assert "/site/theme.css" not in html and "/site/logo.svg" not in html
    assert client.get("/site/logo.svg").status_code == 404


def test_name_organisation_and_logo_come_from_the_settings(app_config, tmp_path):
    (tmp_path / "logo.svg").write_bytes(SAFE_LOGO)
    app_config.update(
        SITE_NAME="Habitat Academy",
        SITE_ORGANISATION="Example Cities Network",
        SITE_LOGO=str(tmp_path / "logo.svg"),
    )
    client = create_app(app_config).test_client()
    html = client.get("/").get_data(as_text=True)
    assert "<span>Habitat Academy</span></a>" in html
    assert "· Habitat Academy</title>" in html
    assert "Habitat Academy is run by Example Cities Network." in html
    assert 'class="brand-logo" src="/site/logo.svg?v=' in html
    logo = client.get("/site/logo.svg")
    assert logo.data == SAFE_LOGO and logo.mimetype == "image/svg+xml"
    assert "sandbox" in logo.headers["Content-Security-Policy"]


def test_a_logo_relative_to_the_instance_folder_is_found(app_config):
    from pathlib import Path

    instance = Path(app_config["INSTANCE_PATH"])
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "brand.svg").write_bytes(SAFE_LOGO)
    identity = load_identity({"SITE_LOGO": "brand.svg"}, str(instance))
    assert identity.logo_svg == SAFE_LOGO


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (UNSAFE_LOGO, "logo.svg", "<script>"),
        (b"\x89PNG\r\n", "logo.png", "must be an SVG"),
        (None, "missing.svg", "cannot be read"),
    ],
)
def test_the_site_refuses_to_start_with_a_logo_it_cannot_trust(app_config, tmp_path, content, name, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    app_config["SITE_LOGO"] = str(tmp_path / name)
    with pytest.raises(IdentityError, match=message):
        create_app(app_config)


def test_readable_colours_are_served_as_a_theme(app_config):
    app_config.update(SITE_ACCENT_COLOUR="#1A4D8F", SITE_HEADER_COLOUR="#222244")
    client = create_app(app_config).test_client()
    html = client.get("/").get_data(as_text=True)
    assert 'href="/site/theme.css?v=' in html
    css = client.get("/site/theme.css")
    assert css.mimetype == "text/css"
    assert "--accent: #1a4d8f;" in css.get_data(as_text=True)
    assert "--accent-dark: #222244;" in css.get_data(as_text=True)


@pytest.mark.parametrize(
    ("setting", "value", "default"),
    [
        ("SITE_ACCENT_COLOUR", "#77aadd", DEFAULT_ACCENT),  # 2.6:1 on white
        ("SITE_HEADER_COLOUR", "#ffcc00", DEFAULT_HEADER),  # white text on yellow
        ("SITE_ACCENT_COLOUR", "teal", DEFAULT_ACCENT),
    ],
)
def test_an_unreadable_colour_falls_back_to_the_default_with_a_warning(caplog, setting, value, default):
    with caplog.at_level(logging.WARNING, logger="learn_habitat.site.identity"):
        identity = load_identity({setting: value}, "/nonexistent")
    chosen = identity.accent if setting == "SITE_ACCENT_COLOUR" else identity.header
    assert chosen == default
    assert setting in caplog.text and "default" in caplog.text
    assert not identity.custom_colours


def test_overlong_names_are_refused():
    with pytest.raises(IdentityError, match="SITE_NAME"):
        load_identity({"SITE_NAME": "x" * 200}, "/nonexistent")
