"""The browser tests see pages with the fonts a learner's device has for Arabic and Chinese."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

SCRIPTS = {"ar": "Arabic", "zh": "Chinese"}


@pytest.mark.parametrize("language", SCRIPTS)
def test_a_font_for_the_script_is_installed_where_ci_runs(language):
    if not os.environ.get("CI"):
        pytest.skip("checked where CI runs (.ci/run installs fonts-noto-core and fonts-noto-cjk)")
    assert shutil.which("fc-list"), "fontconfig is missing"
    families = subprocess.run(
        ["fc-list", f":lang={language}", "family"], capture_output=True, text=True, check=True
    ).stdout
    assert families.strip(), f"no {SCRIPTS[language]} font: the layout tests would measure fallback boxes"
