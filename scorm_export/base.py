"""What every exporter shares: the package's pages, assets and a byte-for-byte reproducible zip."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader
from lxml import html as lxml_html
from markupsafe import Markup

import learn_habitat
from learn_habitat.activities.calculator import calculator_views
from learn_habitat.content import SUPPORTED_LANGUAGES, Course, load_course, text_direction
from learn_habitat.content.course_files import UnsafeCourseFile, read_course_file
from learn_habitat.content.loader import MEDIA_FOLDER
from learn_habitat.content.media import media_problems

HERE = Path(__file__).resolve().parent
SITE_STYLESHEET = Path(learn_habitat.__file__).resolve().parent / "static" / "css" / "site.css"
CALCULATOR_SCRIPT = Path(learn_habitat.__file__).resolve().parent / "static" / "js" / "calculator.js"
TRANSLATIONS = Path(learn_habitat.__file__).resolve().parent / "translations"
# Partials written once for the site and packages alike (learning/_objectives.html).
SITE_TEMPLATES = Path(learn_habitat.__file__).resolve().parent / "templates"
# Every entry gets this date: the same course gives the same bytes whenever it is exported.
FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
LAUNCH_FILE = "index.html"
PERCENT_SENTINEL = 987654


class ExportError(ValueError):
    """A package cannot be made (unknown standard or language, course not loadable)."""


@dataclass(frozen=True)
class PackageContent:
    """The files of a package (path -> bytes) and what the manifest says about them."""

    files: dict
    course: Course
    language: str
    identifier: str


class Exporter:
    """Base class of an exporter; subclasses give the standard's name, runtime flavour and manifest."""

    name: str = ""
    #: "1.2" or "2004": which LMS API the runtime looks for and which data model it writes.
    api_version: str = ""

    def export(self, course: Course, language: str) -> bytes:
        """The package as zip bytes."""
        content = build_package_content(course, language, self)
        files = dict(content.files)
        files["imsmanifest.xml"] = self.manifest(content)
        return deterministic_zip(files)

    def manifest(self, content: PackageContent) -> bytes:
        """The ``imsmanifest.xml`` of a package."""
        raise NotImplementedError

    def identifier(self, course: Course, language: str) -> str:
        """Stable per course id, version, language and standard (an XML ID: starts with a letter)."""
        return f"LH-{course.id}-{course.version}-{language}-{self.name}"


def build_package_content(course: Course, language: str, exporter: Exporter) -> PackageContent:
    """Render every lesson of ``course`` in ``language`` as a page of the package, with its assets."""
    if language not in SUPPORTED_LANGUAGES:
        raise ExportError(f"unsupported language {language!r} (supported: {', '.join(SUPPORTED_LANGUAGES)})")
    # Rendered again from the same Markdown as the site, with links between pages of the package.
    # Only the package's language (and the source, for fallbacks) is read: a package holds one language.
    packaged = load_course(
        course.path, lesson_href="{lesson}.html", media_href="media/{name}", languages=[language]
    )
    environment = _environment(language)
    order = packaged.lesson_ids
    direction = text_direction(language)
    config = _runtime_config(packaged, exporter)
    if exporter.api_version == "2004":
        descriptions = _descriptions(packaged, language)
        for lesson_id, quiz in config["quizzes"].items():
            for question in quiz["questions"]:
                question["description"] = descriptions[f"{lesson_id}/{question['id']}"]
    files = {}
    common = {
        "course": packaged,
        "language": language,
        "direction": direction,
        "text_direction": text_direction,
    }
    lesson_template = environment.get_template("lesson.html")
    for position, lesson_id in enumerate(order, start=1):
        lesson = packaged.lesson(lesson_id, language)
        files[f"{lesson_id}.html"] = lesson_template.render(
            **common,
            lesson=lesson,
            module_title=packaged.module_title(packaged.module_of(lesson_id), language),
            previous=packaged.lesson(order[position - 2], language) if position > 1 else None,
            next=packaged.lesson(order[position], language) if position < len(order) else None,
            position=position,
            total=len(order),
            quiz_data=_quiz_data(lesson) if lesson.type == "quiz" else None,
            messages=_quiz_messages(language, lesson.activity) if lesson.type == "quiz" else None,
            **(
                _checklist_context(lesson, language) if lesson.type == "checklist" and lesson.activity else {}
            ),
            # Results for the default values: the page shows them before (and without) calculator.js.
            calculators=calculator_views(lesson.activity, {}, language, _translations(language).ugettext)
            if lesson.type == "calculator" and lesson.activity
            else (),
        ).encode("utf-8")
    files[LAUNCH_FILE] = (
        environment.get_template("index.html").render(**common, config=config, order=order).encode("utf-8")
    )
    files["assets/site.css"] = SITE_STYLESHEET.read_bytes()
    files["assets/calculator.js"] = CALCULATOR_SCRIPT.read_bytes()  # the site's own, unchanged
    for asset in sorted((HERE / "assets").iterdir()):
        files[f"assets/{asset.name}"] = asset.read_bytes()
    for name in sorted(packaged.media_files):
        files[f"media/{name}"] = _media_bytes(packaged, name)
    return PackageContent(files, packaged, language, exporter.identifier(packaged, language))


