"""The whole matrix: role x URL x method.

Every URL the resolver knows (bar the Django admin, tested on its own below,
and static files) must have a row in MATRIX; a page added without one fails
``test_matrix_covers_every_url``. Each row says, per HTTP method, the status
each persona gets. Where a persona may write, the POST carries valid data
and must succeed (302 to somewhere other than the login page); where it may
not, the POST carries nothing and must be refused (403) before any form is
looked at. Nobody ever gets a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from budgets.models import BudgetLine, CostShare, FinancialYear, LineStatus, OverrideState, Spend
from core import roles
from delegations.models import (
    CalendarFeed,
    CostItem,
    Gift,
    Meeting,
    Participant,
    Visit,
    VisitFollowUp,
    VisitStatus,
)
from partners.models import (
    Action,
    Approach,
    Contact,
    Council,
    Exchange,
    Organisation,
    Place,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    Stakeholder,
)
from reports.models import (
    Paragraph,
    Rendering,
    RenderingStatus,
    Report,
    ReportStatus,
    SignOff,
    SignOffRole,
)
from tests.factories import (
    PASSWORD,
    ActionFactory,
    ApproachFactory,
    BudgetLineFactory,
    ContactFactory,
    CostItemFactory,
    CouncilFactory,
    ExchangeFactory,
    GiftFactory,
    MeetingFactory,
    OrganisationFactory,
    ParagraphFactory,
    ParticipantFactory,
    PlaceFactory,
    RelationshipFactory,
    ReportFactory,
    SignOffFactory,
    SpendFactory,
    StakeholderFactory,
    UserFactory,
    VisitFactory,
)

PERSONAS = ("anonymous", "officer", "finance", "leader", "administrator", "outsider")


def by_persona(
    anonymous: int, officer: int, finance: int, leader: int, administrator: int, outsider: int
) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "officer": officer,
        "finance": finance,
        "leader": leader,
        "administrator": administrator,
        "outsider": outsider,
    }


# Pages of the register every role reads; the outsider is refused, and a POST
# to a page that takes none is 405 for those allowed to see it.
READ = {
    "GET": by_persona(302, 200, 200, 200, 200, 403),
    "POST": by_persona(302, 405, 405, 405, 405, 403),
}
# Forms only officers use: everyone else is refused the page and the POST.
OFFICER_FORM = {
    "GET": by_persona(302, 200, 403, 403, 403, 403),
    "POST": by_persona(302, 302, 403, 403, 403, 403),
}
# Buttons any role uses on its own things (a new calendar address): POST only.
ROLE_POST_ONLY = {
    "GET": by_persona(302, 405, 405, 405, 405, 403),
    "POST": by_persona(302, 302, 302, 302, 302, 403),
}
# Buttons on a page (status change, link/unlink an organisation): POST only.
OFFICER_POST_ONLY = {
    "GET": by_persona(302, 405, 403, 403, 403, 403),
    "POST": by_persona(302, 302, 403, 403, 403, 403),
}
# Budget forms officers and Finance both use: proposing a line, recording spend.
BUDGET_FORM = {
    "GET": by_persona(302, 200, 200, 403, 403, 403),
    "POST": by_persona(302, 302, 302, 403, 403, 403),
}
# Changing a line Finance has approved: Finance alone.
FINANCE_FORM = {
    "GET": by_persona(302, 403, 200, 403, 403, 403),
    "POST": by_persona(302, 403, 302, 403, 403, 403),
}
# Finance's decisions (approve or reject a line, grant or refuse an override): POST only.
FINANCE_POST_ONLY = {
    "GET": by_persona(302, 403, 405, 403, 403, 403),
    "POST": by_persona(302, 403, 302, 403, 403, 403),
}
# The Leader's Office's decisions on a report (approve, publish): POST only.
LEADER_POST_ONLY = {
    "GET": by_persona(302, 403, 403, 405, 403, 403),
    "POST": by_persona(302, 403, 403, 302, 403, 403),
}
# Asking for a report's PDF (or for a failed one again): officers and the Leader's Office.
PDF_POST_ONLY = {
    "GET": by_persona(302, 405, 403, 405, 403, 403),
    "POST": by_persona(302, 302, 403, 302, 403, 403),
}

MATRIX: dict[str, dict[str, dict[str, int]]] = {
    # Open to all: the login page (signed-in users are sent on) and the health check.
    "login": {
        "GET": by_persona(200, 302, 302, 302, 302, 302),
        "POST": by_persona(302, 302, 302, 302, 302, 302),
    },
    "healthz": {
        "GET": by_persona(200, 200, 200, 200, 200, 200),
        "POST": by_persona(405, 405, 405, 405, 405, 405),
    },
    # Any signed-in user, role or not.
    "overview:dashboard": {
        "GET": by_persona(302, 200, 200, 200, 200, 200),
        "POST": by_persona(302, 405, 405, 405, 405, 405),
    },
    "logout": {
        "GET": by_persona(302, 405, 405, 405, 405, 405),
        "POST": by_persona(302, 302, 302, 302, 302, 302),
    },
    "overview:digest-settings": {
        "GET": by_persona(302, 200, 200, 200, 200, 200),
        "POST": by_persona(302, 302, 302, 302, 302, 302),
    },
    "overview:search": {
        "GET": by_persona(302, 200, 200, 200, 200, 200),
        "POST": by_persona(302, 405, 405, 405, 405, 405),
    },
    "password_change": {
        "GET": by_persona(302, 200, 200, 200, 200, 200),
        "POST": by_persona(302, 302, 302, 302, 302, 302),
    },
    "password_change_done": {
        "GET": by_persona(302, 200, 200, 200, 200, 200),
        "POST": by_persona(302, 405, 405, 405, 405, 405),
    },
    # The register.
    "partners:place-list": READ,
    "partners:place-create": OFFICER_FORM,
    "partners:place-detail": READ,
    "partners:place-update": OFFICER_FORM,
    "partners:place-history": READ,
    "partners:relationship-list": READ,
    "partners:relationship-create": OFFICER_FORM,
    "partners:relationship-detail": READ,
    "partners:relationship-update": OFFICER_FORM,
    "partners:relationship-history": READ,
    "partners:relationship-status": OFFICER_POST_ONLY,
    "partners:stakeholder-create": OFFICER_POST_ONLY,
    "partners:stakeholder-delete": OFFICER_POST_ONLY,
    "partners:approach-list": READ,
    "partners:approach-create": OFFICER_FORM,
    "partners:approach-detail": READ,
    "partners:approach-update": OFFICER_FORM,
    "partners:approach-triage": OFFICER_FORM,
    "overview:discovery": READ,
    "overview:relationship-health-list": READ,
    "overview:relationship-health": READ,
    "partners:approach-history": READ,
    "partners:organisation-list": READ,
    "partners:organisation-create": OFFICER_FORM,
    "partners:organisation-detail": READ,
    "partners:organisation-update": OFFICER_FORM,
    "partners:organisation-history": READ,
    "partners:contact-list": READ,
    "partners:contact-create": OFFICER_FORM,
    "partners:contact-detail": READ,
    "partners:contact-update": OFFICER_FORM,
    "partners:contact-history": READ,
    "partners:action-list": READ,
    "partners:action-create": OFFICER_FORM,
    "partners:action-detail": READ,
    "partners:action-update": OFFICER_FORM,
    "partners:action-history": READ,
    "partners:exchange-list": READ,
    "partners:exchange-create": OFFICER_FORM,
    "partners:exchange-detail": READ,
    "partners:exchange-update": OFFICER_FORM,
    "partners:exchange-history": READ,
    # The calendar feed: its secret address is the key, for calendar clients
    # that cannot sign in (its owner's role is checked, see test_calendar).
    "delegations:calendar": READ,
    "delegations:calendar-regenerate": ROLE_POST_ONLY,
    "delegations:calendar-feed": {
        "GET": by_persona(200, 200, 200, 200, 200, 200),
        "POST": by_persona(405, 405, 405, 405, 405, 405),
    },
    "delegations:overseas-travel-csv": READ,
    # Visits: officers plan and record them; every role reads them.
    "delegations:visit-list": READ,
    "delegations:visit-create": OFFICER_FORM,
    "delegations:visit-detail": READ,
    "delegations:visit-update": OFFICER_FORM,
    "delegations:visit-history": READ,
    # The forms and buttons on the visit page post and come back to it.
    "delegations:visit-status": OFFICER_POST_ONLY,
    "delegations:participant-add": OFFICER_POST_ONLY,
    "delegations:participant-remove": OFFICER_POST_ONLY,
    "delegations:meeting-add": OFFICER_POST_ONLY,
    "delegations:meeting-remove": OFFICER_POST_ONLY,
    "delegations:cost-item-add": OFFICER_POST_ONLY,
    "delegations:cost-item-remove": OFFICER_POST_ONLY,
    "delegations:estimate-add": OFFICER_POST_ONLY,
    "delegations:follow-up-add": OFFICER_POST_ONLY,
    # The gifts and hospitality register.
    "delegations:gift-list": READ,
    "delegations:gift-create": OFFICER_FORM,
    "delegations:gift-detail": READ,
    "delegations:gift-update": OFFICER_FORM,
    "delegations:gift-history": READ,
    # Budgets: every role reads them; officers propose lines and record spend;
    # Finance alone decides, changes approved lines, overrides and sets shares.
    "budgets:year-list": READ,
    "budgets:year-detail": READ,
    "budgets:year-export-csv": READ,
    "budgets:year-export-xlsx": READ,
    "budgets:line-list": READ,
    "budgets:lines-export-csv": READ,
    "budgets:lines-export-xlsx": READ,
    "budgets:line-create": BUDGET_FORM,
    "budgets:line-detail": READ,
    "budgets:line-update": FINANCE_FORM,  # the line in the register is approved
    "budgets:line-history": READ,
    "budgets:line-decide": FINANCE_POST_ONLY,
    "budgets:spend-create": BUDGET_FORM,
    "budgets:spend-list": READ,
    "budgets:spend-detail": READ,
    "budgets:spend-update": BUDGET_FORM,
    "budgets:spend-history": READ,
    "budgets:spend-override": FINANCE_POST_ONLY,
    "budgets:review": {
        "GET": by_persona(302, 403, 200, 403, 403, 403),
        "POST": by_persona(302, 403, 405, 403, 403, 403),
    },
    # Every role sees the shares; Finance alone saves them.
    "budgets:cost-shares": {
        "GET": by_persona(302, 200, 200, 200, 200, 403),
        "POST": by_persona(302, 403, 302, 403, 403, 403),
    },
    # Reports: every role reads them and downloads their PDFs; officers draft
    # them (the report in the register is a draft); the Leader's Office
    # approves, records the decision and publishes.
    "reports:report-list": READ,
    "reports:report-create": OFFICER_FORM,
    "reports:draft-from-register": OFFICER_FORM,
    "reports:report-detail": READ,
    "reports:report-update": OFFICER_FORM,
    "reports:report-history": READ,
    "reports:report-preview": READ,
    "reports:paragraph-add": OFFICER_POST_ONLY,
    "reports:paragraph-update": OFFICER_FORM,
    "reports:paragraph-move": OFFICER_POST_ONLY,
    "reports:paragraph-delete": OFFICER_POST_ONLY,
    "reports:sign-offs": OFFICER_FORM,
    "reports:report-approve": LEADER_POST_ONLY,
    "reports:decision-record": {
        "GET": by_persona(302, 403, 403, 200, 403, 403),
        "POST": by_persona(302, 403, 403, 302, 403, 403),
    },
    "reports:report-publish": LEADER_POST_ONLY,
    "reports:report-revise": OFFICER_POST_ONLY,
    "reports:rendering-request": PDF_POST_ONLY,
    "reports:rendering-detail": READ,
    "reports:rendering-retry": PDF_POST_ONLY,
    # A PDF is a report: those who may not see reports get 404, not 403, so
    # not even its existence is given away.
    "reports:rendering-download": {
        "GET": by_persona(302, 200, 200, 200, 200, 404),
        "POST": by_persona(302, 405, 405, 405, 405, 404),
    },
}

# Which kind of record a URL's <pk> names (by default, the one in its name).
PK_OF: dict[str, str] = {
    "partners:relationship-status": "relationship",
    "partners:stakeholder-create": "relationship",
    "partners:stakeholder-delete": "stakeholder",
    "delegations:visit-status": "visit",
    "delegations:participant-add": "visit",
    "delegations:participant-remove": "participant",
    "delegations:meeting-add": "visit",
    "delegations:meeting-remove": "meeting",
    "delegations:cost-item-add": "visit",
    "delegations:cost-item-remove": "costitem",
    "delegations:estimate-add": "visit",
    "delegations:follow-up-add": "visit",
    "budgets:line-decide": "proposed_line",
    "budgets:spend-create": "line",
    "budgets:spend-override": "awaiting_spend",
    "budgets:cost-shares": "relationship",
    "reports:paragraph-add": "report",
    "reports:sign-offs": "report",
    "reports:decision-record": "approved_report",
    "reports:report-publish": "approved_report",
    "reports:report-revise": "approved_report",
    "reports:rendering-request": "report",
    "reports:rendering-retry": "failed_rendering",
}

SKIPPED_NAMESPACES = {"admin"}


# --- Walking the resolver --------------------------------------------------------


def _walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, route)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry
        else:
            # A URL with no name cannot be listed by name; list it by route so
            # it still has to join the matrix (static and media files apart).
            static_prefixes = tuple(
                p.lstrip("/") for p in (settings.STATIC_URL, getattr(settings, "MEDIA_URL", "")) if p
            )
            if static_prefixes and route.lstrip("^/").startswith(static_prefixes):
                continue
            yield f"(unnamed) {route}", entry


def resolved_urls() -> dict[str, URLPattern]:
    return dict(_walk(get_resolver().url_patterns))


def test_matrix_covers_every_url() -> None:
    resolved = resolved_urls()
    missing = sorted(set(resolved) - set(MATRIX))
    assert not missing, (
        "These URLs are not in the role matrix of tests/core/test_roles.py; "
        "add a row saying what each persona gets for GET and POST: " + ", ".join(missing)
    )


def test_matrix_has_no_stale_rows() -> None:
    gone = sorted(set(MATRIX) - set(resolved_urls()))
    assert not gone, "The role matrix lists URLs that no longer exist: " + ", ".join(gone)


def test_every_row_names_every_persona_for_get_and_post() -> None:
    incomplete = [
        f"{name} {method}"
        for name, methods in MATRIX.items()
        for method in ("GET", "POST")
        if set(methods.get(method, {})) != set(PERSONAS)
    ]
    assert not incomplete, "Rows missing a method or persona: " + ", ".join(incomplete)


# --- The records the URLs point at ----------------------------------------------


@pytest.fixture
def register(db: Any) -> dict[str, Any]:
    """One real record of each kind, so every <pk> names an existing row."""
    CouncilFactory(name="Derby City Council", is_home=True)
    place = PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    relationship = RelationshipFactory(place=place, kind=RelationshipKind.ECONOMIC)
    organisation = OrganisationFactory(name="Toyota Motor Manufacturing UK")
    visit = VisitFactory(
        relationship=relationship,
        title="Civic visit to Toyota City",
        starts_on=date(2015, 10, 12),
        ends_on=date(2015, 10, 16),
    )
    # Budgets, 2015–16: an approved line with spend (and spend awaiting Finance
    # to let it go over), and a line still proposed.
    line = BudgetLineFactory(
        financial_year__start_year=2015,
        title="Civic visit to Toyota City",
        amount="4000.00",
        relationship=relationship,
        approved=True,
        decided_by=UserFactory(username="felix", first_name="Felix", roles=[roles.FINANCE]),
    )
    return {
        "place": place,
        "relationship": relationship,
        "organisation": organisation,
        "other_organisation": OrganisationFactory(name="Derby and Derbyshire Rail"),
        "place_without_link": PlaceFactory(name="Hefei", local_name="合肥市"),
        "contact": ContactFactory(organisation=organisation),
        "stakeholder": StakeholderFactory(relationship=relationship, organisation=organisation),
        "approach": ApproachFactory(place=place, relationship=relationship),
        "action": ActionFactory(relationship=relationship),
        "exchange": ExchangeFactory(relationship=relationship),
        "visit": visit,
        "participant": ParticipantFactory(visit=visit, name="Cllr Ranjit Banwait"),
        "meeting": MeetingFactory(visit=visit, organisation=organisation),
        "costitem": CostItemFactory(visit=visit),
        "gift": GiftFactory(visit=visit, description="Derby porcelain plate", direction="given"),
        "council": CouncilFactory(name="Derbyshire County Council"),
        "line": line,
        "proposed_line": BudgetLineFactory(financial_year=line.financial_year, title="Hefei trade visit"),
        "spend": SpendFactory(budget_line=line, description="Flights to Nagoya", amount="2600.00"),
        "awaiting_spend": SpendFactory(
            budget_line=line,
            description="Interpreter for the civic visit",
            amount="4500.00",
            status="committed",
            override_state=OverrideState.REQUESTED,
            override_reason="The interpreter was booked by the partner at short notice.",
        ),
        **report_records(),
    }


FAKE_PDF = b"%PDF-1.7\n% a stand-in: the matrix tests who may download, not what\n%%EOF\n"


def cleared_sign_offs(report: Report, cleared: bool = True) -> None:
    """A sign-off row for every role, as a report started on its page has; the required ones cleared."""
    required = {SignOffRole.LEGAL, SignOffRole.FINANCIAL, SignOffRole.SERVICE_DIRECTOR}
    for role in SignOffRole.values:
        is_required = role in required
        SignOffFactory(
            report=report,
            role=role,
            is_required=is_required,
            officer_name="Janie Berry" if cleared and is_required else "",
            cleared_on=date(2015, 8, 28) if cleared and is_required else None,
        )


def report_records() -> dict[str, Any]:
    """A draft ready for approval with a ready and a failed PDF, and an approved report with its decision."""
    draft = ReportFactory(meeting_date=date(2015, 9, 9), title="Opportunities for Overseas Economic Twinning")
    cleared_sign_offs(draft)
    paragraph = ParagraphFactory(report=draft, section=1, text="Derby has been approached by Hefei.")
    ParagraphFactory(report=draft, section=1, text="Officers have explored the options.")
    rendering = Rendering.objects.create(
        report=draft,
        report_version=draft.version,
        status=RenderingStatus.READY,
        pdf=FAKE_PDF,
        sha256="0" * 64,
        size_bytes=len(FAKE_PDF),
        page_count=1,
    )
    failed = Rendering.objects.create(
        report=draft,
        report_version=draft.version,
        status=RenderingStatus.FAILED,
        error="OSError: the worker ran out of memory",
    )
    approved = ReportFactory(
        meeting_date=date(2015, 7, 15),
        title="Toyota City: renewing the link",
        status=ReportStatus.APPROVED,
        approved_at=datetime(2015, 7, 15, 18, 0, tzinfo=UTC),
        decision="Cabinet agreed to renew the link with Toyota City.",
        decision_date=date(2015, 7, 15),
        decision_reasons="The link supports Toyota Motor Manufacturing UK's investment.",
        alternatives_rejected="Letting the link lapse.",
        conflicts_declared="None",
    )
    cleared_sign_offs(approved)
    ParagraphFactory(report=approved, section=1, text="The link with Toyota City is due for renewal.")
    return {
        "report": draft,
        "paragraph": paragraph,
        "rendering": rendering,
        "failed_rendering": failed,
        "approved_report": approved,
    }


MODELS = {
    "place": Place,
    "relationship": Relationship,
    "approach": Approach,
    "organisation": Organisation,
    "contact": Contact,
    "action": Action,
    "exchange": Exchange,
    "stakeholder": Stakeholder,
    "visit": Visit,
    "participant": Participant,
    "meeting": Meeting,
    "costitem": CostItem,
    "gift": Gift,
    "line": BudgetLine,
    "proposed_line": BudgetLine,
    "spend": Spend,
    "awaiting_spend": Spend,
    "report": Report,
    "approved_report": Report,
    "paragraph": Paragraph,
    "rendering": Rendering,
    "failed_rendering": Rendering,
}


def url_for(name: str, register: dict[str, Any]) -> str:
    pattern = resolved_urls()[name]
    kwargs: dict[str, Any] = {}
    for key in pattern.pattern.converters:
        if key == "token":  # the calendar feed's secret address, here a leader's
            owner = UserFactory(username="calendar-owner", roles=[roles.LEADERS_OFFICE])
            kwargs["token"] = CalendarFeed.objects.get_or_create(user=owner)[0].token
            continue
        if key == "start_year":  # a financial year, named by the year it starts in
            kwargs["start_year"] = register["line"].financial_year.start_year
            continue
        assert key == "pk", f"{name} takes <{key}>; teach url_for how to fill it"
        kind = PK_OF.get(name, name.split(":")[-1].rsplit("-", 1)[0])
        assert kind in MODELS, f"{name}: no record kind {kind!r}; add the URL to PK_OF"
        record = register[kind]
        assert isinstance(record, MODELS[kind])
        kwargs["pk"] = record.pk
    return reverse(name, kwargs=kwargs)


def _criterion(name: str) -> int:
    from partners.models import TriageCriterion

    return TriageCriterion.objects.get(name=name).pk


def _version(record: Any) -> int:
    return type(record).objects.get(pk=record.pk).version


# Valid data for each POST a persona may make; must end in a redirect.
VALID_POST: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] = {
    "login": lambda reg, user: {"username": "olivia", "password": PASSWORD},
    "logout": lambda reg, user: {},
    "overview:digest-settings": lambda reg, user: {},
    "password_change": lambda reg, user: {
        "old_password": PASSWORD,
        "new_password1": "a-new-and-long-passphrase-2025",
        "new_password2": "a-new-and-long-passphrase-2025",
    },
    "partners:place-create": lambda reg, user: {
        "name": "Osnabrück",
        "local_name": "Osnabrück",
        "country": "Germany",
        "kind": "city",
    },
    "partners:place-update": lambda reg, user: {
        "name": "Toyota",
        "country": "Japan",
        "kind": "city",
        "version": _version(reg["place"]),
    },
    "partners:relationship-create": lambda reg, user: {
        "place": reg["place_without_link"].pk,
        "kind": "civic",
        "status": "exploring",
    },
    "partners:relationship-update": lambda reg, user: {
        "kind": "economic",
        "narrative": "Rolls-Royce joint venture underpins the link.",
        "version": _version(reg["relationship"]),
    },
    "partners:relationship-status": lambda reg, user: {
        "to_status": RelationshipStatus.DORMANT,
        "version": _version(reg["relationship"]),
    },
    "partners:stakeholder-create": lambda reg, user: {
        "organisation": reg["other_organisation"].pk,
        "role": "Rail supply chain",
    },
    "partners:stakeholder-delete": lambda reg, user: {},
    "delegations:calendar-regenerate": lambda reg, user: {},
    "delegations:visit-create": lambda reg, user: {
        "relationship": reg["relationship"].pk,
        "direction": "outbound",
        "purpose": "exploratory",
        "title": "Exploratory visit to Toyota City",
        "status": "proposed",
        "funder": "fco",
        "party_size": "4",
    },
    "delegations:visit-update": lambda reg, user: {
        "relationship": reg["relationship"].pk,
        "direction": "outbound",
        "purpose": "civic",
        "title": "Civic visit to Toyota City, 2015",
        "starts_on": "2015-10-12",
        "ends_on": "2015-10-16",
        "funder": "council",
        "version": _version(reg["visit"]),
    },
    "delegations:visit-status": lambda reg, user: {
        "to_status": "confirmed",
        "version": _version(reg["visit"]),
    },
    "delegations:participant-add": lambda reg, user: {
        "participant-name": "Paul Robinson",
        "participant-role": "officer",
    },
    "delegations:participant-remove": lambda reg, user: {},
    "delegations:meeting-add": lambda reg, user: {
        "meeting-organisation": reg["other_organisation"].pk,
        "meeting-held_on": "2015-10-13",
        "meeting-outcome": "Agreed to share rail supply chain contacts.",
    },
    "delegations:meeting-remove": lambda reg, user: {},
    "delegations:cost-item-add": lambda reg, user: {
        "costitem-category": "travel",
        "costitem-quantity": "4",
        "costitem-unit_cost": "650.00",
        "costitem-funder": "council",
    },
    "delegations:cost-item-remove": lambda reg, user: {},
    "delegations:estimate-add": lambda reg, user: {
        "estimate-people": "4",
        "estimate-nights": "4",
        "estimate-nightly_rate": "60",
        "estimate-fare_per_person": "650",
        "estimate-civic_gifts": "240",
        "estimate-presentation_materials": "200",
        "estimate-funder": "fco",
    },
    "delegations:follow-up-add": lambda reg, user: {
        "follow_up-title": "Write to the Mayor of Toyota City",
    },
    "delegations:gift-create": lambda reg, user: {
        "direction": "received",
        "kind": "gift",
        "description": "Lacquered box",
        "value": "80.00",
        "counterparty": "Mayor of Toyota City",
        "on": "2015-10-13",
    },
    "delegations:gift-update": lambda reg, user: {
        "direction": "given",
        "kind": "gift",
        "description": "Derby porcelain plate with the city arms",
        "value": "45.00",
        "counterparty": "Mayor of Toyota City",
        "on": "2015-10-13",
        "version": _version(reg["gift"]),
    },
    "budgets:line-create": lambda reg, user: {
        "year": "2016",
        "cost_centre": "TW200",
        "title": "Osnabrück youth exchange",
        "amount": "1500.00",
        "funding_source": "council",
    },
    "budgets:line-update": lambda reg, user: {
        "year": "2015",
        "cost_centre": "TW100",
        "title": "Civic visit to Toyota City",
        "amount": "4200.00",
        "funding_source": "council",
        "relationship": reg["relationship"].pk,
        "version": _version(reg["line"]),
    },
    "budgets:line-decide": lambda reg, user: {
        "to_status": "approved",
        "note": "Within the twinning budget agreed by Cabinet.",
        "version": _version(reg["proposed_line"]),
    },
    "budgets:spend-create": lambda reg, user: {
        "description": "Civic gifts",
        "amount": "240.00",
        "spent_on": "2015-10-01",
        "status": "estimated",
    },
    "budgets:spend-update": lambda reg, user: {
        "description": "Flights to Nagoya",
        "amount": "2650.00",
        "spent_on": "2015-09-20",
        "status": "committed",
        "version": _version(reg["spend"]),
    },
    "budgets:spend-override": lambda reg, user: {
        "to_status": "granted",
        "note": "Agreed: the partner's booking could not wait.",
        "version": _version(reg["awaiting_spend"]),
    },
    "budgets:cost-shares": lambda reg, user: {
        "shares-TOTAL_FORMS": "2",
        "shares-INITIAL_FORMS": "0",
        "shares-MIN_NUM_FORMS": "0",
        "shares-MAX_NUM_FORMS": "10",
        "shares-0-council": reg["council"].pk,
        "shares-0-percentage": "60",
        "shares-1-council": Council.objects.get(name="Derby City Council").pk,
        "shares-1-percentage": "40",
    },
    "reports:report-create": lambda reg, user: {
        "committee": "Council Cabinet",
        "meeting_date": "2016-01-13",
        "title": "Hefei: an economic link",
        "report_of": "the Strategic Director for Neighbourhoods",
        "background_papers": "None",
        "appendices": "Appendix 1 – Implications",
    },
    "reports:draft-from-register": lambda reg, user: {
        "meeting_date": "2016-01-13",
        "title": "Options for overseas links, 2016",
        "report_of": "the Strategic Director for Neighbourhoods",
    },
    "reports:report-update": lambda reg, user: {
        "committee": "Council Cabinet",
        "meeting_date": "2015-09-09",
        "title": "Opportunities for Overseas Economic Twinning",
        "report_of": "the Strategic Director for Communities and Place",
        "background_papers": "None",
        "appendices": "Appendix 1 – Implications",
        "version": _version(reg["report"]),
    },
    "reports:paragraph-add": lambda reg, user: {
        "paragraph-where": "body:4",
        "paragraph-text": "Xi'an is home to Xian Aerospace.",
    },
    "reports:paragraph-update": lambda reg, user: {
        "paragraph-where": "body:1",
        "paragraph-text": "Derby has been approached by Hefei and Zhejiang.",
    },
    "reports:paragraph-move": lambda reg, user: {"direction": "down"},
    "reports:paragraph-delete": lambda reg, user: {},
    "reports:sign-offs": lambda reg, user: sign_off_post(reg["report"]),
    "reports:report-approve": lambda reg, user: {"version": _version(reg["report"])},
    "reports:report-publish": lambda reg, user: {"version": _version(reg["approved_report"])},
    "reports:decision-record": lambda reg, user: {
        "decision": "Cabinet agreed to renew the link with Toyota City for five years.",
        "decision_date": "2015-07-15",
        "decision_reasons": "The link supports Toyota Motor Manufacturing UK's investment.",
        "alternatives_rejected": "Letting the link lapse.",
        "conflicts_declared": "None",
        "version": _version(reg["approved_report"]),
    },
    "reports:report-revise": lambda reg, user: {},
    "reports:rendering-request": lambda reg, user: {},
    "reports:rendering-retry": lambda reg, user: {},
    "partners:approach-create": lambda reg, user: {
        "place": reg["place"].pk,
        "new_place_kind": "city",
        "relationship_kind": "economic",
        "received_on": "2015-06-01",
        "request": "Asks for a trade visit.",
    },
    "partners:approach-update": lambda reg, user: {
        "request": "Asks for a trade visit in the spring.",
        "outcome": "exploring",
        "version": _version(reg["approach"]),
    },
    "partners:approach-triage": lambda reg, user: {
        f"score_{_criterion('Strategic fit')}": "4",
        f"reason_{_criterion('Strategic fit')}": "Fits the city's international strategy.",
        "scored_as": "",
    },
    "partners:organisation-create": lambda reg, user: {"name": "UKTI", "kind": "government"},
    "partners:organisation-update": lambda reg, user: {
        "name": "Toyota Motor Manufacturing (UK) Ltd",
        "kind": "company",
        "version": _version(reg["organisation"]),
    },
    "partners:contact-create": lambda reg, user: {"job_title": "British Deputy Consul General"},
    "partners:contact-update": lambda reg, user: {
        "name": "A. Smith",
        "version": _version(reg["contact"]),
    },
    "partners:action-create": lambda reg, user: {"title": "Discuss options", "status": "open"},
    "partners:action-update": lambda reg, user: {
        "title": "Discuss options with local companies",
        "status": "in_progress",
        "version": _version(reg["action"]),
    },
    "partners:exchange-create": lambda reg, user: {
        "relationship": reg["relationship"].pk,
        "kind": "secondment",
        "title": "Senior Policy Officer placement",
    },
    "partners:exchange-update": lambda reg, user: {
        "relationship": reg["relationship"].pk,
        "kind": "secondment",
        "title": "Senior Policy Officer placement, 12 months",
        "version": _version(reg["exchange"]),
    },
}


def sign_off_post(report: Report) -> dict[str, Any]:
    """The sign-off page's formset as posted: every row kept, the HR officer now cleared too."""
    rows = list(SignOff.objects.filter(report=report).order_by("pk"))
    data: dict[str, Any] = {
        "signoffs-TOTAL_FORMS": str(len(rows)),
        "signoffs-INITIAL_FORMS": str(len(rows)),
        "signoffs-MIN_NUM_FORMS": "0",
        "signoffs-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        cleared = row.is_cleared or row.role == SignOffRole.HR
        data[f"signoffs-{i}-id"] = str(row.pk)
        data[f"signoffs-{i}-officer_name"] = (row.officer_name or "Liz Moore") if cleared else ""
        data[f"signoffs-{i}-cleared_on"] = (
            (row.cleared_on or date(2015, 8, 30)).isoformat() if cleared else ""
        )
        if row.is_required:
            data[f"signoffs-{i}-is_required"] = "on"
    return data


def test_every_writable_post_has_valid_data() -> None:
    writable = sorted(
        name
        for name, methods in MATRIX.items()
        if any(
            status == 302 and persona != "anonymous" and methods["GET"].get(persona) != 302
            for persona, status in methods.get("POST", {}).items()
        )
    )
    lacking = [name for name in writable if name not in VALID_POST]
    assert not lacking, "POSTs that succeed for someone but have no valid data here: " + ", ".join(lacking)


# --- The matrix itself ------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _ask(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    try:
        if method == "GET":
            return client.get(url)
        return client.post(url, data)
    except Exception as error:  # the test client re-raises what would be a 500
        return error


CASES = [(name, method) for name in sorted(MATRIX) for method in ("GET", "POST")]


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n} {m}" for n, m in CASES])
def test_role_matrix(name: str, method: str, register: dict[str, Any], personas: dict[str, Any]) -> None:
    expected = MATRIX[name][method]
    url = url_for(name, register)
    users = {"anonymous": None, **personas}
    # Those expected to succeed at a write go last, so a refused request
    # before them meets the same records a person would.
    order = sorted(PERSONAS, key=lambda p: method == "POST" and expected[p] == 302 and p != "anonymous")

    got: dict[str, Any] = {}
    wrong_place: dict[str, str] = {}
    for persona in order:
        user = users[persona]
        may_write = method == "POST" and expected[persona] == 302 and name in VALID_POST
        data = VALID_POST[name](register, user) if may_write else {}
        response = _ask(_client(user), method, url, data)
        if isinstance(response, Exception):
            got[persona] = f"500 ({type(response).__name__}: {response})"
            continue
        got[persona] = response.status_code
        if response.status_code == 302:
            location = response["Location"]
            to_login = location.startswith(reverse("login") + "?")
            if persona == "anonymous" and name != "login":
                if location != f"{reverse('login')}?next={quote(url)}":
                    wrong_place[persona] = location
            elif persona != "anonymous" and to_login:
                wrong_place[persona] = location

    mismatches = {p: f"expected {expected[p]}, got {got[p]}" for p in PERSONAS if got[p] != expected[p]}
    assert not mismatches, f"{method} {url} ({name}): {mismatches}"
    assert not wrong_place, f"{method} {url} ({name}) redirected to the wrong place: {wrong_place}"


