"""What the public pages show: only what has been made public, and nothing personal.

- Reports: those the Leader's Office has published. An exempt one shows its
  title, its Schedule 12A paragraph and the public interest reasoning only.
- Relationships: those the council has entered into (active, dormant or
  ended); approaches and links still being explored or proposed are published
  once the Cabinet decides on them, as reports.
- Gifts and hospitality: each received at or above the declaration threshold,
  once it has been declared; the recipient by role, never by name.
- Overseas travel: each outbound visit once it is completed. Elected Members
  are named (their travel on council business is public); everyone else who
  went is counted by role, never named.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from delegations.models import Gift, GiftDirection, Participant, ParticipantRole, VisitStatus
from delegations.selectors import overseas_travel, visit_estimate, with_cost_items
from partners.models import Relationship, RelationshipStatus
from reports.models import Rendering, RenderingStatus, Report, ReportStatus

PUBLIC_RELATIONSHIPS = (RelationshipStatus.ACTIVE, RelationshipStatus.DORMANT, RelationshipStatus.ENDED)
# Who is named in the overseas travel published: people whose role on a visit is public.
NAMED_ROLES = (ParticipantRole.MEMBER,)
# Everyone else, counted: (one, many).
COUNTED_AS = {
    ParticipantRole.OFFICER: ("officer", "officers"),
    ParticipantRole.BUSINESS: ("business representative", "business representatives"),
    ParticipantRole.PARTNER_OFFICIAL: ("partner official", "partner officials"),
    ParticipantRole.CONSULAR: ("consular official", "consular officials"),
}


def published_reports() -> QuerySet[Report]:
    return Report.objects.filter(status=ReportStatus.PUBLISHED).order_by("-meeting_date", "-pk")


def published_pdf(report: Report) -> Rendering | None:
    """The PDF made of the report as published (its bytes left out), if it is ready."""
    return (
        Rendering.objects.without_pdf()
        .filter(report=report, report_version=report.version, status=RenderingStatus.READY)
        .order_by("-pk")
        .first()
    )


def public_relationships() -> QuerySet[Relationship]:
    return (
        Relationship.objects.filter(status__in=PUBLIC_RELATIONSHIPS)
        .select_related("place")
        .prefetch_related("councils")
        .order_by("place__name", "kind")
    )


@dataclass(frozen=True)
class Trip:
    """One completed overseas visit as it is published."""

    title: str
    destination: str
    country: str
    purpose: str
    starts_on: date | None
    ends_on: date | None
    members: list[str]
    others: str
    party_size: int
    council_cost: Decimal | None  # None until it has cost items
    actual_cost: Decimal | None


def completed_travel() -> list[Trip]:
    visits = with_cost_items(overseas_travel().filter(status=VisitStatus.COMPLETED)).prefetch_related(
        Prefetch(
            "participants", queryset=Participant.objects.only("visit_id", "name", "role").order_by("name")
        )
    )
    trips = []
    for visit in visits:
        people = list(visit.participants.all())
        members = [p.name for p in people if p.role in NAMED_ROLES]
        counted = Counter(p.role for p in people if p.role not in NAMED_ROLES)
        others = ", ".join(
            f"{n} {COUNTED_AS[role][0 if n == 1 else 1]}"
            for role, n in sorted(counted.items(), key=lambda item: list(COUNTED_AS).index(item[0]))
        )
        trips.append(
            Trip(
                title=visit.title,
                destination=visit.relationship.place.name,
                country=visit.relationship.place.country,
                purpose=visit.get_purpose_display(),
                starts_on=visit.starts_on,
                ends_on=visit.ends_on,
                members=members,
                others=others,
                party_size=max(len(people), visit.party_size or 0),
                council_cost=estimate.council_cost if (estimate := visit_estimate(visit)).total else None,
                actual_cost=visit.actual_cost,
            )
        )
    return trips


def declared_gifts() -> QuerySet[Gift]:
    """Gifts and hospitality received at or above the threshold, once declared, newest first."""
    return Gift.objects.filter(
        direction=GiftDirection.RECEIVED,
        value__gte=settings.GIFT_DECLARATION_THRESHOLD,
        declared_on__isnull=False,
    ).order_by("-on", "-pk")
