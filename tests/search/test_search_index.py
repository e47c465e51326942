"""Search over the shipped courses in all six languages, and over small courses made for one point each.

Words come from lesson titles and headings, which change less than lesson text; the marked word must be the
one the page shows.
"""

from __future__ import annotations

import pytest

from learn_habitat.content import load_library
from learn_habitat.search import MAX_QUERY_LENGTH, MAX_RESULTS, PAGE_SIZE, search
from learn_habitat.search import index as search_index

HOUSING = "adequate-housing"
MONITORING = "monitoring-sdg-11"


def marked(parts) -> list[str]:
    return [part.text for part in parts if part.marked]


def find(page, course_id, lesson_id):
    """The hit for a lesson (or the course, with ``lesson_id=None``) on ``page``, else ``None``."""
    return next((h for h in page.hits if h.course_id == course_id and h.lesson_id == lesson_id), None)


def all_hits(library, query, language):
    """Every hit over every page."""
    first = search(library, query, language)
    hits = list(first.hits)
    for number in range(2, first.pages + 1):
        hits.extend(search(library, query, language, page=number).hits)
    return hits


# ------------------------------------------------------------------------- the six languages, shipped courses


def test_english_plural_finds_the_singular_in_a_title(shipped_library):
    # "Housing as a human right": the query says "rights".
    page = search(shipped_library, "human rights", "en")
    hit = find(page, HOUSING, "housing-as-a-human-right")
    assert hit is not None
    assert marked(hit.title) == ["human", "right"]


def test_russian_inflected_form_finds_the_word_in_another_case(shipped_library):
    # The title says "Жилище как право человека"; "жилищами" (instrumental plural) is written nowhere.
    page = search(shipped_library, "жилищами", "ru")
    hit = find(page, HOUSING, "housing-as-a-human-right")
    assert hit is not None and hit.language == "ru"
    assert marked(hit.title) == ["Жилище"]


def test_french_without_accents_finds_the_accented_heading_and_links_to_it(shipped_library):
    # The heading "La Déclaration universelle des droits de l'homme (1948)".
    page = search(shipped_library, "declaration universelle", "fr")
    hit = find(page, HOUSING, "housing-as-a-human-right")
    assert hit is not None
    assert hit.anchor and hit.heading.startswith("La Déclaration universelle")
    assert {"Déclaration", "universelle"} <= set(marked(hit.passage))


def test_french_accents_in_the_query_change_nothing(shipped_library):
    with_accents = search(shipped_library, "sécurité légale", "fr")
    without = search(shipped_library, "SECURITE legale", "fr")
    assert with_accents.total and [(h.course_id, h.lesson_id) for h in with_accents.hits] == [
        (h.course_id, h.lesson_id) for h in without.hits
    ]
    assert find(without, HOUSING, "seven-elements-of-adequacy") is not None


def test_spanish_plural_finds_the_singular(shipped_library):
    # "La vivienda como derecho humano"
    hit = find(search(shipped_library, "viviendas", "es"), HOUSING, "housing-as-a-human-right")
    assert hit is not None
    assert marked(hit.title) == ["vivienda"]


@pytest.mark.parametrize("query", ["الإسكان", "الإِسْكَان", "الاسكان", "الأسكان", "الإســكان"])
def test_arabic_with_or_without_diacritics_tatweel_and_alef_forms_finds_the_same_lessons(
    shipped_library, query
):
    # "الغايات من 11-1 إلى 11-4: الإسكان والنقل والتحضر والتراث"
    page = search(shipped_library, query, "ar")
    hit = find(page, MONITORING, "targets-11-1-to-11-4")
    assert hit is not None and hit.language == "ar"
    assert marked(hit.title) == ["الإسكان"]
    assert page.total == search(shipped_library, "الإسكان", "ar").total


def test_chinese_two_character_word_is_found_without_spaces_and_marked_whole(shipped_library):
    # "住房是一项人权"
    hit = find(search(shipped_library, "住房", "zh"), HOUSING, "housing-as-a-human-right")
    assert hit is not None
    assert marked(hit.title) == ["住房"]


def test_chinese_longer_query_marks_the_whole_phrase_once(shipped_library):
    # "适足住房的七项要素": the bigrams of 适足住房 overlap and are marked as one piece.
    hit = find(search(shipped_library, "适足住房", "zh"), HOUSING, "seven-elements-of-adequacy")
    assert hit is not None
    assert marked(hit.title) == ["适足住房"]


def test_course_titles_are_searched_too(shipped_library):
    hit = find(search(shipped_library, "мониторинг", "ru"), MONITORING, None)
    assert hit is not None and marked(hit.title) == ["Мониторинг"]


@pytest.mark.parametrize(
    ("query", "language"),
    [("vivienda", "fr"), ("logement", "es"), ("住房", "en"), ("жилище", "zh"), ("السكن", "fr")],
)
def test_a_word_of_another_language_finds_nothing(shipped_library, query, language):
    # Each course offers these lessons in ``language``, so a reader never sees the other language's text.
    assert search(shipped_library, query, language).total == 0


def test_only_lessons_of_the_page_language_are_returned(shipped_library):
    for hit in all_hits(shipped_library, "droit", "fr"):
        course = shipped_library.get(hit.course_id)
        assert hit.language in ("fr", course.source_language)
        if hit.lesson_id and "fr" in course.lessons and hit.lesson_id in course.lessons["fr"]:
            assert hit.language == "fr"


# ----------------------------------------------------------------------------------------- queries and results


def test_every_word_of_the_query_must_appear(shipped_library):
    both = {(h.course_id, h.lesson_id) for h in all_hits(shipped_library, "tenure security", "en")}
    tenure = {(h.course_id, h.lesson_id) for h in all_hits(shipped_library, "tenure", "en")}
    assert both and both <= tenure


