"""The XLIFF round trip: export a course for translators, import their file back (docs/translating.md).

Shipped lessons are read at test time and copied to a temporary folder first: nothing is written into
courses/.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from lxml import etree

from learn_habitat.cli import main
from learn_habitat.content import SUPPORTED_LANGUAGES
from learn_habitat.xliff import XliffError, export_course, import_xliff
from learn_habitat.xliff.document import GLS, MDA, XLIFF
from learn_habitat.xliff.segmenter import build_lesson, split_lesson, with_translation_of
from tests.conftest import SHIPPED_COURSES

NS = {"x": XLIFF, "gls": GLS, "mda": MDA}
COURSE = "adequate-housing"
QUIZ = "quiz-affordability-tenure-and-informal-settlements"


def _copy(tmp_path, courses=None):
    root = tmp_path / "courses"
    root.mkdir()
    shutil.copy(SHIPPED_COURSES / "termbase.yaml", root / "termbase.yaml")
    for folder in sorted(p for p in SHIPPED_COURSES.iterdir() if p.is_dir()):
        if courses is None or folder.name in courses:
            shutil.copytree(folder, root / folder.name)
    return root


def _snapshot(root) -> dict:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*.md")}


def _languages(course_folder):
    return [
        p.name for p in sorted(course_folder.iterdir()) if p.name in SUPPORTED_LANGUAGES and p.name != "en"
    ]


def test_every_shipped_lesson_file_is_rebuilt_byte_for_byte_from_its_units():
    for path in sorted(SHIPPED_COURSES.glob("*/*/*.md")):
        text = path.read_bytes().decode("utf-8")
        lesson = split_lesson(text)
        rebuilt = with_translation_of(build_lesson(lesson), lesson.translation_of, lesson.translation_of_line)
        assert rebuilt == text, path


def test_every_shipped_lesson_is_byte_identical_after_export_and_unchanged_import(tmp_path):
    root = _copy(tmp_path)
    before = _snapshot(root)
    through_targets = 0
    for course in sorted(p for p in root.iterdir() if p.is_dir()):
        for language in _languages(course):
            data = export_course(root, course.name, language)
            report = import_xliff(root, data, f"{course.name}-{language}.xlf")
            assert report.written == [], (course.name, language, report.written)
            through_targets += len(report.unchanged)
    assert _snapshot(root) == before
    # Not a vacuous pass: most translations align with their source and go through export and import.
    assert through_targets >= 150


@pytest.fixture(scope="module")
def housing(tmp_path_factory):
    """A copy of one course and its French XLIFF file, exported once for the tests below."""
    root = _copy(tmp_path_factory.mktemp("housing"), {COURSE})
    return root, export_course(root, COURSE, "fr")


def _refused(root, document, name="fr.xlf") -> list[str]:
    before = _snapshot(root)
    data = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    with pytest.raises(XliffError) as caught:
        import_xliff(root, data, name)
    assert _snapshot(root) == before, "a refused file must write nothing"
    return caught.value.problems


def _unit(document, lesson, unit_id):
    return document.xpath(f"//x:file[@id='{lesson}']/x:unit[@id='{unit_id}']", namespaces=NS)[0]


def _first_unit_with(document, xpath):
    for unit in document.xpath("//x:unit", namespaces=NS):
        if unit.xpath(xpath, namespaces=NS):
            return unit
    raise AssertionError(xpath)


def test_export_is_xliff_2_1_with_a_file_per_lesson_notes_metadata_and_the_termbase_as_glossary(housing):
    root, data = housing
    document = etree.fromstring(data)
    assert document.tag == f"{{{XLIFF}}}xliff"
    assert (document.get("version"), document.get("srcLang"), document.get("trgLang")) == ("2.1", "en", "fr")
    files = document.findall("x:file", NS)
    assert [f.get("id") for f in files] == [p.stem for p in _ordered_lessons(root)]
    first = files[0]
    assert first.get("original") == f"{COURSE}/en/{first.get('id')}.md"
    meta = {m.get("type"): m.text for m in first.iterfind(".//mda:meta", NS)}
    assert meta["course"] == COURSE and meta["language"] == "fr" and len(meta["source-fingerprint"]) == 12
    assert [n.get("category") for n in first.find("x:notes", NS)] == ["course", "lesson", "type"]
    # Structure of every unit, in the order the core schema requires: modules, notes, originalData, segment.
    order = {
        f"{{{GLS}}}glossary": 0,
        f"{{{XLIFF}}}notes": 1,
        f"{{{XLIFF}}}originalData": 2,
        f"{{{XLIFF}}}segment": 3,
    }
    for unit in document.iterfind(".//x:unit", NS):
        ranks = [order[child.tag] for child in unit]
        assert ranks == sorted(ranks) and ranks.count(3) == 1, unit.get("id")
        segment = unit.find("x:segment", NS)
        assert segment.get("state") in ("initial", "translated", "final")
        data_ids = {d.get("id") for d in unit.iterfind("x:originalData/x:data", NS)}
        refs = {v for e in segment.iter() for k, v in e.attrib.items() if k.startswith("dataRef")}
        assert refs <= data_ids
    entry = _first_unit_with(document, "gls:glossary").find("gls:glossary/gls:glossEntry", NS)
    assert entry.find("gls:term", NS).text and entry.find("gls:translation", NS) is not None
    # Markdown syntax is protected: a link is a <pc> whose target is original data, never translatable text.
    link = document.xpath("//x:source/x:pc[@type='link']", namespaces=NS)[0]
    assert link.get("dispEnd").startswith("](") and "](" not in "".join(link.getparent().itertext())


def _ordered_lessons(root):
    from learn_habitat.content import load_course

    course = load_course(root / COURSE, languages=("en",))
    return [root / COURSE / "en" / f"{lesson}.md" for lesson in course.lesson_ids]


def test_a_deleted_protected_code_is_refused_with_its_file_and_unit(housing):
    root, data = housing
    document = etree.fromstring(data)
    unit = _first_unit_with(document, "x:segment/x:target/x:pc[@type='link']")
    lesson = unit.getparent().get("id")
    link = unit.find("x:segment/x:target/x:pc", NS)
    link.getparent().remove(link)
    problems = _refused(root, document)
    assert any(f"{lesson}:{unit.get('id')}: the protected code" in p and "is missing" in p for p in problems)
    assert all(p.startswith("fr.xlf:") for p in problems)


def test_a_changed_link_target_is_refused(housing):
    root, data = housing
    document = etree.fromstring(data)
    unit = _first_unit_with(document, "x:segment/x:target/x:pc[@type='link']")
    unit.find("x:segment/x:target/x:pc", NS).set("dispEnd", "](https://example.org/elsewhere)")
    problems = _refused(root, document)
    where = f"{unit.getparent().get('id')}:{unit.get('id')}"
    assert any(where in p and "was changed (dispEnd)" in p for p in problems), problems


def test_changed_original_data_is_refused(housing):
    root, data = housing
    document = etree.fromstring(data)
    unit = _first_unit_with(document, "x:segment/x:target/x:pc[@type='link']")
    unit.find("x:originalData/x:data", NS).text = "](javascript:alert(1))"
    problems = _refused(root, document)
    assert any("original data of the protected codes was changed" in p for p in problems)


def test_an_unknown_unit_is_refused(housing):
    root, data = housing
    document = etree.fromstring(data)
    unit = document.find("x:file/x:unit", NS)
    unit.set("id", "u9999")
    problems = _refused(root, document)
    lesson = unit.getparent().get("id")
    assert any(f"{lesson}:u9999: no unit 'u9999'" in p for p in problems)
    assert any(f"{lesson}:u1: the unit is missing" in p for p in problems)


def test_a_wrong_target_language_is_refused(housing):
    root, data = housing
    document = etree.fromstring(data)
    document.set("trgLang", "es")
    problems = _refused(root, document)
    assert any("trgLang is 'es' but this lesson was exported for 'fr'" in p for p in problems)


def test_a_unit_moved_to_another_file_is_refused(housing):
    root, data = housing
    document = etree.fromstring(data)
    first, second = document.findall("x:file", NS)[:2]
    unit = first.findall("x:unit", NS)[-1]
    second.append(unit)
    problems = _refused(root, document)
    assert any(f"{first.get('id')}:{unit.get('id')}: the unit is missing" in p for p in problems)
    assert any(p.split(": ")[1] == f"{second.get('id')}:{unit.get('id')}" for p in problems)


def test_a_translated_target_changes_only_that_lesson_and_stamps_it(tmp_path):
    root = _copy(tmp_path, {COURSE})
    document = etree.fromstring(export_course(root, COURSE, "fr"))
    lesson = "security-of-tenure"
    # The team translated and reviewed the whole lesson: every unit of it has a target, signed off.
    for unit in document.xpath(f"//x:file[@id='{lesson}']/x:unit", namespaces=NS):
        segment = unit.find("x:segment", NS)
        target = segment.find("x:target", NS)
        target.clear()
        source = segment.find("x:source", NS)
        target.text = source.text
        for child in source:
            target.append(_copy_element(child))
        segment.set("state", "final")
    heading = _unit(document, lesson, "u1").find("x:segment/x:target", NS)
    heading.text = "La sécurité d'occupation, revue par l'équipe"
    before = _snapshot(root)
    report = import_xliff(root, etree.tostring(document), "fr.xlf")
    after = _snapshot(root)
    changed = sorted(path for path in after if after[path] != before.get(path))
    assert changed == [f"{COURSE}/fr/{lesson}.md"]
    text = after[changed[0]].decode("utf-8")
    assert "title: \"La sécurité d'occupation, revue par l'équipe\"" in text
    source = (root / COURSE / "en" / f"{lesson}.md").read_bytes()
    assert f"translation_of: {hashlib.sha256(source).hexdigest()[:12]}" in text
    assert [str(p) for p in report.stamped] == [str(root / COURSE / "fr" / f"{lesson}.md")]


def _copy_element(element):
    import copy

    return copy.deepcopy(element)


def test_changing_an_option_keeps_the_quiz_keys_and_numeric_answers(tmp_path):
    root = _copy(tmp_path, {COURSE})
    document = etree.fromstring(export_course(root, COURSE, "fr"))
    source_text = (root / COURSE / "en" / f"{QUIZ}.md").read_text(encoding="utf-8")
    options = [
        unit
        for unit in document.xpath(f"//x:file[@id='{QUIZ}']/x:unit", namespaces=NS)
        if unit.find("x:notes/x:note", NS).text.startswith("option ")
    ]
    for number, unit in enumerate(options):
        target = unit.find("x:segment/x:target", NS)
        for child in list(target):
            target.remove(child)
        target.text = f"Réponse reformulée {number}"
    import_xliff(root, etree.tostring(document), "fr.xlf")
    written = (root / COURSE / "fr" / f"{QUIZ}.md").read_text(encoding="utf-8")
    assert "Réponse reformulée 0" in written

    def keys(text):
        return [line[:5] for line in text.splitlines() if line.startswith(("- [x]", "- [ ]", "= "))]

    numeric = [line for line in source_text.splitlines() if line.startswith("= ") and "±" in line]
    assert numeric and all(line in written.splitlines() for line in numeric)
    assert [k for k in keys(written) if k.startswith("- [")] == [
        k for k in keys(source_text) if k.startswith("- [")
    ]


def test_cli_exports_to_stdout_or_a_file_and_refuses_a_damaged_import(tmp_path, housing):
    root = _copy(tmp_path, {COURSE})
    runner = CliRunner()
    result = runner.invoke(main, ["xliff", "export", COURSE, "--lang", "ar", "--path", str(root)])
    assert result.exit_code == 0, result.output
    assert b'trgLang="ar"' in result.stdout_bytes and b'trgDir="rtl"' in result.stdout_bytes
    output = tmp_path / "fr.xlf"
    result = runner.invoke(
        main, ["xliff", "export", COURSE, "--lang", "fr", "--output", str(output), "--path", str(root)]
    )
    assert result.exit_code == 0 and output.read_bytes().startswith(b"<?xml")
    result = runner.invoke(main, ["xliff", "import", str(output), "--path", str(root)])
    assert result.exit_code == 0, result.output
    damaged = output.read_bytes().replace(b'trgLang="fr"', b'trgLang="ru"', 1)
    output.write_bytes(damaged)
    before = _snapshot(root)
    result = runner.invoke(main, ["xliff", "import", str(output), "--path", str(root)])
    assert result.exit_code == 1
    assert f"{output}:2: housing-as-a-human-right: trgLang is 'ru'" in result.output
    assert _snapshot(root) == before


def test_the_xliff_package_does_not_import_flask():
    code = "import sys, learn_habitat.xliff\nprint('flask' in sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
