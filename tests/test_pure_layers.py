"""The course pipeline and the SCORM exporter must work without Flask."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["learn_habitat.content", "learn_habitat.activities", "learn_habitat.search", "scorm_export"]
)
def test_importing_a_pure_layer_does_not_import_flask(module):
    code = (
        f"import sys, {module}\n"
        "web = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'werkzeug', 'flask_sqlalchemy'})\n"
        "print(','.join(web))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_loading_the_shipped_courses_does_not_import_flask():
    code = (
        "import sys\nfrom learn_habitat.content import load_library\n"
        "from tests.conftest import SHIPPED_COURSES\n"
        "library = load_library(SHIPPED_COURSES)\n"
        "assert len(library) >= 3, library.problems\n"
        "print('flask' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
