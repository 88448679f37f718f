"""Writes to visits that touch more than one row, each one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from core.history import one_history_record
from partners.models import Action

from .models import CostCategory, CostItem, Visit, VisitFollowUp, VisitStatus, VisitStatusChange


class VisitRuleBroken(Exception):
    """A status move the visit's rules forbid; the message says why, in the council's words."""


@transaction.atomic
def visit_create(*, visit: Visit, by: Any) -> Visit:
    """Saves a new visit and records the status it starts in."""
    if visit.status not in (VisitStatus.PROPOSED, VisitStatus.CONFIRMED):
        raise VisitRuleBroken(
            "A new visit starts as proposed or confirmed; record who took part, then complete it."
        )
    visit.save()
    VisitStatusChange.objects.create(visit=visit, from_status="", to_status=visit.status, changed_by=by)
    return visit


@transaction.atomic
def visit_change_status(
    *, visit: Visit, to_status: str, by: Any, note: str = "", expected_version: int | None = None
) -> VisitStatusChange:
    """Moves a visit along an allowed transition and records the move.

    Refuses a move the transition table forbids and completing a visit with
    no participants (VisitRuleBroken), and a move made from an out-of-date
    view of the visit (StaleEditError).
    """
    if expected_version is not None:
        visit.version = expected_version
    from_status = visit.status
    if not visit.can_move_to(to_status):
        raise VisitRuleBroken(
            f"A visit cannot move from {VisitStatus(from_status).label} to {VisitStatus(to_status).label}."
        )
    if to_status == VisitStatus.COMPLETED and not visit.participants.exists():
        raise VisitRuleBroken("A visit cannot be completed with no participants: record who took part first.")
    visit.status = to_status
    visit.save()
    return VisitStatusChange.objects.create(
        visit=visit, from_status=from_status, to_status=to_status, changed_by=by, note=note
    )


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
def visit_add_follow_up(*, visit: Visit, action: Action) -> Action:
    """Saves an action that follows up a visit, under the visit's relationship."""
    action.relationship = visit.relationship
    with one_history_record(action, created=True):
        action.save()
    VisitFollowUp.objects.create(visit=visit, action=action)
    return action
