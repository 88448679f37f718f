"""Visits as an officer plans and records them: the visit page and its parts,
what a visit costs, its status moves, its follow-ups, the list of visits and
where visits show on the register's place and relationship pages.

The visit page holds several small forms, each posting to its own address and
each with a prefix on its field names (participant-, meeting-, costitem-,
estimate-, follow_up-); some labels appear on more than one of them ("Who
pays"). So each form is read on its own (``form_posting_to``), its fields
found by label and filled as a person would, choices picked by visible text
(see tests/support/pages.py).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from core.status import RuleBroken
from delegations import services
from delegations.models import (
    CostCategory,
    CostItem,
    Funder,
    Participant,
    Visit,
    VisitFollowUp,
    VisitStatus,
    VisitStatusChange,
)
from delegations.selectors import visit_detail, visit_estimate
from partners.models import Action
from tests import factories as make
from tests.support.pages import (
    HX,
    Node,
    Page,
    asked_to_remove,
    kept_at,
    open_list,
    press,
    record_page,
    remove,
    said,
    sorted_by,
    within,
)

# --- Reading the visit page ---------------------------------------------------------


def post_part(
    client: Client, visit: Visit, url_name: str, values: dict[str, Any], *, status: int = 302, **headers: str
) -> Any:
    """Fills the visit page's form that posts to ``url_name`` and sends it."""
    url = reverse(f"delegations:{url_name}", args=[visit.pk])
    data = record_page(client, visit).form_posting_to(url).fill(values)
    response = client.post(url, data, **headers)
    assert response.status_code == status, f"{url_name}: expected {status}, got {response.status_code}: " + (
        Page(response).errors_summary() if response.status_code != 302 else response["Location"]
    )
    return response


def estimate_text(page: Page) -> str:
    return said(page.section("Estimate"))


# --- Fixtures --------------------------------------------------------------------------


# --- The estimate -------------------------------------------------------------------


def test_the_estimate_sums_exactly_in_decimal(officer_client: Client, xian: Any) -> None:
    visit = make.VisitFactory(relationship=xian, funder=Funder.COUNCIL)
    post_part(
        officer_client,
        visit,
        "cost-item-add",
        {"Category": "Subsistence", "Description": "Lunches", "Quantity": "3", "Unit cost (£)": "33.33"},
    )
    post_part(
        officer_client,
        visit,
        "cost-item-add",
        {"Category": "Other", "Description": "Rounding", "Quantity": "1", "Unit cost (£)": "0.01"},
    )

    estimate = visit_estimate(visit_detail().get(pk=visit.pk))
    assert estimate.total == Decimal("100.00")
    assert isinstance(estimate.total, Decimal)
    assert str(estimate.total) == "100.00"
    page = record_page(officer_client, visit)
    assert "Estimated cost: £100." in estimate_text(page)
    assert within(page.section("Estimate")).column("Total") == ["£0.01", "£99.99"]
    assert "Total estimate £100" in estimate_text(page)
    # The list of visits sums the same cost items to the same penny.
    visits = open_list(officer_client, reverse("delegations:visit-list"))
    assert visits.column("Estimate") == ["£100"]


def test_a_cost_item_s_half_penny_rounds_up_as_money_is_shown(officer_client: Client, xian: Any) -> None:
    visit = make.VisitFactory(relationship=xian)
    make.CostItemFactory(visit=visit, quantity=Decimal("0.5"), unit_cost=Decimal("12.25"))

    assert visit_estimate(visit_detail().get(pk=visit.pk)).total == Decimal("6.13")
    assert within(record_page(officer_client, visit).section("Estimate")).column("Total") == ["£6.13"]


def test_the_estimate_is_split_by_who_pays(officer_client: Client, xian: Any) -> None:
    visit = make.VisitFactory(relationship=xian, funder=Funder.COUNCIL)
    lines = [
        ("Travel", "2", "125.50", "The council"),
        ("Accommodation", "16", "62.50", "Foreign and Commonwealth Office"),
        ("Civic gifts", "1", "99.99", "The partner"),
        ("Subsistence", "4", "0.25", "The council"),
    ]
    for category, quantity, unit_cost, funder in lines:
        post_part(
            officer_client,
            visit,
            "cost-item-add",
            {"Category": category, "Quantity": quantity, "Unit cost (£)": unit_cost, "Who pays": funder},
        )

    text = estimate_text(record_page(officer_client, visit))
    assert "Paid by: The council £252" in text
    assert "Paid by: Foreign and Commonwealth Office £1,000" in text
    assert "Paid by: The partner £99.99" in text
    assert "Total estimate £1,351.99" in text
    assert "Estimated cost: £1,351.99. Cost to the council: £252." in text
    assert "the council pays nothing" not in text
    estimate = visit_estimate(visit_detail().get(pk=visit.pk))
    assert estimate.by_funder == {
        Funder.COUNCIL: Decimal("252.00"),
        Funder.FCO: Decimal("1000.00"),
        Funder.PARTNER: Decimal("99.99"),
    }
    assert estimate.council_cost == Decimal("252.00")


