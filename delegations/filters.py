"""Filters for the visits and gifts lists."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from partners.filters import SearchFilterSet, SortFilter
from partners.models import Place

from .models import Direction, Funder, Gift, GiftDirection, GiftKind, Purpose, Visit, VisitStatus
from .selectors import visit_year_choices


def _gift_year_choices() -> list[tuple[str, str]]:
    return [(str(day.year), str(day.year)) for day in Gift.objects.dates("on", "year", order="DESC")]


class VisitFilter(SearchFilterSet):
    search_fields = (
        "title",
        "location",
        "outcomes",
        "relationship__place__name",
        "relationship__place__local_name",
    )
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices)
    place = django_filters.ModelChoiceFilter(
        field_name="relationship__place", queryset=Place.objects.order_by("name"), label="Place"
    )
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices)
    year = django_filters.ChoiceFilter(field_name="starts_on__year", choices=[], label="Year")
    funder = django_filters.ChoiceFilter(choices=Funder.choices, label="Who pays")
    ordering = SortFilter(
        fields=(
            ("title", "title"),
            ("relationship__place__name", "place"),
            ("starts_on", "starts"),
            ("status", "status"),
            ("direction", "direction"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Visit
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = visit_year_choices()


class GiftFilter(SearchFilterSet):
    search_fields = ("description", "counterparty", "counterparty_organisation__name", "notes")
    direction = django_filters.ChoiceFilter(choices=GiftDirection.choices)
    kind = django_filters.ChoiceFilter(choices=GiftKind.choices)
    year = django_filters.ChoiceFilter(field_name="on__year", choices=[], label="Year")
    outstanding = django_filters.BooleanFilter(
        label="Awaiting declaration only",
        method="filter_outstanding",
        widget=django_filters.widgets.BooleanWidget,
    )
    was_refused = django_filters.BooleanFilter(label="Refused", widget=django_filters.widgets.BooleanWidget)
    ordering = SortFilter(
        fields=(("on", "date"), ("value", "value"), ("description", "description")), label="Sort by"
    )

    class Meta:
        model = Gift
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = _gift_year_choices()

    def filter_outstanding(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.outstanding() if value else queryset
