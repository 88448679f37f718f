"""Writes to the register that touch more than one row, each one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from twinning.history import one_history_record

from .models import (
    Approach,
    Place,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    RelationshipStatusChange,
)


class TransitionNotAllowed(Exception):
    """A status move that ALLOWED_TRANSITIONS forbids."""


@transaction.atomic
def relationship_create(*, relationship: Relationship, councils: Any = None, by: Any) -> Relationship:
    """Saves a new relationship and records the status it starts in."""
    with one_history_record(relationship, created=True):
        relationship.save()
        if councils is not None:
            relationship.councils.set(councils)
    RelationshipStatusChange.objects.create(
        relationship=relationship, from_status="", to_status=relationship.status, changed_by=by
    )
    return relationship


@transaction.atomic
def relationship_change_status(
    *,
    relationship: Relationship,
    to_status: str,
    by: Any,
    note: str = "",
    expected_version: int | None = None,
) -> RelationshipStatusChange:
    """Moves a relationship along an allowed transition and records the move.

    Refuses (TransitionNotAllowed) a move the status table does not allow, and
    (StaleEditError) a move made from an out-of-date view of the relationship.
    """
    if expected_version is not None:
        relationship.version = expected_version
    from_status = relationship.status
    if not relationship.can_move_to(to_status):
        raise TransitionNotAllowed(
            f"A relationship cannot move from {RelationshipStatus(from_status).label} "
            f"to {RelationshipStatus(to_status).label}."
        )
    relationship.status = to_status
    relationship.save()
    return RelationshipStatusChange.objects.create(
        relationship=relationship, from_status=from_status, to_status=to_status, changed_by=by, note=note
    )


def open_relationship_for(place: Place, kind: str) -> Relationship | None:
    return (
        Relationship.objects.filter(place=place, kind=kind).exclude(status=RelationshipStatus.ENDED).first()
    )


@transaction.atomic
def approach_record(
    *,
    approach: Approach,
    new_place: Place | None = None,
    relationship_kind: str = RelationshipKind.ECONOMIC,
    by: Any,
) -> Approach:
    """Records an approach; a new place is added and, where the place has no
    open relationship of the kind sought, one is opened in "approach received"."""
    if new_place is not None:
        new_place.full_clean()
        new_place.save()
        approach.place = new_place
    relationship = open_relationship_for(approach.place, relationship_kind)
    if relationship is None:
        relationship = relationship_create(
            relationship=Relationship(
                place=approach.place, kind=relationship_kind, status=RelationshipStatus.APPROACH_RECEIVED
            ),
            by=by,
        )
    approach.relationship = relationship
    approach.save()
    return approach
