"""The calculator's formula language: read by a small recursive-descent parser into a tree of lists, never
``eval``. The same tree is evaluated here (the site, without JavaScript) and by
learn_habitat/static/js/calculator.js (the site with JavaScript, and SCORM packages offline); both follow the
rules below step for step, and tests/activities/test_formula_agreement.py runs them side by side.

Grammar (documented for authors in docs/authoring.md)::

    condition  := conjunct ("or" conjunct)*
    conjunct   := negation ("and" negation)*
    negation   := "not" negation | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := atom ("^" unary)?            (right-associative: 2^3^2 = 2^9; -2^2 = -4)
    atom       := NUMBER | NAME | FUNCTION "(" arguments ")" | "(" condition ")"

A formula is a number; comparisons, ``and``, ``or`` and ``not`` make conditions, which only ``if`` takes.

Trees: ``["num", 1.5]``, ``["var", "name"]``, ``["neg", a]``, ``["+", a, b]`` (and ``-``, ``*``, ``/``, ``^``,
the comparisons, ``and``, ``or``), ``["not", a]``, ``["call", "ln", [a]]``.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Context, Decimal

# Function name -> (fewest, most) arguments; None: any number.
FUNCTIONS = {
    "ln": (1, 1),
    "log": (1, 1),
    "exp": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "min": (2, None),
    "max": (2, None),
    "round": (1, 2),
    "if": (3, 3),
}
KEYWORDS = frozenset({"and", "or", "not"})
COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")
ARITHMETIC = frozenset({"+", "-", "*", "/", "^"})
MAX_FORMULA_LENGTH = 500
MAX_DEPTH = 40
MAX_ROUND_DIGITS = 10
# Results are shown with at most 12 significant digits, and no larger than this: beyond, "too large to show".
SIGNIFICANT_DIGITS = 12
LARGEST_SHOWN = 1e15
# Exact powers of ten for round(): a table, so that no pow() of either language is involved.
POWERS_OF_TEN = tuple(float(10**n) for n in range(MAX_ROUND_DIGITS + 1))

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_SPACE = re.compile(r"[ \t]+")
_SYMBOLS = ("<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "^", "(", ")", ",")

# Why a value cannot be computed; the same codes in calculator.js.
DIVISION_BY_ZERO = "division_by_zero"
UNDEFINED = "undefined"
TOO_LARGE = "too_large"


class FormulaError(ValueError):
    """A formula that cannot be read; ``column`` counts from 1."""

    def __init__(self, message: str, column: int = 1):
        super().__init__(message)
        self.message = message
        self.column = column


class EvaluationError(ArithmeticError):
    """A value that cannot be computed for these inputs; ``code`` is one of the codes above."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _tokens(text: str) -> list[tuple[str, object, int]]:
    """(kind, value, column) triples: kind is "num", "name", a symbol, or "end"."""
    found, position = [], 0
    while position < len(text):
        space = _SPACE.match(text, position)
        if space:
            position = space.end()
            continue
        column = position + 1
        number = _NUMBER.match(text, position)
        if number:
            value = float(number.group())
            if not math.isfinite(value) or len(number.group()) > 40:
                raise FormulaError(f"the number {number.group()} is too large", column)
            found.append(("num", value, column))
            position = number.end()
            if position < len(text) and (text[position].isalnum() or text[position] == "_"):
                raise FormulaError(f"unexpected {text[position]!r} after a number", position + 1)
            continue
        name = NAME.match(text, position)
        if name:
            found.append(("name", name.group(), column))
            position = name.end()
            continue
        if text.startswith("**", position):
            raise FormulaError("powers are written with '^' (e.g. x^2), not '**'", column)
        symbol = next((s for s in _SYMBOLS if text.startswith(s, position)), None)
        if symbol is None:
            raise FormulaError(f"character {text[position]!r} is not allowed in a formula", column)
        found.append((symbol, symbol, column))
        position += len(symbol)
    found.append(("end", None, len(text) + 1))
    return found


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self):
        return self.tokens[self.index]

    def take(self):
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, what: str):
        token = self.current
        if token[0] != kind:
            raise FormulaError(f"expected {what}, found {_describe(token)}", token[2])
        return self.take()

    def deeper(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(
                "the formula nests too deeply; split it into several formulas", self.current[2]
            )

    # Each rule returns (tree, kind, column) where kind is "number" or "condition".

    def condition(self):
        self.deeper()
        left = self.conjunct()
        while self.current[0] == "name" and self.current[1] == "or":
            self.take()
            right = self.conjunct()
            left = (
                ["or", _want(left, "condition", "or"), _want(right, "condition", "or")],
                "condition",
                left[2],
            )
        self.depth -= 1
        return left

    def conjunct(self):
        left = self.negation()
        while self.current[0] == "name" and self.current[1] == "and":
            self.take()
            right = self.negation()
            left = (
                ["and", _want(left, "condition", "and"), _want(right, "condition", "and")],
                "condition",
                left[2],
            )
        return left

    def negation(self):
        if self.current[0] == "name" and self.current[1] == "not":
            column = self.take()[2]
            self.deeper()
            operand = self.negation()
            self.depth -= 1
            return (["not", _want(operand, "condition", "not")], "condition", column)
        return self.comparison()

    def comparison(self):
        left = self.sum()
        if self.current[0] in COMPARISONS:
            operator = self.take()[0]
            right = self.sum()
            if self.current[0] in COMPARISONS:
                raise FormulaError(
                    "comparisons cannot be chained; join them with 'and' (e.g. a < b and b < c)",
                    self.current[2],
                )
            tree = [operator, _want(left, "number", operator), _want(right, "number", operator)]
            return (tree, "condition", left[2])
        return left

    def sum(self):
        left = self.product()
        while self.current[0] in ("+", "-"):
            operator = self.take()[0]
            right = self.product()
            left = (
                [operator, _want(left, "number", operator), _want(right, "number", operator)],
                "number",
                left[2],
            )
        return left

    def product(self):
        left = self.unary()
        while self.current[0] in ("*", "/"):
            operator = self.take()[0]
            right = self.unary()
            left = (
                [operator, _want(left, "number", operator), _want(right, "number", operator)],
                "number",
                left[2],
            )
        return left

    def unary(self):
        if self.current[0] in ("-", "+"):
            operator, _, column = self.take()
            self.deeper()
            operand = self.unary()
            self.depth -= 1
            value = _want(operand, "number", operator)
            return (["neg", value] if operator == "-" else value, "number", column)
        return self.power()

    def power(self):
        base = self.atom()
        if self.current[0] == "^":
            self.take()
            self.deeper()
            exponent = self.unary()
            self.depth -= 1
            return (["^", _want(base, "number", "^"), _want(exponent, "number", "^")], "number", base[2])
        return base

    def atom(self):
        kind, value, column = self.current
        if kind == "num":
            self.take()
            return (["num", value], "number", column)
        if kind == "(":
            self.take()
            inner = self.condition()
            self.expect(")", "')'")
            return inner
        if kind == "name":
            if value in KEYWORDS:
                raise FormulaError(f"'{value}' cannot stand here: it joins conditions", column)
            self.take()
            if self.current[0] == "(":
                return self.call(value, column)
            if value in FUNCTIONS:
                raise FormulaError(f"{value} is a function: write {value}(...)", column)
            return (["var", value], "number", column)
        raise FormulaError(f"expected a number, a name or '(', found {_describe(self.current)}", column)

    def call(self, name: str, column: int):
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise FormulaError(f"unknown function {name!r} (known: {known})", column)
        self.take()  # "("
        arguments = []
        if self.current[0] != ")":
            self.deeper()
            arguments.append(self.condition())
            while self.current[0] == ",":
                self.take()
                arguments.append(self.condition())
            self.depth -= 1
        self.expect(")", "',' or ')'")
        fewest, most = FUNCTIONS[name]
        if len(arguments) < fewest or (most is not None and len(arguments) > most):
            wanted = (
                str(fewest)
                if fewest == most
                else f"{fewest} or more"
                if most is None
                else f"{fewest} to {most}"
            )
            raise FormulaError(f"{name}() takes {wanted} arguments, not {len(arguments)}", column)
        if name == "if":
            condition, then, otherwise = arguments
            tree = [
                "call",
                "if",
                [
                    _want(condition, "condition", "if()"),
                    _want(then, "number", "if()"),
                    _want(otherwise, "number", "if()"),
                ],
            ]
            return (tree, "number", column)
        values = [_want(argument, "number", f"{name}()") for argument in arguments]
        if name == "round" and len(values) == 2:
            digits = values[1]
            if digits[0] != "num" or not digits[1].is_integer() or not 0 <= digits[1] <= MAX_ROUND_DIGITS:
                raise FormulaError(
                    f"round(x, digits) takes a whole number of digits from 0 to {MAX_ROUND_DIGITS}",
                    arguments[1][2],
                )
        return (["call", name, values], "number", column)


def _want(node, kind: str, where: str):
    tree, found, column = node
    if found != kind:
        if kind == "number":
            raise FormulaError(
                f"a condition cannot be used as a number (in {where}); use if(condition, a, b)", column
            )
        raise FormulaError(f"{where} needs a condition (a comparison such as a > b), not a number", column)
    return tree


def _describe(token) -> str:
    kind, value, _ = token
    if kind == "end":
        return "the end of the formula"
    if kind == "num":
        return f"the number {value:g}"
    return f"{value!r}"


def parse(text: str) -> list:
    """The tree of a formula; raises :class:`FormulaError` for anything the language does not allow."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"a formula may be at most {MAX_FORMULA_LENGTH} characters long")
    if not text.strip():
        raise FormulaError("the formula is empty")
    parser = _Parser(text)
    tree, kind, column = parser.condition()
    if parser.current[0] != "end":
        raise FormulaError(f"unexpected {_describe(parser.current)}", parser.current[2])
    if kind != "number":
        raise FormulaError("a formula must give a number, not a condition; use if(condition, a, b)", column)
    return tree


def names_in(tree) -> list[str]:
    """The variable names a tree refers to, in order of first appearance."""
    found: list[str] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if node[0] == "var":
            if node[1] not in found:
                found.append(node[1])
        elif node[0] == "call":
            pending.extend(reversed(node[2]))
        elif node[0] != "num":
            pending.extend(reversed(node[1:]))
    return found


def _finite(value: float) -> float:
    if math.isnan(value):
        raise EvaluationError(UNDEFINED)
    if math.isinf(value):
        raise EvaluationError(TOO_LARGE)
    return value


def round_half_away(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` decimals, halves away from zero, by the same float steps as the script."""
    scale = POWERS_OF_TEN[digits]
    magnitude = abs(value) * scale
    if magnitude >= 4503599627370496.0:  # 2^52: already a whole number at this scale
        return value
    rounded = math.floor(magnitude + 0.5) / scale
    return -rounded if value < 0 else rounded


def evaluate(tree, values: dict) -> float | bool:
    """The value of a tree for ``values`` (name -> number); raises :class:`EvaluationError`."""
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "var":
        value = values[tree[1]]
        if isinstance(value, EvaluationError):  # a formula that could not be computed, now needed
            raise EvaluationError(value.code)
        return value
    if kind == "neg":
        return -evaluate(tree[1], values)
    if kind == "not":
        return not evaluate(tree[1], values)
    if kind == "and":
        return bool(evaluate(tree[1], values)) and bool(evaluate(tree[2], values))
    if kind == "or":
        return bool(evaluate(tree[1], values)) or bool(evaluate(tree[2], values))
    if kind == "call":
        return _call(tree[1], tree[2], values)
    left, right = evaluate(tree[1], values), evaluate(tree[2], values)
    if kind in ARITHMETIC:
        return _arithmetic(kind, left, right)
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }[kind]