def test_a_visit_funded_by_the_fco_costs_the_council_nothing(
    officer_client: Client, china_visit: Visit
) -> None:
    url = reverse("delegations:cost-item-add", args=[china_visit.pk])
    form = record_page(officer_client, china_visit).form_posting_to(url)
    # A new cost item is paid by whoever pays for the visit unless said otherwise.
    assert form.value("Who pays") == Funder.FCO
    post_part(
        officer_client,
        china_visit,
        "cost-item-add",
        {"Category": "Travel", "Quantity": "4", "Unit cost (£)": "650"},
    )

    text = estimate_text(record_page(officer_client, china_visit))
    assert "Estimated cost: £2,600." in text
    assert "Cost to the council: £0 – the council pays nothing." in text
    assert CostItem.objects.get(visit=china_visit).funder == Funder.FCO


def test_a_visit_with_no_costs_yet_says_so(officer_client: Client, china_visit: Visit) -> None:
    text = estimate_text(record_page(officer_client, china_visit))
    assert "Estimated cost: £0. Cost to the council: £0." in text
    assert "No cost items yet." in text
    assert "the council pays nothing" not in text, "Nothing estimated is not the same as the FCO paying"


def test_quick_estimate_for_four_people_four_nights_in_china(
    officer_client: Client, china_visit: Visit
) -> None:
    url = reverse("delegations:estimate-add", args=[china_visit.pk])
    form = record_page(officer_client, china_visit).form_posting_to(url)
    # What the visit already says fills the estimator: 4 travelling, 4 nights, the FCO pays.
    assert (form.value("People travelling"), form.value("Nights"), form.value("Who pays")) == (
        "4",
        "4",
        "fco",
    )

    response = post_part(
        officer_client,
        china_visit,
        "estimate-add",
        {
            "Nightly rate per person (£)": "60",
            "Fare per person (£)": "650",
            "Civic gifts (£)": "240",
            "Presentation materials (£)": "200",
        },
    )
    # Back to the visit at its estimate, where the items were added.
    assert response["Location"] == china_visit.get_absolute_url() + "#estimate"

    items = {
        item.category: (item.quantity, item.unit_cost, item.funder)
        for item in CostItem.objects.filter(visit=china_visit)
    }
    assert items == {
        CostCategory.ACCOMMODATION: (Decimal("16"), Decimal("60"), Funder.FCO),
        CostCategory.TRAVEL: (Decimal("4"), Decimal("650"), Funder.FCO),
        CostCategory.CIVIC_GIFTS: (Decimal("1"), Decimal("240"), Funder.FCO),
        CostCategory.PRESENTATION: (Decimal("1"), Decimal("200"), Funder.FCO),
    }
    for item in CostItem.objects.filter(visit=china_visit):
        assert item.history.count() == 1
    assert visit_estimate(visit_detail().get(pk=china_visit.pk)).total == Decimal("4000.00")

    page = Page(officer_client.get(response["Location"]))
    assert "4 cost items were added from the quick estimate." in page.text
    text = estimate_text(page)
    assert "Estimated cost: £4,000." in text
    assert "Cost to the council: £0 – the council pays nothing." in text
    assert within(page.section("Estimate")).column("Item") == [
        "4 people x 4 nights",
        "Civic gifts",
        "Presentation materials",
        "Fares for 4 people",
    ]


def test_quick_estimate_adds_only_the_parts_that_cost_something(officer_client: Client, xian: Any) -> None:
    visit = make.VisitFactory(relationship=xian, starts_on=None, ends_on=None, funder=Funder.COUNCIL)
    post_part(
        officer_client,
        visit,
        "estimate-add",
        {
            "People travelling": "2",
            "Nights": "0",
            "Nightly rate per person (£)": "0",
            "Fare per person (£)": "425.50",
        },
    )
    item = CostItem.objects.get(visit=visit)
    assert (item.category, item.quantity, item.unit_cost, item.funder) == (
        CostCategory.TRAVEL,
        Decimal("2"),
        Decimal("425.50"),
        Funder.COUNCIL,
    )
    assert "Cost to the council: £851." in estimate_text(record_page(officer_client, visit))


def test_quick_estimate_is_saved_whole_or_not_at_all(china_visit: Visit, monkeypatch: Any) -> None:
    """If the fourth cost item cannot be saved, the first three are not kept either."""
    real_create = CostItem.objects.create
    calls: list[int] = []

    def create_failing_on_the_fourth(**fields: Any) -> CostItem:
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("the database went away")
        return real_create(**fields)

    monkeypatch.setattr(CostItem.objects, "create", create_failing_on_the_fourth)
    pounds = {
        "nightly_rate": "60",
        "fare_per_person": "650",
        "civic_gifts": "240",
        "presentation_materials": "200",
    }
    amounts = {name: Decimal(value) for name, value in pounds.items()}
    estimate = services.QuickEstimate(people=4, nights=4, funder=Funder.FCO, **amounts)
    assert estimate.total == Decimal("4000.00")
    with pytest.raises(RuntimeError):
        services.visit_add_estimate(visit=china_visit, estimate=estimate)
    assert len(calls) == 4
    assert not CostItem.objects.filter(visit=china_visit).exists()


