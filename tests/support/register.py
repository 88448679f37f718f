"""The register builder: the personas, and a register holding one record of
every kind, so that every URL that names a record has a real one to name."""

from __future__ import annotations

import importlib
import io
from datetime import UTC, date, datetime
from typing import Any

from django.test import Client

from budgets.models import OverrideState
from core import documents, roles
from core.files import check_upload
from core.models import Document, DocumentKind
from delegations.models import CalendarFeed
from partners.models import RelationshipKind, TriageCriterion
from privacy.models import PersonalKind, RetentionReview, RetentionRule
from reports.models import Rendering, RenderingStatus, Report, ReportStatus, SignOffRole
from tests import factories as make

# --- The personas: one per role, and an outsider with none --------------------------------

# (username, first name, last name, roles)
PEOPLE: dict[str, tuple[str, str, str, list[str]]] = {
    "officer": ("olivia", "Olivia", "Officer", [roles.OFFICER]),
    "finance": ("fred", "Fred", "Finance", [roles.FINANCE]),
    "leader": ("lena", "Lena", "Leader", [roles.LEADERS_OFFICE]),
    "administrator": ("ada", "Ada", "Admin", [roles.ADMINISTRATOR]),
    "outsider": ("oscar", "Oscar", "Outsider", []),
}
# Everyone the role matrix speaks of: the anonymous visitor and the personas.
PERSONAS = ("anonymous", *PEOPLE)


def persona(name: str) -> Any:
    """The user of a persona (the administrator is staff, for the Django admin)."""
    username, first_name, last_name, groups = PEOPLE[name]
    user = make.UserFactory(username=username, first_name=first_name, last_name=last_name, roles=groups)
    if name == "administrator":
        user.is_staff = True
        user.save()
    return user


def make_personas() -> dict[str, Any]:
    return {name: persona(name) for name in PEOPLE}


def client_for(user: Any, *, crash_as_500: bool = False) -> Client:
    """A client signed in as ``user`` (or anonymous, for None).

    With ``crash_as_500`` an exception in a view comes back as the 500 page a
    person would get, rather than being raised in the test.
    """
    client = Client(raise_request_exception=not crash_as_500)
    if user is not None:
        client.force_login(user)
    return client


def calendar_owner(username: str, *, role: str | None = roles.LEADERS_OFFICE) -> CalendarFeed:
    """The calendar address of a new user (never a persona: making one again would change its password)."""
    assert username not in {person[0] for person in PEOPLE.values()}, username
    user = make.UserFactory(username=username, roles=[role] if role else [])
    return CalendarFeed.objects.get_or_create(user=user)[0]


# --- The register ---------------------------------------------------------------------------

# Every record of the second register of the other-records tests carries this
# word, so that a page that leaks one of them is easy to catch.
OTHER = "Zephyrine"

FAKE_PDF = b"%PDF-1.7\n% a stand-in for a rendered report\n%%EOF\n"


def the_councils_criteria() -> None:
    """The triage criteria the data migration gives a new register (a test run on a
    database emptied between tests, as the browser tests are, takes them away)."""
    defaults = importlib.import_module("partners.migrations.0004_default_triage_criteria")
    for position, (name, question, weight) in enumerate(defaults.CRITERIA, start=1):
        TriageCriterion.objects.get_or_create(
            name=name, defaults={"question": question, "weight": weight, "position": position}
        )


def the_retention_schedule() -> None:
    """The retention schedule the data migration gives a new register (a test run on a
    database emptied between tests, as the browser tests are, takes it away)."""
    defaults = importlib.import_module("privacy.migrations.0002_default_retention_schedule")
    for kind, months, basis in defaults.DEFAULTS:
        RetentionRule.objects.get_or_create(kind=kind, defaults={"keep_for_months": months, "basis": basis})


