"""Options papers drafted from the register's live data.

The draft is an ordinary report afterwards: officers edit it by hand. Every
figure in it is the register's figure on the day it was drafted, and the
paper says "Facts as at" that day. Every phrase that counts from a date
("15 years ago", "overdue") counts from the paper's own date, its meeting.
Only what the register holds as prose (an approach's request) is quoted; its
labels are used as names, and references to other papers' paragraphs
("(para 4.8)") are left to the officer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from budgets.models import BudgetLine, FundingSource, LineStatus
from core.templatetags.twinning_format import gbp
from core.text import long_date, person_name
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


# A reference to a paragraph or recommendation of another paper, as officers note them
# in the register: "(para 4.8)", "(Cabinet report 9 September 2015, para 4.10)", "(rec. 2.2, para 4.10)".
PAPER_REFERENCE = re.compile(r"\s*\([^()]*\b(?:paras?|paragraph|rec\.|recommendation)\s*\d[^()]*\)")


def _without_references(text: str) -> str:
    return PAPER_REFERENCE.sub("", text).strip()


def _years_before(year: int, paper: date) -> str:
    """ " (15 years ago)", counted from the paper's date; nothing for a year not before it."""
    years = paper.year - year
    if years <= 0:
        return ""
    return f" ({'a year' if years == 1 else f'{years} years'} ago)"


def _relationship_paragraphs(paper: date) -> list[str]:
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
            text += f" It was established in {relationship.established_year}{_years_before(relationship.established_year, paper)}."
        councils = [c.name for c in relationship.councils.all()]
        if len(councils) > 1:
            text += f" It is held by {_join(councils)}."
        stakeholders = [_stakeholder(s) for s in relationship.stakeholders.all()]
        if stakeholders:
            text += f" Organisations involved: {_join(stakeholders)}."
        paragraphs.append(text)
    return paragraphs


def _stakeholder(stakeholder: Stakeholder) -> str:
    """ "Toyota City Council (Partner council)": the organisation, its role beside it as the
    register words it, less any reference to another paper's paragraphs."""
    role = _without_references(stakeholder.role).rstrip(".")
    if not role:
        return stakeholder.organisation.name
    return f"{stakeholder.organisation.name} ({role})"


def _approach_paragraphs(paper: date) -> list[str]:
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
        text += f": {_without_references(approach.request).rstrip('.')}."
        if approach.respond_by and approach.respond_by < paper:
            text += f" A response was due by {long_date(approach.respond_by)}."
        elif approach.respond_by:
            text += f" A response is due by {long_date(approach.respond_by)}."
        else:
            text += " No respond-by date is recorded."
        paragraphs.append(text)
        scores = [score for score in approach.scores.all() if score.criterion_id in in_use]
        if scores:
            total = sum(score.score * score.criterion.weight for score in scores)
            judged = "; ".join(
                f"{score.criterion.name.lower()} {score.score} of 5 ({_without_references(score.reason).rstrip('.')})"
                for score in sorted(scores, key=lambda s: (s.criterion.position, s.criterion.name))
            )
            paragraphs.append(
                f"Against the council's twinning criteria the approach from {place.name} scores "
                f"{total} of a possible {maximum}: {judged}."
            )
    return paragraphs


def _visit_paragraphs(paper: date) -> tuple[list[str], list[tuple[Visit, Any]]]:
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
        about = "about " if visit.dates_are_approximate else ""
        if visit.starts_on and visit.starts_on < paper:
            status = visit.get_status_display().lower()
            text += f", which was planned for {about}{long_date(visit.starts_on)} and is still recorded as {status}"
        elif visit.starts_on:
            text += f", {about}{long_date(visit.starts_on)}"
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
    """Who meets a visit's estimate, from its cost items: ", paid in full by the council" or
    ": £1,704.32 from the council and £2,749.80 from the Foreign and Commonwealth Office"."""

    def phrase(share: Share) -> str:
        words = FUNDER_PHRASES[share.funder]
        named = share.organisation.name if share.organisation else ""
        # The paying organisation, unless it is the funder itself ("the FCO (FCO)").
        return f"{words} ({named})" if named and named.lower() not in words.lower() else words

    shares = who_pays(visit, estimate)
    if len(shares) == 1:
        return f", paid in full by {phrase(shares[0])}"
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
                "states": set(),
            },
        )
        row["council" if line.funding_source == FundingSource.COUNCIL else "external"] += line.amount
        row["states"].add(line.status == LineStatus.APPROVED)
    for row in rows.values():
        # What the year's lines are: all approved, all proposed, or some of each.
        row["status"] = {frozenset({True}): "Approved", frozenset({False}): "Proposed"}.get(
            frozenset(row["states"]), "Partly approved"
        )
    return [
        {
            "year": row["year"],
            "council": gbp(row["council"]),
            "external": gbp(row["external"]),
            "total": gbp(row["council"] + row["external"]),
            "status": row["status"],
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
        text = f"{visit.title} is estimated at {gbp(estimate.total)}{_paid_by(visit, estimate)}"
        if not estimate.council_cost:
            text += ": it would cost the council nothing"
        paragraphs.append(text + ".")
    return paragraphs


def _recommendation_paragraphs(paper: date) -> list[str]:
    actions = (
        Action.objects.filter(status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
        .select_related("relationship__place")
        .order_by("due_on", "pk")
    )
    paragraphs = []
    for action in actions:
        text = action.title.rstrip(".")
        if action.due_on and action.due_on < paper:
            text += f"; this was due by {long_date(action.due_on)} and is still open"
        elif action.due_on:
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
    # The drafting officer is the paper's contact until someone else is named.
    contact = {"author_name": person_name(by), "contact_email": by.email} if by is not None else {}
    report = report_create(
        values={
            "meeting_date": meeting_date,
            "title": title,
            "report_of": report_of,
            "facts_as_at": today,
            "budget_figures": _budget_table(),
            **contact,
        },
        by=by,
    )
    visits, costed = _visit_paragraphs(meeting_date)
    sections: list[tuple[str, int, list[str]]] = [
        (
            Part.BODY,
            SUMMARY,
            [
                "This report is an options paper on the council's overseas twinning relationships, "
                f"drafted from the twinning register; its facts are as at {long_date(today)}."
            ],
        ),
        (Part.BODY, RECOMMENDATIONS, _recommendation_paragraphs(meeting_date)),
        (Part.BODY, REASONS, ["To be written."]),
        (
            Part.BODY,
            SUPPORTING,
            _relationship_paragraphs(meeting_date) + _approach_paragraphs(meeting_date) + visits,
        ),
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
