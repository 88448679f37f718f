"""Writes to the register that touch more than one row, each one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.history import one_history_record

from .models import (
    Approach,
    ApproachScore,
    Place,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    RelationshipStatusChange,
    TriageCriterion,
    TriageScore,
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


@dataclass(frozen=True)
class ScoreGiven:
    """An officer's score against one criterion, with the reason for it."""

    criterion: TriageCriterion
    score: int
    reason: str


def approach_score(*, approach: Approach, scores: list[ScoreGiven], by: Any) -> list[ApproachScore]:
    """Records (or re-records) an approach's scores against the council's criteria.

    All or nothing: a score outside 0-5, a blank reason or a retired criterion
    refuses the lot with a message per criterion.
    """
    errors: dict[str, str] = {}
    for given in scores:
        if not given.criterion.is_active:
            errors[given.criterion.name] = "This criterion is no longer in use."
        elif given.score not in TriageScore.values:
            errors[given.criterion.name] = "A score is from 0 to 5."
        elif not given.reason.strip():
            errors[given.criterion.name] = "Give the reason for the score."
    if errors:
        raise ValidationError(errors)
    saved = []
    with transaction.atomic():
        current = {row.criterion_id: row for row in approach.scores.select_for_update()}
        for given in scores:
            row = current.get(given.criterion.pk) or ApproachScore(
                approach=approach, criterion=given.criterion
            )
            if row.pk and row.score == given.score and row.reason == given.reason.strip():
                saved.append(row)
                continue
            row.score = given.score
            row.reason = given.reason.strip()
            row.scored_by = by
            row.save()
            saved.append(row)
    return saved
