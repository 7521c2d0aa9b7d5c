"""Column charts drawn by the server as SVG: the geometry is worked out here, the template
only writes it down with presentation attributes (no style attributes, so the CSP holds).
Every chart comes with the same figures as a table, for anyone who cannot see the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# GOV.UK colours that stay apart from each other and from white (3:1 or more).
PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#6f72af", "#b58840", "#912b88", "#28a197", "#505a5f")
WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 44
FONT_SIZE = 20
WIDEST_COLUMN = 90


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    text: str


@dataclass
class Chart:
    """One stacked column chart and its table (categories as rows, series as columns)."""

    title: str
    description: str
    categories: list[str]
    series: list[str]
    values: dict[tuple[str, str], int]
    bars: list[Bar] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM
    plot_right: int = WIDTH - RIGHT
    font_size: int = FONT_SIZE
    slanted: bool = False

    def value(self, category: str, series: str) -> int:
        return self.values.get((category, series), 0)

    def total(self, category: str) -> int:
        return sum(self.value(category, s) for s in self.series)

    @property
    def empty(self) -> bool:
        return not any(self.values.values())


def _nice_top(highest: int) -> int:
    """The top of the scale: a whole number of people's actions at each of four ticks."""
    for top in (4, 8, 12, 20, 40, 60, 100, 200, 400, 600, 1000):
        if highest <= top:
            return top
    return ((highest + 3999) // 4000) * 4000


def stacked_columns(
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[str],
    values: dict[tuple[str, str], int],
) -> Chart:
    chart = Chart(title, description, list(categories), list(series), dict(values))
    step = (chart.plot_right - LEFT) / max(len(categories), 1)
    longest = max([len(c) for c in categories] + [0]) * FONT_SIZE * 0.55
    if longest > step:
        # Long labels (roles) slant, and the chart grows to hold them.
        chart.slanted = True
        chart.height = HEIGHT + int(longest * 0.5)
        chart.plot_bottom = chart.height - BOTTOM - int(longest * 0.5)
    chart.legend = [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)]
    top = _nice_top(max([chart.total(c) for c in categories] + [1]))
    plot_height = chart.plot_bottom - TOP
    column = min(step * 0.6, WIDEST_COLUMN)
    chart.y_ticks = [
        Tick(chart.plot_bottom - plot_height * k / 4, str(top * k // 4)) for k in range(5)
    ]
    for index, category in enumerate(categories):
        x = LEFT + step * index + (step - column) / 2
        chart.x_ticks.append(Tick(x + column / 2, category))
        base = float(chart.plot_bottom)
        for name, colour in chart.legend:
            count = chart.value(category, name)
            if not count:
                continue
            height = plot_height * count / top
            base -= height
            chart.bars.append(
                Bar(
                    round(x, 1),
                    round(base, 1),
                    round(column, 1),
                    round(height, 1),
                    colour,
                    f"{category}, {name}: {count}",
                )
            )
    return chart
