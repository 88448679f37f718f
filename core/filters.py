"""Filter pieces every list shares: a search box, sortable columns, people by name, countries,
and the words a filter left unchosen shows ("Any year", "Any status")."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.http import QueryDict

from .forms import UserChoiceField
from .kept import kept

# What Django and django-filter show for a choice left unmade: a row of dashes, or
# "Unknown" for a yes-or-no. A filter says in words that it lists everything instead.
UNCHOSEN_DEFAULTS = {"---------", "Unknown"}
# Where "Any" and the filter's label would not read as English, or say more than the person needs.
ANY_WORDING = {
    "Financial year": "Any year",
    "Who pays": "Anyone paying",
    "Respond-by": "Any respond-by date",
    "Health (RAG)": "Any rating",
    "Override": "Any override state",
}


def any_wording(label: str) -> str:
    """What a filter offers for "don't narrow by this": "Any year", "Any country"."""
    label = str(label)
    if label in ANY_WORDING:
        return ANY_WORDING[label]
    return f"Any {label[:1].lower()}{label[1:]}"


def says_any(field: forms.Field, label: str, choices: list[tuple[Any, Any]] | None = None) -> None:
    """Has a filter's select offer its unchosen state as words, first, whatever kind of field it is.

    ``choices``: the choices to set (those read from the register), else the field's own.
    """
    wording = any_wording(label)
    if isinstance(field, forms.ModelChoiceField) or hasattr(field, "empty_label"):
        # django-filter's choice fields and Django's record choices add the empty choice themselves.
        if getattr(field, "empty_label", None) in UNCHOSEN_DEFAULTS:
            field.empty_label = wording
        if isinstance(field, forms.ModelChoiceField) and choices is not None:
            # Records read ahead (record_choices) in place of the field's query; the record
            # chosen is still looked up in its queryset.
            forms.ChoiceField.choices.fset(field, [("", field.empty_label), *choices])
        elif choices is not None:
            field.choices = choices
        return
    if isinstance(field, forms.NullBooleanField):
        # A yes-or-no question ("Refused", "Overdue only"): either answer is listed.
        widget_choices = list(field.widget.choices)
        if widget_choices and widget_choices[0][1] in UNCHOSEN_DEFAULTS:
            field.widget.choices = [(widget_choices[0][0], "Either"), *widget_choices[1:]]
        return
    if isinstance(field, forms.ChoiceField):
        # A typed choice (a year as a number) comes with no empty choice: without one the
        # browser shows the first year chosen while the list shows every year.
        listed = list(field.choices if choices is None else choices)
        if not any(value in ("", None) for value, _label in listed):
            listed = [("", wording), *listed]
        field.choices = listed


def country_choices(model: Any) -> list[tuple[str, str]]:
    """The countries a model's records name, each once, for a filter's choices
    (kept until one of its records changes: see core/kept.py)."""

    def read() -> list[tuple[str, str]]:
        # order_by() first: the model's own ordering would make DISTINCT per row, not per country.
        countries = model.objects.exclude(country="").order_by("country").values_list("country", flat=True)
        return [(country, country) for country in countries.distinct()]

    return kept(f"countries:{model._meta.label}", [model], read)


def record_choices(
    name: str, queryset: QuerySet, *, sources: Any = (), label: Callable[[Any], str] = str
) -> Callable[[], list[tuple[Any, str]]]:
    """For a filter offering records (sectors, people): their keys and names as read
    from ``queryset``, kept as ``name`` until a record of its model or of ``sources`` changes."""

    def choices() -> list[tuple[Any, str]]:
        return kept(
            name,
            [queryset.model, *sources],
            lambda: [(record.pk, label(record)) for record in queryset.all()],
        )

    return choices


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


class RegisterModelChoiceFilter(ChoicesFromRegister, django_filters.ModelChoiceFilter):
    """A filter by a record (a sector, a person) offering the records ``choices`` reads
    (see ``record_choices``); the record chosen is looked up in ``queryset``."""

    @property
    def field(self) -> forms.Field:
        # The choices are set on each form (SearchFilterSet.form), not passed to the field.
        return django_filters.ModelChoiceFilter.field.fget(self)  # type: ignore[attr-defined]


class PersonFilter(RegisterModelChoiceFilter):
    """Offers people by name, as the lists show them."""

    field_class = UserChoiceField


class FieldsCopiedLightly(dict):
    """A filter form's fields, copied for each form one level deep.

    Django deep-copies a form's fields for every form made, choices and all;
    a filter form's fields are never changed in place (choices read from the
    register are set anew), so each form gets its own field and widget objects
    sharing their choices.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        copied = {}
        for name, field in self.items():
            field = copy.copy(field)
            field.widget = copy.copy(field.widget)
            field.error_messages = dict(field.error_messages)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = field.queryset.all()  # its own, as Django's copy gives it
            copied[name] = field
        return copied


class SearchFilterSet(django_filters.FilterSet):
    """Adds a free-text box searching ``search_fields`` (case-insensitive).

    A list's filters are all declared on it; none are made from the model's fields
    (subclasses' ``Meta`` extend this one and name the model).
    """

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label="Search", method="filter_search")

    class Meta:
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # As django-filter's own, but each filter copied one level deep rather than deep-copied
        # with its choices: a filter's state is its attributes and its options, and every list
        # page makes a filter set. Choices read from the register are set on the form (below).
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, base in self.base_filters.items():
            filter_ = copy.copy(base)
            filter_.extra = dict(base.extra)
            if base.method is not None:
                filter_.method = base.method  # binds the filter's method to this copy
            filter_.model, filter_.parent = queryset.model, self
            self.filters[name] = filter_

    @classmethod
    def form_class(cls) -> type[forms.Form]:
        """The filters' form class, made once for each filter set rather than for each list shown."""
        made = cls.__dict__.get("_form_class")
        if made is None:
            fields = {name: copy.copy(base).field for name, base in cls.base_filters.items()}
            for name, field in fields.items():
                if not isinstance(cls.base_filters[name], django_filters.OrderingFilter):
                    says_any(field, field.label or name)
            made = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
            made.base_fields = FieldsCopiedLightly(made.base_fields)
            cls._form_class = made
        return made

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form = self.form_class()(self.data if self.is_bound else None, prefix=self.form_prefix)
            for name, filter_ in self.filters.items():
                if isinstance(filter_, ChoicesFromRegister):
                    field = form.fields[name]
                    says_any(field, field.label or name, filter_.choices_now())
            self._form = form
        return self._form

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        terms = value.split()
        for term in terms[:8]:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": term})
            queryset = queryset.filter(condition)
        return queryset
