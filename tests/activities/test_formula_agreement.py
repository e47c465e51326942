"""The Python evaluator (the site without JavaScript) and calculator.js (the site with it, and packages offline)
give the same results on generated formulas and inputs, including division by zero and impossible values; and
read numbers typed in every language the same way. The script runs in node, as the same file the pages load."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learn_habitat.activities import formula
from learn_habitat.activities.calculator import number_symbols, read_number
from learn_habitat.content import SUPPORTED_LANGUAGES
from tests.conftest import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "learn_habitat" / "static" / "js" / "calculator.js"
NODE = shutil.which("node") or "/usr/bin/node"
# One node process answers one JSON line per question, for the whole module.
SERVER = """
const calc = require(process.argv[1]);
const lines = require("readline").createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const q = JSON.parse(line);
  let answer;
  if (q.op === "read") {
    answer = { number: calc.readNumber(q.text, q.locale) };
  } else {
    const known = calc.compute([["result", q.tree]], q.values);
    const value = known.result;
    if (value instanceof calc.EvaluationError) {
      answer = { error: value.code };
    } else {
      answer = { value: value };
      try { answer.shown = calc.shownValue(value, q.precision); } catch (e) { answer.shownError = e.code; }
    }
  }
  process.stdout.write(JSON.stringify(answer) + "\\n");
});
"""


@pytest.fixture(scope="module")
def node():
    if not shutil.which(NODE):
        pytest.skip("node is not installed")
    process = subprocess.Popen(
        [NODE, "-e", SERVER, str(SCRIPT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )

    def ask(question: dict) -> dict:
        process.stdin.write(json.dumps(question, ensure_ascii=False) + "\n")
        process.stdin.flush()
        return json.loads(process.stdout.readline())

    yield ask
    process.stdin.close()
    process.wait(timeout=10)
    process.stdout.close()


NAMES = ("a", "b", "c")
numbers = st.one_of(
    st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, 10.0, 100.0, 1e-3]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)


def literal(value: float) -> str:
    text = repr(abs(value))
    return f"(-{text})" if math.copysign(1, value) < 0 else text


leaves = st.one_of(st.sampled_from(NAMES), numbers.map(literal))


def extend(children):
    pair = st.tuples(children, children)
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/", "^"]), pair).map(
            lambda t: f"({t[1][0]} {t[0]} {t[1][1]})"
        ),
        st.tuples(st.sampled_from(["ln", "log", "exp", "sqrt", "abs", "round"]), children).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        st.tuples(st.sampled_from(["min", "max"]), pair).map(lambda t: f"{t[0]}({t[1][0]}, {t[1][1]})"),
        st.tuples(children, st.integers(0, 4)).map(lambda t: f"round({t[0]}, {t[1]})"),
        children.map(lambda c: f"-{c}"),
        st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), pair, pair).map(
            lambda t: f"if({t[1][0]} {t[0]} {t[1][1]} and not {t[2][0]} == {t[2][1]}, {t[2][0]}, {t[2][1]})"
        ),
    )


formulas_text = st.recursive(leaves, extend, max_leaves=12)


def python_answer(tree, values, precision):
    try:
        value = formula.evaluate(tree, values)
    except formula.EvaluationError as error:
        return {"error": error.code}
    answer = {"value": value}
    try:
        answer["shown"] = formula.shown_value(value, precision)
    except formula.EvaluationError as error:
        answer["shownError"] = error.code
    return answer


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=formulas_text, a=numbers, b=numbers, c=numbers, precision=st.integers(0, 4))
def test_python_and_the_browser_script_give_the_same_results(node, text, a, b, c, precision):
    tree = formula.parse(text)
    values = {"a": a, "b": b, "c": c}
    expected = python_answer(tree, values, precision)
    found = node({"op": "eval", "tree": tree, "values": values, "precision": precision})
    assert found.keys() == expected.keys(), (text, values, expected, found)
    assert found.get("error") == expected.get("error")
    assert found.get("shownError") == expected.get("shownError")
    assert found.get("shown") == expected.get("shown"), (text, values, expected, found)
    if "value" in expected:
        # The raw values may differ in the last bit (two maths libraries); what the learner sees may not.
        assert found["value"] == pytest.approx(expected["value"], rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a / 0", "division_by_zero"),
        ("ln(0)", "undefined"),
        ("(-8) ^ 0.5", "undefined"),
        ("exp(1e4)", "too_large"),
    ],
)
def test_both_explain_impossible_values_with_the_same_code(node, text, code):
    tree = formula.parse(text)
    assert python_answer(tree, {"a": 1.0}, 2) == {"error": code}
    assert node({"op": "eval", "tree": tree, "values": {"a": 1.0}, "precision": 2}) == {"error": code}


typed = st.text(
    alphabet=st.sampled_from(list("0123456789,. -+e٫٬−٠١٢٣٤٥٦٧٨٩۰۵\u202f\u00a0x")),
    max_size=14,
)


@settings(max_examples=300, deadline=None)
@given(text=typed, language=st.sampled_from(SUPPORTED_LANGUAGES))
def test_python_and_the_browser_script_read_typed_numbers_the_same_way(node, text, language):
    expected = read_number(text, language)
    found = node({"op": "read", "text": text, "locale": number_symbols(language)})["number"]
    assert found == expected, (text, language)
