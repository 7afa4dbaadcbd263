"""The geometry of the staff pages' bar charts (SVG drawn on the server, no script): bars, a
y axis with round gridlines (0, ¼, ½, ¾ and the top of the scale), and which x labels fit.
The template (templates/admin/_charts.html) draws it and formats the figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from admin import bp

WIDTH, HEIGHT = 640, 200  # the plot area, in SVG units
LEFT, BOTTOM, TOP = 64, 28, 12  # room for the y labels, the x labels and the top label
GRIDLINES = 4
MAX_X_LABELS = 8
MAX_VALUE_LABELS = 16  # above this many bars the values stay in the tooltips and the table


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: Any  # a date or text, formatted by the template
    value: Any
    show_label: bool


@dataclass(frozen=True)
class Tick:
    y: float
    value: Decimal


@dataclass(frozen=True)
class ChartLayout:
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    left: int
    top: int
    bottom: int
    show_values: bool

    @property
    def view_width(self) -> int:
        return self.left + self.width + 8

    @property
    def view_height(self) -> int:
        return self.top + self.height + self.bottom


def nice_top(value: float) -> Decimal:
    """The smallest round number at or above `value` whose quarters are round too (1, 1.2, 2,
    3, 4, 6 or 8 times a power of ten)."""
    if value <= 0:
        return Decimal(1)
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (1, 1.2, 2, 3, 4, 6, 8, 10):
        if value <= factor * magnitude + 1e-9:
            return Decimal(str(factor)) * Decimal(str(magnitude))
    return Decimal(10 * magnitude)  # pragma: no cover - the loop always returns


@bp.app_template_global("chart_layout")
def chart_layout(points: list[tuple[Any, Any]]) -> ChartLayout:
    """Where each bar, gridline and label goes for `points` [(label, value), ...]."""
    values = [float(v or 0) for _, v in points]
    top = nice_top(max(values, default=0))
    count = len(points) or 1
    step = WIDTH / count
    every = max(1, math.ceil(count / MAX_X_LABELS))
    bars = []
    for index, (label, value) in enumerate(points):
        h = HEIGHT * float(value or 0) / float(top)
        bars.append(
            Bar(
                x=round(LEFT + index * step + step * 0.1, 1),
                y=round(TOP + HEIGHT - h, 1),
                width=round(max(step * 0.8, 1), 1),
                height=round(h, 1),
                label=label,
                value=value,
                show_label=index % every == 0,
            )
        )
    ticks = [
        Tick(y=round(TOP + HEIGHT - HEIGHT * n / GRIDLINES, 1), value=top * n / GRIDLINES) for n in range(GRIDLINES + 1)
    ]
    return ChartLayout(bars, ticks, WIDTH, HEIGHT, LEFT, TOP, BOTTOM, show_values=len(points) <= MAX_VALUE_LABELS)
