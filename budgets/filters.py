"""Filters for the budget lines and spend lists."""

from __future__ import annotations

import django_filters

from core.filters import RegisterTypedChoiceFilter, SearchFilterSet, SortFilter
from core.kept import kept

from .models import BudgetLine, FinancialYear, FundingSource, LineStatus, OverrideState, Spend, SpendStatus


def _years() -> list[tuple[int, str]]:
    return kept(
        "financial-years",
        [FinancialYear],
        lambda: [(year.start_year, year.label) for year in FinancialYear.objects.all()],
    )


class BudgetLineFilter(SearchFilterSet):
    search_fields = ("title", "cost_centre", "notes", "relationship__place__name")
    year = RegisterTypedChoiceFilter(
        field_name="financial_year__start_year", choices=_years, coerce=int, label="Financial year"
    )
    status = django_filters.ChoiceFilter(choices=LineStatus.choices)
    funding_source = django_filters.ChoiceFilter(choices=FundingSource.choices, label="Funding source")
    ordering = SortFilter(
        fields=(("financial_year__start_year", "year"), "cost_centre", "title", "amount", "status")
    )

    class Meta(SearchFilterSet.Meta):
        model = BudgetLine


class SpendFilter(SearchFilterSet):
    search_fields = ("description", "supplier", "reference", "budget_line__title")
    year = RegisterTypedChoiceFilter(
        field_name="budget_line__financial_year__start_year",
        choices=_years,
        coerce=int,
        label="Financial year",
    )
    status = django_filters.ChoiceFilter(choices=SpendStatus.choices)
    override_state = django_filters.ChoiceFilter(
        choices=[c for c in OverrideState.choices if c[0]], label="Override"
    )
    ordering = SortFilter(fields=(("spent_on", "date"), "amount", "description"))

    class Meta(SearchFilterSet.Meta):
        model = Spend
