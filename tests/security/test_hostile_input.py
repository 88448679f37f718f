"""Hostile input to every form the site has, as every persona.

Every URL that takes a POST (found by walking the URL conf; one without a
row in FORMS fails ``test_every_form_is_covered``) is sent values built by
Hypothesis from its form's own fields (see ``tests/security/hostile.py``),
as the anonymous visitor and each persona. Whatever is sent:

* nothing ends in a 500;
* a refused request (the form again with its errors, 403, or the sign-in
  page for the anonymous visitor) writes nothing: every table holds as many
  rows as before and the records the form is about are unchanged;
* no response carries the hostile markup as it was sent;
* when a value is saved, the pages, feeds and exports that show it still
  work and show it escaped, and the exports never hand a spreadsheet a
  formula.

Those who may send a form get two fixed examples (every date at the last,
then the first, day a date field takes; markup and formulas in every text
field) and six drawn ones; those refused it are refused before it is read,
and get three drawn ones each. Each example starts from the same register:
each request runs inside a savepoint that is rolled back after it. Crashes
already known (each shown by a strict xfail test at the end of this file)
are recognised by their exception and where they happen, and let pass here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.db.models import Model
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils.html import escape
from django.views.generic.edit import BaseFormView
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from budgets import forms as budget_forms
from budgets.models import BudgetLine, CostShare, FinancialYear, Spend
from budgets.views import CostShareView
from delegations import forms as visit_forms
from delegations.models import CalendarFeed, CostItem, Gift, Meeting, Participant, Visit, VisitFollowUp
from overview.models import UserSettings
from partners import forms as partner_forms
from partners.models import (
    Action,
    Approach,
    ApproachScore,
    Contact,
    Exchange,
    Organisation,
    Place,
    Relationship,
    RelationshipStatusChange,
    Stakeholder,
)
from partners.selectors import active_criteria
from partners.views import ApproachTriageView, _scored_as
from reports import forms as report_forms
from reports.models import Paragraph, Rendering, Report, SignOff
from tests.core.test_roles import MATRIX
from tests.factories import PASSWORD
from tests.security import hostile
from tests.security.conftest import (
    PERSONAS,
    client_for,
    fill_url,
    rolled_back,
    row_counts,
    rows,
    takes_post,
    walk_urls,
)

R = dict[str, Any]

OFFICER = frozenset({"officer"})
FINANCE = frozenset({"finance"})
LEADER = frozenset({"leader"})
BUDGET = frozenset({"officer", "finance"})
PDF = frozenset({"officer", "leader"})
ROLES = frozenset({"officer", "finance", "leader", "administrator"})
SIGNED_IN = ROLES | {"outsider"}


def url(name: str, kind: str | None = None) -> Callable[[R], str]:
    """The URL ``name`` for the register's record of ``kind`` (none for a URL without an id)."""
    if kind is None:
        return lambda reg: reverse(name)
    return lambda reg: reverse(name, args=[reg[kind].pk])


def view_form(prepare: Callable[[Any, R], None] | None = None) -> Callable[[R, str, Any], Any]:
    """The form the view behind the URL shows (so fields a view adds are posted too)."""

    def build(reg: R, address: str, user: Any) -> Any:
        request = RequestFactory().get(address)
        request.user = user
        match = resolve(address)
        view = match.func.view_class(**match.func.view_initkwargs)
        view.setup(request, *match.args, **match.kwargs)
        if prepare is not None:
            prepare(view, reg)
        if isinstance(view, BaseFormView):  # Django's own pages: signing in, one's password
            return view.get_form()
        return view.form()

    return build


def made(factory: Callable[[R], Any]) -> Callable[[R, str, Any], Any]:
    return lambda reg, address, user: factory(reg)


def version(kind: str) -> Callable[[R], int]:
    return lambda reg: type(reg[kind]).objects.get(pk=reg[kind].pk).version


