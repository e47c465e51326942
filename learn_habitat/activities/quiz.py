"""The ``quiz`` activity: questions written in the lesson Markdown, graded on the server.

Syntax (documented in docs/authoring.md)::

    ::: question single
    Prompt in Markdown.

    - [x] right option
        > feedback for this option
    - [ ] wrong option

    ?> hint
    +> feedback when right
    -> feedback when wrong
    :::

Types: single, multiple, true-false, numeric (``= 30 ± 0.5``), text (``= accepted answer`` lines).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension

from learn_habitat.activities.base import ActivityType, LessonSource, take_fenced_block
from learn_habitat.content.errors import Problem
from learn_habitat.content.render import markup_problems, sanitise_html

QUESTION_TYPES = ("single", "multiple", "true-false", "numeric", "text")
CHOICE_TYPES = frozenset({"single", "multiple"})
OPENING = re.compile(r"^:::\s*question\b\s*(?P<type>\S*)\s*$")
OPTION = re.compile(r"^- \[(?P<mark>[ xX])\]\s+(?P<text>.+)$")
OPTION_FEEDBACK = re.compile(r"^(?: {2,}|\t)>\s?(?P<text>.*)$")
NUMBER_ANSWER = re.compile(
    r"^(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?:(?:±|\+-|\+/-)\s*(?P<tolerance>\d+(?:\.\d+)?))?$"
)
DEFAULT_PASS_MARK = 80
# When a learner sees the right answers and the option feedback that gives them away (front matter
# ``reveal_answers``). The safe default keeps the remaining attempts worth something: while attempts remain,
# a result says which questions were wrong and shows the hints, nothing more.
REVEAL_AFTER_PASS_OR_LAST_ATTEMPT = "after-pass-or-last-attempt"
REVEAL_RULES = (REVEAL_AFTER_PASS_OR_LAST_ATTEMPT, "always", "never")


@dataclass(frozen=True)
class Option:
    """One option of a choice question; ``key`` is stable across languages (a, b, c, ...)."""

    key: str
    html: str
    correct: bool
    feedback_html: str = ""


@dataclass(frozen=True)
class Question:
    """One question: prompt, what counts as right, and what to say afterwards."""

    id: str
    kind: str
    prompt_html: str
    options: tuple[Option, ...] = ()
    accepted: tuple[str, ...] = ()  # text: accepted answers; true-false: ("true",) or ("false",)
    number: float | None = None
    tolerance: float = 0.0
    hint_html: str = ""
    correct_feedback_html: str = ""
    incorrect_feedback_html: str = ""

    def is_correct(self, answer) -> bool:
        """Whether ``answer`` (a key, a set of keys, or text) is right."""
        if self.kind == "single":
            # The API accepts a list for any question; a list is never one option's key, and hashing it
            # raised TypeError, a 500 (found by tests/fuzz/test_api_schemathesis.py).
            return isinstance(answer, str) and answer in {o.key for o in self.options if o.correct}
        if self.kind == "multiple":
            chosen = set(answer) if isinstance(answer, list | tuple | set | frozenset) else {answer}
            return chosen == {o.key for o in self.options if o.correct}
        if self.kind == "true-false":
            return str(answer).strip().lower() == self.accepted[0]
        if self.kind == "numeric":
            value = parse_number(answer)
            return value is not None and abs(value - self.number) <= self.tolerance + 1e-9
        return normalise_text(answer) in {normalise_text(text) for text in self.accepted}


@dataclass(frozen=True)
class Quiz:
    """A quiz's questions and rules."""

    questions: tuple[Question, ...]
    pass_mark: int = DEFAULT_PASS_MARK  # percent
    max_attempts: int | None = None
    shuffle: bool = False
    reveal_answers: str = REVEAL_AFTER_PASS_OR_LAST_ATTEMPT

    def question(self, question_id: str) -> Question | None:
        """The question with ``question_id``."""
        return next((q for q in self.questions if q.id == question_id), None)

    def answers_revealed(self, passed: bool, attempts_used: int) -> bool:
        """Whether right answers and option feedback may be shown, given the learner's best outcome so far
        (``passed``) and how many attempts they have used."""
        if self.reveal_answers == "always":
            return True
        if self.reveal_answers == "never":
            return False
        out_of_attempts = self.max_attempts is not None and attempts_used >= self.max_attempts
        return passed or out_of_attempts