def report_with_sign_offs(title: str, meeting: date, **extra: Any) -> Report:
    """A report with a sign-off row for every role, the required ones cleared."""
    report = make.ReportFactory(title=title, meeting_date=meeting, **extra)
    required = {SignOffRole.LEGAL, SignOffRole.FINANCIAL, SignOffRole.SERVICE_DIRECTOR}
    for role in SignOffRole.values:
        make.SignOffFactory(
            report=report,
            role=role,
            is_required=role in required,
            officer_name=f"{title} clearer" if role in required else "",
            cleared_on=date(2015, 8, 28) if role in required else None,
        )
    return report


def _rendering(report: Report, status: str, **extra: Any) -> Rendering:
    return Rendering.objects.create(report=report, report_version=report.version, status=status, **extra)


def build_register(tag: str = "") -> dict[str, Any]:
    """One of every kind of record, by kind; ``tag`` is written into every name of the set.

    The report is a draft ready for approval with a ready, a failed and a
    queued PDF; the approved report has its decision record; the budget has
    an approved line with spend, spend awaiting an override, a proposed line
    and a rejected one.
    """
    suffix = f" {tag}" if tag else ""
    the_councils_criteria()
    home = make.CouncilFactory(name="Derby City Council", is_home=True)
    place = make.PlaceFactory(name=f"Toyota City{suffix}", local_name="豊田市", country="Japan")
    relationship = make.RelationshipFactory(
        place=place, kind=RelationshipKind.ECONOMIC, narrative=f"The economic link{suffix}."
    )
    relationship.councils.add(home)
    make.CostShareFactory(relationship=relationship, council=home, percentage="100.00")
    organisation = make.OrganisationFactory(name=f"Toyota Motor Manufacturing UK{suffix}")
    visit = make.VisitFactory(
        relationship=relationship,
        title=f"Civic visit to Toyota City{suffix}",
        starts_on=date(2015, 10, 12),
        ends_on=date(2015, 10, 16),
        party_size=4,
    )
    line = make.BudgetLineFactory(
        financial_year__start_year=2014 if tag else 2015,
        title=f"Civic visit budget{suffix}",
        amount="4000.00",
        relationship=relationship,
        approved=True,
    )
    draft = report_with_sign_offs(f"Opportunities for Overseas Economic Twinning{suffix}", date(2015, 9, 9))
    paragraph = make.ParagraphFactory(
        report=draft, section=1, text=f"Derby has been approached by Hefei{suffix}."
    )
    make.ParagraphFactory(report=draft, section=1, text=f"Officers have explored the options{suffix}.")
    approved = report_with_sign_offs(
        f"Toyota City: renewing the link{suffix}",
        date(2015, 7, 15),
        status=ReportStatus.APPROVED,
        approved_at=datetime(2015, 7, 15, 18, 0, tzinfo=UTC),
        decision=f"Cabinet agreed to renew the link{suffix}.",
        decision_date=date(2015, 7, 15),
        decision_reasons="The link supports investment.",
        alternatives_rejected="Letting the link lapse.",
        conflicts_declared="None",
    )
    published = report_with_sign_offs(
        f"Osnabrück: fifty years of twinning{suffix}",
        date(2016, 3, 9),
        status=ReportStatus.PUBLISHED,
        approved_at=datetime(2016, 3, 9, 18, 0, tzinfo=UTC),
        published_at=datetime(2016, 3, 10, 9, 0, tzinfo=UTC),
        decision=f"Cabinet agreed to mark fifty years of the link{suffix}.",
        decision_date=date(2016, 3, 9),
        decision_reasons="The link is the city's oldest.",
        alternatives_rejected="Marking nothing.",
        conflicts_declared="None",
    )
    make.ParagraphFactory(
        report=published, section=1, text=f"Osnabrück and Derby were twinned in 1976{suffix}."
    )
    pdf = FAKE_PDF.replace(b"stand-in", f"stand-in{suffix}".encode())
    register = {
        "home_council": home,
        "council": make.CouncilFactory(name="Derbyshire County Council"),
        "place": place,
        "place_without_link": make.PlaceFactory(name=f"Hefei{suffix}", local_name="合肥市"),
        "relationship": relationship,
        "organisation": organisation,
        "other_organisation": make.OrganisationFactory(name=f"Derby and Derbyshire Rail{suffix}"),
        "contact": make.ContactFactory(organisation=organisation, name=f"Aiko Tanaka{suffix}"),
        "stakeholder": relationship.stakeholders.create(organisation=organisation, role=f"Investor{suffix}"),
        "approach": make.ApproachFactory(
            place=place, relationship=relationship, request=f"Asks for a trade visit{suffix}."
        ),
        "action": make.ActionFactory(relationship=relationship, title=f"Discuss options{suffix}"),
        "exchange": make.ExchangeFactory(
            relationship=relationship, title=f"Policy officer placement{suffix}"
        ),
        "visit": visit,
        "participant": make.ParticipantFactory(visit=visit, name=f"Cllr Ranjit Banwait{suffix}"),
        "meeting": make.MeetingFactory(
            visit=visit, organisation=organisation, outcome=f"Agreed to talk{suffix}."
        ),
        "costitem": make.CostItemFactory(visit=visit, description=f"Hotel in Toyota{suffix}"),
        "gift": make.GiftFactory(
            visit=visit, description=f"Derby porcelain plate{suffix}", direction="given"
        ),
        "line": line,
        "proposed_line": make.BudgetLineFactory(
            financial_year=line.financial_year, title=f"Hefei trade visit{suffix}"
        ),
        "rejected_line": make.BudgetLineFactory(
            financial_year=line.financial_year, title=f"Zhejiang expo{suffix}", rejected=True
        ),
        "spend": make.SpendFactory(
            budget_line=line, description=f"Flights to Nagoya{suffix}", amount="2600.00"
        ),
        "awaiting_spend": make.SpendFactory(
            budget_line=line,
            description=f"Interpreter for the civic visit{suffix}",
            amount="4500.00",
            status="committed",
            override_state=OverrideState.REQUESTED,
            override_reason="Booked by the partner at short notice.",
        ),
        "report": draft,
        "paragraph": paragraph,
        "approved_report": approved,
        "approved_paragraph": make.ParagraphFactory(
            report=approved, section=1, text=f"The link is due for renewal{suffix}."
        ),
        "rendering": _rendering(
            draft, RenderingStatus.READY, pdf=pdf, sha256="0" * 64, size_bytes=len(pdf), page_count=1
        ),
        "failed_rendering": _rendering(
            draft, RenderingStatus.FAILED, error=f"OSError: out of memory{suffix}"
        ),
        "queued_rendering": _rendering(draft, RenderingStatus.QUEUED),
        "published_report": published,
        "published_rendering": _rendering(
            published, RenderingStatus.READY, pdf=pdf, sha256="1" * 64, size_bytes=len(pdf), page_count=1
        ),
    }
    # A participant listed as past the retention schedule's date, for someone to decide on.
    register["retention_review"] = RetentionReview.objects.create(
        kind=PersonalKind.PARTICIPANT,
        object_id=register["participant"].pk,
        label=f"{register['participant'].name}, {visit.title}",
        counted_from=visit.ends_on,
        due_on=date(2021, 10, 16),
    )
    # A document kept with each kind of record that keeps them: "<kind>_document".
    for kind in DOCUMENT_HOLDERS:
        register[f"{kind}_document"] = kept_document(register[kind], f"Notes on the {kind}{suffix}")
    return register


# The register's kinds of record that keep documents (their pages' document_kinds), by app.
DOCUMENT_APPS = (
    ("partners", "relationship"),
    ("partners", "approach"),
    ("delegations", "visit"),
    ("budgets", "spend"),
    ("reports", "report"),
)
DOCUMENT_HOLDERS = tuple(kind for _, kind in DOCUMENT_APPS)


def kept_document(record: Any, title: str) -> Document:
    """A plain-text note kept with ``record``, stored as an upload would be."""
    checked = check_upload(io.BytesIO(f"{title}.\n".encode()), "notes.txt")
    return documents.attach(
        record=record, title=title, kind=DocumentKind.OTHER, dated=date(2015, 9, 1), checked=checked, by=None
    )
