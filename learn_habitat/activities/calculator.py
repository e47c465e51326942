"""The ``calculator`` activity: a tool written in the lesson Markdown, with named inputs, formulas and outputs.

Syntax (documented in docs/authoring.md)::

    ::: calculator Housing cost burden
    input costs: Monthly housing costs | USD | 0..1000000 | 800
    input income: Monthly household income | USD | 1..10000000 | 2500
    formula burden = costs / income * 100
    output burden: Share of income spent on housing | % | 1
        <= 30: Affordable
        > 30: Cost-burdened
        > 50: Severely cost-burdened
    :::

A lesson may hold several calculators; they follow the lesson text, in order. The formulas are read by
:mod:`learn_habitat.activities.formula`; the page computes on the server (a GET form) and, with JavaScript, as
the learner types (learn_habitat/static/js/calculator.js, shipped in packages too), with the same results.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension

from learn_habitat.activities import formula as formulas
from learn_habitat.activities.base import FENCE_CLOSING, ActivityType, LessonSource, take_fenced_block
from learn_habitat.content.errors import Problem

OPENING = re.compile(r"^:::\s*calculator\b(?P<title>.*)$")
CLOSING = FENCE_CLOSING
INPUT = re.compile(r"^input\s+(?P<name>\S+?)\s*:\s*(?P<rest>.*)$")
FORMULA = re.compile(r"^formula\s+(?P<name>\S+?)\s*=\s*(?P<expression>.*)$")
OUTPUT = re.compile(r"^output\s+(?P<name>\S+?)\s*:\s*(?P<rest>.*)$")
BAND = re.compile(r"^(?P<operator><=|>=|<|>)\s*(?P<threshold>\S+?)\s*:\s*(?P<text>.+)$")
NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d+)?)$")
RANGE = re.compile(r"^(?P<low>[-+]?\d+(?:\.\d+)?)\s*\.\.\s*(?P<high>[-+]?\d+(?:\.\d+)?)$")
MAX_PRECISION = formulas.MAX_ROUND_DIGITS
MAX_FIELD_LENGTH = 40
BAND_TESTS = {
    "<": lambda value, threshold: value < threshold,
    "<=": lambda value, threshold: value <= threshold,
    ">": lambda value, threshold: value > threshold,
    ">=": lambda value, threshold: value >= threshold,
}


@dataclass(frozen=True)
class Input:
    """A number the learner gives, with its range and default."""

    name: str
    label: str
    unit: str
    minimum: float
    maximum: float
    default: float
    decimals: int  # as many as the author wrote in the range and default: how they are shown


@dataclass(frozen=True)
class Band:
    """An interpretation of a result: shown when ``value OPERATOR threshold`` (the last band that holds)."""

    operator: str
    threshold: float
    text: str


@dataclass(frozen=True)
class Output:
    """A result the page shows: a formula's (or an input's) value, rounded to ``precision`` decimals."""

    name: str
    label: str
    unit: str
    precision: int
    bands: tuple[Band, ...] = ()

    def band_for(self, value: float) -> str:
        """The interpretation of a shown value: the text of the last band that holds ("" if none)."""
        found = ""
        for band in self.bands:
            if BAND_TESTS[band.operator](value, band.threshold):
                found = band.text
        return found


@dataclass(frozen=True)
class Calculator:
    """One calculator: ``formulas`` are (name, text, tree) in an order where each comes after what it uses."""

    number: int
    title: str
    inputs: tuple[Input, ...]
    formulas: tuple[tuple[str, str, tuple], ...]
    outputs: tuple[Output, ...]

    def compute(self, values: Mapping[str, float]) -> dict[str, float | formulas.EvaluationError]:
        """Every formula's value for ``values`` (input name -> number), or the error that stopped it."""
        known: dict = dict(values)
        for name, _, tree in self.formulas:
            try:
                known[name] = formulas.evaluate(tree, known)
            except formulas.EvaluationError as error:
                known[name] = error  # what uses this formula fails with the same error, when it needs it
        return known

    def shape(self) -> tuple:
        """What a translation must keep: names, ranges, defaults, formulas, precisions and band thresholds."""
        return (
            tuple((i.name, i.minimum, i.maximum, i.default) for i in self.inputs),
            tuple((name, repr(tree)) for name, _, tree in self.formulas),
            tuple(
                (o.name, o.precision, tuple((b.operator, b.threshold) for b in o.bands)) for o in self.outputs
            ),
        )


