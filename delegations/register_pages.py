"""What delegations adds to the register's place and relationship pages."""

from __future__ import annotations

from typing import Any

from partners.extensions import Section
from partners.selectors import TimelineEvent

from .selectors import visit_list


def _visits_of(relationship_ids: list[int]) -> list[Any]:
    return list(visit_list().filter(relationship_id__in=relationship_ids))


def place_timeline_visits(place: Any) -> list[TimelineEvent]:
    """Each visit on the place's timeline, dated by its start (approximate ones by month)."""
    events = []
    for visit in _visits_of([r.pk for r in place.relationships.all()]):
        verb = "to" if visit.direction == "outbound" else "from"
        events.append(
            TimelineEvent(
                on=visit.starts_on,
                title=f"Visit {verb} {place.name}: {visit.title}",
                detail=f"{visit.get_purpose_display()}, {visit.get_status_display().lower()}",
                url=visit.get_absolute_url(),
                precision="month" if visit.dates_are_approximate else "day",
            )
        )
    return events


def place_visits_section(place: Any, user: Any) -> Section | None:
    if not user.has_perm("delegations.view_visit"):
        return None
    return Section(
        template="delegations/_place_visits.html",
        context={"visits": _visits_of([r.pk for r in place.relationships.all()]), "caption": place.name},
    )


def relationship_visits_section(relationship: Any, user: Any) -> Section | None:
    if not user.has_perm("delegations.view_visit"):
        return None
    return Section(
        template="delegations/_place_visits.html",
        context={
            "visits": _visits_of([relationship.pk]),
            "caption": str(relationship),
            "relationship": relationship,
            "can_add": user.has_perm("delegations.add_visit"),
        },
    )
