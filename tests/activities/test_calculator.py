"""The calculator activity: its Markdown, the checker's problems at path:line, results in the learner's locale."""

from __future__ import annotations

import io
import json
import re
import zipfile

import lxml.html
import pytest

from learn_habitat.activities.calculator import calculator_views, format_number, read_number
from learn_habitat.content import load_course, load_library
from scorm_export import export_course
from tests.activities.calculator_course import CALCULATOR_BODY, CALCULATOR_FRONT, calculator_course


def identity(text):
    return text


def problems_of(folder):
    return [p for p in load_library(folder.root).problems if p.severity == "error"]


def test_a_calculator_lesson_is_read_into_inputs_formulas_and_outputs(tmp_path):
    course = load_course(calculator_course(tmp_path).path)
    (calculator,) = course.lesson("tool", "en").activity.items
    assert calculator.title == "Housing cost burden"
    assert [(i.name, i.minimum, i.maximum, i.default) for i in calculator.inputs] == [
        ("costs", 0, 1e6, 800),
        ("income", 0, 1e7, 2500),
    ]
    assert [name for name, _, _ in calculator.formulas] == ["burden"]
    (output,) = calculator.outputs
    assert (output.label, output.unit, output.precision) == ("Share of income spent on housing", "%", 1)
    assert [output.band_for(v) for v in (30.0, 30.1, 50.0, 50.1)] == [
        "Affordable",
        "Cost-burdened",
        "Cost-burdened",
        "Severely cost-burdened",
    ]
    # The block is the calculator's: it does not show as text in the lesson.
    assert "formula" not in course.lesson("tool", "en").html


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        (
            "formula burden = costs / income * 100",
            "formula burden = costs / incme * 100",
            "did you mean 'income'",
        ),
        ("formula burden = costs / income * 100", "formula burden = __import__('os')", "not allowed"),
        (
            "formula burden = costs / income * 100",
            "formula burden = costs ** 2",
            "powers are written with '^'",
        ),
        (
            "formula burden = costs / income * 100",
            "formula burden = share * 100\nformula share = burden / 100",
            "in a circle: burden -> share -> burden",
        ),
        ("| 0..1000000 | 800", "| 100..10 | 800", "from a smaller to a larger number"),
        ("| 0..1000000 | 800", "| 0..100 | 800", "outside the range"),
        ("| % | 1", "| % | many", "decimals must be a whole number"),
        ("output burden:", "output burdn:", "output refers to the unknown name 'burdn'"),
        ("    > 50: Severely", "    > half: Severely", "not a number: 'half'"),
        ("input income:", "input costs:", "already used"),
        ("input income:", "input ln:", "cannot be a name"),
        (
            "input costs: Monthly housing costs | USD | 0..1000000 | 800",
            "input costs: Costs | 0..1",
            "four parts",
        ),
        ("formula burden", "bogus line\nformula burden", "unexpected line in a calculator"),
    ],
)
def test_the_checker_reports_each_mistake_at_its_line(tmp_path, line, replacement, message):
    folder = calculator_course(tmp_path)
    text = CALCULATOR_BODY.replace(line, replacement, 1)
    assert text != CALCULATOR_BODY
    folder.write_lesson("tool", text, front=CALCULATOR_FRONT)
    problems = problems_of(folder)
    assert problems, "no problem found"
    found = [p for p in problems if message in p.message]
    assert found, problems
    written = (folder.path / "en" / "tool.md").read_text(encoding="utf-8").splitlines()
    first_line = replacement.split("\n")[-1 if "circle" in message else 0].split(":")[0][:12]
    assert found[0].path.endswith("en/tool.md")
    assert first_line.strip()[:6] in written[found[0].line - 1], (found[0], written[found[0].line - 1])


def test_an_unclosed_block_and_a_lesson_without_a_calculator_are_reported(tmp_path):
    folder = calculator_course(tmp_path)
    folder.write_lesson(
        "tool", CALCULATOR_BODY.replace(":::\n\n## Sources", "\n## Sources"), front=CALCULATOR_FRONT
    )
    assert any("never closed" in p.message for p in problems_of(folder))
    folder.write_lesson("tool", "Just text.\n", front=CALCULATOR_FRONT)
    assert any("needs a '::: calculator TITLE' block" in p.message for p in problems_of(folder))


def test_a_translation_must_keep_the_formulas_ranges_and_thresholds(tmp_path):
    folder = calculator_course(tmp_path, arabic=True)
    assert problems_of(folder) == []
    ar = (folder.path / "ar" / "tool.md").read_text(encoding="utf-8")
    (folder.path / "ar" / "tool.md").write_text(ar.replace("costs / income * 100", "costs / income"), "utf-8")
    (problem,) = problems_of(folder)
    assert problem.path.endswith("ar/tool.md") and "differ from the source" in problem.message


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("en", "1,234.5", 1234.5),
        ("en", "1,5", 1.5),
        ("en", "1,500", 1500),
        ("fr", "1 234,5", 1234.5),
        ("fr", "1\u202f234,5", 1234.5),
        ("fr", "2,5", 2.5),
        ("es", "1.234,5", 1234.5),
        ("es", "1.500", 1500),
        ("ru", "−0,5", -0.5),
        ("ar", "١٢٣٫٤٥", 123.45),
        ("ar", "٢٬٥٠٠", 2500),
        ("ar", "۲۵۰۰", 2500),
        ("zh", "２５００", 2500),  # full-width digits
        ("en", "1,2,3", None),
        ("en", "abc", None),
        ("en", "1e5", None),
        ("en", "", None),
        ("fr", "1,2,3", None),
    ],
)
def test_numbers_are_read_in_the_learners_way(language, typed, expected):
    assert read_number(typed, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1,234,567.9"),
        ("fr", "1\u202f234\u202f567,9"),
        ("es", "1.234.567,9"),
        ("ru", "1\u00a0234\u00a0567,9"),
        ("ar", "1,234,567.9"),
        ("zh", "1,234,567.9"),
    ],
)
def test_numbers_are_shown_in_the_learners_way(language, expected):
    assert format_number(1234567.89, 1, language) == expected


