"""Bad input on the visit and gift forms: a clear message beside the field, nothing saved.

Each test posts what an officer might get wrong, then reads the page as they
would (the error tied to the field with that label, the field marked
invalid, what they typed kept) and checks that no row of the register or of
its history was written. The forms on the visit page come back on the visit
page with status 400; the visit and gift forms on their own pages with 200.
Last, two officers saving the same visit or gift: the second is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from delegations.models import Gift, Visit, VisitStatus
from tests.factories import GiftFactory, OrganisationFactory, ParticipantFactory, VisitFactory
from tests.support.database import unchanged
from tests.support.pages import REQUIRED, Page, record_page, refused, second_save, within

BAD_DATE = "Enter a valid date."
NOT_SAVED = "Your changes have not been saved"


# --- The visit form ------------------------------------------------------------------


def post_new_visit(client: Client, xian: Any, values: dict[str, Any]) -> Page:
    url = reverse("delegations:visit-create")
    form = within(Page(client.get(url)).form_of("Title"))
    data = form.fill(
        {
            "Relationship": str(xian),
            "Direction": "Outbound (from us)",
            "Purpose": "Exploratory",
            "Title": "Exploratory visit to China",
            **values,
        },
    )
    with unchanged():
        return refused(client.post(url, data), 200)


def test_a_visit_that_ends_before_it_starts(officer_client: Client, xian: Any) -> None:
    page = post_new_visit(officer_client, xian, {"Starts": "2015-11-06", "Ends": "2015-11-02"})
    assert page.field_error("Ends") == "A visit cannot end before it starts."
    assert page.invalid_fields() == ["Ends"]
    assert (page.value("Starts"), page.value("Ends")) == ("2015-11-06", "2015-11-02")
    assert page.value("Title") == "Exploratory visit to China"


def test_a_visit_with_an_end_but_no_start(officer_client: Client, xian: Any) -> None:
    page = post_new_visit(officer_client, xian, {"Ends": "2015-11-02"})
    assert page.field_error("Starts") == "Give the start date as well as the end date."


@pytest.mark.parametrize("typed", ["2015-13-45", "next Tuesday", "31/02/2015"])
def test_a_visit_with_a_malformed_date(officer_client: Client, xian: Any, typed: str) -> None:
    page = post_new_visit(officer_client, xian, {"Starts": typed})
    assert page.field_error("Starts") == BAD_DATE
    assert page.value("Starts") == typed
    page = post_new_visit(officer_client, xian, {"Starts": "2015-11-02", "Ends": typed})
    assert page.field_error("Ends") == BAD_DATE


def test_a_malformed_start_with_an_end_is_only_called_malformed(officer_client: Client, xian: Any) -> None:
    page = post_new_visit(officer_client, xian, {"Starts": "2015-13-45", "Ends": "2015-11-06"})
    assert page.field_error("Starts") == BAD_DATE


def test_a_visit_paid_by_a_company_must_name_it(officer_client: Client, xian: Any) -> None:
    page = post_new_visit(officer_client, xian, {"Who pays": "A company"})
    assert page.field_error("Paying organisation") == "Name the company that pays."


def test_a_visit_with_nobody_expected_to_travel(officer_client: Client, xian: Any) -> None:
    page = post_new_visit(officer_client, xian, {"Number expected to travel": "0"})
    assert page.field_error("Number expected to travel") == "A party has at least one person."


def test_a_visit_with_a_negative_actual_cost(officer_client: Client, xian: Any) -> None:
    page = post_new_visit(officer_client, xian, {"Actual cost (£)": "-10.00"})
    assert page.field_error("Actual cost (£)") == "A cost cannot be negative."


def test_a_visit_without_a_title(officer_client: Client, xian: Any) -> None:
    page = post_new_visit(officer_client, xian, {"Title": ""})
    assert page.field_error("Title") == REQUIRED


def test_a_new_visit_cannot_start_completed(officer_client: Client, xian: Any) -> None:
    url = reverse("delegations:visit-create")
    data = within(Page(officer_client.get(url)).form_of("Title")).fill(
        {"Relationship": str(xian), "Direction": "Inbound (to us)", "Purpose": "Trade", "Title": "Hefei"},
    )
    with unchanged():
        page = refused(officer_client.post(url, {**data, "status": "completed"}), 200)
    assert "Select a valid choice" in page.field_error("Status to start in")


def test_editing_a_visit_to_end_before_it_starts(officer_client: Client, china_visit: Visit) -> None:
    url = reverse("delegations:visit-update", args=[china_visit.pk])
    form = within(Page(officer_client.get(url)).form_of("Title"))
    data = form.fill({"Ends": "2015-11-01"})
    with unchanged():
        page = refused(officer_client.post(url, data), 200)
    assert page.field_error("Ends") == "A visit cannot end before it starts."
    fresh = Visit.objects.get(pk=china_visit.pk)
    assert (fresh.ends_on, fresh.version) == (date(2015, 11, 6), china_visit.version)


# --- The forms on the visit page ------------------------------------------------------------


def post_on_visit_page(client: Client, visit: Visit, url_name: str, values: dict[str, Any]) -> Page:
    """Fills one of the visit page's forms; it must come back refused, having saved nothing."""
    url = reverse(f"delegations:{url_name}", args=[visit.pk])
    data = record_page(client, visit).form_posting_to(url).fill(values)
    with unchanged():
        page = refused(client.post(url, data), 400)
    assert page.root.find_all("h1")[0].text == visit.title, "The visit page is not shown again"
    return page


