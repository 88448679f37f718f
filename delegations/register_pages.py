"""What delegations adds to the register's place and relationship pages."""

from __future__ import annotations

from typing import Any

from partners.extensions import section
from partners.selectors import TimelineEvent

from .selectors import visit_estimate, visit_list, with_cost_items


def _visits_of(relationship_ids: list[int]) -> list[Any]:
    return list(visit_list().filter(relationship_id__in=relationship_ids))


def _visits_with_estimates(relationship_ids: list[int]) -> list[Any]:
    """The visits of these relationships, each with its estimate summed from its cost items."""
    visits = list(with_cost_items(visit_list()).filter(relationship_id__in=relationship_ids))
    for visit in visits:
        visit.estimate = visit_estimate(visit).total
    return visits


def place_timeline_visits(place: Any) -> list[TimelineEvent]:
    """Each visit on the place's timeline, dated by its start (approximate ones by month)."""
    events = []
    for visit in _visits_of([r.pk for r in place.relationships.all()]):
        verb = "to" if visit.direction == "outbound" else "from"
        title = f"Visit {verb} {place.name}: {visit.title}"
        detail = f"{visit.get_purpose_display()}, {visit.get_status_display().lower()}"
        precision = "month" if visit.dates_are_approximate else "day"
        events.append(TimelineEvent.about(visit, visit.starts_on, title, detail, precision=precision))
    return events


@section("delegations/_place_visits.html", shown_to="delegations.view_visit")
def place_visits_section(place: Any, user: Any) -> dict[str, Any]:
    return {
        "visits": _visits_with_estimates([r.pk for r in place.relationships.all()]),
        "caption": place.name,
    }


@section("delegations/_place_visits.html", shown_to="delegations.view_visit")
def relationship_visits_section(relationship: Any, user: Any) -> dict[str, Any]:
    return {
        "visits": _visits_with_estimates([relationship.pk]),
        "caption": str(relationship),
        "relationship": relationship,
        "can_add": user.has_perm("delegations.add_visit"),
    }
