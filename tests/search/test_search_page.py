"""The search page: anyone may search from the header, without JavaScript; results mark the matched words and
escape everything else."""

from __future__ import annotations

import re

import pytest

from learn_habitat.content import load_library
from learn_habitat.search import MAX_QUERY_LENGTH


def get_search(client, query, language="en", **args):
    client.set_cookie("lang", language)
    response = client.get("/search", query_string={"q": query, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def result_links(html):
    return re.findall(r'<li class="search-result">\s*<h2[^>]*><a href="([^"]+)"', html)


def test_every_page_has_a_search_form_in_the_header_that_works_without_javascript(client):
    html = client.get("/").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/search" role="search"[^>]*>.*?</form>', html, re.S)
    assert form and 'name="q"' in form.group(0)
    assert "<script" not in form.group(0)


@pytest.mark.parametrize(
    ("language", "query", "link", "mark"),
    [
        ("en", "human rights", "/courses/adequate-housing/housing-as-a-human-right", "<mark>right</mark>"),
        ("ru", "жилищами", "/courses/adequate-housing/housing-as-a-human-right", "<mark>Жилище</mark>"),
        (
            "fr",
            "declaration",
            "/courses/adequate-housing/housing-as-a-human-right#",
            "<mark>Déclaration</mark>",
        ),
        ("es", "viviendas", "/courses/adequate-housing/housing-as-a-human-right", "<mark>vivienda</mark>"),
        ("ar", "الإِسْكَان", "/courses/monitoring-sdg-11/targets-11-1-to-11-4", "<mark>الإسكان</mark>"),
        ("zh", "住房", "/courses/adequate-housing/housing-as-a-human-right", "<mark>住房</mark>"),
    ],
)
def test_a_guest_finds_a_lesson_in_the_page_language_with_the_word_marked(
    client, language, query, link, mark
):
    html = get_search(client, query, language)
    assert any(href.startswith(link) for href in result_links(html)), result_links(html)
    assert mark in html
    assert f'<html lang="{language}"' in html


def test_the_query_and_the_passage_are_escaped(client):
    html = get_search(client, '<script>alert("x")</script> housing')
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; housing" in html


def test_markup_written_in_a_lesson_is_shown_as_text_around_the_mark(app_config, course_dir):
    course_dir.write_lesson(
        "welcome", "## Tags\n\nWrite `<img src=x onerror=alert(1)>` never; tenure rules.\n"
    )
    app_config["COURSE_LIBRARY"] = load_library(course_dir.root)
    from learn_habitat import create_app

    client = create_app(app_config).test_client()
    html = get_search(client, "tenure")
    passage = re.search(r'<p class="search-passage"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert passage == "Tags Write &lt;img src=x onerror=alert(1)&gt; never; <mark>tenure</mark> rules."
    assert '/courses/demo-course/welcome#tags"' in html


def test_an_empty_query_shows_the_form_and_a_hint(client):
    html = get_search(client, "")
    assert 'id="search-query"' in html
    assert "Type one or more words" in html
    assert "search-result" not in html


def test_a_query_of_punctuation_says_there_is_no_word_to_search_for(client):
    html = get_search(client, "?!…;")
    assert "There is no word to search for" in html
    assert "No results" not in html


def test_no_results_gives_a_hint(client):
    html = get_search(client, "xylophonequartz")
    assert "No results for “xylophonequartz”." in html
    assert "Check the spelling" in html


def test_a_very_long_query_is_cut_and_said_so(client):
    html = get_search(client, "housing " * 2000)
    value = re.search(r'id="search-query" name="q" value="([^"]*)"', html).group(1)
    assert 0 < len(value) <= MAX_QUERY_LENGTH
    assert f"Only the first {len(value)} characters" in html
    assert "search-result" in html


def test_results_are_paged_and_the_next_page_keeps_the_query(client):
    html = get_search(client, "housing")
    assert "results for “housing”" in html
    next_link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1)
    assert "q=housing" in next_link and "page=2" in next_link
    second = get_search(client, "housing", page=2)
    assert '<ol class="search-results" start="11"' in second
    assert get_search(client, "housing", page="not-a-number").count('class="search-result"') == 10


def test_a_result_in_the_source_language_is_marked_as_such(app_config, course_dir):
    course_dir.write_lesson("welcome", "## Why\n\nHousing matters.\n")
    course_dir.write_lesson("welcome", "## Pourquoi\n\nLe logement compte.\n", language="fr")
    course_dir.write_lesson("details", "## Rules\n\nTenure rules apply.\n")
    app_config["COURSE_LIBRARY"] = load_library(course_dir.root)
    from learn_habitat import create_app

    html = get_search(create_app(app_config).test_client(), "tenure", "fr")
    assert '<p class="search-passage" lang="en" dir="ltr">' in html


def test_passages_of_a_closed_course_are_shown_only_to_readers_of_the_lesson(app_config, course_dir):
    course_dir.write_lesson("welcome", "## Why\n\nTenure matters.\n")
    course_dir.replace("course.yaml", "completion:", "enrolment: closed\ncompletion:")
    app_config["COURSE_LIBRARY"] = load_library(course_dir.root)
    from learn_habitat import create_app

    html = get_search(create_app(app_config).test_client(), "tenure")
    assert result_links(html) == ["/courses/demo-course/welcome#why"]
    assert "search-passage" not in html and "Tenure matters" not in html
    assert "Enrol in the course to read this lesson." in html


def test_passages_of_a_closed_course_are_shown_to_an_admin(app_config, course_dir, request):
    course_dir.write_lesson("welcome", "## Why\n\nTenure matters.\n")
    course_dir.replace("course.yaml", "completion:", "enrolment: closed\ncompletion:")
    app_config["COURSE_LIBRARY"] = load_library(course_dir.root)
    request.getfixturevalue("admin")  # builds the app from app_config, signs an admin in
    html = get_search(request.getfixturevalue("client"), "tenure")
    assert "<mark>Tenure</mark> matters." in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ar", "لا نتائج للبحث عن"),
        ("es", "No hay resultados para"),
        ("fr", "Aucun résultat pour"),
        ("ru", "ничего не найдено"),
        ("zh", "没有找到与"),
    ],
)
def test_the_search_page_speaks_the_page_language(client, language, expected):
    html = get_search(client, "xylophonequartz", language)
    assert expected in html
    assert "No results" not in html and "Words to find" not in html