def sign_off_rows(report: Report) -> dict[str, Any]:
    """The sign-off page's formset as a browser posts it, every row as it stands."""
    rows_ = list(SignOff.objects.filter(report=report).order_by("pk"))
    data: dict[str, Any] = {
        "signoffs-TOTAL_FORMS": str(len(rows_)),
        "signoffs-INITIAL_FORMS": str(len(rows_)),
        "signoffs-MIN_NUM_FORMS": "0",
        "signoffs-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows_):
        data[f"signoffs-{i}-id"] = str(row.pk)
        data[f"signoffs-{i}-officer_name"] = row.officer_name
        data[f"signoffs-{i}-cleared_on"] = row.cleared_on.isoformat() if row.cleared_on else ""
        if row.is_required:
            data[f"signoffs-{i}-is_required"] = "on"
    return data


def cost_share_rows(reg: R) -> dict[str, Any]:
    return {
        "shares-TOTAL_FORMS": "2",
        "shares-INITIAL_FORMS": "0",
        "shares-MIN_NUM_FORMS": "0",
        "shares-MAX_NUM_FORMS": "10",
        "shares-0-council": str(reg["council"].pk),
        "shares-0-percentage": "60",
        "shares-1-council": str(reg["home_council"].pk),
        "shares-1-percentage": "40",
    }


def cost_share_formset(reg: R) -> Any:
    """The formset as the page offers it: a row per council holding the link, and one more."""
    view = CostShareView()
    view.relationship = Relationship.objects.prefetch_related("councils", "cost_shares__council").get(
        pk=reg["relationship"].pk
    )
    return view.formset()


def triage_view(reg: R) -> ApproachTriageView:
    """The scoring page for the register's approach, as the view sets itself up."""
    view = ApproachTriageView()
    view.setup(RequestFactory().get("/"), pk=reg["approach"].pk)
    return view


def calendar_feed(reg: R) -> str:
    feed, _ = CalendarFeed.objects.get_or_create(user=reg["personas"]["officer"])
    return reverse("delegations:calendar-feed", args=[feed.token])


# Pages that show what a form saves (besides the page the save redirects to):
# fetched after each save, they must not fail on it, echo it unescaped or hand
# a spreadsheet a formula.
def pages(*names_and_kinds: tuple[str, str | None]) -> tuple[Callable[[R], str], ...]:
    return tuple(url(name, kind) for name, kind in names_and_kinds)


def years(reg: R) -> list[str]:
    """Each financial year's page and exports (a save may have made a year)."""
    found = []
    for year in FinancialYear.objects.values_list("start_year", flat=True):
        found += [
            reverse("budgets:year-detail", args=[year]),
            reverse("budgets:year-export-csv", args=[year]),
            reverse("budgets:year-export-xlsx", args=[year]),
        ]
    return found


def reports_shown(reg: R) -> list[str]:
    """The list, and each report's preview (the PDF's HTML)."""
    previews = [
        reverse("reports:report-preview", args=[pk]) for pk in Report.objects.values_list("pk", flat=True)
    ]
    return [reverse("reports:report-list"), *previews]


RELATIONSHIP_PAGES = pages(
    ("partners:relationship-detail", "relationship"), ("partners:place-detail", "place")
)
VISIT_PAGES = (
    *pages(
        ("delegations:visit-list", None),
        ("delegations:overseas-travel-csv", None),
        ("delegations:visit-history", "visit"),
        ("partners:relationship-detail", "relationship"),
    ),
    calendar_feed,
)
VISIT_PART_PAGES = pages(("delegations:visit-list", None), ("delegations:overseas-travel-csv", None))
GIFT_PAGES = pages(("delegations:gift-list", None), ("overview:dashboard", None))
BUDGET_PAGES = (
    *pages(
        ("budgets:year-list", None),
        ("budgets:line-list", None),
        ("budgets:spend-list", None),
        ("budgets:review", None),
        ("budgets:lines-export-csv", None),
        ("budgets:lines-export-xlsx", None),
    ),
    years,
)
REPORT_PAGES: tuple[Callable[[R], Any], ...] = (reports_shown,)


@dataclass(frozen=True)
class Form:
    """One POST the site takes, the form behind it and who may send it."""

    url: Callable[[R], str]
    # The personas who may send it (everyone else is refused before it is read).
    writers: frozenset[str]
    # The unbound form or formset the view shows; its fields are what gets made hostile.
    form: Callable[[R, str, Any], Any] | None = None
    # What a browser would send; every hostile submission starts from it.
    valid: Callable[[R], dict[str, Any]] = lambda reg: {}
    # Tables whose every row must be unchanged when the post is refused.
    watch: tuple[type[Model], ...] = ()
    # Pages that show what the form saves.
    pages: tuple[Callable[[R], Any], ...] = ()
    # Drawn examples for those who may send it, besides the two fixed extremes.
    examples: int = 6
    # Statuses a writer may get besides the form again and a redirect.
    extra_statuses: frozenset[int] = field(default_factory=frozenset)
    # The request changes who the client is signed in as: a new client each time.
    signs_in_or_out: bool = False
    # Request headers to send as well (the sign-in page records where attempts come from).
    headers: Any = None


PLACE = {"name": "Osnabrück", "local_name": "Osnabrück", "country": "Germany", "kind": "city"}

FORMS: dict[str, Form] = {
    # --- Signing in and out -----------------------------------------------------------
    "login": Form(
        url("login"),
        writers=frozenset({"anonymous"}),
        form=view_form(),
        valid=lambda reg: {"username": "olivia", "password": PASSWORD},
        watch=(),
        pages=(url("overview:dashboard"),),
        extra_statuses=frozenset({429}),
        signs_in_or_out=True,
        headers=st.fixed_dictionaries(
            {},
            optional={
                "HTTP_USER_AGENT": hostile.text(),
                "HTTP_X_FORWARDED_FOR": st.one_of(hostile.text(), st.ip_addresses().map(str)),
            },
        ),
    ),
    "logout": Form(url("logout"), writers=SIGNED_IN, signs_in_or_out=True),
    "password_change": Form(
        url("password_change"),
        writers=SIGNED_IN,
        form=view_form(),
        valid=lambda reg: {
            "old_password": PASSWORD,
            "new_password1": "a-new-and-long-passphrase-2025",
            "new_password2": "a-new-and-long-passphrase-2025",
        },
        signs_in_or_out=True,
    ),
    "overview:digest-settings": Form(
        url("overview:digest-settings"),
        SIGNED_IN,
        view_form(),
        lambda reg: {"daily_digest": "on"},
        (UserSettings,),
        pages(("overview:dashboard", None)),
    ),
    # --- The register ------------------------------------------------------------------
    "partners:place-create": Form(
        url("partners:place-create"),
        OFFICER,
        view_form(),
        lambda reg: dict(PLACE),
        (Place,),
        pages(("partners:place-list", None)),
    ),
    "partners:place-update": Form(
        url("partners:place-update", "place"),
        OFFICER,
        view_form(),
        lambda reg: {**PLACE, "version": version("place")(reg)},
        (Place,),
        pages(("partners:place-list", None), ("partners:place-history", "place")),
    ),
    "partners:relationship-create": Form(
        url("partners:relationship-create"),
        OFFICER,
        view_form(),
        lambda reg: {"place": reg["place_without_link"].pk, "kind": "civic", "status": "exploring"},
        (Relationship,),
        pages(("partners:relationship-list", None), ("overview:dashboard", None)),
    ),
    "partners:relationship-update": Form(
        url("partners:relationship-update", "relationship"),
        OFFICER,
        view_form(),
        lambda reg: {
            "kind": "economic",
            "narrative": "Rolls-Royce joint venture underpins the link.",
            "established_year": "2015",
            "next_review_on": "2016-03-31",
            "version": version("relationship")(reg),
        },
        (Relationship,),
        (*RELATIONSHIP_PAGES, url("partners:relationship-history", "relationship")),
    ),
    "partners:relationship-status": Form(
        url("partners:relationship-status", "relationship"),
        OFFICER,
        made(lambda reg: partner_forms.RelationshipStatusForm(record=reg["relationship"])),
        lambda reg: {
            "to_status": "dormant",
            "note": "Quiet for a year.",
            "version": version("relationship")(reg),
        },
        (Relationship, RelationshipStatusChange),
        (*RELATIONSHIP_PAGES, url("partners:relationship-list"), url("overview:dashboard")),
    ),
    "partners:stakeholder-create": Form(
        url("partners:stakeholder-create", "relationship"),
        OFFICER,
        made(lambda reg: partner_forms.StakeholderForm(relationship=reg["relationship"])),
        lambda reg: {"organisation": reg["other_organisation"].pk, "role": "Rail supply chain"},
        (Stakeholder,),
        pages(("partners:organisation-detail", "other_organisation")),
    ),
    "partners:stakeholder-delete": Form(
        url("partners:stakeholder-delete", "stakeholder"),
        OFFICER,
        watch=(Stakeholder,),
        pages=pages(("partners:organisation-detail", "organisation")),
    ),
    "partners:approach-create": Form(
        url("partners:approach-create"),
        OFFICER,
        view_form(),
        lambda reg: {
            "new_place_name": "Zhejiang",
            "new_place_local_name": "浙江省",
            "new_place_country": "China",
            "new_place_kind": "province",
            "relationship_kind": "economic",
            "received_on": "2015-06-01",
            "respond_by": "2015-07-01",
            "request": "Asks for a trade visit.",
        },
        (Approach, Place, Relationship),
        pages(("partners:approach-list", None), ("partners:place-list", None), ("overview:dashboard", None)),
    ),
    "partners:approach-update": Form(
        url("partners:approach-update", "approach"),
        OFFICER,
        view_form(),
        lambda reg: {
            "received_on": "2015-06-01",
            "request": "Asks for a trade visit in the spring.",
            "respond_by": "2015-07-01",
            "responded_on": "2015-06-20",
            "outcome": "exploring",
            "version": version("approach")(reg),
        },
        (Approach,),
        pages(("partners:approach-list", None), ("partners:approach-history", "approach")),
    ),
    "partners:approach-triage": Form(
        url("partners:approach-triage", "approach"),
        OFFICER,
        made(lambda reg: triage_view(reg).form()),
        lambda reg: {
            f"score_{active_criteria()[0].pk}": "4",
            f"reason_{active_criteria()[0].pk}": "Fits the city's international strategy.",
            "scored_as": _scored_as(reg["approach"]),
        },
        (ApproachScore, Approach),
        pages(("partners:approach-list", None), ("partners:approach-history", "approach")),
    ),
    "partners:organisation-create": Form(
        url("partners:organisation-create"),
        OFFICER,
        view_form(),
        lambda reg: {"name": "UKTI", "kind": "government", "website": "https://www.gov.uk"},
        (Organisation,),
        pages(("partners:organisation-list", None)),
    ),
    "partners:organisation-update": Form(
        url("partners:organisation-update", "organisation"),
        OFFICER,
        view_form(),
        lambda reg: {
            "name": "Toyota Motor Manufacturing (UK) Ltd",
            "kind": "company",
            "website": "toyotauk.com",
            "version": version("organisation")(reg),
        },
        (Organisation,),
        pages(("partners:organisation-list", None), ("partners:organisation-history", "organisation")),
    ),
    "partners:contact-create": Form(
        url("partners:contact-create"),
        OFFICER,
        view_form(),
        lambda reg: {
            "name": "Chen Wei",
            "job_title": "British Deputy Consul General",
            "organisation": reg["organisation"].pk,
            "email": "chen.wei@example.org",
        },
        (Contact,),
        pages(("partners:contact-list", None), ("partners:organisation-detail", "organisation")),
    ),
    "partners:contact-update": Form(
        url("partners:contact-update", "contact"),
        OFFICER,
        view_form(),
        lambda reg: {"name": "A. Smith", "phone": "+44 1332 000000", "version": version("contact")(reg)},
        (Contact,),
        pages(("partners:contact-list", None), ("partners:contact-history", "contact")),
    ),
    "partners:action-create": Form(
        url("partners:action-create"),
        OFFICER,
        view_form(),
        lambda reg: {
            "title": "Discuss options",
            "status": "open",
            "relationship": reg["relationship"].pk,
            "due_on": "2015-11-30",
        },
        (Action,),
        pages(("partners:action-list", None), ("overview:dashboard", None)),
    ),
    "partners:action-update": Form(
        url("partners:action-update", "action"),
        OFFICER,
        view_form(),
        lambda reg: {
            "title": "Discuss options with local companies",
            "status": "in_progress",
            "version": version("action")(reg),
        },
        (Action,),
        pages(("partners:action-list", None), ("partners:action-history", "action")),
    ),
    "partners:exchange-create": Form(
        url("partners:exchange-create"),
        OFFICER,
        view_form(),
        lambda reg: {
            "relationship": reg["relationship"].pk,
            "kind": "secondment",
            "title": "Senior Policy Officer placement",
            "starts_on": "2015-09-01",
            "ends_on": "2016-08-31",
            "duration_months": "12",
        },
        (Exchange,),
        pages(("partners:exchange-list", None)),
    ),
    "partners:exchange-update": Form(
        url("partners:exchange-update", "exchange"),
        OFFICER,
        view_form(),
        lambda reg: {
            "relationship": reg["relationship"].pk,
            "kind": "secondment",
            "title": "Senior Policy Officer placement, 12 months",
            "version": version("exchange")(reg),
        },
        (Exchange,),
        pages(("partners:exchange-list", None), ("partners:exchange-history", "exchange")),
    ),
    # --- Visits and gifts ---------------------------------------------------------------
    "delegations:calendar-regenerate": Form(
        url("delegations:calendar-regenerate"),
        ROLES,
        watch=(CalendarFeed,),
        pages=(url("delegations:calendar"),),
    ),
    "delegations:visit-create": Form(
        url("delegations:visit-create"),
        OFFICER,
        view_form(),
        lambda reg: {
            "relationship": reg["relationship"].pk,
            "direction": "outbound",
            "purpose": "exploratory",
            "title": "Exploratory visit to Toyota City",
            "starts_on": "2016-04-10",
            "ends_on": "2016-04-14",
            "status": "proposed",
            "funder": "fco",
            "party_size": "4",
            "actual_cost": "2500.00",
        },
        (Visit,),
        VISIT_PAGES,
    ),
    "delegations:visit-update": Form(
        url("delegations:visit-update", "visit"),
        OFFICER,
        view_form(),
        lambda reg: {
            "relationship": reg["relationship"].pk,
            "direction": "outbound",
            "purpose": "civic",
            "title": "Civic visit to Toyota City, 2015",
            "starts_on": "2015-10-12",
            "ends_on": "2015-10-16",
            "location": "Toyota City Hall",
            "funder": "council",
            "party_size": "4",
            "version": version("visit")(reg),
        },
        (Visit,),
        VISIT_PAGES,
    ),
    "delegations:visit-status": Form(
        url("delegations:visit-status", "visit"),
        OFFICER,
        made(lambda reg: visit_forms.VisitStatusForm(record=reg["visit"])),
        lambda reg: {"to_status": "confirmed", "note": "Booked.", "version": version("visit")(reg)},
        (Visit,),
        VISIT_PAGES,
    ),
    "delegations:participant-add": Form(
        url("delegations:participant-add", "visit"),
        OFFICER,
        made(lambda reg: visit_forms.ParticipantForm(visit=reg["visit"])),
        lambda reg: {"participant-name": "Paul Robinson", "participant-role": "officer"},
        (Participant, Visit),
        VISIT_PART_PAGES,
    ),
    "delegations:participant-remove": Form(
        url("delegations:participant-remove", "participant"),
        OFFICER,
        watch=(Participant,),
        pages=VISIT_PART_PAGES,
    ),
    "delegations:meeting-add": Form(
        url("delegations:meeting-add", "visit"),
        OFFICER,
        made(lambda reg: visit_forms.MeetingForm(visit=reg["visit"])),
        lambda reg: {
            "meeting-organisation": reg["other_organisation"].pk,
            "meeting-held_on": "2015-10-13",
            "meeting-outcome": "Agreed to share rail supply chain contacts.",
        },
        (Meeting,),
        pages(("partners:organisation-detail", "other_organisation")),
    ),
    "delegations:meeting-remove": Form(
        url("delegations:meeting-remove", "meeting"),
        OFFICER,
        watch=(Meeting,),
        pages=pages(("partners:organisation-detail", "organisation")),
    ),
    "delegations:cost-item-add": Form(
        url("delegations:cost-item-add", "visit"),
        OFFICER,
        made(lambda reg: visit_forms.CostItemForm(visit=reg["visit"])),
        lambda reg: {
            "costitem-category": "travel",
            "costitem-description": "Flights",
            "costitem-quantity": "4",
            "costitem-unit_cost": "650.00",
            "costitem-funder": "council",
        },
        (CostItem,),
        VISIT_PART_PAGES,
    ),
    "delegations:cost-item-remove": Form(
        url("delegations:cost-item-remove", "costitem"), OFFICER, watch=(CostItem,), pages=VISIT_PART_PAGES
    ),
    "delegations:estimate-add": Form(
        url("delegations:estimate-add", "visit"),
        OFFICER,
        made(lambda reg: visit_forms.QuickEstimateForm(visit=reg["visit"])),
        lambda reg: {
            "estimate-people": "4",
            "estimate-nights": "4",
            "estimate-nightly_rate": "60",
            "estimate-fare_per_person": "650",
            "estimate-civic_gifts": "240",
            "estimate-presentation_materials": "200",
            "estimate-funder": "fco",
        },
        (CostItem,),
        VISIT_PART_PAGES,
    ),
    "delegations:follow-up-add": Form(
        url("delegations:follow-up-add", "visit"),
        OFFICER,
        made(lambda reg: visit_forms.FollowUpForm()),
        lambda reg: {
            "follow_up-title": "Write to the Mayor of Toyota City",
            "follow_up-due_on": "2015-11-01",
        },
        (Action, VisitFollowUp),
        pages(("partners:action-list", None), ("overview:dashboard", None)),
    ),
    "delegations:gift-create": Form(
        url("delegations:gift-create"),
        OFFICER,
        view_form(),
        lambda reg: {
            "direction": "received",
            "kind": "gift",
            "description": "Lacquered box",
            "value": "80.00",
            "counterparty": "Mayor of Toyota City",
            "on": "2015-10-13",
            "visit": reg["visit"].pk,
        },
        (Gift,),
        GIFT_PAGES,
    ),
    "delegations:gift-update": Form(
        url("delegations:gift-update", "gift"),
        OFFICER,
        view_form(),
        lambda reg: {
            "direction": "received",
            "kind": "gift",
            "description": "Derby porcelain plate with the city arms",
            "value": "145.00",
            "counterparty": "Mayor of Toyota City",
            "on": "2015-10-13",
            "declared_on": "2015-10-20",
            "version": version("gift")(reg),
        },
        (Gift,),
        (*GIFT_PAGES, url("delegations:gift-history", "gift")),
    ),
    # --- Budgets -----------------------------------------------------------------------
    "budgets:line-create": Form(
        url("budgets:line-create"),
        BUDGET,
        view_form(),
        lambda reg: {
            "year": "2016",
            "cost_centre": "TW200",
            "title": "Osnabrück youth exchange",
            "amount": "1500.00",
            "funding_source": "council",
            "relationship": reg["relationship"].pk,
        },
        (BudgetLine, FinancialYear),
        BUDGET_PAGES,
    ),
    # The line in the register is approved: Finance alone changes it.
    "budgets:line-update": Form(
        url("budgets:line-update", "line"),
        FINANCE,
        view_form(),
        lambda reg: {
            "year": "2015",
            "cost_centre": "TW100",
            "title": "Civic visit to Toyota City",
            "amount": "4200.00",
            "funding_source": "council",
            "relationship": reg["relationship"].pk,
            "version": version("line")(reg),
        },
        (BudgetLine, FinancialYear),
        (*BUDGET_PAGES, url("budgets:line-history", "line")),
    ),
    # A line still proposed: officers may change it too.
    "budgets:line-update (proposed line)": Form(
        url("budgets:line-update", "proposed_line"),
        BUDGET,
        view_form(),
        lambda reg: {
            "year": "2015",
            "cost_centre": "TW100",
            "title": "Hefei trade visit",
            "amount": "900.00",
            "funding_source": "council",
            "version": version("proposed_line")(reg),
        },
        (BudgetLine, FinancialYear),
        BUDGET_PAGES,
    ),
    "budgets:line-decide": Form(
        url("budgets:line-decide", "proposed_line"),
        FINANCE,
        made(lambda reg: budget_forms.DecisionForm(record=reg["proposed_line"])),
        lambda reg: {
            "to_status": "approved",
            "note": "Within the twinning budget agreed by Cabinet.",
            "version": version("proposed_line")(reg),
        },
        (BudgetLine,),
        BUDGET_PAGES,
    ),
    "budgets:spend-create": Form(
        url("budgets:spend-create", "line"),
        BUDGET,
        view_form(lambda view, reg: setattr(view, "line", reg["line"])),
        lambda reg: {
            "description": "Civic gifts",
            "amount": "240.00",
            "spent_on": "2015-10-01",
            "status": "estimated",
            "visit": reg["visit"].pk,
            "cost_item": reg["costitem"].pk,
        },
        (Spend,),
        BUDGET_PAGES,
    ),
    "budgets:spend-update": Form(
        url("budgets:spend-update", "spend"),
        BUDGET,
        view_form(),
        lambda reg: {
            "description": "Flights to Nagoya",
            "amount": "2650.00",
            "spent_on": "2015-09-20",
            "status": "committed",
            "supplier": "Japan Airlines",
            "reference": "PO-1234",
            "version": version("spend")(reg),
        },
        (Spend,),
        (*BUDGET_PAGES, url("budgets:spend-history", "spend")),
    ),
    "budgets:spend-override": Form(
        url("budgets:spend-override", "awaiting_spend"),
        FINANCE,
        made(lambda reg: budget_forms.OverrideDecisionForm(record=reg["awaiting_spend"])),
        lambda reg: {
            "to_status": "granted",
            "note": "Agreed: the partner's booking could not wait.",
            "version": version("awaiting_spend")(reg),
        },
        (Spend,),
        BUDGET_PAGES,
    ),
    "budgets:cost-shares": Form(
        url("budgets:cost-shares", "relationship"),
        FINANCE,
        made(cost_share_formset),
        cost_share_rows,
        (CostShare,),
        BUDGET_PAGES,
    ),
    # --- Reports -----------------------------------------------------------------------
    "reports:report-create": Form(
        url("reports:report-create"),
        OFFICER,
        view_form(),
        lambda reg: {
            "committee": "Council Cabinet",
            "meeting_date": "2016-01-13",
            "title": "Hefei: an economic link",
            "report_of": "the Strategic Director for Neighbourhoods",
            "author_name": "Janie Berry",
            "contact_email": "janie.berry@derby.gov.uk",
            "background_papers": "None",
            "appendices": "Appendix 1 – Implications",
        },
        (Report, SignOff),
        REPORT_PAGES,
    ),
    "reports:draft-from-register": Form(
        url("reports:draft-from-register"),
        OFFICER,
        view_form(),
        lambda reg: {
            "meeting_date": "2016-01-13",
            "title": "Options for overseas links, 2016",
            "report_of": "the Strategic Director for Neighbourhoods",
        },
        (Report, Paragraph, SignOff),
        REPORT_PAGES,
        examples=4,
    ),
    "reports:report-update": Form(
        url("reports:report-update", "report"),
        OFFICER,
        view_form(),
        lambda reg: {
            "committee": "Council Cabinet",
            "meeting_date": "2015-09-09",
            "title": "Opportunities for Overseas Economic Twinning",
            "report_of": "the Strategic Director for Communities and Place",
            "is_exempt": "on",
            "exempt_paragraph": "3",
            "public_interest_reasoning": "Commercial terms are still being agreed.",
            "contact_email": "janie.berry@derby.gov.uk",
            "background_papers": "None",
            "appendices": "Appendix 1 – Implications",
            "version": version("report")(reg),
        },
        (Report,),
        (*REPORT_PAGES, url("reports:report-history", "report")),
    ),
    "reports:paragraph-add": Form(
        url("reports:paragraph-add", "report"),
        OFFICER,
        made(lambda reg: report_forms.ParagraphForm(report=reg["report"])),
        lambda reg: {"paragraph-where": "body:4", "paragraph-text": "Xi'an is home to Xian Aerospace."},
        (Paragraph, Report),
        REPORT_PAGES,
    ),
    "reports:paragraph-update": Form(
        url("reports:paragraph-update", "paragraph"),
        OFFICER,
        made(lambda reg: report_forms.ParagraphForm(report=reg["report"], instance=reg["paragraph"])),
        lambda reg: {"paragraph-where": "body:1", "paragraph-text": "Derby has been approached by Hefei."},
        (Paragraph, Report),
        REPORT_PAGES,
    ),
    "reports:paragraph-move": Form(
        url("reports:paragraph-move", "paragraph"),
        OFFICER,
        valid=lambda reg: {"direction": "down"},
        watch=(Paragraph,),
        pages=REPORT_PAGES,
    ),
    "reports:paragraph-delete": Form(
        url("reports:paragraph-delete", "paragraph"), OFFICER, watch=(Paragraph,), pages=REPORT_PAGES
    ),
    "reports:sign-offs": Form(
        url("reports:sign-offs", "report"),
        OFFICER,
        made(
            lambda reg: report_forms.SignOffFormSet(queryset=reg["report"].sign_offs.all(), prefix="signoffs")
        ),
        lambda reg: sign_off_rows(reg["report"]),
        (SignOff, Report),
        REPORT_PAGES,
    ),
    "reports:report-approve": Form(
        url("reports:report-approve", "report"),
        LEADER,
        made(lambda reg: report_forms.ReportDecisionForm(record=reg["report"], to_status="approved")),
        lambda reg: {"version": version("report")(reg)},
        (Report,),
        REPORT_PAGES,
    ),
    "reports:report-publish": Form(
        url("reports:report-publish", "approved_report"),
        LEADER,
        made(
            lambda reg: report_forms.ReportDecisionForm(record=reg["approved_report"], to_status="published")
        ),
        lambda reg: {"version": version("approved_report")(reg)},
        (Report,),
        REPORT_PAGES,
    ),
    "reports:decision-record": Form(
        url("reports:decision-record", "approved_report"),
        LEADER,
        view_form(),
        lambda reg: {
            "decision": "Cabinet agreed to renew the link with Toyota City for five years.",
            "decision_date": "2015-07-15",
            "decision_reasons": "The link supports investment.",
            "alternatives_rejected": "Letting the link lapse.",
            "conflicts_declared": "None",
            "version": version("approved_report")(reg),
        },
        (Report,),
        REPORT_PAGES,
    ),
    "reports:report-revise": Form(
        url("reports:report-revise", "approved_report"),
        OFFICER,
        watch=(Report, Paragraph, SignOff),
        pages=REPORT_PAGES,
        examples=4,
    ),
    "reports:rendering-request": Form(
        url("reports:rendering-request", "report"), PDF, watch=(Rendering,), pages=REPORT_PAGES, examples=4
    ),
    "reports:rendering-retry": Form(
        url("reports:rendering-retry", "failed_rendering"),
        PDF,
        watch=(Rendering,),
        pages=REPORT_PAGES,
        examples=4,
    ),
}


def url_name(key: str) -> str:
    return key.split(" ", 1)[0]


def test_every_form_is_covered() -> None:
    """Every URL whose view takes a POST has a row here, and no row names a URL that is gone."""
    postable = {name for name, pattern in walk_urls() if takes_post(pattern)}
    covered = {url_name(key) for key in FORMS}
    assert not postable - covered, (
        "These URLs take a POST but are not sent hostile input; add them to FORMS in "
        "tests/security/test_hostile_input.py: " + ", ".join(sorted(postable - covered))
    )
    assert not covered - postable, "FORMS names URLs that take no POST: " + ", ".join(
        sorted(covered - postable)
    )


def test_function_views_take_no_post(register: R) -> None:
    """The URLs served by plain functions (no class to say what they take) refuse a POST outright."""
    functions = {
        name for name, pattern in walk_urls() if getattr(pattern.callback, "view_class", None) is None
    }
    assert functions == {"healthz", "delegations:calendar-feed"}
    clients = register["clients"]
    refused = {
        "healthz": clients["anonymous"].post(reverse("healthz"), {"x": hostile.SCRIPT}).status_code,
        "delegations:calendar-feed": clients["anonymous"]
        .post(reverse("delegations:calendar-feed", args=["a" * 43]), {"x": hostile.SCRIPT})
        .status_code,
    }
    assert refused == dict.fromkeys(functions, 405)


# --- The hostile posts ------------------------------------------------------------------------

# --- Bugs known and shown by their own strict xfail tests ------------------------------------


@dataclass(frozen=True)
class Known:
    """A crash the site is known to have: the exception and the innermost frame of our code."""

    exception: str
    where: str
    shown_by: str


ROOT = str(Path(__file__).resolve().parents[2])

# Crashes already found and not yet mended, each shown by its own strict xfail
# test: Known("OverflowError", "delegations/feeds.py build_calendar", "test_..."),
# recognised by the exception and the innermost frame of our code.
KNOWN_CRASHES: tuple[Known, ...] = ()

# Frames skipped when naming where a crash happened: Django, the database
# drivers, the test tools and the standard library.
SKIPPED_PACKAGES = {"django", "psycopg", "hypothesis", "_pytest", "pytest", "pluggy"}


def _named_frame(filename: str) -> str | None:
    if "/site-packages/" in filename:
        path = filename.split("/site-packages/", 1)[1]
        return None if path.split("/", 1)[0] in SKIPPED_PACKAGES else path
    if filename.startswith(ROOT + "/"):
        return filename.removeprefix(ROOT + "/")
    return None


def crash_site(response: Any) -> str:
    """'OverflowError at delegations/feeds.py build_calendar: ...': the exception and the
    innermost frame of the site's code or of a library other than Django."""
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return "no exception recorded"
    error, tb = exc_info[1], exc_info[2]
    where = "?"
    while tb is not None:
        code = tb.tb_frame.f_code
        path = _named_frame(code.co_filename)
        if path is not None:
            where = f"{path} {code.co_qualname}"
        tb = tb.tb_next
    return f"{type(error).__name__} at {where}: {error}"


def is_known(site: str, known_crashes: tuple[Known, ...] | None = None) -> bool:
    crashes = KNOWN_CRASHES if known_crashes is None else known_crashes
    return any(site.startswith(f"{known.exception} at {known.where}") for known in crashes)


# --- The hostile posts ------------------------------------------------------------------------

REFUSED = (200, 400)


def _fields(spec: Form, reg: R, address: str) -> hostile.Fields:
    if spec.form is None:
        return hostile.Fields({})
    writer = next((p for p in ("officer", "finance", "leader", "outsider") if p in spec.writers), None)
    return hostile.fields_of(spec.form(reg, address, reg["personas"].get(writer) if writer else None))


def _pages(spec: Form, reg: R) -> list[str]:
    found: list[str] = []
    for page in spec.pages:
        made_ = page(reg)
        found += made_ if isinstance(made_, list) else [made_]
    return found


def _check_page(client: Any, address: str, problems: list[str], who: str) -> None:
    response = client.get(address)
    if response.status_code >= 500:
        site = crash_site(response)
        if not is_known(site):
            problems.append(f"{who}: GET {address} after the save gave {response.status_code}: {site}")
        return
    kind = response.get("Content-Type", "").split(";")[0]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "text/html" and hostile.raw_markup(body):
        problems.append(f"{who}: GET {address} echoes {hostile.raw_markup(body)} unescaped")
    if response.status_code != 200:
        return
    if kind == "text/csv":
        formulas = hostile.formula_cells(hostile.csv_rows(body))
        if formulas:
            problems.append(f"{who}: {address} hands a spreadsheet formulas: {formulas[:3]}")
    if "spreadsheetml" in kind:
        formulas = hostile.formula_cells(hostile.xlsx_rows(body))
        if formulas:
            problems.append(f"{who}: {address} hands a spreadsheet formulas: {formulas[:3]}")


@dataclass
class Budget:
    """How many saves per test get every page that shows them fetched: the two fixed
    extremes, which run first (the pages are slow to fetch after every save)."""

    pages_left: int = 2


def post_as(
    personas: list[str],
    spec: Form,
    reg: R,
    address: str,
    posted: dict[str, Any],
    clients: dict[str, Any],
    budget: Budget,
    headers: dict[str, str] | None = None,
) -> list[str]:
    """Posts ``posted`` as each of ``personas`` in turn, each in a savepoint rolled back after it.

    Returns what went wrong, in words; an empty list is a pass.
    """
    problems: list[str] = []
    for persona in personas:
        with rolled_back():
            client = client_for(reg["personas"].get(persona)) if spec.signs_in_or_out else clients[persona]
            counts, before = row_counts(), rows(*spec.watch)
            response = client.post(address, posted, **(headers or {}))
            status = response.status_code
            if status >= 500:
                site = crash_site(response)
                if not is_known(site):
                    problems.append(f"{persona}: {status}: {site}")
                continue
            if hostile.raw_markup(response.content):
                problems.append(
                    f"{persona}: the response echoes {hostile.raw_markup(response.content)} unescaped"
                )
            location = response.get("Location", "")
            writes = False
            if persona in spec.writers:
                if status not in (*REFUSED, 302, *spec.extra_statuses):
                    problems.append(f"{persona}: {status}, expected the form again or a redirect")
                writes = status == 302
            elif persona == "anonymous":
                if (status, location) != (302, f"{reverse('login')}?next={quote(address)}"):
                    problems.append(f"anonymous: {status} {location}, expected the sign-in page")
            elif resolve(urlsplit(address).path).view_name == "login":
                if (status, location) != (302, reverse("overview:dashboard")):
                    problems.append(f"{persona}: {status} {location}, expected the dashboard")
            elif status != 403:
                problems.append(f"{persona}: {status}, expected 403")
            if not writes:
                after = row_counts()
                if after != counts:
                    changed = {table: (n, after[table]) for table, n in counts.items() if after[table] != n}
                    problems.append(f"{persona}: refused with {status} but rows were written: {changed}")
                if rows(*spec.watch) != before:
                    names = [model.__name__ for model in spec.watch]
                    problems.append(f"{persona}: refused with {status} but {names} changed")
                continue
            if location and not urlsplit(location).netloc:
                _check_page(client, location, problems, persona)
            if budget.pages_left > 0:
                budget.pages_left -= 1
                for page in _pages(spec, reg):
                    _check_page(client, page, problems, persona)
    return problems


# Those refused a form are refused before it is read (403, or the sign-in page
# for the anonymous visitor): a few hostile examples each show that nothing
# they send is written or echoed.
REFUSED_EXAMPLES = 3
# A deeper search at a desk: HOSTILE_EXAMPLES_SCALE=20 draws twenty times as many
# examples for each form and fetches the pages after every save.
SCALE = max(1, int(os.environ.get("HOSTILE_EXAMPLES_SCALE", "1")))


@pytest.mark.parametrize("key", sorted(FORMS))
def test_hostile_input(key: str, register: R) -> None:
    spec = FORMS[key]
    clients = register["clients"]
    address = spec.url(register)
    fields, valid = _fields(spec, register, address), spec.valid(register)
    strategy = hostile.submissions(fields, valid)
    headers = spec.headers if spec.headers is not None else st.just({})
    writers = [persona for persona in PERSONAS if persona in spec.writers]
    refused = [persona for persona in PERSONAS if persona not in spec.writers]
    budget = Budget(pages_left=2 if SCALE == 1 else 10**6)

    @hypothesis_settings(max_examples=spec.examples * SCALE)
    @given(posted=strategy, headers=headers)
    @example(posted=hostile.extremes(fields, valid, late=True), headers={})
    @example(posted=hostile.extremes(fields, valid, late=False), headers={})
    def posted_by_those_who_may(posted: dict[str, Any], headers: dict[str, str]) -> None:
        problems = post_as(writers, spec, register, address, posted, clients, budget, headers)
        assert not problems, "\n".join(problems)

    def refused_to(persona: str) -> Callable[[], None]:
        @hypothesis_settings(max_examples=REFUSED_EXAMPLES * SCALE)
        @given(posted=strategy)
        def posted_by_one_refused(posted: dict[str, Any]) -> None:
            problems = post_as([persona], spec, register, address, posted, clients, budget)
            assert not problems, "\n".join(problems)

        return posted_by_one_refused

    posted_by_those_who_may()
    for persona in refused:
        refused_to(persona)()


# --- A register full of extremes ------------------------------------------------------------------

# Forms whose fixed extremes are saved one after another into one register:
# every form with fields, bar signing in and the Leader's Office's decisions
# (which carry only a version).
KEPT_EXTREMES = sorted(
    key
    for key, spec in FORMS.items()
    if spec.form is not None
    and key not in ("login", "password_change", "reports:report-approve", "reports:report-publish")
)


def first_to(method: str, name: str) -> str | None:
    """The first persona the role matrix lets ``method`` ``name`` (with a 200, or a 302 for a POST)."""
    wanted = 200 if method == "GET" else 302
    row = MATRIX[name][method]
    return next(
        (p for p in ("officer", "finance", "leader", "administrator", "outsider") if row[p] == wanted), None
    )


@pytest.mark.parametrize("late", [True, False], ids=["last days", "first days"])
def test_every_page_survives_a_register_full_of_extremes(late: bool, register: R) -> None:
    """Every form's extreme saved into one register (dates on the last or first day a date field
    takes, markup and formulas in every text field), then every page of the site opened by someone who may
    see it, and an options paper drafted from that register and previewed."""
    clients = register["clients"]
    saved = []
    for key in KEPT_EXTREMES:
        spec = FORMS[key]
        writer = next(p for p in PERSONAS if p in spec.writers)
        address = spec.url(register)
        posted = hostile.extremes(_fields(spec, register, address), spec.valid(register), late=late)
        response = clients[writer].post(address, posted)
        assert response.status_code < 500 or is_known(crash_site(response)), f"{key}: {crash_site(response)}"
        if response.status_code == 302:
            saved.append(key)
    # Most forms take them: the spend outside its line's year is refused, for one.
    assert len(saved) > len(KEPT_EXTREMES) * 2 // 3, sorted(set(KEPT_EXTREMES) - set(saved))

    problems: list[str] = []
    for name, _ in walk_urls():
        persona = first_to("GET", name)
        if persona is not None:
            _check_page(clients[persona], fill_url(name, register), problems, persona)
    officer = clients["officer"]
    drafted = officer.post(
        reverse("reports:draft-from-register"), FORMS["reports:draft-from-register"].valid(register)
    )
    assert drafted.status_code == 302
    report = Report.objects.latest("pk")
    _check_page(officer, reverse("reports:report-preview", args=[report.pk]), problems, "officer")
    assert not problems, "\n".join(problems)


# --- The checks themselves ----------------------------------------------------------------------


def test_the_checks_catch_what_they_look_for() -> None:
    """Raw markup is caught and its escaped form is not; a formula cell is caught, a quoted one and a
    negative number are not; a crash is named by its exception and where in our code it happened."""
    assert hostile.raw_markup(f"<td>{hostile.SCRIPT}{hostile.IMG}</td>".encode()) == [
        "<script>alert(",
        "<img src=x onerror=",
    ]
    assert hostile.raw_markup(f"<td>{escape(hostile.SCRIPT)}{escape(hostile.IMG)}</td>".encode()) == []
    cells = [["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "-2.50", "@SUM(1+1)", "合肥市", 3]]
    assert hostile.formula_cells(cells) == ["=cmd|' /C calc'!A0", "@SUM(1+1)"]
    feed = (Known("OverflowError", "delegations/feeds.py build_calendar", "a test"),)
    assert is_known("OverflowError at delegations/feeds.py build_calendar: date value out of range", feed)
    assert not is_known("OverflowError at delegations/views.py VisitDetailView.get: out of range", feed)
    assert not is_known("OverflowError at delegations/feeds.py build_calendar: date value out of range")
    shown_by = {name for known in KNOWN_CRASHES for name in known.shown_by.split(", ")}
    assert all(callable(globals().get(name)) for name in shown_by), shown_by


@pytest.mark.parametrize("key", sorted(FORMS))
def test_the_valid_submission_is_saved(key: str, register: R) -> None:
    """Each hostile submission starts from this one, so it must really save: otherwise no hostile
    value would ever reach a save and the pages that show it."""
    spec = FORMS[key]
    writer = next(persona for persona in PERSONAS if persona in spec.writers)
    client = (
        client_for(register["personas"].get(writer)) if spec.signs_in_or_out else register["clients"][writer]
    )
    response = client.post(spec.url(register), spec.valid(register))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not response["Location"].startswith(reverse("login")) or key == "logout"


# --- What the hostile input found, mended ---------------------------------------------------------
# Each test states what the site should do whichever way it is made safe
# (refuse the value beside its field, or take it and cope with it).


def _visit_post(reg: R, **changes: str) -> dict[str, Any]:
    return {**FORMS["delegations:visit-update"].valid(reg), **changes}


def test_a_visit_ending_in_9999_is_refused_or_served_in_the_feed(register: R) -> None:
    """The calendar feed added a day to a visit's last day: a visit ending 31 December 9999 crashed it."""
    officer, visit = register["clients"]["officer"], register["visit"]
    before = Visit.objects.values().get(pk=visit.pk)
    response = officer.post(
        reverse("delegations:visit-update", args=[visit.pk]), _visit_post(register, ends_on="9999-12-31")
    )
    if response.status_code == 302:
        assert Visit.objects.get(pk=visit.pk).ends_on == date(9999, 12, 31)
    else:  # refused beside the field: nothing saved
        assert response.status_code == 200
        assert "Enter a date between" in response.content.decode()
        assert Visit.objects.values().get(pk=visit.pk) == before
        # A visit stored before dates were held to a range still has its feed.
        Visit.objects.filter(pk=visit.pk).update(ends_on=date.max)
    feed = officer.get(calendar_feed(register))
    assert feed.status_code == 200
    assert "Civic visit to Toyota City" in feed.content.decode()


def test_a_gift_received_late_in_9999_is_refused_or_shown(register: R) -> None:
    """A gift's declaration date is 28 days after it: a gift received on 31 December 9999 crashed the register."""
    officer = register["clients"]["officer"]
    gifts = Gift.objects.count()
    data = {**FORMS["delegations:gift-create"].valid(register), "on": "9999-12-31", "value": "80.00"}
    response = officer.post(reverse("delegations:gift-create"), data)
    if response.status_code == 302:
        gift = Gift.objects.latest("pk")
        assert gift.on == date(9999, 12, 31)
    else:
        assert response.status_code == 200
        assert "Enter a date between" in response.content.decode()
        assert Gift.objects.count() == gifts
        # A gift stored before dates were held to a range, received and not yet declared.
        gift = register["gift"]
        Gift.objects.filter(pk=gift.pk).update(
            on=date.max, direction="received", value="80.00", declared_on=None
        )
    listed = officer.get(reverse("delegations:gift-list"))
    shown = officer.get(reverse("delegations:gift-detail", args=[gift.pk]))
    assert (listed.status_code, shown.status_code) == (200, 200)
    assert gift.description in shown.content.decode()


def test_sign_off_rows_the_page_did_not_offer_are_not_saved(register: R) -> None:
    """The sign-off page's formset created rows: one row more than offered saved a sign-off with no report."""
    officer, report = register["clients"]["officer"], register["report"]
    data = sign_off_rows(report)
    offered = int(data["signoffs-TOTAL_FORMS"])
    data["signoffs-TOTAL_FORMS"] = str(offered + 1)
    data.update(
        {f"signoffs-{offered}-officer_name": "Mallory", f"signoffs-{offered}-cleared_on": "2015-08-01"}
    )
    before = rows(SignOff)
    response = officer.post(reverse("reports:sign-offs", args=[report.pk]), data)
    assert response.status_code in (200, 302, 400)
    assert rows(SignOff) == before


def test_cost_shares_refuse_a_signalling_nan(register: R) -> None:
    """A posted 'sNaN' raised decimal.InvalidOperation when the formset asked whether a row had changed."""
    relationship = register["relationship"]
    data = {**cost_share_rows(register), "shares-0-percentage": "sNaN"}
    before = rows(CostShare)
    response = register["clients"]["finance"].post(
        reverse("budgets:cost-shares", args=[relationship.pk]), data
    )
    assert response.status_code == 400
    assert "Enter a number." in response.content.decode()
    assert rows(CostShare) == before


def test_signing_in_survives_nul_in_the_user_agent(register: R) -> None:
    """The sign-in throttle records the User-Agent; one holding NUL was refused by PostgreSQL: a 500."""
    client = client_for(None)
    response = client.post(
        reverse("login"), {"username": "olivia", "password": PASSWORD}, HTTP_USER_AGENT="Mozilla/5.0\x00"
    )
    assert (response.status_code, response.get("Location")) == (302, reverse("overview:dashboard"))


def test_signing_in_with_an_overlong_username_is_refused(register: R) -> None:
    """A username longer than the throttle's column (255) was refused by PostgreSQL: a 500."""
    client = client_for(None)
    response = client.post(reverse("login"), {"username": "x" * 300, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signing_in_with_a_forged_forwarded_address(register: R, settings: Any) -> None:
    """An X-Forwarded-For entry that is not an address went to an inet column: a 500 on PostgreSQL."""
    settings.DEBUG = False  # the header is believed only outside DEBUG
    client = client_for(None)
    response = client.post(
        reverse("login"), {"username": "olivia", "password": "wrong"}, HTTP_X_FORWARDED_FOR="not-an-address"
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_create_forms_survive_nul_in_the_submission_token(register: R) -> None:
    """A create form's hidden token was stored as sent; one holding NUL was refused by PostgreSQL: a 500."""
    officer = register["clients"]["officer"]
    places = Place.objects.count()
    response = officer.post(reverse("partners:place-create"), {**PLACE, "submission": "a1b2\x00c3"})
    assert response.status_code in (200, 302)
    assert Place.objects.count() in (places, places + 1)
