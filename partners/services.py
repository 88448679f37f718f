"""Writes to the register that touch more than one row, each one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import record_create
from core.status import RuleBroken, StatusMover

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

# Moves a relationship along an allowed move and records it (the table: partners/models.py).
relationship_change_status = StatusMover(RelationshipStatusChange)


@transaction.atomic
def relationship_create(*, values: Mapping[str, Any], by: Any) -> Relationship:
    """Saves a new relationship (its co-signing councils with it) and records the status it starts in."""
    relationship = record_create(model=Relationship, values=values)
    relationship_change_status.start(record=relationship, by=by)
    return relationship


def open_relationship_for(place: Place, kind: str) -> Relationship | None:
    return (
        Relationship.objects.filter(place=place, kind=kind).exclude(status=RelationshipStatus.ENDED).first()
    )


@transaction.atomic
def approach_record(
    *,
    values: Mapping[str, Any],
    new_place: Mapping[str, str] | None = None,
    relationship_kind: str = RelationshipKind.ECONOMIC,
    by: Any,
) -> Approach:
    """Records an approach; a new place is added and, where the place has no
    open relationship of the kind sought, one is opened in "approach received".

    Refuses (RuleBroken beside the new place's name) a new place the register
    cannot hold.
    """
    values = dict(values)
    if new_place is not None:
        place = Place(**new_place)
        try:
            place.full_clean()
        except ValidationError as error:
            raise RuleBroken(error.messages[0], field="new_place_name") from None
        values["place"] = record_create(model=Place, values=new_place)
    else:
        # Two approaches from one place recorded at once: the second waits, then finds the
        # relationship the first opened, rather than opening a second one.
        Place.objects.select_for_update().filter(pk=values["place"].pk).first()
    relationship = open_relationship_for(values["place"], relationship_kind)
    if relationship is None:
        relationship = relationship_create(
            values={
                "place": values["place"],
                "kind": relationship_kind,
                "status": RelationshipStatus.APPROACH_RECEIVED,
            },
            by=by,
        )
    return record_create(model=Approach, values={**values, "relationship": relationship})


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
