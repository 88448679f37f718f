"""Reads the delegations pages need, with their queries fixed in number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, F, Max, Min, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.querysets import built_once

from .models import (
    MONEY,
    CostItem,
    Funder,
    Gift,
    Meeting,
    Participant,
    Visit,
    VisitFollowUp,
    VisitStatusChange,
)

ZERO = Decimal("0.00")


@built_once
def visit_list() -> QuerySet[Visit]:
    """Visits with their participant count and estimate.

    Each is a subquery of its own: counting participants and summing cost
    items in one join would count every cost once per participant.
    """
    participants = (
        Participant.objects.filter(visit=OuterRef("pk"))
        .order_by()
        .values("visit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    costs = (
        CostItem.objects.filter(visit=OuterRef("pk"))
        .order_by()
        .values("visit")
        .annotate(total=Sum(F("quantity") * F("unit_cost"), output_field=models.DecimalField(**MONEY)))
        .values("total")
    )
    return (
        Visit.objects.select_related(
            "relationship", "relationship__place", "lead_officer", "funder_organisation"
        )
        .annotate(
            participant_count=Coalesce(Subquery(participants, output_field=models.IntegerField()), 0),
            estimate=Subquery(costs, output_field=models.DecimalField(**MONEY)),
        )
        .order_by(F("starts_on").desc(nulls_last=True), "-pk")
    )


def visit_detail() -> QuerySet[Visit]:
    return Visit.objects.select_related(
        "relationship", "relationship__place", "lead_officer", "funder_organisation"
    ).prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("organisation")),
        Prefetch("meetings", queryset=Meeting.objects.select_related("organisation")),
        Prefetch("cost_items", queryset=CostItem.objects.all()),
        Prefetch("status_changes", queryset=VisitStatusChange.objects.select_related("changed_by")),
        Prefetch("gifts", queryset=Gift.objects.select_related("counterparty_organisation")),
        Prefetch(
            "follow_ups",
            queryset=VisitFollowUp.objects.select_related("action", "action__owner"),
        ),
    )


@dataclass
class Estimate:
    """A visit's estimate: the sum of its cost items, split by who pays."""

    total: Decimal = ZERO
    by_funder: dict[str, Decimal] = field(default_factory=dict)

    @property
    def council_cost(self) -> Decimal:
        """What the council itself pays: nothing when the FCO or a partner funds it all."""
        return self.by_funder.get(Funder.COUNCIL, ZERO)

    @property
    def funder_rows(self) -> list[tuple[str, Decimal]]:
        labels = dict(Funder.choices)
        return [(labels[key], amount) for key, amount in self.by_funder.items()]


def visit_estimate(visit: Visit) -> Estimate:
    """Sums the prefetched cost items exactly in Decimal; makes no queries."""
    by_funder: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item in visit.cost_items.all():
        by_funder[item.funder] += item.total
    ordered = {key: by_funder[key] for key in Funder.values if key in by_funder}
    return Estimate(total=sum(ordered.values(), ZERO), by_funder=ordered)


def gift_list() -> QuerySet[Gift]:
    return Gift.objects.select_related("counterparty_organisation", "visit")


# What a list of gifts to declare shows of each: no more is read.
OUTSTANDING_GIFT = ("description", "counterparty", "value", "on", "direction", "declared_on")


def outstanding_gifts() -> QuerySet[Gift]:
    return Gift.objects.outstanding().only(*OUTSTANDING_GIFT).order_by("on", "pk")


def overseas_travel() -> QuerySet[Visit]:
    """Outbound visits for the transparency export, oldest first."""
    return (
        visit_list()
        .filter(direction="outbound")
        .exclude(status="cancelled")
        .order_by(F("starts_on").asc(nulls_last=True), "pk")
    )


def year_choices(queryset: QuerySet, field: str) -> list[tuple[str, str]]:
    """Every year from the latest to the earliest date in ``field``, newest first.

    From the first and last dates alone (two index look-ups), not a scan of
    every row: a year in between with nothing in it simply filters to nothing.
    """
    # MIN and MAX in a query each: SQLite reads one from an index only when it stands alone.
    first = queryset.aggregate(first=Min(field))["first"]
    last = queryset.aggregate(last=Max(field))["last"]
    if first is None or last is None:
        return []
    return [(str(year), str(year)) for year in range(last.year, first.year - 1, -1)]


def visit_year_choices() -> list[tuple[str, str]]:
    return year_choices(Visit.objects.all(), "starts_on")


__all__ = [
    "Estimate",
    "gift_list",
    "outstanding_gifts",
    "overseas_travel",
    "visit_detail",
    "visit_estimate",
    "visit_list",
    "visit_year_choices",
]