@pytest.mark.parametrize(
    "values",
    [
        {
            "People travelling": "4",
            "Nights": "4",
            "Nightly rate per person (£)": "0",
            "Fare per person (£)": "0",
        },
        {
            "People travelling": "4",
            "Nights": "0",
            "Nightly rate per person (£)": "60",
            "Fare per person (£)": "0",
        },
    ],
    ids=["all zero", "rate but no nights"],
)
def test_an_estimate_of_nothing_is_refused(officer_client: Client, china_visit: Visit, values: Any) -> None:
    response = post_part(officer_client, china_visit, "estimate-add", values, status=400)
    page = Page(response)
    assert "The estimate comes to nothing: give at least one rate or amount." in page.errors_summary()
    assert not CostItem.objects.filter(visit=china_visit).exists()
    assert CostItem.history.count() == 0


# --- Status -----------------------------------------------------------------------------


def test_a_new_visit_starts_only_as_proposed_or_confirmed(officer_client: Client, xian: Any) -> None:
    page = Page(officer_client.get(reverse("delegations:visit-create")))
    assert page.options("Status to start in") == ["Proposed", "Confirmed"]


def test_planning_a_visit_records_its_first_status_and_who(
    officer_client: Client, officer: Any, xian: Any
) -> None:
    url = reverse("delegations:visit-create")
    form = Page(officer_client.get(url))
    data = within(form.form_of("Title")).fill(
        {
            "Relationship": str(xian),
            "Direction": "Outbound (from us)",
            "Purpose": "Exploratory",
            "Title": "Exploratory visit to China",
            "Status to start in": "Confirmed",
            "Who pays": "Foreign and Commonwealth Office",
            "Number expected to travel": "4",
        },
    )
    response = officer_client.post(url, data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert response["Location"] == visit.get_absolute_url()
    assert (visit.status, visit.funder, visit.party_size, visit.relationship) == ("confirmed", "fco", 4, xian)
    change = VisitStatusChange.objects.get(visit=visit)
    assert (change.from_status, change.to_status, change.changed_by) == ("", "confirmed", officer)
    assert visit.history.count() == 1

    page = Page(officer_client.get(response["Location"]))
    assert "new → Confirmed by Olivia Officer" in page.section("Status history").text
    assert "No participants recorded; 4 expected to travel." in page.section("Participants").text


def test_completing_a_visit_with_participants_is_recorded_with_who(
    officer_client: Client, officer: Any, china_visit: Visit
) -> None:
    china_visit.status = VisitStatus.CONFIRMED
    china_visit.save()
    make.ParticipantFactory(visit=china_visit, name="Cllr Ranjit Banwait", role="member")
    before = china_visit.history.count()

    page = record_page(officer_client, china_visit)
    assert page.options("New status") == ["Proposed", "Completed", "Cancelled"]
    post_part(
        officer_client,
        china_visit,
        "visit-status",
        {"New status": "Completed", "Reason for the change": "Back from Xi'an and Hefei."},
    )

    china_visit.refresh_from_db()
    assert china_visit.status == VisitStatus.COMPLETED
    change = china_visit.status_changes.last()
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "confirmed",
        "completed",
        officer,
        "Back from Xi'an and Hefei.",
    )
    assert china_visit.history.count() == before + 1
    page = record_page(officer_client, china_visit)
    assert "Confirmed → Completed by Olivia Officer – Back from Xi'an and Hefei." in said(
        page.section("Status history")
    )
    assert "New status" not in page.labels(), "A completed visit is still offered status moves"


def test_a_proposed_visit_cannot_jump_to_completed(officer_client: Client, china_visit: Visit) -> None:
    make.ParticipantFactory(visit=china_visit)
    url = reverse("delegations:visit-status", args=[china_visit.pk])
    # Not offered; a post that asks anyway is refused in words beside the field.
    assert "Completed" not in record_page(officer_client, china_visit).options("New status")
    response = officer_client.post(url, {"to_status": "completed", "version": china_visit.version})

    assert response.status_code == 400
    page = Page(response)
    assert page.field_error("New status") == "A visit cannot move from Proposed to Completed."
    china_visit.refresh_from_db()
    assert china_visit.status == VisitStatus.PROPOSED
    assert china_visit.status_changes.count() == 1


FINAL_MOVES = [
    (final, to)
    for final in (VisitStatus.COMPLETED, VisitStatus.CANCELLED)
    for to in VisitStatus.values
    if to != final
]


