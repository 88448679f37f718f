"""Reads the register's pages need, with their queries fixed in number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.kept import kept
from core.querysets import built_once

from . import extensions
from .models import (
    Action,
    ActionStatus,
    Approach,
    ApproachOutcome,
    ApproachScore,
    Contact,
    Exchange,
    Organisation,
    Place,
    Relationship,
    RelationshipStatus,
    RelationshipStatusChange,
    Stakeholder,
    TriageCriterion,
    TriageScore,
)

OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
OPEN_APPROACH_OUTCOMES = (ApproachOutcome.PENDING, ApproachOutcome.EXPLORING)


def _count_of(model: Any, field: str, **conditions: Any) -> Coalesce:
    """How many ``model`` rows point at each listed row, as a correlated subquery:
    the database counts one page's rows, not every row grouped before paging."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **conditions)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


@built_once
def _places_with_open_relationships() -> QuerySet[Place]:
    open_relationships = [
        status for status in RelationshipStatus.values if status != RelationshipStatus.ENDED
    ]
    return Place.objects.annotate(
        relationship_count=_count_of(Relationship, "place", status__in=open_relationships)
    )


def place_list() -> QuerySet[Place]:
    # As lists: a template reading a relation's .all makes a manager per row.
    return (
        _places_with_open_relationships()
        .prefetch_related(Prefetch("sectors", to_attr="sector_list"))
        .order_by("name", "pk")
    )


def relationship_list() -> QuerySet[Relationship]:
    return Relationship.objects.select_related("place", "lead_officer")


# The councils holding each relationship of one page of the list, the home council first,
# read in one statement as the home page's panels are (overview/dashboards.py): a prefetch
# costs the list several times what the database spends on these few rows.
COUNCILS_OF = """
SELECT t.relationship_id, c.name
FROM partners_relationship_councils t JOIN partners_council c ON c.id = t.council_id
WHERE t.relationship_id IN ({ids})
ORDER BY c.is_home DESC, c.name"""


def with_council_names(relationships: list[Relationship]) -> list[Relationship]:
    """Each relationship with ``council_names``, the councils holding it (one query)."""
    names: dict[int, list[str]] = {relationship.pk: [] for relationship in relationships}
    if names:
        with connection.cursor() as cursor:
            cursor.execute(COUNCILS_OF.format(ids=", ".join(["%s"] * len(names))), list(names))
            for relationship_id, name in cursor.fetchall():
                names[relationship_id].append(name)
    for relationship in relationships:
        relationship.council_names = names[relationship.pk]
    return relationships


def approach_list() -> QuerySet[Approach]:
    return Approach.objects.select_related(
        "place", "relationship", "via_organisation", "via_contact", "via_contact__organisation"
    )


@built_once
def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.annotate(
        contact_count=_count_of(Contact, "organisation"),
        relationship_count=_count_of(Stakeholder, "organisation"),
    ).order_by("name", "pk")


def contact_list() -> QuerySet[Contact]:
    return Contact.objects.select_related("organisation")


def action_list() -> QuerySet[Action]:
    """Open actions first, soonest due first, undated last."""
    return Action.objects.select_related("relationship", "relationship__place", "owner").order_by(
        "list_rank", "due_on", "pk"
    )


def exchange_list() -> QuerySet[Exchange]:
    return Exchange.objects.select_related("relationship", "relationship__place")


def relationship_detail() -> QuerySet[Relationship]:
    return relationship_list().prefetch_related(
        Prefetch("councils", to_attr="council_list"),
        Prefetch("status_changes", queryset=RelationshipStatusChange.objects.select_related("changed_by")),
        Prefetch("stakeholders", queryset=Stakeholder.objects.select_related("organisation")),
        Prefetch("approaches", queryset=approach_list()),
        Prefetch("actions", queryset=Action.objects.select_related("owner")),
        "exchanges",
    )


def organisation_detail() -> QuerySet[Organisation]:
    return Organisation.objects.prefetch_related(
        "contacts",
        Prefetch(
            "stakeholdings",
            queryset=Stakeholder.objects.select_related("relationship", "relationship__place"),
        ),
        Prefetch("approaches_made_through", queryset=Approach.objects.select_related("place")),
    )


