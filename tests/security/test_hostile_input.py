"""Hostile input to every form the site has, as every persona.

Every URL that takes a POST (found by walking the URL conf; one without a
row in FORMS fails ``test_every_form_is_covered``) is sent values built by
Hypothesis from its form's own fields (see ``tests/support/hostile.py``),
as the anonymous visitor and each persona. Whatever is sent:

* nothing ends in a 500;
* a refused request (the form again with its errors, 403, or the sign-in
  page for the anonymous visitor) writes nothing: every table holds as many
  rows as before and the records the form is about are unchanged;
* no response carries the hostile markup as it was sent;
* when a value is saved, the pages, feeds and exports that show it still
  work and show it escaped, and the exports never hand a spreadsheet a
  formula.

Who may send each form is the role matrix's (tests/support/matrix.py), and
every hostile submission starts from the valid one the role matrix posts
(tests/support/submissions.py). Those who may send a form get two fixed
examples (every date at the last, then the first, day a date field takes;
markup and formulas in every text field) and six drawn ones; those refused
it are refused before it is read, and get three drawn ones each. Each
example starts from the same register: each request runs inside a savepoint
that is rolled back after it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
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
from core.forms import DocumentForm, StatusChangeForm
from core.models import Document, FormSubmission
from delegations import forms as visit_forms
from delegations.models import CalendarFeed, CostItem, Gift, Meeting, Participant, Visit, VisitFollowUp
from overview.models import UserSettings
from partners import forms as partner_forms
from partners import models as partners
from partners.views import ApproachTriageView
from privacy.forms import KeepForm, PersonForm, ReasonForm
from privacy.models import Erasure, RetentionReview, SubjectAccessRequest
from reports import forms as report_forms
from reports.models import Paragraph, Rendering, Report, SignOff
from tests.factories import PASSWORD
from tests.support import hostile
from tests.support.database import rolled_back, row_counts, rows, unchanged
from tests.support.matrix import MATRIX
from tests.support.pages import refused
from tests.support.register import DOCUMENT_APPS, PERSONAS, client_for
from tests.support.submissions import VALID, cost_share_rows, sign_off_rows, version
from tests.support.urls import takes_post, url_for, walk_urls

R = dict[str, Any]


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


def cost_share_formset(reg: R) -> Any:
    """The formset as the page offers it: a row per council holding the link, and one more."""
    view = CostShareView()
    view.relationship = partners.Relationship.objects.prefetch_related(
        "councils", "cost_shares__council"
    ).get(pk=reg["relationship"].pk)
    return view.formset()


def triage_form(reg: R) -> Any:
    """The scoring page's form for the register's approach, as the view sets itself up."""
    view = ApproachTriageView()
    view.setup(RequestFactory().get("/"), pk=reg["approach"].pk)
    return view.form()


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


DASHBOARD = pages(("overview:dashboard", None))
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
GIFT_PAGES = (*pages(("delegations:gift-list", None)), *DASHBOARD)
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


def history(name: str) -> tuple[Callable[[R], str], ...]:
    """The history page of the record a form edits (``partners:place-update``: the place's)."""
    app, page = name.split(":")
    kind = page.removesuffix("-update")
    return pages((f"{app}:{kind}-history", kind))


def document_forms(app: str, kind: str) -> dict[str, Form]:
    """Attaching a document to the register's record of ``kind``, and removing one."""
    shown = pages((f"{app}:{kind}-detail", kind), (f"{app}:{kind}-history", kind))

    def form(reg: R, address: str, user: Any) -> DocumentForm:
        match = resolve(address)
        return DocumentForm(kinds=match.func.view_initkwargs["record_pages"].document_kinds)

    return {
        "-add": Form(form, (Document,), shown, examples=4),
        "-remove": Form(watch=(Document,), pages=shown),
    }


@dataclass(frozen=True)
class Form:
    """One POST the site takes: the form behind it, what it changes and where that shows.

    Its URL, who may send it and the valid submission every hostile one starts
    from are those of the URL it is keyed by (the role matrix's and
    tests/support/submissions.py's), unless given here.
    """

    # The unbound form or formset the view shows; its fields are what gets made hostile.
    form: Callable[[R, str, Any], Any] | None = None
    # Tables whose every row must be unchanged when the post is refused.
    watch: tuple[type[Model], ...] = ()
    # Pages that show what the form saves.
    pages: tuple[Callable[[R], Any], ...] = ()
    # Drawn examples for those who may send it, besides the two fixed extremes.
    examples: int = 6
    # Statuses a writer may get besides the form again and a redirect.
    extra_statuses: frozenset[int] = field(default_factory=frozenset)
    # The status of a post that saved: a redirect, or the download a valid post answers with.
    saved_status: int = 302
    # The request changes who the client is signed in as: a new client each time.
    signs_in_or_out: bool = False
    # Request headers to send as well (the sign-in page records where attempts come from).
    headers: Any = None
    # For a second row of one URL (another record): its own address, writers and data.
    url: Callable[[R], str] | None = None
    writers: frozenset[str] | None = None
    valid: Callable[[R], dict[str, Any]] | None = None


FORMS: dict[str, Form] = {
    # --- Signing in and out -----------------------------------------------------------
    "login": Form(
        view_form(),
        pages=DASHBOARD,
        extra_statuses=frozenset({429}),
        signs_in_or_out=True,
        writers=frozenset({"anonymous"}),
        headers=st.fixed_dictionaries(
            {},
            optional={
                "HTTP_USER_AGENT": hostile.text(),
                "HTTP_X_FORWARDED_FOR": st.one_of(hostile.text(), st.ip_addresses().map(str)),
            },
        ),
    ),
    "logout": Form(signs_in_or_out=True),
    "password_change": Form(view_form(), signs_in_or_out=True),
    "overview:digest-settings": Form(view_form(), (UserSettings,), DASHBOARD),
    # --- The register ------------------------------------------------------------------
    "partners:place-create": Form(view_form(), (partners.Place,), pages(("partners:place-list", None))),
    "partners:place-update": Form(
        view_form(),
        (partners.Place,),
        (*pages(("partners:place-list", None)), *history("partners:place-update")),
    ),
    "partners:relationship-create": Form(
        view_form(), (partners.Relationship,), (*pages(("partners:relationship-list", None)), *DASHBOARD)
    ),
    "partners:relationship-update": Form(
        view_form(), (partners.Relationship,), (*RELATIONSHIP_PAGES, *history("partners:relationship-update"))
    ),
    "partners:relationship-status": Form(
        made(lambda reg: StatusChangeForm(record=reg["relationship"])),
        (partners.Relationship, partners.RelationshipStatusChange),
        (*RELATIONSHIP_PAGES, url("partners:relationship-list"), *DASHBOARD),
    ),
    "partners:stakeholder-create": Form(
        made(lambda reg: partner_forms.StakeholderForm(relationship=reg["relationship"])),
        (partners.Stakeholder,),
        pages(("partners:organisation-detail", "other_organisation")),
    ),
    "partners:stakeholder-delete": Form(
        watch=(partners.Stakeholder,), pages=pages(("partners:organisation-detail", "organisation"))
    ),
    "partners:approach-create": Form(
        view_form(),
        (partners.Approach, partners.Place, partners.Relationship),
        (*pages(("partners:approach-list", None), ("partners:place-list", None)), *DASHBOARD),
    ),
    "partners:approach-update": Form(
        view_form(),
        (partners.Approach,),
        (*pages(("partners:approach-list", None)), *history("partners:approach-update")),
    ),
    "partners:approach-triage": Form(
        made(triage_form),
        (partners.ApproachScore, partners.Approach),
        pages(("partners:approach-list", None), ("partners:approach-history", "approach")),
    ),
    "partners:approach-organisation-add": Form(
        view_form(), (partners.Organisation,), pages(("partners:organisation-list", None))
    ),
    "partners:approach-contact-add": Form(
        view_form(), (partners.Contact,), pages(("partners:contact-list", None))
    ),
    "partners:organisation-create": Form(
        view_form(), (partners.Organisation,), pages(("partners:organisation-list", None))
    ),
    "partners:organisation-update": Form(
        view_form(),
        (partners.Organisation,),
        (*pages(("partners:organisation-list", None)), *history("partners:organisation-update")),
    ),
    "partners:contact-create": Form(
        view_form(),
        (partners.Contact,),
        pages(("partners:contact-list", None), ("partners:organisation-detail", "organisation")),
    ),
    "partners:contact-update": Form(
        view_form(),
        (partners.Contact,),
        (*pages(("partners:contact-list", None)), *history("partners:contact-update")),
    ),
    "partners:action-create": Form(
        view_form(), (partners.Action,), (*pages(("partners:action-list", None)), *DASHBOARD)
    ),
    "partners:action-update": Form(
        view_form(),
        (partners.Action,),
        (*pages(("partners:action-list", None)), *history("partners:action-update")),
    ),
    "partners:exchange-create": Form(
        view_form(), (partners.Exchange,), pages(("partners:exchange-list", None))
    ),
    "partners:exchange-update": Form(
        view_form(),
        (partners.Exchange,),
        (*pages(("partners:exchange-list", None)), *history("partners:exchange-update")),
    ),
    # --- Visits and gifts ---------------------------------------------------------------
    "delegations:calendar-regenerate": Form(watch=(CalendarFeed,), pages=(url("delegations:calendar"),)),
    "delegations:visit-create": Form(view_form(), (Visit,), VISIT_PAGES),
    "delegations:visit-update": Form(view_form(), (Visit,), VISIT_PAGES),
    "delegations:visit-status": Form(
        made(lambda reg: StatusChangeForm(record=reg["visit"])), (Visit,), VISIT_PAGES
    ),
    "delegations:participant-add": Form(
        made(lambda reg: visit_forms.ParticipantForm(visit=reg["visit"])),
        (Participant, Visit),
        VISIT_PART_PAGES,
    ),
    "delegations:participant-remove": Form(watch=(Participant,), pages=VISIT_PART_PAGES),
    "delegations:meeting-add": Form(
        made(lambda reg: visit_forms.MeetingForm(visit=reg["visit"])),
        (Meeting,),
        pages(("partners:organisation-detail", "other_organisation")),
    ),
    "delegations:meeting-remove": Form(
        watch=(Meeting,), pages=pages(("partners:organisation-detail", "organisation"))
    ),
    "delegations:cost-item-add": Form(
        made(lambda reg: visit_forms.CostItemForm(visit=reg["visit"])), (CostItem,), VISIT_PART_PAGES
    ),
    "delegations:cost-item-change": Form(
        made(lambda reg: visit_forms.CostItemForm(instance=reg["costitem"], visit=reg["costitem"].visit)),
        (CostItem,),
        VISIT_PART_PAGES,
    ),
    "delegations:cost-item-remove": Form(watch=(CostItem,), pages=VISIT_PART_PAGES),
    "delegations:estimate-add": Form(
        made(lambda reg: visit_forms.QuickEstimateForm(visit=reg["visit"])), (CostItem,), VISIT_PART_PAGES
    ),
    "delegations:follow-up-add": Form(
        made(lambda reg: visit_forms.FollowUpForm()),
        (partners.Action, VisitFollowUp),
        (*pages(("partners:action-list", None)), *DASHBOARD),
    ),
    "delegations:gift-create": Form(view_form(), (Gift,), GIFT_PAGES),
    "delegations:gift-update": Form(view_form(), (Gift,), (*GIFT_PAGES, *history("delegations:gift-update"))),
    # --- Budgets -----------------------------------------------------------------------
    "budgets:line-create": Form(view_form(), (BudgetLine, FinancialYear), BUDGET_PAGES),
    # The line in the register is approved: Finance alone changes it.
    "budgets:line-update": Form(
        view_form(), (BudgetLine, FinancialYear), (*BUDGET_PAGES, *history("budgets:line-update"))
    ),
    # A line still proposed: officers may change it too.
    "budgets:line-update (proposed line)": Form(
        view_form(),
        (BudgetLine, FinancialYear),
        BUDGET_PAGES,
        url=url("budgets:line-update", "proposed_line"),
        writers=frozenset({"officer", "finance"}),
        valid=lambda reg: {
            "year": "2015",
            "cost_centre": "TW100",
            "title": "Hefei trade visit",
            "amount": "900.00",
            "funding_source": "council",
            "version": version(reg, "proposed_line"),
        },
    ),
    "budgets:line-decide": Form(
        made(lambda reg: budget_forms.DecisionForm(record=reg["proposed_line"])), (BudgetLine,), BUDGET_PAGES
    ),
    "budgets:spend-create": Form(
        view_form(lambda view, reg: setattr(view, "line", reg["line"])), (Spend,), BUDGET_PAGES
    ),
    "budgets:spend-update": Form(view_form(), (Spend,), (*BUDGET_PAGES, *history("budgets:spend-update"))),
    "budgets:spend-override": Form(
        made(lambda reg: budget_forms.OverrideDecisionForm(record=reg["awaiting_spend"])),
        (Spend,),
        BUDGET_PAGES,
    ),
    "budgets:cost-shares": Form(made(cost_share_formset), (CostShare,), BUDGET_PAGES),
    # --- Reports -----------------------------------------------------------------------
    "reports:report-create": Form(view_form(), (Report, SignOff), REPORT_PAGES),
    "reports:draft-from-register": Form(view_form(), (Report, Paragraph, SignOff), REPORT_PAGES, examples=4),
    "reports:report-update": Form(view_form(), (Report,), (*REPORT_PAGES, *history("reports:report-update"))),
    "reports:paragraph-add": Form(
        made(lambda reg: report_forms.ParagraphForm(report=reg["report"])), (Paragraph, Report), REPORT_PAGES
    ),
    "reports:paragraph-update": Form(
        made(lambda reg: report_forms.ParagraphForm(report=reg["report"], instance=reg["paragraph"])),
        (Paragraph, Report),
        REPORT_PAGES,
    ),
    "reports:paragraph-move": Form(watch=(Paragraph,), pages=REPORT_PAGES),
    "reports:paragraph-delete": Form(watch=(Paragraph,), pages=REPORT_PAGES),
    "reports:sign-offs": Form(
        made(
            lambda reg: report_forms.SignOffFormSet(queryset=reg["report"].sign_offs.all(), prefix="signoffs")
        ),
        (SignOff, Report),
        REPORT_PAGES,
    ),
    "reports:report-approve": Form(
        made(lambda reg: report_forms.ReportDecisionForm(record=reg["report"], to_status="approved")),
        (Report,),
        REPORT_PAGES,
    ),
    "reports:report-publish": Form(
        made(
            lambda reg: report_forms.ReportDecisionForm(record=reg["approved_report"], to_status="published")
        ),
        (Report,),
        REPORT_PAGES,
    ),
    "reports:decision-record": Form(view_form(), (Report,), REPORT_PAGES),
    "reports:report-revise": Form(watch=(Report, Paragraph, SignOff), pages=REPORT_PAGES, examples=4),
    "reports:rendering-request": Form(watch=(Rendering,), pages=REPORT_PAGES, examples=4),
    "reports:rendering-retry": Form(watch=(Rendering,), pages=REPORT_PAGES, examples=4),
    # --- Personal data ----------------------------------------------------------------------
    "privacy:erase": Form(
        made(lambda reg: ReasonForm()),
        (Erasure, partners.Contact),
        pages(("privacy:retention", None), ("partners:contact-detail", "contact")),
    ),
    "privacy:review-decide": Form(
        made(lambda reg: KeepForm()), (RetentionReview,), pages(("privacy:retention", None))
    ),
    "privacy:subject-access": Form(
        made(lambda reg: PersonForm()),
        (SubjectAccessRequest,),
        writers=frozenset({"administrator"}),
        valid=lambda reg: {"name": "Aiko Tanaka", "email": "", "reference": "SAR-2026-1", "download": "1"},
        saved_status=200,
    ),
    # --- Documents kept with records ------------------------------------------------------
    **{
        f"{app}:{kind}-document{action}": spec
        for app, kind in DOCUMENT_APPS
        for action, spec in document_forms(app, kind).items()
    },
}


def url_name(key: str) -> str:
    return key.split(" ", 1)[0]


def address_of(key: str, reg: R) -> str:
    spec = FORMS[key]
    return spec.url(reg) if spec.url is not None else url_for(url_name(key), reg)


def writers_of(key: str) -> frozenset[str]:
    """Who may send the form: those the role matrix lets POST to its URL (302)."""
    spec = FORMS[key]
    if spec.writers is not None:
        return spec.writers
    statuses = MATRIX[url_name(key)]["POST"]
    return frozenset(p for p in PERSONAS if p != "anonymous" and statuses[p] == 302)


def valid_of(key: str, reg: R) -> dict[str, Any]:
    spec = FORMS[key]
    return spec.valid(reg) if spec.valid is not None else VALID[url_name(key)](reg)


def test_every_form_is_covered() -> None:
    """Every URL whose view takes a POST has a row here, and no row names a URL that is gone."""
    postable = {name for name, pattern in walk_urls().items() if takes_post(pattern)}
    covered = {url_name(key) for key in FORMS}
    assert not postable - covered, (
        "These URLs take a POST but are not sent hostile input; add them to FORMS in "
        "tests/security/test_hostile_input.py: " + ", ".join(sorted(postable - covered))
    )
    assert not covered - postable, "FORMS names URLs that take no POST: " + ", ".join(
        sorted(covered - postable)
    )


def test_function_views_take_no_post(register: R) -> None:
    """The URLs served by plain functions (no class to say what they take) refuse a POST outright,
    but for the steps of signing in."""
    functions = {
        name for name, pattern in walk_urls().items() if getattr(pattern.callback, "view_class", None) is None
    }
    public = {name for name in functions if name.startswith("public:")}
    # Signing in's own steps, sent hostile input where they can be reached: single sign-on's
    # start with a provider (tests/core/test_sso.py), the second step's pages after a password
    # (tests/core/test_two_factor.py).
    sign_in_steps = {"sso-start", "two-factor", "two-factor-verify"}
    assert functions - public == {
        "healthz",
        "delegations:calendar-feed",
        "sso-callback",
        "no-role",
        *sign_in_steps,
    }
    assert register["clients"]["anonymous"].get(reverse("sso-start")).status_code == 405
    functions -= sign_in_steps
    assert len(public) >= 9  # the public pages: each wrapped to take GET and HEAD only
    clients = register["clients"]
    refused = {
        "healthz": clients["anonymous"].post(reverse("healthz"), {"x": hostile.SCRIPT}).status_code,
        "delegations:calendar-feed": clients["anonymous"]
        .post(reverse("delegations:calendar-feed", args=["a" * 43]), {"x": hostile.SCRIPT})
        .status_code,
        "sso-callback": clients["anonymous"].post(reverse("sso-callback"), {"x": hostile.SCRIPT}).status_code,
        "no-role": clients["outsider"].post(reverse("no-role"), {"x": hostile.SCRIPT}).status_code,
        **{
            name: clients["anonymous"].post(url_for(name, register), {"x": hostile.SCRIPT}).status_code
            for name in public
        },
    }
    assert refused == dict.fromkeys(functions, 405)


# --- The hostile posts ------------------------------------------------------------------------

ROOT = str(Path(__file__).resolve().parents[2])

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


REFUSED = (200, 400)


def _fields(key: str, reg: R, address: str) -> hostile.Fields:
    spec = FORMS[key]
    if spec.form is None:
        return hostile.Fields({})
    writer = next((p for p in ("officer", "finance", "leader", "outsider") if p in writers_of(key)), None)
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
        problems.append(
            f"{who}: GET {address} after the save gave {response.status_code}: {crash_site(response)}"
        )
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
    key: str,
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
    spec, writers = FORMS[key], writers_of(key)
    problems: list[str] = []
    for persona in personas:
        with rolled_back():
            client = (
                client_for(reg["personas"].get(persona), crash_as_500=True)
                if spec.signs_in_or_out
                else clients[persona]
            )
            counts, before = row_counts(), rows(*spec.watch)
            response = client.post(address, posted, **(headers or {}))
            status = response.status_code
            if status >= 500:
                problems.append(f"{persona}: {status}: {crash_site(response)}")
                continue
            if hostile.raw_markup(response.content):
                problems.append(
                    f"{persona}: the response echoes {hostile.raw_markup(response.content)} unescaped"
                )
            location = response.get("Location", "")
            writes = False
            if persona in writers:
                if status not in (*REFUSED, 302, *spec.extra_statuses):
                    problems.append(f"{persona}: {status}, expected the form again or a redirect")
                writes = status == spec.saved_status
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
    address = address_of(key, register)
    fields, valid = _fields(key, register, address), valid_of(key, register)
    strategy = hostile.submissions(fields, valid)
    headers = spec.headers if spec.headers is not None else st.just({})
    writers = [persona for persona in PERSONAS if persona in writers_of(key)]
    refused = [persona for persona in PERSONAS if persona not in writers_of(key)]
    budget = Budget(pages_left=2 if SCALE == 1 else 10**6)

    @hypothesis_settings(max_examples=spec.examples * SCALE)
    @given(posted=strategy, headers=headers)
    @example(posted=hostile.extremes(fields, valid, late=True), headers={})
    @example(posted=hostile.extremes(fields, valid, late=False), headers={})
    def posted_by_those_who_may(posted: dict[str, Any], headers: dict[str, str]) -> None:
        problems = post_as(writers, key, register, address, posted, clients, budget, headers)
        assert not problems, "\n".join(problems)

    def refused_to(persona: str) -> Callable[[], None]:
        @hypothesis_settings(max_examples=REFUSED_EXAMPLES * SCALE)
        @given(posted=strategy)
        def posted_by_one_refused(posted: dict[str, Any]) -> None:
            problems = post_as([persona], key, register, address, posted, clients, budget)
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
        writer = next(p for p in PERSONAS if p in writers_of(key))
        address = address_of(key, register)
        posted = hostile.extremes(_fields(key, register, address), valid_of(key, register), late=late)
        response = clients[writer].post(address, posted)
        assert response.status_code < 500, f"{key}: {crash_site(response)}"
        if response.status_code == 302:
            saved.append(key)
    # Most forms take them: the spend outside its line's year is refused, for one.
    assert len(saved) > len(KEPT_EXTREMES) * 2 // 3, sorted(set(KEPT_EXTREMES) - set(saved))

    problems: list[str] = []
    for name in walk_urls():
        persona = first_to("GET", name)
        if persona is not None:
            _check_page(clients[persona], url_for(name, register), problems, persona)
    officer = clients["officer"]
    drafted = officer.post(
        reverse("reports:draft-from-register"), valid_of("reports:draft-from-register", register)
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

    def build_calendar() -> None:
        raise OverflowError("date value out of range")

    try:
        build_calendar()
    except OverflowError:
        crashed = SimpleNamespace(exc_info=sys.exc_info())
    assert crash_site(crashed) == (
        "OverflowError at tests/security/test_hostile_input.py "
        "test_the_checks_catch_what_they_look_for.<locals>.build_calendar: date value out of range"
    )
    assert crash_site(SimpleNamespace()) == "no exception recorded"


@pytest.mark.parametrize("key", sorted(FORMS))
def test_the_valid_submission_is_saved(key: str, register: R) -> None:
    """Each hostile submission starts from this one, so it must really save: otherwise no hostile
    value would ever reach a save and the pages that show it."""
    spec = FORMS[key]
    writer = next(persona for persona in PERSONAS if persona in writers_of(key))
    client = (
        client_for(register["personas"].get(writer), crash_as_500=True)
        if spec.signs_in_or_out
        else register["clients"][writer]
    )
    response = client.post(address_of(key, register), valid_of(key, register))
    assert response.status_code == spec.saved_status, response.content.decode("utf-8", "replace")[:2000]
    if spec.saved_status == 302:
        assert not response["Location"].startswith(reverse("login")) or key == "logout"


# --- What the hostile input found, mended ---------------------------------------------------------
# Each test states what the site should do whichever way it is made safe
# (refuse the value beside its field, or take it and cope with it).


def _visit_post(reg: R, **changes: str) -> dict[str, Any]:
    return {**valid_of("delegations:visit-update", reg), **changes}


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
    data = {**valid_of("delegations:gift-create", register), "on": "9999-12-31", "value": "80.00"}
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
    assert (response.status_code, response["Location"]) == (302, report.get_absolute_url())
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
    client = client_for(None, crash_as_500=True)
    response = client.post(
        reverse("login"), {"username": "olivia", "password": PASSWORD}, HTTP_USER_AGENT="Mozilla/5.0\x00"
    )
    assert (response.status_code, response.get("Location")) == (302, reverse("overview:dashboard"))


def test_signing_in_with_an_overlong_username_is_refused(register: R) -> None:
    """A username longer than the throttle's column (255) was refused by PostgreSQL: a 500."""
    client = client_for(None, crash_as_500=True)
    response = client.post(reverse("login"), {"username": "x" * 300, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signing_in_with_a_forged_forwarded_address(register: R, settings: Any) -> None:
    """An X-Forwarded-For entry that is not an address went to an inet column: a 500 on PostgreSQL."""
    settings.DEBUG = False  # the header is believed only outside DEBUG
    client = client_for(None, crash_as_500=True)
    response = client.post(
        reverse("login"), {"username": "olivia", "password": "wrong"}, HTTP_X_FORWARDED_FOR="not-an-address"
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_create_forms_refuse_nul_in_the_submission_token(register: R) -> None:
    """A create form's hidden token was stored as sent; one holding NUL was refused by PostgreSQL: a 500.
    Now it is refused as any field holding NUL is: the form comes back saying so, and neither the
    record nor a receipt for the token is saved."""
    officer = register["clients"]["officer"]
    with unchanged(partners.Place, FormSubmission):
        response = officer.post(
            reverse("partners:place-create"),
            {**VALID["partners:place-create"](register), "submission": "a1b2\x00c3"},
        )
    assert response.status_code == 200
    assert "Null characters are not allowed." in refused(response).errors_summary()
