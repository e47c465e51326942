"""The language pipeline: termbase, typography, localised figures and answers that grade alike, in six languages."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from click.testing import CliRunner

from learn_habitat.cli import main
from learn_habitat.content import CourseError, check_courses, load_course
from learn_habitat.content.figures import svg_has_text
from learn_habitat.content.media import svg_problems
from learn_habitat.content.render import LessonRenderer
from learn_habitat.content.termbase import (
    catalogue_term_problems,
    read_termbase,
)
from learn_habitat.content.translations import status_as_json, translation_status
from scorm_export import export_course
from tests.conftest import PROJECT_ROOT, SHIPPED_COURSES

TRANSLATED = ("ar", "es", "fr", "ru", "zh")
NNBSP = "\u202f"

TERMBASE = """\
terms:
  - en: [subnational]
    approved:
      ar: دون الوطنية
      es: subnacional
      fr: infranationa
      ru: субнациональн
      zh: 国家以下各级
    forbidden:
      ar: تحت المحلية
      es: sublocal
      fr: sous-local
      ru: сублокальный
      zh: 地方以下各级
    note: a test term

  - en: [Enrol]
    scope: [interface]
    approved:
      ar: التسجيل في
      es: Inscribirse
      fr: "S'inscrire au cours"
      ru: Записаться
      zh: 报名
    forbidden:
      ar: إنشاء حساب
      es: Registrarse
      fr: Créer un compte
      ru: Зарегистрироваться
      zh: 注册课程
