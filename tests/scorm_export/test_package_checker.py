"""The SCORM package checker: valid third-party packages pass, and each broken rule gives one clear problem."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from scorm_export import checker
from scorm_export.checker import check_package

# -- fixtures: packages shaped like what authoring tools export, written for these tests ----------------------

SCORM12_MANIFEST = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.adequate-housing.scorm12" version="1.3"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
    <adlcp:location>metadata/course-lom.xml</adlcp:location>
  </metadata>
  <organizations default="ORG-HOUSING">
    <organization identifier="ORG-HOUSING" structure="hierarchical">
      <title>Adequate housing</title>
      <item identifier="MODULE-RIGHTS" isvisible="true">
        <title>The right to adequate housing</title>
        <item identifier="ITEM-MEANING" identifierref="RES-MEANING" isvisible="true">
          <title>What adequate means</title>
          <adlcp:masteryscore>80</adlcp:masteryscore>
        </item>
        <item identifier="ITEM-TENURE" identifierref="RES-TENURE" isvisible="true" parameters="?lang=en">
          <title>Security of tenure</title>
          <adlcp:prerequisites type="aicc_script">ITEM-MEANING</adlcp:prerequisites>
          <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
          <adlcp:timelimitaction>continue,no message</adlcp:timelimitaction>
          <adlcp:datafromlms>lang=en</adlcp:datafromlms>
          <adlcp:masteryscore>70</adlcp:masteryscore>
        </item>
      </item>
      <item identifier="ITEM-QUIZ" identifierref="RES-QUIZ">
        <title>Check your understanding</title>
        <adlcp:prerequisites type="aicc_script">MODULE-RIGHTS</adlcp:prerequisites>
      </item>
    </organization>
    <organization identifier="ORG-REFERENCE">
      <title>Reference material</title>
      <item identifier="ITEM-GLOSSARY" identifierref="RES-GLOSSARY">
        <title>Glossary</title>
      </item>
    </organization>
  </organizations>
  <resources xml:base="content/">
    <resource identifier="RES-MEANING" type="webcontent" adlcp:scormtype="sco" xml:base="meaning/"
        href="index.html">
      <metadata>
        <schema>ADL SCORM</schema>
        <schemaversion>1.2</schemaversion>
        <imsmd:lom>
          <imsmd:general>
            <imsmd:title><imsmd:langstring xml:lang="en">What adequate means</imsmd:langstring></imsmd:title>
          </imsmd:general>
        </imsmd:lom>
      </metadata>
      <file href="index.html"/>
      <file href="figures/seven%20criteria.svg"/>
      <dependency identifierref="RES-COMMON"/>
    </resource>
    <resource identifier="RES-TENURE" type="webcontent" adlcp:scormtype="sco" xml:base="tenure/"
        href="index.html?start=1#top">
      <file href="index.html"/>
      <dependency identifierref="RES-COMMON"/>
    </resource>
    <resource identifier="RES-QUIZ" type="webcontent" adlcp:scormtype="sco" href="quiz/quiz.html">
      <file href="quiz/quiz.html"/>
      <file href="quiz/questions.js"/>
      <dependency identifierref="RES-COMMON"/>
    </resource>
    <resource identifier="RES-GLOSSARY" type="webcontent" adlcp:scormtype="asset" href="glossary.html">
      <file href="glossary.html"/>
    </resource>
    <resource identifier="RES-COMMON" type="webcontent" adlcp:scormtype="asset" xml:base="common/">
      <file href="scorm12-api.js"/>
      <file href="style.css"/>
    </resource>
  </resources>
</manifest>
"""

SCORM12_FILES = {
    "imsmanifest.xml": SCORM12_MANIFEST,
    "metadata/course-lom.xml": "<lom xmlns='http://www.imsglobal.org/xsd/imsmd_rootv1p2p1'/>\n",
    "content/meaning/index.html": "<!doctype html><title>What adequate means</title>\n",
    "content/meaning/figures/seven criteria.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    "content/tenure/index.html": "<!doctype html><title>Security of tenure</title>\n",
    "content/quiz/quiz.html": "<!doctype html><title>Quiz</title>\n",
    "content/quiz/questions.js": "var questions = [];\n",
    "content/glossary.html": "<!doctype html><title>Glossary</title>\n",
    "content/common/scorm12-api.js": "function findAPI(win) { return win.API; }\n",
    "content/common/style.css": "body { margin: 0; }\n",
}

