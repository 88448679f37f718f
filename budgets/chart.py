"""A server-drawn bar chart of budget against spend per year (SVG, no script)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .selectors import Figures

SERIES = (
    ("budget", "Budget", "#0b3d60"),
    ("committed", "Committed", "#d4351c"),
    ("paid", "Paid", "#00703c"),
)
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 20, 50


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    year_labels: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    baseline: float


def _nice_top(value: Decimal) -> Decimal:
    """A round ceiling for the axis: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return Decimal(1000)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def budget_chart(years: list[tuple[object, Figures]]) -> Chart:
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    top = _nice_top(max((max(f.budget, f.committed, f.paid) for _, f in years), default=Decimal(0)))
    slot = plot_width / max(len(years), 1)
    bar_width = min(slot / (len(SERIES) + 1), 40)
    bars, labels = [], []
    for index, (year, figures) in enumerate(years):
        start = LEFT + index * slot + (slot - bar_width * len(SERIES)) / 2
        for position, (name, title, colour) in enumerate(SERIES):
            amount = getattr(figures, name)
            height = float(amount / top) * plot_height if top else 0
            bars.append(
                Bar(
                    x=round(start + position * bar_width, 1),
                    y=round(baseline - height, 1),
                    width=round(bar_width - 2, 1),
                    height=round(height, 1),
                    colour=colour,
                    label=f"{title} {year}: £{amount:,.2f}",
                )
            )
        labels.append((round(LEFT + index * slot + slot / 2, 1), str(year)))
    ticks = [
        Tick(y=round(baseline - plot_height * step / 4, 1), label=f"£{top * step / 4:,.0f}")
        for step in range(5)
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        year_labels=labels,
        legend=[(title, colour) for _, title, colour in SERIES],
        baseline=baseline,
    )
