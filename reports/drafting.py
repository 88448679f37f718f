"""Options papers drafted from the register's live data.

The draft is an ordinary report afterwards: officers edit it by hand. Every
figure in it is the register's figure on the day it was drafted, and the
paper says "Facts as at" that day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from budgets.models import BudgetLine, FundingSource, LineStatus
from core.templatetags.twinning_format import gbp
from core.text import long_date
from delegations.models import Direction, Funder, Visit, VisitStatus
from delegations.selectors import Estimate, Share, visit_estimate, who_pays
from partners.models import (
    Action,
    ActionStatus,
    Approach,
    ApproachOutcome,
    ApproachScore,
    Relationship,
    RelationshipStatus,
    Stakeholder,
)
from partners.selectors import active_criteria, triage_maximum

from .models import PARAGRAPH_MAX_CHARS, Paragraph, Part, Report
from .services import report_create

RECOMMENDATIONS, REASONS, SUPPORTING, OTHER_OPTIONS, SUMMARY = 2, 3, 4, 5, 1
FINANCIAL = 1


def _place(relationship: Relationship) -> str:
    place = relationship.place
    if place.local_name and place.local_name != place.name:
        return f"{place.name} ({place.local_name})"
    return place.name


def _a(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _relationship_paragraphs(today: date) -> list[str]:
    relationships = (
        Relationship.objects.exclude(status=RelationshipStatus.ENDED)
        .select_related("place")
        .prefetch_related(
            "councils",
            Prefetch("stakeholders", queryset=Stakeholder.objects.select_related("organisation")),
        )
        .order_by("status", "place__name", "kind")
    )
    paragraphs = []
    for relationship in relationships:
        kind = relationship.get_kind_display().lower()
        status = relationship.get_status_display().lower()
        text = f"{_place(relationship)}, {relationship.place.country}: {_a(kind)} relationship, {status}."
        if relationship.established_year:
            text += f" It was established in {relationship.established_year} ({today.year - relationship.established_year} years ago)."
        councils = [c.name for c in relationship.councils.all()]
        if len(councils) > 1:
            text += f" It is held by {_join(councils)}."
        stakeholders = [f"{s.organisation.name} ({s.role})" for s in relationship.stakeholders.all()]
        if stakeholders:
            text += f" Organisations involved: {_join(stakeholders)}."
        paragraphs.append(text)
    return paragraphs


def _approach_paragraphs(today: date) -> list[str]:
    criteria = active_criteria()
    in_use = {criterion.pk for criterion in criteria}
    maximum = triage_maximum(criteria)
    approaches = (
        Approach.objects.filter(outcome__in=[ApproachOutcome.PENDING, ApproachOutcome.EXPLORING])
        .select_related("place", "via_organisation", "via_contact")
        .prefetch_related(Prefetch("scores", queryset=ApproachScore.objects.select_related("criterion")))
        .order_by("respond_by", "place__name")
    )
    paragraphs = []
    for approach in approaches:
        place = approach.place
        name = (
            f"{place.name} ({place.local_name})"
            if place.local_name and place.local_name != place.name
            else place.name
        )
        text = f"An approach from {name}"
        if approach.received_on:
            text += f", received on {long_date(approach.received_on)}"
        via = approach.via_contact or approach.via_organisation
        if via:
            text += f" through {via}"
        text += f": {approach.request.strip().rstrip('.')}."
        if approach.respond_by:
            overdue = " (overdue)" if approach.respond_by < today else ""
            text += f" A response is due by {long_date(approach.respond_by)}{overdue}."
        else:
            text += " No respond-by date is recorded."
        paragraphs.append(text)
        scores = [score for score in approach.scores.all() if score.criterion_id in in_use]
        if scores:
            total = sum(score.score * score.criterion.weight for score in scores)
            judged = "; ".join(
                f"{score.criterion.name.lower()} {score.score} of 5 ({score.reason.strip().rstrip('.')})"
                for score in sorted(scores, key=lambda s: (s.criterion.position, s.criterion.name))
            )
            paragraphs.append(
                f"Against the council's twinning criteria the approach from {place.name} scores "
                f"{total} of a possible {maximum}: {judged}."
            )
    return paragraphs


def _visit_paragraphs() -> tuple[list[str], list[tuple[Visit, Any]]]:
    visits = list(
        Visit.objects.filter(status__in=[VisitStatus.PROPOSED, VisitStatus.CONFIRMED])
        .select_related("relationship__place", "funder_organisation")
        .prefetch_related("cost_items")
        .order_by("starts_on", "pk")
    )
    paragraphs, costed = [], []
    for visit in visits:
        estimate = visit_estimate(visit)
        way = "to" if visit.direction == Direction.OUTBOUND else "from"
        kind = f"{visit.get_status_display().lower()} {visit.get_purpose_display().lower()}"
        text = f"{_a(kind).capitalize()} visit {way} {_place(visit.relationship)}: {visit.title}"
        if visit.starts_on:
            text += f", {'about ' if visit.dates_are_approximate else ''}{long_date(visit.starts_on)}"
        text += "."
        if visit.party_size:
            text += f" {visit.party_size} people are expected to travel."
        if estimate.total:
            text += f" Its estimated cost is {gbp(estimate.total)}{_paid_by(visit, estimate)}."
            costed.append((visit, estimate))
        paragraphs.append(text)
    return paragraphs, costed


# Who pays, as a sentence says it ("met by the council").
FUNDER_PHRASES = {
    Funder.COUNCIL: "the council",
    Funder.FCO: "the Foreign and Commonwealth Office",
    Funder.PARTNER: "the partner",
    Funder.COMPANY: "a company",
    Funder.NOT_RECORDED: "a funder not recorded",
}


def _paid_by(visit: Visit, estimate: Estimate) -> str:
    """Who meets a visit's estimate, from its cost items: ", met by the council" or
    ": £1,704.32 from the council and £2,749.80 from the Foreign and Commonwealth Office"."""

    def phrase(share: Share) -> str:
        words = FUNDER_PHRASES[share.funder]
        named = share.organisation.name if share.organisation else ""
        # The paying organisation, unless it is the funder itself ("the FCO (FCO)").
        return f"{words} ({named})" if named and named.lower() not in words.lower() else words

    shares = who_pays(visit, estimate)
    if len(shares) == 1:
        return f", met by {phrase(shares[0])}"
    return ": " + _join([f"{gbp(share.amount)} from {phrase(share)}" for share in shares])


def _budget_table() -> list[dict[str, str]]:
    """Per financial year: the council's own money and others', approved and proposed (rejected left out)."""
    rows: dict[int, dict[str, Any]] = {}
    for line in BudgetLine.objects.exclude(status=LineStatus.REJECTED).select_related("financial_year"):
        row = rows.setdefault(
            line.financial_year.start_year,
            {
                "year": line.financial_year.label,
                "council": Decimal("0"),
                "external": Decimal("0"),
                "approved": True,
            },
        )
        row["council" if line.funding_source == FundingSource.COUNCIL else "external"] += line.amount
        row["approved"] = row["approved"] and line.status == LineStatus.APPROVED
    return [
        {
            "year": row["year"],
            "council": gbp(row["council"]),
            "external": gbp(row["external"]),
            "total": gbp(row["council"] + row["external"]),
            "status": "Approved" if row["approved"] else "Not all approved",
        }
        for _, row in sorted(rows.items())
    ]


def _financial_paragraphs(costed: list[tuple[Visit, Any]]) -> list[str]:
    lines = BudgetLine.objects.exclude(status=LineStatus.REJECTED).select_related("financial_year")
    by_year: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    years: dict[str, int] = {}
    for line in lines:
        key = "council" if line.funding_source == FundingSource.COUNCIL else "external"
        state = "approved" if line.status == LineStatus.APPROVED else "proposed"
        by_year[line.financial_year.label][f"{key}_{state}"] += line.amount
        years[line.financial_year.label] = line.financial_year.start_year
    paragraphs = []
    for label in sorted(by_year, key=lambda name: years[name]):
        figures = by_year[label]
        parts = []
        for key, words in (
            ("council_approved", "approved from council revenue"),
            ("council_proposed", "proposed from council revenue, not yet approved"),
            ("external_approved", "approved from the FCO, partners and others"),
            ("external_proposed", "proposed from the FCO, partners and others"),
        ):
            if figures.get(key):
                parts.append(f"{gbp(figures[key])} {words}")
        paragraphs.append(f"{label}: {_join(parts)}.")
    if not paragraphs:
        paragraphs.append("There is no budget line for twinning in the register.")
    for visit, estimate in costed:
        text = f"{visit.title} is estimated at {gbp(estimate.total)}"
        fco = estimate.by_funder.get("fco")
        if fco:
            text += f", of which {gbp(fco)} would be met by the Foreign and Commonwealth Office"
        text += f"; the cost to the council is {gbp(estimate.council_cost)}."
        paragraphs.append(text)
    return paragraphs


def _recommendation_paragraphs() -> list[str]:
    actions = (
        Action.objects.filter(status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
        .select_related("relationship__place")
        .order_by("due_on", "pk")
    )
    paragraphs = []
    for action in actions:
        text = action.title.rstrip(".")
        if action.due_on:
            text += f", by {long_date(action.due_on)}"
        paragraphs.append(text + ".")
    return paragraphs or ["To be written."]


def _within_the_cap(texts: list[str]) -> list[str]:
    """The paragraphs, any longer than a paragraph may be (a long approach pasted in
    whole) split into several at a sentence's end, or failing that a space."""
    result = []
    for text in texts:
        while len(text) > PARAGRAPH_MAX_CHARS:
            head = text[:PARAGRAPH_MAX_CHARS]
            sentence_end, space = head.rfind(". "), head.rfind(" ")
            cut = sentence_end + 1 if sentence_end > 0 else space if space > 0 else PARAGRAPH_MAX_CHARS
            result.append(text[:cut].strip())
            text = text[cut:].strip()
        result.append(text)
    return result