@dataclass(frozen=True)
class Calculators:
    """The calculators of one lesson, in order."""

    items: tuple[Calculator, ...]


# Numbers in the learner's language ----------------------------------------------------------------------

_DIGITS = {0x0660 + d: str(d) for d in range(10)} | {0x06F0 + d: str(d) for d in range(10)}
# Removed before reading: spaces of every kind (thousands in French and Russian), bidi marks, apostrophes.
_IGNORED = re.compile(
    "[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u200e\u200f\u061c'\u2019]"
)
_PLAIN_NUMBER = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_ASCII_DIGITS = re.compile(r"^[0-9]+$")


def number_symbols(language: str) -> dict:
    """The decimal, group and minus signs of ``language`` (Latin digits), as Babel has them."""
    from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

    return {
        "decimal": get_decimal_symbol(language),
        "group": get_group_symbol(language),
        # What Babel writes before a negative number (a plain "-" in Arabic too, without the bidi mark of
        # CLDR's minus symbol): the script writes the same.
        "minus": format_decimal(-1, locale=language)[:-1],
    }


def read_number(text, language: str) -> float | None:
    """A number typed in ``language``'s way (``1 234,5`` in French; Arabic-Indic digits too), or ``None``.

    The same steps as ``readNumber`` in calculator.js.
    """
    if not isinstance(text, str) or len(text) > MAX_FIELD_LENGTH:
        return None
    decimal = number_symbols(language)["decimal"]
    other = "," if decimal == "." else "."
    value = unicodedata.normalize("NFKC", text).translate(_DIGITS)
    value = _IGNORED.sub("", value).replace("\u2212", "-").replace("\u066c", "")
    value = value.replace("\u066b", decimal)
    if decimal in value:
        value = value.replace(other, "")
    elif other in value:
        sign = value[:1] if value[:1] in "+-" else ""
        groups = value[len(sign) :].split(other)
        grouped = len(groups) > 1 and 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
        if grouped and all(_ASCII_DIGITS.match(g) for g in groups):
            value = sign + "".join(groups)
        elif len(groups) == 2:
            value = value.replace(other, decimal)
        else:
            return None
    value = value.replace(decimal, ".")
    if not _PLAIN_NUMBER.match(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def format_number(value: float, precision: int, language: str) -> str:
    """``value`` with ``precision`` decimals in ``language``'s way: Babel here, ``Intl.NumberFormat`` in the
    script, always grouped, with Latin digits and Babel's symbols (tests compare the two)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * precision if precision else "")
    rounded = formulas.round_half_away(value, precision)
    return format_decimal(Decimal(repr(0.0 if rounded == 0 else rounded)), format=pattern, locale=language)


def _decimals(*texts: str) -> int:
    return max((len(t.split(".", 1)[1]) for t in texts if "." in t), default=0)


# What the page shows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldView:
    """One input as the form shows it."""

    input: Input
    id: str
    value: str
    hint: str
    error: str


@dataclass(frozen=True)
class ResultView:
    """One output as the page shows it: the number, or why there is none, and its interpretation."""

    output: Output
    id: str
    text: str
    band: str
    error: str


@dataclass(frozen=True)
class CalculatorView:
    """A calculator as one page shows it, with the data its script needs."""

    calculator: Calculator
    id: str
    fields: tuple[FieldView, ...]
    results: tuple[ResultView, ...]
    message: str
    data: dict


def messages(gettext: Callable[[str], str]) -> dict:
    """The sentences the page and its script show, from the interface catalogue."""
    return {
        "number": gettext("Enter a number."),
        "division_by_zero": gettext("Division by zero: this result cannot be computed for these values."),
        "undefined": gettext(
            "Not defined for these values (for example, the logarithm of zero or of a negative number)."
        ),
        "too_large": gettext("Too large to show."),
        "invalid": gettext("Correct the values above to see the results."),
    }


def calculator_views(
    calculators: Calculators, given: Mapping, language: str, gettext: Callable[[str], str]
) -> tuple[CalculatorView, ...]:
    """Every calculator of a lesson with its results for the values in ``given`` (field name -> text, e.g. a
    query string), the defaults where a value is not given."""
    said = messages(gettext)
    symbols = number_symbols(language)
    views = []
    for calculator in calculators.items:
        prefix = f"calc-{calculator.number}"
        fields, values, inputs_data = [], {}, []
        for item in calculator.inputs:
            field_id = f"{prefix}-in-{item.name}"
            low = format_number(item.minimum, item.decimals, language)
            high = format_number(item.maximum, item.decimals, language)
            out_of_range = gettext("Enter a number from %(min)s to %(max)s.") % {"min": low, "max": high}
            typed = given.get(field_id)
            if typed is None:
                text, number = format_number(item.default, item.decimals, language), item.default
            else:
                text, number = str(typed)[:MAX_FIELD_LENGTH], read_number(typed, language)
            error = ""
            if number is None:
                error = said["number"]
            elif not item.minimum <= number <= item.maximum:
                error = out_of_range
            else:
                values[item.name] = number
            fields.append(
                FieldView(
                    item,
                    field_id,
                    text,
                    gettext("From %(min)s to %(max)s") % {"min": low, "max": high},
                    error,
                )
            )
            inputs_data.append(
                {
                    "name": item.name,
                    "field": field_id,
                    "min": item.minimum,
                    "max": item.maximum,
                    "range": out_of_range,
                }
            )
        invalid = len(values) < len(calculator.inputs)
        computed = {} if invalid else calculator.compute(values)
        results = []
        for output in calculator.outputs:
            text = band = error = ""
            if not invalid:
                try:
                    value = computed[output.name]
                    if isinstance(value, formulas.EvaluationError):
                        raise value
                    shown = formulas.shown_value(value, output.precision)
                    text, band = format_number(shown, output.precision, language), output.band_for(shown)
                except formulas.EvaluationError as problem:
                    error = said[problem.code]
            results.append(ResultView(output, f"{prefix}-out-{output.name}", text, band, error))
        data = {
            "locale": {"tag": f"{language}-u-nu-latn", **symbols},
            "messages": said,
            "inputs": inputs_data,
            "formulas": [[name, tree] for name, _, tree in calculator.formulas],
            "outputs": [
                {
                    "name": o.name,
                    "id": f"{prefix}-out-{o.name}",
                    "precision": o.precision,
                    "bands": [[b.operator, b.threshold, b.text] for b in o.bands],
                }
                for o in calculator.outputs
            ],
        }
        views.append(
            CalculatorView(
                calculator, prefix, tuple(fields), tuple(results), said["invalid"] if invalid else "", data
            )
        )
    return tuple(views)


# Reading the Markdown -------------------------------------------------------------------------------------


class _CalculatorBlockProcessor(BlockProcessor):
    """Takes ``::: calculator`` blocks out of the lesson text; the activity reads them from the source."""

    def test(self, parent, block):
        return bool(OPENING.match(block.split("\n", 1)[0]))

    def run(self, parent, blocks):
        take_fenced_block(blocks)  # the block is read from the source by the activity; here it only goes
        found = self.parser.md.lesson_references.data
        found["calculators"] = found.get("calculators", 0) + 1
        return True


class CalculatorExtension(Extension):
    """python-markdown extension that removes ``::: calculator`` blocks from the rendered text."""

    def extendMarkdown(self, md):  # noqa: N802 - python-markdown's name
        md.parser.blockprocessors.register(_CalculatorBlockProcessor(md.parser), "calculator", 200)


class CalculatorActivity(ActivityType):
    """Calculators computed on the server and in the browser; complete once viewed."""

    def markdown_extensions(self) -> list:
        """The calculator block syntax."""
        return [CalculatorExtension()]

    def completion_rule(self) -> str:
        """A calculator lesson is complete when the learner has opened it."""
        return "viewed"

    def build(self, source: LessonSource, rendered) -> tuple[Calculators | None, list[Problem]]:
        """Read every calculator block of the source, reporting each problem at its line."""
        problems: list[Problem] = []
        blocks = _blocks(source)
        if not blocks:
            problems.append(
                Problem(
                    source.path, source.body_line, "a calculator lesson needs a '::: calculator TITLE' block"
                )
            )
        items = []
        for number, (start, lines, closed) in enumerate(blocks, start=1):
            before = len(problems)

            def report(line: int, message: str):
                problems.append(Problem(source.path, line, message))

            if not closed:
                report(start, "this calculator block is never closed by a ':::' line")
            calculator = _read_calculator(number, start, lines, report)
            if calculator is not None and len(problems) == before:
                items.append(calculator)
        if problems:
            return None, problems
        return Calculators(tuple(items)), []

    def translation_problems(self, translated, source) -> list[str]:
        """A translation keeps its source's calculators: the same names, formulas, ranges and thresholds."""
        if [c.shape() for c in translated.items] != [c.shape() for c in source.items]:
            return [
                "the calculators differ from the source lesson's in their names, formulas, ranges, defaults, "
                "precisions or band thresholds (only titles, labels, units and band texts are translated)"
            ]
        return []


def _blocks(source: LessonSource) -> list[tuple[int, list[tuple[int, str]], bool]]:
    """(opening line, [(line, text)] up to the closing ':::', closed?) for each block, outside code fences."""
    blocks, current, fence = [], None, None
    for offset, line in enumerate(source.lines):
        number = source.body_line + offset
        stripped = line.strip()
        if current is None:
            marker = re.match(r"^(`{3,}|~{3,})", stripped)
            if marker and fence is None:
                fence = marker.group(1)[0]
                continue
            if fence is not None:
                if stripped.startswith(fence * 3):
                    fence = None
                continue
            if OPENING.match(line):
                current = (number, [(number, line)], False)
        elif CLOSING.match(line):
            blocks.append((current[0], current[1], True))
            current = None
        else:
            current[1].append((number, line))
    if current is not None:
        blocks.append(current)
    return blocks


def _read_calculator(number: int, start: int, lines, report) -> Calculator | None:
    title = OPENING.match(lines[0][1]).group("title").strip()
    if not title:
        report(start, "a calculator needs a title: '::: calculator Title of the tool'")
    inputs: list[Input] = []
    formula_lines: dict[str, tuple[int, str, object]] = {}
    outputs: list[tuple[int, dict]] = []
    names: dict[str, int] = {}

    def claim(name: str, line: int) -> bool:
        if not formulas.NAME.fullmatch(name) or name in formulas.FUNCTIONS or name in formulas.KEYWORDS:
            report(line, f"{name!r} cannot be a name: use letters, digits and '_', not a function's name")
            return False
        if name in names:
            report(line, f"the name {name!r} is already used on line {names[name]}")
            return False
        names[name] = line
        return True

    for line, text in lines[1:]:
        stripped = text.strip()
        if not stripped:
            continue
        if match := INPUT.match(stripped):
            found = _read_input(match, line, report)
            if found is not None and claim(found.name, line):
                inputs.append(found)
        elif match := FORMULA.match(stripped):
            name, expression = match.group("name"), match.group("expression").strip()
            try:
                tree = formulas.parse(expression)
            except formulas.FormulaError as error:
                report(line, f"formula {name!r}: {error.message} (column {error.column} of '{expression}')")
                tree = None
            if claim(name, line) and tree is not None:
                formula_lines[name] = (line, expression, tree)
        elif match := OUTPUT.match(stripped):
            found = _read_output(match, line, report)
            if found is not None:
                outputs.append((line, found))
        elif match := BAND.match(stripped):
            if not outputs:
                report(line, "a band line ('> 30: text') belongs under an 'output' line")
            elif not NUMBER.match(match.group("threshold")):
                report(line, f"not a number: {match.group('threshold')!r} (write e.g. '> 30: Cost-burdened')")
            else:
                outputs[-1][1]["bands"].append(
                    Band(
                        match.group("operator"), float(match.group("threshold")), match.group("text").strip()
                    )
                )
        else:
            report(
                line,
                f"unexpected line in a calculator: {stripped!r} (lines start with input, formula, output, "
                "or a band such as '> 30: text')",
            )
    if not inputs:
        report(start, "a calculator needs at least one 'input name: Label | unit | min..max | default' line")
    if not outputs:
        report(start, "a calculator needs at least one 'output name: Label | unit | decimals' line")
    ordered = _formula_order(formula_lines, {i.name for i in inputs}, report)
    known = {i.name for i in inputs} | set(formula_lines)
    built_outputs = []
    for line, fields in outputs:
        if fields["name"] not in known:
            report(line, _unknown(fields["name"], known, "output"))
        built_outputs.append(Output(**{**fields, "bands": tuple(fields["bands"])}))
    if ordered is None:
        return None
    return Calculator(
        number=number,
        title=title,
        inputs=tuple(inputs),
        formulas=tuple((name, formula_lines[name][1], _frozen(formula_lines[name][2])) for name in ordered),
        outputs=tuple(built_outputs),
    )


def _frozen(tree):
    return tuple(_frozen(part) if isinstance(part, list) else part for part in tree)


def _read_input(match, line: int, report) -> Input | None:
    parts = [part.strip() for part in match.group("rest").split("|")]
    if len(parts) != 4:
        report(
            line,
            "an input is written 'input name: Label | unit | min..max | default' (four parts; the unit may "
            "be empty)",
        )
        return None
    label, unit, span, default = parts
    if not label:
        report(line, "an input needs a label")
        return None
    bounds = RANGE.match(span)
    if not bounds:
        report(line, f"not a range: {span!r} (write e.g. '0..100')")
        return None
    if not NUMBER.match(default):
        report(line, f"not a number: {default!r} (the default value, e.g. '25')")
        return None
    low, high, value = float(bounds.group("low")), float(bounds.group("high")), float(default)
    if not low < high:
        report(line, f"the range {span!r} must go from a smaller to a larger number")
        return None
    if not low <= value <= high:
        report(line, f"the default {default} lies outside the range {span}")
        return None
    decimals = _decimals(bounds.group("low"), bounds.group("high"), default)
    return Input(match.group("name"), label, unit, low, high, value, decimals)


def _read_output(match, line: int, report) -> dict | None:
    parts = [part.strip() for part in match.group("rest").split("|")]
    if len(parts) != 3:
        report(
            line,
            "an output is written 'output name: Label | unit | decimals' (three parts; the unit may be empty)",
        )
        return None
    label, unit, precision = parts
    if not label:
        report(line, "an output needs a label")
        return None
    if not precision.isdigit() or not 0 <= int(precision) <= MAX_PRECISION:
        report(line, f"decimals must be a whole number from 0 to {MAX_PRECISION}, not {precision!r}")
        return None
    return {
        "name": match.group("name"),
        "label": label,
        "unit": unit,
        "precision": int(precision),
        "bands": [],
    }


def _unknown(name: str, known: set, where: str) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{where} refers to the unknown name {name!r}{hint} (known: {', '.join(sorted(known)) or 'none'})"


def _formula_order(found: dict, inputs: set, report) -> list[str] | None:
    """The formulas in an order where each follows those it uses; ``None`` after reporting unknown names or
    formulas that use one another in a circle."""
    known = inputs | set(found)
    ok = True
    for name, (line, _, tree) in found.items():
        for used in formulas.names_in(tree):
            if used not in known:
                report(line, _unknown(used, known, f"formula {name!r}"))
                ok = False
    if not ok:
        return None
    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> bool:
        if state.get(name) == "done":
            return True
        if state.get(name) == "visiting":
            circle = path[path.index(name) :] + [name]
            report(found[name][0], "formulas use one another in a circle: " + " -> ".join(circle))
            return False
        state[name] = "visiting"
        for used in formulas.names_in(found[name][2]):
            if used in found and not visit(used, [*path, name]):
                return False
        state[name] = "done"
        ordered.append(name)
        return True

    for name in found:
        if not visit(name, []):
            return None
    return ordered


__all__ = [
    "Band",
    "Calculator",
    "CalculatorActivity",
    "CalculatorView",
    "Calculators",
    "Input",
    "Output",
    "calculator_views",
    "format_number",
    "read_number",
]
