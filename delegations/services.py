"""Writes to visits that touch more than one row, each one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from core.services import record_create
from core.status import Move, RuleBroken, StatusMover
from partners.models import Action

from .models import CostCategory, CostItem, Participant, Visit, VisitFollowUp, VisitStatus, VisitStatusChange


def _completed_with_participants(move: Move) -> None:
    if move.to_status == VisitStatus.COMPLETED and not move.record.participants.exists():
        raise RuleBroken(
            "A visit cannot be completed with no participants: record who took part first.", field="to_status"
        )


@transaction.atomic
def participant_remove(*, participant: Participant) -> None:
    """Removes someone entered in error; a completed visit keeps at least one participant."""
    participant_may_go(
        participant=participant, visit=Visit.objects.select_for_update().get(pk=participant.visit_id)
    )
    participant.delete()


def participant_may_go(*, participant: Participant, visit: Visit) -> None:
    """Refuses (RuleBroken) to let a completed visit's last participant go: asked before the
    person is asked to confirm, and again, under the visit's lock, as the removal is made."""
    if visit.status == VisitStatus.COMPLETED and not visit.participants.exclude(pk=participant.pk).exists():
        raise RuleBroken(
            "A completed visit keeps at least one participant: record who did take part before removing "
            f"{participant}."
        )


# Moves a visit along an allowed move and records it; a visit is completed only with participants,
# counted under the visit's lock, which a participant's removal takes too.
visit_change_status = StatusMover(VisitStatusChange, rules=(_completed_with_participants,), lock=True)


@transaction.atomic
def visit_create(*, values: Mapping[str, Any], by: Any) -> Visit:
    """Saves a new visit and records the status it starts in."""
    if values.get("status", VisitStatus.PROPOSED) not in (VisitStatus.PROPOSED, VisitStatus.CONFIRMED):
        raise RuleBroken(
            "A new visit starts as proposed or confirmed; record who took part, then complete it.",
            field="status",
        )
    visit = record_create(model=Visit, values=values)
    visit_change_status.start(record=visit, by=by)
    return visit


@dataclass(frozen=True)
class QuickEstimate:
    """people x nights x nightly rate + fares + gifts + materials."""

    people: int
    nights: int
    nightly_rate: Decimal
    fare_per_person: Decimal
    civic_gifts: Decimal
    presentation_materials: Decimal
    funder: str

    def lines(self) -> list[tuple[str, str, Decimal, Decimal]]:
        """(category, description, quantity, unit cost) for each non-zero part."""
        parts = [
            (
                CostCategory.ACCOMMODATION,
                f"{self.people} people x {self.nights} nights",
                Decimal(self.people * self.nights),
                self.nightly_rate,
            ),
            (
                CostCategory.TRAVEL,
                f"Fares for {self.people} people",
                Decimal(self.people),
                self.fare_per_person,
            ),
            (CostCategory.CIVIC_GIFTS, "Civic gifts", Decimal(1), self.civic_gifts),
            (CostCategory.PRESENTATION, "Presentation materials", Decimal(1), self.presentation_materials),
        ]
        return [part for part in parts if part[2] > 0 and part[3] > 0]

    @property
    def total(self) -> Decimal:
        return sum((quantity * unit for _, _, quantity, unit in self.lines()), Decimal("0.00"))


@transaction.atomic
def visit_add_estimate(*, visit: Visit, estimate: QuickEstimate) -> list[CostItem]:
    """Adds the quick estimate's parts to the visit as cost items."""
    return [
        CostItem.objects.create(
            visit=visit,
            category=category,
            description=description,
            quantity=quantity,
            unit_cost=unit_cost,
            funder=estimate.funder,
        )
        for category, description, quantity, unit_cost in estimate.lines()
    ]


@transaction.atomic
def visit_add_follow_up(*, visit: Visit, values: Mapping[str, Any]) -> Action:
    """Saves an action that follows up a visit, under the visit's relationship."""
    action = record_create(model=Action, values={**values, "relationship": visit.relationship})
    VisitFollowUp.objects.create(visit=visit, action=action)
    return action
