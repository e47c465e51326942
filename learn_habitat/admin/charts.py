"""Horizontal bar charts for the reports, as geometry that admin/_charts.html draws as inline SVG.

No JavaScript and no inline styles (the site's CSP forbids them): bar positions are SVG attributes, colours
are classes in site.css. Each row is an HTML label over one small SVG of bars, with the numbers as HTML
text beside it, so labels wrap on a phone and their contrast can be checked. Bar lengths are percentages
of the row's width, measured from the start edge (the template mirrors them on right-to-left pages).
"""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 12
BAR_GAP = 3


@dataclass(frozen=True)
class Bar:
    """One bar: its series (a CSS class), its value and where it is drawn in its row."""

    series: str
    value: int
    y: int
    length: float  # percent of the row's width, from the start edge


@dataclass(frozen=True)
class Row:
    """A label and its bars."""

    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class BarChart:
    """Rows of bars, all on one scale; ``series`` names each kind of bar for the legend."""

    rows: tuple[Row, ...]
    series: tuple[tuple[str, str], ...]  # (css class, legend text)

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT

    @property
    def row_height(self) -> int:
        return len(self.series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP


def bar_chart(rows: list[tuple[str, tuple[int, ...]]], series: tuple[tuple[str, str], ...]) -> BarChart:
    """A chart with one row per (label, values); ``values`` follow ``series``. Lengths are proportional to
    the values, the largest value taking the whole width."""
    largest = max((value for _, values in rows for value in values), default=0)
    return BarChart(
        tuple(
            Row(
                label,
                tuple(
                    Bar(
                        name,
                        value,
                        index * (BAR_HEIGHT + BAR_GAP),
                        round(100 * value / largest, 3) if largest else 0,
                    )
                    for index, ((name, _), value) in enumerate(zip(series, values, strict=True))
                ),
            )
            for label, values in rows
        ),
        tuple(series),
    )


def score_band(score: float) -> int:
    """The band 0..9 of a score 0..1: 0–9 %, 10–19 %, … 90–100 % (a full score is in the top band)."""
    return min(9, max(0, int(round(score * 100, 6)) // 10))
