"""Relationship health and evidence: for keeping, reviving or ending a link.

For each relationship: its RAG rating, its last contact (the latest visit
begun, meeting held, approach received or answered, or exchange begun), its
next review, and what happened in the last twelve months: visits, meetings,
exchanges, spend, and the outcomes recorded. The overview is a fixed number of
grouped queries whatever the register holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone

from budgets.models import Spend
from budgets.services import COMMITTED
from delegations.models import Meeting, Visit, VisitStatus
from partners.extensions import Link
from partners.models import Approach, Exchange, RagRating, Relationship, RelationshipStatus

WINDOW_DAYS = 365
ZERO = Decimal("0.00")


@dataclass
class Health:
    relationship: Relationship
    last_contact: date | None = None
    visits: int = 0
    meetings: int = 0
    exchanges: int = 0
    spend: Decimal = ZERO

    @property
    def review_overdue(self) -> bool:
        review = self.relationship.next_review_on
        return review is not None and review < timezone.localdate()

    @property
    def quiet(self) -> bool:
        """Nothing at all in the last twelve months."""
        return not (self.visits or self.meetings or self.exchanges)


def _since(today: date) -> date:
    return today - timedelta(days=WINDOW_DAYS)


def _latest(into: dict[int, date | None], rows: Any) -> None:
    for relationship_id, day in rows:
        if day is not None and (into.get(relationship_id) is None or day > into[relationship_id]):
            into[relationship_id] = day


def _counted(queryset: Any, key: str) -> dict[int, int]:
    return dict(queryset.order_by().values_list(key).annotate(n=Count("pk")).values_list(key, "n"))


def overview(*, include_ended: bool = False, only: int | None = None) -> list[Health]:
    """Every relationship's health (or only one's), red first, then amber, green and unrated."""
    today = timezone.localdate()
    since = _since(today)
    relationships = Relationship.objects.select_related("place", "lead_officer").order_by(
        "place__name", "kind", "pk"
    )
    if not include_ended:
        relationships = relationships.exclude(status=RelationshipStatus.ENDED)
    if only is not None:
        relationships = relationships.filter(pk=only)

    def narrow(queryset: Any, key: str) -> Any:
        return queryset if only is None else queryset.filter(**{key: only})

    rows = {relationship.pk: Health(relationship) for relationship in relationships}

    held = Visit.objects.exclude(status=VisitStatus.CANCELLED)
    recent_visits = held.filter(starts_on__gte=since, starts_on__lte=today)
    for relationship_id, n in _counted(narrow(recent_visits, "relationship"), "relationship").items():
        if relationship_id in rows:
            rows[relationship_id].visits = n
    recent_meetings = Meeting.objects.filter(held_on__gte=since, held_on__lte=today)
    for relationship_id, n in _counted(
        narrow(recent_meetings, "visit__relationship"), "visit__relationship"
    ).items():
        if relationship_id in rows:
            rows[relationship_id].meetings = n
    recent_exchanges = Exchange.objects.filter(
        Q(ends_on__gte=since) | Q(ends_on__isnull=True), starts_on__lte=today
    )
    for relationship_id, n in _counted(narrow(recent_exchanges, "relationship"), "relationship").items():
        if relationship_id in rows:
            rows[relationship_id].exchanges = n
    spend = (
        narrow(Spend.objects, "budget_line__relationship")
        .filter(COMMITTED, spent_on__gte=since, spent_on__lte=today)
        .order_by()
        .values_list("budget_line__relationship")
        .annotate(total=Sum("amount"))
    )
    for relationship_id, total in spend:
        if relationship_id in rows:
            rows[relationship_id].spend = total or ZERO

    # The last contact: the latest of these dates, each up to today (see the module's docstring).
    contact_dates = (
        (held, "relationship", "starts_on"),
        (Meeting.objects, "visit__relationship", "held_on"),
        (Approach.objects, "relationship", "received_on"),
        (Approach.objects, "relationship", "responded_on"),
        (Exchange.objects, "relationship", "starts_on"),
    )
    latest: dict[int, date | None] = {}
    for records, relationship, day in contact_dates:
        _latest(
            latest,
            narrow(records, relationship)
            .filter(**{f"{day}__lte": today})
            .order_by()
            .values_list(relationship)
            .annotate(d=Max(day)),
        )
    for relationship_id, day in latest.items():
        if relationship_id in rows:
            rows[relationship_id].last_contact = day

    order = {RagRating.RED: 0, RagRating.AMBER: 1, RagRating.GREEN: 2}
    return sorted(rows.values(), key=lambda health: order.get(health.relationship.rag, 3))


@dataclass
class Evidence:
    """One relationship's last twelve months, in full."""

    health: Health
    since: date
    visits: list[Visit] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    approaches: list[Approach] = field(default_factory=list)
    spend: list[Spend] = field(default_factory=list)

    @property
    def outcomes(self) -> list[tuple[str, str, Any]]:
        """(what, outcome, when) for everything with an outcome written down."""
        found = [
            (visit.title, visit.outcomes, visit.starts_on) for visit in self.visits if visit.outcomes.strip()
        ]
        found += [
            (f"Meeting with {meeting.organisation.name}", meeting.outcome, meeting.held_on)
            for meeting in self.meetings
            if meeting.outcome.strip()
        ]
        found += [
            (str(approach), approach.response, approach.responded_on or approach.received_on)
            for approach in self.approaches
            if approach.response.strip()
        ]
        return sorted(found, key=lambda row: row[2] or date.min, reverse=True)


def evidence_for(relationship: Relationship) -> Evidence:
    today = timezone.localdate()
    since = _since(today)
    found = overview(include_ended=True, only=relationship.pk)
    health = found[0] if found else Health(relationship)
    return Evidence(
        health=health,
        since=since,
        visits=list(
            relationship.visits.filter(starts_on__gte=since, starts_on__lte=today)
            .exclude(status=VisitStatus.CANCELLED)
            .order_by("-starts_on", "-pk")
        ),
        meetings=list(
            Meeting.objects.filter(visit__relationship=relationship, held_on__gte=since, held_on__lte=today)
            .select_related("organisation", "visit")
            .order_by("-held_on", "-pk")
        ),
        exchanges=list(
            relationship.exchanges.filter(
                Q(ends_on__gte=since) | Q(ends_on__isnull=True), starts_on__lte=today
            ).order_by("-starts_on", "-pk")
        ),
        approaches=list(
            relationship.approaches.filter(Q(received_on__gte=since) | Q(responded_on__gte=since))
            .select_related("place")
            .order_by("-received_on", "-pk")
        ),
        spend=list(
            Spend.objects.filter(
                COMMITTED, budget_line__relationship=relationship, spent_on__gte=since, spent_on__lte=today
            )
            .select_related("budget_line")
            .order_by("-spent_on", "-pk")
        ),
    )


def health_link(relationship: Relationship, user: Any) -> Link | None:
    """The relationship page's way to its health and evidence."""
    if not user.has_perm("partners.view_relationship"):
        return None
    return Link("Health and evidence", reverse("overview:relationship-health", args=[relationship.pk]))
