"""What the register adds to the search: places, relationships, approaches, organisations, contacts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.search import Document, Kind, register

from .models import Approach, Contact, Organisation, Place, Relationship


def place_names(place: Place, label: str = "Place") -> list[tuple[str, str]]:
    """A place's two names as search fields: whatever is about a place is found by either."""
    return [(label, place.name), ("Local name", place.local_name)]


def _place(place: Place) -> Document:
    return Document.of(
        place,
        str(place),
        [place.get_kind_display(), place.region, place.country],
        [
            *place_names(place, "English name"),
            ("Region or province", place.region),
            ("Country", place.country),
            ("Notes", place.notes),
        ],
    )


def _relationship(relationship: Relationship) -> Document:
    place = relationship.place
    fields = [*place_names(place), ("Country", place.country), ("Narrative", relationship.narrative)]
    return Document.of(relationship, str(relationship), [relationship.get_status_display()], fields)


def _approach(approach: Approach) -> Document:
    via = approach.via_organisation.name if approach.via_organisation_id else ""
    fields = [
        *place_names(approach.place),
        ("Through", via),
        ("What was asked", approach.request),
        ("Our response", approach.response),
    ]
    return Document.of(approach, str(approach), [approach.get_outcome_display()], fields)


def _organisation(organisation: Organisation) -> Document:
    fields = [("Name", organisation.name), ("Country", organisation.country), ("Notes", organisation.notes)]
    return Document.of(
        organisation, organisation.name, [organisation.get_kind_display(), organisation.country], fields
    )


def _contact(contact: Contact) -> Document:
    organisation = contact.organisation.name if contact.organisation_id else ""
    fields = [
        ("Name", contact.name),
        ("Job title", contact.job_title),
        ("Organisation", organisation),
        ("Email", contact.email),
        ("Notes", contact.notes),
    ]
    summary = [contact.job_title if contact.name else "", organisation]
    return Document.of(contact, contact.name or contact.job_title, summary, fields)


def _kind(model_name: str, label: str, document: Callable[[Any], Document], **queried: Any) -> Kind:
    """A kind of the register's records, keyed by its model's name and found by whoever may view it."""
    return Kind(
        model_name,
        label,
        f"partners.{model_name.capitalize()}",
        f"partners.view_{model_name}",
        document,
        **queried,
    )


def register_kinds() -> None:
    register(_kind("place", "Places", _place))
    register(
        _kind("relationship", "Relationships", _relationship, select_related=("place",)),
        shows={"partners.place": "place_id"},
    )
    register(
        _kind("approach", "Approaches", _approach, select_related=("place", "via_organisation")),
        shows={"partners.place": "place_id", "partners.organisation": "via_organisation_id"},
    )
    register(_kind("organisation", "Organisations", _organisation))
    register(
        _kind("contact", "Contacts", _contact, select_related=("organisation",)),
        shows={"partners.organisation": "organisation_id"},
    )