"""
# (right sentence, sentence with the forbidden variant, sentence without the term at all)
SENTENCES = {
    "ar": ("تعمل الحكومات الوطنية ودون الوطنية معًا.", "تعمل الحكومات تحت المحلية معًا.", "تعمل الحكومات معًا."),
    "es": ("Los gobiernos subnacionales actúan.", "Los gobiernos sublocal actúan.", "Los gobiernos actúan."),
    "fr": (
        "Les gouvernements infranationaux agissent.",
        "Les gouvernements sous-local agissent.",
        "Ils agissent.",
    ),
    "ru": ("Субнациональные органы действуют.", "Сублокальный орган действует.", "Органы действуют."),
    "zh": ("国家以下各级政府共同行动。", "地方以下各级政府共同行动。", "各级政府共同行动。"),
}


@pytest.fixture
def termed(course_dir):
    """The demo course with a termbase beside it and an English lesson that uses 'subnational'."""
    (course_dir.root / "termbase.yaml").write_text(TERMBASE, encoding="utf-8")
    course_dir.write_lesson("welcome", "## Why\n\nNational and subnational governments act.\n")
    return course_dir


def translate(course_dir, language, sentence, lesson="welcome"):
    course_dir.write_lesson(lesson, f"## Titre\n\n{sentence}\n", language=language)


def messages(course_dir, *wanted):
    return [str(p) for p in check_courses(course_dir.path) if any(w in p.message for w in wanted)]


# Termbase ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_forbidden_variant_is_an_error_at_its_line(termed, language):
    translate(termed, language, SENTENCES[language][1])
    found = [p for p in check_courses(termed.path) if "forbidden translation" in p.message]
    assert len(found) == 1, found
    assert found[0].is_error
    assert str(found[0]).startswith(f"{termed.path / language / 'welcome.md'}:8: ")
    assert "termbase.yaml:2" in found[0].message


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_translation_without_the_approved_term_gets_a_warning(termed, language):
    translate(termed, language, SENTENCES[language][2])
    found = [p for p in check_courses(termed.path) if "approved" in p.message]
    assert len(found) == 1, found
    assert not found[0].is_error
    assert "'subnational' (en/welcome.md:8)" in found[0].message


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_approved_term_inflected_or_prefixed_passes(termed, language):
    translate(termed, language, SENTENCES[language][0])
    assert messages(termed, "approved", "forbidden") == []


def test_the_english_source_is_not_checked_against_other_languages(termed):
    termed.write_lesson("welcome", "## Why\n\nSubnational, not 地方以下各级 or sous-local.\n")
    assert messages(termed, "approved", "forbidden") == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_terms_the_source_lesson_does_not_use_are_not_checked(termed, language):
    termed.write_lesson("welcome", "## Why\n\nGovernments act.\n")
    translate(termed, language, SENTENCES[language][1])
    assert messages(termed, "approved", "forbidden") == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_sources_sections_and_code_are_not_checked(termed, language):
    heading = {"ar": "المصادر", "es": "Fuentes", "fr": "Sources", "ru": "Источники", "zh": "资料来源"}[
        language
    ]
    forbidden = SENTENCES[language][1]
    translate(termed, language, f"{SENTENCES[language][0]}\n\n`{forbidden}`\n\n## {heading}\n\n- {forbidden}")
    assert messages(termed, "approved", "forbidden") == []


def test_termbase_problems_name_the_termbase_line(termed):
    (termed.root / "termbase.yaml").write_text(TERMBASE + "  - en: [x]\n    wrong: 1\n", encoding="utf-8")
    found = [str(p) for p in check_courses(termed.path) if "termbase.yaml" in p.path]
    line = TERMBASE.count("\n") + 2
    assert found == [
        f"{termed.root / 'termbase.yaml'}:{line}: unknown key 'wrong' (known: approved, en, forbidden, note, scope)"
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_translation_status_and_its_json_show_terminology(termed, language):
    translate(termed, language, SENTENCES[language][1])
    with pytest.raises(CourseError):  # a forbidden variant is an error: the course is not served
        load_course(termed.path)
    translate(termed, language, SENTENCES[language][2])
    course = load_course(termed.path)
    status = translation_status(course).languages[language]
    assert [p.line for p in status.terminology] == [8]
    reported = status_as_json([translation_status(course)])["courses"][0]["languages"][language][
        "terminology"
    ]
    assert reported[0]["severity"] == "warning" and "subnational" in reported[0]["message"]
    result = CliRunner().invoke(main, ["translations", "--path", str(termed.root), "--lang", language])
    assert result.exit_code == 0, result.output
    assert "1 terminology" in result.output and "terminology: " in result.output
    as_json = json.loads(
        CliRunner().invoke(main, ["translations", "--json", "--path", str(termed.root)]).output
    )
    assert as_json["courses"][0]["languages"][language]["terminology"][0]["line"] == 8


def write_catalogue(path, language, translation):
    path.write_text(
        f'msgid ""\nmsgstr ""\n"Language: {language}\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgid "Sign in"\nmsgstr "x"\n\nmsgid "Enrol"\nmsgstr "{translation}"\n',
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "language, forbidden, approved",
    [
        ("ar", "إنشاء حساب", "التسجيل في الدورة"),
        ("es", "Registrarse", "Inscribirse"),
        ("fr", "Créer un compte", "S’inscrire au cours"),
        ("ru", "Зарегистрироваться", "Записаться"),
        ("zh", "注册课程", "报名"),
    ],
)
def test_interface_catalogues_are_checked_against_the_termbase(tmp_path, language, forbidden, approved):
    (tmp_path / "termbase.yaml").write_text(TERMBASE, encoding="utf-8")
    termbase = read_termbase(tmp_path / "termbase.yaml")[0]
    catalogue = tmp_path / "messages.po"
    write_catalogue(catalogue, language, forbidden)
    found = [str(p) for p in catalogue_term_problems(termbase, catalogue, language)]
    assert len(found) == 2, found  # the forbidden form, and no approved one
    assert found[0].startswith(f"{catalogue}:9: ") and "forbidden translation of 'Enrol'" in found[0]
    write_catalogue(catalogue, language, approved)
    assert catalogue_term_problems(termbase, catalogue, language) == []


def test_the_shipped_termbase_has_no_problems():
    termbase, problems = read_termbase(SHIPPED_COURSES / "termbase.yaml")
    assert problems == []
    assert len(termbase.terms) >= 20


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_shipped_catalogues_follow_the_termbase(language):
    termbase = read_termbase(SHIPPED_COURSES / "termbase.yaml")[0]
    catalogue = PROJECT_ROOT / "learn_habitat" / "translations" / language / "LC_MESSAGES" / "messages.po"
    assert [str(p) for p in catalogue_term_problems(termbase, catalogue, language) if p.is_error] == []


# Typography -------------------------------------------------------------------------------------

FRENCH = (
    "De Vancouver à Quito : la « Nouvelle » question ? Oui ! 28 % et 1 250 000 habitants, n° 4, à 500 m ; "
    "voir https://example.org/a?b=1 et `a : b ?` et [lien](https://example.org/x?y).\n\n"
    "```\nx : y ?\n```\n"
)


def test_french_gets_its_no_break_spaces_but_never_in_code_or_urls():
    html = LessonRenderer(language="fr").render(FRENCH).html
    for expected in (
        f"Quito{NNBSP}:",
        f"«{NNBSP}Nouvelle{NNBSP}»",
        f"question{NNBSP}?",
        f"Oui{NNBSP}!",
        f"28{NNBSP}%",
        f"1{NNBSP}250{NNBSP}000",
        "n°&nbsp;4",
        f"500&nbsp;m{NNBSP};",
    ):
        assert expected in html, expected
    assert "https://example.org/a?b=1" in html
    assert 'href="https://example.org/x?y"' in html
    assert "<code>a : b ?</code>" in html
    assert "<code>x : y ?\n</code>" in html


ARABIC = "الغايات من 11.a إلى 11.c و**11.b.2** وانظر https://unstats.un.org/sdgs والمعادلة ln(1200000 / 1000000) و`11.a`."


def test_arabic_isolates_left_to_right_runs_but_not_code_or_plain_numbers():
    html = LessonRenderer(language="ar").render(ARABIC + " و2030.\n").html
    for run in ("11.a", "11.c", "11.b.2", "https://unstats.un.org/sdgs", "ln(1200000 / 1000000)"):
        assert f'<bdi dir="ltr">{run}</bdi>' in html, run
    assert "<code>11.a</code>" in html
    assert "و2030" in html


@pytest.mark.parametrize("language", ["en", "es", "ru", "zh"])
def test_languages_without_rules_keep_their_text_as_written(language):
    renderer = LessonRenderer(language=language)
    assert NNBSP not in renderer.render(FRENCH).html
    assert "<bdi" not in renderer.render(ARABIC).html


def test_the_site_and_the_package_show_the_same_typography(course_dir):
    course_dir.write("course.yaml", (course_dir.path / "course.yaml").read_text() + "")
    course_dir.write_lesson("welcome", "## Quoi\n\nQuestion ? Cible 11.a.\n", language="fr")
    course_dir.write_lesson("details", "## A\n\nالغاية 11.a هنا.\n", language="ar")
    course = load_course(course_dir.path)
    site = {
        "fr": course.lesson("welcome", "fr").html,
        "ar": course.lesson("details", "ar").html,
    }
    assert f"Question{NNBSP}?" in site["fr"]
    assert '<bdi dir="ltr">11.a</bdi>' in site["ar"]
    for language, lesson, wanted in (
        ("fr", "welcome", f"Question{NNBSP}?"),
        ("ar", "details", '<bdi dir="ltr">11.a</bdi>'),
    ):
        package = zipfile.ZipFile(io.BytesIO(export_course(course, language, "scorm2004")))
        page = package.read(f"{lesson}.html").decode("utf-8")
        assert wanted in page


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("ar", "تعمل الحكومات, والمدن.", ["Latin ','"]),
        ("ar", "هل تعمل الحكومات?", ["Latin '?'"]),
        ("ar", "القيمة 37,5 في المائة، و`a, b`.", []),
        ("zh", "政府, 城市。", ["ASCII ','"]),
        ("zh", "什么是城市?", ["ASCII '?'"]),
        ("zh", "（见第8段(c)项）和公式 (a + b) / 2。", []),
        ("zh", "政府(地方)城市。", ["parentheses"]),
        ("en", "Governments, cities? Yes.", []),
        ("es", "¿Gobiernos, ciudades? Sí.", []),
        ("fr", "Gouvernements, villes ?", []),
        ("ru", "Правительства, города?", []),
    ],
)
def test_latin_punctuation_in_arabic_and_chinese_text_is_a_warning(course_dir, language, text, expected):
    course_dir.write_lesson("welcome", f"## X\n\n{text}\n", language=language)
    found = [p for p in check_courses(course_dir.path) if "ASCII" in p.message or "Latin" in p.message]
    assert [any(e in p.message for e in expected) for p in found] == [True] * len(expected)
    assert all(p.line == 8 and not p.is_error for p in found)


# Localised figures ------------------------------------------------------------------------------

TEXT_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text x="1" y="5">{}</text></svg>'
NOTICES = {
    "ar": "هذا الشكل غير متاح بعد باللغة العربية.",
    "es": "Esta figura aún no está disponible en español.",
    "fr": "Cette figure n’est pas encore disponible en français.",
    "ru": "Этот рисунок пока недоступен на языке «русский».",
    "zh": "此图尚无中文版本。",
}


@pytest.fixture
def figured(course_dir):
    (course_dir.path / "media" / "map.svg").write_text(TEXT_SVG.format("Urban centre"), encoding="utf-8")
    (course_dir.path / "media" / "map.ar.svg").write_text(
        TEXT_SVG.format("المركز الحضري").replace("<text ", '<text direction="rtl" '), encoding="utf-8"
    )
    for language in TRANSLATED:
        course_dir.write_lesson("welcome", "## X\n\n![A map](../media/map.svg)\n", language=language)
    return course_dir


def test_each_language_sees_its_variant_or_the_source_with_a_notice(figured):
    course = load_course(figured.path)
    assert 'src="media/map.svg"' in course.lesson("welcome", "en").html
    assert "figcaption" not in course.lesson("welcome", "en").html
    assert 'src="media/map.ar.svg"' in course.lesson("welcome", "ar").html
    assert "figcaption" not in course.lesson("welcome", "ar").html
    for language in ("es", "fr", "ru", "zh"):
        html = course.lesson("welcome", language).html
        assert 'src="media/map.svg"' in html
        assert f'<figcaption class="figure-notice">{NOTICES[language]}</figcaption>' in html, html


def test_packages_carry_the_variant_of_their_language(figured):
    course = load_course(figured.path)
    for language, shown in (("ar", "media/map.ar.svg"), ("zh", "media/map.svg"), ("en", "media/map.svg")):
        package = zipfile.ZipFile(io.BytesIO(export_course(course, language, "scorm12")))
        page = package.read("welcome.html").decode("utf-8")
        assert f'src="{shown}"' in page
        assert shown in package.namelist()
    zh_page = (
        zipfile.ZipFile(io.BytesIO(export_course(course, "zh", "scorm12"))).read("welcome.html").decode()
    )
    assert NOTICES["zh"] in zh_page


def test_the_checker_warns_of_a_figure_with_text_and_no_variant(figured):
    found = [p for p in check_courses(figured.path) if "has text but no" in p.message]
    assert sorted(p.path.split("/")[-2] for p in found) == ["es", "fr", "ru", "zh"]
    assert all(not p.is_error and p.line == 8 for p in found)
    assert "add media/map.zh.svg" in [p for p in found if "/zh/" in p.path][0].message


def test_a_figure_without_text_needs_no_variant(course_dir):
    for language in TRANSLATED:
        course_dir.write_lesson("welcome", "## X\n\n![A map](../media/map.svg)\n", language=language)
    assert [p for p in check_courses(course_dir.path) if "has text but no" in p.message] == []
    assert "figcaption" not in load_course(course_dir.path).lesson("welcome", "ar").html


SHIPPED_FIGURES = sorted(SHIPPED_COURSES.glob("*/media/*.svg"))


@pytest.mark.parametrize(
    "source",
    [
        path
        for path in SHIPPED_FIGURES
        if path.name.count(".") == 1 and path.parent.parent.name != "cities-and-crises"
    ],
    ids=lambda path: path.name,
)
@pytest.mark.parametrize("language", ["ar", "zh"])
def test_shipped_figures_have_safe_arabic_and_chinese_variants(source, language):
    from lxml import etree

    variant = source.with_name(source.stem + f".{language}.svg")
    data = variant.read_bytes()
    assert svg_problems(data) == []
    assert svg_has_text(data)
    ns = "{http://www.w3.org/2000/svg}"
    english = {"".join(t.itertext()).strip() for t in etree.fromstring(source.read_bytes()).iter(ns + "text")}
    texts = list(etree.fromstring(data).iter(ns + "text"))
    left = {"".join(t.itertext()).strip() for t in texts} & english
    assert all(any(c.isalpha() for c in text) is False for text in left), left  # only numbers stay
    if language == "ar":
        assert all(t.get("direction") == "rtl" for t in texts)


def test_an_svg_libxml2_cannot_parse_gives_a_one_line_problem():
    # libxml2 ends some messages with a newline and a position (found by the course mutation fuzzer).
    for data in (b"<\x00svg/>", b"<svg>\x00</svg>", b'<svg xmlns="http://www.w3.org/2000/svg"><g>'):
        problems = svg_problems(data)
        assert problems and all("\n" not in message and message.strip() == message for _, message in problems)
