"""Markdown becomes safe HTML with site links; what authors cannot smuggle in."""

from __future__ import annotations

import pytest

from learn_habitat.content.render import LessonRenderer


@pytest.fixture
def render():
    renderer = LessonRenderer()
    return lambda text: renderer.render(text)


def test_script_tags_are_removed_with_their_content(render):
    html = render("Hello\n\n<script>alert('x')</script>\n\nText <script>steal()</script> here").html
    assert "<script" not in html
    assert "alert" not in html
    assert "steal" not in html
    assert "Hello" in html


@pytest.mark.parametrize(
    "markdown",
    [
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "![x](../media/a.svg){: onload=alert(1) }",
    ],
)
def test_dangerous_markup_is_neutralised(render, markdown):
    html = render(markdown).html.lower()
    for forbidden in ("onerror", "onclick", "onload", "javascript:", "<iframe", "style="):
        assert forbidden not in html


def test_tables_footnotes_callouts_and_anchors(render):
    html = render(
        "## Targets and indicators\n\n| a | b |\n|:-:|--|\n| 1 | 2 |\n\n"
        '!!! warning "Careful"\n    Body.\n\nText[^1].\n\n[^1]: Note.\n'
    ).html
    assert '<h2 id="targets-and-indicators">' in html
    assert '<th align="center">a</th>' in html
    # Wide tables scroll inside a region the keyboard can reach and a screen reader can name.
    assert '<div aria-label="a · b" class="table-scroll" role="region" tabindex="0"><table>' in html
    assert '<div class="admonition warning">' in html
    assert '<p class="admonition-title">Careful</p>' in html
    assert 'class="footnote-ref"' in html
    assert '<div class="footnote">' in html


def test_non_latin_headings_get_anchors(render):
    result = render("## الخطة الحضرية الجديدة\n\n## 新城市议程\n")
    assert [h.anchor for h in result.headings] == ["الخطة-الحضرية-الجديدة", "新城市议程"]


def test_lesson_links_are_rewritten_to_site_urls(render):
    result = render("See [targets](sdg-targets.md#target-11-1) and [intro](./intro.md).")
    assert 'href="sdg-targets#target-11-1"' in result.html
    assert 'href="intro"' in result.html
    assert [(link.target, link.anchor) for link in result.links] == [
        ("sdg-targets", "target-11-1"),
        ("intro", ""),
    ]


def test_links_can_be_rewritten_for_a_package():
    html = LessonRenderer(lesson_href="{lesson}.html").render("[next](next-lesson.md)").html
    assert 'href="next-lesson.html"' in html


def test_media_paths_are_rewritten_and_recorded(render):
    result = render("![A chart of slum population](../media/chart.svg)")
    assert 'src="media/chart.svg"' in result.html
    assert 'alt="A chart of slum population"' in result.html
    assert [(image.name, image.alt) for image in result.images] == [
        ("chart.svg", "A chart of slum population")
    ]


def test_media_path_cannot_escape_the_media_folder(render):
    result = render("![x](../media/../../secret.txt)")
    assert result.images[0].name is None
    assert result.images[0].problem


def test_external_links_are_kept_with_noopener(render):
    html = render("[UN-Habitat](https://unhabitat.org)").html
    assert 'href="https://unhabitat.org"' in html
    assert 'rel="noopener noreferrer"' in html


def test_rendering_twice_does_not_mix_references(render):
    render("[a](a.md)")
    assert [link.target for link in render("[b](b.md)").links] == ["b"]
