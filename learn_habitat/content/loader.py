"""Read course folders into immutable :class:`Course` objects, collecting every problem on the way.

The same pass serves the site (which keeps the valid courses) and the checker (which prints the
problems), so what the checker accepts is exactly what the site can serve.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import pickle
import re
import reprlib
import threading
from pathlib import Path

from learn_habitat import activities as activity_plugins
from learn_habitat.activities.base import LessonSource
from learn_habitat.content.course_files import (
    UnsafeCourseFile,
    check_course_folder,
    read_course_file,
    regular_files,
    unsafe_entries,
)
from learn_habitat.content.errors import WARNING, CourseError, Problem, sort_problems
from learn_habitat.content.figures import FigureSet, svg_has_text, variant_name
from learn_habitat.content.language_checks import accepted_answer_problems, punctuation_problems
from learn_habitat.content.media import media_file_problems
from learn_habitat.content.metadata import (
    COURSE_METADATA_KEYS,
    LESSON_METADATA_KEYS,
    parse_course_metadata,
    parse_lesson_metadata,
)
from learn_habitat.content.model import (
    SUPPORTED_LANGUAGES,
    Course,
    CourseLibrary,
    Lesson,
    Module,
    frozen_mapping,
)
from learn_habitat.content.render import LessonRenderer, MarkdownTooDeep, complexity_problem
from learn_habitat.content.termbase import TERMBASE_FILE, lesson_term_problems, read_termbase
from learn_habitat.content.translations import TRANSLATION_KEY, fingerprint
from learn_habitat.content.yamlsource import (
    YamlSyntaxError,
    item_line,
    key_line,
    parse_yaml,
    split_front_matter,
    unknown_key_problems,
)

COURSE_FILE = "course.yaml"
MEDIA_FOLDER = "media"
IDENTIFIER = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}\Z")

COURSE_KEYS = frozenset(
    {
        "id",
        "version",
        "source_language",
        "title",
        "summary",
        "duration_minutes",
        "enrolment",
        "modules",
        "completion",
    }
    | COURSE_METADATA_KEYS
)
REQUIRED_COURSE_KEYS = ("id", "version", "source_language", "title", "modules")
MODULE_KEYS = frozenset({"id", "title", "lessons"})
COMPLETION_KEYS = frozenset({"rule", "min_average"})
COMPLETION_RULES = frozenset({"all-lessons", "quiz-average"})
ENROLMENT_MODES = ("open", "key", "closed")
# Lesson ids that would clash with the site's own addresses under /courses/<course>/.
RESERVED_LESSON_IDS = frozenset({"media", "continue", "certificate", "enrol", "unenrol", "index", "assets"})
LESSON_KEYS = frozenset({"title", "type", "minutes"}) | LESSON_METADATA_KEYS
# Far above what a course needs, and what keeps the loader quick on any input (tests/fuzz/): a file is read
# only up to this size, and YAML (pure-Python PyYAML parses about 5,000 lines a second) only up to this length.
MAX_FILE_BYTES = 1_000_000
MAX_YAML_LINES = 5_000
UNEXPLAINED_REFUSAL = "no other problem says why; please report this as a bug in learn-habitat"


class _ShortRepr(reprlib.Repr):
    """Values quoted in messages are shortened: YAML aliases can make a small file hold a huge nested value.

    reprlib picks a method by type name, and the YAML collections are list and dict subclasses.
    """

    def repr_LineList(self, value, level):  # noqa: N802 - reprlib's naming
        return self.repr_list(value, level)

    def repr_LineDict(self, value, level):  # noqa: N802 - reprlib's naming
        return self.repr_dict(value, level)


_SHORT = _ShortRepr()
_SHORT.maxstring = _SHORT.maxother = 80
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 4, 4


def load_course(
    folder: str | Path, lesson_href: str = "{lesson}", media_href: str = "media/{name}", languages=None
) -> Course:
    """Load one course folder; raise :class:`CourseError` listing every problem if it is not valid.

    ``languages`` limits which translations are read (the source language is always read).
    """
    course, problems = read_course(Path(folder), lesson_href, media_href, languages)
    if course is None:
        raise CourseError(problems)
    return course


def load_library(
    root: str | Path, lesson_href: str = "{lesson}", media_href: str = "media/{name}"
) -> CourseLibrary:
    """Load every course folder under ``root``; broken courses are left out and their problems kept."""
    root = Path(root)
    if not root.is_dir():
        return CourseLibrary(frozen_mapping(), (Problem(str(root), 1, "no such folder of courses"),))
    courses, problems = {}, list(read_termbase(root / TERMBASE_FILE)[1])
    # is_dir() follows links on purpose: a link to a folder is read as a course, and refused with a problem.
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    for course, found in read_courses(folders, lesson_href, media_href):
        problems.extend(found)
        if course is not None:
            courses[course.id] = course
    return CourseLibrary(frozen_mapping(courses), tuple(sort_problems(problems)))


# Below this much Markdown a second process costs more than it saves (it starts and imports the pipeline).
PARALLEL_MIN_BYTES = 256 * 1024


def read_courses(
    folders, lesson_href: str = "{lesson}", media_href: str = "media/{name}", parallel: bool | None = None
) -> list[tuple]:
    """:func:`read_course` of each folder, in order. Several courses are read by several processes (one
    per core): rendering is CPU work, and a server starting with no rendered courses kept waits for it.
    ``parallel`` forces one way or the other; by default processes are used when they can only help."""
    folders = list(folders)
    workers = min(len(folders), os.cpu_count() or 1)
    if parallel is None:
        # The readers are forked (no second import of the pipeline, no re-run of the caller's main module),
        # so only from a process that runs no other thread: a fork copies no thread, but it copies their locks.
        parallel = (
            workers > 1 and threading.active_count() == 1 and _markdown_bytes(folders) >= PARALLEL_MIN_BYTES
        )
    if not parallel or len(folders) < 2:
        return [read_course(folder, lesson_href, media_href) for folder in folders]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    read = partial(_read_course_pickled, lesson_href=lesson_href, media_href=media_href)
    with ProcessPoolExecutor(max(workers, 2), mp_context=multiprocessing.get_context("fork")) as pool:
        return [pickle.loads(data) for data in pool.map(read, folders)]  # noqa: S301 - from our own child


def _read_course_pickled(folder, lesson_href, media_href) -> bytes:
    from learn_habitat.content.snapshot import pickled

    return pickled(read_course(folder, lesson_href, media_href))


def _markdown_bytes(folders) -> int:
    total = 0
    for folder in folders:
        for dirpath, _dirnames, filenames in os.walk(folder):  # never follows links
            total += sum(
                os.lstat(os.path.join(dirpath, name)).st_size for name in filenames if name.endswith(".md")
            )
    return total


def check_courses(path: str | Path) -> list[Problem]:
    """Every problem in the course folder ``path``, or in every course under it."""
    path = Path(path)
    if os.path.lexists(path / COURSE_FILE):  # lexists: a course.yaml that is a link is reported, not skipped
        return sort_problems(read_course(path)[1] + read_termbase(path.parent / TERMBASE_FILE)[1])
    return list(load_library(path).problems)


def read_course(
    folder: Path, lesson_href: str = "{lesson}", media_href: str = "media/{name}", languages=None
):
    """Read one course folder: ``(course or None, problems)``; the course is ``None`` if any problem is an error."""
    reader = _CourseReader(folder, lesson_href, media_href, languages)
    course = reader.read()
    if any(problem.is_error for problem in reader.problems):
        course = None
    elif course is None:
        # Every refusal must say why: a course must never vanish from the site without a problem. Reaching
        # this is a bug in the reader (tests/fuzz/test_course_properties.py looks for this message).
        reader.problem(folder, 1, f"the course cannot be loaded: {UNEXPLAINED_REFUSAL}")
    return course, sort_problems(reader.problems)


class _CourseReader:
    def __init__(self, folder: Path, lesson_href: str, media_href: str, languages=None):
        self.folder = folder
        self.only_languages = frozenset(languages) if languages else None
        self.course_file = folder / COURSE_FILE
        self.lesson_href = lesson_href
        self.media_href = media_href
        self.problems: list[Problem] = []
        self.source_language: str | None = None
        # (language, lesson id) -> (source, rendered): kept while loading for the cross-lesson checks.
        self._references: dict = {}
        self._front_matters: dict = {}
        # Relative names already reported as links or special files, so reading them adds no second problem.
        self._unsafe: set[str] = set()
        self._media_found: set[str] = set()  # every name under media/, usable or not
        self.media_files: list[str] = []  # names under media/ that may be served and bundled
        self._media_with_text: set[str] = set()  # SVGs that show text: translated as variants (figures.py)
        self.figures = FigureSet()
        self._lesson_texts: dict[str, str] = {}  # path -> the lesson file's text, for the termbase
        # The shared glossary beside the course folders (courses/termbase.yaml); its problems are reported once,
        # by load_library and check_courses, not by every course.
        self.termbase = read_termbase(folder.parent / TERMBASE_FILE)[0]

    def problem(self, path, line: int, message: str):
        self.problems.append(Problem(str(path), line, message))

    # course.yaml ------------------------------------------------------------------------------

    def read(self) -> Course | None:
        try:
            check_course_folder(self.folder)
        except UnsafeCourseFile as exc:
            self.problem(self.folder, 1, f"the course folder {exc}")
            return None
        self._check_files()
        if not os.path.lexists(self.course_file):
            self.problem(self.folder, 1, f"a course folder needs a {COURSE_FILE}")
            return None
        meta = self._read_yaml_file(self.course_file)
        if meta is None:
            if not self.problems:
                # An empty file (or only comments) parses to nothing without a syntax error: the course was
                # left out with no problem to say why (found by tests/fuzz/test_course_properties.py).
                self.problem(
                    self.course_file, 1, f"{COURSE_FILE} is empty: it needs {', '.join(REQUIRED_COURSE_KEYS)}"
                )
            return None
        if not isinstance(meta, dict):
            self.problem(self.course_file, 1, f"{COURSE_FILE} must be a mapping of keys to values")
            return None
        self.problems += unknown_key_problems(str(self.course_file), meta, COURSE_KEYS, COURSE_FILE)
        for key in REQUIRED_COURSE_KEYS:
            if key not in meta:
                self.problem(self.course_file, 1, f"missing required key {key!r}")
        if any(key not in meta for key in REQUIRED_COURSE_KEYS):
            return None

        course_id = self._course_id(meta)
        version = self._version(meta)
        source_language = self._language_key(meta, "source_language")
        titles = self._texts(meta, "title", source_language, required=True)
        summaries = self._texts(meta, "summary", source_language, required=False)
        metadata, metadata_problems = parse_course_metadata(meta, str(self.course_file), source_language)
        self.problems += metadata_problems
        modules = self._modules(meta, source_language)
        completion = self._completion(meta)
        enrolment = self._enrolment(meta)
        languages = self._language_folders(source_language)
        if None in (course_id, version, source_language, titles, modules, enrolment) or languages is None:
            return None

        self.source_language = source_language
        self.figures = FigureSet(
            frozenset(self.media_files), frozenset(self._media_with_text), source_language
        )
        listed = {lesson_id: line for module, lines in modules for lesson_id, line in lines.items()}
        lessons = {}
        for language in languages:
            lessons[language] = self._read_language(language, listed, source_language)
        source_lessons = lessons.get(source_language, {})
        self._check_references(lessons, source_language, set(listed))
        self._check_translations(lessons, source_language)
        quizzes = [lesson for lesson in source_lessons.values() if lesson.type == "quiz"]
        if completion.get("rule") == "quiz-average" and not quizzes:
            self.problem(
                self.course_file, key_line(meta, "completion"), "rule 'quiz-average' needs at least one quiz"
            )
        if any(p.is_error for p in self.problems):
            return None

        duration = meta.get("duration_minutes")
        if duration is None:
            duration = sum(lesson.minutes for lesson in source_lessons.values())
        return Course(
            id=course_id,
            version=version,
            source_language=source_language,
            titles=frozen_mapping(titles),
            summaries=frozen_mapping(summaries or {}),
            duration_minutes=duration,
            modules=tuple(module for module, _ in modules),
            completion=frozen_mapping(completion),
            enrolment=enrolment,
            lessons=frozen_mapping(
                (language, frozen_mapping((lid, by_id[lid]) for lid in listed if lid in by_id))
                for language, by_id in lessons.items()
                if by_id
            ),
            path=str(self.folder),
            media_dir=str(self.folder / MEDIA_FOLDER),
            media_files=frozenset(self.media_files),
            metadata=metadata,
        )

    def _check_files(self) -> None:
        """Report every link and special file in the course; list the media that may be served."""
        for entry in unsafe_entries(self.folder):
            self._unsafe.add(entry.relative)
            self.problem(self.folder / entry.relative, 1, entry.message)
        prefix = MEDIA_FOLDER + "/"
        for relative in regular_files(self.folder, MEDIA_FOLDER):
            self._media_found.add(relative[len(prefix) :])
            if relative in self._unsafe:
                continue
            try:
                problems = media_file_problems(self.folder, relative)
            except UnsafeCourseFile as exc:
                problems = [(1, str(exc))]
            except OSError as exc:
                problems = [(1, f"cannot be read: {exc.strerror or exc}")]
            for line, message in problems:
                self.problem(self.folder / relative, line, message)
            if not problems:
                self.media_files.append(relative[len(prefix) :])
                if relative.lower().endswith(".svg") and svg_has_text(
                    read_course_file(self.folder, relative)
                ):
                    self._media_with_text.add(relative[len(prefix) :])
        self._media_found.update(name[len(prefix) :] for name in self._unsafe if name.startswith(prefix))

    def _read_text(self, path: Path) -> str | None:
        """The file's text, or ``None`` after recording why it cannot be used.

        Read through :mod:`course_files`: never through a link, never from a FIFO or device.
        """
        relative = path.relative_to(self.folder).as_posix()
        try:
            data = read_course_file(self.folder, relative, MAX_FILE_BYTES)
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.problem(path, 1, "the file is not valid UTF-8")
        except UnsafeCourseFile as exc:
            if relative not in self._unsafe:  # a link or FIFO was reported by _check_files already
                self.problem(path, 1, str(exc).removeprefix(relative + " "))
        except OSError as exc:  # a folder named like a lesson, no permission
            self.problem(path, 1, f"cannot be read: {exc.strerror or exc}")
        return None

    def _read_yaml_file(self, path: Path, text: str | None = None, first_line: int = 1):
        if text is None:
            text = self._read_text(path)
            if text is None:
                return None
        lines = text.count("\n") + 1
        if lines > MAX_YAML_LINES:
            self.problem(
                path,
                first_line + MAX_YAML_LINES,
                f"too much YAML: {lines:,} lines where at most {MAX_YAML_LINES:,} are read",
            )
            return None
        try:
            return parse_yaml(text, first_line)
        except YamlSyntaxError as exc:
            self.problem(path, exc.line, str(exc))
        return None

    def _course_id(self, meta):
        course_id = meta["id"]
        line = key_line(meta, "id")
        if not isinstance(course_id, str) or not IDENTIFIER.match(course_id):
            self.problem(self.course_file, line, "id must be lowercase letters, digits and hyphens")
            return None
        if course_id != self.folder.name:
            self.problem(
                self.course_file, line, f"id {course_id!r} must equal the folder name {self.folder.name!r}"
            )
            return None
        return course_id

    def _version(self, meta):
        version = meta["version"]
        # It is written into pages, scripts, storage keys and the manifest's identifier (an XML name).
        if not isinstance(version, str) or not VERSION.match(version):
            self.problem(
                self.course_file,
                key_line(meta, "version"),
                'version must be a quoted string such as "1.0.0": up to 40 letters, digits, dots, '
                "hyphens and underscores, starting with a letter or digit",
            )
            return None
        return version

    def _language_key(self, meta, key):
        value = meta[key]
        if value not in SUPPORTED_LANGUAGES:
            self.problem(self.course_file, key_line(meta, key), _unsupported_language(value))
            return None
        return value

    def _texts(self, meta, key, source_language, required):
        value = meta.get(key)
        line = key_line(meta, key)
        if value is None and not required:
            return {}
        # A required key left empty ('title:') is None too: it used to drop the course without a problem
        # (found by tests/fuzz/test_course_properties.py).
        if not isinstance(value, dict) or not value:
            self.problem(self.course_file, line, f"{key} must map language codes to text, e.g. 'en: ...'")
            return None
        texts = {}
        for language, text in value.items():
            if language not in SUPPORTED_LANGUAGES:
                self.problem(self.course_file, key_line(value, language), _unsupported_language(language))
            elif not isinstance(text, str) or not text.strip():
                self.problem(self.course_file, key_line(value, language), f"{key}.{language} must be text")
            else:
                texts[language] = text.strip()
        if source_language and source_language not in value:
            self.problem(
                self.course_file, line, f"{key} has no text in the source language {source_language!r}"
            )
            return None
        return texts if len(texts) == len(value) else None

    def _modules(self, meta, source_language):
        modules_value = meta["modules"]
        if not isinstance(modules_value, list) or not modules_value:
            self.problem(self.course_file, key_line(meta, "modules"), "modules must be a non-empty list")
            return None
        modules, module_lines, lesson_lines = [], {}, {}
        ok = True
        for index, entry in enumerate(modules_value):
            line = item_line(modules_value, index)
            if not isinstance(entry, dict):
                self.problem(
                    self.course_file, line, "each module must be a mapping with id, title and lessons"
                )
                ok = False
                continue
            self.problems += unknown_key_problems(str(self.course_file), entry, MODULE_KEYS, "a module")
            module_id = entry.get("id")
            if not isinstance(module_id, str) or not IDENTIFIER.match(module_id):
                self.problem(
                    self.course_file, line, "a module needs an id of lowercase letters, digits and hyphens"
                )
                ok = False
            elif module_id in module_lines:
                self.problem(
                    self.course_file,
                    key_line(entry, "id"),
                    f"duplicate module id {module_id!r} (first on line {module_lines[module_id]})",
                )
                ok = False
            else:
                module_lines[module_id] = key_line(entry, "id")
            titles = self._module_titles(entry, line, source_language)
            lessons = self._module_lessons(entry, line, lesson_lines)
            if titles is None or lessons is None:
                ok = False
                continue
            module = Module(module_id, frozen_mapping(titles), tuple(lessons))
            modules.append((module, lessons))
        return modules if ok else None

    def _module_titles(self, entry, line, source_language):
        titles = entry.get("title")
        if not isinstance(titles, dict) or source_language not in titles:
            self.problem(
                self.course_file,
                key_line(entry, "title", line),
                f"a module needs a title with '{source_language}:'",
            )
            return None
        for language in titles:
            if language not in SUPPORTED_LANGUAGES:
                self.problem(self.course_file, key_line(titles, language), _unsupported_language(language))
                return None
        return {language: str(text) for language, text in titles.items()}

    def _module_lessons(self, entry, line, seen):
        lessons = entry.get("lessons")
        if not isinstance(lessons, list) or not lessons:
            self.problem(
                self.course_file, key_line(entry, "lessons", line), "a module needs a list of lessons"
            )
            return None
        found = {}
        for index, lesson_id in enumerate(lessons):
            lesson_line = item_line(lessons, index)
            if not isinstance(lesson_id, str) or not IDENTIFIER.match(lesson_id):
                self.problem(
                    self.course_file, lesson_line, "a lesson id is lowercase letters, digits and hyphens"
                )
            elif lesson_id in seen:
                self.problem(
                    self.course_file,
                    lesson_line,
                    f"duplicate lesson id {lesson_id!r} (first on line {seen[lesson_id]})",
                )
            else:
                seen[lesson_id] = lesson_line
                found[lesson_id] = lesson_line
        return found if len(found) == len(lessons) else None

    def _completion(self, meta):
        completion = meta.get("completion")
        if completion is None:
            return {"rule": "all-lessons"}
        if not isinstance(completion, dict):
            self.problem(self.course_file, key_line(meta, "completion"), "completion must be a mapping")
            return {}
        self.problems += unknown_key_problems(
            str(self.course_file), completion, COMPLETION_KEYS, "completion"
        )
        rule = completion.get("rule", "all-lessons")
        if rule not in COMPLETION_RULES:
            self.problem(
                self.course_file,
                key_line(completion, "rule"),
                f"unknown completion rule {_SHORT.repr(rule)} (known: {', '.join(sorted(COMPLETION_RULES))})",
            )
        minimum = completion.get("min_average")
        if rule == "quiz-average":
            if isinstance(minimum, bool) or not isinstance(minimum, int) or not 1 <= minimum <= 100:
                self.problem(
                    self.course_file,
                    key_line(completion, "min_average", key_line(completion, "rule")),
                    "rule 'quiz-average' needs min_average: a whole number from 1 to 100 (percent)",
                )
        elif minimum is not None:
            self.problem(
                self.course_file,
                key_line(completion, "min_average"),
                "min_average only applies to rule 'quiz-average'",
            )
        return {"rule": rule, **({"min_average": minimum} if minimum is not None else {})}

    def _enrolment(self, meta):
        mode = meta.get("enrolment", "open")
        if mode not in ENROLMENT_MODES:
            self.problem(
                self.course_file,
                key_line(meta, "enrolment"),
                f"enrolment must be one of {', '.join(ENROLMENT_MODES)}, not {_SHORT.repr(mode)}",
            )
            return None
        return mode

    def _language_folders(self, source_language):
        languages = []
        for entry in sorted(self.folder.iterdir()):
            if (
                entry.is_symlink()
                or not entry.is_dir()
                or entry.name == MEDIA_FOLDER
                or entry.name.startswith(".")
            ):
                continue
            if entry.name not in SUPPORTED_LANGUAGES:
                self.problem(
                    entry, 1, _unsupported_language(entry.name) + " (language folders are named by code)"
                )
                continue
            if (
                self.only_languages is None
                or entry.name in self.only_languages
                or entry.name == source_language
            ):
                languages.append(entry.name)
        if source_language and source_language not in languages:
            self.problem(self.folder, 1, f"no folder {source_language}/ for the source language")
            return None
        return languages

    # lessons ----------------------------------------------------------------------------------

    def _read_language(self, language, listed, source_language):
        folder = self.folder / language
        files = {path.stem: path for path in sorted(folder.glob("*.md"))}
        for stem, path in files.items():
            if stem not in listed:
                message = f"lesson file {path.name} is not listed in any module of {COURSE_FILE}"
                close = difflib.get_close_matches(stem, [lid for lid in listed if lid not in files], n=1)
                if close:
                    message += f"; is it {close[0]!r}?"
                self.problem(path, 1, message)
        if language == source_language:
            for lesson_id, line in listed.items():
                if lesson_id not in files:
                    message = f"lesson {lesson_id!r} is listed but {language}/{lesson_id}.md does not exist"
                    close = difflib.get_close_matches(lesson_id, [s for s in files if s not in listed], n=1)
                    if close:
                        message += f"; did you mean {close[0]!r}?"
                    self.problem(self.course_file, line, message)
        renderers = {}
        lessons = {}
        for lesson_id in listed:
            if lesson_id in files:
                lesson = self._read_lesson(lesson_id, language, files[lesson_id], renderers)
                if lesson is not None:
                    lessons[lesson_id] = lesson
        return lessons

    def _read_lesson(self, lesson_id, language, path: Path, renderers):
        text = self._read_text(path)
        if text is None:
            return None
        try:
            front_text, body, body_line = split_front_matter(text)
        except YamlSyntaxError as exc:
            self.problem(path, exc.line, str(exc))
            return None
        if front_text is None:
            self.problem(
                path, 1, "a lesson starts with front matter between '---' lines (title, type, minutes)"
            )
            return None
        front = self._read_yaml_file(path, front_text, first_line=2)
        if front is None and not any(p.path == str(path) for p in self.problems):
            self.problem(path, 2, "the front matter is empty: it needs title, type and minutes")
        if not isinstance(front, dict):
            if front is not None:
                self.problem(path, 2, "the front matter must be a mapping of keys to values")
            return None

        activity_name = front.get("type")
        activities = activity_plugins.activity_types()
        activity = activities.get(activity_name) if isinstance(activity_name, str) else None
        allowed = LESSON_KEYS | (activity.front_matter_keys if activity else frozenset())
        if language != self.source_language:
            allowed = allowed | {TRANSLATION_KEY}
        self.problems += unknown_key_problems(str(path), front, allowed, "the front matter")
        ok = True
        if activity is None:
            if activity_name is None:
                message = "missing required key 'type' (the activity type, e.g. 'page')"
            else:
                message = f"unknown activity type {_SHORT.repr(activity_name)}"
                typed = activity_name if isinstance(activity_name, str) else _SHORT.repr(activity_name)
                close = difflib.get_close_matches(typed, sorted(activities), n=1)
                message += f"; did you mean {close[0]!r}?" if close else ""
                message += f" (known: {', '.join(sorted(activities))})"
            self.problem(path, key_line(front, "type", 2), message)
            ok = False
        title = front.get("title")
        if not isinstance(title, str) or not title.strip():
            self.problem(path, key_line(front, "title", 2), "a lesson needs a title (text)")
            ok = False
        minutes = front.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
            self.problem(path, key_line(front, "minutes", 2), "minutes must be a whole number of at least 1")
            ok = False
        if not ok:
            return None

        renderer = renderers.get(activity_name)
        if renderer is None:
            renderer = LessonRenderer(
                self.lesson_href, self.media_href, activity.markdown_extensions(), language, self.figures
            )
            renderers[activity_name] = renderer
        source = LessonSource(lesson_id, language, str(path), front, body, body_line)
        too_complex = complexity_problem(body)
        if too_complex is not None:
            self.problem(path, body_line + too_complex[0], too_complex[1])
            return None
        try:
            rendered = renderer.render(body)
            data, problems = activity.build(source, rendered)
        except MarkdownTooDeep as exc:
            renderers.pop(activity_name, None)  # its Markdown object stopped half-way: start afresh
            self.problem(path, body_line, str(exc))
            return None
        except RecursionError:
            # A last resort: complexity_problem and the renderer's depth guard are meant to stop every
            # deep structure first, whatever python-markdown version is installed.
            renderers.pop(activity_name, None)
            self.problem(
                path,
                body_line,
                "the Markdown is nested too deeply to render; flatten its lists, quotes or emphasis",
            )
            return None
        for heading in rendered.headings:
            if heading.level == 1:
                self.problem(
                    path,
                    source.line_where(lambda line: line.startswith("# ")),
                    "a lesson body must not have a level-1 heading: the title is the page's heading; use '##'",
                )
        self.problems += problems
        for offset, message in rendered.markup_problems:
            self.problem(path, body_line + offset, message)
        extra = {key: value for key, value in front.items() if key not in LESSON_KEYS}
        lesson_metadata, metadata_problems = parse_lesson_metadata(front, str(path))
        self.problems += metadata_problems
        lesson = Lesson(
            id=lesson_id,
            language=language,
            title=title.strip(),
            type=activity_name,
            minutes=minutes,
            html=rendered.html,
            headings=rendered.headings,
            source_path=str(path),
            source_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            activity=data,
            front_matter=frozen_mapping(extra),
            metadata=lesson_metadata,
        )
        self._references[(language, lesson_id)] = (source, rendered)
        self._front_matters[str(path)] = front
        self._lesson_texts[str(path)] = text
        self.problems += punctuation_problems(str(path), text, language)
        return lesson

    def _check_translations(self, lessons, source_language):
        """Translations must match their source's activity; outdated ones are worth a warning."""
        source = lessons.get(source_language, {})
        for language, by_id in lessons.items():
            if language == source_language:
                continue
            for lesson_id, lesson in by_id.items():
                original = source.get(lesson_id)
                if original is None:
                    continue
                if lesson.type != original.type:
                    self.problem(
                        lesson.source_path,
                        self._front_line(lesson, "type"),
                        f"type {lesson.type!r} differs from the source lesson ({original.type!r})",
                    )
                elif lesson.type == "quiz":
                    self._check_quiz_translation(lesson, original)
                    self.problems += (
                        accepted_answer_problems(
                            lesson.activity,
                            original.activity,
                            self._references[(language, lesson_id)][0],
                            f"{source_language}/{lesson_id}.md",
                        )
                        if lesson.activity and original.activity
                        else []
                    )
                elif lesson.activity is not None and original.activity is not None:
                    activity = activity_plugins.activity_types()[lesson.type]
                    for message in activity.translation_problems(lesson.activity, original.activity):
                        self.problem(lesson.source_path, self._front_line(lesson, "type"), message)
                if self.termbase is not None:
                    self.problems += lesson_term_problems(
                        self.termbase,
                        self._lesson_texts[original.source_path],
                        f"{source_language}/{lesson_id}.md",
                        self._lesson_texts[lesson.source_path],
                        lesson.source_path,
                        language,
                    )
                recorded = lesson.front_matter.get(TRANSLATION_KEY)
                current = fingerprint(original.source_hash)
                if recorded != current:
                    state = (
                        "is not stamped"
                        if recorded is None
                        else f"translates {recorded}, but the source is now {current}"
                    )
                    self.problems.append(
                        Problem(
                            lesson.source_path,
                            self._front_line(lesson, TRANSLATION_KEY),
                            f"outdated translation: it {state}; update it from "
                            f"{source_language}/{lesson_id}.md, then run 'learn-habitat translations --stamp'",
                            WARNING,
                        )
                    )

    def _check_quiz_translation(self, lesson, original):
        """Grading must not depend on the language: same questions, kinds, options and right answers."""
        mine, theirs = lesson.activity, original.activity
        if mine is None or theirs is None:
            return

        def shape(quiz):
            return [
                (
                    q.kind,
                    tuple(o.correct for o in q.options),
                    q.number,
                    q.tolerance,
                    q.accepted if q.kind == "true-false" else (),
                )
                for q in quiz.questions
            ]

        if len(mine.questions) != len(theirs.questions):
            self.problem(
                lesson.source_path,
                1,
                f"the quiz has {len(mine.questions)} questions but its source has {len(theirs.questions)}",
            )
            return
        for question, mine_shape, their_shape in zip(mine.questions, shape(mine), shape(theirs), strict=True):
            if mine_shape != their_shape:
                self.problem(
                    lesson.source_path,
                    1,
                    f"question {question.id} differs from the source quiz in its type, options, right answers or number",
                )
        if (mine.pass_mark, mine.max_attempts) != (theirs.pass_mark, theirs.max_attempts):
            self.problem(
                lesson.source_path, 1, "pass_mark and max_attempts must be the same as in the source quiz"
            )

    def _front_line(self, lesson, key) -> int:
        front = self._front_matters.get(lesson.source_path)
        return key_line(front, key, 2) if front is not None else 1

    def _check_references(self, lessons, source_language, listed_ids):
        listed = lessons.get(source_language, {})
        for (language, _lesson_id), (source, rendered) in self._references.items():
            for written_as, why in rendered.bad_links:
                self.problem(
                    source.path, source.line_of(f"]({written_as}"), f"broken link {written_as!r}: {why}"
                )
            for link in rendered.links:
                line = source.line_of(f"]({link.written_as}")
                target = lessons[language].get(link.target) or listed.get(link.target)
                if target is None and link.target in listed_ids:
                    continue  # the target lesson is listed but broken: its own problem says why
                if target is None:
                    message = (
                        f"broken link {link.written_as!r}: there is no lesson {link.target!r} in this course"
                    )
                    close = difflib.get_close_matches(link.target, list(listed), n=1)
                    message += f"; did you mean '{close[0]}.md'?" if close else ""
                    self.problem(source.path, line, message)
                elif link.anchor and link.anchor not in {h.anchor for h in target.headings}:
                    self.problem(
                        source.path,
                        line,
                        f"broken link {link.written_as!r}: lesson {link.target!r} has no heading "
                        f"with the anchor {link.anchor!r}",
                    )
            for image in rendered.images:
                line = source.line_of(image.written_as)
                if image.problem:
                    self.problem(source.path, line, f"image {image.written_as!r}: {image.problem}")
                    continue
                if image.name not in self._media_found:
                    self.problem(source.path, line, f"missing file {MEDIA_FOLDER}/{image.name}")
                elif language != source_language and self.figures.choose(image.name, language)[1]:
                    self.problems.append(
                        Problem(
                            source.path,
                            line,
                            f"the figure {MEDIA_FOLDER}/{image.name} has text but no {language} variant: it is "
                            f"shown in {source_language} with a notice; add "
                            f"{MEDIA_FOLDER}/{variant_name(image.name, language)}",
                            WARNING,
                        )
                    )
                if not image.alt:
                    self.problem(
                        source.path,
                        line,
                        f"image {image.written_as!r} has no alt text: describe it in ![...]",
                    )


def _unsupported_language(code) -> str:
    return f"unsupported language code {_SHORT.repr(code)} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