def test_writes_by_the_officer_change_the_register(officer_client: Client, register: dict[str, Any]) -> None:
    """The matrix's 302s are real saves, not redirects that dropped the data."""
    before = {model: model.objects.count() for model in (Place, Organisation, Contact, Action, Exchange)}
    for name in (
        "partners:place-create",
        "partners:organisation-create",
        "partners:contact-create",
        "partners:action-create",
        "partners:exchange-create",
    ):
        response = officer_client.post(url_for(name, register), VALID_POST[name](register, None))
        assert response.status_code == 302, name
    after = {model: model.objects.count() for model in before}
    assert after == {model: count + 1 for model, count in before.items()}


def test_refused_writes_change_nothing(
    finance_client: Client, leader_client: Client, outsider_client: Client, register: dict[str, Any]
) -> None:
    place = register["place"]
    for client in (finance_client, leader_client, outsider_client):
        response = client.post(
            url_for("partners:place-update", register), VALID_POST["partners:place-update"](register, None)
        )
        assert response.status_code == 403
        response = client.post(url_for("partners:stakeholder-delete", register))
        assert response.status_code == 403
    place.refresh_from_db()
    assert place.name == "Toyota City"
    assert Stakeholder.objects.filter(pk=register["stakeholder"].pk).exists()


def test_visit_writes_by_the_officer_change_the_register(
    officer_client: Client, register: dict[str, Any]
) -> None:
    """The delegations rows' 302s are real saves and removals, not redirects that dropped the data."""
    visit = register["visit"]
    models = (Visit, Participant, Meeting, CostItem, Gift, VisitFollowUp, Action)
    before = {model: model.objects.count() for model in models}
    added = {
        "delegations:visit-create": Visit,
        "delegations:participant-add": Participant,
        "delegations:meeting-add": Meeting,
        "delegations:cost-item-add": CostItem,
        "delegations:gift-create": Gift,
        "delegations:follow-up-add": VisitFollowUp,
    }
    for name in added:
        response = officer_client.post(url_for(name, register), VALID_POST[name](register, None))
        assert response.status_code == 302, name
    assert (
        officer_client.post(
            url_for("delegations:estimate-add", register),
            VALID_POST["delegations:estimate-add"](register, None),
        ).status_code
        == 302
    )
    after = {model: model.objects.count() for model in models}
    expected = {model: count + (1 if model in added.values() else 0) for model, count in before.items()}
    expected[CostItem] += 4  # the quick estimate's four parts
    expected[Action] += 1  # a follow-up is an action of the relationship
    assert after == expected

    for name, model in (
        ("delegations:participant-remove", Participant),
        ("delegations:meeting-remove", Meeting),
        ("delegations:cost-item-remove", CostItem),
    ):
        kind = PK_OF[name]
        assert officer_client.post(url_for(name, register)).status_code == 302, name
        assert not model.objects.filter(pk=register[kind].pk).exists(), name

    status = officer_client.post(
        url_for("delegations:visit-status", register), VALID_POST["delegations:visit-status"](register, None)
    )
    assert status.status_code == 302
    assert status["Location"] == visit.get_absolute_url()
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.CONFIRMED


