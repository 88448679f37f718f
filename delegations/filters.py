"""Filters for the visits and gifts lists."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from core.filters import RegisterChoiceFilter, SearchFilterSet, SortFilter

from .models import CostItem, Direction, Funder, Gift, GiftDirection, GiftKind, Purpose, Visit, VisitStatus
from .selectors import gift_year_choices, visit_year_choices


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
    # Typed, not chosen from a list: a select of every place in the register
    # would be most of the page's cost once there are hundreds.
    place = django_filters.CharFilter(method="filter_place", label="Place", max_length=120)
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices)
    year = RegisterChoiceFilter(field_name="starts_on__year", choices=visit_year_choices, label="Year")
    funder = django_filters.ChoiceFilter(choices=Funder.choices, label="Who pays", method="filter_funder")
    ordering = SortFilter(
        fields=(
            "title",
            ("relationship__place__name", "place"),
            ("starts_on", "starts"),
            "status",
            "direction",
        )
    )

    class Meta(SearchFilterSet.Meta):
        model = Visit

    def filter_place(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(relationship__place__name__icontains=value)
            | Q(relationship__place__local_name__icontains=value)
        )

    def filter_funder(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Visits any of whose cost items the funder pays; a visit with none yet by who it was
        planned to be paid by. EXISTS, not a join, so that a visit is listed once."""
        items = CostItem.objects.filter(visit=OuterRef("pk"))
        return queryset.filter(Exists(items.filter(funder=value)) | (Q(funder=value) & ~Exists(items)))


class GiftFilter(SearchFilterSet):
    search_fields = ("description", "counterparty", "counterparty_organisation__name", "notes")
    direction = django_filters.ChoiceFilter(choices=GiftDirection.choices)
    kind = django_filters.ChoiceFilter(choices=GiftKind.choices)
    year = RegisterChoiceFilter(field_name="on__year", choices=gift_year_choices, label="Year")
    outstanding = django_filters.BooleanFilter(
        label="Awaiting declaration only",
        method="filter_outstanding",
        widget=django_filters.widgets.BooleanWidget,
    )
    was_refused = django_filters.BooleanFilter(label="Refused", widget=django_filters.widgets.BooleanWidget)
    ordering = SortFilter(fields=(("on", "date"), "value", "description"))

    class Meta(SearchFilterSet.Meta):
        model = Gift

    def filter_outstanding(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.outstanding() if value else queryset
