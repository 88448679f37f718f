"""Reads the delegations pages need, with their queries fixed in number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, F, Max, Min, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.kept import kept
from core.querysets import built_once
from core.templatetags.twinning_format import gbp
from partners.models import Organisation

from .models import (
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
    """Visits with what a list names of them and how many took part, newest first.

    Their estimates are summed from their cost items (``with_cost_items``,
    ``visit_estimate``), in one way wherever an estimate is shown. Participants are
    counted in a subquery, so that each visit stays one row.
    """
    participants = (
        Participant.objects.filter(visit=OuterRef("pk"))
        .order_by()
        .values("visit")
        .annotate(n=Count("*"))  # counted from the index on the visit alone
        .values("n")
    )
    return (
        Visit.objects.select_related(
            "relationship", "relationship__place", "lead_officer", "funder_organisation"
        )
        .annotate(participant_count=Coalesce(Subquery(participants, output_field=models.IntegerField()), 0))
        .order_by(F("starts_on").desc(nulls_last=True), "-pk")
    )


# What "who pays" reads of each cost item: no more.
COST_ITEM_SHARE = ("visit_id", "quantity", "unit_cost", "funder")


def with_cost_items(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """Visits with their cost items, for who pays what: one query for all of them."""
    return visits.prefetch_related(
        Prefetch("cost_items", queryset=CostItem.objects.only(*COST_ITEM_SHARE).order_by())
    )


def visit_list_page() -> QuerySet[Visit]:
    """The list of visits, each with its cost items (prefetched per request, after paging),
    from which its estimate and who pays are summed (``visit_estimate``)."""
    return with_cost_items(visit_list())


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


# Each funder's label, in the order the funders are declared: read for every visit a list shows.
FUNDER_LABELS = dict(Funder.choices)


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
        return [(FUNDER_LABELS[key], amount) for key, amount in self.by_funder.items()]


def visit_estimate(visit: Visit) -> Estimate:
    """Sums the prefetched cost items exactly in Decimal; makes no queries."""
    by_funder: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item in visit.cost_items.all():
        by_funder[item.funder] += item.total
    ordered = {key: by_funder[key] for key in FUNDER_LABELS if key in by_funder}
    return Estimate(total=sum(ordered.values(), ZERO), by_funder=ordered)


@dataclass(frozen=True)
class Share:
    """One funder of a visit and what it pays; no amount while nothing is itemised."""

    funder: str
    label: str
    amount: Decimal | None = None
    organisation: Organisation | None = None

    @property
    def organisation_beside(self) -> Organisation | None:
        """The paying organisation to name beside the funder, unless the funder's name
        already says it ("Foreign and Commonwealth Office", not "… (Foreign and Commonwealth Office)")."""
        if self.organisation is None or self.organisation.name.casefold() in self.label.casefold():
            return None
        return self.organisation

    @property
    def text(self) -> str:
        text = self.label
        if self.organisation_beside is not None:
            text += f" ({self.organisation_beside.name})"
        if self.amount is not None:
            text += f" {gbp(self.amount)}"
        return text


def who_pays(visit: Visit, estimate: Estimate | None = None) -> list[Share]:
    """Who pays for a visit: each funder of its cost items with its share, in the
    order of the funders; until it has cost items, whoever the visit was planned
    to be paid by. The visit's paying organisation is named beside its funder.

    Reads the prefetched cost items (``with_cost_items``); makes no queries.
    """
    estimate = estimate or visit_estimate(visit)

    def organisation(funder: str) -> Organisation | None:
        return visit.funder_organisation if funder == visit.funder else None

    if not estimate.by_funder:  # no cost items yet
        return [Share(visit.funder, FUNDER_LABELS[visit.funder], None, organisation(visit.funder))]
    return [
        Share(funder, FUNDER_LABELS[funder], amount, organisation(funder))
        for funder, amount in estimate.by_funder.items()
    ]


def who_pays_text(visit: Visit, estimate: Estimate | None = None) -> str:
    """Who pays, as the list, the calendar and the exports say it:
    "The council £1,704.32; Foreign and Commonwealth Office £2,749.80"."""
    return "; ".join(share.text for share in who_pays(visit, estimate))


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


def year_choices(model: type[models.Model], field: str) -> list[tuple[str, str]]:
    """Every year from the latest to the earliest date in ``field``, newest first
    (kept until a record of ``model`` changes: see core/kept.py).

    From the first and last dates alone (two index look-ups), not a scan of
    every row: a year in between with nothing in it simply filters to nothing.
    """

    def read() -> list[tuple[str, str]]:
        # MIN and MAX in a query each: SQLite reads one from an index only when it stands alone.
        first = model.objects.aggregate(first=Min(field))["first"]
        last = model.objects.aggregate(last=Max(field))["last"]
        if first is None or last is None:
            return []
        return [(str(year), str(year)) for year in range(last.year, first.year - 1, -1)]

    return kept(f"years:{model._meta.label}.{field}", [model], read)


def visit_year_choices() -> list[tuple[str, str]]:
    return year_choices(Visit, "starts_on")


def gift_year_choices() -> list[tuple[str, str]]:
    return year_choices(Gift, "on")


__all__ = [
    "Estimate",
    "Share",
    "gift_list",
    "gift_year_choices",
    "outstanding_gifts",
    "overseas_travel",
    "visit_detail",
    "visit_estimate",
    "visit_list",
    "visit_list_page",
    "visit_year_choices",
    "who_pays",
    "who_pays_text",
    "with_cost_items",
]