@dataclass(frozen=True)
class QuestionResult:
    """How one question was answered."""

    question: Question
    answer: object
    correct: bool
    feedback_html: tuple[str, ...]


@dataclass(frozen=True)
class QuestionReview:
    """What a learner is shown about one answered question.

    Once answers are revealed: everything, with the right answer. While they are hidden: whether the answer was
    right, and for a wrong answer the hint, but neither the right answer nor any feedback, since option
    feedback and the general "wrong" feedback (``->``) usually name the right answer. A right answer keeps
    its feedback: it tells the learner nothing they did not choose.
    """

    question: Question
    answer: object
    correct: bool
    feedback_html: tuple[str, ...]
    hint_html: str
    right_answers: tuple[str, ...] | None  # see right_answers(); None while answers are hidden


@dataclass(frozen=True)
class Grade:
    """The outcome of one attempt."""

    score: float  # 0.0 to 1.0
    passed: bool
    results: tuple[QuestionResult, ...]

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    def review(self, answers_revealed: bool) -> tuple[QuestionReview, ...]:
        """The results as a learner may see them (see :class:`QuestionReview`)."""
        return tuple(
            QuestionReview(
                question=result.question,
                answer=result.answer,
                correct=result.correct,
                feedback_html=result.feedback_html if answers_revealed or result.correct else (),
                hint_html="" if result.correct else result.question.hint_html,
                right_answers=right_answers(result.question) if answers_revealed else None,
            )
            for result in self.results
        )


def right_answers(question: Question) -> tuple[str, ...]:
    """What counts as right: the keys of the right options, ``true`` or ``false``, the number (its tolerance is
    ``question.tolerance``), or the accepted texts."""
    if question.kind in CHOICE_TYPES:
        return tuple(option.key for option in question.options if option.correct)
    if question.kind == "numeric":
        number = question.number
        return (str(int(number)) if number.is_integer() else repr(number),)
    return question.accepted


def grade(quiz: Quiz, answers: Mapping) -> Grade:
    """Grade ``answers`` (question id -> answer); unanswered questions count as wrong."""
    results = []
    for question in quiz.questions:
        answer = answers.get(question.id)
        answered = answer not in (None, "", [], ())
        correct = answered and question.is_correct(answer)
        results.append(QuestionResult(question, answer, correct, _feedback(question, answer, correct)))
    score = sum(r.correct for r in results) / len(results) if results else 0.0
    return Grade(score=score, passed=score * 100 >= quiz.pass_mark - 1e-9, results=tuple(results))


def _feedback(question: Question, answer, correct: bool) -> tuple[str, ...]:
    chosen = answer if isinstance(answer, list | tuple | set | frozenset) else {answer}
    parts = [o.feedback_html for o in question.options if o.key in chosen and o.feedback_html]
    general = question.correct_feedback_html if correct else question.incorrect_feedback_html
    if general:
        parts.append(general)
    return tuple(parts)


