"""What delegations adds to the search: visits, found by their place's names too."""

from __future__ import annotations

from core.search import Document, Kind, register
from partners.search import place_names

from .models import Visit


def _visit(visit: Visit) -> Document:
    place = visit.relationship.place
    summary = [visit.get_direction_display(), place.name, visit.get_status_display()]
    fields = [
        ("Title", visit.title),
        *place_names(place),
        ("Where", visit.location),
        ("Outcomes", visit.outcomes),
    ]
    return Document.of(visit, visit.title, summary, fields)


def register_kinds() -> None:
    register(
        Kind(
            "visit",
            "Visits",
            "delegations.Visit",
            "delegations.view_visit",
            _visit,
            select_related=("relationship__place",),
        ),
        shows={"partners.place": "relationship__place_id", "partners.relationship": "relationship_id"},
    )
