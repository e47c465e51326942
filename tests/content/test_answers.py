"""Typed answers grade the same in every language, on the server and in a package's browser grading."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from learn_habitat.activities.quiz import Question
from learn_habitat.content.answers import normalise_answer
from tests.conftest import PROJECT_ROOT

LESSON_JS = PROJECT_ROOT / "scorm_export" / "assets" / "lesson.js"
NODE = shutil.which("node") or "/usr/bin/node"


def text_question(*accepted: str) -> Question:
    return Question(id="q1", kind="text", prompt_html="", accepted=accepted)


# (language, accepted answer, what a learner types that must count as right)
SAME_ANSWER = [
    ("en", "World Health Organization", "  world   HEALTH organization "),
    ("en", "UN-Habitat", "ＵＮ–Ｈａｂｉｔａｔ"),  # full-width letters, an en dash
    ("fr", "Organisation mondiale de la Santé", "organisation mondiale de la sante"),
    (
        "fr",
        "Comité des droits économiques, sociaux et culturels",
        "Comite des droits economiques, sociaux et culturels",
    ),
    ("fr", "l’Agenda 2030", "l'agenda 2030"),
    ("es", "Nueva Agenda Urbana", "nueva agenda urbána"),
    ("es", "Hábitat III", "habitat iii"),
    ("ru", "Хабитат III", "хабитат iii"),
    ("ru", "учёт", "учет"),
    ("ar", "الخطة الحضرية الجديدة", "الخُطَّة الحضريـــة الجديدة"),  # harakat and tatweel
    ("ar", "الأمم المتحدة", "الامم المتحده"),  # hamza on alef, teh marbuta typed as heh
    ("ar", "إعلان كيتو", "اعلان كيتو"),
    ("ar", "مستوى", "مستوي"),  # alef maqsura typed as yeh
    ("ar", "٢٠٣٠", "2030"),
    ("zh", "国家以下各级", "国家以下各级\u3000"),
    ("zh", "ＳＤＧ１１", "sdg11"),
]


@pytest.mark.parametrize(
    "language, accepted, typed", SAME_ANSWER, ids=[f"{row[0]}-{i}" for i, row in enumerate(SAME_ANSWER)]
)
def test_variants_of_spelling_grade_as_right_in_every_language(language, accepted, typed):
    assert text_question(accepted).is_correct(typed)


@pytest.mark.parametrize(
    "accepted, typed",
    [
        ("Habitat III", "Habitat II"),
        ("Santé", "Sante publique"),
        ("الحضرية", "الحضري"),
        ("国家以下各级", "地方以下各级"),
        ("Хабитат", "Хабитаты"),
        ("Agenda", "Agend a"),
    ],
)
def test_different_answers_stay_different(accepted, typed):
    assert not text_question(accepted).is_correct(typed)


# Characters from every language's answers, with the marks, widths, digits and spaces that vary in typing.
ALPHABET = (
    "abcxyzABCXYZ0129 -'.,"
    "éèêëàâçîïôùûüÉÀÇœŒæñÑáíóúÁ¿¡ß"
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЙЩЯ"
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    "أإآؤئءىةٱـ"
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳"
    "国家以下各级新城市议程人居署可持续发展目标课"
    "ＡＢＣａｂｃ０１２，．：；？！（）\u3000"
    "\u00a0\u202f\u2009\t\n\u200b\u200e\u200f\u00ad\u2066\u2069\ufeff"
    "’‘ʼ‐‑–—«»“”"
    "\ufe8d\ufef5\ufb50"  # Arabic presentation forms
)


def generated_inputs(count=1500, seed=20261201):
    chooser = random.Random(seed)
    return (
        ["".join(chooser.choice(ALPHABET) for _ in range(chooser.randint(0, 24))) for _ in range(count)]
        + [row[2] for row in SAME_ANSWER]
        + [row[1] for row in SAME_ANSWER]
    )


def javascript_normalise(inputs: list[str]) -> list[str]:
    """Run the package's own ``normalise`` (cut from lesson.js as it ships) in node on ``inputs``."""
    source = LESSON_JS.read_text(encoding="utf-8")
    start = source.index("  // The same steps as learn_habitat/content/answers.py")
    end = source.index("\n  }\n", source.index("function normalise(value)", start)) + len("\n  }\n")
    program = (
        source[start:end]
        + "\nvar inputs = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        + "process.stdout.write(JSON.stringify(inputs.map(normalise)));\n"
    )
    result = subprocess.run(
        [NODE, "-e", program], input=json.dumps(inputs), capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.skipif(not shutil.which(NODE), reason="node is needed to run the package's script")
def test_the_package_script_normalises_exactly_like_the_server():
    inputs = generated_inputs()
    expected = [normalise_answer(text) for text in inputs]
    found = javascript_normalise(inputs)
    different = [
        (text, mine, theirs)
        for text, mine, theirs in zip(inputs, expected, found, strict=True)
        if mine != theirs
    ]
    assert different == []


@pytest.mark.skipif(not shutil.which(NODE), reason="node is needed to run the package's script")
@pytest.mark.parametrize("language", ["ar", "en", "es", "fr", "ru", "zh"])
def test_the_package_script_accepts_what_the_server_accepts_in_each_language(language):
    rows = [row for row in SAME_ANSWER if row[0] == language]
    typed = javascript_normalise([row[2] for row in rows])
    accepted = javascript_normalise([row[1] for row in rows])
    assert typed == accepted


QUIZ_FRONT = "title: Check\ntype: quiz\nminutes: 5\n"
SOURCE_QUIZ = "::: question text\nWho is the custodian?\n\n= World Health Organization\n= WHO\n:::\n"
# What each translation accepts: its own name, and WHO, but no longer the English name.
DROPPED = {
    "ar": "منظمة الصحة العالمية",
    "en": "World Health Organisation",
    "es": "Organización Mundial de la Salud",
    "fr": "Organisation mondiale de la Santé",
    "ru": "Всемирная организация здравоохранения",
    "zh": "世界卫生组织",
}


@pytest.mark.parametrize("language", ["ar", "es", "fr", "ru", "zh"])
def test_a_translated_question_that_drops_a_source_answer_is_flagged(course_dir, language):
    from learn_habitat.content import check_courses

    course_dir.write_lesson("details", SOURCE_QUIZ, front=QUIZ_FRONT)
    translated = f"::: question text\nQ?\n\n= {DROPPED[language]}\n= WHO\n:::\n"
    course_dir.write_lesson("details", translated, language=language, front=QUIZ_FRONT)
    found = [p for p in check_courses(course_dir.path) if "accepts fewer answers" in p.message]
    assert [(p.path.split("/")[-2], p.line, p.is_error) for p in found] == [(language, 9, False)]
    assert "'World Health Organization'" in found[0].message and "(en/details.md)" in found[0].message


@pytest.mark.parametrize("language", ["ar", "es", "fr", "ru", "zh"])
def test_a_translation_that_keeps_every_source_answer_in_any_spelling_is_not_flagged(course_dir, language):
    from learn_habitat.content import check_courses

    course_dir.write_lesson("details", SOURCE_QUIZ, front=QUIZ_FRONT)
    translated = (
        f"::: question text\nQ?\n\n= {DROPPED[language]}\n= world health organization\n= ＷＨＯ\n:::\n"
    )
    course_dir.write_lesson("details", translated, language=language, front=QUIZ_FRONT)
    assert [p for p in check_courses(course_dir.path) if "accepts fewer answers" in p.message] == []


def test_the_source_quiz_itself_is_not_compared(course_dir):
    from learn_habitat.content import check_courses

    course_dir.write_lesson(
        "details", SOURCE_QUIZ.replace("= WHO\n", f"= {DROPPED['en']}\n"), front=QUIZ_FRONT
    )
    assert [p for p in check_courses(course_dir.path) if "accepts fewer answers" in p.message] == []