@pytest.mark.parametrize("persona", ["finance", "leader", "administrator", "outsider"])
def test_refused_visit_writes_change_nothing(
    persona: str, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    """Read-only roles posting valid data to the visit page's forms get 403 and change nothing."""
    client = _client(personas[persona])
    models = (Visit, Participant, Meeting, CostItem, Gift, VisitFollowUp, Action)
    before = {model: model.objects.count() for model in models}
    visit_before = Visit.objects.values().get(pk=register["visit"].pk)
    gift_before = Gift.objects.values().get(pk=register["gift"].pk)
    for name in sorted(VALID_POST):
        if not name.startswith("delegations:") or name == "delegations:calendar-regenerate":
            continue
        response = client.post(url_for(name, register), VALID_POST[name](register, None))
        assert response.status_code == 403, name
    assert {model: model.objects.count() for model in models} == before
    assert Visit.objects.values().get(pk=register["visit"].pk) == visit_before
    assert Gift.objects.values().get(pk=register["gift"].pk) == gift_before


def test_refused_visit_page_shows_no_data(outsider_client: Client, register: dict[str, Any]) -> None:
    for name in ("delegations:visit-detail", "delegations:visit-list", "delegations:gift-list"):
        response = outsider_client.get(url_for(name, register))
        assert response.status_code == 403
        page = response.content.decode()
        assert "Civic visit to Toyota City" not in page
        assert "Derby porcelain plate" not in page
        assert "You do not have access to this page" in page


BUDGET_WRITES = sorted(name for name in VALID_POST if name.startswith("budgets:"))


def budget_state() -> dict[str, Any]:
    """Every budget row as stored, and how many history records each table holds."""
    return {
        "years": list(FinancialYear.objects.values()),
        "lines": list(BudgetLine.objects.order_by("pk").values()),
        "spend": list(Spend.objects.order_by("pk").values()),
        "shares": list(CostShare.objects.order_by("pk").values()),
        "history": [model.history.count() for model in (BudgetLine, Spend, CostShare)],
    }


def test_budget_writes_by_finance_change_the_register(
    finance_client: Client, finance: Any, register: dict[str, Any]
) -> None:
    """The budgets rows' 302s for Finance are real saves and decisions, not redirects that dropped the data."""
    lines, spend = BudgetLine.objects.count(), Spend.objects.count()
    # The override last: once granted, committing more on the line would need one too.
    for name in sorted(BUDGET_WRITES, key=lambda name: name == "budgets:spend-override"):
        response = finance_client.post(url_for(name, register), VALID_POST[name](register, finance))
        assert response.status_code == 302, name
        assert not response["Location"].startswith(reverse("login")), name
    assert BudgetLine.objects.count() == lines + 1
    assert Spend.objects.count() == spend + 1
    assert BudgetLine.objects.get(title="Osnabrück youth exchange").proposed_by == finance
    changed = BudgetLine.objects.get(pk=register["line"].pk)
    assert (changed.amount, changed.status) == (Decimal("4200.00"), LineStatus.APPROVED)
    decided = BudgetLine.objects.get(pk=register["proposed_line"].pk)
    assert (decided.status, decided.decided_by, decided.decision_comment) == (
        LineStatus.APPROVED,
        finance,
        "Within the twinning budget agreed by Cabinet.",
    )
    assert Spend.objects.get(pk=register["spend"].pk).amount == Decimal("2650.00")
    granted = Spend.objects.get(pk=register["awaiting_spend"].pk)
    assert (granted.override_state, granted.override_decided_by) == (OverrideState.GRANTED, finance)
    assert sorted(
        (share.council.name, share.percentage)
        for share in CostShare.objects.filter(relationship=register["relationship"])
    ) == [("Derby City Council", Decimal("40.00")), ("Derbyshire County Council", Decimal("60.00"))]


def test_budget_writes_by_the_officer_change_the_register(
    officer_client: Client, officer: Any, register: dict[str, Any]
) -> None:
    lines, spend = BudgetLine.objects.count(), Spend.objects.count()
    for name in ("budgets:line-create", "budgets:spend-create", "budgets:spend-update"):
        response = officer_client.post(url_for(name, register), VALID_POST[name](register, officer))
        assert response.status_code == 302, name
    assert BudgetLine.objects.get(title="Osnabrück youth exchange").status == LineStatus.PROPOSED
    assert (BudgetLine.objects.count(), Spend.objects.count()) == (lines + 1, spend + 1)
    assert Spend.objects.get(description="Civic gifts").recorded_by == officer
    assert Spend.objects.get(pk=register["spend"].pk).amount == Decimal("2650.00")


@pytest.mark.parametrize("persona", ["officer", "leader", "administrator", "outsider"])
def test_refused_budget_writes_change_nothing(
    persona: str, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    """Valid data posted by someone the matrix refuses: 403 and not one row or history record written.

    For the officer that is Finance's own actions: deciding a line, changing
    an approved one, granting an override and setting cost shares.
    """
    client = _client(personas[persona])
    before = budget_state()
    refused = [name for name in BUDGET_WRITES if MATRIX[name]["POST"][persona] == 403]
    assert refused, persona
    if persona == "officer":
        assert set(refused) == {
            "budgets:line-decide",
            "budgets:line-update",
            "budgets:spend-override",
            "budgets:cost-shares",
        }
    for name in refused:
        response = client.post(url_for(name, register), VALID_POST[name](register, None))
        assert response.status_code == 403, name
    assert budget_state() == before


REPORT_WRITES = sorted(name for name in VALID_POST if name.startswith("reports:"))


def report_state() -> dict[str, Any]:
    """Every report row as stored, and how many history records each table holds."""
    return {
        "reports": list(Report.objects.order_by("pk").values()),
        "paragraphs": list(Paragraph.objects.order_by("pk").values()),
        "sign_offs": list(SignOff.objects.order_by("pk").values()),
        "renderings": list(Rendering.objects.order_by("pk").values()),
        "history": [model.history.count() for model in (Report, Paragraph, SignOff)],
    }


def test_report_writes_by_the_officer_change_the_register(
    officer_client: Client, officer: Any, register: dict[str, Any]
) -> None:
    """The reports rows' 302s for officers are real saves, not redirects that dropped the data."""
    draft, approved = register["report"], register["approved_report"]
    paragraph = register["paragraph"]
    reports, renderings = Report.objects.count(), Rendering.objects.count()
    for name in (
        "reports:report-create",
        "reports:draft-from-register",
        "reports:report-update",
        "reports:paragraph-add",
        "reports:paragraph-update",
        "reports:sign-offs",
        "reports:rendering-request",
        "reports:report-revise",
    ):
        response = officer_client.post(url_for(name, register), VALID_POST[name](register, officer))
        assert response.status_code == 302, name
        assert not response["Location"].startswith(reverse("login")), name
    # Started, drafted from the register, and revision 2 of the approved report.
    assert Report.objects.count() == reports + 3
    started = Report.objects.get(title="Hefei: an economic link")
    assert (started.status, started.created_by) == (ReportStatus.DRAFT, officer)
    assert Report.objects.get(title="Options for overseas links, 2016").created_by == officer
    revision = Report.objects.get(supersedes=approved)
    assert (revision.revision, revision.status) == (2, ReportStatus.DRAFT)
    assert Report.objects.get(pk=draft.pk).report_of == "the Strategic Director for Communities and Place"
    assert Paragraph.objects.filter(report=draft, section=4).get().text == "Xi'an is home to Xian Aerospace."
    assert Paragraph.objects.get(pk=paragraph.pk).text == "Derby has been approached by Hefei and Zhejiang."
    hr = SignOff.objects.get(report=draft, role=SignOffRole.HR)
    assert (hr.officer_name, hr.cleared_on) == ("Liz Moore", date(2015, 8, 30))
    assert Rendering.objects.count() == renderings + 1
    asked = Rendering.objects.latest("pk")
    assert (asked.report, asked.status, asked.requested_by) == (draft, RenderingStatus.QUEUED, officer)

    for name in ("reports:paragraph-move", "reports:paragraph-delete"):
        assert (
            officer_client.post(url_for(name, register), VALID_POST[name](register, officer)).status_code
            == 302
        )
    assert not Paragraph.objects.filter(pk=paragraph.pk).exists()


def test_report_decisions_by_the_leader_s_office_change_the_register(
    leader_client: Client, leader: Any, register: dict[str, Any]
) -> None:
    draft, approved = register["report"], register["approved_report"]
    for name in (
        "reports:report-approve",
        "reports:decision-record",
        "reports:report-publish",
        "reports:rendering-retry",
    ):
        response = leader_client.post(url_for(name, register), VALID_POST[name](register, leader))
        assert response.status_code == 302, name
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (ReportStatus.APPROVED, leader)
    approved.refresh_from_db()
    assert (approved.status, approved.published_by) == (ReportStatus.PUBLISHED, leader)
    assert approved.decision == "Cabinet agreed to renew the link with Toyota City for five years."
    retried = Rendering.objects.get(pk=register["failed_rendering"].pk)
    assert (retried.status, retried.requested_by) == (RenderingStatus.QUEUED, leader)


@pytest.mark.parametrize("persona", ["officer", "finance", "leader", "administrator", "outsider"])
def test_refused_report_writes_change_nothing(
    persona: str, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    """Valid data posted by someone the matrix refuses: 403 and not one row or history record written.

    Officers are refused the Leader's Office's decisions; the Leader's Office
    the drafting; Finance, the Administrator and the outsider everything.
    """
    client = _client(personas[persona])
    before = report_state()
    refused = [name for name in REPORT_WRITES if MATRIX[name]["POST"][persona] == 403]
    expected = {
        "officer": {"reports:report-approve", "reports:report-publish", "reports:decision-record"},
        "leader": set(REPORT_WRITES)
        - {
            "reports:report-approve",
            "reports:report-publish",
            "reports:decision-record",
            "reports:rendering-request",
            "reports:rendering-retry",
        },
    }
    assert set(refused) == expected.get(persona, set(REPORT_WRITES))
    for name in refused:
        response = client.post(url_for(name, register), VALID_POST[name](register, None))
        assert response.status_code == 403, name
    assert report_state() == before


def test_refused_report_pages_show_nothing_of_the_report(
    outsider_client: Client, register: dict[str, Any]
) -> None:
    for name in ("reports:report-list", "reports:report-detail", "reports:report-preview"):
        response = outsider_client.get(url_for(name, register))
        assert response.status_code == 403, name
        page = response.content.decode()
        assert "Opportunities for Overseas Economic Twinning" not in page, name
        assert "You do not have access to this page" in page, name
    download = outsider_client.get(url_for("reports:rendering-download", register))
    assert download.status_code == 404
    assert download.get("Content-Type", "").split(";")[0] != "application/pdf"
    assert FAKE_PDF not in download.content


def test_refused_budget_page_shows_no_figures(outsider_client: Client, register: dict[str, Any]) -> None:
    for name in ("budgets:year-list", "budgets:line-detail", "budgets:year-export-csv", "budgets:spend-list"):
        response = outsider_client.get(url_for(name, register))
        assert response.status_code == 403, name
        page = response.content.decode()
        assert "Civic visit to Toyota City" not in page, name
        assert "4,000" not in page, name
        assert "You do not have access to this page" in page, name


@pytest.mark.parametrize(
    ("persona", "decides", "proposes"),
    [
        ("officer", False, True),
        ("finance", True, True),
        ("leader", False, False),
        ("administrator", False, False),
    ],
)
def test_only_finance_is_offered_the_budget_decisions(
    persona: str, decides: bool, proposes: bool, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    """Deciding, overriding, the review queue and changing an approved line are offered to Finance alone."""
    client = _client(personas[persona])

    def html(name: str, kind: str | None = None) -> str:
        url = url_for(name, register) if kind is None else reverse(name, args=[register[kind].pk])
        response = client.get(url)
        assert response.status_code == 200, name
        return response.content.decode()

    proposed = html("budgets:line-detail", "proposed_line")
    approved = html("budgets:line-detail", "line")
    awaiting = html("budgets:spend-detail", "awaiting_spend")
    years = html("budgets:year-list")
    offered = {
        "decision form": "Record decision" in proposed,
        "edit an approved line": ">Edit line</a>" in approved,
        "override form": "Grant the override" in awaiting,
        "review queue": reverse("budgets:review") in years,
    }
    assert offered == dict.fromkeys(offered, decides)
    assert ("Propose a budget line" in years, "Record spend" in approved) == (proposes, proposes)
    assert (">Edit line</a>" in proposed) == proposes


def test_refused_page_shows_no_data(outsider_client: Client, register: dict[str, Any]) -> None:
    response = outsider_client.get(url_for("partners:place-detail", register))
    assert response.status_code == 403
    assert "Toyota City" not in response.content.decode()
    assert "You do not have access to this page" in response.content.decode()


# --- The Django admin -------------------------------------------------------------


def test_admin_refuses_everyone_but_the_administrator(personas: dict[str, Any]) -> None:
    index = reverse("admin:index")
    users = {"anonymous": None, **personas}
    got = {}
    for persona, user in users.items():
        response = _client(user).get(index)
        got[persona] = (response.status_code, response.get("Location", ""))
    to_admin_login = (302, f"{reverse('admin:login')}?next={index}")
    assert got == {
        "anonymous": to_admin_login,
        "officer": to_admin_login,
        "finance": to_admin_login,
        "leader": to_admin_login,
        "outsider": to_admin_login,
        "administrator": (200, ""),
    }


def test_administrator_manages_users_in_the_admin(admin_client_role: Client, officer: Any) -> None:
    response = admin_client_role.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 200
    assert "olivia" in response.content.decode()
    response = admin_client_role.get(reverse("admin:auth_user_change", args=[officer.pk]))
    assert response.status_code == 200
    assert get_user_model().objects.get(pk=officer.pk).is_staff is False


# --- What each role is offered ----------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "offered"),
    [("officer", True), ("finance", False), ("leader", False), ("administrator", False)],
)
def test_only_officers_are_offered_the_register_s_write_buttons(
    persona: str, offered: bool, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    client = _client(personas[persona])
    pages = {
        "partners:place-list": "Add a place",
        "partners:place-detail": "Edit place",
        "partners:relationship-detail": "Change status",
        "partners:approach-list": "Record an approach",
        "partners:organisation-detail": "Add a contact at Toyota Motor Manufacturing UK",
    }
    shown = {}
    for name, words in pages.items():
        response = client.get(url_for(name, register))
        assert response.status_code == 200
        shown[name] = words in response.content.decode()
    assert shown == dict.fromkeys(pages, offered)


@pytest.mark.parametrize(
    ("persona", "offered"),
    [("officer", True), ("finance", False), ("leader", False), ("administrator", False)],
)
def test_only_officers_are_offered_the_visit_and_gift_write_buttons(
    persona: str, offered: bool, register: dict[str, Any], personas: dict[str, Any]
) -> None:
    client = _client(personas[persona])
    pages = {
        "delegations:visit-list": ["Plan or record a visit"],
        "delegations:visit-detail": [
            "Edit visit",
            "Change status",
            "Add participant",
            'Remove<span class="visually-hidden"> Cllr Ranjit Banwait',
            "Add cost item",
            "Add the estimate",
            "Record meeting",
            "Add follow-up",
            "Record a gift or hospitality for this visit",
        ],
        "delegations:gift-list": ["Record a gift or hospitality"],
        "delegations:gift-detail": ["Edit"],
        "partners:relationship-detail": ["Plan or record a visit"],
    }
    shown = {}
    for name, words in pages.items():
        response = client.get(url_for(name, register))
        assert response.status_code == 200
        html = response.content.decode()
        if name == "delegations:gift-detail":
            html = html.split("<h1>", 1)[1]  # "Edit" is not in the navigation's words
            shown[name] = [f">{words[0]}</a>" in html]
        else:
            shown[name] = [w in html for w in words]
    assert shown == {name: [offered] * len(words) for name, words in pages.items()}
    # Everyone with a role still sees the visit and what it costs.
    detail = client.get(url_for("delegations:visit-detail", register)).content.decode()
    assert "Cllr Ranjit Banwait" in detail
    assert "Estimated cost:" in detail


def test_outsider_is_told_to_ask_for_a_role_and_offered_no_register(outsider_client: Client) -> None:
    page = outsider_client.get(reverse("overview:dashboard")).content.decode()
    assert "You have no role yet" in page
    assert reverse("partners:place-list") not in page