SCORM2004_MANIFEST = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="org.example.sdg11-monitoring" version="2"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd
                        http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd
                        http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd
                        http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd
                        http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
    <lom xmlns="http://ltsc.ieee.org/xsd/LOM">
      <general>
        <identifier><catalog>URI</catalog><entry>urn:example:course:sdg11-monitoring</entry></identifier>
        <title><string language="en">Monitoring SDG 11</string></title>
        <language>en</language>
        <description><string language="en">Indicators, data sources and reporting for SDG 11.</string></description>
        <keyword><string language="en">urban indicators</string></keyword>
      </general>
      <lifeCycle>
        <version><string language="en">2.0</string></version>
        <status><source>LOMv1.0</source><value>final</value></status>
      </lifeCycle>
      <technical><format>text/html</format></technical>
      <educational>
        <interactivityType><source>LOMv1.0</source><value>mixed</value></interactivityType>
        <typicalLearningTime><duration>PT1H30M</duration></typicalLearningTime>
      </educational>
      <rights>
        <copyrightAndOtherRestrictions><source>LOMv1.0</source><value>yes</value></copyrightAndOtherRestrictions>
        <description><string language="en">CC BY 4.0</string></description>
      </rights>
    </lom>
  </metadata>
  <organizations default="ORG-SDG11">
    <organization identifier="ORG-SDG11" structure="hierarchical" adlseq:objectivesGlobalToSystem="false">
      <title>Monitoring SDG 11</title>
      <item identifier="ITEM-INDICATORS" identifierref="RES-INDICATORS">
        <title>The SDG 11 indicators</title>
        <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.8"/>
        <imsss:sequencing>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
        <adlnav:presentation>
          <adlnav:navigationInterface>
            <adlnav:hideLMSUI>continue</adlnav:hideLMSUI>
            <adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
          </adlnav:navigationInterface>
        </adlnav:presentation>
      </item>
      <item identifier="ITEM-DATA" identifierref="RES-DATA">
        <title>Data sources</title>
        <adlcp:timeLimitAction>continue,no message</adlcp:timeLimitAction>
        <adlcp:completionThreshold progressWeight="0.5"/>
      </item>
      <item identifier="ITEM-QUIZ" identifierref="RES-QUIZ">
        <title>Check your understanding</title>
        <imsss:sequencing>
          <imsss:limitConditions attemptLimit="3"/>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="quiz-passed" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure>
              <imsss:mapInfo targetObjectiveID="urn:example:sdg11:quiz" writeSatisfiedStatus="true"/>
            </imsss:primaryObjective>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
        <imsss:rollupRules rollupObjectiveSatisfied="true">
          <imsss:rollupRule childActivitySet="all">
            <imsss:rollupConditions>
              <imsss:rollupCondition condition="completed"/>
            </imsss:rollupConditions>
            <imsss:rollupAction action="completed"/>
          </imsss:rollupRule>
        </imsss:rollupRules>
        <imsss:objectives>
          <imsss:primaryObjective objectiveID="course-satisfied" satisfiedByMeasure="false"/>
        </imsss:objectives>
        <imsss:deliveryControls tracked="true"/>
        <adlseq:rollupConsiderations requiredForSatisfied="ifAttempted"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-INDICATORS" type="webcontent" adlcp:scormType="sco" href="indicators/index.html">
      <file href="indicators/index.html"/>
      <file href="indicators/chart.svg"/>
      <dependency identifierref="RES-SHARED"/>
    </resource>
    <resource identifier="RES-DATA" type="webcontent" adlcp:scormType="sco" href="data/index.html#sources">
      <file href="data/index.html"/>
      <dependency identifierref="RES-SHARED"/>
    </resource>
    <resource identifier="RES-QUIZ" type="webcontent" adlcp:scormType="sco" href="quiz/index.html">
      <file href="quiz/index.html"/>
      <dependency identifierref="RES-SHARED"/>
    </resource>
    <resource identifier="RES-SHARED" type="webcontent" adlcp:scormType="asset">
      <file href="shared/scorm2004-api.js"/>
      <file href="shared/style.css"/>
      <file href="shared/images/city%20map.png"/>
    </resource>
  </resources>