def contact_detail() -> QuerySet[Contact]:
    return Contact.objects.select_related("organisation").prefetch_related(
        Prefetch("approaches_made_through", queryset=Approach.objects.select_related("place"))
    )


def place_detail() -> QuerySet[Place]:
    return Place.objects.prefetch_related(
        "sectors",
        Prefetch(
            "relationships",
            queryset=Relationship.objects.select_related("lead_officer").prefetch_related(
                "councils",
                Prefetch(
                    "status_changes",
                    queryset=RelationshipStatusChange.objects.select_related("changed_by"),
                ),
                Prefetch(
                    "stakeholders",
                    queryset=Stakeholder.objects.select_related("organisation").prefetch_related(
                        "organisation__contacts"
                    ),
                ),
                Prefetch("actions", queryset=Action.objects.select_related("owner")),
                "exchanges",
            ),
        ),
        Prefetch("approaches", queryset=approach_list()),
    )


@dataclass(frozen=True)
class TimelineEvent:
    """One dated line on a place's timeline.

    ``precision`` says how much of the date is known: "day", "month" (shown
    as "About October 2015") or "year".
    """

    on: date | None
    title: str
    detail: str = ""
    url: str = ""
    precision: str = "day"

    @classmethod
    def about(cls, record: Any, on: date | None, title: str, detail: str = "", **more: Any) -> TimelineEvent:
        """An event linking to the page of the record it is about."""
        return cls(on=on, title=title, detail=detail, url=record.get_absolute_url(), **more)


def place_timeline(place: Place) -> list[TimelineEvent]:
    """Everything that happened or is due with this place, oldest first, undated last.

    Works from what ``place_detail`` prefetched: it makes no queries.
    """
    events: list[TimelineEvent] = []
    for relationship in place.relationships.all():
        label = relationship.get_kind_display().lower()
        if relationship.established_year:
            established = date(relationship.established_year, 1, 1)
            title = f"{label.capitalize()} relationship established"
            events.append(TimelineEvent.about(relationship, established, title, precision="year"))
        for change in relationship.status_changes.all():
            who = change.changed_by.get_full_name() if change.changed_by else ""
            verb = (
                f"moved from {change.get_from_status_display()} to {change.get_to_status_display()}"
                if change.from_status
                else f"entered in the register as {change.get_to_status_display()}"
            )
            on = timezone.localtime(change.changed_at).date()
            title = f"{label.capitalize()} relationship {verb}"
            detail = " ".join(part for part in (f"By {who}." if who else "", change.note) if part)
            events.append(TimelineEvent.about(relationship, on, title, detail))
        for action in relationship.actions.all():
            title = f"Action {action.get_status_display().lower()}: {action.title}"
            events.append(
                TimelineEvent.about(action, action.due_on, title, "Due" if action.due_on else "No due date")
            )
        for exchange in relationship.exchanges.all():
            title = f"{exchange.get_kind_display()}: {exchange.title}"
            events.append(TimelineEvent.about(exchange, exchange.starts_on, title, exchange.host))
    for approach in place.approaches.all():
        events.append(
            TimelineEvent.about(approach, approach.received_on, "Approach received", approach.request)
        )
        if approach.respond_by:
            outcome = approach.get_outcome_display()
            events.append(
                TimelineEvent.about(approach, approach.respond_by, "Response to approach due", outcome)
            )
    for source in extensions.timeline_sources:
        events.extend(source(place))
    dated = sorted((e for e in events if e.on), key=lambda e: (e.on, e.title))
    undated = [e for e in events if not e.on]
    return dated + undated


def place_related(place: Place) -> dict[str, list[Any]]:
    """The stakeholders, actions and exchanges of all a place's relationships (no queries)."""
    relationships = list(place.relationships.all())
    return {
        "stakeholders": [s for r in relationships for s in r.stakeholders.all()],
        "actions": [a for r in relationships for a in r.actions.all()],
        "exchanges": [e for r in relationships for e in r.exchanges.all()],
        "contacts": place_contacts(place),
    }


