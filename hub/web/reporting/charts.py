"""Bar charts drawn by the server as SVG: geometry here, markup in the templates.

Only presentation attributes (no ``style``), so the pages' CSP holds; each chart has its
figures in a table beside it, which is what a screen reader user reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LABEL_WIDTH = 300
BAR_AREA = 220
ROW_HEIGHT = 32
BAR_HEIGHT = 22
COLUMN_AREA_HEIGHT = 160


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    text: str  # the value as the chart prints it
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    # Horizontal charts: where the bars start. Column charts: the axis' baseline.
    origin: int
    largest: int


def _scale(value: int, largest: int, room: int) -> int:
    if largest <= 0 or value <= 0:
        return 0
    return max(1, round(room * value / largest))


def horizontal(
    items: Sequence[tuple[str, int]], *, suffix: str = "", largest: int | None = None
) -> Chart:
    """One bar per item, label on the left, value at the bar's end."""
    top = largest if largest is not None else max((v for _, v in items), default=0)
    bars = [
        Bar(
            label=label,
            value=value,
            text=f"{value}{suffix}",
            x=LABEL_WIDTH,
            y=n * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
            width=_scale(value, top, BAR_AREA),
            height=BAR_HEIGHT,
        )
        for n, (label, value) in enumerate(items)
    ]
    return Chart(
        width=LABEL_WIDTH + BAR_AREA + 60,
        height=max(1, len(items)) * ROW_HEIGHT,
        bars=bars,
        origin=LABEL_WIDTH,
        largest=top,
    )


def columns(items: Sequence[tuple[str, int]]) -> Chart:
    """One column per item (days), left to right, from a common baseline."""
    top = max((v for _, v in items), default=0)
    step = max(4, min(24, 640 // max(1, len(items))))
    baseline = COLUMN_AREA_HEIGHT + 10
    bars = []
    for n, (label, value) in enumerate(items):
        height = _scale(value, top, COLUMN_AREA_HEIGHT)
        bars.append(
            Bar(
                label=label,
                value=value,
                text=str(value),
                x=40 + n * step,
                y=baseline - height,
                width=max(2, step - 2),
                height=height,
            )
        )
    return Chart(
        width=40 + len(items) * step + 10,
        height=baseline + 20,
        bars=bars,
        origin=baseline,
        largest=top,
    )