</manifest>
"""

SCORM2004_FILES = {
    "imsmanifest.xml": SCORM2004_MANIFEST,
    "indicators/index.html": "<!doctype html><title>Indicators</title>\n",
    "indicators/chart.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    "data/index.html": "<!doctype html><title>Data sources</title>\n",
    "quiz/index.html": "<!doctype html><title>Quiz</title>\n",
    "shared/scorm2004-api.js": "function findAPI(win) { return win.API_1484_11; }\n",
    "shared/style.css": "body { margin: 0; }\n",
    "shared/images/city map.png": b"\x89PNG\r\n\x1a\n",
}


# A 2004 package as a tool with other habits writes it: the CP namespace on a prefix, adlcp and adlnav on
# other prefixes, imsss as the default namespace of its subtree. Namespace-aware reading must not care.
OTHER_PREFIXES_MANIFEST = """\
<?xml version="1.0" encoding="UTF-8"?>
<cp:manifest identifier="MANIFEST-1" xmlns:cp="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:scorm="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:nav="http://www.adlnet.org/xsd/adlnav_v1p3">
  <cp:metadata>
    <cp:schema>ADL SCORM</cp:schema>
    <cp:schemaversion>2004 4th Edition</cp:schemaversion>
  </cp:metadata>
  <cp:organizations default="ORG-1">
    <cp:organization identifier="ORG-1">
      <cp:title>Monitoring SDG 11</cp:title>
      <cp:item identifier="ITEM-1" identifierref="RES-1">
        <cp:title>The SDG 11 indicators</cp:title>
        <nav:presentation><nav:navigationInterface><nav:hideLMSUI>exit</nav:hideLMSUI></nav:navigationInterface></nav:presentation>
      </cp:item>
      <sequencing xmlns="http://www.imsglobal.org/xsd/imsss">
        <controlMode choice="false" flow="true"/>
        <deliveryControls tracked="true"/>
      </sequencing>
    </cp:organization>
  </cp:organizations>
  <cp:resources>
    <cp:resource identifier="RES-1" type="webcontent" scorm:scormType="sco" href="indicators/index.html">
      <cp:file href="indicators/index.html"/>
      <cp:dependency identifierref="RES-2"/>
    </cp:resource>
    <cp:resource identifier="RES-2" type="webcontent" scorm:scormType="asset">
      <cp:file href="shared/scorm2004-api.js"/>
    </cp:resource>
  </cp:resources>
</cp:manifest>
"""

FIXTURES = {
    "scorm12": SCORM12_FILES,
    "scorm2004": SCORM2004_FILES,
    "other-prefixes": {**SCORM2004_FILES, "imsmanifest.xml": OTHER_PREFIXES_MANIFEST},
}
STANDARD_OF = {"scorm12": "scorm12", "scorm2004": "scorm2004", "other-prefixes": "scorm2004"}


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    """Write *files* (entry name -> text or bytes) into a zip at *path*."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def broken(files: dict[str, str | bytes], old: str, new: str) -> dict[str, str | bytes]:
    """*files* with the manifest changed in exactly one place."""
    manifest = files["imsmanifest.xml"]
    assert manifest.count(old) == 1, f"{old!r} must occur once in the fixture manifest"
    return {**files, "imsmanifest.xml": manifest.replace(old, new)}


def line_of(files: dict[str, str | bytes], text: str) -> int:
    """The 1-based manifest line on which *text* starts."""
    manifest = files["imsmanifest.xml"]
    assert manifest.count(text) == 1, text
    return manifest[: manifest.index(text)].count("\n") + 1


def assert_on_tag(problem, files: dict[str, str | bytes], text: str) -> None:
    """*problem* is reported on a line of the start tag that holds *text* (libxml2 gives the tag's last line)."""
    manifest = files["imsmanifest.xml"]
    assert manifest.count(text) == 1, text
    position = manifest.index(text)
    first = manifest[: manifest.rindex("<", 0, position + 1)].count("\n") + 1
    last = manifest[: manifest.index(">", position)].count("\n") + 1
    assert problem.where.startswith("imsmanifest.xml:"), problem.where
    assert first <= int(problem.where.removeprefix("imsmanifest.xml:")) <= last, (problem.where, first, last)