def test_very_common_words_are_not_required_nor_marked(shipped_library):
    hit = find(search(shipped_library, "the human rights", "en"), HOUSING, "housing-as-a-human-right")
    assert hit is not None
    assert "the" not in {word.casefold() for word in marked(hit.title) + marked(hit.passage)}


def test_empty_and_punctuation_only_queries_search_nothing(shipped_library):
    for query in ["", "   ", "?!…;«»—", "،؟"]:
        page = search(shipped_library, query, "en")
        assert (page.searched, page.total, page.hits) == (False, 0, ())


def test_a_very_long_query_is_cut(shipped_library):
    page = search(shipped_library, "housing " * 500, "en")
    assert page.shortened
    assert len(page.query) <= MAX_QUERY_LENGTH
    assert page.total > 0


def test_results_are_capped_and_paged(shipped_library):
    first = search(shipped_library, "11", "en")
    assert first.total <= MAX_RESULTS and len(first.hits) == min(PAGE_SIZE, first.total)
    assert first.pages == -(-first.total // PAGE_SIZE)
    last = search(shipped_library, "11", "en", page=10_000)
    assert last.page == first.pages
    keys = [(h.course_id, h.lesson_id) for h in all_hits(shipped_library, "11", "en")]
    assert len(keys) == len(set(keys)) == first.total


# --------------------------------------------------------------------------------------------- small courses


def test_a_word_in_a_title_outranks_the_same_word_in_the_text(course_dir):
    course_dir.write_lesson("welcome", "Tenure comes up later, and tenure matters.\n")
    course_dir.write_lesson("details", "Nothing here.\n", front="title: Tenure\ntype: page\nminutes: 5\n")
    hits = search(load_library(course_dir.root), "tenure", "en").hits
    assert [h.lesson_id for h in hits] == ["details", "welcome"]


def test_an_untranslated_lesson_is_found_in_the_source_language_as_the_site_shows_it(course_dir):
    course_dir.write_lesson("welcome", "## Why\n\nHousing matters.\n")
    course_dir.write_lesson("welcome", "## Pourquoi\n\nLe logement compte.\n", language="fr")
    course_dir.write_lesson("details", "## Rules\n\nTenure rules apply.\n")
    library = load_library(course_dir.root)
    assert len(library) == 1, library.problems
    fallback = search(library, "tenure", "fr")
    assert [(h.lesson_id, h.language) for h in fallback.hits] == [("details", "en")]
    assert [h.lesson_id for h in search(library, "logement", "fr").hits] == ["welcome"]
    assert search(library, "logement", "en").total == 0


def test_chinese_pair_is_not_found_where_its_characters_are_apart(course_dir):
    course_dir.write_lesson("welcome", "## 一\n\n住在新房子里。\n", language="zh")
    course_dir.write_lesson("details", "## 二\n\n住房政策。\n", language="zh")
    library = load_library(course_dir.root)
    assert [h.lesson_id for h in search(library, "住房", "zh").hits] == ["details"]
    assert {h.lesson_id for h in search(library, "房", "zh").hits} == {"welcome", "details"}


def test_the_passage_is_plain_text_and_keeps_markup_in_the_lesson_as_text(course_dir):
    course_dir.write_lesson("welcome", "## Tags\n\nWrite `<script>` never; tenure rules.\n")
    hit = search(load_library(course_dir.root), "tenure", "en").hits[0]
    assert hit.anchor == "tags"
    assert "".join(part.text for part in hit.passage) == "Tags Write <script> never; tenure rules."
    assert marked(hit.passage) == ["tenure"]


def test_the_passage_is_the_section_with_the_most_query_words(course_dir):
    course_dir.write_lesson(
        "welcome",
        "## First\n\nTenure alone.\n\n## Second\n\nSecurity of tenure together.\n",
    )
    hit = search(load_library(course_dir.root), "tenure security", "en").hits[0]
    assert hit.anchor == "second"
    assert marked(hit.passage) == ["Security", "tenure"]


def test_the_index_is_built_once_per_library_and_language(course_dir, monkeypatch):
    library = load_library(course_dir.root)
    analysed = []
    original = search_index._analyse
    monkeypatch.setattr(search_index, "_analyse", lambda *a: analysed.append(a[:3]) or original(*a))
    for query in ["tenure", "details", "table", "tenure"]:
        search(library, query, "en")
    # One course and its two lessons, analysed once; French readers see the same English documents.
    assert len(analysed) == 3
    search(library, "table", "fr")
    assert len(analysed) == 3


def test_quiz_questions_answers_and_feedback_are_not_searchable(course_dir):
    course_dir.write_lesson(
        "details",
        """\
        Answer this to check what you learned.

        ::: question single
        Which zebracorn question?

        - [ ] Wrong
            > Quokkafeedback explains.
        - [x] Narwhalanswer
            > Right.
        :::
        """,
        front="title: Check\ntype: quiz\nminutes: 5\npass_mark: 50\n",
    )
    course_dir.write_lesson("welcome", "Hello.\n")
    library = load_library(course_dir.root)
    assert len(library) == 1, library.problems
    for secret in ["zebracorn", "quokkafeedback", "narwhalanswer"]:
        assert search(library, secret, "en").total == 0
    assert [h.lesson_id for h in search(library, "learned", "en").hits] == ["details"]


def test_a_function_word_found_nowhere_does_not_stop_the_search(course_dir):
    course_dir.write_lesson("welcome", "Tenure matters.\n")
    hits = search(load_library(course_dir.root), "tenure were", "en").hits
    assert [h.lesson_id for h in hits] == ["welcome"]
    assert marked(hits[0].passage) == ["Tenure"]