@pytest.mark.parametrize(("final", "to"), FINAL_MOVES, ids=[f"{f}-to-{t}" for f, t in FINAL_MOVES])
def test_a_completed_or_cancelled_visit_stays_so(
    officer_client: Client, xian: Any, final: str, to: str
) -> None:
    visit = make.VisitFactory(relationship=xian, status=final)
    make.ParticipantFactory(visit=visit)
    page = record_page(officer_client, visit)
    assert "New status" not in page.labels()

    url = reverse("delegations:visit-status", args=[visit.pk])
    response = officer_client.post(url, {"to_status": to, "version": visit.version})
    assert response.status_code == 400
    summary = Page(response).errors_summary()
    assert f"A visit cannot move from {VisitStatus(final).label} to {VisitStatus(to).label}." in summary
    visit.refresh_from_db()
    assert visit.status == final
    assert visit.status_changes.count() == 1


# --- Participants, added and removed in place (htmx) ---------------------------------------


def section_of(response: Any) -> Page:
    """An htmx answer: the participants section alone, ready to replace the old one."""
    html = response.content.decode()
    assert "<html" not in html and "<body" not in html, "htmx got a whole page, not the section"
    page = Page(html)
    top = [n for n in page.root.children if isinstance(n, Node)]
    assert [(n.tag, n.attrs.get("id")) for n in top] == [("section", "participants")], (
        "The answer must be the #participants section alone, so that it can be swapped in again"
    )
    return page


def added_in_place(client: Client, visit: Visit, name: str, role: str) -> Page:
    """The participant form filled in and sent as htmx sends it: the section that comes back
    (htmx swaps in only a success, so refused too it comes back with 200)."""
    response = post_part(client, visit, "participant-add", {"Name": name, "Role": role}, status=200, **HX)
    return section_of(response)


def live_message(page: Page) -> str:
    regions = [n for n in page.root.find_all("div") if n.attrs.get("role") == "status"]
    assert len(regions) == 1
    assert regions[0].attrs.get("aria-live") == "polite"
    return regions[0].text


def test_a_participant_added_with_htmx_comes_back_in_the_section(
    officer_client: Client, china_visit: Visit
) -> None:
    make.ParticipantFactory(visit=china_visit, name="Paul Robinson", role="officer")
    section = added_in_place(officer_client, china_visit, "Cllr Ranjit Banwait", "Elected Member")
    assert section.column("Name") == ["Cllr Ranjit Banwait", "Paul Robinson"]
    assert section.column("Role") == ["Elected Member", "Officer"]
    assert live_message(section) == "Cllr Ranjit Banwait was added to the participants."
    # The form comes back empty, ready for the next name, still posting in place.
    url = reverse("delegations:participant-add", args=[china_visit.pk])
    form = section.form_posting_to(url)
    assert form.value("Name") == ""
    assert form.root.attrs.get("hx-post") == url
    assert form.root.attrs.get("hx-target") == "#participants"
    participant = Participant.objects.get(visit=china_visit, name="Cllr Ranjit Banwait")
    assert participant.history.count() == 1


def test_a_participant_added_twice_with_htmx_is_refused_beside_the_name(
    officer_client: Client, china_visit: Visit
) -> None:
    make.ParticipantFactory(visit=china_visit, name="Zhang Wei", role="partner_official")
    section = added_in_place(officer_client, china_visit, "ZHANG WEI", "Partner official")
    assert section.field_error("Name") == "This person is already a participant in this visit."
    assert section.value("Name") == "ZHANG WEI"
    assert "There is a problem" in section.text
    assert live_message(section) == ""
    assert section.column("Name") == ["Zhang Wei"]
    assert Participant.objects.filter(visit=china_visit).count() == 1


def test_without_htmx_adding_a_participant_goes_back_to_the_visit(
    officer_client: Client, china_visit: Visit
) -> None:
    response = post_part(
        officer_client, china_visit, "participant-add", {"Name": "Paul Robinson", "Role": "Officer"}
    )
    assert response["Location"] == china_visit.get_absolute_url()
    page = Page(officer_client.get(response["Location"]))
    assert "Paul Robinson was added to the participants." in page.text
    assert within(page.section("Participants")).column("Name") == ["Paul Robinson"]


def test_removing_a_participant_asks_first(officer_client: Client, china_visit: Visit) -> None:
    stays = make.ParticipantFactory(visit=china_visit, name="Paul Robinson")
    goes = make.ParticipantFactory(visit=china_visit, name="Cllr Ranjit Banwait", role="member")

    page = within(record_page(officer_client, china_visit).section("Participants"))
    asked = asked_to_remove(officer_client, page, "Remove Cllr Ranjit Banwait")
    assert asked.root.find_all("h1")[0].text == "Remove Cllr Ranjit Banwait from the visit's participants?"
    assert asked.link("No, keep it") == f"{china_visit.get_absolute_url()}#participants"
    assert kept_at(officer_client, asked) == "Participants"
    assert Participant.objects.filter(pk=goes.pk).exists()

    response = press(officer_client, asked, "Yes, remove it")
    assert response["Location"] == china_visit.get_absolute_url()
    page = record_page(officer_client, china_visit)
    assert "Cllr Ranjit Banwait was removed from the participants." in page.text
    assert within(page.section("Participants")).column("Name") == ["Paul Robinson"]
    assert list(Participant.objects.filter(visit=china_visit)) == [stays]