@pytest.fixture(scope="session")
def schemas_dir() -> Path:
    """The official schemas: LEARN_HABITAT_SCORM_SCHEMAS, else ../shared/scorm-schemas beside the project."""
    configured = os.environ.get("LEARN_HABITAT_SCORM_SCHEMAS")
    folder = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[2].parent / "shared" / "scorm-schemas"
    )
    needed = ("scorm12/imscp_rootv1p1p2.xsd", "scorm2004-4th/imscp_v1p1.xsd", "scorm2004-4th/xml.xsd")
    if not all((folder / file).is_file() for file in needed):
        pytest.skip(
            f"official SCORM schemas not found at {folder}; set LEARN_HABITAT_SCORM_SCHEMAS to the folder "
            "holding scorm12/ and scorm2004-4th/ to run the XSD tests"
        )
    return folder


def check(tmp_path: Path, files: dict[str, str | bytes], schemas: Path | None = None):
    """The report for a package holding *files*."""
    return check_package(write_zip(tmp_path / "package.zip", files), schemas_dir=schemas)


def only_problem(report) -> checker.PackageProblem:
    """The single problem of *report* (fails with all of them listed otherwise)."""
    assert len(report.problems) == 1, [str(p) for p in report.problems]
    return report.problems[0]


# -- valid packages pass ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_valid_third_party_packages_pass_the_official_schemas(tmp_path, schemas_dir, fixture):
    report = check(tmp_path, FIXTURES[fixture], schemas_dir)
    assert [str(p) for p in report.problems] == []
    assert report.ok
    assert report.standard == STANDARD_OF[fixture]
    assert report.schema_validated
    assert report.schema_note is None


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_without_schemas_valid_packages_pass_and_the_note_says_validation_was_skipped(tmp_path, fixture):
    report = check(tmp_path, FIXTURES[fixture])
    assert report.ok, [str(p) for p in report.problems]
    assert report.standard == STANDARD_OF[fixture]
    assert not report.schema_validated
    assert "no schema folder given" in report.schema_note
    assert "skipped" in report.schema_note


def test_bytes_input_gives_the_same_report_as_a_path(tmp_path):
    path = write_zip(tmp_path / "package.zip", SCORM2004_FILES)
    assert check_package(path.read_bytes()) == check_package(path) == check_package(str(path))
    assert check_package(path.read_bytes()).ok


def test_http_launch_url_is_allowed_for_a_resource(tmp_path):
    files = broken(SCORM2004_FILES, 'href="quiz/index.html">', 'href="https://quiz.example.org/sdg11?id=3">')
    assert check(tmp_path, files).ok


# -- the zip ------------------------------------------------------------------------------------------------


def test_a_file_that_is_not_a_zip_is_reported(tmp_path):
    path = tmp_path / "package.zip"
    path.write_text("not a zip at all")
    report = check_package(path)
    assert str(only_problem(report)) == f"package: not a zip file: {path}"
    assert report.standard is None
    assert not report.schema_validated


def test_bytes_that_are_not_a_zip_are_reported():
    assert (
        str(only_problem(check_package(b"PK but not really"))) == "package: not a zip file: the bytes given"
    )


def test_a_missing_file_is_reported_not_raised(tmp_path):
    problem = only_problem(check_package(tmp_path / "nowhere.zip"))
    assert problem.where == "package"
    assert "cannot read" in problem.message


def test_a_package_without_a_manifest_is_reported(tmp_path):
    files = {name: content for name, content in SCORM12_FILES.items() if name != "imsmanifest.xml"}
    assert str(only_problem(check(tmp_path, files))) == "package: there is no imsmanifest.xml in the package"


def test_a_manifest_in_a_subfolder_is_reported_with_where_it_was_found(tmp_path):
    files = {f"adequate-housing/{name}": content for name, content in SCORM12_FILES.items()}
    assert str(only_problem(check(tmp_path, files))) == (
        "package: imsmanifest.xml must be at the root of the zip; found adequate-housing/imsmanifest.xml"
    )


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("../outside.html", "climbs out of its folder with '..'"),
        ("content/../../outside.html", "climbs out of its folder with '..'"),
        ("/etc/cron.d/job", "is an absolute path"),
        ("C:/Windows/evil.dll", "is an absolute path"),
        ("content\\lesson\\index.html", "contains a backslash"),
    ],
)
def test_unsafe_zip_entries_are_refused(tmp_path, entry, reason):
    problem = only_problem(check(tmp_path, {**SCORM12_FILES, entry: "x"}))
    assert problem.where == entry
    assert "unsafe zip entry name" in problem.message
    assert reason in problem.message