def _media_bytes(course: Course, name: str) -> bytes:
    """A media file the loader listed, read again without following links and checked again for active
    content: no CSP protects a learner inside an LMS, so the package never carries what the checker refuses."""
    relative = f"{MEDIA_FOLDER}/{name}"
    try:
        data = read_course_file(course.path, relative)
    except (UnsafeCourseFile, OSError) as exc:
        raise ExportError(f"{relative}: {exc}") from None
    problems = media_problems(name, data)
    if problems:
        line, message = problems[0]
        raise ExportError(f"{relative}:{line}: {message}")
    return data


# What each question kind is called in the SCORM data models (cmi.interactions.n.type).
INTERACTION_TYPES = {
    "single": "choice",
    "multiple": "choice",
    "true-false": "true-false",
    "numeric": "numeric",
    "text": "fill-in",
}
# SCORM 1.2 CMIIdentifier: at most 255 characters, no white space. The 2004 ids are URNs (long_identifier_type).
SCORM12_IDENTIFIER_LENGTH = 255
# SCORM 2004 localized_string_type (an interaction's description): 250 characters after the language tag.
DESCRIPTION_LENGTH = 250
_NOT_IN_ID = re.compile(r"[^A-Za-z0-9._-]+")


def tracking_id(exporter: Exporter, course: Course, *parts: str) -> str:
    """A stable identifier for an objective (a quiz) or an interaction (a question), the same in every
    language and every export of one course version, valid in the exporter's data model."""
    pieces = [_NOT_IN_ID.sub("-", piece) for piece in (course.id, course.version, *parts)]
    if exporter.api_version == "2004":
        return "urn:learn-habitat:" + ":".join(pieces)
    identifier = ".".join(pieces)
    if len(identifier) > SCORM12_IDENTIFIER_LENGTH:
        # Long course and lesson ids: keep a readable start and make the rest unique with a digest.
        digest = hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:16]
        identifier = identifier[: SCORM12_IDENTIFIER_LENGTH - len(digest) - 1] + "~" + digest
    return identifier


def _plain_text(html: str, limit: int) -> str:
    """The text of sanitised HTML on one line, cut to ``limit`` UTF-16 code units (what an LMS counts)."""
    text = " ".join(lxml_html.fragment_fromstring(html or "", create_parent="div").text_content().split())
    # A leading "{" would read as the start of a language tag or delimiter in SCORM 2004 strings.
    text = text.lstrip("{")
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[:-1]
    return text


def _runtime_config(course: Course, exporter: Exporter) -> dict:
    source = course.lessons[course.source_language]
    quizzes = {}
    for lesson_id in course.quiz_ids():
        quiz = source[lesson_id].activity
        quizzes[lesson_id] = {
            "passMark": quiz.pass_mark,
            "maxAttempts": quiz.max_attempts,
            "objective": tracking_id(exporter, course, lesson_id),
            "questions": [
                {
                    "id": question.id,
                    "interaction": tracking_id(exporter, course, lesson_id, question.id),
                    "type": INTERACTION_TYPES[question.kind],
                }
                for question in quiz.questions
            ],
        }
    return {
        "api": exporter.api_version,
        "course": course.id,
        "version": course.version,
        "lessons": list(course.lesson_ids),
        "quizzes": quizzes,
        "checklists": _checklist_config(course, exporter),
        "completion": dict(course.completion),
    }


# cmi.suspend_data holds at most 4,096 characters in SCORM 1.2 (CMIString4096); 2004 guarantees 64,000.
SCORM12_SUSPEND_DATA_LENGTH = 4096


def _checklist_config(course: Course, exporter: Exporter) -> dict:
    """Per checklist lesson: how many statements and scale values runtime.js keeps in suspend data."""
    source = course.lessons[course.source_language]
    if exporter.api_version == "1.2" and longest_suspend_data(course) > SCORM12_SUSPEND_DATA_LENGTH:
        raise ExportError(
            f"the course's answers need up to {longest_suspend_data(course)} characters of suspend data, more "
            f"than SCORM 1.2's {SCORM12_SUSPEND_DATA_LENGTH}: make its checklists shorter or export SCORM 2004"
        )
    return {
        lesson_id: {
            "statements": len(source[lesson_id].activity.statements),
            "scale": len(source[lesson_id].activity.scale),
        }
        for lesson_id in course.lesson_ids
        if source[lesson_id].type == "checklist"
    }


def _base36_length(number: int) -> int:
    length = 1
    while number >= 36:
        number //= 36
        length += 1
    return length


