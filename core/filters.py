"""Filter pieces every list shares: a search box, sortable columns, people by name, countries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Sort by")
        super().__init__(*args, **kwargs)

    def get_ordering_value(self, param: str) -> Any:
        descending = param.startswith("-")
        field = F(self.param_map[param.lstrip("-")])
        ordered = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
        return ordered

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        qs = super().filter(qs, value)
        # A stable order across pages when the sorted column has ties.
        return qs.order_by(*qs.query.order_by, "pk") if value else qs


class ChoicesFromRegister:
    """For a choice filter offering what the register holds now: its countries, its years.

    ``choices`` is a function, called once each time a list's filters are
    built, so a country entered today is offered today and the list reads the
    choices once however the filter is used.
    """

    extra: dict[str, Any]

    def __init__(self, *args: Any, choices: Callable[[], list[tuple[Any, str]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices_now = choices

    @property
    def field(self) -> forms.Field:
        if not hasattr(self, "_field"):
            self.extra["choices"] = self.choices_now()
        return super().field  # type: ignore[misc]


class RegisterChoiceFilter(ChoicesFromRegister, django_filters.ChoiceFilter):
    """A choice filter whose choices are read from the register (see ChoicesFromRegister)."""


class RegisterTypedChoiceFilter(ChoicesFromRegister, django_filters.TypedChoiceFilter):
    """The same, for values the form turns into another type (a year as a number)."""


class PersonFilter(django_filters.ModelChoiceFilter):
    """Offers people by name, as the lists show them."""

    field_class = UserChoiceField


class SearchFilterSet(django_filters.FilterSet):
    """Adds a free-text box searching ``search_fields`` (case-insensitive).

    A list's filters are all declared on it; none are made from the model's fields
    (subclasses' ``Meta`` extend this one and name the model).
    """

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label="Search", method="filter_search")

    class Meta:
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        terms = value.split()
        for term in terms[:8]:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": term})
            queryset = queryset.filter(condition)
        return queryset
