"""What every exporter shares: the package's pages, assets and a byte-for-byte reproducible zip."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

import learn_habitat
from learn_habitat.content import SUPPORTED_LANGUAGES, Course, load_course, text_direction

HERE = Path(__file__).resolve().parent
SITE_STYLESHEET = Path(learn_habitat.__file__).resolve().parent / "static" / "css" / "site.css"
TRANSLATIONS = Path(learn_habitat.__file__).resolve().parent / "translations"
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
            quiz_json=_quiz_json(lesson) if lesson.type == "quiz" else None,
            messages_json=_quiz_messages(language, lesson.activity) if lesson.type == "quiz" else None,
        ).encode("utf-8")
    files[LAUNCH_FILE] = (
        environment.get_template("index.html")
        .render(**common, config_json=json.dumps(config, ensure_ascii=False, sort_keys=True), order=order)
        .encode("utf-8")
    )
    files["assets/site.css"] = SITE_STYLESHEET.read_bytes()
    for asset in sorted((HERE / "assets").iterdir()):
        files[f"assets/{asset.name}"] = asset.read_bytes()
    media = Path(packaged.media_dir)
    if media.is_dir():
        for path in sorted(media.rglob("*")):
            if path.is_file():
                files[f"media/{path.relative_to(media).as_posix()}"] = path.read_bytes()
    return PackageContent(files, packaged, language, exporter.identifier(packaged, language))


def _runtime_config(course: Course, exporter: Exporter) -> dict:
    source = course.lessons[course.source_language]
    quizzes = {
        lesson_id: {
            "passMark": source[lesson_id].activity.pass_mark,
            "maxAttempts": source[lesson_id].activity.max_attempts,
        }
        for lesson_id in course.quiz_ids()
    }
    return {
        "api": exporter.api_version,
        "course": course.id,
        "version": course.version,
        "lessons": list(course.lesson_ids),
        "quizzes": quizzes,
        "completion": dict(course.completion),
    }


def _quiz_json(lesson) -> str:
    """What the package's script needs to grade a quiz (there is no server inside a package)."""
    quiz = lesson.activity
    data = {
        "lesson": lesson.id,
        "passMark": quiz.pass_mark,
        "maxAttempts": quiz.max_attempts,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind,
                "options": [
                    {"key": o.key, "correct": o.correct, "feedback": o.feedback_html} for o in q.options
                ],
                "accepted": list(q.accepted),
                "number": q.number,
                "tolerance": q.tolerance,
                "right": q.correct_feedback_html,
                "wrong": q.incorrect_feedback_html,
            }
            for q in quiz.questions
        ],
    }
    # Safe inside <script type="application/json">: no "</" can close the element early.
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def _quiz_messages(language: str, quiz) -> str:
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
        "attemptsLeft": {
            str(n): ngettext("%(num)d attempt left", "%(num)d attempts left", n) % {"num": n}
            for n in range(most + 1)
        },
    }
    return json.dumps(messages, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def _environment(language: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(_translations(language), newstyle=True)
    return environment


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
