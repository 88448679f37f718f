"""What the register adds to the search: places, relationships, approaches, organisations, contacts."""

from __future__ import annotations

from core.search import Document, Kind, register

from .models import Approach, Contact, Organisation, Place, Relationship


def _place(place: Place) -> Document:
    return Document(
        title=str(place),
        summary=", ".join(filter(None, [place.get_kind_display(), place.country])),
        url=place.get_absolute_url(),
        fields=[
            ("English name", place.name),
            ("Local name", place.local_name),
            ("Country", place.country),
            ("Notes", place.notes),
        ],
    )


def _relationship(relationship: Relationship) -> Document:
    place = relationship.place
    return Document(
        title=str(relationship),
        summary=relationship.get_status_display(),
        url=relationship.get_absolute_url(),
        fields=[
            ("Place", place.name),
            ("Local name", place.local_name),
            ("Country", place.country),
            ("Narrative", relationship.narrative),
        ],
    )


def _approach(approach: Approach) -> Document:
    place = approach.place
    via = approach.via_organisation.name if approach.via_organisation_id else ""
    return Document(
        title=str(approach),
        summary=approach.get_outcome_display(),
        url=approach.get_absolute_url(),
        fields=[
            ("Place", place.name),
            ("Local name", place.local_name),
            ("Through", via),
            ("What was asked", approach.request),
            ("Our response", approach.response),
        ],
    )


def _organisation(organisation: Organisation) -> Document:
    return Document(
        title=organisation.name,
        summary=", ".join(filter(None, [organisation.get_kind_display(), organisation.country])),
        url=organisation.get_absolute_url(),
        fields=[
            ("Name", organisation.name),
            ("Country", organisation.country),
            ("Notes", organisation.notes),
        ],
    )


def _contact(contact: Contact) -> Document:
    organisation = contact.organisation.name if contact.organisation_id else ""
    return Document(
        title=contact.name or contact.job_title,
        summary=", ".join(filter(None, [contact.job_title if contact.name else "", organisation])),
        url=contact.get_absolute_url(),
        fields=[
            ("Name", contact.name),
            ("Job title", contact.job_title),
            ("Organisation", organisation),
            ("Email", contact.email),
            ("Notes", contact.notes),
        ],
    )


def register_kinds() -> None:
    register(Kind("place", "Places", "partners.Place", "partners.view_place", _place))
    register(
        Kind(
            "relationship",
            "Relationships",
            "partners.Relationship",
            "partners.view_relationship",
            _relationship,
            select_related=("place",),
        ),
        shows={"partners.place": "place_id"},
    )
    register(
        Kind(
            "approach",
            "Approaches",
            "partners.Approach",
            "partners.view_approach",
            _approach,
            select_related=("place", "via_organisation"),
        ),
        shows={"partners.place": "place_id", "partners.organisation": "via_organisation_id"},
    )
    register(
        Kind(
            "organisation",
            "Organisations",
            "partners.Organisation",
            "partners.view_organisation",
            _organisation,
        )
    )
    register(
        Kind(
            "contact",
            "Contacts",
            "partners.Contact",
            "partners.view_contact",
            _contact,
            select_related=("organisation",),
        ),
        shows={"partners.organisation": "organisation_id"},
    )
