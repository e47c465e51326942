"""About, contact, privacy and terms: Markdown per language, sanitised like lessons, English as the fallback."""

from __future__ import annotations

import pytest

from learn_habitat import create_app
from learn_habitat.content import SUPPORTED_LANGUAGES
from learn_habitat.site.pages import PAGE_SLUGS

# A phrase each shipped privacy page must say, per language: no trackers and no request to anyone else.
NO_TRACKERS = {
    "en": "no tracking",
    "fr": "pas de pistage",
    "es": "ni rastreo",
    "ru": "отслеживания",
    "zh": "没有跟踪",
    "ar": "لا تتبّع",
}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("slug", PAGE_SLUGS)
def test_every_footer_page_is_written_in_every_language(client, slug, language):
    client.set_cookie("lang", language)
    response = client.get(f"/{slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{language}"' in html
    assert "is not yet available in your language" not in html
    assert html.count("<h1") == 1 and "<h2" in html


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_privacy_page_says_there_are_no_trackers(client, language):
    client.set_cookie("lang", language)
    html = client.get("/privacy").get_data(as_text=True)
    assert NO_TRACKERS[language] in html


def test_every_page_links_to_the_footer_pages(client):
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') :]
    for slug in PAGE_SLUGS:
        assert f'href="/{slug}"' in footer


@pytest.fixture
def english_only(app_config, tmp_path):
    folder = tmp_path / "pages"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "about.md").write_text(
        '## Who we are\n\nWe train <script>alert(1)</script> planners. <a href="javascript:alert(1)">x</a>\n',
        encoding="utf-8",
    )
    app_config["SITE_PAGES_DIR"] = str(folder)
    return create_app(app_config).test_client()


def test_a_page_missing_in_a_language_falls_back_to_english_with_a_notice(english_only):
    english_only.set_cookie("lang", "fr")
    html = english_only.get("/about").get_data(as_text=True)
    assert "<h1>À propos</h1>" in html
    assert "Cette page n’est pas encore disponible dans votre langue ; elle est affichée en English." in html
    assert '<div class="site-page lesson-body" lang="en" dir="ltr">' in html
    assert "Who we are" in html


def test_page_markdown_is_sanitised_like_a_lesson(english_only):
    html = english_only.get("/about").get_data(as_text=True)
    assert "<script>alert" not in html and "javascript:" not in html
    assert "is not yet available in your language" not in html


def test_a_page_written_in_no_language_is_not_found(english_only):
    assert english_only.get("/privacy").status_code == 404
    assert english_only.get("/imprint").status_code == 404