def test_a_confirmed_removal_sent_with_htmx_answers_with_the_participants(
    officer_client: Client, china_visit: Visit
) -> None:
    make.ParticipantFactory(visit=china_visit, name="Paul Robinson")
    goes = make.ParticipantFactory(visit=china_visit, name="Deputy Consul General", role="consular")
    url = reverse("delegations:participant-remove", args=[goes.pk])
    section = section_of(officer_client.post(url, {"confirmed": "yes"}, **HX))
    assert section.column("Name") == ["Paul Robinson"]
    assert live_message(section) == "Deputy Consul General was removed from the participants."


def test_a_completed_visit_keeps_its_last_participant(officer_client: Client, china_visit: Visit) -> None:
    """A visit is completed only with participants, so removing the last one afterwards is refused."""
    make.ParticipantFactory(visit=china_visit, name="Paul Robinson")
    last = make.ParticipantFactory(visit=china_visit, name="Cllr Ranjit Banwait", role="member")
    Visit.objects.filter(pk=china_visit.pk).update(status=VisitStatus.COMPLETED)

    remove(officer_client, record_page(officer_client, china_visit), "Remove Paul Robinson")
    page = record_page(officer_client, china_visit)
    assert within(page.section("Participants")).column("Name") == ["Cllr Ranjit Banwait"]

    # Told on pressing "Remove", not asked first and refused after "Yes, remove it".
    refusal = (
        "A completed visit keeps at least one participant: record who did take part before removing "
        "Cllr Ranjit Banwait."
    )
    response = officer_client.get(page.link("Remove Cllr Ranjit Banwait"))
    assert response["Location"] == china_visit.get_absolute_url()
    assert refusal in Page(officer_client.get(response["Location"])).text
    in_place = section_of(officer_client.get(page.link("Remove Cllr Ranjit Banwait"), **HX))
    assert live_message(in_place) == refusal
    assert in_place.column("Name") == ["Cllr Ranjit Banwait"]

    # A question answered after the other participant went is refused all the same.
    url = reverse("delegations:participant-remove", args=[last.pk])
    response = officer_client.post(url, {"confirmed": "yes", "record": china_visit.pk})
    assert refusal in Page(officer_client.get(response["Location"])).text
    assert list(Participant.objects.filter(visit=china_visit)) == [last]


def test_a_read_only_role_cannot_add_participants_with_htmx(
    leader_client: Client, china_visit: Visit
) -> None:
    url = reverse("delegations:participant-add", args=[china_visit.pk])
    response = leader_client.post(url, {"participant-name": "X", "participant-role": "officer"}, **HX)
    assert response.status_code == 403
    assert not Participant.objects.exists()
    assert "Add a participant" not in record_page(leader_client, china_visit).text


# --- Meetings --------------------------------------------------------------------------


def test_a_meeting_is_recorded_and_removed(officer_client: Client, china_visit: Visit) -> None:
    rail = make.OrganisationFactory(name="Derby and Derbyshire Rail")
    post_part(
        officer_client,
        china_visit,
        "meeting-add",
        {"Organisation": rail.name, "When": "2015-11-03", "What came of it": "A rail supply chain visit."},
    )
    page = record_page(officer_client, china_visit)
    assert "The meeting with Derby and Derbyshire Rail was recorded." in page.text
    meetings = said(page.section("Meetings"))
    assert "Derby and Derbyshire Rail, 3 November 2015: A rail supply chain visit." in meetings
    meeting = china_visit.meetings.get()
    asked = asked_to_remove(
        officer_client,
        record_page(officer_client, china_visit),
        "Remove meeting with Derby and Derbyshire Rail",
    )
    assert asked.root.find_all("h1")[0].text == "Remove the meeting with Derby and Derbyshire Rail?"
    assert kept_at(officer_client, asked) == "Meetings"
    assert press(officer_client, asked, "Yes, remove it").status_code == 302
    assert not china_visit.meetings.filter(pk=meeting.pk).exists()
    assert (
        "The meeting with Derby and Derbyshire Rail was removed."
        in record_page(officer_client, china_visit).text
    )
    assert "No meetings recorded." in record_page(officer_client, china_visit).section("Meetings").text


# --- Follow-ups ------------------------------------------------------------------------------