@pytest.mark.parametrize("quantity", ["0", "-2", "0.00"])
def test_a_cost_item_with_no_or_a_negative_quantity(
    officer_client: Client, china_visit: Visit, quantity: str
) -> None:
    values = {"Category": "Travel", "Quantity": quantity, "Unit cost (£)": "650"}
    page = post_on_visit_page(officer_client, china_visit, "cost-item-add", values)
    assert page.field_error("Quantity") == "The quantity must be more than zero."
    assert page.value("Quantity") == quantity
    assert page.invalid_fields() == ["Quantity"]


def test_a_cost_item_with_a_negative_cost(officer_client: Client, china_visit: Visit) -> None:
    page = post_on_visit_page(
        officer_client,
        china_visit,
        "cost-item-add",
        {"Category": "Travel", "Quantity": "4", "Unit cost (£)": "-650"},
    )
    assert page.field_error("Unit cost (£)") == "A cost cannot be negative."


def test_a_cost_item_without_a_category_or_cost(officer_client: Client, china_visit: Visit) -> None:
    page = post_on_visit_page(officer_client, china_visit, "cost-item-add", {"Quantity": "4"})
    assert page.field_error("Category") == REQUIRED
    assert page.field_error("Unit cost (£)") == REQUIRED


def test_a_completed_visit_with_no_participants(officer_client: Client, china_visit: Visit) -> None:
    china_visit.status = VisitStatus.CONFIRMED
    china_visit.save()
    history = china_visit.history.count()
    page = post_on_visit_page(officer_client, china_visit, "visit-status", {"New status": "Completed"})
    assert page.field_error("New status") == (
        "A visit cannot be completed with no participants: record who took part first."
    )
    fresh = Visit.objects.get(pk=china_visit.pk)
    assert (fresh.status, fresh.version) == (VisitStatus.CONFIRMED, china_visit.version)
    assert fresh.history.count() == history
    assert list(fresh.status_changes.values_list("to_status", flat=True)) == ["proposed"]


@pytest.mark.parametrize("typed", ["Zhang Wei", "ZHANG WEI", "zhang wei", "  Zhang Wei  "])
def test_a_participant_added_twice(officer_client: Client, china_visit: Visit, typed: str) -> None:
    ParticipantFactory(visit=china_visit, name="Zhang Wei", role="partner_official")
    page = post_on_visit_page(
        officer_client, china_visit, "participant-add", {"Name": typed, "Role": "Partner official"}
    )
    assert page.field_error("Name") == "This person is already a participant in this visit."
    assert page.invalid_fields() == ["Name"]