def test_a_manifest_that_is_not_xml_names_the_parser_line(tmp_path):
    files = broken(SCORM12_FILES, "<title>Glossary</title>", "<title>Glossary</titel>")
    problem = only_problem(check(tmp_path, files))
    assert problem.where == f"imsmanifest.xml:{line_of(files, '<title>Glossary</titel>')}"
    assert "not well-formed XML" in problem.message


def test_a_manifest_with_another_root_element_is_reported(tmp_path):
    files = {**SCORM12_FILES, "imsmanifest.xml": '<?xml version="1.0"?>\n<course xmlns="urn:x"/>\n'}
    problem = only_problem(check(tmp_path, files))
    assert problem.where == "imsmanifest.xml:2"
    assert "root element must be <manifest>" in problem.message


# -- the standard -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2004 3rd Edition", "CAM 1.3", "2004", "1.2.1"])
def test_schemaversion_must_be_exact(tmp_path, version):
    files = broken(SCORM2004_FILES, "<schemaversion>2004 4th Edition<", f"<schemaversion>{version}<")
    report = check(tmp_path, files)
    problem = only_problem(report)
    assert problem.where == f"imsmanifest.xml:{line_of(files, '<schemaversion>')}"
    assert problem.message == (
        f"schemaversion must be exactly '1.2' (SCORM 1.2) or '2004 4th Edition' (SCORM 2004), not {version!r}"
    )
    assert report.standard == "scorm2004"  # still told from the namespaces, so every other rule runs


@pytest.mark.parametrize(("fixture", "standard"), [("scorm12", "scorm12"), ("scorm2004", "scorm2004")])
def test_without_schemaversion_the_standard_comes_from_the_namespaces(tmp_path, fixture, standard):
    files = FIXTURES[fixture]
    start = files["imsmanifest.xml"].index("  <metadata>")
    end = files["imsmanifest.xml"].index("</metadata>\n", start) + len("</metadata>\n")
    files = {**files, "imsmanifest.xml": files["imsmanifest.xml"][:start] + files["imsmanifest.xml"][end:]}
    files.pop("metadata/course-lom.xml", None)
    report = check(tmp_path, files)
    assert report.standard == standard
    problem = only_problem(report)
    assert_on_tag(problem, files, "<manifest ")
    assert problem.message.startswith("metadata/schemaversion is missing")


def test_schemaversion_that_contradicts_the_namespaces_is_reported_once(tmp_path):
    files = broken(SCORM2004_FILES, "<schemaversion>2004 4th Edition<", "<schemaversion>1.2<")
    report = check(tmp_path, files)
    assert report.standard == "scorm12"
    assert "says scorm12 but the manifest uses the scorm2004 namespaces" in only_problem(report).message


# -- structural rules: each breaks the fixture in one place and gives one problem on that line --------------