def test_a_follow_up_becomes_an_action_of_the_relationship_linked_to_the_visit(
    officer_client: Client, officer: Any, china_visit: Visit
) -> None:
    post_part(
        officer_client,
        china_visit,
        "follow-up-add",
        {
            "Title": "Discuss Derby's options with key local companies",
            "Owner": "Olivia Officer",
            "Due": "2030-01-31",
        },
    )
    action = Action.objects.get()
    assert action.relationship == china_visit.relationship
    assert (action.title, action.owner, action.due_on) == (
        "Discuss Derby's options with key local companies",
        officer,
        date(2030, 1, 31),
    )
    assert VisitFollowUp.objects.get().visit == china_visit
    assert action.history.count() == 1

    page = record_page(officer_client, china_visit)
    follow_ups = within(page.section("Follow-up actions"))
    assert "Discuss Derby's options with key local companies – Open, due 31 January 2030" in said(
        follow_ups.root
    )
    assert follow_ups.link("Discuss Derby's options with key local companies") == action.get_absolute_url()
    # And the relationship's own page lists it among its actions.
    relationship = officer_client.get(china_visit.relationship.get_absolute_url()).content.decode()
    assert "Discuss Derby&#x27;s options with key local companies" in relationship


# --- The place and relationship pages ----------------------------------------------------


CHINA_DATES = (date(2015, 11, 2), date(2015, 11, 6))


@pytest.fixture
def xian_visits(xian: Any) -> dict[str, Visit]:
    """A dated visit, one dated only roughly (inbound and completed), and one not dated at all."""
    fields = ("title", "direction", "purpose", "starts_on", "ends_on", "status", "dates_are_approximate")
    table = {
        "dated": ("Exploratory visit to China", "outbound", "exploratory", *CHINA_DATES, "proposed", False),
        "approximate": (
            "Xian Aerospace delegation",
            "inbound",
            "trade",
            date(2015, 10, 1),
            None,
            "completed",
            True,
        ),
        "undated": ("Return civic visit", "outbound", "civic", None, None, "proposed", False),
    }
    return {
        key: make.VisitFactory(relationship=xian, **dict(zip(fields, row, strict=True)))
        for key, row in table.items()
    }


def test_the_place_page_lists_its_visits(leader_client: Client, xian: Any, xian_visits: Any) -> None:
    page = Page(leader_client.get(xian.place.get_absolute_url()))
    visits = within(page.section("Visits"))
    assert visits.column("Visit") == [
        "Exploratory visit to China",
        "Xian Aerospace delegation",
        "Return civic visit",
    ]
    assert visits.column("Dates") == [
        "2 November 2015 to 6 November 2015",
        "About October 2015",
        "Not recorded",
    ]
    assert visits.column("Direction") == ["Outbound (from us)", "Inbound (to us)", "Outbound (from us)"]
    assert visits.link("Xian Aerospace delegation") == xian_visits["approximate"].get_absolute_url()


def timeline_lines(page: Page) -> list[str]:
    return [said(li) for li in page.section("Timeline").find_all("li")]


def test_the_place_timeline_shows_its_visits(leader_client: Client, xian: Any, xian_visits: Any) -> None:
    lines = timeline_lines(Page(leader_client.get(xian.place.get_absolute_url())))
    assert "2 November 2015: Visit to Xi'an: Exploratory visit to China Exploratory, proposed" in lines
    assert any(line.startswith("Date not recorded: Visit to Xi'an: Return civic visit") for line in lines)
    # In date order, undated last.
    titles = [line for line in lines if "Visit " in line]
    assert titles[-1].startswith("Date not recorded")


def test_the_place_timeline_shows_an_approximate_visit_by_its_month(
    leader_client: Client, xian: Any, xian_visits: Any
) -> None:
    lines = timeline_lines(Page(leader_client.get(xian.place.get_absolute_url())))
    approximate = [line for line in lines if "Xian Aerospace delegation" in line]
    assert len(approximate) == 1
    assert approximate[0].startswith("About October 2015: Visit from Xi'an: Xian Aerospace delegation")


def test_the_relationship_page_lists_its_visits_and_offers_to_plan_one(
    officer_client: Client, xian: Any, xian_visits: Any
) -> None:
    other = make.VisitFactory(title="Visit to somewhere else")
    page = Page(officer_client.get(xian.get_absolute_url()))
    visits = within(page.section("Visits"))
    assert visits.column("Visit") == [
        "Exploratory visit to China",
        "Xian Aerospace delegation",
        "Return civic visit",
    ]
    assert visits.column("Dates")[1] == "About October 2015"
    assert visits.column("Status") == ["Proposed", "Completed", "Proposed"]
    assert other.title not in page.text

    link = visits.link("Plan or record a visit")
    assert link == reverse("delegations:visit-create") + f"?relationship={xian.pk}"
    assert Page(officer_client.get(link)).value("Relationship") == str(xian.pk)


def test_the_relationship_page_shows_what_a_visit_is_estimated_to_cost(
    leader_client: Client, china_visit: Visit
) -> None:
    make.CostItemFactory(
        visit=china_visit, quantity=Decimal("16"), unit_cost=Decimal("62.50"), funder=Funder.FCO
    )
    visits = within(Page(leader_client.get(china_visit.relationship.get_absolute_url())).section("Visits"))
    assert visits.column("Estimate") == ["£1,000"]