def test_the_same_person_may_join_another_visit(
    officer_client: Client, china_visit: Visit, xian: Any
) -> None:
    ParticipantFactory(visit=VisitFactory(relationship=xian), name="Zhang Wei")
    url = reverse("delegations:participant-add", args=[china_visit.pk])
    data = (
        record_page(officer_client, china_visit)
        .form_posting_to(url)
        .fill(
            {"Name": "Zhang Wei", "Role": "Officer"},
        )
    )
    assert officer_client.post(url, data).status_code == 302
    assert china_visit.participants.get().name == "Zhang Wei"


def test_a_participant_without_a_name_or_role(officer_client: Client, china_visit: Visit) -> None:
    page = post_on_visit_page(officer_client, china_visit, "participant-add", {"Name": ""})
    assert page.field_error("Name") == REQUIRED
    assert page.field_error("Role") == REQUIRED


def test_a_meeting_with_a_malformed_date(officer_client: Client, china_visit: Visit) -> None:
    rail = OrganisationFactory(name="Derby and Derbyshire Rail")
    page = post_on_visit_page(
        officer_client, china_visit, "meeting-add", {"Organisation": rail.name, "When": "3rd Nov"}
    )
    assert page.field_error("When") == BAD_DATE


def test_a_meeting_outside_the_visit(officer_client: Client, china_visit: Visit) -> None:
    rail = OrganisationFactory(name="Derby and Derbyshire Rail")
    page = post_on_visit_page(
        officer_client, china_visit, "meeting-add", {"Organisation": rail.name, "When": "2015-11-09"}
    )
    assert page.field_error("When") == "The meeting must fall within the visit's dates."


@pytest.mark.parametrize(
    ("label", "typed", "message"),
    [
        ("People travelling", "0", "Ensure this value is greater than or equal to 1."),
        ("Nights", "-1", "Ensure this value is greater than or equal to 0."),
        ("Nightly rate per person (£)", "-60", "Ensure this value is greater than or equal to 0."),
        ("Fare per person (£)", "six hundred", "Enter a number."),
        ("Civic gifts (£)", "", REQUIRED),
    ],
)
def test_a_quick_estimate_with_bad_figures(
    officer_client: Client, china_visit: Visit, label: str, typed: str, message: str
) -> None:
    values = {"Nightly rate per person (£)": "60", "Fare per person (£)": "650", label: typed}
    page = post_on_visit_page(officer_client, china_visit, "estimate-add", values)
    assert page.field_error(label) == message
    assert page.invalid_fields() == [label]


def test_a_follow_up_without_a_title_or_with_a_malformed_date(
    officer_client: Client, china_visit: Visit
) -> None:
    page = post_on_visit_page(officer_client, china_visit, "follow-up-add", {"Title": "", "Due": "soon"})
    assert page.field_error("Title") == REQUIRED
    assert page.field_error("Due") == BAD_DATE


def test_one_form_s_errors_leave_the_others_alone(officer_client: Client, china_visit: Visit) -> None:
    page = post_on_visit_page(officer_client, china_visit, "cost-item-add", {"Quantity": "-1"})
    assert set(page.invalid_fields()) == {"Category", "Quantity", "Unit cost (£)"}
    estimate = page.form_posting_to(reverse("delegations:estimate-add", args=[china_visit.pk]))
    assert estimate.value("People travelling") == "4"
    assert estimate.invalid_fields() == []


# --- The gift form ---------------------------------------------------------------------------


def post_new_gift(client: Client, values: dict[str, Any]) -> Page:
    url = reverse("delegations:gift-create")
    data = within(Page(client.get(url)).form_of("Description")).fill(
        {
            "Direction": "Received (or offered to us)",
            "Description": "Terracotta warrior replica",
            "Estimated value (£)": "120.00",
            "From or to whom": "Mayor of Xi'an",
            "Date": "2015-11-03",
            **values,
        },
    )
    with unchanged():
        return refused(client.post(url, data), 200)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", REQUIRED),
        ("0", "Give an estimated value of at least 1p."),
        ("-5", "Give an estimated value of at least 1p."),
    ],
    ids=["no value", "zero", "negative"],
)
def test_a_gift_with_no_value(officer_client: Client, db: Any, typed: str, message: str) -> None:
    page = post_new_gift(officer_client, {"Estimated value (£)": typed})
    assert page.field_error("Estimated value (£)") == message
    assert page.value("Description") == "Terracotta warrior replica"


