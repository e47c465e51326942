"""Words become the same search term however a reader types them, in each of the six UN languages."""

import pytest

from learn_habitat.search.analysis import normalise, query_terms, term, tokens


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("en", ["settlement", "settlements", "Settlements"]),
        ("fr", ["développement", "developpement", "DÉVELOPPEMENT", "développements"]),
        ("es", ["vivienda", "viviendas", "Vivienda"]),
        ("ru", ["город", "города", "городов", "Городах", "го́род"]),
        ("ru", ["жильё", "жилье", "ЖИЛЬЁ"]),
        # Harakat, tatweel and the hamza forms of alef: one term.
        ("ar", ["الإسكان", "الإِسْكَان", "الاسكان", "الأسكان", "الإســكان"]),
        ("ar", ["مدينة", "مدينه", "المدينة"]),
    ],
)
def test_the_forms_of_a_word_give_one_term(language, forms):
    assert len({term(form, language) for form in forms}) == 1, {form: term(form, language) for form in forms}


def test_russian_short_i_is_a_letter_of_its_own_not_an_accented_i():
    assert normalise("район") == "район"
    assert term("район", "ru") != term("раион", "ru")


def test_latin_accents_are_folded_but_cyrillic_and_arabic_letters_are_kept():
    assert normalise("Économie") == "economie"
    assert normalise("ёлка") == "елка"
    assert normalise("يُسْر") == "يسر"


def test_digits_of_every_script_are_folded_to_ascii():
    assert normalise("٢٠١٦") == "2016"
    assert normalise("２０１６") == "2016"


def test_a_chinese_run_gives_its_characters_and_its_pairs_with_their_places():
    found = [(t.term, t.start, t.end) for t in tokens("住房政策", "zh")]
    assert found == [
        ("住", 0, 1),
        ("住房", 0, 2),
        ("房", 1, 2),
        ("房政", 1, 3),
        ("政", 2, 3),
        ("政策", 2, 4),
        ("策", 3, 4),
    ]


def test_a_chinese_query_asks_for_pairs_or_for_its_single_character():
    assert query_terms("住房", "zh") == ("住房",)
    assert query_terms("城市规划", "zh") == ("城市", "市规", "规划")
    assert query_terms("房", "zh") == ("房",)


def test_latin_words_inside_chinese_text_are_words():
    assert [t.term for t in tokens("SDG目标", "zh")][:1] == ["sdg"]


def test_an_arabic_word_with_harakat_is_one_token_not_split_at_each_mark():
    assert [t.term for t in tokens("الإِسْكَان اللائق", "ar")] == [term("الإسكان", "ar"), term("اللائق", "ar")]


def test_punctuation_alone_asks_for_nothing():
    assert query_terms("?!… — «» ; . ،؟", "fr") == ()
    assert query_terms("", "en") == ()