def test_precision_rounds_halves_away_from_zero():
    assert format_number(0.125, 2, "en") == "0.13"
    assert format_number(-0.125, 2, "en") == "-0.13"
    assert format_number(2.5, 0, "en") == "3"
    assert format_number(-0.0001, 2, "en") == "0.00"


def test_the_server_computes_results_from_the_query_and_explains_what_it_cannot(tmp_path):
    calculators = load_course(calculator_course(tmp_path).path).lesson("tool", "en").activity
    (view,) = calculator_views(calculators, {}, "en", identity)
    assert [f.value for f in view.fields] == ["800", "2,500"]
    assert (view.results[0].text, view.results[0].band) == ("32.0", "Cost-burdened")
    (view,) = calculator_views(
        calculators, {"calc-1-in-costs": "1 500,5", "calc-1-in-income": "2 000"}, "fr", identity
    )
    assert (view.results[0].text, view.results[0].band) == ("75,0", "Severely cost-burdened")
    (view,) = calculator_views(calculators, {"calc-1-in-income": "0"}, "en", identity)
    assert view.results[0].text == "" and view.results[0].error.startswith("Division by zero")
    (view,) = calculator_views(
        calculators, {"calc-1-in-costs": "-5", "calc-1-in-income": "lots"}, "en", identity
    )
    assert [f.error for f in view.fields] == ["Enter a number from 0 to 1,000,000.", "Enter a number."]
    assert view.message and view.results[0].text == ""


@pytest.fixture
def calculator_client(app_config, tmp_path):
    """A signed-in learner enrolled in the calculator course, on a fresh database."""
    from learn_habitat import create_app
    from learn_habitat.extensions import db
    from tests.conftest import make_user

    folder = calculator_course(tmp_path / "courses")
    app_config["COURSES_DIR"], app_config["COURSE_LIBRARY"] = str(folder.root), load_library(folder.root)
    app = create_app(app_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    make_user(app)
    client = app.test_client()
    client.post("/login", data={"email": "learner@example.org", "password": "a long enough password"})
    assert client.post("/courses/calc-course/enrol").status_code == 302
    yield client
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def test_the_lesson_page_works_without_javascript(calculator_client):
    client = calculator_client
    page = page_of(client, "/courses/calc-course/tool")
    (form,) = page.xpath("//form[@class='calculator']")
    assert form.get("method") == "get" and form.get("action") == "/courses/calc-course/tool#calc-1"
    assert page.xpath("//output[@id='calc-1-out-burden']")[0].text == "32.0"
    page = page_of(client, "/courses/calc-course/tool?calc-1-in-costs=1300&calc-1-in-income=2000")
    assert page.xpath("//output[@id='calc-1-out-burden']")[0].text == "65.0"
    assert page.xpath("//span[@id='calc-1-out-burden-note']")[0].text == "Severely cost-burdened"
    page = page_of(client, "/courses/calc-course/tool?calc-1-in-costs=x&calc-1-in-income=2000")
    assert page.xpath("//input[@id='calc-1-in-costs']")[0].get("aria-invalid") == "true"
    assert page.xpath("//span[@id='calc-1-in-costs-error']")[0].text == "Enter a number."
    data = json.loads(page.xpath("//form[@class='calculator']/script[@type='application/json']")[0].text)
    assert data["formulas"] == [["burden", ["*", ["/", ["var", "costs"], ["var", "income"]], ["num", 100.0]]]]
    assert page.xpath("//script[contains(@src, 'js/calculator.js')]")


def test_packages_carry_the_calculator_its_script_and_its_default_results(tmp_path):
    library = load_library(calculator_course(tmp_path, arabic=True).root)
    course = library.get("calc-course")
    for standard in ("scorm12", "scorm2004"):
        archive = zipfile.ZipFile(io.BytesIO(export_course(course, "ar", standard)))
        assert "assets/calculator.js" in archive.namelist()
        page = lxml.html.fromstring(archive.read("tool.html"))
        assert page.xpath("//script[@src='assets/calculator.js']")
        assert page.xpath("//output[@id='calc-1-out-burden']")[0].text == "32.0"
        assert page.xpath("//label[@for='calc-1-in-costs']")[0].text_content().startswith("تكاليف السكن")
        assert not re.search(r"<script>(?!</script>)", archive.read("tool.html").decode())
