"""What a browser sends to each form of the site, filled in from the register
built by ``tests.support.register.build_register``: valid, so that it saves.

The role matrix posts these for those who may write (and checks the save was
real); the hostile-input tests start every hostile submission from them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from partners.selectors import active_criteria
from reports.models import Report, SignOff, SignOffRole
from tests.factories import PASSWORD

R = dict[str, Any]


def version(reg: R, kind: str) -> int:
    """The version the register's record of ``kind`` is at now, as its edit page would carry."""
    return type(reg[kind]).objects.get(pk=reg[kind].pk).version


def sign_off_rows(report: Report, *, hr_cleared_by: str = "") -> dict[str, Any]:
    """The sign-off page's formset as a browser posts it, every row as it stands
    (and, with ``hr_cleared_by``, the HR officer cleared too)."""
    rows = list(SignOff.objects.filter(report=report).order_by("pk"))
    data: dict[str, Any] = {
        "signoffs-TOTAL_FORMS": str(len(rows)),
        "signoffs-INITIAL_FORMS": str(len(rows)),
        "signoffs-MIN_NUM_FORMS": "0",
        "signoffs-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        name, cleared_on = row.officer_name, row.cleared_on
        if hr_cleared_by and row.role == SignOffRole.HR:
            name, cleared_on = hr_cleared_by, cleared_on or date(2015, 8, 30)
        data[f"signoffs-{i}-id"] = str(row.pk)
        data[f"signoffs-{i}-officer_name"] = name
        data[f"signoffs-{i}-cleared_on"] = cleared_on.isoformat() if cleared_on else ""
        if row.is_required:
            data[f"signoffs-{i}-is_required"] = "on"
    return data


def cost_share_rows(reg: R) -> dict[str, Any]:
    """Derbyshire County Council 60%, Derby City Council 40%."""
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


def _triage(reg: R) -> dict[str, Any]:
    criterion = active_criteria()[0].pk
    return {
        f"score_{criterion}": "4",
        f"reason_{criterion}": "Fits the city's international strategy.",
        "scored_as": "",
    }


# The buttons: a POST that carries no data of its own.
BUTTONS = (
    "logout",
    "delegations:calendar-regenerate",
    "reports:report-revise",
    "reports:rendering-request",
    "reports:rendering-retry",
)

# Removals: the "Yes, remove it" button of the page that asks first.
REMOVALS = (
    "partners:stakeholder-delete",
    "delegations:participant-remove",
    "delegations:meeting-remove",
    "delegations:cost-item-remove",
    "reports:paragraph-delete",
    "partners:relationship-document-remove",
    "partners:approach-document-remove",
    "delegations:visit-document-remove",
    "budgets:spend-document-remove",
    "reports:report-document-remove",
)


def document(reg: R) -> dict[str, Any]:
    """A note to keep with a record, as the "Attach a document" form sends it with its file."""
    return {
        "document-title": "Notes of the call",
        "document-kind": "other",
        "document-dated": "2015-09-02",
        "document-file": SimpleUploadedFile("call-notes.txt", b"Notes of the call with the partner city.\n"),
    }


DOCUMENT_FORMS = (
    "partners:relationship-document-add",
    "partners:approach-document-add",
    "delegations:visit-document-add",
    "budgets:spend-document-add",
    "reports:report-document-add",
)

# Valid data for each POST the site takes, by URL name.
VALID: dict[str, Callable[[R], dict[str, Any]]] = {
    **dict.fromkeys(BUTTONS, lambda reg: {}),
    **dict.fromkeys(REMOVALS, lambda reg: {"confirmed": "yes"}),
    **dict.fromkeys(DOCUMENT_FORMS, document),
    # --- Personal data --------------------------------------------------------------------
    "privacy:erase": lambda reg: {"reason": "Erasure request SAR-2026-1."},
    "privacy:review-decide": lambda reg: {
        "decision": "keep",
        "reason": "Subject of an audit.",
        "months": "6",
    },
    # --- Signing in and out, and one's own settings ---------------------------------------
    "login": lambda reg: {"username": "olivia", "password": PASSWORD},
    "password_change": lambda reg: {
        "old_password": PASSWORD,
        "new_password1": "a-new-and-long-passphrase-2025",
        "new_password2": "a-new-and-long-passphrase-2025",
    },
    "overview:digest-settings": lambda reg: {"daily_digest": "on"},
    # --- The register ----------------------------------------------------------------------
    "partners:place-create": lambda reg: {
        "name": "Osnabrück",
        "local_name": "Osnabrück",
        "country": "Germany",
        "kind": "city",
    },
    "partners:place-update": lambda reg: {
        "name": "Toyota",
        "local_name": "豊田市",
        "country": "Japan",
        "kind": "city",
        "version": version(reg, "place"),
    },
    "partners:relationship-create": lambda reg: {
        "place": reg["place_without_link"].pk,
        "kind": "civic",
        "status": "exploring",
    },
    "partners:relationship-update": lambda reg: {
        "kind": "economic",
        "narrative": "Rolls-Royce joint venture underpins the link.",
        "established_year": "2015",
        "next_review_on": "2016-03-31",
        "version": version(reg, "relationship"),
    },
    "partners:relationship-status": lambda reg: {
        "to_status": "dormant",
        "note": "Quiet for a year.",
        "version": version(reg, "relationship"),
    },
    "partners:stakeholder-create": lambda reg: {
        "organisation": reg["other_organisation"].pk,
        "role": "Rail supply chain",
    },
    "partners:approach-create": lambda reg: {
        "new_place_name": "Zhejiang",
        "new_place_local_name": "浙江省",
        "new_place_country": "China",
        "new_place_kind": "province",
        "relationship_kind": "economic",
        "received_on": "2015-06-01",
        "respond_by": "2015-07-01",
        "request": "Asks for a trade visit.",
    },
    "partners:approach-update": lambda reg: {
        "received_on": "2015-06-01",
        "request": "Asks for a trade visit in the spring.",
        "respond_by": "2015-07-01",
        "responded_on": "2015-06-20",
        "outcome": "exploring",
        "version": version(reg, "approach"),
    },
    "partners:approach-triage": _triage,
    # An organisation and a contact added from within the approach form, which is posted with them.
    "partners:approach-organisation-add": lambda reg: {
        "request": "Asks for a trade visit.",
        "new_organisation-name": "Chengdu Foreign Affairs Office",
        "new_organisation-kind": "government",
        "new_organisation-country": "China",
    },
    "partners:approach-contact-add": lambda reg: {
        "request": "Asks for a trade visit.",
        "via_organisation": reg["organisation"].pk,
        "new_contact-name": "Chen Wei",
        "new_contact-job_title": "Director",
    },
    "partners:organisation-create": lambda reg: {
        "name": "UKTI",
        "kind": "government",
        "website": "https://www.gov.uk",
    },
    "partners:organisation-update": lambda reg: {
        "name": "Toyota Motor Manufacturing (UK) Ltd",
        "kind": "company",
        "website": "toyotauk.com",
        "version": version(reg, "organisation"),
    },
    "partners:contact-create": lambda reg: {
        "name": "Chen Wei",
        "job_title": "British Deputy Consul General",
        "organisation": reg["organisation"].pk,
        "email": "chen.wei@example.org",
    },
    "partners:contact-update": lambda reg: {
        "name": "A. Smith",
        "phone": "+44 1332 000000",
        "version": version(reg, "contact"),
    },
    "partners:action-create": lambda reg: {
        "title": "Discuss options",
        "status": "open",
        "relationship": reg["relationship"].pk,
        "due_on": "2015-11-30",
    },
    "partners:action-update": lambda reg: {
        "title": "Discuss options with local companies",
        "status": "in_progress",
        "version": version(reg, "action"),
    },
    "partners:exchange-create": lambda reg: {
        "relationship": reg["relationship"].pk,
        "kind": "secondment",
        "title": "Senior Policy Officer placement",
        "starts_on": "2015-09-01",
        "ends_on": "2016-08-31",
        "duration_months": "12",
    },
    "partners:exchange-update": lambda reg: {
        "relationship": reg["relationship"].pk,
        "kind": "secondment",
        "title": "Senior Policy Officer placement, 12 months",
        "version": version(reg, "exchange"),
    },
    # --- Visits and gifts --------------------------------------------------------------------
    "delegations:visit-create": lambda reg: {
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
    "delegations:visit-update": lambda reg: {
        "relationship": reg["relationship"].pk,
        "direction": "outbound",
        "purpose": "civic",
        "title": "Civic visit to Toyota City, 2015",
        "starts_on": "2015-10-12",
        "ends_on": "2015-10-16",
        "location": "Toyota City Hall",
        "funder": "council",
        "party_size": "4",
        "version": version(reg, "visit"),
    },
    "delegations:visit-status": lambda reg: {
        "to_status": "confirmed",
        "note": "Booked.",
        "version": version(reg, "visit"),
    },
    "delegations:participant-add": lambda reg: {
        "participant-name": "Paul Robinson",
        "participant-role": "officer",
    },
    "delegations:meeting-add": lambda reg: {
        "meeting-organisation": reg["other_organisation"].pk,
        "meeting-held_on": "2015-10-13",
        "meeting-outcome": "Agreed to share rail supply chain contacts.",
    },
    "delegations:cost-item-add": lambda reg: {
        "costitem-category": "travel",
        "costitem-description": "Flights",
        "costitem-quantity": "4",
        "costitem-unit_cost": "650.00",
        "costitem-funder": "council",
    },
    "delegations:cost-item-change": lambda reg: {
        "change-category": "accommodation",
        "change-description": "Hotel in Toyota, two rooms",
        "change-quantity": "8",
        "change-unit_cost": "95.00",
        "change-funder": "council",
        "change-version": version(reg, "costitem"),
    },
    "delegations:estimate-add": lambda reg: {
        "estimate-people": "4",
        "estimate-nights": "4",
        "estimate-nightly_rate": "60",
        "estimate-fare_per_person": "650",
        "estimate-civic_gifts": "240",
        "estimate-presentation_materials": "200",
        "estimate-funder": "fco",
    },
    "delegations:follow-up-add": lambda reg: {
        "follow_up-title": "Write to the Mayor of Toyota City",
        "follow_up-due_on": "2015-11-01",
    },
    "delegations:gift-create": lambda reg: {
        "direction": "received",
        "kind": "gift",
        "description": "Lacquered box",
        "value": "80.00",
        "counterparty": "Mayor of Toyota City",
        "on": "2015-10-13",
        "visit": reg["visit"].pk,
    },
    "delegations:gift-update": lambda reg: {
        "direction": "received",
        "kind": "gift",
        "description": "Derby porcelain plate with the city arms",
        "value": "145.00",
        "counterparty": "Mayor of Toyota City",
        "on": "2015-10-13",
        "declared_on": "2015-10-20",
        "version": version(reg, "gift"),
    },
    # --- Budgets -------------------------------------------------------------------------------
    "budgets:line-create": lambda reg: {
        "year": "2016",
        "cost_centre": "TW200",
        "title": "Osnabrück youth exchange",
        "amount": "1500.00",
        "funding_source": "council",
        "relationship": reg["relationship"].pk,
    },
    # The line in the register is approved: Finance alone changes it.
    "budgets:line-update": lambda reg: {
        "year": "2015",
        "cost_centre": "TW100",
        "title": "Civic visit to Toyota City",
        "amount": "4200.00",
        "funding_source": "council",
        "relationship": reg["relationship"].pk,
        "version": version(reg, "line"),
    },
    "budgets:line-decide": lambda reg: {
        "to_status": "approved",
        "note": "Within the twinning budget agreed by Cabinet.",
        "version": version(reg, "proposed_line"),
    },
    "budgets:spend-create": lambda reg: {
        "description": "Civic gifts",
        "amount": "240.00",
        "spent_on": "2015-10-01",
        "status": "estimated",
        "visit": reg["visit"].pk,
        "cost_item": reg["costitem"].pk,
    },
    "budgets:spend-update": lambda reg: {
        "budget_line": reg["spend"].budget_line_id,
        "description": "Flights to Nagoya",
        "amount": "2650.00",
        "spent_on": "2015-09-20",
        "status": "committed",
        "supplier": "Japan Airlines",
        "reference": "PO-1234",
        "version": version(reg, "spend"),
    },
    "budgets:spend-override": lambda reg: {
        "to_status": "granted",
        "note": "Agreed: the partner's booking could not wait.",
        "version": version(reg, "awaiting_spend"),
    },
    "budgets:cost-shares": cost_share_rows,
    # --- Reports -------------------------------------------------------------------------------
    "reports:report-create": lambda reg: {
        "committee": "Council Cabinet",
        "meeting_date": "2016-01-13",
        "title": "Hefei: an economic link",
        "report_of": "the Strategic Director for Neighbourhoods",
        "wards_affected": "All wards",
        "author_name": "Janie Berry",
        "contact_email": "janie.berry@derby.gov.uk",
        "background_papers": "None",
        "appendices": "Appendix 1 – Implications",
    },
    "reports:draft-from-register": lambda reg: {
        "meeting_date": "2016-01-13",
        "title": "Options for overseas links, 2016",
        "report_of": "the Strategic Director for Neighbourhoods",
    },
    "reports:report-update": lambda reg: {
        "committee": "Council Cabinet",
        "meeting_date": "2015-09-09",
        "title": "Opportunities for Overseas Economic Twinning",
        "report_of": "the Strategic Director for Communities and Place",
        "wards_affected": "Arboretum; Darley",
        "is_exempt": "on",
        "exempt_paragraph": "3",
        "public_interest_reasoning": "Commercial terms are still being agreed.",
        "contact_email": "janie.berry@derby.gov.uk",
        "background_papers": "None",
        "appendices": "Appendix 1 – Implications",
        "version": version(reg, "report"),
    },
    "reports:paragraph-add": lambda reg: {
        "paragraph-where": "body:4",
        "paragraph-text": "Xi'an is home to Xian Aerospace.",
    },
    "reports:paragraph-update": lambda reg: {
        "paragraph-where": "body:1",
        "paragraph-text": "Derby has been approached by Hefei and Zhejiang.",
        "paragraph-version": version(reg, "paragraph"),
    },
    "reports:paragraph-move": lambda reg: {"direction": "down"},
    "reports:sign-offs": lambda reg: sign_off_rows(reg["report"], hr_cleared_by="Liz Moore"),
    "reports:report-approve": lambda reg: {"version": version(reg, "report")},
    "reports:report-publish": lambda reg: {"version": version(reg, "approved_report")},
    "reports:decision-record": lambda reg: {
        "decision": "Cabinet agreed to renew the link with Toyota City for five years.",
        "decision_date": "2015-07-15",
        "decision_reasons": "The link supports Toyota Motor Manufacturing UK's investment.",
        "alternatives_rejected": "Letting the link lapse.",
        "conflicts_declared": "None",
        "version": version(reg, "approved_report"),
    },
}