@transaction.atomic
def report_draft_from_register(*, meeting_date: date, title: str, report_of: str, by: Any) -> Report:
    """A new draft options paper whose supporting information, financial
    implications and recommendations are written from the register today."""
    today = timezone.localdate()
    report = report_create(
        values={
            "meeting_date": meeting_date,
            "title": title,
            "report_of": report_of,
            "facts_as_at": today,
            "budget_figures": _budget_table(),
        },
        by=by,
    )
    visits, costed = _visit_paragraphs()
    sections: list[tuple[str, int, list[str]]] = [
        (
            Part.BODY,
            SUMMARY,
            [
                "This report is an options paper on the council's overseas twinning relationships, "
                f"drafted from the twinning register; its facts are as at {long_date(today)}."
            ],
        ),
        (Part.BODY, RECOMMENDATIONS, _recommendation_paragraphs()),
        (Part.BODY, REASONS, ["To be written."]),
        (Part.BODY, SUPPORTING, _relationship_paragraphs(today) + _approach_paragraphs(today) + visits),
        (Part.BODY, OTHER_OPTIONS, ["Doing nothing."]),
        (Part.IMPLICATIONS, FINANCIAL, _financial_paragraphs(costed)),
    ]
    Paragraph.objects.bulk_create(
        Paragraph(report=report, part=part, section=section, position=position, text=text)
        for part, section, texts in sections
        for position, text in enumerate(_within_the_cap(texts), start=1)
    )
    for section in range(2, 11):
        Paragraph.objects.create(
            report=report,
            part=Part.IMPLICATIONS,
            section=section,
            position=1,
            text="None arising directly from this report.",
        )
    return report