def parse_number(value) -> float | None:
    """A number typed by a learner (``1,5`` and ``1 000`` accepted), or ``None``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip().replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def normalise_text(value) -> str:
    """Text compared without regard to case, width, accents, Arabic vowel marks or extra spaces."""
    from learn_habitat.content.answers import normalise_answer

    return normalise_answer(value)


# Parsing ------------------------------------------------------------------------------------------


@dataclass
class _Draft:
    index: int
    kind: str
    prompt: list[str] = field(default_factory=list)
    options: list[list] = field(default_factory=list)  # [mark, text, feedback]
    answers: list[str] = field(default_factory=list)
    hint: str = ""
    right: str = ""
    wrong: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (text to find the line by, message)


class _QuestionBlockProcessor(BlockProcessor):
    """Takes ``::: question`` blocks out of the document and records them as question drafts."""

    def test(self, parent, block):
        return bool(OPENING.match(block.split("\n", 1)[0]))

    def run(self, parent, blocks):
        lines, closed = take_fenced_block(blocks)
        drafts = self.parser.md.lesson_references.data.setdefault("questions", [])
        draft = _Draft(index=len(drafts), kind=OPENING.match(lines[0]).group("type"))
        if not closed:
            draft.problems.append((lines[0], "this question block is never closed by a ':::' line"))
        _fill_draft(draft, lines[1:])
        drafts.append(draft)
        return True


def _fill_draft(draft: _Draft, lines: list[str]) -> None:
    in_prompt = True
    for line in lines:
        option = OPTION.match(line)
        option_feedback = OPTION_FEEDBACK.match(line)
        stripped = line.strip()
        if option:
            in_prompt = False
            draft.options.append([option.group("mark").lower() == "x", option.group("text").strip(), ""])
        elif option_feedback and draft.options and not in_prompt:
            previous = draft.options[-1]
            previous[2] = (previous[2] + " " + option_feedback.group("text").strip()).strip()
        elif stripped.startswith("= "):
            in_prompt = False
            draft.answers.append(stripped[2:].strip())
        elif stripped.startswith(("?>", "+>", "->")):
            in_prompt = False
            marker, text = stripped[:2], stripped[2:].strip()
            setattr(draft, {"?>": "hint", "+>": "right", "->": "wrong"}[marker], text)
        elif in_prompt:
            draft.prompt.append(line)
        elif stripped:
            draft.problems.append((line, f"unexpected line in a question: {stripped!r}"))


class QuizExtension(Extension):
    """python-markdown extension that reads ``::: question`` blocks."""

    def extendMarkdown(self, md):  # noqa: N802 - python-markdown's name
        # Above every built-in block processor, so the options are not read as a list.
        md.parser.blockprocessors.register(_QuestionBlockProcessor(md.parser), "quiz_question", 200)


class QuizActivity(ActivityType):
    """Questions graded on the server; complete when passed."""

    front_matter_keys = frozenset({"pass_mark", "max_attempts", "shuffle", "reveal_answers"})

    def __init__(self):
        self._fragment_md = markdown.Markdown(extensions=["attr_list", "sane_lists"], output_format="html")

    def markdown_extensions(self) -> list:
        """The question block syntax."""
        return [QuizExtension()]

    def completion_rule(self) -> str:
        """A quiz is complete when an attempt reaches the pass mark."""
        return "passed"

    def build(self, source: LessonSource, rendered) -> tuple[Quiz | None, list[Problem]]:
        """Turn the question drafts into a :class:`Quiz`, reporting each problem at its line."""
        problems: list[Problem] = []
        front = source.front_matter

        def report(line: int, message: str):
            problems.append(Problem(source.path, line, message))

        pass_mark = front.get("pass_mark", DEFAULT_PASS_MARK)
        if isinstance(pass_mark, bool) or not isinstance(pass_mark, int) or not 1 <= pass_mark <= 100:
            report(_key_line(front, "pass_mark"), "pass_mark must be a whole number from 1 to 100 (percent)")
        max_attempts = front.get("max_attempts")
        if max_attempts is not None and (
            isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1
        ):
            report(_key_line(front, "max_attempts"), "max_attempts must be a whole number of at least 1")
        shuffle = front.get("shuffle", False)
        if not isinstance(shuffle, bool):
            report(_key_line(front, "shuffle"), "shuffle must be true or false")
        reveal_answers = front.get("reveal_answers", REVEAL_AFTER_PASS_OR_LAST_ATTEMPT)
        if reveal_answers not in REVEAL_RULES:
            report(
                _key_line(front, "reveal_answers"),
                f"reveal_answers must be one of {', '.join(REVEAL_RULES)}",
            )

        drafts = rendered.data.get("questions", [])
        if not drafts:
            report(source.body_line, "a quiz needs at least one '::: question TYPE' block")
        openings = _opening_lines(source)
        questions = []
        for draft in drafts:
            start = openings[draft.index] if draft.index < len(openings) else source.body_line
            before = len(problems)
            found = self._question(draft, start, source, report)
            if found is not None and len(problems) == before:
                questions.append(found)
        if problems:
            return None, problems
        return Quiz(tuple(questions), pass_mark, max_attempts, shuffle, reveal_answers), []

    def _question(self, draft: _Draft, start: int, source: LessonSource, report) -> Question | None:
        def line_of(text: str) -> int:
            # One search of the body, not a loop over its lines per problem (tests/fuzz/).
            return source.find_line(text, start) or start

        for text, message in draft.problems:
            report(line_of(text), message)
        if draft.kind not in QUESTION_TYPES:
            report(start, f"unknown question type {draft.kind!r} (known: {', '.join(QUESTION_TYPES)})")
            return None
        prompt = "\n".join(draft.prompt).strip()
        if not prompt:
            report(start, "a question needs a prompt on the lines after '::: question'")
        if draft.kind in CHOICE_TYPES:
            self._check_options(draft, start, line_of, report)
            if draft.answers:
                report(line_of("= "), f"a {draft.kind} question takes options '- [x] ...', not '= ' answers")
        else:
            if draft.options:
                report(line_of("- ["), f"a {draft.kind} question takes '= ' answers, not options")
            if not self._check_answers(draft, start, line_of, report):
                return None
        # Prompts, options, hints and feedback are Markdown too: what a lesson body may not hold, they may not.
        found: list = []
        options = tuple(
            Option(chr(ord("a") + i), self._inline(text, found), correct, self._inline(feedback, found))
            for i, (correct, text, feedback) in enumerate(draft.options)
        )
        number, tolerance = None, 0.0
        accepted = tuple(draft.answers)
        if draft.kind == "numeric":
            match = NUMBER_ANSWER.match(draft.answers[0])
            number, tolerance = float(match.group("value")), float(match.group("tolerance") or 0)
            accepted = ()
        elif draft.kind == "true-false":
            accepted = (draft.answers[0].lower(),)
        question = Question(
            id=f"q{draft.index + 1}",
            kind=draft.kind,
            prompt_html=self._block(prompt, found),
            options=options,
            accepted=accepted,
            number=number,
            tolerance=tolerance,
            hint_html=self._inline(draft.hint, found),
            correct_feedback_html=self._inline(draft.right, found),
            incorrect_feedback_html=self._inline(draft.wrong, found),
        )
        for needles, message in found:
            candidates = (needles,) if isinstance(needles, str) else needles
            lines = (source.find_line(needle, start) for needle in candidates)
            report(next((line for line in lines if line), start), message)
        return question

    @staticmethod
    def _check_options(draft, start, line_of, report):
        if len(draft.options) < 2:
            report(start, f"a {draft.kind} question needs at least two options '- [ ] ...'")
        right = sum(1 for correct, _, _ in draft.options if correct)
        if right == 0:
            report(start, "no correct answer: mark the right option with '- [x]'")
        elif draft.kind == "single" and right > 1:
            report(start, f"a single-choice question has exactly one right option; {right} are marked '[x]'")
        seen = set()
        for _, text, _ in draft.options:
            key = normalise_text(text)
            if key in seen:
                report(line_of(text), f"duplicate option {text!r}")
            seen.add(key)

    @staticmethod
    def _check_answers(draft, start, line_of, report):
        """Report what is wrong with '= ' answers; true when they can be used."""
        if not draft.answers:
            report(start, "no correct answer: add a line '= answer'")
            return False
        if draft.kind == "true-false":
            if len(draft.answers) != 1 or draft.answers[0].lower() not in {"true", "false"}:
                report(line_of("= "), "a true-false question has one answer line: '= true' or '= false'")
                return False
        elif draft.kind == "numeric":
            if len(draft.answers) != 1:
                report(line_of("= "), "a numeric question has one answer line, e.g. '= 30 ± 0.5'")
                return False
            if not NUMBER_ANSWER.match(draft.answers[0]):
                report(
                    line_of("= "), f"not a number: {draft.answers[0]!r} (write e.g. '= 30' or '= 30 ± 0.5')"
                )
                return False
        else:
            seen = set()
            for answer in draft.answers:
                if normalise_text(answer) in seen:
                    report(line_of("= " + answer), f"duplicate accepted answer {answer!r}")
                seen.add(normalise_text(answer))
        return True

    def _block(self, text: str, problems: list) -> str:
        """Sanitised HTML of ``text``; what the author may not write there is added to ``problems``."""
        self._fragment_md.reset()
        html = self._fragment_md.convert(text)
        problems.extend(markup_problems(html))
        return sanitise_html(html)

    def _inline(self, text: str, problems: list) -> str:
        html = self._block(text, problems)
        # One paragraph of inline text: drop the wrapping <p> so it fits in labels. Only when nothing inside
        # opens or closes a paragraph: '<p>a</p><p title=x>b</p>' must not become 'a</p><p title=x>b'.
        inner = html[3:-4]
        if html.startswith("<p>") and html.endswith("</p>") and "<p" not in inner and "</p" not in inner:
            html = inner
        return html


def _opening_lines(source: LessonSource) -> list[int]:
    return [source.body_line + offset for offset, line in enumerate(source.lines) if OPENING.match(line)]


def _key_line(mapping, key) -> int:
    from learn_habitat.content.yamlsource import key_line

    return key_line(mapping, key, 2)


__all__ = ["Grade", "Option", "Question", "QuestionReview", "Quiz", "QuizActivity", "grade", "right_answers"]