# visit_list() once summed the costs over a join that also counted the participants,
# so £4,000 with four people showed as £16,000 wherever visits are listed.
@pytest.mark.parametrize("where", ["visit list", "relationship page", "place page"])
def test_the_estimate_shown_in_lists_does_not_grow_with_participants(
    leader_client: Client, china_visit: Visit, where: str
) -> None:
    make.CostItemFactory(
        visit=china_visit, quantity=Decimal("16"), unit_cost=Decimal("62.50"), funder=Funder.FCO
    )
    make.CostItemFactory(
        visit=china_visit, quantity=Decimal("1"), unit_cost=Decimal("3000"), funder=Funder.FCO
    )
    for name in ("Paul Robinson", "Cllr Ranjit Banwait", "Cllr Martin Repton", "Deputy Consul General"):
        make.ParticipantFactory(visit=china_visit, name=name)
    url = {
        "visit list": reverse("delegations:visit-list"),
        "relationship page": china_visit.relationship.get_absolute_url(),
        "place page": china_visit.relationship.place.get_absolute_url(),
    }[where]
    page = Page(leader_client.get(url))
    table = page if where == "visit list" else within(page.section("Visits"))
    assert table.column("Estimate") == ["£4,000"]
    if where == "visit list":
        assert table.column("People") == ["4"]


def test_a_role_without_visits_does_not_see_them_on_the_place_page(
    outsider_client: Client, xian: Any, xian_visits: Any
) -> None:
    assert outsider_client.get(xian.place.get_absolute_url()).status_code == 403


# --- The list of visits ---------------------------------------------------------------------


def link(name: str, local_name: str, country: str, kind: str = "economic") -> Any:
    return make.RelationshipFactory(
        place=make.PlaceFactory(name=name, local_name=local_name, country=country), kind=kind
    )


@pytest.fixture
def visits(db: Any) -> dict[str, Visit]:
    """Four visits, each to or from a place of its own, one of each direction, purpose, status and funder."""
    xian, hefei = link("Xi'an", "西安市", "China"), link("Hefei", "合肥市", "China")
    toyota = link("Toyota City", "豊田市", "Japan", "civic")
    osnabrueck = link("Osnabrück", "", "Germany", "educational")
    fields = ("relationship", "title", "direction", "purpose", "status", "funder")
    table = {
        "china": (xian, "Exploratory visit to China", "outbound", "exploratory", "proposed", "fco"),
        "hefei": (hefei, "Hefei rail delegation", "inbound", "trade", "confirmed", "partner"),
        "toyota": (toyota, "Toyota City civic visit", "outbound", "civic", "completed", "council"),
        "osnabrueck": (
            osnabrueck,
            "Osnabrück schools exchange",
            "inbound",
            "educational",
            "cancelled",
            "company",
        ),
    }
    dates = {
        "china": (date(2015, 10, 12), date(2015, 10, 16)),
        "hefei": (date(2015, 10, 20), date(2015, 10, 21)),
        "toyota": (date(2016, 5, 3), date(2016, 5, 6)),
        "osnabrueck": (None, None),
    }
    more = {
        "china": {"party_size": 4},
        "hefei": {"location": "Derby Roundhouse"},
        "osnabrueck": {"funder_organisation": make.OrganisationFactory(name="Rolls-Royce")},
    }
    return {
        key: make.VisitFactory(
            **dict(zip(fields, row, strict=True)),
            starts_on=dates[key][0],
            ends_on=dates[key][1],
            **more.get(key, {}),
        )
        for key, row in table.items()
    }


ALL_NEWEST_FIRST = [
    "Toyota City civic visit",
    "Hefei rail delegation",
    "Exploratory visit to China",
    "Osnabrück schools exchange",
]


def test_the_list_shows_newest_first_undated_last(leader_client: Client, visits: Any) -> None:
    page = open_list(leader_client, reverse("delegations:visit-list"))
    assert page.column("Visit") == ALL_NEWEST_FIRST
    assert page.column("Place") == ["Toyota City", "Hefei", "Xi'an", "Osnabrück"]
    assert page.column("Dates") == [
        "3 May 2016 to 6 May 2016",
        "20 October 2015 to 21 October 2015",
        "12 October 2015 to 16 October 2015",
        "Not recorded",
    ]
    assert page.column("Who pays") == [
        "The council",
        "The partner",
        "Foreign and Commonwealth Office",
        "A company (Rolls-Royce)",
    ]
    assert page.column("People") == ["—", "—", "4 expected", "—"]


