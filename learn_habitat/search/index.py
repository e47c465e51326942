"""Search over a course library: an inverted index built once per library and page language, BM25 ranking,
and passages with the matched words marked.

The index of a language holds what a reader of that language sees: each course's title and summary, and each
lesson in that language, or in the course's source language where it is not translated (as the lesson pages
do). It is built the first time that language is searched and kept for the life of the library object
(libraries are immutable), so no request rebuilds it.
"""

from __future__ import annotations

import math
import threading
import weakref
from array import array
from bisect import bisect_left
from dataclasses import dataclass

from learn_habitat.content import Course, CourseLibrary
from learn_habitat.search.analysis import is_stop_term, query_terms, tokens
from learn_habitat.search.plain_text import sections

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 50
PAGE_SIZE = 10
TITLE_WEIGHT = 5  # a word in a title counts as often as five in the text
K1, B = 1.2, 0.75  # BM25's usual constants
PASSAGE_CHARS = 220
CONTEXT_CHARS = 60  # shown before the first marked word


@dataclass(frozen=True, slots=True)
class Section:
    """Where a section lies in a document's text, and its heading anchor (``None`` before the first)."""

    anchor: str | None
    heading: str
    start: int
    end: int


class Document:
    """One searchable page: a course (title and summary) or a lesson (title and text), analysed."""

    __slots__ = ("course_id", "lesson_id", "language", "title", "text", "sections", "terms", "starts", "ends")

    def __init__(self, course_id, lesson_id, language, title, text, sections_, terms, starts, ends):
        self.course_id: str = course_id
        self.lesson_id: str | None = lesson_id  # None for the course itself
        self.language: str = language
        self.title: str = title
        self.text: str = text
        self.sections: tuple[Section, ...] = sections_
        self.terms: array = terms  # term ids of the text, in reading order ...
        self.starts: array = starts  # ... and where each one's word starts ...
        self.ends: array = ends  # ... and ends in ``text``


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a title or passage; ``marked`` pieces matched the query."""

    text: str
    marked: bool = False


@dataclass(frozen=True)
class Hit:
    """One result: a course or a lesson, its title and a passage with the matched words marked."""

    course_id: str
    course_title: str
    lesson_id: str | None
    language: str  # the language of the title and passage (the source language when not translated)
    title: tuple[Part, ...]
    anchor: str | None
    heading: str
    passage: tuple[Part, ...]
    passage_cut_before: bool
    passage_cut_after: bool


@dataclass(frozen=True)
class SearchPage:
    """One page of results for a query."""

    query: str  # as searched: whitespace collapsed, cut to MAX_QUERY_LENGTH
    shortened: bool  # the query was longer and was cut
    searched: bool  # the query had at least one word (not empty, not only punctuation)
    total: int  # matches, at most MAX_RESULTS
    capped: bool  # there were more than MAX_RESULTS matches; the best are kept
    page: int
    pages: int
    hits: tuple[Hit, ...]


def search(library: CourseLibrary, query: str, language: str, page: int = 1) -> SearchPage:
    """The ``page``-th page of courses and lessons in ``language`` that contain every word of ``query``."""
    query = str(query or "")
    # Cut before splitting too, so a huge query string costs no more than a long one.
    query = " ".join(query[: MAX_QUERY_LENGTH * 8].split())
    shortened = len(query) > MAX_QUERY_LENGTH
    query = query[:MAX_QUERY_LENGTH].rstrip()
    index = _library_index(library).for_language(library, language)
    ranked, searched = index.rank(query)
    capped = len(ranked) > MAX_RESULTS
    ranked = ranked[:MAX_RESULTS]
    pages = max(1, math.ceil(len(ranked) / PAGE_SIZE))
    page = min(max(1, page), pages)
    hits = tuple(
        index.hit(library.get(index.documents[number].course_id), number, wanted, language)
        for number, wanted in ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    return SearchPage(query, shortened, searched, len(ranked), capped, page, pages, hits)


def build_index(library: CourseLibrary, languages) -> None:
    """Build the indexes of ``languages`` now rather than at their first search (start-up, benchmarks)."""
    library_index = _library_index(library)
    for language in languages:
        library_index.for_language(library, language)


class LanguageIndex:
    """The documents a reader of one language sees, and the postings of their terms."""

    def __init__(self, vocabulary: dict[str, int], documents: list[Document]):
        self.vocabulary = vocabulary  # shared by the library's languages: read-only once built
        self.documents = tuple(documents)
        # term id -> document number -> weighted term frequency (title words count TITLE_WEIGHT times)
        self.postings: dict[int, dict[int, int]] = {}
        self.lengths = array("I")
        self.by_language: dict[str, list[int]] = {}
        for number, document in enumerate(self.documents):
            self.by_language.setdefault(document.language, []).append(number)
            counts: dict[int, int] = {}
            for term_id in document.terms:
                counts[term_id] = counts.get(term_id, 0) + 1
            title_terms = [
                vocabulary.setdefault(t.term, len(vocabulary))
                for t in tokens(document.title, document.language)
            ]
            for term_id in title_terms:
                counts[term_id] = counts.get(term_id, 0) + TITLE_WEIGHT
            for term_id, count in counts.items():
                self.postings.setdefault(term_id, {})[number] = count
            self.lengths.append(len(document.terms) + TITLE_WEIGHT * len(title_terms))
        self.average_length = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0

    def rank(self, query: str) -> tuple[list[tuple[int, dict[int, str]]], bool]:
        """Matching document numbers, best first, each with the terms to mark (by id); and whether the query
        had any word at all.

        Every word must match, except function words ("the", "de", "и"), which only add to the score, are not
        marked and are needed only when the query has nothing else.
        """
        total = len(self.documents)
        scored: list[tuple[float, int, dict[int, str]]] = []
        searched = False
        # Documents are analysed in their own language (a lesson shown in its source language is stemmed as
        # that language), so the query is analysed once for each language present.
        for language, members in self.by_language.items():
            terms = query_terms(query, language)
            searched = searched or bool(terms)
            required = [term for term in terms if not is_stop_term(term, language)] or terms
            # The vocabulary is shared by the library's languages: a known term may be absent from this one.
            found = {term: self.postings.get(self.vocabulary.get(term, -1)) for term in terms}
            if not required or any(found[term] is None for term in required):
                continue
            postings = [posting for posting in found.values() if posting is not None]
            wanted = {self.vocabulary[term]: term for term in required}
            candidates = set(members).intersection(*(self.postings[term_id] for term_id in wanted))
            for number in candidates:
                score = sum(self._bm25(posting, number, total) for posting in postings)
                scored.append((score, number, wanted))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(number, wanted) for _score, number, wanted in scored], searched

    def _bm25(self, posting: dict[int, int], number: int, total: int) -> float:
        frequency = posting.get(number, 0)
        if not frequency:
            return 0.0
        idf = math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
        norm = K1 * (1 - B + B * self.lengths[number] / self.average_length)
        return idf * frequency * (K1 + 1) / (frequency + norm)

    def hit(self, course: Course, number: int, wanted: dict[int, str], language: str) -> Hit:
        """A result for a document, its title and best passage marked."""
        document = self.documents[number]
        wanted_terms = set(wanted.values())
        title_marks = [
            (t.start, t.end) for t in tokens(document.title, document.language) if t.term in wanted_terms
        ]
        section, start, end, marks = _passage(document, wanted)
        return Hit(
            course_id=course.id,
            course_title=course.title(language),
            lesson_id=document.lesson_id,
            language=document.language,
            title=_parts(document.title, 0, len(document.title), title_marks),
            anchor=section.anchor if section else None,
            heading=section.heading if section else "",
            passage=_parts(document.text, start, end, marks),
            passage_cut_before=bool(section) and start > section.start,
            passage_cut_after=bool(section) and end < section.end,
        )


class LibraryIndex:
    """The indexes of one library, one per page language, built on first use; analysed documents shared."""

    def __init__(self):
        self._lock = threading.Lock()
        self._vocabulary: dict[str, int] = {}
        self._documents: dict[tuple, Document] = {}
        self._languages: dict[str, LanguageIndex] = {}

    def for_language(self, library: CourseLibrary, language: str) -> LanguageIndex:
        """The index for readers of ``language``, built once."""
        index = self._languages.get(language)
        if index is None:
            with self._lock:  # one build per language, even when the first searches come together
                index = self._languages.get(language)
                if index is None:
                    documents = [self._document(key, make) for key, make in _documents_for(library, language)]
                    index = self._languages[language] = LanguageIndex(self._vocabulary, documents)
        return index

    def _document(self, key, make) -> Document:
        document = self._documents.get(key)
        if document is None:
            document = self._documents[key] = _analyse(*make(), self._vocabulary)
        return document


_library_indexes: dict[int, LibraryIndex] = {}
_library_indexes_lock = threading.Lock()


def _library_index(library: CourseLibrary) -> LibraryIndex:
    # Kept as long as the library lives (the app keeps it; tests share one), dropped with it.
    key = id(library)
    with _library_indexes_lock:
        found = _library_indexes.get(key)
        if found is None:
            found = _library_indexes[key] = LibraryIndex()
            weakref.finalize(library, _library_indexes.pop, key, None)
        return found


def _documents_for(library: CourseLibrary, language: str):
    """(key, maker) for each document a reader of ``language`` sees, in catalogue order."""
    for course in sorted(library, key=lambda course: course.id):
        course_language = language if language in course.titles else course.source_language
        yield (
            (course.id, None, course_language),
            lambda course=course, course_language=course_language: (
                course.id,
                None,
                course_language,
                course.titles[course_language],
                [(None, "", course.summary(course_language))],
            ),
        )
        for lesson_id in course.lesson_ids:
            lesson = course.lesson(lesson_id, language)
            yield (
                (course.id, lesson_id, lesson.language),
                lambda course=course, lesson=lesson: (
                    course.id,
                    lesson.id,
                    lesson.language,
                    lesson.title,
                    [(s.anchor, s.heading, s.text) for s in sections(lesson.html)],
                ),
            )


def _analyse(course_id, lesson_id, language, title, texts, vocabulary) -> Document:
    pieces, found_sections = [], []
    terms, starts, ends = array("I"), array("I"), array("I")
    offset = 0
    for anchor, heading, text in texts:
        if not text:
            continue
        found_sections.append(Section(anchor, heading, offset, offset + len(text)))
        for token in tokens(text, language):
            terms.append(vocabulary.setdefault(token.term, len(vocabulary)))
            starts.append(offset + token.start)
            ends.append(offset + token.end)
        pieces.append(text)
        offset += len(text) + 1
    return Document(
        course_id, lesson_id, language, title, "\n".join(pieces), tuple(found_sections), terms, starts, ends
    )


def _passage(document: Document, wanted: dict[int, str]):
    """The section, span and marks of the passage with the most distinct wanted terms (earliest on a tie)."""
    if not document.sections:
        return None, 0, 0, []
    terms, starts = document.terms, document.starts
    hits = [number for number, term_id in enumerate(terms) if term_id in wanted]
    best, best_count = None, 0
    for position, number in enumerate(hits):
        section = _section_at(document, starts[number])
        limit = min(section.end, starts[number] + PASSAGE_CHARS - CONTEXT_CHARS)
        distinct = set()
        for later in hits[position:]:
            if starts[later] >= limit:
                break
            distinct.add(terms[later])
        if len(distinct) > best_count:
            best, best_count = number, len(distinct)
            if best_count == len(wanted):
                break
    if best is None:
        section = document.sections[0]
        start = section.start
    else:
        section = _section_at(document, starts[best])
        start = max(section.start, starts[best] - CONTEXT_CHARS)
        if start > section.start:  # begin at a word, never inside one
            start = min(starts[bisect_left(starts, start)], starts[best])
    end = min(section.end, start + PASSAGE_CHARS)
    if end < section.end:
        space = document.text.rfind(" ", start, end)
        if space > start + PASSAGE_CHARS // 2:
            end = space
    marks = []
    for number in range(bisect_left(starts, start), len(terms)):
        if starts[number] >= end:
            break
        if terms[number] in wanted:
            marks.append((starts[number], min(document.ends[number], end)))
    return section, start, end, marks


def _section_at(document: Document, offset: int) -> Section:
    for section in reversed(document.sections):
        if section.start <= offset:
            return section
    return document.sections[0]


def _parts(text: str, start: int, end: int, marks) -> tuple[Part, ...]:
    """``text[start:end]`` as plain and marked parts; overlapping marks (Chinese bigrams) are merged."""
    parts, cursor = [], start
    for mark_start, mark_end in sorted(marks):
        if parts and parts[-1].marked and mark_start <= cursor:
            if mark_end > cursor:
                parts[-1] = Part(parts[-1].text + text[cursor:mark_end], True)
                cursor = mark_end
            continue
        if mark_start > cursor:
            parts.append(Part(text[cursor:mark_start]))
        parts.append(Part(text[mark_start:mark_end], True))
        cursor = mark_end
    if cursor < end:
        parts.append(Part(text[cursor:end]))
    return tuple(parts)
