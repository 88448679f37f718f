"""The budget pages' tables and chart written out in Python (budgets/tables.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from budgets import tables
from budgets.chart import Chart
from budgets.selectors import Figures

register = template.Library()


@register.filter
def figures_cells(figures: Figures) -> SafeString:
    return mark_safe(tables.figures_cells(figures))  # noqa: S308 - every value is escaped there


@register.filter
def line_rows(rows: list[tuple[Any, Figures]]) -> SafeString:
    return tables.line_rows(rows)


@register.filter
def year_rows(years: list[tuple[Any, Figures]]) -> SafeString:
    return tables.year_rows(years)


@register.filter
def chart_marks(chart: Chart) -> SafeString:
    return tables.chart_marks(chart)
