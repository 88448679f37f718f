"""Filter pieces every list shares: a search box, sortable columns, people by name, countries."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet

from .forms import UserChoiceField


def country_choices(model: Any) -> list[tuple[str, str]]:
    """The countries a model's records name, each once, for a filter's choices."""
    # order_by() first: the model's own ordering would make DISTINCT per row, not per country.
    countries = (
        model.objects.exclude(country="").order_by("country").values_list("country", flat=True).distinct()
    )
    return [(c, c) for c in countries]


class SortFilter(django_filters.OrderingFilter):
    """Column sorting with empty values last either way, the same on SQLite and PostgreSQL."""

    def get_ordering_value(self, param: str) -> Any:
        descending = param.startswith("-")
        field = F(self.param_map[param.lstrip("-")])
        ordered = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
        return ordered

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        qs = super().filter(qs, value)
        # A stable order across pages when the sorted column has ties.
        return qs.order_by(*qs.query.order_by, "pk") if value else qs


class PersonFilter(django_filters.ModelChoiceFilter):
    """Offers people by name, as the lists show them."""

    field_class = UserChoiceField


class SearchFilterSet(django_filters.FilterSet):
    """Adds a free-text box searching ``search_fields`` (case-insensitive)."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label="Search", method="filter_search")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        terms = value.split()
        for term in terms[:8]:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": term})
            queryset = queryset.filter(condition)
        return queryset