def test_a_gift_with_a_malformed_date(officer_client: Client, db: Any) -> None:
    page = post_new_gift(officer_client, {"Date": "2015-02-30"})
    assert page.field_error("Date") == BAD_DATE


def test_a_gift_declared_before_it_was_received(officer_client: Client, db: Any) -> None:
    page = post_new_gift(officer_client, {"Declared on": "2015-11-01"})
    assert page.field_error("Declared on") == "A gift cannot be declared before its date."


def test_a_gift_we_give_cannot_be_marked_refused(officer_client: Client, db: Any) -> None:
    values = {"Direction": "Given by us", "Description": "Derby porcelain plate", "Refused": True}
    page = post_new_gift(officer_client, {**values, "Estimated value (£)": "45.00"})
    assert page.field_error("Refused") == "Only a gift offered to us can be refused."
    assert page.invalid_fields() == ["Refused"]


# --- Two officers at once ----------------------------------------------------------------


def test_second_save_of_a_visit_is_refused_and_keeps_what_was_typed(
    officer_client: Client, colleague_client: Client, china_visit: Visit
) -> None:
    url = reverse("delegations:visit-update", args=[china_visit.pk])
    changes = ({"location": "Xi'an and Hefei"}, {"outcomes": "A rail supply chain visit is planned."})
    page = second_save(officer_client, colleague_client, url, "Title", changes)
    assert "Olivia Officer saved this record" in page.errors_summary()
    assert NOT_SAVED in page.errors_summary()
    assert "where" in page.errors_summary(), "The message does not say which field the colleague changed"
    assert page.value("Outcomes") == "A rail supply chain visit is planned."
    fresh = Visit.objects.get(pk=china_visit.pk)
    assert (fresh.location, fresh.outcomes) == ("Xi'an and Hefei", "")

    # Saving again, now told, goes through.
    assert colleague_client.post(url, page.form_values("Title")).status_code == 302
    assert Visit.objects.get(pk=china_visit.pk).outcomes == "A rail supply chain visit is planned."


def test_second_save_of_a_gift_is_refused(officer_client: Client, colleague_client: Client, db: Any) -> None:
    gift = GiftFactory(description="Terracotta warrior replica", value="120.00", on=date(2015, 11, 3))
    url = reverse("delegations:gift-update", args=[gift.pk])
    changes = ({"declared_on": "2015-11-20"}, {"value": "150.00"})
    page = second_save(officer_client, colleague_client, url, "Description", changes)
    assert "Olivia Officer saved this record" in page.errors_summary()
    assert NOT_SAVED in page.errors_summary()
    assert page.value("Estimated value (£)") == "150.00"
    fresh = Gift.objects.get(pk=gift.pk)
    assert (str(fresh.value), fresh.declared_on) == ("120.00", date(2015, 11, 20))


def test_stale_status_change_of_a_visit_is_refused_and_choosing_again_goes_through(
    officer_client: Client, colleague_client: Client, china_visit: Visit
) -> None:
    status_url = reverse("delegations:visit-status", args=[china_visit.pk])
    olivias = record_page(officer_client, china_visit).form_posting_to(status_url)
    priyas = record_page(colleague_client, china_visit).form_posting_to(status_url)
    assert officer_client.post(status_url, olivias.fill({"New status": "Confirmed"})).status_code == 302

    with unchanged():
        response = colleague_client.post(status_url, priyas.fill({"New status": "Cancelled"}))
    page = refused(response, 400)
    assert "Someone else changed this visit after you opened it" in page.errors_summary()
    fresh = Visit.objects.get(pk=china_visit.pk)
    assert fresh.status == VisitStatus.CONFIRMED
    assert list(fresh.status_changes.values_list("to_status", flat=True)) == ["proposed", "confirmed"]

    # The form comes back at the version now stored, offering the moves from Confirmed.
    again = page.form_posting_to(status_url)
    assert again.form_values("New status")["version"] == str(fresh.version)
    assert again.options("New status") == ["Proposed", "Completed", "Cancelled"]
    response = colleague_client.post(status_url, again.fill({"New status": "Cancelled"}))
    assert response.status_code == 302
    assert Visit.objects.get(pk=china_visit.pk).status == VisitStatus.CANCELLED