STRUCTURAL_BREAKS = [
    pytest.param(
        "scorm12",
        'default="ORG-HOUSING"',
        'default="ORG-MISSING"',
        "organizations/@default is 'ORG-MISSING', but no organization has that identifier",
        None,
        id="default-organization-missing",
    ),
    pytest.param(
        "scorm12",
        'identifierref="RES-QUIZ"',
        'identifierref="RES-QIUZ"',
        "item 'ITEM-QUIZ' refers to resource 'RES-QIUZ', which does not exist",
        None,
        id="item-identifierref-unresolved",
    ),
    pytest.param(
        "scorm2004",
        '<dependency identifierref="RES-SHARED"/>\n    </resource>\n    <resource identifier="RES-QUIZ"',
        '<dependency identifierref="RES-SHARD"/>\n    </resource>\n    <resource identifier="RES-QUIZ"',
        "resource 'RES-DATA' depends on 'RES-SHARD', which is not a resource",
        None,
        id="dependency-unresolved",
    ),
    pytest.param(
        "scorm12",
        'href="glossary.html">',
        'href="glossaire.html">',
        "resource 'RES-GLOSSARY' href 'glossaire.html' is not in the package "
        "(looked for 'content/glossaire.html', with xml:base applied)",
        None,
        id="resource-href-missing",
    ),
    pytest.param(
        "scorm2004",
        '<file href="indicators/chart.svg"/>',
        '<file href="indicators/Chart.svg"/>',
        "file href 'indicators/Chart.svg' is not in the package; the zip has 'indicators/chart.svg', "
        "and names are case-sensitive",
        None,
        id="file-href-missing",
    ),
    pytest.param(
        "scorm2004",
        '<file href="shared/style.css"/>',
        '<file href="../shared/style.css"/>',
        "file href '../shared/style.css' climbs out of its folder with '..'",
        None,
        id="file-href-dot-dot",
    ),
    pytest.param(
        "scorm2004",
        '<file href="shared/style.css"/>',
        '<file href="shared/%2E%2E/%2E%2E/style.css"/>',
        "file href 'shared/%2E%2E/%2E%2E/style.css' climbs out of its folder with '..'",
        None,
        id="file-href-encoded-dot-dot",
    ),
    pytest.param(
        "scorm2004",
        'href="quiz/index.html">',
        'href="/quiz/index.html">',
        "resource 'RES-QUIZ' href '/quiz/index.html' is an absolute path",
        None,
        id="resource-href-absolute",
    ),
    pytest.param(
        "scorm2004",
        '<file href="quiz/index.html"/>',
        '<file href="quiz\\index.html"/>',
        "file href 'quiz\\\\index.html' contains a backslash; use forward slashes",
        None,
        id="file-href-backslash",
    ),
    pytest.param(
        "scorm2004",
        '<file href="quiz/index.html"/>',
        '<file href="https://cdn.example.org/quiz/index.html"/>',
        "file href 'https://cdn.example.org/quiz/index.html' must be a relative path",
        None,
        id="file-href-external",
    ),
    pytest.param(
        "scorm2004",
        'identifierref="RES-DATA"',
        'identifierref="RES-SHARED"',
        "item 'ITEM-DATA' launches resource 'RES-SHARED', which has no href",
        '<item identifier="ITEM-DATA"',
        id="item-launches-resource-without-href",
    ),
    pytest.param(
        "scorm2004",
        'href="data/index.html#sources"',
        'href="javascript:launch()"',
        "resource 'RES-DATA' href 'javascript:launch()' must be a relative path inside the package "
        "or an http(s) URL",
        None,
        id="resource-href-other-scheme",
    ),
    pytest.param(
        "scorm12",
        'xml:base="tenure/"',
        'xml:base="https://cdn.example.org/tenure/"',
        "xml:base 'https://cdn.example.org/tenure/' is not a folder inside the package",
        None,
        id="xml-base-external",
    ),
    pytest.param(
        "scorm12",
        'xml:base="common/"',
        'xml:base="../common/"',
        "xml:base '../common/' climbs out of its folder with '..'",
        None,
        id="xml-base-dot-dot",
    ),
    pytest.param(
        "scorm12",
        'adlcp:scormtype="asset" href="glossary.html"',
        'href="glossary.html"',
        "resource 'RES-GLOSSARY' has no adlcp:scormtype (in http://www.adlnet.org/xsd/adlcp_rootv1p2); "
        "it must be 'sco' or 'asset'",
        '<resource identifier="RES-GLOSSARY"',
        id="scorm12-scormtype-missing",
    ),
    pytest.param(
        "scorm12",
        'adlcp:scormtype="asset" href="glossary.html"',
        'adlcp:scormType="asset" href="glossary.html"',
        "resource 'RES-GLOSSARY' has no adlcp:scormtype (in http://www.adlnet.org/xsd/adlcp_rootv1p2); "
        "it must be 'sco' or 'asset'; found {http://www.adlnet.org/xsd/adlcp_rootv1p2}scormType instead",
        None,
        id="scorm12-scormtype-wrong-case",
    ),
    pytest.param(
        "scorm2004",
        'adlcp:scormType="sco" href="quiz/index.html"',
        'adlcp:scormType="SCO" href="quiz/index.html"',
        "resource 'RES-QUIZ' has adlcp:scormType='SCO'; it must be 'sco' or 'asset'",
        None,
        id="scorm2004-scormtype-wrong-value",
    ),
    pytest.param(
        "scorm2004",
        'adlcp:scormType="asset"',
        "",
        "resource 'RES-SHARED' has no adlcp:scormType (in http://www.adlnet.org/xsd/adlcp_v1p3); "
        "it must be 'sco' or 'asset'",
        '<resource identifier="RES-SHARED"',
        id="scorm2004-scormtype-missing",
    ),
    pytest.param(
        "scorm12",
        "<title>Reference material</title>",
        "<title>  </title>",
        "organization 'ORG-REFERENCE' has an empty title",
        None,
        id="organization-title-empty",
    ),
    pytest.param(
        "scorm2004",
        "<title>Data sources</title>",
        "<title/>",
        "item 'ITEM-DATA' has an empty title",
        None,
        id="item-title-empty",
    ),
    pytest.param(
        "scorm12",
        '<item identifier="ITEM-GLOSSARY" identifierref="RES-GLOSSARY">\n        <title>Glossary</title>',
        '<item identifier="ITEM-GLOSSARY" identifierref="RES-GLOSSARY">',
        "item 'ITEM-GLOSSARY' has no title",
        None,
        id="item-title-missing",
    ),
    pytest.param(
        "scorm2004",
        '<item identifier="ITEM-QUIZ"',
        '<item identifier="ITEM-DATA"',
        f"identifier 'ITEM-DATA' is used more than once (first at line {line_of(SCORM2004_FILES, 'ITEM-DATA')})",
        '<item identifier="ITEM-DATA" identifierref="RES-QUIZ"',
        id="identifier-duplicate",
    ),
    pytest.param(
        "scorm12",
        'default="ORG-HOUSING"',
        'default="ORG-REFERENCE"',
        "the default organization 'ORG-REFERENCE' reaches no SCO",
        '<organization identifier="ORG-REFERENCE">',
        id="no-sco-reachable",
    ),
    pytest.param(
        "scorm12",
        "<adlcp:location>metadata/course-lom.xml</adlcp:location>",
        "<adlcp:location>metadata/lom.xml</adlcp:location>",
        "adlcp:location 'metadata/lom.xml' is not in the package",
        None,
        id="metadata-location-missing",
    ),
]


