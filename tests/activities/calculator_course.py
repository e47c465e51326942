"""A course with a calculator lesson, made by tests (shipped courses change under their authors' hands)."""

from __future__ import annotations

from tests.conftest import CourseFolder

CALCULATOR_FRONT = "title: Cost burden\ntype: calculator\nminutes: 10\n"
CALCULATOR_BODY = """\
Work out the share of income a household spends on housing.

::: calculator Housing cost burden
input costs: Monthly housing costs | USD | 0..1000000 | 800
input income: Monthly household income | USD | 0..10000000 | 2500
formula burden = costs / income * 100
output burden: Share of income spent on housing | % | 1
    <= 30: Affordable
    > 30: Cost-burdened
    > 50: Severely cost-burdened
:::

## Sources

UN-Habitat.
"""
# The same calculator in Arabic: only the title, labels, units and band texts change.
CALCULATOR_BODY_AR = """\
احسب حصة الدخل التي تنفقها الأسرة على السكن.

::: calculator عبء تكلفة السكن
input costs: تكاليف السكن الشهرية | دولار | 0..1000000 | 800
input income: دخل الأسرة الشهري | دولار | 0..10000000 | 2500
formula burden = costs / income * 100
output burden: حصة الدخل المنفقة على السكن | % | 1
    <= 30: ميسور التكلفة
    > 30: مثقل بتكاليف السكن
    > 50: مثقل بشدة بتكاليف السكن
:::

## المصادر

موئل الأمم المتحدة.
"""


def calculator_course(root, course_id: str = "calc-course", arabic: bool = False) -> CourseFolder:
    """The demo course with a third lesson, ``tool``: the housing cost burden calculator."""
    folder = CourseFolder(root, course_id)
    folder.replace("course.yaml", "      - details", "      - details\n      - tool")
    folder.write_lesson("tool", CALCULATOR_BODY, front=CALCULATOR_FRONT)
    if arabic:
        folder.replace("course.yaml", "  en: Demo course", "  en: Demo course\n  ar: دورة تجريبية")
        folder.replace(
            "course.yaml",
            "  en: A course made by a test.",
            "  en: A course made by a test.\n  ar: دورة صنعها اختبار.",
        )
        folder.replace("course.yaml", "      en: Basics", "      en: Basics\n      ar: الأساسيات")
        folder.write_lesson(
            "tool",
            CALCULATOR_BODY_AR,
            language="ar",
            front="title: عبء التكلفة\ntype: calculator\nminutes: 10\n",
        )
    return folder