@pytest.mark.parametrize(
    ("chosen", "found"),
    [
        ({"Direction": "Inbound (to us)"}, ["Hefei rail delegation", "Osnabrück schools exchange"]),
        ({"Status": "Completed"}, ["Toyota City civic visit"]),
        ({"Place": "hefei"}, ["Hefei rail delegation"]),
        ({"Place": "合肥"}, ["Hefei rail delegation"]),
        ({"Purpose": "Educational"}, ["Osnabrück schools exchange"]),
        ({"Year": "2015"}, ["Hefei rail delegation", "Exploratory visit to China"]),
        ({"Who_pays": "Foreign and Commonwealth Office"}, ["Exploratory visit to China"]),
        ({"Direction": "Outbound (from us)", "Year": "2015"}, ["Exploratory visit to China"]),
        ({"Search": "合肥"}, ["Hefei rail delegation"]),
        ({"Search": "ROUNDHOUSE"}, ["Hefei rail delegation"]),
        ({"Search": "exchange"}, ["Osnabrück schools exchange"]),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_the_list_is_filtered(leader_client: Client, visits: Any, chosen: Any, found: list[str]) -> None:
    page = open_list(leader_client, reverse("delegations:visit-list"), **chosen)
    assert page.column("Visit") == found


def test_the_year_filter_offers_the_years_with_visits(leader_client: Client, visits: Any) -> None:
    assert open_list(leader_client, reverse("delegations:visit-list")).options("Year") == ["2016", "2015"]


def test_a_search_that_matches_nothing_says_so(leader_client: Client, visits: Any) -> None:
    page = open_list(leader_client, reverse("delegations:visit-list"), Search="Osaka")
    assert "No visits match." in page.text


def test_the_list_is_sorted_by_a_column_header(leader_client: Client, visits: Any) -> None:
    by_title = sorted_by(leader_client, reverse("delegations:visit-list"), "Visit").column("Visit")
    assert by_title == sorted(ALL_NEWEST_FIRST)
    assert sorted_by(leader_client, reverse("delegations:visit-list"), "Visit", times=2).column(
        "Visit"
    ) == sorted(ALL_NEWEST_FIRST, reverse=True)
    assert sorted_by(leader_client, reverse("delegations:visit-list"), "Place").column("Place") == [
        "Hefei",
        "Osnabrück",
        "Toyota City",
        "Xi'an",
    ]
    by_date = sorted_by(leader_client, reverse("delegations:visit-list"), "Dates").column("Visit")
    assert [v for v in by_date if v != "Osnabrück schools exchange"] == list(reversed(ALL_NEWEST_FIRST[:3]))
    statuses = sorted_by(leader_client, reverse("delegations:visit-list"), "Status", times=2).column("Status")
    assert statuses == sorted(statuses, reverse=True)


def test_the_list_is_paged(leader_client: Client, xian: Any) -> None:
    size = settings.PAGE_SIZE
    total = 30
    assert total > size
    Visit.objects.bulk_create(
        Visit(
            relationship=xian,
            direction="outbound",
            purpose="trade",
            title=f"Trade mission {i:02d}",
            starts_on=date(2015, 1, 1 + i),
        )
        for i in range(total)
    )
    first = open_list(leader_client, reverse("delegations:visit-list"), Direction="Outbound (from us)")
    assert len(first.column("Visit")) == size
    assert f"Showing 1–{size} of {total}" in first.text
    assert "Page 1 of 2" in first.text

    second = Page(leader_client.get(reverse("delegations:visit-list") + first.link("Next page")))
    assert second.column("Visit") == [f"Trade mission {i:02d}" for i in reversed(range(total - size))]
    assert "Page 2 of 2" in second.text
    assert "direction=outbound" in first.link("Next page"), "Paging drops the filter"


def test_the_list_survives_nonsense_in_its_address(leader_client: Client, visits: Any) -> None:
    response = leader_client.get(
        reverse("delegations:visit-list") + "?year=abc&ordering=-nope&page=1&direction=sideways"
    )
    assert response.status_code == 200
    page = Page(response)
    assert "Select a valid choice" in page.text
    assert sorted(page.column("Visit")) == sorted(ALL_NEWEST_FIRST), "A bad filter should filter nothing"
    # The place is typed: a number is just a name nothing matches.
    unknown = Page(leader_client.get(reverse("delegations:visit-list") + "?place=999999"))
    assert "No visits match." in unknown.text


@pytest.mark.services
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs DATABASE_URL (the services run)")
@pytest.mark.django_db(transaction=True)
def test_a_visit_completed_while_its_last_participant_is_removed_is_not_left_with_none(officer: Any) -> None:
    """The removal holds the visit's lock; the completion waits for it, then counts no one."""
    visit = make.VisitFactory(status=VisitStatus.CONFIRMED)
    last = make.ParticipantFactory(visit=visit, name="Cllr Jo Bloggs")
    removing, refusals = threading.Event(), []

    def remove_and_linger() -> None:
        try:
            with transaction.atomic():
                services.participant_remove(participant=last)
                removing.set()
                time.sleep(1)  # the completion is asked meanwhile
        finally:
            connection.close()

    remover = threading.Thread(target=remove_and_linger)
    remover.start()
    assert removing.wait(10)
    try:
        services.visit_change_status(record=Visit.objects.get(pk=visit.pk), to_status="completed", by=officer)
    except RuleBroken as refusal:
        refusals.append(refusal.message)
    remover.join()

    assert refusals == ["A visit cannot be completed with no participants: record who took part first."]
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.CONFIRMED