@pytest.mark.parametrize(("fixture", "old", "new", "message", "at"), STRUCTURAL_BREAKS)
def test_each_structural_rule_gives_one_problem_on_the_broken_line(tmp_path, fixture, old, new, message, at):
    files = broken(FIXTURES[fixture], old, new)
    problem = only_problem(check(tmp_path, files))
    assert problem.message == message
    assert_on_tag(problem, files, at or new)


@pytest.mark.parametrize(("fixture", "old", "new", "message", "at"), STRUCTURAL_BREAKS)
def test_structural_rules_still_apply_when_the_schemas_are_used(
    tmp_path, schemas_dir, fixture, old, new, message, at
):
    report = check(tmp_path, broken(FIXTURES[fixture], old, new), schemas_dir)
    assert report.schema_validated
    assert message in [p.message for p in report.problems]


def test_file_paths_resolve_against_xml_base_of_manifest_resources_and_resource(tmp_path):
    files = broken(SCORM12_FILES, '<resources xml:base="content/">', '<resources xml:base="contents/">')
    messages = [p.message for p in check(tmp_path, files).problems]
    assert len(messages) == 12  # every launch and file href below <resources>
    assert (
        "file href 'index.html' is not in the package "
        "(looked for 'contents/meaning/index.html', with xml:base applied)"
    ) in messages
    assert (
        "file href 'figures/seven%20criteria.svg' is not in the package "
        "(looked for 'contents/meaning/figures/seven criteria.svg', with xml:base applied)"
    ) in messages


def test_an_xml_base_without_trailing_slash_is_explained(tmp_path):
    files = broken(SCORM12_FILES, 'xml:base="common/"', 'xml:base="common"')
    messages = [p.message for p in check(tmp_path, files).problems]
    assert len(messages) == 2  # the two files of RES-COMMON
    assert all("an xml:base without a trailing '/' names a file, not a folder" in m for m in messages)


# -- XSD validation -----------------------------------------------------------------------------------------


def imscp_alone(schemas_dir: Path) -> etree.XMLSchema:
    """imscp_v1p1.xsd on its own, the way a naive checker would use it (xml.xsd served locally)."""
    folder = schemas_dir / "scorm2004-4th"
    text = (folder / "imscp_v1p1.xsd").read_text(encoding="utf-8")
    text = text.replace("http://www.w3.org/2001/xml.xsd", (folder / "xml.xsd").as_uri())
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.fromstring(text.encode(), parser, base_url=(folder / "x.xsd").as_uri()))