def place_contacts(place: Place) -> list[Contact]:
    """Contacts at the place's stakeholder organisations and those approaches came through."""
    seen: dict[int, Contact] = {}
    for relationship in place.relationships.all():
        for stakeholder in relationship.stakeholders.all():
            for contact in stakeholder.organisation.contacts.all():
                seen.setdefault(contact.pk, contact)
    for approach in place.approaches.all():
        if approach.via_contact is not None:
            seen.setdefault(approach.via_contact.pk, approach.via_contact)
    return sorted(seen.values(), key=lambda c: (c.name or c.job_title).lower())


# --- Approach triage ---------------------------------------------------------------------


@dataclass(frozen=True)
class TriageLine:
    criterion: TriageCriterion
    score: ApproachScore | None

    @property
    def weighted(self) -> int:
        return self.score.score * self.criterion.weight if self.score else 0


@dataclass(frozen=True)
class Triage:
    """An approach judged against the council's criteria in use."""

    lines: list[TriageLine]

    @property
    def total(self) -> int:
        return sum(line.weighted for line in self.lines)

    @property
    def maximum(self) -> int:
        return sum(line.criterion.weight * TriageScore.STRONG for line in self.lines)

    @property
    def percent(self) -> int | None:
        """The total as a share of the most it could be, rounded half up; None before any score."""
        if not self.scored or not self.maximum:
            return None
        return (200 * self.total + self.maximum) // (2 * self.maximum)

    @property
    def scored(self) -> int:
        return sum(1 for line in self.lines if line.score)

    @property
    def complete(self) -> bool:
        return self.scored == len(self.lines)


def active_criteria() -> list[TriageCriterion]:
    return kept(
        "triage-criteria",
        [TriageCriterion],
        lambda: list(TriageCriterion.objects.filter(is_active=True).order_by("position", "name")),
    )


def approach_scores(approach: Approach) -> dict[int, ApproachScore]:
    """The approach's scores as they stand, by criterion (one query)."""
    return {row.criterion_id: row for row in ApproachScore.objects.filter(approach=approach)}


def scored_as(approach: Approach) -> str:
    """The approach's scores as they stand, to notice a colleague's scoring in between: each
    criterion scored with its score's version (one query)."""
    rows = (
        ApproachScore.objects.filter(approach=approach)
        .order_by("criterion_id")
        .values_list("criterion_id", "version")
    )
    return ",".join(f"{criterion}:{version}" for criterion, version in rows)


def approach_triage(approach: Approach, criteria: list[TriageCriterion] | None = None) -> Triage:
    """The approach's scores against every criterion in use (two queries)."""
    criteria = active_criteria() if criteria is None else criteria
    scores = {
        row.criterion_id: row
        for row in ApproachScore.objects.filter(approach=approach).select_related("scored_by")
    }
    return Triage([TriageLine(criterion, scores.get(criterion.pk)) for criterion in criteria])


@built_once
def approaches_ranked() -> QuerySet[Approach]:
    """Approaches with `triage_total` (sum of score x weight over the criteria in
    use) and `triage_scored` (how many of them are scored), best first; those
    not yet scored last."""
    # What the list shows of each: its place and whom it came through (not its relationship).
    queryset = Approach.objects.select_related("place", "via_organisation", "via_contact__organisation")
    # Correlated subqueries over one page's rows, not a join grouped over every approach.
    scores = (
        ApproachScore.objects.filter(approach=OuterRef("pk"), criterion__is_active=True)
        .order_by()
        .values("approach")
    )
    return queryset.annotate(
        triage_total=Subquery(
            scores.annotate(total=Sum(F("score") * F("criterion__weight"))).values("total")
        ),
        triage_scored=Coalesce(Subquery(scores.annotate(n=Count("pk")).values("n")), 0),
    ).order_by(F("triage_total").desc(nulls_last=True), "-received_on", "-pk")


def triage_maximum(criteria: list[TriageCriterion] | None = None) -> int:
    criteria = active_criteria() if criteria is None else criteria
    return sum(criterion.weight * TriageScore.STRONG for criterion in criteria)
