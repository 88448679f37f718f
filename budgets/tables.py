"""The budget pages' figures, chart and tables written out in Python, as the lists are
(core/tables.py): a year's page shows seven figures for each of its lines and
totals, and the years' page a bar for each figure of each year, which a template
looking up each value took longer to write out than the queries took to read.
Every value is escaped; the markup is the templates' own.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from core.templatetags.twinning_format import gbp

from .chart import Chart
from .selectors import Figures

# The figures in the order of budgets/_figures_headers.html.
_PLAIN = ("budget", "proposed", "estimated", "committed", "paid")


def _number(value: float | int) -> str:
    """A coordinate as a template writes a number."""
    return str(value)


def figures_cells(figures: Figures) -> str:
    """A row's seven figures, remaining and variance marked when below zero."""
    cells = [f'<td class="text-end">{escape(gbp(getattr(figures, name)))}</td>' for name in _PLAIN]
    for value in (figures.remaining, figures.variance):
        overdue = " overdue" if value < 0 else ""
        cells.append(f'<td class="text-end{overdue}">{escape(gbp(value))}</td>')
    return "\n".join(cells)


def _over_committed(figures: Figures) -> str:
    return ' <span class="overdue">(over-committed)</span>' if figures.is_over_committed else ""


def year_rows(years: Iterable[tuple[Any, Figures]]) -> SafeString:
    """The years' table: each year linked to its page, with its figures."""
    rows = [
        f'<tr><th scope="row"><a href="{escape(year.get_absolute_url())}">{escape(year.label)}</a>'
        f"{_over_committed(figures)}</th>{figures_cells(figures)}</tr>"
        for year, figures in years
    ]
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above


def line_rows(rows: Iterable[tuple[Any, Figures]]) -> SafeString:
    """A year's lines in one group: cost centre, line, funding, status and figures."""
    out = [
        f"<tr>\n<td>{escape(line.cost_centre)}</td>\n"
        f'<th scope="row"><a href="{escape(line.get_absolute_url())}">{escape(line.title)}</a>'
        f"{_over_committed(figures)}</th>\n"
        f"<td>{escape(str(line.get_funding_source_display()))}</td>\n"
        f"<td>{escape(str(line.get_status_display()))}</td>\n"
        f"{figures_cells(figures)}\n</tr>"
        for line, figures in rows
    ]
    return mark_safe("\n".join(out))  # noqa: S308 - every value is escaped above


def chart_marks(chart: Chart) -> SafeString:
    """The chart's gridlines, bars and year labels, inside the template's ``<svg>``."""
    marks = []
    for tick in chart.ticks:
        y = _number(tick.y)
        marks.append(
            f'<line x1="70" x2="{chart.width}" y1="{y}" y2="{y}" stroke="#b1b4b6" stroke-width="1"></line>\n'
            f'<text x="64" y="{y}" text-anchor="end" dominant-baseline="middle" font-size="12" '
            f'fill="#0b0c0c">{escape(tick.label)}</text>'
        )
    for bar in chart.bars:
        marks.append(
            f'<rect x="{_number(bar.x)}" y="{_number(bar.y)}" width="{_number(bar.width)}" '
            f'height="{_number(bar.height)}" fill="{escape(bar.colour)}"><title>{escape(bar.label)}</title></rect>'
        )
    label_y = _number(chart.baseline + 18)
    for x, label in chart.year_labels:
        marks.append(
            f'<text x="{_number(x)}" y="{label_y}" text-anchor="middle" font-size="13" '
            f'fill="#0b0c0c">{escape(label)}</text>'
        )
    return mark_safe("\n".join(marks))  # noqa: S308 - every value is escaped above