def test_a_wrong_scorm_type_passes_imscp_alone_but_fails_the_driver_schema(tmp_path, schemas_dir):
    old, new = 'adlcp:scormType="sco" href="quiz/index.html"', 'adlcp:scormType="scox" href="quiz/index.html"'
    files = broken(SCORM2004_FILES, old, new)
    manifest = etree.fromstring(files["imsmanifest.xml"].encode())
    # The extension attribute sits in a lax wildcard: without adlcp imported nothing looks at it.
    assert imscp_alone(schemas_dir).validate(manifest)

    report = check(tmp_path, files, schemas_dir)
    xsd = [p for p in report.problems if p.message.startswith("XSD: ")]
    assert len(xsd) == 1, [str(p) for p in report.problems]
    assert "scormType" in xsd[0].message and "'scox'" in xsd[0].message
    resource_line = line_of(files, 'identifier="RES-QUIZ"')
    assert xsd[0].where == f"imsmanifest.xml:{resource_line}"


def test_a_wrong_element_order_in_sequencing_fails_the_driver_schema(tmp_path, schemas_dir):
    files = broken(
        SCORM2004_FILES,
        '<imsss:controlMode choice="true" flow="true"/>\n        <imsss:rollupRules rollupObjectiveSatisfied="true">',
        '<imsss:rollupRules rollupObjectiveSatisfied="true">',
    )
    files = broken(
        files,
        '<imsss:deliveryControls tracked="true"/>',
        '<imsss:deliveryControls tracked="true"/>\n        <imsss:controlMode choice="true" flow="true"/>',
    )
    manifest = etree.fromstring(files["imsmanifest.xml"].encode())
    assert imscp_alone(schemas_dir).validate(manifest)

    problem = only_problem(check(tmp_path, files, schemas_dir))
    assert problem.message.startswith("XSD: ")
    assert "controlMode" in problem.message and "This element is not expected" in problem.message
    assert problem.where == f"imsmanifest.xml:{line_of(files, '<imsss:controlMode')}"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            'adlcp:scormtype="asset" href="glossary.html"',
            'adlcp:scormtype="document" href="glossary.html"',
            "'document'",
        ),
        ("<adlcp:timelimitaction>continue,no message<", "<adlcp:timelimitaction>keep going<", "'keep going'"),
        ("</imsmd:general>", "</imsmd:general>\n          <imsmd:generalities/>", "generalities"),
    ],
)
def test_scorm12_extension_elements_are_validated_by_the_driver_schema(
    tmp_path, schemas_dir, old, new, words
):
    files = broken(SCORM12_FILES, old, new)
    xsd = [p for p in check(tmp_path, files, schemas_dir).problems if p.message.startswith("XSD: ")]
    assert len(xsd) == 1, [str(p) for p in xsd]
    assert words in xsd[0].message


def test_lom_metadata_is_validated_against_the_lom_schema(tmp_path, schemas_dir):
    files = broken(SCORM2004_FILES, "<value>final</value>", "<value>finished</value>")
    problem = only_problem(check(tmp_path, files, schemas_dir))
    assert problem.message.startswith("XSD: ")
    assert problem.where == f"imsmanifest.xml:{line_of(files, '<status>')}"


def test_missing_schema_files_skip_validation_with_a_note_and_keep_the_structural_rules(
    tmp_path, schemas_dir
):
    partial = tmp_path / "schemas"
    shutil.copytree(schemas_dir / "scorm12", partial / "scorm12")
    (partial / "scorm12" / "adlcp_rootv1p2.xsd").unlink()
    files = broken(SCORM12_FILES, 'identifierref="RES-QUIZ"', 'identifierref="RES-QIUZ"')
    report = check(tmp_path, files, partial)
    assert not report.schema_validated
    assert "schema files missing" in report.schema_note
    assert "scorm12/adlcp_rootv1p2.xsd" in report.schema_note
    assert "scorm2004-4th/xml.xsd" in report.schema_note
    assert "refers to resource 'RES-QIUZ'" in only_problem(report).message


def test_schemas_in_a_folder_with_spaces_compile(tmp_path, schemas_dir):
    copy = tmp_path / "schemas with spaces é"
    shutil.copytree(schemas_dir, copy)
    report = check(tmp_path, SCORM12_FILES, copy)
    assert report.ok and report.schema_validated


def test_compiled_driver_schemas_are_cached_per_folder_and_standard(tmp_path, schemas_dir):
    check(tmp_path, SCORM2004_FILES, schemas_dir)
    folder = str(schemas_dir.resolve())
    assert checker._driver_schema(folder, "scorm2004") is checker._driver_schema(folder, "scorm2004")
    assert checker._driver_schema(folder, "scorm2004") is not checker._driver_schema(folder, "scorm12")