def longest_suspend_data(course: Course) -> int:
    """The most characters runtime.js writes to cmi.suspend_data for this course (every quiz's best and
    attempts in two base-36 digits, every statement of every checklist answered):
    ``v1;<visited bits in hex>;<quiz>.<best>.<attempts>,...;<checklist>.<answers>,...``."""
    source = course.lessons[course.source_language]
    order = course.lesson_ids
    quiz_parts = [_base36_length(order.index(q)) + 1 + 2 + 1 + 2 for q in course.quiz_ids()]
    checklist_parts = [
        _base36_length(order.index(lesson_id)) + 1 + len(source[lesson_id].activity.statements)
        for lesson_id in order
        if source[lesson_id].type == "checklist"
    ]
    separators = max(len(quiz_parts) - 1, 0) + max(len(checklist_parts) - 1, 0)
    return len("v1;") + -(-len(order) // 4) + 1 + sum(quiz_parts) + 1 + sum(checklist_parts) + separators


def _checklist_context(lesson, language: str) -> dict:
    """The shared checklist form (answered by lesson.js in a package) and the data lesson.js reads."""
    gettext = _translations(language).ugettext
    checklist = lesson.activity
    return {
        "package": True,
        "checklist": {"checklist": checklist, "answers": {}, "summary": None, "form": None},
        "checklist_data": {
            "lesson": lesson.id,
            "themes": [len(theme.statements) for theme in checklist.themes],
            "scale": len(checklist.scale),
            "percent": gettext("%(percent)d%%") % {"percent": PERCENT_SENTINEL},
        },
    }


def _descriptions(course: Course, language: str) -> dict:
    """Each question's prompt as plain text in the package's language (SCORM 2004 interaction descriptions)."""
    found = {}
    for lesson_id in course.quiz_ids():
        lesson = course.lesson(lesson_id, language)
        for question in lesson.activity.questions:
            text = _plain_text(question.prompt_html, DESCRIPTION_LENGTH)
            found[f"{lesson_id}/{question.id}"] = f"{{lang={lesson.language}}}{text}" if text else ""
    return found


def _quiz_data(lesson) -> dict:
    """What the package's script needs to grade a quiz (there is no server inside a package) and to follow the
    quiz's review rule (``reveal``, the same rule as the site's ``Quiz.answers_revealed``).

    Feedback is not here: the page holds it as sanitised HTML in <template> elements the script copies.
    """
    quiz = lesson.activity
    data = {
        "lesson": lesson.id,
        "passMark": quiz.pass_mark,
        "maxAttempts": quiz.max_attempts,
        "reveal": quiz.reveal_answers,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind,
                "options": [{"key": o.key, "correct": o.correct} for o in q.options],
                "accepted": list(q.accepted),
                "number": q.number,
                "tolerance": q.tolerance,
            }
            for q in quiz.questions
        ],
    }
    return data


def _quiz_messages(language: str, quiz) -> dict:
    """The sentences the quiz script shows, translated here because the script has no catalogue."""
    translations = _translations(language)
    gettext, ngettext = translations.ugettext, translations.ungettext
    most = quiz.max_attempts or 0
    messages = {
        "passed": gettext("Passed."),
        "notPassed": gettext("Not passed yet."),
        "right": gettext("Right"),
        "wrong": gettext("Not right"),
        # The script puts the number where the sentinel stands, wherever the language places it.
        "result": gettext("Your result: %(percent)d%%") % {"percent": PERCENT_SENTINEL},
        "passMark": gettext("The pass mark is %(percent)d%%.") % {"percent": PERCENT_SENTINEL},
        "noAttempts": gettext("You have used every attempt at this quiz."),
        "rightAnswer": gettext("Right answer:"),
        "best": gettext("Your best result: %(percent)d%%") % {"percent": PERCENT_SENTINEL},
        "review": gettext("You are reviewing this course: nothing you do here changes your record."),
        "attemptsLeft": {
            str(n): ngettext("%(num)d attempt left", "%(num)d attempts left", n) % {"num": n}
            for n in range(most + 1)
        },
    }
    return messages


def _environment(language: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader([HERE / "templates", SITE_TEMPLATES]),
        # Every value is escaped for HTML, whatever the template's name; data for scripts goes through
        # script_json. The only unescaped HTML is the sanitiser's output (tests/security/test_escaping.py).
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(_translations(language), newstyle=True)
    environment.filters["script_json"] = script_json
    return environment


# Characters that could end a <script> element, open a comment or an entity, or end a line in old JavaScript.
_SCRIPT_UNSAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value) -> Markup:
    """``value`` as JSON that is inert inside any <script> element and in an HTML attribute in quotes."""
    return Markup(json.dumps(value, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_UNSAFE))


@lru_cache(maxsize=8)
def _translations(language: str):
    """The interface catalogue of ``language``, read from its .po file (no compile step needed)."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def deterministic_zip(files: dict) -> bytes:
    """A zip whose bytes depend only on ``files``: sorted entries, fixed dates and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