def _arithmetic(operator: str, left: float, right: float) -> float:
    if operator == "+":
        return _finite(left + right)
    if operator == "-":
        return _finite(left - right)
    if operator == "*":
        return _finite(left * right)
    if operator == "/":
        if right == 0:
            raise EvaluationError(DIVISION_BY_ZERO)
        try:
            return _finite(left / right)
        except OverflowError:
            raise EvaluationError(TOO_LARGE) from None
    if left == 0 and right < 0:
        raise EvaluationError(DIVISION_BY_ZERO)
    try:
        return _finite(math.pow(left, right))
    except ValueError:
        raise EvaluationError(UNDEFINED) from None
    except OverflowError:
        raise EvaluationError(TOO_LARGE) from None


def _call(name: str, arguments: list, values: dict) -> float:
    if name == "if":
        chosen = arguments[1] if evaluate(arguments[0], values) else arguments[2]
        return evaluate(chosen, values)
    numbers = [evaluate(argument, values) for argument in arguments]
    first = numbers[0]
    if name in ("min", "max"):
        best = first
        for number in numbers[1:]:
            if (number < best) if name == "min" else (number > best):
                best = number
        return best
    if name == "round":
        return round_half_away(first, int(numbers[1]) if len(numbers) > 1 else 0)
    if name == "abs":
        return abs(first)
    if name == "sqrt":
        if first < 0:
            raise EvaluationError(UNDEFINED)
        return math.sqrt(first)
    if name == "exp":
        try:
            return _finite(math.exp(first))
        except OverflowError:
            raise EvaluationError(TOO_LARGE) from None
    if first <= 0:  # ln and log
        raise EvaluationError(UNDEFINED)
    return math.log(first) if name == "ln" else math.log10(first)


_TWELVE_DIGITS = Context(prec=SIGNIFICANT_DIGITS, rounding=ROUND_HALF_UP)


def shown_value(value: float, precision: int) -> float:
    """What a result shows: 12 significant digits (as the script's ``toPrecision(12)``), then ``precision``
    decimals, halves away from zero; raises ``too_large`` beyond :data:`LARGEST_SHOWN`."""
    if not math.isfinite(value):
        raise EvaluationError(TOO_LARGE)
    twelve = float(_TWELVE_DIGITS.plus(Decimal(value)))
    if abs(twelve) >= LARGEST_SHOWN:
        raise EvaluationError(TOO_LARGE)
    rounded = round_half_away(twelve, precision)
    return 0.0 if rounded == 0 else rounded  # never "-0"
