"""The register's list filters: what officers narrow lists by."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from core.filters import (
    PersonFilter,
    RegisterChoiceFilter,
    RegisterModelChoiceFilter,
    SearchFilterSet,
    SortFilter,
    country_choices,
    record_choices,
)
from core.text import person_name

from .models import (
    Action,
    ActionStatus,
    Approach,
    ApproachOutcome,
    Contact,
    Exchange,
    ExchangeKind,
    Organisation,
    OrganisationKind,
    Place,
    PlaceKind,
    RagRating,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    Sector,
)


class PlaceFilter(SearchFilterSet):
    search_fields = ("name", "local_name", "region", "country", "notes")
    # Typed: a region is free text, and a select of them would cost a query on every list.
    region = django_filters.CharFilter(lookup_expr="icontains", label="Region or province", max_length=120)
    country = RegisterChoiceFilter(choices=lambda: country_choices(Place))
    kind = django_filters.ChoiceFilter(choices=PlaceKind.choices)
    sector = RegisterModelChoiceFilter(
        field_name="sectors",
        queryset=Sector.objects.all(),
        choices=record_choices("sectors", Sector.objects.all()),
        label="Sector",
    )
    ordering = SortFilter(fields=("name", "region", "country", "kind", "population"))

    class Meta(SearchFilterSet.Meta):
        model = Place


class RelationshipFilter(SearchFilterSet):
    search_fields = ("place__name", "place__local_name", "place__country", "narrative")
    status = django_filters.ChoiceFilter(choices=RelationshipStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RelationshipKind.choices)
    country = RegisterChoiceFilter(
        field_name="place__country", choices=lambda: country_choices(Place), label="Country"
    )
    rag = django_filters.ChoiceFilter(choices=RagRating.choices, label="Health (RAG)")
    ordering = SortFilter(
        fields=(
            ("place__name", "place"),
            "kind",
            "status",
            ("established_year", "established"),
            ("next_review_on", "review"),
        )
    )

    class Meta(SearchFilterSet.Meta):
        model = Relationship


RESPOND_BY_CHOICES = (
    ("overdue", "Overdue"),
    ("week", "Due within 7 days"),
    ("month", "Due within 30 days"),
    ("none", "No date set"),
)


class ApproachFilter(SearchFilterSet):
    search_fields = ("place__name", "place__local_name", "request", "response")
    outcome = django_filters.ChoiceFilter(choices=ApproachOutcome.choices)
    country = RegisterChoiceFilter(
        field_name="place__country", choices=lambda: country_choices(Place), label="Country"
    )
    respond_by_due = django_filters.ChoiceFilter(
        label="Respond-by", choices=RESPOND_BY_CHOICES, method="filter_respond_by"
    )
    ordering = SortFilter(
        fields=(
            ("place__name", "place"),
            ("received_on", "received"),
            "respond_by",
            "outcome",
            ("triage_total", "triage"),
        )
    )

    class Meta(SearchFilterSet.Meta):
        model = Approach

    def filter_respond_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        awaiting = queryset.filter(outcome__in=[ApproachOutcome.PENDING, ApproachOutcome.EXPLORING])
        if value == "overdue":
            return awaiting.filter(respond_by__lt=today)
        if value == "week":
            return awaiting.filter(respond_by__gte=today, respond_by__lte=today + timedelta(days=7))
        if value == "month":
            return awaiting.filter(respond_by__gte=today, respond_by__lte=today + timedelta(days=30))
        if value == "none":
            return queryset.filter(respond_by__isnull=True)
        return queryset


class OrganisationFilter(SearchFilterSet):
    search_fields = ("name", "country", "notes")
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    country = RegisterChoiceFilter(choices=lambda: country_choices(Organisation))
    ordering = SortFilter(fields=("name", "kind", "country"))

    class Meta(SearchFilterSet.Meta):
        model = Organisation


class ContactFilter(SearchFilterSet):
    search_fields = ("name", "job_title", "email", "organisation__name")
    # Typed, not chosen: a select of every organisation costs most of the page once there are hundreds.
    organisation = django_filters.CharFilter(
        field_name="organisation__name", lookup_expr="icontains", label="Organisation", max_length=150
    )
    ordering = SortFilter(fields=("name", "job_title", ("organisation__name", "organisation")))

    class Meta(SearchFilterSet.Meta):
        model = Contact


ACTION_OWNERS = (
    get_user_model()
    .objects.filter(Exists(Action.objects.filter(owner=OuterRef("pk"))))
    .order_by("first_name", "last_name", "username")
)


class ActionFilter(SearchFilterSet):
    search_fields = ("title", "description", "source", "relationship__place__name")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    # People who own an action: a look-up per person, not a join over every action.
    owner = PersonFilter(
        queryset=ACTION_OWNERS,
        choices=record_choices("action-owners", ACTION_OWNERS, sources=[Action], label=person_name),
    )
    overdue = django_filters.BooleanFilter(label="Overdue only", method="filter_overdue")
    ordering = SortFilter(
        fields=("title", ("due_on", "due"), "status", ("relationship__place__name", "place"))
    )

    class Meta(SearchFilterSet.Meta):
        model = Action

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value:
            return queryset.filter(
                due_on__lt=timezone.localdate(), status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS]
            )
        return queryset


class ExchangeFilter(SearchFilterSet):
    search_fields = ("title", "host", "description", "relationship__place__name")
    kind = django_filters.ChoiceFilter(choices=ExchangeKind.choices)
    ordering = SortFilter(fields=("title", ("starts_on", "starts"), ("relationship__place__name", "place")))

    class Meta(SearchFilterSet.Meta):
        model = Exchange
